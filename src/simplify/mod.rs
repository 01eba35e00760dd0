//! The simplifier: small named rewrite rules, applied bottom-up until none fires.
//!
//! Each rule looks at one node whose operands are already simplified and either rewrites it or
//! declines. The rules are data (`RULES`), so a test can name the rule it exercises and a trace
//! says which rules a derivation used.
//!
//! This file holds the driver and the table; the rules themselves live one file per kind of
//! node they rewrite (`transpose`, `scale`, `product`, `hadamard`, `difference`, `map`).

#[cfg(test)]
mod cases;
mod difference;
mod hadamard;
mod map;
mod product;
mod scale;
mod transpose;

use std::sync::LazyLock;

use rustc_hash::FxHashMap;

use crate::math::expr::{Arena, ExprId, Node};
use crate::math::shape::ShapeError;

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
    Add,
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
            Node::Add(..) => Kind::Add,
            Node::Sub(..) => Kind::Sub,
            Node::Hadamard(..) => Kind::Hadamard,
            Node::Map(..) => Kind::Map,
            _ => Kind::Other,
        }
    }
}

/// Every rule, in the order the simplifier tries them on a node: where two rules could rewrite
/// the same node the earlier one wins, so reordering can change what a derivation prints.
pub const RULES: &[Rule] = &[
    Rule {
        name: "transpose_of_transpose",
        pattern: "(Aᵀ)ᵀ → A",
        rewrites: Kind::Transpose,
        apply: transpose::transpose_of_transpose,
    },
    Rule {
        name: "transpose_of_product",
        pattern: "(AB)ᵀ → BᵀAᵀ",
        rewrites: Kind::Transpose,
        apply: transpose::transpose_of_product,
    },
    Rule {
        name: "transpose_of_scale",
        pattern: "(cA)ᵀ → c Aᵀ",
        rewrites: Kind::Transpose,
        apply: transpose::transpose_of_scale,
    },
    Rule {
        name: "transpose_of_symmetric",
        pattern: "diag(v)ᵀ → diag(v), Iᵀ → I",
        rewrites: Kind::Transpose,
        apply: transpose::transpose_of_symmetric,
    },
    Rule {
        name: "scale_of_scale",
        pattern: "c(dA) → (cd)A",
        rewrites: Kind::Scale,
        apply: scale::scale_of_scale,
    },
    Rule {
        name: "flatten_product",
        pattern: "A(BC) → ABC",
        rewrites: Kind::Product,
        apply: product::flatten_product,
    },
    Rule {
        name: "drop_identity",
        pattern: "AI → A, IA → A",
        rewrites: Kind::Product,
        apply: product::drop_identity,
    },
    Rule {
        name: "scale_out_of_product",
        pattern: "A(cB) → c(AB)",
        rewrites: Kind::Product,
        apply: product::scale_out_of_product,
    },
    Rule {
        name: "row_times_diag",
        pattern: "r diag(u) → (rᵀ ⊙ u)ᵀ for a row r",
        rewrites: Kind::Product,
        apply: product::row_times_diag,
    },
    Rule {
        name: "diag_times_column",
        pattern: "diag(u) v → v ⊙ u for a column v",
        rewrites: Kind::Product,
        apply: product::diag_times_column,
    },
    Rule {
        name: "distribute_row_over_difference",
        pattern: "r(A − B) → rA − rB for a row r",
        rewrites: Kind::Product,
        apply: product::distribute_row_over_difference,
    },
    Rule {
        name: "quotient_dot_denominator",
        pattern: "(a ⊘ b)ᵀb → Σa",
        rewrites: Kind::Product,
        apply: product::quotient_dot_denominator,
    },
    Rule {
        name: "dot_with_ones",
        pattern: "aᵀ1 → Σa",
        rewrites: Kind::Product,
        apply: product::dot_with_ones,
    },
    Rule {
        name: "outer_product_of_ones",
        pattern: "𝟏𝟏ᵀ → the matrix of ones",
        rewrites: Kind::Product,
        apply: product::outer_product_of_ones,
    },
    Rule {
        name: "hadamard_with_ones",
        pattern: "A ⊙ 𝟏𝟏ᵀ → A",
        rewrites: Kind::Hadamard,
        apply: hadamard::hadamard_with_ones,
    },
    Rule {
        name: "common_factor_of_difference",
        pattern: "cA − cB → c(A − B)",
        rewrites: Kind::Sub,
        apply: difference::common_factor_of_difference,
    },
    Rule {
        name: "negated_difference",
        pattern: "−(…(a − b)…) → …(b − a)… through ᵀ, products and ⊙",
        rewrites: Kind::Scale,
        apply: scale::negated_difference,
    },
    Rule {
        name: "difference_of_transposes",
        pattern: "aᵀ − bᵀ → (a − b)ᵀ",
        rewrites: Kind::Sub,
        apply: difference::difference_of_transposes,
    },
    Rule {
        name: "scale_out_of_hadamard",
        pattern: "(cA) ⊙ B → c(A ⊙ B)",
        rewrites: Kind::Hadamard,
        apply: hadamard::scale_out_of_hadamard,
    },
    Rule {
        name: "cancel_division",
        pattern: "(A ⊘ B) ⊙ B → A",
        rewrites: Kind::Hadamard,
        apply: hadamard::cancel_division,
    },
    Rule {
        name: "value_by_name",
        pattern: "f(z) → s where the forward pass names s = f(z)",
        rewrites: Kind::Map,
        apply: map::value_by_name,
    },
    Rule {
        name: "derivative_through_output",
        pattern: "σ′(z) → s ⊙ (1 − s), tanh′(z) → 1 − s ⊙ s where s names σ(z), tanh(z)",
        rewrites: Kind::Map,
        apply: map::derivative_through_output,
    },
    Rule {
        name: "sum_with_negated",
        pattern: "A + (−c)B → A − cB, (−c)A + B → B − cA",
        rewrites: Kind::Add,
        apply: difference::sum_with_negated,
    },
    Rule {
        name: "sum_of_transposes",
        pattern: "c aᵀ + d bᵀ → (ca + db)ᵀ",
        rewrites: Kind::Add,
        apply: difference::sum_of_transposes,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::math::coef::Coef;
    use crate::math::expr::Role;
    use crate::math::func::Func;
    use crate::math::shape::{Dim, Shape};
    use crate::math::symbol::Symbol;

    fn column(arena: &mut Arena, symbol: Symbol, dim: &str) -> ExprId {
        arena.leaf(symbol, Shape::column(Dim::named(dim)))
    }

    fn matrix(arena: &mut Arena, symbol: Symbol, rows: &str, cols: &str) -> ExprId {
        arena.leaf(symbol, Shape::new(Dim::named(rows), Dim::named(cols)))
    }

    #[test]
    fn every_rule_has_a_distinct_name() {
        let mut names: Vec<_> = RULES.iter().map(|r| r.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), RULES.len());
    }

    #[test]
    fn every_rule_has_a_case() {
        // Each kind's file lists the rules its cases cover (see `cases::rule_cases`).
        let cases = [
            transpose::tests::CASES,
            scale::tests::CASES,
            product::tests::CASES,
            hadamard::tests::CASES,
            difference::tests::CASES,
            map::tests::CASES,
        ]
        .concat();
        let without: Vec<&str> = RULES
            .iter()
            .map(|rule| rule.name)
            .filter(|name| !cases.contains(name))
            .collect();
        assert!(without.is_empty(), "rules without a case: {without:?}");
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
