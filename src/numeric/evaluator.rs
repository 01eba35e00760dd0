//! The evaluator: numeric values of expressions at a point, generic over the scalar type.
//!
//! Evaluation walks the ids an expression needs in increasing order (operands come before the
//! nodes that use them), so it needs no recursion and computes each shared subexpression once.
//! A named node evaluates through its definition unless the caller overrides its value, which
//! is how the check perturbs an intermediate such as z₁ for a finite difference. Some functions
//! are computed in stable forms (`stable`); the printed tree is unchanged.

use std::collections::HashMap;

use crate::math::expr::{Arena, ExprId, Node};
use crate::math::func::Func;
use crate::math::symbol::Symbol;
use crate::numeric::matrix::{Matrix, MatrixRef, Scalar};
use crate::numeric::sizes::Sizes;
use crate::numeric::stable::{
    apply_stably, bce_derivative, is_log, is_target, stable_log, stable_one_minus,
};
use crate::numeric::storage::{EMPTY, IN_BASE, NodeValues, PENDING, STORED_ENTRIES, Value, lookup};

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
    evaluator.value(root).to_matrix()
}

/// What an evaluation reads: the arena, the sizes and the inputs.
struct Context<'c, 'a, T> {
    arena: &'a Arena,
    sizes: &'a Sizes,
    inputs: &'a Inputs<T>,
    overrides: &'c HashMap<ExprId, Matrix<T>>,
}

/// Calls `f` with each node whose value `id`'s value is computed from: its operands, or a named
/// node's definition. Written out rather than `Arena::children`, which allocates.
pub fn for_each_operand(arena: &Arena, id: ExprId, mut f: impl FnMut(ExprId)) {
    match arena.node(id) {
        Node::Named(_) => f(arena
            .named(id)
            .expect("a named node has its info")
            .definition),
        Node::Leaf(_) | Node::Identity(_) | Node::Ones(..) => {}
        Node::Scale(_, a)
        | Node::Transpose(a)
        | Node::Diag(a)
        | Node::Map(_, a)
        | Node::SquaredNorm(a)
        | Node::Sum(a) => f(*a),
        Node::Add(a, b) | Node::Sub(a, b) | Node::Hadamard(a, b) | Node::Divide(a, b) => {
            f(*a);
            f(*b);
        }
        Node::Product(factors) => factors.iter().copied().for_each(f),
    }
}

/// Evaluates `root` and everything it needs that `values` (or, where nothing moved, `base`) does
/// not hold yet. Nodes below `lowest_moved` cannot depend on a moved value (operands have
/// smaller ids), so where `base` has them it is not searched below them. A depth-first walk in
/// post-order on an explicit stack, not recursion: the depth comes from the input.
fn fill<'a, T: Scalar>(
    values: &mut NodeValues<'a, T>,
    base: Option<&NodeValues<'a, T>>,
    lowest_moved: ExprId,
    context: &Context<'_, 'a, T>,
    root: ExprId,
) {
    let arena = context.arena;
    let in_base = |id: ExprId| base.is_some_and(|b| b.entry(id).is_some());
    let mut stack = std::mem::take(&mut values.stack);
    let mut scratch = std::mem::take(&mut values.scratch);
    stack.push((root, false));
    while let Some((id, expanded)) = stack.pop() {
        if expanded {
            // Every operand has its value now.
            let mut changed = false;
            for_each_operand(arena, id, |a| {
                changed |= values.entry(a).is_some_and(|e| e.changed);
            });
            if !changed && in_base(id) {
                // Marked, not copied: the base keeps the value.
                values.slot[id.index()] = IN_BASE;
                values.in_base.push(id);
                continue;
            }
            match compute(context, id, values, base, &mut scratch) {
                Computed::Value(value) => values.insert(id, value, changed, false),
                Computed::Matrix { rows, cols } => {
                    values.insert_computed(id, (rows, cols), &mut scratch, changed)
                }
            }
            continue;
        }
        if values.slot[id.index()] != EMPTY {
            continue;
        }
        if id < lowest_moved && in_base(id) {
            values.slot[id.index()] = IN_BASE;
            values.in_base.push(id);
            continue;
        }
        // No hashing where nothing is overridden, as at every point the check visits.
        if !context.overrides.is_empty()
            && let Some(v) = context.overrides.get(&id)
        {
            values.insert_matrix(id, v.clone(), true, true);
            continue;
        }
        values.slot[id.index()] = PENDING;
        stack.push((id, true));
        for_each_operand(arena, id, |a| {
            if values.slot[a.index()] == EMPTY {
                stack.push((a, false));
            }
        });
    }
    values.stack = stack;
    values.scratch = scratch;
}

/// Evaluates many expressions at one point, computing every shared subexpression once.
pub struct Evaluator<'a, T> {
    arena: &'a Arena,
    sizes: &'a Sizes,
    inputs: &'a Inputs<T>,
    /// Named nodes that take these values instead of their definitions.
    pub overrides: HashMap<ExprId, Matrix<T>>,
    values: NodeValues<'a, T>,
}

impl<'a, T: Scalar> Evaluator<'a, T> {
    pub fn new(arena: &'a Arena, sizes: &'a Sizes, inputs: &'a Inputs<T>) -> Self {
        Evaluator {
            arena,
            sizes,
            inputs,
            overrides: HashMap::new(),
            values: NodeValues::new(arena.len()),
        }
    }

    /// Makes room for the value of every node of the arena, for an evaluation that computes
    /// nearly all of them (the check's): its store then never grows by copying, which at
    /// 20,000 layers touches more memory than the values themselves. Room that stays unused
    /// is address space only, never written.
    pub fn reserve_every_node(&mut self) {
        let arena = self.arena;
        let sizes = self.sizes;
        let mut stored = 0;
        for index in 0..arena.len() {
            let shape = arena.shape(ExprId(index as u32));
            let entries = sizes.of(&shape.rows) * sizes.of(&shape.cols);
            if entries <= STORED_ENTRIES {
                stored += entries;
            }
        }
        self.values.entries.reserve(arena.len());
        self.values.data.reserve(stored);
    }

    /// What an evaluation at this point reads, with these overrides.
    fn context<'c>(&self, overrides: &'c HashMap<ExprId, Matrix<T>>) -> Context<'c, 'a, T> {
        Context {
            arena: self.arena,
            sizes: self.sizes,
            inputs: self.inputs,
            overrides,
        }
    }

    /// The value of `root`, computing only what earlier calls have not.
    pub fn value(&mut self, root: ExprId) -> MatrixRef<'_, T> {
        let context = self.context(&self.overrides);
        fill(&mut self.values, None, ExprId(0), &context, root);
        lookup(&self.values, None, root).expect("an evaluated node has a value")
    }

    /// The value of `id` if an earlier call to `value` computed it, borrowed without `&mut`, so
    /// that many values can be held at once.
    pub fn computed(&self, id: ExprId) -> Option<MatrixRef<'_, T>> {
        lookup(&self.values, None, id)
    }

    /// An empty store for the values at points near this one (`value_nearby`). A nearby point
    /// evaluates again at most about what this holds (a joint check's moves the whole forward
    /// pass): room for it once, rather than growing by copies.
    pub(crate) fn nearby_values(&self) -> NodeValues<'a, T> {
        assert!(
            self.overrides.is_empty(),
            "a base evaluation is of its inputs alone"
        );
        let mut values = NodeValues::new(self.arena.len());
        values.entries.reserve(self.values.entries.len());
        values.data.reserve(self.values.data.len());
        values
    }

    /// The value of `root` at a nearby point: where `values` holds the moved nodes (none below
    /// `lowest_moved`) and what was computed from them, and everything else is as here.
    pub(crate) fn value_nearby<'t>(
        &'t self,
        values: &'t mut NodeValues<'a, T>,
        lowest_moved: ExprId,
        root: ExprId,
    ) -> MatrixRef<'t, T> {
        let no_overrides = HashMap::new();
        let context = self.context(&no_overrides);
        let base = Some(&self.values);
        fill(values, base, lowest_moved, &context, root);
        let values: &'t NodeValues<'a, T> = values;
        lookup(values, base, root).expect("an evaluated node has a value")
    }

    /// Computes again, in place and in the order they were first computed, the values of
    /// `values` from its `first`th entry on, after the entries before it were written over
    /// with the same sizes: the same nodes at another nearby point, without the walk that
    /// found them.
    pub(crate) fn recompute_nearby(&self, values: &mut NodeValues<'a, T>, first: usize) {
        let no_overrides = HashMap::new();
        let context = self.context(&no_overrides);
        let base = Some(&self.values);
        let mut scratch = std::mem::take(&mut values.scratch);
        for index in first..values.entries.len() {
            let entry = &values.entries[index];
            if let Value::Input(_) | Value::Same(_) = entry.value {
                continue;
            }
            compute(&context, entry.id, values, base, &mut scratch);
            values.values_mut(index).copy_from_slice(&scratch);
        }
        values.scratch = scratch;
    }
}

/// What `compute` gives: a value that copies nothing, or a new matrix of this size whose
/// entries it wrote into the buffer it was given.
enum Computed<'a, T> {
    Value(Value<'a, T>),
    Matrix { rows: usize, cols: usize },
}

/// The value of `id`, whose operands have theirs in `values` or `base`; a new matrix goes into
/// `out`, so that the small values of a deep chain need no allocation each.
fn compute<'a, T: Scalar>(
    context: &Context<'_, 'a, T>,
    id: ExprId,
    values: &NodeValues<'a, T>,
    base: Option<&NodeValues<'a, T>>,
    out: &mut Vec<T>,
) -> Computed<'a, T> {
    let arena = context.arena;
    match arena.node(id) {
        Node::Leaf(symbol) => {
            let value = context
                .inputs
                .get(symbol)
                .unwrap_or_else(|| panic!("no value for {symbol}"));
            let shape = arena.shape(id);
            let sizes = context.sizes;
            assert_eq!(
                (value.rows, value.cols),
                (sizes.of(&shape.rows), sizes.of(&shape.cols)),
                "the value of {symbol} has the wrong size"
            );
            Computed::Value(Value::Input(value))
        }
        Node::Named(_) => {
            let info = arena.named(id).expect("a named node has its info");
            Computed::Value(Value::Same(info.definition))
        }
        _ => {
            let get = |a: ExprId| lookup(values, base, a);
            // A named value given by the caller does not come from its definition.
            let given = |a: ExprId| values.entry(a).is_some_and(|e| e.given);
            let (rows, cols) = compute_new(arena, id, context.sizes, get, given, out);
            Computed::Matrix { rows, cols }
        }
    }
}

/// The value of a node that is neither an input nor named: its entries written over `out`,
/// its rows and columns returned.
fn compute_new<'v, T: Scalar>(
    arena: &Arena,
    id: ExprId,
    sizes: &Sizes,
    value: impl Fn(ExprId) -> Option<MatrixRef<'v, T>>,
    given: impl Fn(ExprId) -> bool,
    out: &mut Vec<T>,
) -> (usize, usize) {
    let get = |a: &ExprId| value(*a).expect("operands are evaluated first");
    let copy = |m: Matrix<T>, out: &mut Vec<T>| {
        out.clear();
        out.extend_from_slice(&m.data);
        (m.rows, m.cols)
    };
    match arena.node(id) {
        Node::Map(Func::Log, a) if let Some(v) = stable_log(arena, *a, &value, &given) => {
            copy(v, out)
        }
        Node::Sub(ones, b) if let Some(v) = stable_one_minus(arena, *ones, *b, &value, &given) => {
            copy(v, out)
        }
        Node::Divide(a, b) if let Some(v) = bce_derivative(arena, *a, *b, &value) => copy(v, out),
        // The derivative of y ⊙ log(ŷ) under 0 · log 0 = 0: where yᵢ is 0 the term is 0
        // whatever ŷᵢ is, and so is its derivative yᵢ/ŷᵢ.
        Node::Divide(a, b) if is_target(arena, *a) => zip_into(
            get(a),
            get(b),
            |y, p| if y == T::zero() { T::zero() } else { y / p },
            out,
        ),
        // 0 · log 0 = 0, the limit of t log t, as PyTorch's BCELoss takes it.
        Node::Hadamard(a, b) if is_log(arena, *a) || is_log(arena, *b) => zip_into(
            get(a),
            get(b),
            |x, y| {
                let infinite = T::neg_infinity();
                if (x == T::zero() && y == infinite) || (y == T::zero() && x == infinite) {
                    T::zero()
                } else {
                    x * y
                }
            },
            out,
        ),
        Node::Leaf(_) | Node::Named(_) => unreachable!("inputs and named nodes are shared"),
        Node::Identity(dim) => copy(Matrix::identity(sizes.of(dim)), out),
        Node::Ones(rows, cols) => {
            let (rows, cols) = (sizes.of(rows), sizes.of(cols));
            out.clear();
            out.resize(rows * cols, T::one());
            (rows, cols)
        }
        Node::Scale(coef, a) => {
            let c = T::from_f64(coef.value(|d| sizes.of(d)));
            let a = get(a);
            out.clear();
            out.extend(a.data.iter().map(|v| c * *v));
            (a.rows, a.cols)
        }
        Node::Add(a, b) => zip_into(get(a), get(b), |x, y| x + y, out),
        Node::Sub(a, b) => zip_into(get(a), get(b), |x, y| x - y, out),
        Node::Hadamard(a, b) => zip_into(get(a), get(b), |x, y| x * y, out),
        Node::Divide(a, b) => zip_into(get(a), get(b), |x, y| x / y, out),
        Node::Product(factors) => match &factors[..] {
            [only] => {
                let only = get(only);
                out.clear();
                out.extend_from_slice(only.data);
                (only.rows, only.cols)
            }
            [first, second] => {
                let (first, second) = (get(first), get(second));
                first.matmul_into(second, out);
                (first.rows, second.cols)
            }
            [first, second, middle @ .., last] => {
                // Left to right; the last product straight into `out`.
                let mut acc = get(first).matmul(get(second));
                for f in middle {
                    acc = acc.view().matmul(get(f));
                }
                let last = get(last);
                acc.view().matmul_into(last, out);
                (acc.rows, last.cols)
            }
            [] => unreachable!("a product has factors"),
        },
        Node::Transpose(a) => {
            let a = get(a);
            a.transpose_into(out);
            (a.cols, a.rows)
        }
        Node::Diag(a) => {
            let a = get(a);
            a.diag_into(out);
            (a.data.len(), a.data.len())
        }
        Node::Map(func, a) if func.is_elementwise() => {
            let a = get(a);
            out.clear();
            out.extend(a.data.iter().map(|v| apply_stably(*func, *v)));
            (a.rows, a.cols)
        }
        Node::Map(func, a) if func.acts_on_rows() => {
            let m = get(a);
            out.clear();
            for row in m.data.chunks(m.cols.max(1)) {
                out.extend(func.apply_column(row));
            }
            (m.rows, m.cols)
        }
        Node::Map(func, a) => {
            // A vector function acts on each column as a whole.
            let m = get(a).transpose();
            let mut columns = Vec::with_capacity(m.data.len());
            for column in m.data.chunks(m.cols.max(1)) {
                columns.extend(func.apply_column(column));
            }
            copy(Matrix::from_vec(m.rows, m.cols, columns).transpose(), out)
        }
        Node::SquaredNorm(a) => {
            let m = get(a);
            out.clear();
            out.push(m.data.iter().fold(T::zero(), |acc, v| acc + *v * *v));
            (1, 1)
        }
        Node::Sum(a) => {
            out.clear();
            out.push(get(a).sum());
            (1, 1)
        }
    }
}

/// f of each pair of entries, written over `out`; the matrices' rows and columns.
fn zip_into<T: Scalar>(
    a: MatrixRef<'_, T>,
    b: MatrixRef<'_, T>,
    f: impl Fn(T, T) -> T,
    out: &mut Vec<T>,
) -> (usize, usize) {
    assert_eq!((a.rows, a.cols), (b.rows, b.cols));
    out.clear();
    out.extend(a.data.iter().zip(b.data).map(|(x, y)| f(*x, *y)));
    (a.rows, a.cols)
}
