//! Rewriting trees into a convention's symbols.
//!
//! Each node A of the columns derivation gets two forms in the new arena: one whose value is A
//! and one whose value is Aᵀ, both written in the convention's leaves and named values (x⁽ʳᵒʷ⁾ =
//! xᵀ where samples are rows, and so on). Transposes are pushed through as the identities
//! (AB)ᵀ = BᵀAᵀ, (A ± B)ᵀ = Aᵀ ± Bᵀ, (A ⊙ B)ᵀ = Aᵀ ⊙ Bᵀ, f(A)ᵀ = f(Aᵀ) for an elementwise f
//! (softmax over columns becomes softmax over rows), diag(v)ᵀ = diag(v) allow, and of the ways
//! to write each form the one with fewer transposes is kept: so the columns form
//! ((W⁽²⁾ᵀ(ŷ − y)) ⊙ [z₁ > 0])ᵀ becomes ((ŷ − y)W⁽²⁾) ⊙ [z₁ > 0] with rows ŷ, y, z₁.
//!
//! Nodes are visited in the order of their ids, operands before the nodes that use them, so
//! that no depth of tree recurses.

use crate::convention::Convention;
use crate::math::expr::{Arena, ExprId, Node};
use crate::math::shape::{Dim, ShapeError};

pub struct Orient<'a> {
    old: &'a Arena,
    pub new: Arena,
    convention: Convention,
    samples: Option<Dim>,
    /// For each old node, its value and its transpose in the new arena.
    same: Vec<ExprId>,
    flipped: Vec<ExprId>,
    /// For each old leaf or named node, the new node standing for it, as it is written in the
    /// convention (x⁽ʳᵒʷ⁾ rather than its transpose).
    written: Vec<Option<ExprId>>,
    /// The weight of the transposes each new node's tree holds, saturating: how the forms are
    /// compared.
    transposes: Vec<u32>,
}

impl<'a> Orient<'a> {
    pub fn new(old: &'a Arena, convention: Convention, samples: Option<Dim>) -> Self {
        Orient {
            old,
            new: Arena::with_capacity(2 * old.len(), old.len() / 4 + 1),
            convention,
            samples,
            same: Vec::with_capacity(old.len()),
            flipped: Vec::with_capacity(old.len()),
            written: Vec::with_capacity(old.len()),
            transposes: Vec::with_capacity(2 * old.len()),
        }
    }

    /// Rewrites every node of the old arena.
    pub fn run(mut self) -> Result<Self, ShapeError> {
        for index in 0..self.old.len() {
            let id = ExprId(index as u32);
            let (same, flipped, written) = self.rewrite(id)?;
            self.same.push(same);
            self.flipped.push(flipped);
            self.written.push(written);
        }
        Ok(self)
    }

    /// The new form whose value is that of the old node.
    pub fn same(&self, old: ExprId) -> ExprId {
        self.same[old.index()]
    }

    /// The new form whose value is the old node's transpose.
    pub fn flipped(&self, old: ExprId) -> ExprId {
        self.flipped[old.index()]
    }

    /// The old node in the orientation chosen for it: `flip` true for its transpose.
    pub fn oriented(&self, old: ExprId, flip: bool) -> ExprId {
        if flip {
            self.flipped(old)
        } else {
            self.same(old)
        }
    }

    /// Of the two forms, the one with fewer transposes, for a value whose orientation does not
    /// matter (the argument of diag, Σ or ‖·‖², an entrywise condition).
    pub fn either(&mut self, old: ExprId) -> ExprId {
        let (same, flipped) = (self.same(old), self.flipped(old));
        if self.count(flipped) < self.count(same) {
            flipped
        } else {
            same
        }
    }

    /// The new leaf or named node an old one is written as.
    pub fn written(&self, old: ExprId) -> ExprId {
        self.written[old.index()].unwrap_or_else(|| self.same(old))
    }

    fn count(&mut self, id: ExprId) -> u32 {
        while self.transposes.len() <= id.index() {
            let next = ExprId(self.transposes.len() as u32);
            // W⁽ᵏ⁾ᵀ is how a course writes a weight; a transposed value or expression is
            // what a convention's natural form avoids, so it weighs more.
            let own: u32 = match self.new.node(next) {
                Node::Transpose(a) => match self.new.node(*a) {
                    Node::Leaf(symbol) if symbol.is_weight() => 1,
                    _ => 2,
                },
                _ => 0,
            };
            let total = self
                .new
                .operands(next)
                .iter()
                .fold(own, |acc, c| acc.saturating_add(self.transposes[c.index()]));
            self.transposes.push(total);
        }
        self.transposes[id.index()]
    }

    /// Aᵀ, with a transpose of a transpose undone.
    fn transpose(&mut self, a: ExprId) -> ExprId {
        match self.new.node(a) {
            Node::Transpose(inner) => *inner,
            _ if self.new.shape(a).rows.is_one() && self.new.shape(a).cols.is_one() => a,
            _ => self.new.transpose(a),
        }
    }

    /// A product of the factors, a factor that is itself a product spliced in.
    fn product(&mut self, factors: &[ExprId]) -> Result<ExprId, ShapeError> {
        let mut flat = Vec::with_capacity(factors.len());
        for f in factors {
            match self.new.node(*f) {
                Node::Product(inner) => flat.extend_from_slice(inner),
                _ => flat.push(*f),
            }
        }
        self.new.product(&flat)
    }

    /// The better of a form built directly and the transpose of the other one built directly.
    fn fewer(&mut self, direct: ExprId, other: ExprId) -> ExprId {
        let through = self.transpose(other);
        if self.count(through) < self.count(direct) {
            through
        } else {
            direct
        }
    }

    /// As `fewer`, but the transpose of the other form where the two weigh the same.
    fn outside(&mut self, direct: ExprId, other: ExprId) -> ExprId {
        let through = self.transpose(other);
        if self.count(through) <= self.count(direct) {
            through
        } else {
            direct
        }
    }

    fn rewrite(&mut self, id: ExprId) -> Result<(ExprId, ExprId, Option<ExprId>), ShapeError> {
        let old = self.old;
        let shape = old.shape(id).clone();
        let (same, flipped) = match old.node(id).clone() {
            Node::Leaf(symbol) => {
                let flip = self.convention.flips_leaf(&symbol);
                let leaf_shape = if flip { shape.transposed() } else { shape };
                let leaf = self.new.leaf(symbol, leaf_shape);
                let other = self.transpose(leaf);
                let (same, flipped) = if flip { (other, leaf) } else { (leaf, other) };
                return Ok((same, flipped, Some(leaf)));
            }
            Node::Named(_) => {
                let info = old.named(id).expect("a named node").clone();
                let flip = self
                    .convention
                    .flips_named(info.role, &shape, self.samples.as_ref());
                let definition = self.oriented(info.definition, flip);
                let named = self.new.name(info.symbol, definition, info.role);
                let other = self.transpose(named);
                let (same, flipped) = if flip { (other, named) } else { (named, other) };
                return Ok((same, flipped, Some(named)));
            }
            Node::Identity(dim) => {
                let i = self.new.identity(dim);
                (i, i)
            }
            Node::Ones(rows, cols) => {
                let same = self.new.ones_shaped(shape.clone());
                let flipped = self.new.ones_shaped(shape.transposed());
                let _ = (rows, cols);
                (same, flipped)
            }
            Node::Scale(c, a) => {
                let (s, f) = (self.same(a), self.flipped(a));
                (self.new.scale(c.clone(), s), self.new.scale(c, f))
            }
            Node::Add(a, b) => self.pairwise(a, b, Arena::add)?,
            Node::Sub(a, b) => self.pairwise(a, b, Arena::sub)?,
            Node::Hadamard(a, b) => self.pairwise(a, b, Arena::hadamard)?,
            Node::Divide(a, b) => self.pairwise(a, b, Arena::divide)?,
            Node::Product(factors) => {
                let same: Vec<ExprId> = factors.iter().map(|f| self.same(*f)).collect();
                let flipped: Vec<ExprId> = factors.iter().rev().map(|f| self.flipped(*f)).collect();
                let (same, flipped) = (self.product(&same)?, self.product(&flipped)?);
                (self.fewer(same, flipped), self.fewer(flipped, same))
            }
            Node::Transpose(a) => (self.flipped(a), self.same(a)),
            Node::Diag(v) => {
                let v = self.either(v);
                let d = self.new.diag(v)?;
                (d, d)
            }
            Node::Map(func, a) => {
                let (s, f) = (self.same(a), self.flipped(a));
                let same = self.new.map(func, s);
                let flipped = self.new.map(func.transposed(), f);
                // On a tie the transpose goes outside: σ(z₅)ᵀ, [z₃ > 0]ᵀ rather than σ(z₅ᵀ).
                (self.outside(same, flipped), self.outside(flipped, same))
            }
            Node::SquaredNorm(a) => {
                let a = self.either(a);
                let n = self.new.squared_norm(a);
                (n, n)
            }
            Node::Sum(a) => {
                let a = self.either(a);
                let s = self.new.sum(a);
                (s, s)
            }
        };
        Ok((same, flipped, None))
    }

    /// An entrywise operation of two operands: op(A, B) and op(Aᵀ, Bᵀ), each or its transpose.
    fn pairwise(
        &mut self,
        a: ExprId,
        b: ExprId,
        op: fn(&mut Arena, ExprId, ExprId) -> Result<ExprId, ShapeError>,
    ) -> Result<(ExprId, ExprId), ShapeError> {
        let (sa, sb, fa, fb) = (self.same(a), self.same(b), self.flipped(a), self.flipped(b));
        let same = op(&mut self.new, sa, sb)?;
        let flipped = op(&mut self.new, fa, fb)?;
        Ok((self.fewer(same, flipped), self.fewer(flipped, same)))
    }
}
