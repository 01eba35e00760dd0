//! The values at a given point (`--at`): ℓ and every gradient.

use super::{Builder, Section, ValueRow};
use crate::math::prose::{Math, Prose};
use crate::math::shape::Shape;
use crate::math::symbol::Symbol;
use crate::numeric::at_point::Evaluation;
use crate::numeric::matrix::Matrix;
use crate::render::parts::Part;

impl Builder<'_> {
    pub(super) fn evaluation(&self, evaluation: &Evaluation) -> Section<ValueRow> {
        let network = &self.derivation.network;
        let mut rows = vec![ValueRow {
            symbol: Symbol::Loss,
            key: Symbol::Loss.key(),
            shape: Shape::scalar(),
            value: Matrix::filled(1, 1, evaluation.loss),
        }];
        for (gradient, value) in self.derivation.gradients.iter().zip(&evaluation.gradients) {
            rows.push(ValueRow {
                symbol: gradient.symbol.clone(),
                key: gradient.parameter.key(),
                shape: self.arena().shape(gradient.closed_form).clone(),
                value: value.clone(),
            });
        }
        let sizes: Vec<Prose> = network
            .dims
            .iter()
            .map(|d| Prose::new().math(Math::Size(d.clone(), evaluation.sizes.of(d))))
            .collect();
        Section {
            heading: self.heading(
                Part::Values,
                Prose::new().words("Values at the given point"),
            ),
            note: Some(
                Prose::new()
                    .words("At the point read from the file (sizes ")
                    .join(sizes, ", ")
                    .words("): ")
                    .symbol(&Symbol::Loss)
                    .words(format!(
                        " from its definition and every gradient from its closed form ({}).",
                        self.refer(Part::Closed)
                    )),
            ),
            headers: vec!["Quantity", "Value"],
            rows,
        }
    }
}
