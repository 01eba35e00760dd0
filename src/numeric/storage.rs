//! Where an evaluation keeps its values: a slot for every node of the arena, pointing into a
//! compact list of entries, and the entries of small matrices packed in one buffer.

use crate::math::expr::ExprId;
use crate::numeric::matrix::{Matrix, MatrixRef, Scalar};

/// A computed value. Inputs are borrowed and a named node stands for its definition's value,
/// so that neither copies a matrix: with wide layers the copies cost more than the products.
/// Kept small (16 bytes; an entry 24): a deep chain's base evaluation holds a quarter of a
/// million of them.
pub(super) enum Value<'a, T> {
    Input(&'a Matrix<T>),
    /// A small value, kept in the store's `data`.
    Stored(Span),
    /// A large value, in an allocation of its own.
    Owned(Box<Matrix<T>>),
    /// The value of another node: a named node's definition.
    Same(ExprId),
}

/// Where a stored value's entries lie in the store's `data`, and its rows and columns: 32 bits
/// each, as the check's budget keeps every count far below 2³².
#[derive(Clone, Copy)]
pub(super) struct Span {
    rows: u32,
    cols: u32,
    start: u32,
}

impl Span {
    fn new(rows: usize, cols: usize, start: usize) -> Span {
        let narrow = |n: usize| u32::try_from(n).expect("an evaluation holds under 2³² entries");
        Span {
            rows: narrow(rows),
            cols: narrow(cols),
            start: narrow(start),
        }
    }

    fn range(self) -> std::ops::Range<usize> {
        let start = self.start as usize;
        start..start + self.rows as usize * self.cols as usize
    }
}

/// Values of at most this many entries are stored together in one buffer: a deep chain's
/// check computes millions of 5×4 matrices, and allocating each on its own costs more than
/// computing it. Larger ones would cost more to copy there than to allocate.
pub(super) const STORED_ENTRIES: usize = 1024;

/// A slot that holds no value.
pub(super) const EMPTY: u32 = u32::MAX;
/// A node on the evaluation's stack, its operands not all evaluated yet.
pub(super) const PENDING: u32 = u32::MAX - 1;
/// A node whose value is the base evaluation's (see `check::nearby::Nearby`).
pub(super) const IN_BASE: u32 = u32::MAX - 2;

pub(super) struct Entry<'a, T> {
    pub(super) id: ExprId,
    pub(super) value: Value<'a, T>,
    /// Differs from the base evaluation: moved, or computed from something that was.
    pub(super) changed: bool,
    /// Given by the caller (an override, or a moved value), not computed.
    pub(super) given: bool,
}

/// The values of some of an arena's nodes. Every node has a slot, indexed by id, pointing into
/// a compact list of entries, so that a lookup costs no hashing and emptying the store costs
/// only what it holds: the check evaluates hundreds of thousands of small neighbourhoods of a
/// deep chain, each touching a handful of its nodes.
pub struct NodeValues<'a, T> {
    pub(super) slot: Vec<u32>,
    pub(super) entries: Vec<Entry<'a, T>>,
    /// The entries of the `Stored` values, one after another.
    pub(super) data: Vec<T>,
    /// Nodes marked `IN_BASE`, to be emptied with the entries.
    pub(super) in_base: Vec<ExprId>,
    /// The evaluation's stack, kept for its allocation: (node, operands already pushed).
    pub(super) stack: Vec<(ExprId, bool)>,
    /// Where `compute` writes a new value before it is stored, kept for its allocation.
    pub(super) scratch: Vec<T>,
}

impl<'a, T: Scalar> NodeValues<'a, T> {
    pub(super) fn new(len: usize) -> Self {
        NodeValues {
            slot: vec![EMPTY; len],
            entries: Vec::new(),
            data: Vec::new(),
            in_base: Vec::new(),
            stack: Vec::new(),
            scratch: Vec::new(),
        }
    }

    pub(super) fn entry(&self, id: ExprId) -> Option<&Entry<'a, T>> {
        let slot = self.slot[id.index()];
        (slot < IN_BASE).then(|| &self.entries[slot as usize])
    }

    pub(super) fn insert(&mut self, id: ExprId, value: Value<'a, T>, changed: bool, given: bool) {
        self.slot[id.index()] = self.entries.len() as u32;
        self.entries.push(Entry {
            id,
            value,
            changed,
            given,
        });
    }

    /// Inserts a computed or given matrix: stored with the others when it is small.
    pub(super) fn insert_matrix(&mut self, id: ExprId, m: Matrix<T>, changed: bool, given: bool) {
        let value = if m.data.len() <= STORED_ENTRIES {
            let start = self.data.len();
            self.data.extend_from_slice(&m.data);
            Value::Stored(Span::new(m.rows, m.cols, start))
        } else {
            Value::Owned(Box::new(m))
        };
        self.insert(id, value, changed, given);
    }

    /// Inserts what `compute` wrote into `scratch`: copied to the others when small, else
    /// moved into an allocation of its own.
    pub(super) fn insert_computed(
        &mut self,
        id: ExprId,
        (rows, cols): (usize, usize),
        scratch: &mut Vec<T>,
        changed: bool,
    ) {
        let value = if scratch.len() <= STORED_ENTRIES {
            let start = self.data.len();
            self.data.extend_from_slice(scratch);
            Value::Stored(Span::new(rows, cols, start))
        } else {
            Value::Owned(Box::new(Matrix::from_vec(
                rows,
                cols,
                std::mem::take(scratch),
            )))
        };
        self.insert(id, value, changed, false);
    }

    /// Gives `id` the value of a point moved away from the base evaluation's.
    pub fn insert_moved(&mut self, id: ExprId, m: Matrix<T>) {
        self.insert_matrix(id, m, true, true);
    }

    /// `insert_moved` with the entries as they are computed, without a matrix allocated for a
    /// small value.
    pub fn insert_moved_entries(
        &mut self,
        id: ExprId,
        (rows, cols): (usize, usize),
        entries: impl Iterator<Item = T>,
    ) {
        if rows * cols <= STORED_ENTRIES {
            let start = self.data.len();
            self.data.extend(entries);
            let value = Value::Stored(Span::new(rows, cols, start));
            self.insert(id, value, true, true);
        } else {
            let m = Matrix::from_vec(rows, cols, entries.collect());
            self.insert(id, Value::Owned(Box::new(m)), true, true);
        }
    }

    /// The entries of the `index`th value, a matrix, to be written over.
    pub fn values_mut(&mut self, index: usize) -> &mut [T] {
        if let Value::Stored(span) = self.entries[index].value {
            return &mut self.data[span.range()];
        }
        match &mut self.entries[index].value {
            Value::Owned(m) => &mut m.data,
            _ => unreachable!("only a matrix is written over"),
        }
    }

    /// Forgets every value, keeping the allocations.
    pub fn clear(&mut self) {
        self.data.clear();
        for entry in self.entries.drain(..) {
            self.slot[entry.id.index()] = EMPTY;
        }
        for id in self.in_base.drain(..) {
            self.slot[id.index()] = EMPTY;
        }
    }
}

/// The value of `id` in `values`, or else in `base`, following named nodes to their definitions.
pub(super) fn lookup<'t, T: Scalar>(
    values: &'t NodeValues<'_, T>,
    base: Option<&'t NodeValues<'_, T>>,
    mut id: ExprId,
) -> Option<MatrixRef<'t, T>> {
    loop {
        let (holder, entry) = match values.entry(id) {
            Some(entry) => (values, entry),
            None => {
                let base = base?;
                (base, base.entry(id)?)
            }
        };
        match &entry.value {
            Value::Input(m) => return Some(m.view()),
            Value::Owned(m) => return Some(m.view()),
            &Value::Stored(span) => {
                return Some(MatrixRef {
                    rows: span.rows as usize,
                    cols: span.cols as usize,
                    data: &holder.data[span.range()],
                });
            }
            Value::Same(other) => id = *other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_takes_16_bytes_and_an_entry_24() {
        assert_eq!(std::mem::size_of::<Value<'static, f64>>(), 16);
        assert_eq!(std::mem::size_of::<Entry<'static, f64>>(), 24);
    }
}
