//! The Jacobians: every one as a matrix and element by element.

use super::{Builder, JacobianRow, PrintedForm, Section};
use crate::math::prose::Prose;
use crate::network::layer::LayerKind;
use crate::render::expression::Names;
use crate::render::parts::Part;

impl Builder<'_> {
    pub(super) fn jacobians(&self) -> Section<JacobianRow> {
        let network = &self.derivation.network;
        let rows = self
            .derivation
            .jacobians
            .iter()
            .map(|j| {
                let note = match j.layer {
                    Some(index) => match network.layers[index].kind {
                        LayerKind::Activation(a) => a.kink_note(),
                        LayerKind::Linear
                        | LayerKind::Dropout(_)
                        | LayerKind::Normalization(_)
                        | LayerKind::Combine(_)
                        | LayerKind::Affine(_)
                        | LayerKind::Scalar(_) => None,
                    },
                    None => network.loss.kink_note(),
                };
                JacobianRow {
                    symbol: j.symbol.clone(),
                    shape: self.arena().shape(j.definition).clone(),
                    matrix: self.equation(
                        j.symbol.clone(),
                        vec![
                            PrintedForm {
                                id: j.definition,
                                names: Names::Keep,
                            },
                            PrintedForm {
                                id: j.simplified,
                                names: Names::Keep,
                            },
                        ],
                    ),
                    element: j.simplified,
                    note,
                }
            })
            .collect();
        let note = network.samples.is_some().then(|| {
            Prose::new().words(format!(
                "A mini-batch is backpropagated with the matrices of {}; each sample's \
                 Jacobians are those of the derivation without --batch.",
                self.refer(Part::Gradients)
            ))
        });
        Section {
            heading: self.heading(
                Part::Jacobians,
                Prose::new().words("Jacobians and their elements"),
            ),
            note,
            headers: vec!["Jacobian", "Shape", "Matrix and elements"],
            rows,
        }
    }
}
