//! Evaluations at points near the check's point, where the finite differences go: only what
//! depends on the moved values is evaluated again.

use crate::math::expr::ExprId;
use crate::numeric::evaluator::Evaluator;
use crate::numeric::matrix::{Matrix, MatrixRef, Scalar};
use crate::numeric::storage::NodeValues;

/// Nodes that move together along directions (see `Nearby::move_along`): their base values
/// and directions one after another, so that going to a point reads two arrays in order
/// rather than tens of thousands of matrices (a deep chain moves every parameter at once).
pub struct Moves<T> {
    /// Each node with its rows and columns, in the order of the entries.
    nodes: Vec<(ExprId, usize, usize)>,
    base: Vec<T>,
    direction: Vec<T>,
}

/// Evaluations at points near a base evaluation, where some nodes (inputs, parameters or named
/// values) take other values: what a finite difference needs. A node that depends on nothing
/// moved keeps the base evaluation's value, so a point that moves z₇ evaluates only what lies
/// between z₇ and the root, and one that moves W⁽⁵⁾ reuses the layers before the fifth.
pub struct Nearby<'b, 'a, T> {
    base: &'b Evaluator<'a, T>,
    values: NodeValues<'a, T>,
    lowest_moved: ExprId,
    /// The nodes `move_along` moved to reach the current point, with their sizes; `None` after
    /// `move_to`.
    moved: Option<Vec<(ExprId, usize, usize)>>,
}

impl<'b, 'a, T: Scalar> Nearby<'b, 'a, T> {
    /// `base` must have no overrides: its values are those of its inputs.
    pub fn new(base: &'b Evaluator<'a, T>) -> Self {
        Nearby {
            base,
            values: base.nearby_values(),
            lowest_moved: ExprId(u32::MAX),
            moved: None,
        }
    }

    /// Goes to the point where each of `moved` takes its value and everything else keeps its
    /// base value; forgets the previous point.
    pub fn move_to(&mut self, moved: impl IntoIterator<Item = (ExprId, Matrix<T>)>) {
        self.values.clear();
        self.lowest_moved = ExprId(u32::MAX);
        self.moved = None;
        for (id, value) in moved {
            self.lowest_moved = self.lowest_moved.min(id);
            self.values.insert_moved(id, value);
        }
    }

    /// Nodes (leaves or named values) that move together, for `move_along`, and the direction
    /// they move along: the entries of each node's part, one node after another.
    pub fn moves(&self, nodes: &[ExprId], direction: Vec<T>) -> Moves<T> {
        let mut moves = Moves {
            nodes: Vec::with_capacity(nodes.len()),
            // Sized once: a deep chain moves every parameter, and growing by copies would
            // touch twice the memory.
            base: Vec::with_capacity(direction.len()),
            direction,
        };
        for &id in nodes {
            let here = self
                .base
                .computed(id)
                .expect("a moved node has a base value");
            moves.nodes.push((id, here.rows, here.cols));
            moves.base.extend_from_slice(here.data);
        }
        assert_eq!(
            moves.base.len(),
            moves.direction.len(),
            "a direction has an entry for each entry of the moved nodes"
        );
        moves
    }

    /// Goes to the point base + t·direction: each node of `moves` takes its base value moved
    /// along its direction (entry by entry, a + t·d), everything else keeps its base value.
    /// The same as `move_to`, without a matrix allocated for each moved value.
    pub fn move_along(&mut self, moves: &Moves<T>, t: T) {
        if self.moved.as_ref() == Some(&moves.nodes) {
            self.revisit(moves, t);
            return;
        }
        self.moved = Some(moves.nodes.clone());
        self.values.clear();
        self.lowest_moved = ExprId(u32::MAX);
        let mut offset = 0;
        for &(id, rows, cols) in &moves.nodes {
            self.lowest_moved = self.lowest_moved.min(id);
            let range = offset..offset + rows * cols;
            offset = range.end;
            let moved = moves.base[range.clone()]
                .iter()
                .zip(&moves.direction[range])
                .map(|(a, d)| *a + t * *d);
            self.values.insert_moved_entries(id, (rows, cols), moved);
        }
    }

    /// `move_along` to another point on the nodes that reached the current one. Every value
    /// the store holds then depends on the moved nodes as it did (the same operands, moved or
    /// not, the same sizes), so it keeps its entries and computes their values again in the
    /// order it first did, operands first, without the walk that found them: the stencil
    /// evaluates the same nodes at four points.
    fn revisit(&mut self, moves: &Moves<T>, t: T) {
        // The moved nodes are the first entries, in the order of `moves`.
        let mut offset = 0;
        for (index, &(_, rows, cols)) in moves.nodes.iter().enumerate() {
            let range = offset..offset + rows * cols;
            offset = range.end;
            let moved = moves.base[range.clone()]
                .iter()
                .zip(&moves.direction[range]);
            for (value, (a, d)) in self.values.values_mut(index).iter_mut().zip(moved) {
                *value = *a + t * *d;
            }
        }
        self.base
            .recompute_nearby(&mut self.values, moves.nodes.len());
    }

    /// The value of `root` at the current point.
    pub fn value(&mut self, root: ExprId) -> MatrixRef<'_, T> {
        self.base
            .value_nearby(&mut self.values, self.lowest_moved, root)
    }
}
