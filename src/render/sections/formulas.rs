//! The printers of one derivation in one notation, which every renderer shares.

use super::{Equation, PrintedForm};
use crate::math::expr::{Arena, ExprId};
use crate::math::symbol::Symbol;
use crate::render::elements::ElementPrinter;
use crate::render::expression::{Doc, Names, Printer};
use crate::render::layout::{Layout, Line};
use crate::render::notation::Notation;
/// Formulas of one derivation in one notation: the printers every renderer needs, building
/// documents (`L = Doc`) or lines (`L = Line`).
pub struct Formulas<'a, N: Notation, L: Layout = Doc> {
    pub keep: Printer<'a, N, L>,
    pub expand: Printer<'a, N, L>,
    pub chain: Printer<'a, N, L>,
    pub elements: ElementPrinter<'a, N, L>,
    pub notation: &'a N,
}

impl<'a, N: Notation, L: Layout> Formulas<'a, N, L> {
    pub fn new(arena: &'a Arena, notation: &'a N) -> Self {
        Formulas {
            keep: Printer::new(arena, notation, Names::Keep),
            expand: Printer::new(arena, notation, Names::ExpandValues),
            chain: Printer::new(arena, notation, Names::ExpandValuesAndSignals),
            elements: ElementPrinter::new(arena, notation),
            notation,
        }
    }

    pub fn form(&self, form: &PrintedForm) -> L {
        self.printer(form.names).doc(form.id)
    }

    /// `before.append(self.form(form).nest(indent))`, without a copy of the form's layout.
    pub fn after_form(&self, before: L, form: &PrintedForm, indent: isize) -> L {
        self.printer(form.names).after(before, form.id, indent)
    }

    fn printer(&self, names: Names) -> &Printer<'a, N, L> {
        match names {
            Names::Keep => &self.keep,
            Names::ExpandValues => &self.expand,
            Names::ExpandValuesAndSignals => &self.chain,
        }
    }

    pub fn name(&self, symbol: &Symbol) -> L {
        self.notation.symbol_atom(symbol)
    }

    /// `(∂z₂/∂z₁)ᵢⱼ`, the left side of an element form.
    pub fn element_name(&self, symbol: &Symbol, id: ExprId) -> L {
        self.notation.atom(
            self.elements
                .name_with_indices(self.notation.symbol(symbol), id),
        )
    }

    pub fn element(&self, id: ExprId) -> L {
        self.elements.element(id)
    }
}

impl<N: Notation> Formulas<'_, N, Line> {
    /// `name = form = form` on one line.
    pub fn equation_flat(&self, equation: &Equation) -> String {
        let mut out = self.notation.symbol(&equation.name);
        for form in &equation.forms {
            out.push_str(" = ");
            out.push_str(&self.form(form).text);
        }
        out
    }

    /// `(∂z₂/∂z₁)ᵢⱼ = δᵢⱼ [(z₁)ᵢ > 0]` on one line.
    pub fn element_flat(&self, symbol: &Symbol, id: ExprId) -> String {
        format!(
            "{} = {}",
            self.element_name(symbol, id).text,
            self.element(id).text
        )
    }
}
