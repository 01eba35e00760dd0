//! Lays out one expression as a `pretty` document in a given notation.
//!
//! Parentheses come from precedence: each node has a level, and an operand whose level is
//! lower than its context needs is wrapped. Breaks are allowed before + and − and after ⊙ and ·,
//! so a long formula wraps at the width instead of running off.

use pretty::RcDoc;

use crate::math::expr::{Arena, ExprId, Node, Role};
pub use crate::render::layout::Doc;
use crate::render::layout::Layout;
use crate::render::notation::Notation;

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

impl Names {
    /// Whether a named node of this role is printed as its definition.
    pub fn expands(self, role: Role) -> bool {
        match role {
            Role::Value => self != Names::Keep,
            Role::Signal => self == Names::ExpandValuesAndSignals,
            Role::Derivative | Role::Statistic => false,
        }
    }

    /// The node printed in place of `id`: through every name that is expanded to its
    /// definition.
    pub fn resolve(self, arena: &Arena, id: ExprId) -> ExprId {
        let mut id = id;
        while let Some(info) = arena.named(id) {
            if !self.expands(info.role) {
                break;
            }
            id = info.definition;
        }
        id
    }
}

/// Prints expressions as documents (`L = Doc`) or as lines of text (`L = Line`).
pub struct Printer<'a, N: Notation, L: Layout = Doc> {
    pub arena: &'a Arena,
    pub notation: &'a N,
    pub names: Names,
    /// Each node's layout, built once: a derivation prints the same names and subtrees
    /// many times.
    memo: std::cell::RefCell<Memo<L>>,
}

/// Layouts by node id: a dense table of positions (0 for none yet) into the layouts built, so
/// that a lookup is an index rather than a hash.
struct Memo<L> {
    position: Vec<u32>,
    built: Vec<Built<L>>,
}

/// A node's layout, its precedence level, and whether it holds a fraction (so that
/// parentheses around it must be tall).
type Built<L> = (L, u8, bool);

impl<L: Clone> Memo<L> {
    fn get(&self, id: ExprId) -> Option<&Built<L>> {
        match self.position.get(id.index()) {
            Some(&p) if p > 0 => Some(&self.built[p as usize - 1]),
            _ => None,
        }
    }

    fn insert(&mut self, id: ExprId, nodes: usize, layout: Built<L>) {
        if self.position.is_empty() {
            // Zeroed memory is handed out untouched: only the pages of printed nodes are used.
            self.position = vec![0; nodes];
            // Room for every node at once, so the layouts are never copied to a larger table;
            // pages no layout reaches are never touched.
            self.built = Vec::with_capacity(nodes);
        }
        self.built.push(layout);
        self.position[id.index()] =
            u32::try_from(self.built.len()).expect("fewer layouts than nodes");
    }
}

impl<'a, N: Notation, L: Layout> Printer<'a, N, L> {
    pub fn new(arena: &'a Arena, notation: &'a N, names: Names) -> Self {
        Printer {
            arena,
            notation,
            names,
            memo: std::cell::RefCell::new(Memo {
                position: Vec::new(),
                built: Vec::new(),
            }),
        }
    }

    pub fn doc(&self, id: ExprId) -> L {
        self.at_level(id, SUM)
    }

    fn at_level(&self, id: ExprId, needed: u8) -> L {
        if let Some((layout, level, tall)) = self.memo.borrow().get(id) {
            return if *level < needed {
                self.parens_around(None, layout, 0, *tall)
            } else {
                layout.clone()
            };
        }
        let (doc, level, tall) = self.build_and_keep(id);
        if level < needed {
            self.parens_around(None, &doc, 0, tall)
        } else {
            doc
        }
    }

    /// Whether the layout of `id`, already built, holds a fraction.
    fn is_tall(&self, id: ExprId) -> bool {
        self.memo.borrow().get(id).is_some_and(|built| built.2)
    }

    /// `before.append(self.doc(id).nest(indent))`, the layout kept for `id` appended without a
    /// copy of its own.
    pub fn after(&self, before: L, id: ExprId, indent: isize) -> L {
        self.after_at_level(before, id, SUM, indent)
    }

    // The layouts kept are lent out below while the memo is borrowed: what is done with them
    // (appending, a notation's wrapping) must not print through this printer again.

    /// `before.append(self.at_level(id, needed).nest(indent))`, without copying the layout kept
    /// for `id` first.
    fn after_at_level(&self, before: L, id: ExprId, needed: u8, indent: isize) -> L {
        if let Some((layout, level, tall)) = self.memo.borrow().get(id) {
            return if *level >= needed {
                before.append_nested(layout, indent)
            } else {
                self.parens_around(Some(before), layout, indent, *tall)
            };
        }
        before.append(self.at_level(id, needed).nest(indent))
    }

    /// `layout` in parentheses (`tall` ones around a fraction), nested by `indent`, after
    /// `before` if there is one.
    fn parens_around(&self, before: Option<L>, layout: &L, indent: isize, tall: bool) -> L {
        let (open, close) = self.notation.parentheses(tall);
        let open = self.notation.atom(open);
        let opened = match before {
            Some(before) => before.append(open),
            None => open,
        };
        opened
            .append_nested(layout, indent)
            .append(self.notation.atom(close))
    }

    /// `wrap(&self.doc(id))`, given the layout kept for `id` rather than a copy of it; `wrap`
    /// must not print through this printer.
    fn with_doc(&self, id: ExprId, wrap: impl FnOnce(&L) -> L) -> L {
        if let Some((layout, ..)) = self.memo.borrow().get(id) {
            return wrap(layout);
        }
        wrap(&self.doc(id))
    }

    /// Builds the layout of `id`, which is not kept yet, and keeps a copy.
    fn build_and_keep(&self, id: ExprId) -> Built<L> {
        let (layout, level) = self.raw(id);
        let tall = self.holds_fraction(id);
        self.memo
            .borrow_mut()
            .insert(id, self.arena.len(), (layout.kept(), level, tall));
        (layout, level, tall)
    }

    /// Whether `id`, whose operands are laid out already, prints a fraction: a partial such as
    /// ∂ℓ/∂ŷ, a coefficient such as 1/K, or an operand that holds one.
    fn holds_fraction(&self, id: ExprId) -> bool {
        if self.is_fraction(id) {
            return true;
        }
        let resolved = self.resolve(id);
        match self.arena.node(resolved) {
            Node::Leaf(_) | Node::Named(_) | Node::Identity(_) | Node::Ones(..) => false,
            Node::Scale(coef, a) => !coef.is_integer() || self.is_tall(*a),
            Node::Add(a, b) | Node::Sub(a, b) | Node::Hadamard(a, b) | Node::Divide(a, b) => {
                self.is_tall(*a) || self.is_tall(*b)
            }
            Node::Product(_) => self
                .display_factors(resolved)
                .iter()
                .any(|f| self.is_tall(*f)),
            Node::Transpose(a)
            | Node::Diag(a)
            | Node::Map(_, a)
            | Node::SquaredNorm(a)
            | Node::Sum(a) => self.is_tall(*a),
        }
    }

    /// The node a named value stands for when names are expanded; the node itself otherwise.
    fn resolve(&self, id: ExprId) -> ExprId {
        self.names.resolve(self.arena, id)
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

    fn raw(&self, id: ExprId) -> (L, u8) {
        let n = self.notation;
        let id = self.resolve(id);
        let arena = self.arena;
        match arena.node(id) {
            Node::Leaf(symbol) => (n.symbol_atom(symbol), ATOM),
            Node::Named(_) => {
                let info = arena.named(id).expect("named");
                (n.symbol_atom(&info.symbol), ATOM)
            }
            Node::Identity(dim) => (self.notation.atom(n.identity(dim)), ATOM),
            // A matrix of ones is written as the product it is, 𝟏𝟏ᵀ, so that 𝟏 alone always
            // means a vector of ones, as the legend says.
            Node::Ones(rows, cols) => {
                let one = n.ones(rows);
                let one_dim = crate::math::shape::Dim::One;
                let shown = match (*rows == one_dim, *cols == one_dim) {
                    (_, true) => one,
                    (true, false) => format!("{one}{}", n.transpose()),
                    (false, false) => format!("{one}{one}{}", n.transpose()),
                };
                (self.notation.atom(shown), ATOM)
            }
            Node::Scale(coef, a) => {
                let space = if self.starts_with_function(*a) {
                    " "
                } else {
                    ""
                };
                let doc = self.notation.atom::<L>(n.coef(coef) + space);
                (self.after_at_level(doc, *a, PRODUCT, 0), SCALE)
            }
            Node::Add(a, b) => (self.binary(*a, n.plus(), *b, SUM, SUM), SUM),
            Node::Sub(a, b) => (self.binary(*a, n.minus(), *b, SUM, HADAMARD), SUM),
            Node::Hadamard(a, b) => {
                // ⊙ is associative, so a chain needs no parentheses; anything else that is not
                // a single term is wrapped, products included: (W⁽²⁾ᵀδ) ⊙ [z₁ > 0].
                let level = |x: ExprId| {
                    if matches!(arena.node(self.resolve(x)), Node::Hadamard(..)) {
                        SUM
                    } else {
                        POSTFIX
                    }
                };
                let before = self
                    .at_level(*a, level(*a))
                    .append(self.notation.atom([" ", n.hadamard()].concat()))
                    .append(L::line());
                (
                    self.after_at_level(before, *b, level(*b), 0).group(),
                    HADAMARD,
                )
            }
            Node::Divide(a, b) => (self.binary(*a, n.divide(), *b, SCALE, SCALE), HADAMARD),
            Node::Product(_) => (self.product(&self.display_factors(id)), PRODUCT),
            Node::Transpose(a) => {
                let inner = if self.is_fraction(*a) {
                    self.with_doc(*a, |a| self.parens_around(None, a, 0, true))
                } else if matches!(
                    self.arena.node(self.resolve(*a)),
                    Node::Map(crate::math::func::Func::SqrtPlus(_), _)
                ) {
                    // √(v + ε) is (v + ε)^{1/2} in LaTeX: a second superscript needs a group.
                    n.superscripted(self.at_level(*a, ATOM))
                } else {
                    self.at_level(*a, ATOM)
                };
                (inner.append(self.notation.atom(n.transpose())), POSTFIX)
            }
            Node::Diag(a) => (self.with_doc(*a, |a| n.diag(a)), ATOM),
            Node::Map(func, a) => (self.with_doc(*a, |a| n.apply(*func, a)), ATOM),
            Node::SquaredNorm(a) => (self.with_doc(*a, |a| n.squared_norm(a)), ATOM),
            Node::Sum(a) => (self.with_doc(*a, |a| n.sum(a)), ATOM),
        }
    }

    /// `before` followed by an operand of + or −: a matrix of ones there is the number 1 taken
    /// entry by entry (1 − ŷ), elsewhere the vector 𝟏 (b𝟏ᵀ).
    fn after_operand(&self, before: L, id: ExprId, level: u8) -> L {
        match self.arena.node(self.resolve(id)) {
            Node::Ones(..) => before.append(self.notation.atom("1")),
            _ => self.after_at_level(before, id, level, 0),
        }
    }

    fn binary(&self, a: ExprId, op: &str, b: ExprId, left_level: u8, right_level: u8) -> L {
        let before = self
            .after_operand(L::nil(), a, left_level)
            .append(L::line())
            .append(self.notation.atom([op, " "].concat()));
        self.after_operand(before, b, right_level).nest(2).group()
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

    /// Factors fill the line: each break before a factor is a group of its own, taken only
    /// where the factor would not fit, so a long product breaks where it must rather than
    /// once per factor.
    fn product(&self, factors: &[ExprId]) -> L {
        let mut doc = self.at_level(factors[0], POSTFIX);
        for pair in factors.windows(2) {
            let (left, right) = (pair[0], pair[1]);
            doc = if self.is_fraction(left) || self.is_fraction(right) {
                let dot = self.notation.atom::<L>([" ", self.notation.dot()].concat());
                doc.append(dot)
                    .append(self.after_at_level(L::line(), right, POSTFIX, 0).group())
            } else if self.is_simple(left) && !self.starts_with_function(right) {
                self.after_at_level(doc, right, POSTFIX, 0)
            } else {
                doc.append(self.after_at_level(L::line(), right, POSTFIX, 0).group())
            };
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
    if let Some(line) = single_line(doc, width) {
        // Split as `pretty`'s output would be: an empty document has no lines.
        if line.is_empty() {
            return Vec::new();
        }
        return vec![line.trim_end().to_string()];
    }
    laid_out(doc, width)
}

/// Renders a document to lines at a width by `pretty`'s layout, for a document already known
/// not to lie on one line.
pub fn laid_out(doc: &Doc, width: usize) -> Vec<String> {
    let mut out = Vec::new();
    doc.render(width, &mut out)
        .expect("writing to memory does not fail");
    String::from_utf8(out)
        .expect("documents hold UTF-8 text")
        .lines()
        .map(|l| l.trim_end().to_string())
        .collect()
}

/// The document's text when it lies on one line of at most `width` columns, as `pretty` would
/// lay it out; `None` when it might break (or holds anything but text, groups and nesting).
///
/// Most formulas of a derivation are short, and walking the document once is far cheaper than
/// `pretty`'s layout, which checks every group for fit. When every piece of text together fits
/// the width and nothing forces a new line, every group fits, so `pretty` would print each one
/// flat: this text.
fn single_line(doc: &Doc, width: usize) -> Option<String> {
    use pretty::Doc as D;
    let mut text = String::new();
    let mut used = 0usize;
    // (inside a group, document): a group's line breaks are spaces; outside, they break.
    let mut stack: Vec<(bool, &pretty::Doc<'static, RcDoc<'static>>)> = vec![(false, &**doc)];
    while let Some((flat, doc)) = stack.pop() {
        let piece: &str = match doc {
            D::Nil => continue,
            D::Append(left, right) => {
                stack.push((flat, right));
                stack.push((flat, left));
                continue;
            }
            D::Group(inner) => {
                stack.push((true, inner));
                continue;
            }
            D::FlatAlt(broken, flat_form) => {
                stack.push((flat, if flat { flat_form } else { broken }));
                continue;
            }
            D::Nest(_, inner) | D::Annotated(_, inner) => {
                stack.push((flat, inner));
                continue;
            }
            D::RenderLen(len, inner) => {
                used += len;
                match &**inner {
                    D::OwnedText(s) => s,
                    D::BorrowedText(s) => s,
                    D::SmallText(s) => s,
                    _ => return None,
                }
            }
            D::OwnedText(s) => {
                used += s.len();
                s
            }
            D::BorrowedText(s) => {
                used += s.len();
                s
            }
            D::SmallText(s) => {
                used += s.len();
                s
            }
            D::Hardline | D::Union(..) | D::Column(_) | D::Nesting(_) | D::Fail => return None,
        };
        if used > width {
            return None;
        }
        text.push_str(piece);
    }
    Some(text)
}
