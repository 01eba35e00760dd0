//! The expression tree: matrix expressions with symbolic shapes, stored in an arena.
//!
//! Nodes are hash-consed: building the same node twice gives the same `ExprId`, so equal
//! subexpressions are shared (a derivation stays linear in the depth of the network) and the
//! simplifier can recognise a repeated subexpression by comparing ids. A node's operands always
//! have smaller ids than the node, so walking ids in increasing order visits operands first; the
//! evaluator relies on this to work without recursion.
//!
//! Every constructor checks shapes: an expression whose shapes do not fit cannot be built.

use std::collections::hash_map::Entry;
use std::hash::BuildHasher;

use rustc_hash::{FxBuildHasher, FxHashMap};

use crate::math::coef::Coef;
use crate::math::func::Func;
use crate::math::shape::{Dim, Shape, ShapeError};
use crate::math::symbol::Symbol;

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub struct ExprId(pub u32);

impl ExprId {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum Node {
    /// An input or parameter: x, y, W⁽ᵏ⁾, b⁽ᵏ⁾.
    Leaf(Symbol),
    /// A named quantity with a definition (z₁, ŷ, ℓ, ∂z₂/∂z₁): printed by name or expanded,
    /// evaluated through its definition. The index points into `Arena::names`.
    Named(usize),
    /// The identity matrix of a dimension.
    Identity(Dim),
    /// A matrix of ones (rows × cols): the column 𝟏 when cols is 1.
    Ones(Dim, Dim),
    Scale(Coef, ExprId),
    Add(ExprId, ExprId),
    Sub(ExprId, ExprId),
    /// A matrix product of two or more factors, left to right.
    Product(Vec<ExprId>),
    Transpose(ExprId),
    /// Elementwise product ⊙.
    Hadamard(ExprId, ExprId),
    /// Elementwise quotient ⊘.
    Divide(ExprId, ExprId),
    /// The diagonal matrix of a vector (a column, or a row where samples are rows).
    Diag(ExprId),
    /// An elementwise function.
    Map(Func, ExprId),
    /// ‖v‖², the sum of squares of a column.
    SquaredNorm(ExprId),
    /// Σ, the sum of all entries.
    Sum(ExprId),
}

/// What a named node stands for.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Role {
    /// A value computed by the forward pass: zᵢ, ŷ, ℓ.
    Value,
    /// A Jacobian, printed by name in the chain-rule form.
    Derivative,
    /// A backpropagated row ∂ℓ/∂zᵢ, defined through the one after it: named so that a deep
    /// chain's derivation stays linear in its depth.
    Signal,
    /// A value a layer names on the way to its output (a normalization's μ⁽ᵏ⁾, var⁽ᵏ⁾, ẑ⁽ᵏ⁾):
    /// printed by name everywhere, defined in a row of its own in the forward pass.
    Statistic,
}

#[derive(Clone, Debug)]
pub struct NamedInfo {
    pub symbol: Symbol,
    pub definition: ExprId,
    pub role: Role,
}

#[derive(Default, Debug, Clone)]
pub struct Arena {
    nodes: Vec<Node>,
    shapes: Vec<Shape>,
    /// For hash-consing, the newest node with a given hash. The nodes are found through their
    /// hash rather than kept as keys, so that each node is stored once, in `nodes`.
    newest_with_hash: FxHashMap<u64, ExprId>,
    /// For each node, the next older node with the same hash: almost always `None`, but two
    /// different nodes may share a hash.
    older_with_same_hash: Vec<Option<ExprId>>,
    names: Vec<NamedInfo>,
    /// The named value whose definition is a given expression: σ(z₃) ↦ ŷ.
    value_names: FxHashMap<ExprId, ExprId>,
}

type Built = Result<ExprId, ShapeError>;

impl Arena {
    pub fn new() -> Arena {
        Arena::default()
    }

    /// An arena with room for `nodes` nodes, `names` of them named, so that a large derivation
    /// does not copy its tables each time they fill up.
    pub fn with_capacity(nodes: usize, names: usize) -> Arena {
        Arena {
            nodes: Vec::with_capacity(nodes),
            shapes: Vec::with_capacity(nodes),
            newest_with_hash: FxHashMap::with_capacity_and_hasher(nodes, FxBuildHasher),
            older_with_same_hash: Vec::with_capacity(nodes),
            names: Vec::with_capacity(names),
            value_names: FxHashMap::with_capacity_and_hasher(names, FxBuildHasher),
        }
    }

    /// How many nodes the arena has room for before its tables grow.
    pub fn capacity(&self) -> usize {
        self.nodes.capacity()
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    pub fn node(&self, id: ExprId) -> &Node {
        &self.nodes[id.index()]
    }

    pub fn shape(&self, id: ExprId) -> &Shape {
        &self.shapes[id.index()]
    }

    /// The name and definition of a `Named` node.
    pub fn named(&self, id: ExprId) -> Option<&NamedInfo> {
        match self.node(id) {
            Node::Named(index) => Some(&self.names[*index]),
            _ => None,
        }
    }

    /// The named value (zᵢ, ŷ) defined as exactly this expression, if there is one.
    pub fn value_named_by(&self, definition: ExprId) -> Option<ExprId> {
        self.value_names.get(&definition).copied()
    }

    /// The id of `node`: the existing one if the arena has an equal node, else a new one.
    fn intern(&mut self, node: Node, shape: Shape) -> ExprId {
        let new_id = ExprId(self.nodes.len() as u32);
        let older = match self.newest_with_hash.entry(hash_of(&node)) {
            Entry::Vacant(slot) => {
                slot.insert(new_id);
                None
            }
            Entry::Occupied(mut slot) => {
                let same = |other: &Node| *other == node;
                if let Some(id) =
                    find_in_chain(&self.nodes, &self.older_with_same_hash, *slot.get(), same)
                {
                    return id;
                }
                Some(slot.insert(new_id))
            }
        };
        self.push(node, shape, older)
    }

    /// Appends a node that is known to be new.
    fn push(&mut self, node: Node, shape: Shape, older_with_same_hash: Option<ExprId>) -> ExprId {
        let id = ExprId(self.nodes.len() as u32);
        self.nodes.push(node);
        self.shapes.push(shape);
        self.older_with_same_hash.push(older_with_same_hash);
        id
    }

    pub fn leaf(&mut self, symbol: Symbol, shape: Shape) -> ExprId {
        self.intern(Node::Leaf(symbol), shape)
    }

    /// A new named quantity; never shared with another of the same name.
    pub fn name(&mut self, symbol: Symbol, definition: ExprId, role: Role) -> ExprId {
        let index = self.names.len();
        self.names.push(NamedInfo {
            symbol,
            definition,
            role,
        });
        let shape = self.shape(definition).clone();
        // Its index is new, so no node equals it: it is added without a look-up, and needs no
        // entry in the table of hashes.
        let id = self.push(Node::Named(index), shape, None);
        if role == Role::Value {
            self.value_names.entry(definition).or_insert(id);
        }
        id
    }

    pub fn identity(&mut self, dim: Dim) -> ExprId {
        let shape = Shape::square(dim.clone());
        self.intern(Node::Identity(dim), shape)
    }

    /// The column of ones 𝟏 of a dimension.
    pub fn ones(&mut self, dim: Dim) -> ExprId {
        self.ones_shaped(Shape::column(dim))
    }

    /// The matrix of ones of a shape.
    pub fn ones_shaped(&mut self, shape: Shape) -> ExprId {
        self.intern(Node::Ones(shape.rows.clone(), shape.cols.clone()), shape)
    }

    /// c·a; a coefficient of 1 gives `a` itself.
    pub fn scale(&mut self, coef: Coef, a: ExprId) -> ExprId {
        if coef.is_one() {
            return a;
        }
        let shape = self.shape(a).clone();
        self.intern(Node::Scale(coef, a), shape)
    }

    pub fn add(&mut self, a: ExprId, b: ExprId) -> Built {
        let shape = self.same_shape("a sum", a, b)?;
        Ok(self.intern(Node::Add(a, b), shape))
    }

    pub fn sub(&mut self, a: ExprId, b: ExprId) -> Built {
        let shape = self.same_shape("a difference", a, b)?;
        Ok(self.intern(Node::Sub(a, b), shape))
    }

    pub fn hadamard(&mut self, a: ExprId, b: ExprId) -> Built {
        let shape = self.same_shape("an elementwise product", a, b)?;
        Ok(self.intern(Node::Hadamard(a, b), shape))
    }

    pub fn divide(&mut self, a: ExprId, b: ExprId) -> Built {
        let shape = self.same_shape("an elementwise quotient", a, b)?;
        Ok(self.intern(Node::Divide(a, b), shape))
    }

    /// The matrix product of the factors, left to right; one factor is returned as it is.
    pub fn product(&mut self, factors: &[ExprId]) -> Built {
        assert!(!factors.is_empty(), "a product needs a factor");
        if factors.len() == 1 {
            return Ok(factors[0]);
        }
        // Looked up from the factors themselves, so that finding an existing product allocates
        // nothing; an existing product has already had its shapes checked. The slot is kept for
        // a new product, so that the table is searched once.
        let new_id = ExprId(self.nodes.len() as u32);
        let slot = self.newest_with_hash.entry(hash_of_product(factors));
        if let Entry::Occupied(newest) = &slot {
            let same = |node: &Node| matches!(node, Node::Product(f) if f == factors);
            if let Some(id) =
                find_in_chain(&self.nodes, &self.older_with_same_hash, *newest.get(), same)
            {
                return Ok(id);
            }
        }
        let shape_of = |id: ExprId| &self.shapes[id.index()];
        for pair in factors.windows(2) {
            let (left, right) = (shape_of(pair[0]), shape_of(pair[1]));
            if left.cols != right.rows {
                return Err(ShapeError {
                    operation: "a matrix product",
                    left: left.clone(),
                    right: right.clone(),
                });
            }
        }
        let shape = Shape::new(
            shape_of(factors[0]).rows.clone(),
            shape_of(factors[factors.len() - 1]).cols.clone(),
        );
        let older = match slot {
            Entry::Vacant(vacant) => {
                vacant.insert(new_id);
                None
            }
            Entry::Occupied(mut newest) => Some(newest.insert(new_id)),
        };
        Ok(self.push(Node::Product(factors.to_vec()), shape, older))
    }

    pub fn matmul(&mut self, a: ExprId, b: ExprId) -> Built {
        self.product(&[a, b])
    }

    pub fn transpose(&mut self, a: ExprId) -> ExprId {
        let shape = self.shape(a).transposed();
        self.intern(Node::Transpose(a), shape)
    }

    /// diag(v) of a vector v: a column, or a row where samples are rows.
    pub fn diag(&mut self, v: ExprId) -> Built {
        let shape = self.shape(v);
        let side = if shape.rows.is_one() && !shape.cols.is_one() {
            shape.cols.clone()
        } else {
            self.column_shape("diag", v)?.rows
        };
        Ok(self.intern(Node::Diag(v), Shape::square(side)))
    }

    pub fn map(&mut self, func: Func, a: ExprId) -> ExprId {
        let shape = self.shape(a).clone();
        self.intern(Node::Map(func, a), shape)
    }

    /// ‖A‖², the sum of the squares of the entries (of a column, or Frobenius of a matrix).
    pub fn squared_norm(&mut self, a: ExprId) -> ExprId {
        self.intern(Node::SquaredNorm(a), Shape::scalar())
    }

    pub fn sum(&mut self, a: ExprId) -> ExprId {
        self.intern(Node::Sum(a), Shape::scalar())
    }

    /// 1 − a, entry by entry.
    pub fn one_minus(&mut self, a: ExprId) -> Built {
        let ones = self.ones_shaped(self.shape(a).clone());
        self.sub(ones, a)
    }

    fn same_shape(
        &self,
        operation: &'static str,
        a: ExprId,
        b: ExprId,
    ) -> Result<Shape, ShapeError> {
        let (left, right) = (self.shape(a), self.shape(b));
        if left == right {
            Ok(left.clone())
        } else {
            Err(ShapeError {
                operation,
                left: left.clone(),
                right: right.clone(),
            })
        }
    }

    fn column_shape(&self, operation: &'static str, v: ExprId) -> Result<Shape, ShapeError> {
        let shape = self.shape(v);
        if shape.is_column() {
            Ok(shape.clone())
        } else {
            Err(ShapeError {
                operation,
                left: shape.clone(),
                right: Shape::column(shape.rows.clone()),
            })
        }
    }

    /// The number of nodes of the tree under `id`, a shared subtree counted at each use and a
    /// named node as one.
    pub fn tree_size(&self, id: ExprId) -> usize {
        match self.node(id) {
            Node::Named(_) => 1,
            _ => {
                1 + self
                    .operands(id)
                    .iter()
                    .map(|&c| self.tree_size(c))
                    .sum::<usize>()
            }
        }
    }

    /// The operands of a node, in order.
    pub fn children(&self, id: ExprId) -> Vec<ExprId> {
        self.operands(id).to_vec()
    }

    /// The operands of a node, in order, as `children` gives them but without allocating
    /// unless the node is a product of more than `Operands::INLINE` factors: the simplifier
    /// asks for them at every node it visits.
    #[inline]
    pub fn operands(&self, id: ExprId) -> Operands {
        match self.node(id) {
            Node::Leaf(_) | Node::Named(_) | Node::Identity(_) | Node::Ones(..) => {
                Operands::from_slice(&[])
            }
            Node::Scale(_, a)
            | Node::Transpose(a)
            | Node::Diag(a)
            | Node::Map(_, a)
            | Node::SquaredNorm(a)
            | Node::Sum(a) => Operands::from_slice(&[*a]),
            Node::Add(a, b) | Node::Sub(a, b) | Node::Hadamard(a, b) | Node::Divide(a, b) => {
                Operands::from_slice(&[*a, *b])
            }
            Node::Product(factors) => Operands::from_slice(factors),
        }
    }

    /// Rebuilds a node with new operands (in the order `children` gives them), checking shapes.
    pub fn rebuild(&mut self, id: ExprId, children: &[ExprId]) -> Built {
        // The same operands give the node itself: it is interned, so building it again would
        // only find it.
        if *self.operands(id) == *children {
            return Ok(id);
        }
        Ok(match self.node(id) {
            Node::Leaf(_) | Node::Named(_) | Node::Identity(_) | Node::Ones(..) => id,
            Node::Scale(c, _) => self.scale(c.clone(), children[0]),
            Node::Transpose(_) => self.transpose(children[0]),
            Node::Diag(_) => self.diag(children[0])?,
            &Node::Map(f, _) => self.map(f, children[0]),
            Node::SquaredNorm(_) => self.squared_norm(children[0]),
            Node::Sum(_) => self.sum(children[0]),
            Node::Add(..) => self.add(children[0], children[1])?,
            Node::Sub(..) => self.sub(children[0], children[1])?,
            Node::Hadamard(..) => self.hadamard(children[0], children[1])?,
            Node::Divide(..) => self.divide(children[0], children[1])?,
            Node::Product(_) => self.product(children)?,
        })
    }
}

/// The node that `same` accepts among those filed under one hash, from the newest through the
/// older ones (`Arena::older_with_same_hash`).
fn find_in_chain(
    nodes: &[Node],
    older_with_same_hash: &[Option<ExprId>],
    newest: ExprId,
    same: impl Fn(&Node) -> bool,
) -> Option<ExprId> {
    let mut candidate = Some(newest);
    while let Some(id) = candidate {
        if same(&nodes[id.index()]) {
            return Some(id);
        }
        candidate = older_with_same_hash[id.index()];
    }
    None
}

/// The hash under which the arena files a node.
fn hash_of(node: &Node) -> u64 {
    match node {
        Node::Product(factors) => hash_of_product(factors),
        other => FxBuildHasher.hash_one(other),
    }
}

/// A product is filed under the hash of its factors alone, which `Arena::product` can compute
/// before it has built the node.
fn hash_of_product(factors: &[ExprId]) -> u64 {
    FxBuildHasher.hash_one(factors)
}

/// The operands of one node (see `Arena::operands`): up to `INLINE` of them held in place, more
/// (a long product) in a vector. Reads and writes as a slice.
#[derive(Clone, Debug)]
pub enum Operands {
    Inline {
        ids: [ExprId; Operands::INLINE],
        len: usize,
    },
    Heap(Vec<ExprId>),
}

impl Operands {
    /// Enough for every node but a product of many factors.
    pub const INLINE: usize = 4;

    pub fn from_slice(ids: &[ExprId]) -> Operands {
        // Length by length, so that copying is a few moves rather than a call to memcpy: this
        // runs for every node the simplifier visits.
        let unused = ExprId(0);
        let (ids, len) = match *ids {
            [] => ([unused; 4], 0),
            [a] => ([a, unused, unused, unused], 1),
            [a, b] => ([a, b, unused, unused], 2),
            [a, b, c] => ([a, b, c, unused], 3),
            [a, b, c, d] => ([a, b, c, d], 4),
            _ => return Operands::Heap(ids.to_vec()),
        };
        Operands::Inline { ids, len }
    }
}

impl std::ops::Deref for Operands {
    type Target = [ExprId];

    fn deref(&self) -> &[ExprId] {
        match self {
            Operands::Inline { ids, len } => &ids[..*len],
            Operands::Heap(ids) => ids,
        }
    }
}

impl std::ops::DerefMut for Operands {
    fn deref_mut(&mut self) -> &mut [ExprId] {
        match self {
            Operands::Inline { ids, len } => &mut ids[..*len],
            Operands::Heap(ids) => ids,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vector(arena: &mut Arena, symbol: Symbol, dim: &str) -> ExprId {
        arena.leaf(symbol, Shape::column(Dim::named(dim)))
    }

    #[test]
    fn equal_nodes_are_shared() {
        let mut arena = Arena::new();
        let x = vector(&mut arena, Symbol::Input, "n");
        let a = arena.map(Func::Sigmoid, x);
        let b = arena.map(Func::Sigmoid, x);
        assert_eq!(a, b);
    }

    #[test]
    fn a_product_of_mismatched_shapes_cannot_be_built() {
        let mut arena = Arena::new();
        let w = arena.leaf(
            Symbol::Weight(1),
            Shape::new(Dim::named("d"), Dim::named("n")),
        );
        let x = vector(&mut arena, Symbol::Input, "n");
        assert!(arena.matmul(w, x).is_ok());
        // Wᵀx: (n×d)(n×1) does not fit.
        let wt = arena.transpose(w);
        let err = arena.matmul(wt, x).unwrap_err();
        assert_eq!(
            err.to_string(),
            "shape mismatch in a matrix product: n×d and n×1"
        );
    }

    #[test]
    fn sums_need_equal_shapes() {
        let mut arena = Arena::new();
        let x = vector(&mut arena, Symbol::Input, "n");
        let y = vector(&mut arena, Symbol::Target, "K");
        assert!(arena.sub(x, y).is_err());
        let xt = arena.transpose(x);
        assert!(arena.add(x, xt).is_err());
    }

    #[test]
    fn operands_have_smaller_ids() {
        let mut arena = Arena::new();
        let x = vector(&mut arena, Symbol::Input, "n");
        let s = arena.map(Func::Tanh, x);
        let d = arena.diag(s).unwrap();
        for id in [s, d] {
            assert!(arena.children(id).iter().all(|c| *c < id));
        }
    }
}
