//! Lays out one expression as a `pretty` document in a given notation.
//!
//! Parentheses come from precedence: each node has a level, and an operand whose level is
//! lower than its context needs is wrapped. Breaks are allowed before + and − and after ⊙ and ·,
//! so a long formula wraps at the width instead of running off.

use pretty::RcDoc;

use crate::expr::{Arena, ExprId, Node, Role};
use crate::render::notation::Notation;

pub type Doc = RcDoc<'static>;

const SUM: u8 = 0;
const HADAMARD: u8 = 1;
const SCALE: u8 = 2;
const PRODUCT: u8 = 3;
const POSTFIX: u8 = 4;
const ATOM: u8 = 5;

/// Whether named values (zᵢ, ŷ) are printed by name or replaced by their definitions, all the
/// way down to x and the parameters.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Names {
    Keep,
    ExpandValues,
    /// Values, and the rows ∂ℓ/∂zᵢ into the products that define them: the chain rule in full.
    ExpandValuesAndSignals,
}

pub struct Printer<'a, N: Notation> {
    pub arena: &'a Arena,
    pub notation: &'a N,
    pub names: Names,
    /// Each node's document, built once: a derivation prints the same names and subtrees
    /// many times, and a document is cheap to share.
    memo: std::cell::RefCell<std::collections::HashMap<ExprId, (Doc, u8)>>,
}

impl<'a, N: Notation> Printer<'a, N> {
    pub fn new(arena: &'a Arena, notation: &'a N, names: Names) -> Self {
        Printer {
            arena,
            notation,
            names,
            memo: Default::default(),
        }
    }

    pub fn doc(&self, id: ExprId) -> Doc {
        self.at_level(id, SUM)
    }

    /// The expression on one line.
    pub fn doc_text(&self, id: ExprId) -> String {
        flat(&self.doc(id))
    }

    fn at_level(&self, id: ExprId, needed: u8) -> Doc {
        let (doc, level) = self.cached(id);
        if level < needed {
            self.parens(doc)
        } else {
            doc
        }
    }

    fn cached(&self, id: ExprId) -> (Doc, u8) {
        if let Some(hit) = self.memo.borrow().get(&id) {
            return hit.clone();
        }
        let built = self.raw(id);
        self.memo.borrow_mut().insert(id, built.clone());
        built
    }

    fn parens(&self, doc: Doc) -> Doc {
        self.notation
            .atom(self.notation.open())
            .append(doc)
            .append(self.notation.atom(self.notation.close()))
    }

    /// The node a named value stands for when names are expanded; the node itself otherwise.
    fn resolve(&self, id: ExprId) -> ExprId {
        let mut id = id;
        while let Some(info) = self.arena.named(id) {
            let expand = match info.role {
                Role::Value => self.names != Names::Keep,
                Role::Signal => self.names == Names::ExpandValuesAndSignals,
                Role::Derivative => false,
            };
            if !expand {
                break;
            }
            id = info.definition;
        }
        id
    }

    /// A partial such as ∂ℓ/∂ŷ reads as a fraction: it needs parentheses before ᵀ or an index.
    pub fn is_fraction(&self, id: ExprId) -> bool {
        let id = self.resolve(id);
        self.arena
            .named(id)
            .is_some_and(|info| info.symbol.is_partial())
    }

    /// A factor after which the next one can follow with no space: x, W⁽¹⁾, zᵀ.
    fn is_simple(&self, id: ExprId) -> bool {
        let id = self.resolve(id);
        match self.arena.node(id) {
            Node::Leaf(_) | Node::Identity(_) => true,
            Node::Named(_) => !self.is_fraction(id),
            Node::Transpose(a) => self.is_simple(*a),
            _ => false,
        }
    }

    fn raw(&self, id: ExprId) -> (Doc, u8) {
        let n = self.notation;
        let id = self.resolve(id);
        let arena = self.arena;
        match arena.node(id) {
            Node::Leaf(symbol) => (self.notation.atom(n.symbol(symbol)), ATOM),
            Node::Named(_) => {
                let info = arena.named(id).expect("named");
                (self.notation.atom(n.symbol(&info.symbol)), ATOM)
            }
            Node::Identity(dim) => (self.notation.atom(n.identity(dim)), ATOM),
            Node::Ones(rows, _) => (self.notation.atom(n.ones(rows)), ATOM),
            Node::Scale(coef, a) => {
                let space = if self.starts_with_function(*a) {
                    " "
                } else {
                    ""
                };
                let doc = self.notation.atom(format!("{}{space}", n.coef(coef)));
                (doc.append(self.at_level(*a, PRODUCT)), SCALE)
            }
            Node::Add(a, b) => (self.binary(*a, n.plus(), *b, SUM, SUM), SUM),
            Node::Sub(a, b) => (self.binary(*a, n.minus(), *b, SUM, HADAMARD), SUM),
            Node::Hadamard(a, b) => {
                // ⊙ is associative, so a chain needs no parentheses; anything else that is not
                // a single term is wrapped, products included: (W⁽²⁾ᵀδ) ⊙ 𝟙[z₁ > 0].
                let operand = |x: ExprId| {
                    if matches!(arena.node(self.resolve(x)), Node::Hadamard(..)) {
                        self.doc(x)
                    } else {
                        self.at_level(x, POSTFIX)
                    }
                };
                let doc = operand(*a)
                    .append(self.notation.atom(format!(" {}", n.hadamard())))
                    .append(RcDoc::line())
                    .append(operand(*b));
                (doc.group(), HADAMARD)
            }
            Node::Divide(a, b) => (self.binary(*a, n.divide(), *b, SCALE, SCALE), HADAMARD),
            Node::Product(_) => (self.product(&self.display_factors(id)), PRODUCT),
            Node::Transpose(a) => {
                let inner = if self.is_fraction(*a) {
                    self.parens(self.doc(*a))
                } else {
                    self.at_level(*a, ATOM)
                };
                (inner.append(self.notation.atom(n.transpose())), POSTFIX)
            }
            Node::Diag(a) => (n.diag(self.doc(*a)), ATOM),
            Node::Map(func, a) => (n.apply(*func, self.doc(*a)), ATOM),
            Node::SquaredNorm(a) => (n.squared_norm(self.doc(*a)), ATOM),
            Node::Sum(a) => (n.sum(self.doc(*a)), ATOM),
        }
    }

    /// An operand of + or −: a matrix of ones there is the number 1 taken entry by entry
    /// (1 − ŷ), elsewhere the vector 𝟙 (b𝟙ᵀ).
    fn operand(&self, id: ExprId, level: u8) -> Doc {
        match self.arena.node(self.resolve(id)) {
            Node::Ones(..) => self.notation.atom("1"),
            _ => self.at_level(id, level),
        }
    }

    fn binary(&self, a: ExprId, op: &str, b: ExprId, left_level: u8, right_level: u8) -> Doc {
        self.operand(a, left_level)
            .append(RcDoc::line())
            .append(self.notation.atom(format!("{op} ")))
            .append(self.operand(b, right_level))
            .nest(2)
            .group()
    }

    /// The factors of a product as printed: products inside it (from an expanded row
    /// ∂ℓ/∂zᵢ) are spliced in, since a matrix product needs no grouping.
    fn display_factors(&self, id: ExprId) -> Vec<ExprId> {
        let mut out = Vec::new();
        let mut stack = vec![id];
        while let Some(next) = stack.pop() {
            let resolved = self.resolve(next);
            match self.arena.node(resolved) {
                Node::Product(factors) => {
                    stack.extend(factors.iter().rev());
                }
                _ => out.push(next),
            }
        }
        out
    }

    fn product(&self, factors: &[ExprId]) -> Doc {
        let mut doc = self.at_level(factors[0], POSTFIX);
        for pair in factors.windows(2) {
            let (left, right) = (pair[0], pair[1]);
            let separator = if self.is_fraction(left) || self.is_fraction(right) {
                self.notation
                    .atom(format!(" {}", self.notation.dot()))
                    .append(RcDoc::line())
            } else if self.is_simple(left) && !self.starts_with_function(right) {
                RcDoc::nil()
            } else {
                RcDoc::line()
            };
            doc = doc.append(separator).append(self.at_level(right, POSTFIX));
        }
        doc.nest(2).group()
    }

    /// `W⁽²⁾ max(0, …)` reads better with a space than `W⁽²⁾max(0, …)`.
    fn starts_with_function(&self, id: ExprId) -> bool {
        let id = self.resolve(id);
        match self.arena.node(id) {
            Node::Map(..) | Node::Diag(_) | Node::Sum(_) => true,
            Node::Transpose(a) => self.starts_with_function(*a),
            _ => false,
        }
    }
}

/// A document on one line.
pub fn flat(doc: &Doc) -> String {
    lines(doc, usize::MAX / 2).join(" ")
}

/// Renders a document to lines at a width.
pub fn lines(doc: &Doc, width: usize) -> Vec<String> {
    let mut out = Vec::new();
    doc.render(width, &mut out)
        .expect("writing to memory does not fail");
    String::from_utf8(out)
        .expect("documents hold UTF-8 text")
        .lines()
        .map(|l| l.trim_end().to_string())
        .collect()
}
