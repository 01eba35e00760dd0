//! Symbolic dimensions and shapes.
//!
//! Every expression has a shape `rows × cols` whose sides are symbolic dimensions (`n`, `d`, `K`,
//! `d1`, …) or the literal 1. Dimensions are compared by name, never by size: `n` and `d` are
//! different dimensions even when the numeric check happens to give them the same size, so a
//! missing transpose is a construction error, not a silent success.

use std::fmt;
use std::sync::Mutex;

use rustc_hash::{FxBuildHasher, FxHashSet};

/// A dimension: the literal 1, or a named size such as `n`, `d`, `K` or `d1`.
///
/// The name is interned (see `Dim::named`), so that cloning a dimension copies a pointer: every
/// node of an expression carries a shape of two dimensions, and a deep chain builds hundreds of
/// thousands of nodes.
// Equality is by name, as a derived one would be, so the derived `Hash` of the name agrees
// with it; `PartialEq` is written out only to compare addresses first.
#[allow(clippy::derived_hash_with_manual_eq)]
#[derive(Clone, Eq, Hash, Debug, PartialOrd, Ord)]
pub enum Dim {
    One,
    Named(&'static str),
}

impl PartialEq for Dim {
    fn eq(&self, other: &Dim) -> bool {
        match (self, other) {
            (Dim::One, Dim::One) => true,
            // Names are interned, so equal names almost always share an address: shapes are
            // compared at every node built, and comparing the text would call memcmp.
            (Dim::Named(a), Dim::Named(b)) => std::ptr::eq(*a, *b) || a == b,
            _ => false,
        }
    }
}

/// Every dimension name made so far, each stored once for the rest of the process. Networks use
/// few distinct names (n, K, N, d and one dᵏ per linear layer, so at most one per layer of the
/// longest chain allowed), which keeps this small however many networks a process builds.
/// Leaking them buys shapes that clone as two pointers and compare by address, part of the
/// derivation's 4.2× fewer instructions (BENCHMARKS.md, "What changed in the source";
/// `CALLGRIND=1 bench/whole_process.sh` counts them).
static NAMES: Mutex<FxHashSet<&'static str>> = Mutex::new(FxHashSet::with_hasher(FxBuildHasher));

impl Dim {
    pub fn named(name: &str) -> Dim {
        // A poisoned lock still holds a valid set: inserting is the only change made under it.
        let mut names = NAMES
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let interned = match names.get(name) {
            Some(&interned) => interned,
            None => {
                let leaked: &'static str = Box::leak(name.to_owned().into_boxed_str());
                names.insert(leaked);
                leaked
            }
        };
        Dim::Named(interned)
    }

    pub fn is_one(&self) -> bool {
        matches!(self, Dim::One)
    }

    /// The ASCII name (`d1`), or `1`.
    pub fn name(&self) -> &str {
        match self {
            Dim::One => "1",
            Dim::Named(name) => name,
        }
    }
}

/// The shape of a matrix expression; vectors are columns (`d × 1`), scalars are `1 × 1`.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct Shape {
    pub rows: Dim,
    pub cols: Dim,
}

impl Shape {
    pub fn new(rows: Dim, cols: Dim) -> Shape {
        Shape { rows, cols }
    }

    pub fn scalar() -> Shape {
        Shape::new(Dim::One, Dim::One)
    }

    pub fn column(dim: Dim) -> Shape {
        Shape::new(dim, Dim::One)
    }

    pub fn row(dim: Dim) -> Shape {
        Shape::new(Dim::One, dim)
    }

    pub fn square(dim: Dim) -> Shape {
        Shape::new(dim.clone(), dim)
    }

    pub fn transposed(&self) -> Shape {
        Shape::new(self.cols.clone(), self.rows.clone())
    }

    pub fn is_scalar(&self) -> bool {
        self.rows.is_one() && self.cols.is_one()
    }

    /// A column vector (`d × 1`), including a scalar.
    pub fn is_column(&self) -> bool {
        self.cols.is_one()
    }

    /// A row vector (`1 × d`), including a scalar.
    pub fn is_row(&self) -> bool {
        self.rows.is_one()
    }

    /// The shape in Unicode, written piece by piece: every row of a deep chain's tables prints
    /// one.
    pub fn text(&self) -> String {
        let push = |text: &mut String, dim: &Dim| match dim {
            Dim::One => text.push('1'),
            Dim::Named(name) => crate::math::symbol::push_dim_text(text, name),
        };
        let mut text = String::with_capacity(16);
        push(&mut text, &self.rows);
        text.push('×');
        push(&mut text, &self.cols);
        text
    }
}

impl fmt::Display for Shape {
    /// `d×n`, `d×1`, `1×K`, `d₂×d₁`: both sides always, so that a column and a row never look
    /// alike.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text())
    }
}

/// An expression was built from operands whose shapes do not fit together.
#[derive(Debug, Clone, PartialEq)]
pub struct ShapeError {
    pub operation: &'static str,
    pub left: Shape,
    pub right: Shape,
}

impl fmt::Display for ShapeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "shape mismatch in {}: {} and {}",
            self.operation, self.left, self.right
        )
    }
}

impl std::error::Error for ShapeError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transpose_swaps_sides() {
        let s = Shape::new(Dim::named("d"), Dim::named("n"));
        assert_eq!(s.transposed(), Shape::new(Dim::named("n"), Dim::named("d")));
        assert_eq!(s.to_string(), "d×n");
    }

    #[test]
    fn columns_and_rows_are_told_apart() {
        assert!(Shape::column(Dim::named("d")).is_column());
        assert!(!Shape::column(Dim::named("d")).is_row());
        assert!(Shape::row(Dim::named("K")).is_row());
        assert_eq!(Shape::row(Dim::named("K")).to_string(), "1×K");
    }
}
