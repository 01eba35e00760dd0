//! Numeric evaluation of an expression, generic over the scalar type.
//!
//! Evaluation walks the ids an expression needs in increasing order (operands come before the
//! nodes that use them), so it needs no recursion and computes each shared subexpression once.
//! A named node evaluates through its definition unless the caller overrides its value, which
//! is how the check perturbs an intermediate such as z₁ for a finite difference.
//!
//! The logarithm of a named σ(z) or softmax(z), or of 1 − σ(z), is evaluated from z by the
//! stable forms log σ(z) = −softplus(−z), log(1 − σ(z)) = −softplus(z) and log-softmax, so that
//! bce stays finite where σ(z) rounds to 0 or 1; 1 − σ(z) itself is σ(−z), and bce's derivative
//! (ŷ − y) ⊘ (ŷ ⊙ (1 − ŷ)) is (1 − y) ⊘ (1 − ŷ) − y ⊘ ŷ, so that the chain rule through σ stays
//! finite there too. 0 · log 0 is 0 (the limit of t log t, as PyTorch's BCELoss takes it, without
//! its clamp of log at −100), and so is the derivative y/ŷ of a term whose y is 0. The printed
//! tree is unchanged.

use std::collections::HashMap;

use rustc_hash::FxHashMap;

use crate::math::expr::{Arena, ExprId, Node};
use crate::math::func::Func;
use crate::math::shape::Dim;
use crate::math::symbol::Symbol;
use crate::numeric::matrix::{Matrix, MatrixRef, Scalar};

/// The size of every named dimension, in the order the network introduces them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Sizes {
    entries: Vec<(String, usize)>,
    /// Name → position in `entries`, for `set`.
    index: FxHashMap<String, usize>,
    /// The same by the address of the name as a `Dim` stores it (names are stored once for the
    /// process, see `shape`), for `of`: a deep chain has thousands of dimensions, and every node
    /// evaluated, counted or budgeted looks its sizes up, so the name is not hashed each time.
    by_address: FxHashMap<(usize, usize), usize>,
}

/// Where a dimension's stored name lies.
fn address(name: &'static str) -> (usize, usize) {
    (name.as_ptr() as usize, name.len())
}

impl Sizes {
    pub fn new(entries: Vec<(String, usize)>) -> Sizes {
        let mut index = FxHashMap::default();
        let mut by_address = FxHashMap::default();
        for (i, (name, _)) in entries.iter().enumerate() {
            index.insert(name.clone(), i);
            if let Dim::Named(stored) = Dim::named(name) {
                by_address.insert(address(stored), i);
            }
        }
        Sizes {
            entries,
            index,
            by_address,
        }
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
                    .by_address
                    .get(&address(name))
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
    evaluator.value(root).to_matrix()
}

/// A computed value. Inputs are borrowed and a named node stands for its definition's value,
/// so that neither copies a matrix: with wide layers the copies cost more than the products.
/// Kept small (16 bytes; an entry 24): a deep chain's base evaluation holds a quarter of a
/// million of them.
enum Value<'a, T> {
    Input(&'a Matrix<T>),
    /// A small value, kept in the table's `data`.
    Stored(Span),
    /// A large value, in an allocation of its own.
    Owned(Box<Matrix<T>>),
    /// The value of another node: a named node's definition.
    Same(ExprId),
}

/// Where a stored value's entries lie in the table's `data`, and its rows and columns: 32 bits
/// each, as the check's budget keeps every count far below 2³².
#[derive(Clone, Copy)]
struct Span {
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
const STORED_ENTRIES: usize = 1024;

/// A slot that holds no value.
const EMPTY: u32 = u32::MAX;
/// A node on the evaluation's stack, its operands not all evaluated yet.
const PENDING: u32 = u32::MAX - 1;
/// A node whose value is the base evaluation's (see `Nearby`).
const IN_BASE: u32 = u32::MAX - 2;

struct Entry<'a, T> {
    id: ExprId,
    value: Value<'a, T>,
    /// Differs from the base evaluation: moved, or computed from something that was.
    changed: bool,
    /// Given by the caller (an override, or a moved value), not computed.
    given: bool,
}

/// The values of some of an arena's nodes. Every node has a slot, indexed by id, pointing into
/// a compact list of entries, so that a lookup costs no hashing and emptying the table costs
/// only what it holds: the check evaluates hundreds of thousands of small neighbourhoods of a
/// deep chain, each touching a handful of its nodes.
struct Table<'a, T> {
    slot: Vec<u32>,
    entries: Vec<Entry<'a, T>>,
    /// The entries of the `Stored` values, one after another.
    data: Vec<T>,
    /// Nodes marked `IN_BASE`, to be emptied with the entries.
    in_base: Vec<ExprId>,
    /// The evaluation's stack, kept for its allocation: (node, operands already pushed).
    stack: Vec<(ExprId, bool)>,
    /// Where `compute` writes a new value before it is stored, kept for its allocation.
    scratch: Vec<T>,
}

impl<'a, T: Scalar> Table<'a, T> {
    fn new(len: usize) -> Self {
        Table {
            slot: vec![EMPTY; len],
            entries: Vec::new(),
            data: Vec::new(),
            in_base: Vec::new(),
            stack: Vec::new(),
            scratch: Vec::new(),
        }
    }

    fn entry(&self, id: ExprId) -> Option<&Entry<'a, T>> {
        let slot = self.slot[id.index()];
        (slot < IN_BASE).then(|| &self.entries[slot as usize])
    }

    fn insert(&mut self, id: ExprId, value: Value<'a, T>, changed: bool, given: bool) {
        self.slot[id.index()] = self.entries.len() as u32;
        self.entries.push(Entry {
            id,
            value,
            changed,
            given,
        });
    }

    /// Inserts a computed or given matrix: stored with the others when it is small.
    fn insert_matrix(&mut self, id: ExprId, m: Matrix<T>, changed: bool, given: bool) {
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
    fn insert_computed(
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

    /// The entries of the `index`th value, a matrix, to be written over.
    fn values_mut(&mut self, index: usize) -> &mut [T] {
        if let Value::Stored(span) = self.entries[index].value {
            return &mut self.data[span.range()];
        }
        match &mut self.entries[index].value {
            Value::Owned(m) => &mut m.data,
            _ => unreachable!("only a matrix is written over"),
        }
    }

    fn clear(&mut self) {
        self.data.clear();
        for entry in self.entries.drain(..) {
            self.slot[entry.id.index()] = EMPTY;
        }
        for id in self.in_base.drain(..) {
            self.slot[id.index()] = EMPTY;
        }
    }
}

/// The value of `id` in `table`, or else in `base`, following named nodes to their definitions.
fn lookup<'t, T: Scalar>(
    table: &'t Table<'_, T>,
    base: Option<&'t Table<'_, T>>,
    mut id: ExprId,
) -> Option<MatrixRef<'t, T>> {
    loop {
        let (in_table, entry) = match table.entry(id) {
            Some(entry) => (table, entry),
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
                    data: &in_table.data[span.range()],
                });
            }
            Value::Same(other) => id = *other,
        }
    }
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

/// Evaluates `root` and everything it needs that `table` (or, where nothing moved, `base`) does
/// not hold yet. Nodes below `lowest_moved` cannot depend on a moved value (operands have
/// smaller ids), so where `base` has them it is not searched below them. A depth-first walk in
/// post-order on an explicit stack, not recursion: the depth comes from the input.
fn fill<'a, T: Scalar>(
    table: &mut Table<'a, T>,
    base: Option<&Table<'a, T>>,
    lowest_moved: ExprId,
    context: &Context<'_, 'a, T>,
    root: ExprId,
) {
    let arena = context.arena;
    let in_base = |id: ExprId| base.is_some_and(|b| b.entry(id).is_some());
    let mut stack = std::mem::take(&mut table.stack);
    let mut scratch = std::mem::take(&mut table.scratch);
    stack.push((root, false));
    while let Some((id, expanded)) = stack.pop() {
        if expanded {
            // Every operand has its value now.
            let mut changed = false;
            for_each_operand(arena, id, |a| {
                changed |= table.entry(a).is_some_and(|e| e.changed);
            });
            if !changed && in_base(id) {
                table.slot[id.index()] = IN_BASE;
                table.in_base.push(id);
                continue;
            }
            match compute(context, id, table, base, &mut scratch) {
                Computed::Value(value) => table.insert(id, value, changed, false),
                Computed::Matrix { rows, cols } => {
                    table.insert_computed(id, (rows, cols), &mut scratch, changed)
                }
            }
            continue;
        }
        if table.slot[id.index()] != EMPTY {
            continue;
        }
        if id < lowest_moved && in_base(id) {
            table.slot[id.index()] = IN_BASE;
            table.in_base.push(id);
            continue;
        }
        if !context.overrides.is_empty()
            && let Some(v) = context.overrides.get(&id)
        {
            table.insert_matrix(id, v.clone(), true, true);
            continue;
        }
        table.slot[id.index()] = PENDING;
        stack.push((id, true));
        for_each_operand(arena, id, |a| {
            if table.slot[a.index()] == EMPTY {
                stack.push((a, false));
            }
        });
    }
    table.stack = stack;
    table.scratch = scratch;
}

/// Evaluates many expressions at one point, computing every shared subexpression once.
pub struct Evaluator<'a, T> {
    arena: &'a Arena,
    sizes: &'a Sizes,
    inputs: &'a Inputs<T>,
    /// Named nodes that take these values instead of their definitions.
    pub overrides: HashMap<ExprId, Matrix<T>>,
    table: Table<'a, T>,
}

impl<'a, T: Scalar> Evaluator<'a, T> {
    pub fn new(arena: &'a Arena, sizes: &'a Sizes, inputs: &'a Inputs<T>) -> Self {
        Evaluator {
            arena,
            sizes,
            inputs,
            overrides: HashMap::new(),
            table: Table::new(arena.len()),
        }
    }

    /// Makes room for the value of every node of the arena, for an evaluation that computes
    /// nearly all of them (the check's): its tables then never grow by copying, which at
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
        self.table.entries.reserve(arena.len());
        self.table.data.reserve(stored);
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
        fill(&mut self.table, None, ExprId(0), &context, root);
        lookup(&self.table, None, root).expect("an evaluated node has a value")
    }

    /// The value of `id` if an earlier call to `value` computed it, borrowed without `&mut`, so
    /// that many values can be held at once.
    pub fn computed(&self, id: ExprId) -> Option<MatrixRef<'_, T>> {
        lookup(&self.table, None, id)
    }
}

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
    table: Table<'a, T>,
    lowest_moved: ExprId,
    /// The nodes `move_along` moved to reach the current point, with their sizes; `None` after
    /// `move_to`.
    moved: Option<Vec<(ExprId, usize, usize)>>,
}

impl<'b, 'a, T: Scalar> Nearby<'b, 'a, T> {
    /// `base` must have no overrides: its values are those of its inputs.
    pub fn new(base: &'b Evaluator<'a, T>) -> Self {
        assert!(
            base.overrides.is_empty(),
            "a base evaluation is of its inputs alone"
        );
        let mut table = Table::new(base.arena.len());
        // A nearby point evaluates again at most about what the base holds (a joint check's
        // moves the whole forward pass): room for it once, rather than growing by copies.
        table.entries.reserve(base.table.entries.len());
        table.data.reserve(base.table.data.len());
        Nearby {
            base,
            table,
            lowest_moved: ExprId(u32::MAX),
            moved: None,
        }
    }

    /// Goes to the point where each of `moved` takes its value and everything else keeps its
    /// base value; forgets the previous point.
    pub fn move_to(&mut self, moved: impl IntoIterator<Item = (ExprId, Matrix<T>)>) {
        self.table.clear();
        self.lowest_moved = ExprId(u32::MAX);
        self.moved = None;
        for (id, value) in moved {
            self.lowest_moved = self.lowest_moved.min(id);
            self.table.insert_matrix(id, value, true, true);
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
            let here = lookup(&self.base.table, None, id).expect("a moved node has a base value");
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
        self.table.clear();
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
            if rows * cols <= STORED_ENTRIES {
                let start = self.table.data.len();
                self.table.data.extend(moved);
                let value = Value::Stored(Span::new(rows, cols, start));
                self.table.insert(id, value, true, true);
            } else {
                let m = Matrix::from_vec(rows, cols, moved.collect());
                self.table.insert(id, Value::Owned(Box::new(m)), true, true);
            }
        }
    }

    /// `move_along` to another point on the nodes that reached the current one. Every value
    /// the table holds then depends on the moved nodes as it did (the same operands, moved or
    /// not, the same sizes), so the table keeps its entries and computes their values again in
    /// the order it first did, operands first, without the walk that found them: the stencil
    /// evaluates the same nodes at four points.
    fn revisit(&mut self, moves: &Moves<T>, t: T) {
        let table = &mut self.table;
        // The moved nodes are the first entries, in the order of `moves`.
        let mut offset = 0;
        for (index, &(_, rows, cols)) in moves.nodes.iter().enumerate() {
            let range = offset..offset + rows * cols;
            offset = range.end;
            let moved = moves.base[range.clone()]
                .iter()
                .zip(&moves.direction[range]);
            for (value, (a, d)) in table.values_mut(index).iter_mut().zip(moved) {
                *value = *a + t * *d;
            }
        }
        let no_overrides = HashMap::new();
        let context = self.base.context(&no_overrides);
        let base = Some(&self.base.table);
        let mut scratch = std::mem::take(&mut table.scratch);
        for index in moves.nodes.len()..table.entries.len() {
            let entry = &table.entries[index];
            if let Value::Input(_) | Value::Same(_) = entry.value {
                continue;
            }
            compute(&context, entry.id, table, base, &mut scratch);
            table.values_mut(index).copy_from_slice(&scratch);
        }
        table.scratch = scratch;
    }

    /// The value of `root` at the current point.
    pub fn value(&mut self, root: ExprId) -> MatrixRef<'_, T> {
        let no_overrides = HashMap::new();
        let context = self.base.context(&no_overrides);
        let base = Some(&self.base.table);
        fill(&mut self.table, base, self.lowest_moved, &context, root);
        lookup(&self.table, base, root).expect("an evaluated node has a value")
    }
}

/// What `compute` gives: a value that copies nothing, or a new matrix of this size whose
/// entries it wrote into the buffer it was given.
enum Computed<'a, T> {
    Value(Value<'a, T>),
    Matrix { rows: usize, cols: usize },
}

/// The value of `id`, whose operands have theirs in `table` or `base`; a new matrix goes into
/// `out`, so that the small values of a deep chain need no allocation each.
fn compute<'a, T: Scalar>(
    context: &Context<'_, 'a, T>,
    id: ExprId,
    table: &Table<'a, T>,
    base: Option<&Table<'a, T>>,
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
            let get = |a: ExprId| lookup(table, base, a);
            // A named value given by the caller does not come from its definition.
            let given = |a: ExprId| table.entry(a).is_some_and(|e| e.given);
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
            (a.rows, a.rows)
        }
        Node::Map(func, a) if func.is_elementwise() => {
            let a = get(a);
            out.clear();
            out.extend(a.data.iter().map(|v| apply_stably(*func, *v)));
            (a.rows, a.cols)
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

/// `func` at z, its derivatives written without 1 − σ(z) or 1 − tanh²(z), which round to 0
/// long before the derivative does (σ′(40) ≈ 4·10⁻¹⁸).
fn apply_stably<T: Scalar>(func: Func, z: T) -> T {
    let sigmoid = |v: T| Func::Sigmoid.apply(v);
    match func {
        Func::SigmoidPrime => sigmoid(z) * sigmoid(-z),
        Func::SiluPrime => sigmoid(z) * (T::one() + z * sigmoid(-z)),
        // 1 − tanh²(z) = 4e^(−2|z|) / (1 + e^(−2|z|))².
        Func::TanhPrime => {
            let e = (-(z.abs() + z.abs())).exp();
            let four = T::from_f64(4.0);
            four * e / ((T::one() + e) * (T::one() + e))
        }
        _ => func.apply(z),
    }
}

fn is_target(arena: &Arena, id: ExprId) -> bool {
    matches!(arena.node(id), Node::Leaf(symbol) if symbol.is_target())
}

fn is_log(arena: &Arena, id: ExprId) -> bool {
    matches!(arena.node(id), Node::Map(Func::Log, _))
}

/// The value of z when `named` is a named σ(z) that was not overridden.
fn sigmoid_argument<'v, T: Scalar>(
    arena: &Arena,
    named: ExprId,
    value: &impl Fn(ExprId) -> Option<MatrixRef<'v, T>>,
    given: &impl Fn(ExprId) -> bool,
) -> Option<MatrixRef<'v, T>> {
    if given(named) {
        return None;
    }
    match arena.node(arena.named(named)?.definition) {
        Node::Map(Func::Sigmoid, z) => value(*z),
        _ => None,
    }
}

/// 1 − σ(z) as σ(−z) when `b` is a named σ(z): exact, where the subtraction keeps only the
/// digits of σ(z) below 1 (three of them at z = 30) and gives 0 from z ≈ 37 on.
fn stable_one_minus<'v, T: Scalar>(
    arena: &Arena,
    ones: ExprId,
    b: ExprId,
    value: &impl Fn(ExprId) -> Option<MatrixRef<'v, T>>,
    given: &impl Fn(ExprId) -> bool,
) -> Option<Matrix<T>> {
    if !matches!(arena.node(ones), Node::Ones(..)) {
        return None;
    }
    let z = sigmoid_argument(arena, b, value, given)?;
    Some(z.map(|v| Func::Sigmoid.apply(-v)))
}

/// bce's derivative (ŷ − y) ⊘ (ŷ ⊙ (1 − ŷ)) as (1 − y) ⊘ (1 − ŷ) − y ⊘ ŷ, each quotient 0
/// where its numerator is (the derivative of 0 · log 0 = 0): finite where ŷ is exactly y ∈ {0, 1},
/// and, with 1 − ŷ taken as σ(−z), wherever σ(z) rounds to 1 but σ(−z) does not. `None` for
/// any other quotient.
fn bce_derivative<'v, T: Scalar>(
    arena: &Arena,
    numerator: ExprId,
    denominator: ExprId,
    value: &impl Fn(ExprId) -> Option<MatrixRef<'v, T>>,
) -> Option<Matrix<T>> {
    let Node::Sub(p, y) = arena.node(numerator) else {
        return None;
    };
    let Node::Hadamard(first, second) = arena.node(denominator) else {
        return None;
    };
    let one_minus_p = |id: ExprId| {
        matches!(arena.node(id), Node::Sub(ones, q)
            if q == p && matches!(arena.node(*ones), Node::Ones(..)))
    };
    let q = if first == p && one_minus_p(*second) {
        *second
    } else if second == p && one_minus_p(*first) {
        *first
    } else {
        return None;
    };
    if !is_target(arena, *y) {
        return None;
    }
    let (p, q, y) = (value(*p)?, value(q)?, value(*y)?);
    let quotient = |n: T, d: T| if n == T::zero() { T::zero() } else { n / d };
    let data = p
        .data
        .iter()
        .zip(q.data)
        .zip(y.data)
        .map(|((p, q), y)| quotient(T::one() - *y, *q) - quotient(*y, *p))
        .collect();
    Some(Matrix::from_vec(p.rows, p.cols, data))
}

/// log(a) computed from z when a is a named σ(z) or softmax(z), or 1 − σ(z); `None` otherwise,
/// or when the named value was overridden (its definition then does not give its value).
fn stable_log<'v, T: Scalar>(
    arena: &Arena,
    a: ExprId,
    value: &impl Fn(ExprId) -> Option<MatrixRef<'v, T>>,
    given: &impl Fn(ExprId) -> bool,
) -> Option<Matrix<T>> {
    // The argument of the named value's defining function, and that function.
    let defined_by = |named: ExprId| -> Option<(Func, MatrixRef<'v, T>)> {
        if given(named) {
            return None;
        }
        let definition = arena.named(named)?.definition;
        match arena.node(definition) {
            Node::Map(func @ (Func::Sigmoid | Func::Softmax), z) => Some((*func, value(*z)?)),
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
    use crate::network::Network;
    use crate::network::loss::{Loss, LossKind};
    use crate::spec::parse_spec;

    #[test]
    fn a_value_takes_16_bytes_and_an_entry_24() {
        assert_eq!(std::mem::size_of::<Value<'static, f64>>(), 16);
        assert_eq!(std::mem::size_of::<Entry<'static, f64>>(), 24);
    }

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

    /// `linear > relu` under bce, n = K = 1, at z = w (x = 1, b = 0): ℓ and the printed ∂ℓ/∂ŷ.
    fn relu_bce_at(w: f64, y: f64) -> (f64, f64) {
        let derivation =
            crate::derive_text("linear>relu", Loss::new(LossKind::Bce)).expect("derives");
        let network = &derivation.network;
        let sizes = Sizes::new(vec![("n".into(), 1), ("K".into(), 1)]);
        let one = |v: f64| Matrix::from_vec(1, 1, vec![v]);
        let inputs = Inputs::from([
            (Symbol::Input, one(1.0)),
            (Symbol::Target, one(y)),
            (Symbol::Weight(1), one(w)),
            (Symbol::Bias(1), one(0.0)),
        ]);
        let mut evaluator = Evaluator::new(&network.arena, &sizes, &inputs);
        let loss = evaluator.value(network.loss_value).data[0];
        let jacobian = derivation
            .jacobians
            .iter()
            .find(|j| j.symbol.text() == "∂ℓ/∂ŷ")
            .expect("∂ℓ/∂ŷ is printed");
        let derivative = evaluator.value(jacobian.definition).data[0];
        (loss, derivative)
    }

    #[test]
    fn zero_log_zero_is_zero_in_bce_and_its_derivative() {
        // ŷ = 0 = y: ℓ = −log(1 − 0) = 0, and ∂ℓ/∂ŷ = 1/(1 − ŷ) = 1 (y log ŷ is 0 near ŷ = 0).
        assert_eq!(relu_bce_at(-1.0, 0.0), (0.0, 1.0));
        // ŷ = 1 = y: ℓ = −log 1 = 0, and ∂ℓ/∂ŷ = −1/ŷ = −1.
        assert_eq!(relu_bce_at(1.0, 1.0), (0.0, -1.0));
        // ŷ = 0 with y = 1 is infinitely wrong: ℓ is ∞, not a number made up.
        assert_eq!(relu_bce_at(-1.0, 1.0).0, f64::INFINITY);
        // An ordinary point: (ŷ − y) / (ŷ(1 − ŷ)) at ŷ = 0.25, y = 0.5.
        let (_, d) = relu_bce_at(0.25, 0.5);
        assert!((d - (-0.25 / (0.25 * 0.75))).abs() < 1e-15, "{d}");
    }

    #[test]
    fn one_minus_sigmoid_and_its_derivative_keep_their_digits_where_sigmoid_rounds_to_one() {
        let spec = parse_spec("linear>sigmoid").unwrap();
        let network = Network::build(&spec, Loss::new(LossKind::Mse), false).unwrap();
        let sizes = Sizes::new(vec![("n".into(), 1), ("K".into(), 1)]);
        let one = |v: f64| Matrix::from_vec(1, 1, vec![v]);
        let mut arena = network.arena.clone();
        let one_minus = arena.one_minus(network.yhat).unwrap();
        for z in [30.0, 40.0, 700.0] {
            let inputs = Inputs::from([
                (Symbol::Input, one(1.0)),
                (Symbol::Target, one(0.0)),
                (Symbol::Weight(1), one(z)),
                (Symbol::Bias(1), one(0.0)),
            ]);
            let value = evaluate(&arena, one_minus, &sizes, &inputs, &HashMap::new());
            let exact = (-z).exp() / (1.0 + (-z).exp());
            assert!((value.data[0] - exact).abs() <= 1e-15 * exact, "z = {z}");
            let prime = apply_stably(Func::SigmoidPrime, z);
            assert!(
                (prime - exact / (1.0 + (-z).exp())).abs() <= 1e-15 * exact,
                "z = {z}"
            );
        }
        assert!((apply_stably(Func::TanhPrime, 20.0_f64) - 4.0 * (-40.0_f64).exp()).abs() < 1e-30);
    }
}
