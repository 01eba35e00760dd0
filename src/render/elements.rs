//! The element form of a matrix expression: (∂z₂/∂z₁)ᵢⱼ = δᵢⱼ [(z₁)ᵢ > 0].
//!
//! Walks the same tree the matrix form prints, carrying the row and column index: a transpose
//! swaps them, diag(v) gives δᵢⱼ vᵢ, an outer product s sᵀ gives sᵢ sⱼ, a product over a
//! symbolic dimension gives Σₖ.

use std::marker::PhantomData;

use crate::math::expr::{Arena, ExprId, Node};
use crate::render::expression::{Doc, Names, Printer};
use crate::render::layout::{Layout, Line};
use crate::render::notation::Notation;

const SUM: u8 = 0;
const PRODUCT: u8 = 2;
const ATOM: u8 = 3;

pub struct ElementPrinter<'a, N: Notation, L: Layout = Doc> {
    arena: &'a Arena,
    notation: &'a N,
    layout: PhantomData<L>,
}

/// The indices that address an element of a shape: (i, j) for a matrix, (j) for a row, (i) for
/// a column, none for a scalar.
pub fn indices_for(arena: &Arena, id: ExprId) -> (Option<char>, Option<char>) {
    let shape = arena.shape(id);
    let row = (!shape.rows.is_one()).then_some('i');
    let col = (!shape.cols.is_one()).then_some('j');
    (row, col)
}

/// The indices of an element, in order: at most two (row, column), so they are kept in place
/// (every Jacobian row writes a few).
struct Indices {
    chars: [char; 2],
    len: usize,
}

impl std::ops::Deref for Indices {
    type Target = [char];
    fn deref(&self) -> &[char] {
        &self.chars[..self.len]
    }
}

/// The row index and the column index that are present.
fn present_indices(r: Option<char>, c: Option<char>) -> Indices {
    let mut indices = Indices {
        chars: ['\0'; 2],
        len: 0,
    };
    for index in [r, c].into_iter().flatten() {
        indices.chars[indices.len] = index;
        indices.len += 1;
    }
    indices
}

impl<'a, N: Notation, L: Layout> ElementPrinter<'a, N, L> {
    pub fn new(arena: &'a Arena, notation: &'a N) -> Self {
        ElementPrinter {
            arena,
            notation,
            layout: PhantomData,
        }
    }

    /// The generic element of `id`, with indices i (rows) and j (columns).
    pub fn element(&self, id: ExprId) -> L {
        let (r, c) = indices_for(self.arena, id);
        self.at(id, r, c, SUM)
    }

    /// How the left-hand side is written: `(∂ℓ/∂ŷ)ⱼ`.
    pub fn name_with_indices(&self, name: String, id: ExprId) -> String {
        let (r, c) = indices_for(self.arena, id);
        let indices = present_indices(r, c);
        self.notation.indexed(self.notation.enclose(name), &indices)
    }

    fn at(&self, id: ExprId, r: Option<char>, c: Option<char>, needed: u8) -> L {
        let (doc, level) = self.raw(id, r, c);
        if level < needed {
            self.notation
                .atom::<L>(self.notation.open())
                .append(doc)
                .append(self.notation.atom::<L>(self.notation.close()))
        } else {
            doc
        }
    }

    fn symbol_element(
        &self,
        text: String,
        needs_parens: bool,
        r: Option<char>,
        c: Option<char>,
    ) -> L {
        let indices = present_indices(r, c);
        if indices.is_empty() {
            return self.notation.atom::<L>(text);
        }
        let base = if needs_parens {
            // Room for the indices after it.
            let mut base = String::with_capacity(text.len() + 16);
            base.push_str(self.notation.open());
            base.push_str(&text);
            base.push_str(self.notation.close());
            base
        } else {
            text
        };
        self.notation
            .atom::<L>(self.notation.indexed(base, &indices))
    }

    fn raw(&self, id: ExprId, r: Option<char>, c: Option<char>) -> (L, u8) {
        let n = self.notation;
        let arena = self.arena;
        match arena.node(id) {
            Node::Leaf(symbol) => (
                self.symbol_element(n.symbol(symbol), symbol.has_subscript(), r, c),
                ATOM,
            ),
            Node::Named(_) => {
                let symbol = &arena.named(id).expect("named").symbol;
                (
                    self.symbol_element(n.symbol(symbol), symbol.has_subscript(), r, c),
                    ATOM,
                )
            }
            Node::Identity(_) => match (r, c) {
                (Some(i), Some(j)) => (self.notation.atom::<L>(n.delta(i, j)), ATOM),
                _ => (self.notation.atom::<L>("1"), ATOM),
            },
            Node::Ones(..) => (self.notation.atom::<L>("1"), ATOM),
            // (c𝟏𝟏ᵀ)ᵢⱼ = c.
            Node::Scale(coef, a) if matches!(arena.node(*a), Node::Ones(..)) => {
                (self.notation.atom::<L>(n.coef(coef)), PRODUCT)
            }
            Node::Scale(coef, a) => (
                self.notation
                    .atom::<L>(n.coef(coef))
                    .append(self.at(*a, r, c, PRODUCT)),
                PRODUCT,
            ),
            Node::Add(a, b) => (self.binary(*a, n.plus(), *b, r, c, SUM, SUM), SUM),
            Node::Sub(a, b) => (self.binary(*a, n.minus(), *b, r, c, SUM, PRODUCT), SUM),
            Node::Hadamard(a, b) if a == b && self.is_symbol(*a) => {
                (n.squared(self.at(*a, r, c, ATOM)), ATOM)
            }
            Node::Hadamard(a, b) => {
                let left = self.at(*a, r, c, PRODUCT);
                let right = self.at(*b, r, c, PRODUCT);
                let glue = if self.is_symbol(*a) && self.is_symbol(*b) {
                    self.notation.atom::<L>(" ")
                } else {
                    L::nil()
                };
                (left.append(glue).append(right), PRODUCT)
            }
            Node::Divide(a, b) => (self.binary(*a, "/", *b, r, c, ATOM, ATOM), PRODUCT),
            Node::Transpose(a) => self.raw(*a, c, r),
            Node::Diag(v) => match (r, c) {
                (Some(i), Some(j)) => (
                    self.notation.atom::<L>(n.delta(i, j) + " ").append(self.at(
                        *v,
                        Some(i),
                        None,
                        PRODUCT,
                    )),
                    PRODUCT,
                ),
                _ => self.raw(*v, r, None),
            },
            Node::Map(func, a) if func.is_elementwise() => {
                let argument = self.at(*a, r, c, SUM);
                (n.apply(*func, &argument), ATOM)
            }
            // softmax(z₃)ⱼ: a vector function is indexed after it is applied.
            Node::Map(func, a) => {
                let printer: Printer<N, Line> = Printer::new(arena, n, Names::Keep);
                let whole = n.apply(*func, &printer.doc(*a)).text.into_owned();
                let indices = present_indices(r, c);
                (n.atom::<L>(n.indexed(whole, &indices)), ATOM)
            }
            Node::Product(factors) if factors.len() == 2 => {
                let (a, b) = (factors[0], factors[1]);
                let inner = &arena.shape(a).cols;
                if inner.is_one() {
                    // An outer product: (a bᵀ)ᵢⱼ = aᵢ bⱼ, and (𝟏 bᵀ)ᵢⱼ = bⱼ.
                    let is_ones = |x: ExprId| matches!(arena.node(x), Node::Ones(..));
                    if is_ones(a) {
                        return self.raw(b, None, c);
                    }
                    if is_ones(b) {
                        return self.raw(a, r, None);
                    }
                    let left = self.at(a, r, None, PRODUCT);
                    let right = self.at(b, None, c, PRODUCT);
                    (
                        left.append(self.notation.atom::<L>(" ")).append(right),
                        PRODUCT,
                    )
                } else if let Node::Diag(v) = arena.node(a) {
                    // (diag(v)M)ᵢⱼ = vᵢ Mᵢⱼ: the sum over k has one term.
                    let left = self.at(*v, r, None, ATOM);
                    let right = self.at(b, r, c, PRODUCT);
                    (
                        left.append(self.notation.atom::<L>(" ")).append(right),
                        PRODUCT,
                    )
                } else {
                    let k = 'k';
                    let left = self.at(a, r, Some(k), PRODUCT);
                    let right = self.at(b, Some(k), c, PRODUCT);
                    (
                        self.notation
                            .atom::<L>(format!("{} ", n.sum_over(k)))
                            .append(left)
                            .append(self.notation.atom::<L>(" "))
                            .append(right),
                        SUM,
                    )
                }
            }
            // Longer products and scalar reductions: the matrix form with its element index.
            Node::Product(_) | Node::SquaredNorm(_) | Node::Sum(_) => {
                let printer: Printer<N, L> = Printer::new(arena, n, Names::Keep);
                let whole = self
                    .notation
                    .atom::<L>(n.open())
                    .append(printer.doc(id))
                    .append(self.notation.atom::<L>(n.close()));
                let indices = present_indices(r, c);
                if indices.is_empty() {
                    (printer.doc(id), SUM)
                } else {
                    (
                        whole.append(self.notation.atom::<L>(n.indexed(String::new(), &indices))),
                        ATOM,
                    )
                }
            }
        }
    }

    fn is_symbol(&self, id: ExprId) -> bool {
        matches!(self.arena.node(id), Node::Leaf(_) | Node::Named(_))
    }

    #[allow(clippy::too_many_arguments)]
    fn binary(
        &self,
        a: ExprId,
        op: &str,
        b: ExprId,
        r: Option<char>,
        c: Option<char>,
        left_level: u8,
        right_level: u8,
    ) -> L {
        self.at(a, r, c, left_level)
            .append(self.notation.atom::<L>([" ", op, " "].concat()))
            .append(self.at(b, r, c, right_level))
    }
}
