//! The simplifier: small named rewrite rules, applied bottom-up until none fires.
//!
//! Each rule looks at one node whose operands are already simplified and either rewrites it or
//! declines. The rules are data (`RULES`), so a test can name the rule it exercises and a trace
//! says which rules a derivation used.

use std::sync::LazyLock;

use rustc_hash::FxHashMap;

use crate::math::coef::Coef;
use crate::math::expr::{Arena, ExprId, Node};
use crate::math::func::Func;
use crate::math::shape::{Dim, Shape, ShapeError};

type Rewrite = fn(&mut Arena, ExprId) -> Result<Option<ExprId>, ShapeError>;

pub struct Rule {
    pub name: &'static str,
    /// The rewrite, as a person would write it.
    pub pattern: &'static str,
    /// The kind of node the rule rewrites; it declines every other kind, so the simplifier
    /// does not ask it about them.
    rewrites: Kind,
    apply: Rewrite,
}

/// The kinds of node that rules rewrite.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Transpose,
    Scale,
    Product,
    Sub,
    Hadamard,
    Map,
    /// Every other node: no rule rewrites it.
    Other,
}

/// For each kind (indexed by `Kind as usize`), the rules that rewrite it, in the order of
/// `RULES`: the simplifier visits every node, and most kinds have few rules or none.
static RULES_BY_KIND: LazyLock<[Vec<&'static Rule>; Kind::COUNT]> = LazyLock::new(|| {
    let mut by_kind: [Vec<&'static Rule>; Kind::COUNT] = Default::default();
    for rule in RULES {
        by_kind[rule.rewrites as usize].push(rule);
    }
    by_kind
});

impl Kind {
    /// `Other` is the last kind.
    const COUNT: usize = Kind::Other as usize + 1;

    fn of(node: &Node) -> Kind {
        match node {
            Node::Transpose(_) => Kind::Transpose,
            Node::Scale(..) => Kind::Scale,
            Node::Product(_) => Kind::Product,
            Node::Sub(..) => Kind::Sub,
            Node::Hadamard(..) => Kind::Hadamard,
            Node::Map(..) => Kind::Map,
            _ => Kind::Other,
        }
    }
}

pub const RULES: &[Rule] = &[
    Rule {
        name: "transpose_of_transpose",
        pattern: "(Aᵀ)ᵀ → A",
        rewrites: Kind::Transpose,
        apply: transpose_of_transpose,
    },
    Rule {
        name: "transpose_of_product",
        pattern: "(AB)ᵀ → BᵀAᵀ",
        rewrites: Kind::Transpose,
        apply: transpose_of_product,
    },
    Rule {
        name: "transpose_of_scale",
        pattern: "(cA)ᵀ → c Aᵀ",
        rewrites: Kind::Transpose,
        apply: transpose_of_scale,
    },
    Rule {
        name: "transpose_of_symmetric",
        pattern: "diag(v)ᵀ → diag(v), Iᵀ → I",
        rewrites: Kind::Transpose,
        apply: transpose_of_symmetric,
    },
    Rule {
        name: "scale_of_scale",
        pattern: "c(dA) → (cd)A",
        rewrites: Kind::Scale,
        apply: scale_of_scale,
    },
    Rule {
        name: "flatten_product",
        pattern: "A(BC) → ABC",
        rewrites: Kind::Product,
        apply: flatten_product,
    },
    Rule {
        name: "drop_identity",
        pattern: "AI → A, IA → A",
        rewrites: Kind::Product,
        apply: drop_identity,
    },
    Rule {
        name: "scale_out_of_product",
        pattern: "A(cB) → c(AB)",
        rewrites: Kind::Product,
        apply: scale_out_of_product,
    },
    Rule {
        name: "row_times_diag",
        pattern: "r diag(u) → (rᵀ ⊙ u)ᵀ for a row r",
        rewrites: Kind::Product,
        apply: row_times_diag,
    },
    Rule {
        name: "diag_times_column",
        pattern: "diag(u) v → v ⊙ u for a column v",
        rewrites: Kind::Product,
        apply: diag_times_column,
    },
    Rule {
        name: "distribute_row_over_difference",
        pattern: "r(A − B) → rA − rB for a row r",
        rewrites: Kind::Product,
        apply: distribute_row_over_difference,
    },
    Rule {
        name: "quotient_dot_denominator",
        pattern: "(a ⊘ b)ᵀb → Σa",
        rewrites: Kind::Product,
        apply: quotient_dot_denominator,
    },
    Rule {
        name: "dot_with_ones",
        pattern: "aᵀ1 → Σa",
        rewrites: Kind::Product,
        apply: dot_with_ones,
    },
    Rule {
        name: "outer_product_of_ones",
        pattern: "𝟏𝟏ᵀ → the matrix of ones",
        rewrites: Kind::Product,
        apply: outer_product_of_ones,
    },
    Rule {
        name: "hadamard_with_ones",
        pattern: "A ⊙ 𝟏𝟏ᵀ → A",
        rewrites: Kind::Hadamard,
        apply: hadamard_with_ones,
    },
    Rule {
        name: "common_factor_of_difference",
        pattern: "cA − cB → c(A − B)",
        rewrites: Kind::Sub,
        apply: common_factor_of_difference,
    },
    Rule {
        name: "negated_difference",
        pattern: "−(…(a − b)…) → …(b − a)… through ᵀ, products and ⊙",
        rewrites: Kind::Scale,
        apply: negated_difference,
    },
    Rule {
        name: "difference_of_transposes",
        pattern: "aᵀ − bᵀ → (a − b)ᵀ",
        rewrites: Kind::Sub,
        apply: difference_of_transposes,
    },
    Rule {
        name: "scale_out_of_hadamard",
        pattern: "(cA) ⊙ B → c(A ⊙ B)",
        rewrites: Kind::Hadamard,
        apply: scale_out_of_hadamard,
    },
    Rule {
        name: "cancel_division",
        pattern: "(A ⊘ B) ⊙ B → A",
        rewrites: Kind::Hadamard,
        apply: cancel_division,
    },
    Rule {
        name: "value_by_name",
        pattern: "f(z) → s where the forward pass names s = f(z)",
        rewrites: Kind::Map,
        apply: value_by_name,
    },
    Rule {
        name: "derivative_through_output",
        pattern: "σ′(z) → s ⊙ (1 − s), tanh′(z) → 1 − s ⊙ s where s names σ(z), tanh(z)",
        rewrites: Kind::Map,
        apply: derivative_through_output,
    },
];

/// Simplifies expressions in one arena, remembering what it has already done.
#[derive(Default)]
pub struct Simplifier {
    /// The simplified form of each node simplified so far.
    memo: Memo,
    /// Each node with its named derivatives unfolded (see `unfold_derivatives`), for the nodes
    /// unfolded so far.
    unfolded: Memo,
    /// Equations known to hold for every input the derivation is for, such as Σy = 1 when y is
    /// a distribution: the left side is replaced by the right.
    facts: FxHashMap<ExprId, ExprId>,
    /// The names of the rules that fired, in order.
    pub trace: Vec<&'static str>,
}

impl Simplifier {
    pub fn new() -> Simplifier {
        Simplifier::default()
    }

    /// A simplifier with room to remember `nodes` nodes (see `Arena::capacity`), so that its
    /// tables are not copied each time they fill up.
    pub fn with_capacity(nodes: usize) -> Simplifier {
        Simplifier {
            memo: Memo::with_capacity(nodes),
            unfolded: Memo::with_capacity(nodes),
            ..Simplifier::default()
        }
    }

    /// `id` with `step` applied to each of its operands. Most operands come back as they were:
    /// then the node is its own rebuild, and `Arena::rebuild` is not asked to find it again.
    fn with_operands(
        &mut self,
        arena: &mut Arena,
        id: ExprId,
        step: impl Fn(&mut Simplifier, &mut Arena, ExprId) -> Result<ExprId, ShapeError>,
    ) -> Result<ExprId, ShapeError> {
        let mut operands = arena.operands(id);
        let mut changed = false;
        for operand in operands.iter_mut() {
            let stepped = step(self, arena, *operand)?;
            changed |= stepped != *operand;
            *operand = stepped;
        }
        if changed {
            arena.rebuild(id, &operands)
        } else {
            Ok(id)
        }
    }

    /// Lets the simplifier use `left = right`.
    pub fn assume(&mut self, left: ExprId, right: ExprId) {
        self.facts.insert(left, right);
    }

    pub fn simplify(&mut self, arena: &mut Arena, id: ExprId) -> Result<ExprId, ShapeError> {
        if let Some(done) = self.memo.get(id) {
            return Ok(done);
        }
        let rebuilt = self.with_operands(arena, id, Simplifier::simplify)?;
        // Most derivations assume nothing: then there is no table to look the node up in.
        if !self.facts.is_empty()
            && let Some(&known) = self.facts.get(&rebuilt)
        {
            self.trace.push("assumption");
            self.memo.insert(id, known);
            return Ok(known);
        }
        let mut result = rebuilt;
        let kind = Kind::of(arena.node(rebuilt));
        for rule in &RULES_BY_KIND[kind as usize] {
            if let Some(rewritten) = (rule.apply)(arena, rebuilt)? {
                self.trace.push(rule.name);
                result = self.simplify(arena, rewritten)?;
                break;
            }
        }
        self.memo.insert(id, result);
        self.memo.insert(result, result);
        Ok(result)
    }

    /// Replaces every named derivative (a Jacobian printed by name in the chain-rule form) by
    /// its definition, so that the simplifier can work on it. Other named nodes stay names.
    ///
    /// The result depends only on the node, so it is remembered across calls: successive rows
    /// ∂ℓ/∂zᵢ share most of what they unfold.
    pub fn unfold_derivatives(
        &mut self,
        arena: &mut Arena,
        id: ExprId,
    ) -> Result<ExprId, ShapeError> {
        if let Some(done) = self.unfolded.get(id) {
            return Ok(done);
        }
        let result = match arena.named(id) {
            Some(info) if info.role == crate::math::expr::Role::Derivative => {
                let definition = info.definition;
                self.unfold_derivatives(arena, definition)?
            }
            Some(_) => id,
            None => self.with_operands(arena, id, Simplifier::unfold_derivatives)?,
        };
        self.unfolded.insert(id, result);
        Ok(result)
    }
}

/// A value remembered for some of an arena's nodes, looked up by position: ids are dense, so a
/// vector is cheaper than a hash table.
#[derive(Default)]
struct Memo {
    by_id: Vec<Option<ExprId>>,
}

impl Memo {
    fn with_capacity(nodes: usize) -> Memo {
        Memo {
            by_id: Vec::with_capacity(nodes),
        }
    }

    fn get(&self, id: ExprId) -> Option<ExprId> {
        self.by_id.get(id.index()).copied().flatten()
    }

    fn insert(&mut self, id: ExprId, value: ExprId) {
        if id.index() >= self.by_id.len() {
            self.by_id.resize(id.index() + 1, None);
        }
        self.by_id[id.index()] = Some(value);
    }
}

fn transpose_of_transpose(arena: &mut Arena, id: ExprId) -> Result<Option<ExprId>, ShapeError> {
    if let Node::Transpose(a) = arena.node(id)
        && let Node::Transpose(inner) = arena.node(*a)
    {
        return Ok(Some(*inner));
    }
    Ok(None)
}

fn transpose_of_product(arena: &mut Arena, id: ExprId) -> Result<Option<ExprId>, ShapeError> {
    if let Node::Transpose(a) = arena.node(id)
        && let Node::Product(factors) = arena.node(*a)
    {
        let factors = factors.clone();
        let reversed: Vec<ExprId> = factors.iter().rev().map(|f| arena.transpose(*f)).collect();
        return Ok(Some(arena.product(&reversed)?));
    }
    Ok(None)
}

fn transpose_of_scale(arena: &mut Arena, id: ExprId) -> Result<Option<ExprId>, ShapeError> {
    if let Node::Transpose(a) = arena.node(id)
        && let Node::Scale(c, inner) = arena.node(*a)
    {
        let (c, inner) = (c.clone(), *inner);
        let t = arena.transpose(inner);
        return Ok(Some(arena.scale(c, t)));
    }
    Ok(None)
}

fn transpose_of_symmetric(arena: &mut Arena, id: ExprId) -> Result<Option<ExprId>, ShapeError> {
    if let Node::Transpose(a) = arena.node(id)
        && matches!(arena.node(*a), Node::Diag(_) | Node::Identity(_))
    {
        return Ok(Some(*a));
    }
    Ok(None)
}

fn scale_of_scale(arena: &mut Arena, id: ExprId) -> Result<Option<ExprId>, ShapeError> {
    if let Node::Scale(c, a) = arena.node(id)
        && let Node::Scale(d, inner) = arena.node(*a)
    {
        let (combined, inner) = (c.times(d), *inner);
        return Ok(Some(arena.scale(combined, inner)));
    }
    Ok(None)
}

/// The factors of a product, borrowed: most rules decline most products, so a rule looks at
/// them in place and copies them (`Arena::operands`) only once it knows it will build.
fn product_factors(arena: &Arena, id: ExprId) -> Option<&[ExprId]> {
    match arena.node(id) {
        Node::Product(factors) => Some(factors),
        _ => None,
    }
}

/// Whether a factor of `factors` is a node that `is` accepts.
fn any_factor(arena: &Arena, factors: &[ExprId], is: impl Fn(&Node) -> bool) -> bool {
    factors.iter().any(|f| is(arena.node(*f)))
}

fn flatten_product(arena: &mut Arena, id: ExprId) -> Result<Option<ExprId>, ShapeError> {
    let Some(factors) = product_factors(arena, id) else {
        return Ok(None);
    };
    if !factors
        .iter()
        .any(|f| matches!(arena.node(*f), Node::Product(_)))
    {
        return Ok(None);
    }
    let mut flat = Vec::new();
    for &f in factors.iter() {
        match arena.node(f) {
            Node::Product(inner) => flat.extend(inner.iter().copied()),
            _ => flat.push(f),
        }
    }
    Ok(Some(arena.product(&flat)?))
}

fn drop_identity(arena: &mut Arena, id: ExprId) -> Result<Option<ExprId>, ShapeError> {
    let Some(factors) = product_factors(arena, id) else {
        return Ok(None);
    };
    if !factors.iter().any(|f| is_unit(arena, *f)) {
        return Ok(None);
    }
    let kept: Vec<ExprId> = factors
        .iter()
        .copied()
        .filter(|f| !is_unit(arena, *f))
        .collect();
    if kept.is_empty() {
        // A product of identities is the identity.
        return Ok(Some(factors[0]));
    }
    Ok(Some(arena.product(&kept)?))
}

/// I, or the 1×1 matrix 1: factors a product can drop.
fn is_unit(arena: &Arena, id: ExprId) -> bool {
    matches!(
        arena.node(id),
        Node::Identity(_) | Node::Ones(Dim::One, Dim::One)
    )
}

fn distribute_row_over_difference(
    arena: &mut Arena,
    id: ExprId,
) -> Result<Option<ExprId>, ShapeError> {
    let Some(factors) = product_factors(arena, id) else {
        return Ok(None);
    };
    if !any_factor(arena, &factors[1..], |f| matches!(f, Node::Sub(..))) {
        return Ok(None);
    }
    let factors = arena.operands(id);
    for p in 1..factors.len() {
        let Node::Sub(a, b) = arena.node(factors[p]) else {
            continue;
        };
        let (a, b) = (*a, *b);
        let left = arena.product(&factors[..p])?;
        if !arena.shape(left).is_row() {
            continue;
        }
        let left_a = arena.matmul(left, a)?;
        let left_b = arena.matmul(left, b)?;
        let difference = arena.sub(left_a, left_b)?;
        let mut rest = vec![difference];
        rest.extend_from_slice(&factors[p + 1..]);
        return Ok(Some(arena.product(&rest)?));
    }
    Ok(None)
}

/// What an adjacent pair of factors merges into.
enum Merged {
    /// Σa.
    Sum(ExprId),
    /// The matrix of ones of a shape.
    Ones(Shape),
}

/// Rewrites the first adjacent pair of factors for which `pair` gives a replacement. `pair`
/// only looks, so that a product no pair matches is left without building anything.
fn rewrite_adjacent(
    arena: &mut Arena,
    id: ExprId,
    pair: fn(&Arena, ExprId, ExprId) -> Option<Merged>,
) -> Result<Option<ExprId>, ShapeError> {
    let Some(factors) = product_factors(arena, id) else {
        return Ok(None);
    };
    let Some((p, merged)) = factors
        .windows(2)
        .enumerate()
        .find_map(|(p, two)| Some((p, pair(arena, two[0], two[1])?)))
    else {
        return Ok(None);
    };
    let factors = arena.operands(id);
    let merged = match merged {
        Merged::Sum(a) => arena.sum(a),
        Merged::Ones(shape) => arena.ones_shaped(shape),
    };
    let mut rest = factors[..p].to_vec();
    rest.push(merged);
    rest.extend_from_slice(&factors[p + 2..]);
    Ok(Some(arena.product(&rest)?))
}

fn quotient_dot_denominator(arena: &mut Arena, id: ExprId) -> Result<Option<ExprId>, ShapeError> {
    rewrite_adjacent(arena, id, |arena, left, right| {
        let Node::Transpose(q) = arena.node(left) else {
            return None;
        };
        let Node::Divide(a, b) = arena.node(*q) else {
            return None;
        };
        (*b == right).then_some(Merged::Sum(*a))
    })
}

fn dot_with_ones(arena: &mut Arena, id: ExprId) -> Result<Option<ExprId>, ShapeError> {
    rewrite_adjacent(arena, id, |arena, left, right| {
        let Node::Transpose(a) = arena.node(left) else {
            return None;
        };
        let ones = matches!(arena.node(right), Node::Ones(_, Dim::One));
        (ones && arena.shape(*a).is_column()).then_some(Merged::Sum(*a))
    })
}

fn outer_product_of_ones(arena: &mut Arena, id: ExprId) -> Result<Option<ExprId>, ShapeError> {
    rewrite_adjacent(arena, id, |arena, left, right| {
        let is_ones = |arena: &Arena, x: ExprId| matches!(arena.node(x), Node::Ones(..));
        let right_is_ones_row = match arena.node(right) {
            Node::Transpose(inner) => is_ones(arena, *inner),
            other => matches!(other, Node::Ones(..)),
        };
        if is_ones(arena, left) && right_is_ones_row {
            let shape = Shape::new(
                arena.shape(left).rows.clone(),
                arena.shape(right).cols.clone(),
            );
            return Some(Merged::Ones(shape));
        }
        None
    })
}

fn hadamard_with_ones(arena: &mut Arena, id: ExprId) -> Result<Option<ExprId>, ShapeError> {
    if let Node::Hadamard(a, b) = arena.node(id) {
        if matches!(arena.node(*b), Node::Ones(..)) {
            return Ok(Some(*a));
        }
        if matches!(arena.node(*a), Node::Ones(..)) {
            return Ok(Some(*b));
        }
    }
    Ok(None)
}

fn common_factor_of_difference(
    arena: &mut Arena,
    id: ExprId,
) -> Result<Option<ExprId>, ShapeError> {
    if let Node::Sub(a, b) = arena.node(id)
        && let (Node::Scale(c, a), Node::Scale(d, b)) = (arena.node(*a), arena.node(*b))
        && c == d
    {
        let (c, a, b) = (c.clone(), *a, *b);
        let difference = arena.sub(a, b)?;
        return Ok(Some(arena.scale(c, difference)));
    }
    Ok(None)
}

fn negated_difference(arena: &mut Arena, id: ExprId) -> Result<Option<ExprId>, ShapeError> {
    if let Node::Scale(c, inner) = arena.node(id)
        && c.is_negative()
    {
        let (c, inner) = (c.negated(), *inner);
        if let Some(flipped) = flip_difference(arena, inner)? {
            return Ok(Some(arena.scale(c, flipped)));
        }
    }
    Ok(None)
}

/// −x written without the sign, by swapping one difference that x is linear in: through
/// transposes, one factor of a product, one operand of ⊙. `None` if there is no such difference.
fn flip_difference(arena: &mut Arena, id: ExprId) -> Result<Option<ExprId>, ShapeError> {
    let node = arena.node(id).clone();
    let children = arena.children(id);
    let linear_in: Vec<usize> = match node {
        Node::Sub(a, b) => return Ok(Some(arena.sub(b, a)?)),
        Node::Transpose(_) | Node::Scale(..) => vec![0],
        Node::Product(_) | Node::Hadamard(..) => (0..children.len()).collect(),
        _ => Vec::new(),
    };
    for position in linear_in {
        if let Some(flipped) = flip_difference(arena, children[position])? {
            let mut replaced = children.clone();
            replaced[position] = flipped;
            return Ok(Some(arena.rebuild(id, &replaced)?));
        }
    }
    Ok(None)
}

fn difference_of_transposes(arena: &mut Arena, id: ExprId) -> Result<Option<ExprId>, ShapeError> {
    if let Node::Sub(a, b) = arena.node(id)
        && let (Node::Transpose(a), Node::Transpose(b)) = (arena.node(*a), arena.node(*b))
    {
        let (a, b) = (*a, *b);
        let difference = arena.sub(a, b)?;
        return Ok(Some(arena.transpose(difference)));
    }
    Ok(None)
}

fn scale_out_of_product(arena: &mut Arena, id: ExprId) -> Result<Option<ExprId>, ShapeError> {
    let Some(factors) = product_factors(arena, id) else {
        return Ok(None);
    };
    if !factors
        .iter()
        .any(|f| matches!(arena.node(*f), Node::Scale(..)))
    {
        return Ok(None);
    }
    let mut coef = Coef::one();
    let mut bare = Vec::with_capacity(factors.len());
    for &f in factors.iter() {
        match arena.node(f) {
            Node::Scale(c, inner) => {
                coef = coef.times(c);
                bare.push(*inner);
            }
            _ => bare.push(f),
        }
    }
    let product = arena.product(&bare)?;
    Ok(Some(arena.scale(coef, product)))
}

fn diag_vector(arena: &Arena, id: ExprId) -> Option<ExprId> {
    match arena.node(id) {
        Node::Diag(v) => Some(*v),
        _ => None,
    }
}

fn row_times_diag(arena: &mut Arena, id: ExprId) -> Result<Option<ExprId>, ShapeError> {
    let Some(factors) = product_factors(arena, id) else {
        return Ok(None);
    };
    if !any_factor(arena, &factors[1..], |f| matches!(f, Node::Diag(_))) {
        return Ok(None);
    }
    let factors = arena.operands(id);
    for p in 1..factors.len() {
        let Some(u) = diag_vector(arena, factors[p]) else {
            continue;
        };
        let left = arena.product(&factors[..p])?;
        if !arena.shape(left).is_row() {
            continue;
        }
        let left_column = arena.transpose(left);
        let merged = arena.hadamard(left_column, u)?;
        let row = arena.transpose(merged);
        let mut rest = vec![row];
        rest.extend_from_slice(&factors[p + 1..]);
        return Ok(Some(arena.product(&rest)?));
    }
    Ok(None)
}

fn diag_times_column(arena: &mut Arena, id: ExprId) -> Result<Option<ExprId>, ShapeError> {
    let Some(factors) = product_factors(arena, id) else {
        return Ok(None);
    };
    let all_but_last = &factors[..factors.len() - 1];
    if !any_factor(arena, all_but_last, |f| matches!(f, Node::Diag(_))) {
        return Ok(None);
    }
    let factors = arena.operands(id);
    for p in (0..factors.len() - 1).rev() {
        let Some(u) = diag_vector(arena, factors[p]) else {
            continue;
        };
        let right = arena.product(&factors[p + 1..])?;
        if !arena.shape(right).is_column() {
            continue;
        }
        let merged = arena.hadamard(right, u)?;
        let mut rest = factors[..p].to_vec();
        rest.push(merged);
        return Ok(Some(arena.product(&rest)?));
    }
    Ok(None)
}

fn scale_out_of_hadamard(arena: &mut Arena, id: ExprId) -> Result<Option<ExprId>, ShapeError> {
    if let Node::Hadamard(a, b) = arena.node(id) {
        let (a, b) = (*a, *b);
        // Checked before any coefficient is made: most elementwise products have none.
        let is_scale = |x: ExprId| matches!(arena.node(x), Node::Scale(..));
        if !is_scale(a) && !is_scale(b) {
            return Ok(None);
        }
        let (coef_a, a) = split_scale(arena, a);
        let (coef_b, b) = split_scale(arena, b);
        if coef_a.is_one() && coef_b.is_one() {
            return Ok(None);
        }
        let product = arena.hadamard(a, b)?;
        return Ok(Some(arena.scale(coef_a.times(&coef_b), product)));
    }
    Ok(None)
}

fn split_scale(arena: &Arena, id: ExprId) -> (Coef, ExprId) {
    match arena.node(id) {
        Node::Scale(c, inner) => (c.clone(), *inner),
        _ => (Coef::one(), id),
    }
}

fn cancel_division(arena: &mut Arena, id: ExprId) -> Result<Option<ExprId>, ShapeError> {
    if let Node::Hadamard(a, b) = arena.node(id) {
        let (a, b) = (*a, *b);
        for (quotient, other) in [(a, b), (b, a)] {
            if let Node::Divide(numerator, denominator) = arena.node(quotient)
                && *denominator == other
            {
                return Ok(Some(*numerator));
            }
        }
    }
    Ok(None)
}

fn value_by_name(arena: &mut Arena, id: ExprId) -> Result<Option<ExprId>, ShapeError> {
    if matches!(arena.node(id), Node::Map(..)) {
        return Ok(arena.value_named_by(id));
    }
    Ok(None)
}

fn derivative_through_output(arena: &mut Arena, id: ExprId) -> Result<Option<ExprId>, ShapeError> {
    let Node::Map(func, z) = arena.node(id) else {
        return Ok(None);
    };
    let (func, z) = (*func, *z);
    let forward = match func {
        Func::SigmoidPrime => Func::Sigmoid,
        Func::TanhPrime => Func::Tanh,
        _ => return Ok(None),
    };
    let value = arena.map(forward, z);
    let Some(named) = arena.value_named_by(value) else {
        return Ok(None);
    };
    let rewritten = match func {
        Func::SigmoidPrime => {
            let one_minus = arena.one_minus(named)?;
            arena.hadamard(named, one_minus)?
        }
        _ => {
            let square = arena.hadamard(named, named)?;
            arena.one_minus(square)?
        }
    };
    Ok(Some(rewritten))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::math::expr::Role;
    use crate::math::shape::{Dim, Shape};
    use crate::math::symbol::Symbol;

    fn column(arena: &mut Arena, symbol: Symbol, dim: &str) -> ExprId {
        arena.leaf(symbol, Shape::column(Dim::named(dim)))
    }

    fn matrix(arena: &mut Arena, symbol: Symbol, rows: &str, cols: &str) -> ExprId {
        arena.leaf(symbol, Shape::new(Dim::named(rows), Dim::named(cols)))
    }

    fn simplify_with_trace(arena: &mut Arena, id: ExprId) -> (ExprId, Vec<&'static str>) {
        let mut s = Simplifier::new();
        let out = s.simplify(arena, id).unwrap();
        (out, s.trace)
    }

    #[test]
    fn transpose_of_a_product_reverses_it() {
        let mut a = Arena::new();
        let w = matrix(&mut a, Symbol::Weight(1), "d", "n");
        let x = column(&mut a, Symbol::Input, "n");
        let wx = a.matmul(w, x).unwrap();
        let t = a.transpose(wx);
        let (out, trace) = simplify_with_trace(&mut a, t);
        let xt = a.transpose(x);
        let wt = a.transpose(w);
        assert_eq!(out, a.matmul(xt, wt).unwrap());
        assert!(trace.contains(&"transpose_of_product"));
    }

    #[test]
    fn identity_factors_vanish() {
        let mut a = Arena::new();
        let w = matrix(&mut a, Symbol::Weight(1), "d", "n");
        let i = a.identity(Dim::named("d"));
        let p = a.matmul(i, w).unwrap();
        assert_eq!(simplify_with_trace(&mut a, p).0, w);
    }

    #[test]
    fn diag_times_vector_becomes_hadamard() {
        let mut a = Arena::new();
        let u = column(&mut a, Symbol::Hidden(1), "d");
        let v = column(&mut a, Symbol::Input, "d");
        let d = a.diag(u).unwrap();
        let p = a.matmul(d, v).unwrap();
        let (out, trace) = simplify_with_trace(&mut a, p);
        assert_eq!(out, a.hadamard(v, u).unwrap());
        assert_eq!(trace, ["diag_times_column"]);
    }

    #[test]
    fn row_times_diag_becomes_transposed_hadamard() {
        let mut a = Arena::new();
        let u = column(&mut a, Symbol::Hidden(1), "d");
        let v = column(&mut a, Symbol::Input, "d");
        let d = a.diag(u).unwrap();
        let vt = a.transpose(v);
        let p = a.matmul(vt, d).unwrap();
        let (out, _) = simplify_with_trace(&mut a, p);
        let h = a.hadamard(v, u).unwrap();
        assert_eq!(out, a.transpose(h));
    }

    #[test]
    fn scalars_move_to_the_front_and_combine() {
        let mut a = Arena::new();
        let w = matrix(&mut a, Symbol::Weight(1), "d", "n");
        let x = column(&mut a, Symbol::Input, "n");
        let two_x = a.scale(Coef::integer(2), x);
        let p = a.matmul(w, two_x).unwrap();
        let outer = a.scale(Coef::per(Dim::named("K")), p);
        let (out, _) = simplify_with_trace(&mut a, outer);
        let wx = a.matmul(w, x).unwrap();
        let expected_coef = Coef::integer(2).times(&Coef::per(Dim::named("K")));
        assert_eq!(out, a.scale(expected_coef, wx));
    }

    #[test]
    fn a_quotient_cancels_against_its_denominator() {
        let mut a = Arena::new();
        let p = column(&mut a, Symbol::Input, "K");
        let q = column(&mut a, Symbol::Target, "K");
        let ratio = a.divide(p, q).unwrap();
        let h = a.hadamard(ratio, q).unwrap();
        let (out, trace) = simplify_with_trace(&mut a, h);
        assert_eq!(out, p);
        assert_eq!(trace, ["cancel_division"]);
        // A different denominator does not cancel.
        let other = a.hadamard(ratio, p).unwrap();
        assert_eq!(simplify_with_trace(&mut a, other).0, other);
    }

    #[test]
    fn sigmoid_derivative_is_written_through_the_named_output() {
        let mut a = Arena::new();
        let z = column(&mut a, Symbol::Hidden(1), "K");
        let s = a.map(Func::Sigmoid, z);
        let yhat = a.name(Symbol::Output, s, Role::Value);
        let ds = a.map(Func::SigmoidPrime, z);
        let (out, trace) = simplify_with_trace(&mut a, ds);
        let one_minus = a.one_minus(yhat).unwrap();
        assert_eq!(out, a.hadamard(yhat, one_minus).unwrap());
        assert_eq!(trace, ["derivative_through_output"]);
        // Without a name for σ(z) the derivative stays as it is.
        let w = column(&mut a, Symbol::Input, "K");
        let dw = a.map(Func::SigmoidPrime, w);
        assert_eq!(simplify_with_trace(&mut a, dw).0, dw);
    }

    #[test]
    fn every_rule_has_a_distinct_name() {
        let mut names: Vec<_> = RULES.iter().map(|r| r.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), RULES.len());
    }

    #[test]
    fn rules_decline_every_kind_but_their_own() {
        // The simplifier asks a rule only about the kind of node it names; a rule that could
        // rewrite another kind would silently never fire there.
        let mut a = Arena::new();
        let x = column(&mut a, Symbol::Input, "d");
        let y = column(&mut a, Symbol::Target, "d");
        let w = matrix(&mut a, Symbol::Weight(1), "d", "d");
        let s = a.map(Func::Sigmoid, x);
        let named = a.name(Symbol::Output, s, Role::Value);
        let ones = a.ones(Dim::named("d"));
        let identity = a.identity(Dim::named("d"));
        let xt = a.transpose(x);
        let xtt = a.transpose(xt);
        let half = a.scale(Coef::per(Dim::named("d")), x);
        let negated = a.scale(Coef::integer(-1), half);
        let difference = a.sub(half, half).unwrap();
        let quotient = a.divide(x, y).unwrap();
        let cancelled = a.hadamard(quotient, y).unwrap();
        let with_ones = a.hadamard(x, ones).unwrap();
        let diag = a.diag(x).unwrap();
        let product = a.product(&[identity, diag, w, half]).unwrap();
        let derivative = a.map(Func::SigmoidPrime, x);
        let sum = a.add(x, y).unwrap();
        let norm = a.squared_norm(x);
        let total = a.sum(x);
        let nodes = [
            x, w, s, named, ones, identity, xt, xtt, half, negated, difference, quotient,
            cancelled, with_ones, diag, product, derivative, sum, norm, total,
        ];
        for id in nodes {
            let kind = Kind::of(a.node(id));
            for rule in RULES.iter().filter(|rule| rule.rewrites != kind) {
                assert_eq!((rule.apply)(&mut a, id).unwrap(), None, "{}", rule.name);
            }
        }
    }
}
