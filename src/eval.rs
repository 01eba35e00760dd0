//! Numeric evaluation of an expression, generic over the scalar type.
//!
//! Evaluation walks the ids an expression needs in increasing order (operands come before the
//! nodes that use them), so it needs no recursion and computes each shared subexpression once.
//! A named node evaluates through its definition unless the caller overrides its value, which
//! is how the check perturbs an intermediate such as z₁ for a finite difference.

use std::collections::HashMap;

use crate::expr::{Arena, ExprId, Node};
use crate::matrix::{Matrix, Scalar};
use crate::shape::Dim;
use crate::symbol::Symbol;

/// The size of every named dimension.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Sizes(pub Vec<(String, usize)>);

impl Sizes {
    pub fn of(&self, dim: &Dim) -> usize {
        match dim {
            Dim::One => 1,
            Dim::Named(name) => self
                .0
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, size)| *size)
                .unwrap_or_else(|| panic!("no size for dimension {name}")),
        }
    }
}

/// Values of the inputs and parameters: x, y, W⁽ᵏ⁾, b⁽ᵏ⁾.
pub type Inputs<T> = HashMap<Symbol, Matrix<T>>;

/// Evaluates `root`, with named nodes in `overrides` taking the given values.
pub fn evaluate<T: Scalar>(
    arena: &Arena,
    root: ExprId,
    sizes: &Sizes,
    inputs: &Inputs<T>,
    overrides: &HashMap<ExprId, Matrix<T>>,
) -> Matrix<T> {
    let needed = needed_nodes(arena, root, overrides);
    let mut values: HashMap<ExprId, Matrix<T>> = HashMap::with_capacity(needed.len());
    for id in needed {
        let value = if let Some(v) = overrides.get(&id) {
            v.clone()
        } else {
            compute(arena, id, sizes, inputs, &values)
        };
        values.insert(id, value);
    }
    values.remove(&root).expect("the root is always evaluated")
}

/// The ids `root` depends on, in increasing order.
fn needed_nodes<T>(
    arena: &Arena,
    root: ExprId,
    overrides: &HashMap<ExprId, Matrix<T>>,
) -> Vec<ExprId> {
    let mut seen = vec![false; root.index() + 1];
    let mut stack = vec![root];
    while let Some(id) = stack.pop() {
        if seen[id.index()] {
            continue;
        }
        seen[id.index()] = true;
        if overrides.contains_key(&id) {
            continue;
        }
        match arena.named(id) {
            Some(info) => stack.push(info.definition),
            None => stack.extend(arena.children(id)),
        }
    }
    seen.iter()
        .enumerate()
        .filter(|(_, s)| **s)
        .map(|(i, _)| ExprId(i as u32))
        .collect()
}

fn compute<T: Scalar>(
    arena: &Arena,
    id: ExprId,
    sizes: &Sizes,
    inputs: &Inputs<T>,
    values: &HashMap<ExprId, Matrix<T>>,
) -> Matrix<T> {
    let get = |child: &ExprId| &values[child];
    match arena.node(id) {
        Node::Leaf(symbol) => {
            let value = inputs
                .get(symbol)
                .unwrap_or_else(|| panic!("no value for {symbol}"));
            let shape = arena.shape(id);
            assert_eq!(
                (value.rows, value.cols),
                (sizes.of(&shape.rows), sizes.of(&shape.cols)),
                "the value of {symbol} has the wrong size"
            );
            value.clone()
        }
        Node::Named(_) => {
            let info = arena.named(id).expect("a named node has its info");
            values[&info.definition].clone()
        }
        Node::Identity(dim) => Matrix::identity(sizes.of(dim)),
        Node::Ones(rows, cols) => Matrix::filled(sizes.of(rows), sizes.of(cols), T::one()),
        Node::Scale(coef, a) => {
            let c = T::from_f64(coef.value(|d| sizes.of(d)));
            get(a).map(|v| c * v)
        }
        Node::Add(a, b) => get(a).zip(get(b), |x, y| x + y),
        Node::Sub(a, b) => get(a).zip(get(b), |x, y| x - y),
        Node::Hadamard(a, b) => get(a).zip(get(b), |x, y| x * y),
        Node::Divide(a, b) => get(a).zip(get(b), |x, y| x / y),
        Node::Product(factors) => {
            let mut acc = get(&factors[0]).clone();
            for f in &factors[1..] {
                acc = acc.matmul(get(f));
            }
            acc
        }
        Node::Transpose(a) => get(a).transpose(),
        Node::Diag(a) => get(a).diag(),
        Node::Map(func, a) if func.is_elementwise() => get(a).map(|v| func.apply(v)),
        Node::Map(func, a) => {
            // A vector function acts on each column as a whole.
            let m = get(a).transpose();
            let mut out = Vec::with_capacity(m.data.len());
            for column in m.data.chunks(m.cols.max(1)) {
                out.extend(func.apply_column(column));
            }
            Matrix::from_vec(m.rows, m.cols, out).transpose()
        }
        Node::SquaredNorm(a) => {
            let m = get(a);
            Matrix::filled(1, 1, m.data.iter().fold(T::zero(), |acc, v| acc + *v * *v))
        }
        Node::Sum(a) => Matrix::filled(1, 1, get(a).sum()),
    }
}
