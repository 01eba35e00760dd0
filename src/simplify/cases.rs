//! Rule cases: a one-line notation for expressions, and the check that one case makes.
//!
//! A case names a rule, an input and the expected output, each expression written as the Text
//! printer would write it, but exact where that printer is not: a nested product keeps its
//! parentheses, an identity or a matrix of ones says its dimensions (`I_d`, `𝟏_d`, `𝟏_d×n`),
//! except that a bare `1` beside −, +, ⊙ or ⊘ takes the shape of the other operand.
//!
//! Every case is built over the same small network-like set of names:
//!
//! | name  | shape | what it is                    |
//! |-------|-------|-------------------------------|
//! | x     | n×1   | the input                     |
//! | y     | K×1   | the target                    |
//! | W⁽¹⁾  | d×n   | a weight                      |
//! | W⁽²⁾  | K×d   | a weight                      |
//! | b⁽¹⁾  | d×1   | a bias                        |
//! | z₁    | d×1   | a leaf                        |
//! | z₂    | d×1   | the forward pass's tanh(z₁)   |
//! | z₃    | K×1   | a leaf                        |
//! | ŷ     | K×1   | the forward pass's σ(z₃)      |
//!
//! Coefficients are written `2`, `−`, `−2`, `(1/K)`, `(2/K)`, `(1/2)`, before the product they
//! scale; functions are those the Text printer names (σ, σ′, tanh, tanh′, exp, log, …), and
//! `diag(…)`, `Σ(…)`, `‖…‖²`.

use rustc_hash::FxHashMap;

use crate::math::coef::Coef;
use crate::math::expr::{Arena, ExprId, Node, Role};
use crate::math::func::Func;
use crate::math::shape::{Dim, Shape};
use crate::math::symbol::Symbol;
use crate::simplify::{RULES, Simplifier};

/// One test per rule, `rule_name: "input" => "expected output",`, and the list `CASES` of the
/// rules they cover, which `every_rule_has_a_case` compares with `RULES`.
macro_rules! rule_cases {
    ($($rule:ident: $input:literal => $expected:literal,)*) => {
        /// The rules that have a case here.
        pub(in crate::simplify) const CASES: &[&str] = &[$(stringify!($rule)),*];
        $(
            #[test]
            fn $rule() {
                $crate::simplify::cases::check_case(stringify!($rule), $input, $expected);
            }
        )*
    };
}
pub(crate) use rule_cases;

/// The check of one case: the rule, applied alone to the input, rewrites it; what it builds,
/// simplified, is the expected output; and the whole simplifier, given the input, fires this
/// rule first (so the input's operands are already simplified and no earlier rule takes the
/// node) and reaches the same output.
pub fn check_case(rule_name: &str, input: &str, expected: &str) {
    let rule = RULES
        .iter()
        .find(|rule| rule.name == rule_name)
        .unwrap_or_else(|| panic!("no rule is named {rule_name}"));
    let mut cases = Cases::new();
    let input_id = cases.parse(input);
    let expected_id = cases.parse(expected);
    let arena = &mut cases.arena;

    let Some(rewritten) = (rule.apply)(arena, input_id).unwrap() else {
        panic!("{rule_name} declines {input}");
    };
    // A rule may leave work to others: row_times_diag turns the row bᵀ back into (bᵀ)ᵀ.
    let tidied = Simplifier::new().simplify(arena, rewritten).unwrap();
    let shown = cases.show(tidied);
    assert!(
        tidied == expected_id,
        "{rule_name} rewrites {input} to {shown}, not {expected}"
    );

    let mut simplifier = Simplifier::new();
    let simplified = simplifier.simplify(&mut cases.arena, input_id).unwrap();
    assert_eq!(
        simplifier.trace.first(),
        Some(&rule_name),
        "the simplifier, given {input}, fires {:?}",
        simplifier.trace
    );
    let shown = cases.show(simplified);
    assert!(
        simplified == expected_id,
        "{input} simplifies to {shown}, not {expected}"
    );
}

/// Asserts that `input` simplifies to exactly the tree `expected` denotes.
pub fn assert_simplifies(input: &str, expected: &str) {
    let mut cases = Cases::new();
    let id = cases.parse(input);
    let expected_id = cases.parse(expected);
    let simplified = Simplifier::new().simplify(&mut cases.arena, id).unwrap();
    let shown = cases.show(simplified);
    assert!(
        simplified == expected_id,
        "{input} simplifies to {shown}, not {expected}"
    );
}

/// An arena holding the names of the table above, and the notation of cases over it.
pub struct Cases {
    pub arena: Arena,
    names: Vec<(&'static str, ExprId)>,
    name_of: FxHashMap<ExprId, &'static str>,
}

/// The functions a case can apply, written by their Text names.
const FUNCTIONS: [Func; 11] = [
    Func::LogSoftmax,
    Func::SiluPrime,
    Func::Softplus,
    Func::Softmax,
    Func::TanhPrime,
    Func::Tanh,
    Func::Silu,
    Func::SigmoidPrime,
    Func::Sigmoid,
    Func::Exp,
    Func::Log,
];

impl Cases {
    pub fn new() -> Cases {
        let mut arena = Arena::new();
        let column = |dim: &str| Shape::column(Dim::named(dim));
        let matrix = |rows: &str, cols: &str| Shape::new(Dim::named(rows), Dim::named(cols));
        let x = arena.leaf(Symbol::Input, column("n"));
        let y = arena.leaf(Symbol::Target, column("K"));
        let w1 = arena.leaf(Symbol::Weight(1), matrix("d", "n"));
        let w2 = arena.leaf(Symbol::Weight(2), matrix("K", "d"));
        let b1 = arena.leaf(Symbol::Bias(1), column("d"));
        let z1 = arena.leaf(Symbol::Hidden(1), column("d"));
        let tanh = arena.map(Func::Tanh, z1);
        let z2 = arena.name(Symbol::Hidden(2), tanh, Role::Value);
        let z3 = arena.leaf(Symbol::Hidden(3), column("K"));
        let sigmoid = arena.map(Func::Sigmoid, z3);
        let yhat = arena.name(Symbol::Output, sigmoid, Role::Value);
        let names = vec![
            ("x", x),
            ("y", y),
            ("W⁽¹⁾", w1),
            ("W⁽²⁾", w2),
            ("b⁽¹⁾", b1),
            ("z₁", z1),
            ("z₂", z2),
            ("z₃", z3),
            ("ŷ", yhat),
        ];
        let name_of = names.iter().map(|&(name, id)| (id, name)).collect();
        Cases {
            arena,
            names,
            name_of,
        }
    }

    /// The expression `text` denotes, built in the arena.
    pub fn parse(&mut self, text: &str) -> ExprId {
        let mut parser = Parser {
            text,
            at: 0,
            names: &self.names,
        };
        let tree = parser.sum();
        parser.skip_spaces();
        assert!(
            parser.at == text.len(),
            "{text:?}: unexpected {:?}",
            &text[parser.at..]
        );
        self.build(&tree, None, text)
    }

    fn build(&mut self, tree: &Tree, like: Option<&Shape>, text: &str) -> ExprId {
        let built = |result: Result<ExprId, _>| {
            result.unwrap_or_else(|error| panic!("{text:?} does not fit: {error}"))
        };
        match tree {
            Tree::Id(id) => *id,
            Tree::Identity(dim) => self.arena.identity(dim.clone()),
            Tree::Ones(shape) => self.arena.ones_shaped(shape.clone()),
            Tree::BareOne => {
                let shape = like.unwrap_or_else(|| {
                    panic!("{text:?}: a bare 1 needs an operand of −, +, ⊙ or ⊘ beside it")
                });
                self.arena.ones_shaped(shape.clone())
            }
            Tree::Scale(coef, a) => {
                let a = self.build(a, like, text);
                self.arena.scale(coef.clone(), a)
            }
            Tree::Binary(operation, a, b) => {
                // A bare 1 takes its shape from the other operand, so that one is built first.
                let (a, b) = if a.is_bare_one() {
                    let b = self.build(b, like, text);
                    let shape = self.arena.shape(b).clone();
                    (self.build(a, Some(&shape), text), b)
                } else {
                    let a = self.build(a, like, text);
                    let shape = self.arena.shape(a).clone();
                    (a, self.build(b, Some(&shape), text))
                };
                built(match operation {
                    '+' => self.arena.add(a, b),
                    '−' => self.arena.sub(a, b),
                    '⊙' => self.arena.hadamard(a, b),
                    _ => self.arena.divide(a, b),
                })
            }
            Tree::Product(factors) => {
                let factors: Vec<ExprId> =
                    factors.iter().map(|f| self.build(f, None, text)).collect();
                built(self.arena.product(&factors))
            }
            Tree::Transpose(a) => {
                let like = like.map(Shape::transposed);
                let a = self.build(a, like.as_ref(), text);
                self.arena.transpose(a)
            }
            Tree::Diag(a) => {
                let a = self.build(a, None, text);
                built(self.arena.diag(a))
            }
            Tree::Map(func, a) => {
                let a = self.build(a, like, text);
                self.arena.map(*func, a)
            }
            Tree::Sum(a) => {
                let a = self.build(a, None, text);
                self.arena.sum(a)
            }
            Tree::SquaredNorm(a) => {
                let a = self.build(a, None, text);
                self.arena.squared_norm(a)
            }
        }
    }

    /// `id` in the case notation: parsing it gives `id` back.
    pub fn show(&self, id: ExprId) -> String {
        self.show_at(id, SUM)
    }

    fn show_at(&self, id: ExprId, needed: u8) -> String {
        let (text, level) = self.show_node(id);
        if level < needed {
            format!("({text})")
        } else {
            text
        }
    }

    fn show_node(&self, id: ExprId) -> (String, u8) {
        if let Some(name) = self.name_of.get(&id) {
            return (name.to_string(), ATOM);
        }
        let shown = match self.arena.node(id) {
            Node::Leaf(symbol) => symbol.text(),
            Node::Named(_) => self.arena.named(id).expect("named").symbol.text(),
            Node::Identity(dim) => format!("I_{}", dim.name()),
            Node::Ones(rows, Dim::One) => format!("𝟏_{}", rows.name()),
            Node::Ones(rows, cols) => format!("𝟏_{}×{}", rows.name(), cols.name()),
            Node::Scale(coef, a) => {
                return (
                    format!("{}{}", show_coef(coef), self.show_at(*a, PRODUCT)),
                    SCALED,
                );
            }
            Node::Add(a, b) | Node::Sub(a, b) => {
                let sign = if matches!(self.arena.node(id), Node::Add(..)) {
                    '+'
                } else {
                    '−'
                };
                let (a, b) = (self.show_at(*a, SUM), self.show_at(*b, TERM));
                return (format!("{a} {sign} {b}"), SUM);
            }
            Node::Hadamard(a, b) | Node::Divide(a, b) => {
                let sign = if matches!(self.arena.node(id), Node::Hadamard(..)) {
                    '⊙'
                } else {
                    '⊘'
                };
                let (a, b) = (self.show_at(*a, TERM), self.show_at(*b, SCALED));
                return (format!("{a} {sign} {b}"), TERM);
            }
            Node::Product(factors) => {
                let factors: Vec<String> =
                    factors.iter().map(|f| self.show_at(*f, POSTFIX)).collect();
                return (factors.concat(), PRODUCT);
            }
            Node::Transpose(a) => return (format!("{}ᵀ", self.show_at(*a, ATOM)), POSTFIX),
            Node::Diag(a) => format!("diag({})", self.show(*a)),
            Node::Map(func, a) => format!("{}({})", func.text_name(), self.show(*a)),
            Node::Sum(a) => format!("Σ({})", self.show(*a)),
            Node::SquaredNorm(a) => format!("‖{}‖²", self.show(*a)),
        };
        (shown, ATOM)
    }
}

// Precedence, loosest first: a ± b, a ⊙ b, c·a, ab, aᵀ, atoms.
const SUM: u8 = 0;
const TERM: u8 = 1;
const SCALED: u8 = 2;
const PRODUCT: u8 = 3;
const POSTFIX: u8 = 4;
const ATOM: u8 = 5;

fn show_coef(coef: &Coef) -> String {
    let sign = if coef.is_negative() { "−" } else { "" };
    let num = coef.num.unsigned_abs();
    if coef.is_integer() {
        return if num == 1 {
            sign.to_string()
        } else {
            format!("{sign}{num}")
        };
    }
    let den = if coef.den == 1 {
        String::new()
    } else {
        coef.den.to_string()
    };
    let dims: String = coef.over.iter().map(|d| d.name()).collect();
    format!("{sign}({num}/{den}{dims})")
}

/// An expression as read, before it is built: a bare 1 waits for the shape beside it.
enum Tree {
    Id(ExprId),
    Identity(Dim),
    Ones(Shape),
    BareOne,
    Scale(Coef, Box<Tree>),
    /// +, −, ⊙ or ⊘.
    Binary(char, Box<Tree>, Box<Tree>),
    Product(Vec<Tree>),
    Transpose(Box<Tree>),
    Diag(Box<Tree>),
    Map(Func, Box<Tree>),
    Sum(Box<Tree>),
    SquaredNorm(Box<Tree>),
}

impl Tree {
    fn is_bare_one(&self) -> bool {
        match self {
            Tree::BareOne => true,
            Tree::Scale(_, a) => a.is_bare_one(),
            _ => false,
        }
    }
}

struct Parser<'a> {
    text: &'a str,
    /// A byte offset into `text`.
    at: usize,
    names: &'a [(&'static str, ExprId)],
}

impl Parser<'_> {
    fn rest(&self) -> &str {
        &self.text[self.at..]
    }

    fn skip_spaces(&mut self) {
        let trimmed = self.rest().trim_start();
        self.at = self.text.len() - trimmed.len();
    }

    /// Whether `token` comes next (after spaces); if so it is consumed.
    fn eat(&mut self, token: &str) -> bool {
        self.skip_spaces();
        if self.rest().starts_with(token) {
            self.at += token.len();
            true
        } else {
            false
        }
    }

    fn expect(&mut self, token: &str) {
        assert!(
            self.eat(token),
            "{:?}: expected {token:?} at {:?}",
            self.text,
            self.rest()
        );
    }

    fn sum(&mut self) -> Tree {
        let mut tree = self.term();
        loop {
            let operation = if self.eat("+") {
                '+'
            } else if self.eat("−") {
                '−'
            } else {
                return tree;
            };
            tree = Tree::Binary(operation, Box::new(tree), Box::new(self.term()));
        }
    }

    fn term(&mut self) -> Tree {
        let mut tree = self.scaled();
        loop {
            let operation = if self.eat("⊙") {
                '⊙'
            } else if self.eat("⊘") {
                '⊘'
            } else {
                return tree;
            };
            tree = Tree::Binary(operation, Box::new(tree), Box::new(self.scaled()));
        }
    }

    /// A product with a coefficient in front, or a bare 1.
    fn scaled(&mut self) -> Tree {
        let negative = self.eat("−");
        let mut coef = Coef::integer(if negative { -1 } else { 1 });
        self.skip_spaces();
        if self.rest().starts_with(|c: char| c.is_ascii_digit()) {
            let number = self.integer();
            self.skip_spaces();
            if number == 1 && !self.starts_atom() {
                return scaled(coef, Tree::BareOne);
            }
            coef = coef.times(&Coef::integer(number));
        } else if self.starts_fraction() {
            self.expect("(");
            let num = self.integer();
            self.expect("/");
            self.skip_spaces();
            let den = if self.rest().starts_with(|c: char| c.is_ascii_digit()) {
                self.integer()
            } else {
                1
            };
            let mut over = Vec::new();
            while !self.eat(")") {
                over.push(self.dim());
            }
            let fraction = Coef { num, ..Coef::one() };
            coef = coef.times(&fraction).times(&Coef {
                den,
                over,
                ..Coef::one()
            });
        }
        scaled(coef, self.product())
    }

    fn starts_fraction(&self) -> bool {
        let rest = self.rest();
        let Some(inner) = rest.strip_prefix('(') else {
            return false;
        };
        let digits = inner.trim_start_matches(|c: char| c.is_ascii_digit());
        digits.len() < inner.len() && digits.starts_with('/')
    }

    fn integer(&mut self) -> i64 {
        self.skip_spaces();
        let digits = self.rest().len()
            - self
                .rest()
                .trim_start_matches(|c: char| c.is_ascii_digit())
                .len();
        let number = self.rest()[..digits].parse().expect("a number");
        self.at += digits;
        number
    }

    fn dim(&mut self) -> Dim {
        self.skip_spaces();
        let c = self.rest().chars().next().expect("a dimension");
        self.at += c.len_utf8();
        match c {
            '1' => Dim::One,
            'n' | 'd' | 'K' | 'N' => Dim::named(&c.to_string()),
            _ => panic!("{:?}: {c:?} is not a dimension", self.text),
        }
    }

    /// Whether an atom comes next, so that a product goes on.
    fn starts_atom(&mut self) -> bool {
        self.skip_spaces();
        let rest = self.rest();
        ["(", "I_", "𝟏", "diag(", "Σ(", "‖"]
            .iter()
            .any(|start| rest.starts_with(start))
            || self.names.iter().any(|(name, _)| rest.starts_with(name))
            || FUNCTIONS
                .iter()
                .any(|f| rest.starts_with(&format!("{}(", f.text_name())))
    }

    fn product(&mut self) -> Tree {
        let mut factors = vec![self.postfix()];
        // ‖ also closes a norm: a product does not go on into one.
        while self.starts_atom() && !self.rest().starts_with('‖') {
            factors.push(self.postfix());
        }
        if factors.len() == 1 {
            factors.pop().expect("one factor")
        } else {
            Tree::Product(factors)
        }
    }

    fn postfix(&mut self) -> Tree {
        let mut tree = self.atom();
        while self.eat("ᵀ") {
            tree = Tree::Transpose(Box::new(tree));
        }
        tree
    }

    fn atom(&mut self) -> Tree {
        let argument = |parser: &mut Parser| {
            let tree = parser.sum();
            parser.expect(")");
            Box::new(tree)
        };
        if self.eat("(") {
            return *argument(self);
        }
        if self.eat("I_") {
            return Tree::Identity(self.dim());
        }
        if self.eat("𝟏_") {
            let rows = self.dim();
            let cols = if self.eat("×") { self.dim() } else { Dim::One };
            return Tree::Ones(Shape::new(rows, cols));
        }
        if self.eat("𝟏") {
            return Tree::BareOne;
        }
        if self.eat("diag(") {
            return Tree::Diag(argument(self));
        }
        if self.eat("Σ(") {
            return Tree::Sum(argument(self));
        }
        if self.eat("‖") {
            let tree = self.sum();
            self.expect("‖²");
            return Tree::SquaredNorm(Box::new(tree));
        }
        for func in FUNCTIONS {
            if self.eat(&format!("{}(", func.text_name())) {
                return Tree::Map(func, argument(self));
            }
        }
        let rest = self.rest();
        let Some(&(name, id)) = self.names.iter().find(|(name, _)| rest.starts_with(name)) else {
            panic!("{:?}: no expression at {rest:?}", self.text);
        };
        self.at += name.len();
        Tree::Id(id)
    }
}

/// `tree` times `coef`; a coefficient of 1 is no node.
fn scaled(coef: Coef, tree: Tree) -> Tree {
    if coef.is_one() {
        tree
    } else {
        Tree::Scale(coef, Box::new(tree))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_shown_parses_back() {
        for text in [
            "(xᵀ)ᵀ",
            "xᵀW⁽¹⁾ᵀ",
            "W⁽²⁾(W⁽¹⁾x)",
            "2(3x)",
            "−(z₁ − b⁽¹⁾)",
            "(1/K)(ŷ − y)ᵀ",
            "−(2/nK)xᵀ",
            "(1/2)z₁ ⊙ b⁽¹⁾",
            "𝟏_d×n ⊙ W⁽¹⁾",
            "𝟏_K − ŷ ⊙ ŷ",
            "diag(z₁)I_d",
            "Σ(z₁ ⊘ b⁽¹⁾) + ‖x‖²",
            "σ′(z₁) ⊙ tanh(z₁ − z₂)ᵀᵀ",
            "x𝟏_1",
        ] {
            let mut cases = Cases::new();
            let id = cases.parse(text);
            let shown = cases.show(id);
            assert_eq!(cases.parse(&shown), id, "{text} is shown as {shown}");
        }
    }

    #[test]
    fn a_bare_one_takes_the_shape_beside_it() {
        let mut cases = Cases::new();
        assert_eq!(cases.parse("1 − ŷ"), cases.parse("𝟏_K − ŷ"));
        assert_eq!(cases.parse("z₁ ⊙ 𝟏"), cases.parse("z₁ ⊙ 𝟏_d"));
        assert_eq!(cases.parse("xᵀ − 1"), cases.parse("xᵀ − 𝟏_1×n"));
    }

    #[test]
    fn the_names_are_those_of_the_table() {
        let mut cases = Cases::new();
        let yhat = cases.parse("ŷ");
        let sigmoid = cases.parse("σ(z₃)");
        assert_eq!(cases.arena.value_named_by(sigmoid), Some(yhat));
        let output = cases.parse("W⁽²⁾W⁽¹⁾x");
        assert_eq!(cases.arena.shape(output), &Shape::column(Dim::named("K")));
    }

    #[test]
    #[should_panic(expected = "transpose_of_transpose rewrites (xᵀ)ᵀ to x, not xᵀ")]
    fn a_case_with_a_wrong_output_fails() {
        check_case("transpose_of_transpose", "(xᵀ)ᵀ", "xᵀ");
    }

    #[test]
    #[should_panic(expected = "transpose_of_product declines (xᵀ)ᵀ")]
    fn a_case_whose_rule_does_not_fire_fails() {
        check_case("transpose_of_product", "(xᵀ)ᵀ", "x");
    }

    #[test]
    #[should_panic(expected = "fires [\"transpose_of_product\", ")]
    fn a_case_whose_input_is_not_simplified_below_its_root_fails() {
        // The rule rewrites the root, but the simplifier rewrites the operand (W⁽¹⁾x)ᵀ first.
        check_case("transpose_of_transpose", "((W⁽¹⁾x)ᵀ)ᵀ", "W⁽¹⁾x");
    }

    #[test]
    #[should_panic(expected = "no rule is named transpose_twice")]
    fn a_case_must_name_a_rule() {
        check_case("transpose_twice", "(xᵀ)ᵀ", "x");
    }
}
