//! Numeric evaluation of an expression, generic over the scalar type.
//!
//! Evaluation walks the ids an expression needs in increasing order (operands come before the
//! nodes that use them), so it needs no recursion and computes each shared subexpression once.
//! A named node evaluates through its definition unless the caller overrides its value, which
//! is how the check perturbs an intermediate such as z₁ for a finite difference.
//!
//! The logarithm of a named σ(z) or softmax(z), or of 1 − σ(z), is evaluated from z by the
//! stable forms log σ(z) = −softplus(−z), log(1 − σ(z)) = −softplus(z) and log-softmax, so that
//! bce stays finite where σ(z) rounds to 0 or 1; the printed tree is unchanged.

use std::collections::HashMap;
use std::ops::Deref;
use std::rc::Rc;

use crate::expr::{Arena, ExprId, Node};
use crate::func::Func;
use crate::matrix::{Matrix, Scalar};
use crate::shape::Dim;
use crate::symbol::Symbol;

/// The size of every named dimension, in the order the network introduces them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Sizes {
    entries: Vec<(String, usize)>,
    /// Name → position in `entries`: a deep chain has thousands of dimensions.
    index: HashMap<String, usize>,
}

impl Sizes {
    pub fn new(entries: Vec<(String, usize)>) -> Sizes {
        let index = entries
            .iter()
            .enumerate()
            .map(|(i, (name, _))| (name.clone(), i))
            .collect();
        Sizes { entries, index }
    }

    pub fn entries(&self) -> &[(String, usize)] {
        &self.entries
    }

    /// Sets the size of a dimension the network has; `false` if it has none of that name.
    pub fn set(&mut self, name: &str, size: usize) -> bool {
        match self.index.get(name) {
            Some(&i) => {
                self.entries[i].1 = size;
                true
            }
            None => false,
        }
    }

    pub fn of(&self, dim: &Dim) -> usize {
        match dim {
            Dim::One => 1,
            Dim::Named(name) => {
                let i = self
                    .index
                    .get(*name)
                    .unwrap_or_else(|| panic!("no size for dimension {name}"));
                self.entries[*i].1
            }
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
    let mut evaluator = Evaluator::new(arena, sizes, inputs);
    evaluator.overrides = overrides.clone();
    evaluator.value(root).clone()
}

/// A computed value. Inputs are borrowed and a named node shares its definition's value, so
/// that neither copies a matrix: with wide layers the copies cost more than the products.
enum Value<'a, T> {
    Input(&'a Matrix<T>),
    Computed(Rc<Matrix<T>>),
}

impl<T> Clone for Value<'_, T> {
    fn clone(&self) -> Self {
        match self {
            Value::Input(m) => Value::Input(m),
            Value::Computed(m) => Value::Computed(Rc::clone(m)),
        }
    }
}

impl<T> Deref for Value<'_, T> {
    type Target = Matrix<T>;
    fn deref(&self) -> &Matrix<T> {
        match self {
            Value::Input(m) => m,
            Value::Computed(m) => m,
        }
    }
}

/// Evaluates many expressions at one point, computing every shared subexpression once.
pub struct Evaluator<'a, T> {
    arena: &'a Arena,
    sizes: &'a Sizes,
    inputs: &'a Inputs<T>,
    /// Named nodes that take these values instead of their definitions.
    pub overrides: HashMap<ExprId, Matrix<T>>,
    values: HashMap<ExprId, Value<'a, T>>,
}

impl<'a, T: Scalar> Evaluator<'a, T> {
    pub fn new(arena: &'a Arena, sizes: &'a Sizes, inputs: &'a Inputs<T>) -> Self {
        Evaluator {
            arena,
            sizes,
            inputs,
            overrides: HashMap::new(),
            values: HashMap::new(),
        }
    }

    /// The value of `root`, computing only what earlier calls have not.
    pub fn value(&mut self, root: ExprId) -> &Matrix<T> {
        if !self.values.contains_key(&root) {
            for id in self.missing_nodes(root) {
                let value = match self.overrides.get(&id) {
                    Some(v) => Value::Computed(Rc::new(v.clone())),
                    None => compute(
                        self.arena,
                        id,
                        self.sizes,
                        self.inputs,
                        &self.values,
                        &self.overrides,
                    ),
                };
                self.values.insert(id, value);
            }
        }
        &self.values[&root]
    }

    /// The ids `root` depends on that have no value yet, in increasing order, so that operands
    /// come first. An explicit stack, not recursion: the depth comes from the input.
    fn missing_nodes(&self, root: ExprId) -> Vec<ExprId> {
        let mut seen = std::collections::HashSet::new();
        let mut stack = vec![root];
        while let Some(id) = stack.pop() {
            if self.values.contains_key(&id) || !seen.insert(id) {
                continue;
            }
            if self.overrides.contains_key(&id) {
                continue;
            }
            match self.arena.named(id) {
                Some(info) => stack.push(info.definition),
                None => stack.extend(self.arena.children(id)),
            }
        }
        let mut ids: Vec<ExprId> = seen.into_iter().collect();
        ids.sort_unstable();
        ids
    }
}

fn compute<'a, T: Scalar>(
    arena: &Arena,
    id: ExprId,
    sizes: &Sizes,
    inputs: &'a Inputs<T>,
    values: &HashMap<ExprId, Value<'a, T>>,
    overrides: &HashMap<ExprId, Matrix<T>>,
) -> Value<'a, T> {
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
            Value::Input(value)
        }
        Node::Named(_) => {
            let info = arena.named(id).expect("a named node has its info");
            values[&info.definition].clone()
        }
        _ => Value::Computed(Rc::new(compute_new(arena, id, sizes, values, overrides))),
    }
}

/// The value of a node that is neither an input nor named.
fn compute_new<T: Scalar>(
    arena: &Arena,
    id: ExprId,
    sizes: &Sizes,
    values: &HashMap<ExprId, Value<'_, T>>,
    overrides: &HashMap<ExprId, Matrix<T>>,
) -> Matrix<T> {
    let get = |child: &ExprId| &*values[child];
    match arena.node(id) {
        Node::Map(Func::Log, a) if let Some(v) = stable_log(arena, *a, values, overrides) => v,
        Node::Leaf(_) | Node::Named(_) => unreachable!("inputs and named nodes are shared"),
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
        Node::Product(factors) => match &factors[..] {
            [only] => get(only).clone(),
            [first, second, rest @ ..] => {
                let mut acc = get(first).matmul(get(second));
                for f in rest {
                    acc = acc.matmul(get(f));
                }
                acc
            }
            [] => unreachable!("a product has factors"),
        },
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

/// log(a) computed from z when a is a named σ(z) or softmax(z), or 1 − σ(z); `None` otherwise,
/// or when the named value was overridden (its definition then does not give its value).
fn stable_log<T: Scalar>(
    arena: &Arena,
    a: ExprId,
    values: &HashMap<ExprId, Value<'_, T>>,
    overrides: &HashMap<ExprId, Matrix<T>>,
) -> Option<Matrix<T>> {
    // The argument of the named value's defining function, and that function.
    let defined_by = |named: ExprId| -> Option<(Func, &Matrix<T>)> {
        if overrides.contains_key(&named) {
            return None;
        }
        let definition = arena.named(named)?.definition;
        match arena.node(definition) {
            Node::Map(func @ (Func::Sigmoid | Func::Softmax), z) => {
                Some((*func, &**values.get(z)?))
            }
            _ => None,
        }
    };
    let softplus = |v: T| Func::Softplus.apply(v);
    if let Some((func, z)) = defined_by(a) {
        return Some(match func {
            Func::Sigmoid => z.map(|v| -softplus(-v)),
            _ => {
                let m = z.transpose();
                let mut out = Vec::with_capacity(m.data.len());
                for column in m.data.chunks(m.cols.max(1)) {
                    out.extend(Func::LogSoftmax.apply_column(column));
                }
                Matrix::from_vec(m.rows, m.cols, out).transpose()
            }
        });
    }
    if let Node::Sub(ones, b) = arena.node(a)
        && matches!(arena.node(*ones), Node::Ones(..))
        && let Some((Func::Sigmoid, z)) = defined_by(*b)
    {
        return Some(z.map(|v| -softplus(v)));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::loss::{Loss, LossKind};
    use crate::network::Network;
    use crate::spec::parse_spec;

    /// bce of `linear > sigmoid` with n = 1, K = 2: z = W x + b with W = (1, 1)ᵀ, b = 0.
    fn bce_at(x: f64, y: [f64; 2]) -> f64 {
        let spec = parse_spec("linear>sigmoid").unwrap();
        let network = Network::build(&spec, Loss::new(LossKind::Bce), false).unwrap();
        let sizes = Sizes::new(vec![("n".into(), 1), ("K".into(), 2)]);
        let inputs = Inputs::from([
            (Symbol::Input, Matrix::from_vec(1, 1, vec![x])),
            (Symbol::Target, Matrix::from_vec(2, 1, y.to_vec())),
            (Symbol::Weight(1), Matrix::from_vec(2, 1, vec![1.0, -1.0])),
            (Symbol::Bias(1), Matrix::from_vec(2, 1, vec![0.0, 0.0])),
        ]);
        let value = evaluate(
            &network.arena,
            network.loss_value,
            &sizes,
            &inputs,
            &HashMap::new(),
        );
        value.data[0]
    }

    /// −(1/K) Σ [yᵢ log σ(zᵢ) + (1 − yᵢ) log(1 − σ(zᵢ))] in the stable form.
    fn stable_bce(z: [f64; 2], y: [f64; 2]) -> f64 {
        let softplus = |v: f64| v.max(0.0) + (-v.abs()).exp().ln_1p();
        let terms: f64 = (0..2)
            .map(|i| y[i] * softplus(-z[i]) + (1.0 - y[i]) * softplus(z[i]))
            .sum();
        terms / 2.0
    }

    #[test]
    fn bce_stays_finite_where_sigmoid_rounds_to_zero_or_one() {
        for x in [1000.0, -1000.0, 40.0, 0.5, 0.0] {
            for y in [[0.3, 0.9], [0.0, 1.0], [1.0, 0.0]] {
                let value = bce_at(x, y);
                let expected = stable_bce([x, -x], y);
                assert!(value.is_finite(), "x = {x}, y = {y:?}: {value}");
                assert!(
                    (value - expected).abs() <= 1e-12 * expected.abs().max(1.0),
                    "x = {x}, y = {y:?}: {value} vs {expected}"
                );
            }
        }
        // At z = ±1000, the loss is (1 − y₁)·1000 + y₂·1000 over K = 2.
        assert_eq!(
            bce_at(1000.0, [0.3, 0.9]),
            (0.7 * 1000.0 + 0.9 * 1000.0) / 2.0
        );
    }

    #[test]
    fn an_overridden_output_is_used_as_given() {
        let spec = parse_spec("linear>sigmoid").unwrap();
        let network = Network::build(&spec, Loss::new(LossKind::Bce), false).unwrap();
        let sizes = Sizes::new(vec![("n".into(), 1), ("K".into(), 1)]);
        let inputs = Inputs::from([
            (Symbol::Input, Matrix::from_vec(1, 1, vec![1000.0])),
            (Symbol::Target, Matrix::from_vec(1, 1, vec![1.0])),
            (Symbol::Weight(1), Matrix::from_vec(1, 1, vec![1.0])),
            (Symbol::Bias(1), Matrix::from_vec(1, 1, vec![0.0])),
        ]);
        let yhat = HashMap::from([(network.yhat, Matrix::from_vec(1, 1, vec![0.5]))]);
        let value = evaluate(&network.arena, network.loss_value, &sizes, &inputs, &yhat);
        assert!((value.data[0] - 2f64.ln()).abs() < 1e-15);
    }
}
