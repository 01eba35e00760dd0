//! The closed forms: the Jacobians substituted and simplified.

use super::{Builder, ClosedRow, PrintedForm, Section};
use crate::math::expr::ExprId;
use crate::math::prose::Prose;
use crate::math::symbol::Symbol;
use crate::render::expression::Names;
use crate::render::parts::Part;

impl Builder<'_> {
    pub(super) fn closed_forms(&self) -> Section<ClosedRow> {
        let closed = |symbol: &Symbol, id: ExprId, parameter: Option<Symbol>| ClosedRow {
            equation: self.equation(
                symbol.clone(),
                vec![PrintedForm {
                    id,
                    names: Names::Keep,
                }],
            ),
            shape: self.arena().shape(id).clone(),
            parameter,
        };
        let mut rows: Vec<ClosedRow> = self
            .derivation
            .signals
            .iter()
            .map(|s| closed(&s.symbol, s.closed_form, None))
            .collect();
        rows.extend(
            self.derivation
                .gradients
                .iter()
                .map(|g| closed(&g.symbol, g.closed_form, Some(g.parameter.clone()))),
        );
        let graph = self.derivation.network.spec.model.is_some();
        // A compact graph writes each closed form through the signals after it by name, as the
        // recursion does; the note says so, where the expanded one substitutes them.
        let by_name = if graph && self.derivation.expansion == crate::derivation::Expansion::Compact
        {
            " In this compact form each is written through the signals of the nodes that take \
             its value, by name; --expand substitutes them."
        } else {
            ""
        };
        Section {
            heading: self.heading(
                Part::Closed,
                Prose::new().words("Closed forms: the Jacobians substituted and simplified"),
            ),
            note: Some(if self.derivation.network.samples.is_some() {
                Prose::new()
                    .words("Written with the forward pass's values ")
                    .fixed("Zᵢ", "Z_{i}")
                    .words(if graph {
                        ", the named values and "
                    } else {
                        " and "
                    })
                    .symbol(&self.symbol_of(self.derivation.network.yhat))
                    .words(format!("{}; the matrices ", self.see(Part::Forward)))
                    .fixed("Δ", "\\Delta")
                    .words(" are what backpropagation carries.")
                    .words(by_name)
            } else {
                Prose::new()
                    .words("Written with the forward pass's values ")
                    .fixed("zᵢ", "z_{i}")
                    .words(if graph {
                        ", the named values and "
                    } else {
                        " and "
                    })
                    .symbol(&Symbol::Output)
                    .words(format!(
                        "{}; the {}s ",
                        self.see(Part::Forward),
                        super::orientation::signal_kind(self.derivation.network.convention)
                    ))
                    .fixed(
                        if graph {
                            "∂ℓ/∂v"
                        } else {
                            "∂ℓ/∂zᵢ"
                        },
                        if graph {
                            "\\partial \\ell / \\partial v"
                        } else {
                            "\\partial \\ell / \\partial z_{i}"
                        },
                    )
                    .words(if graph {
                        ", one for each value v, are the signals backpropagation carries."
                    } else {
                        " are the signals backpropagation carries."
                    })
                    .words(by_name)
            }),
            headers: vec!["Closed form", "Shape"],
            rows,
        }
    }
}
