//! The network and conventions: the chain, the loss, every symbol with its shape,
//! and the legend of notation.

use super::{Builder, Conventions, PrintedForm, abridged, layer_title, orientation};
use crate::convention::Convention;
use crate::math::prose::{Math, Prose};
use crate::math::shape::Shape;
use crate::math::symbol::Symbol;
use crate::network::dropout::Dropout;
use crate::network::layer::LayerKind;
use crate::render::expression::Names;
use crate::render::parts::Part;

impl Builder<'_> {
    pub(super) fn conventions(&self) -> Conventions {
        let network = &self.derivation.network;
        let arena = self.arena();
        let layers = &network.layers;
        // x, each layer, ŷ.
        let step = |i: usize| match i {
            0 => Prose::new().symbol(&self.symbol_of(network.x)),
            i if i <= layers.len() => layer_title(&layers[i - 1]),
            _ => Prose::new().symbol(&self.symbol_of(network.yhat)),
        };
        let arrow = Prose::new().words(" ").math(Math::Arrow).words(" ");
        let mut chain = Prose::new();
        match &network.spec.model {
            // A graph is shown as its bindings, the output's being ŷ.
            Some(model) => {
                chain = chain
                    .words("Model: ")
                    .words(super::abridged_model(model, layers.len()))
            }
            None => {
                for (i, step) in abridged(layers.len() + 2, step).into_iter().enumerate() {
                    if i > 0 {
                        chain = chain.then(arrow.clone());
                    }
                    chain = chain.then(step);
                }
            }
        }
        let linear_rule = network
            .layers
            .iter()
            .any(|l| l.linear_index.is_some())
            .then(|| orientation::linear_rule(network.convention, network.samples.is_some()));
        let loss = self.equation(
            Symbol::Loss,
            vec![PrintedForm {
                id: self.definition(network.loss_value),
                names: Names::Keep,
            }],
        );

        let mut leaves = network.model_inputs.clone();
        leaves.push(network.y);
        leaves.extend(network.parameters.iter().map(|p| p.leaf));
        leaves.extend(network.masks());
        leaves.extend(network.layers.iter().map(|l| l.output));

        let symbols: Vec<(Symbol, Shape)> = leaves
            .iter()
            .map(|id| (self.symbol_of(*id), arena.shape(*id).clone()))
            .collect();

        let batch = network.samples.is_some();
        let inputs: Vec<Symbol> = network
            .model_inputs
            .iter()
            .map(|x| self.symbol_of(*x))
            .collect();
        let written = network.spec.objective.is_some();
        let mut description = Prose::new().symbol(&Symbol::Loss);
        if written {
            description = description.words(" is the objective the model writes; its loss term");
        }
        description = if batch {
            description
                .words(" is the mean over the N samples (the ")
                .words(format!("{}s", orientation::sample_side(network.convention)))
                .words(" of ")
                .then(orientation::names(&inputs))
                .words(") of each sample's ")
        } else {
            description.words(" is the ")
        };
        description.0.extend(network.loss.description().0);
        if network.loss.scale != (1, 1) {
            description = description.words(", times the factor written");
        }
        if network
            .spec
            .objective
            .as_ref()
            .is_some_and(|o| !o.penalties.is_empty())
        {
            description = description
                .words(", and each penalty ")
                .fixed("‖P‖²", "\\lVert P \\rVert^{2}")
                .words(" (sumsq(P)) the sum of the squares of the entries of the parameter P (its squared Frobenius norm)");
        }
        description = description.words(".");
        if batch && network.loss.kind == crate::network::loss::LossKind::Mse {
            description = description
                .words(" Here ")
                .fixed("‖·‖²", "\\lVert \\cdot \\rVert^{2}")
                .words(" sums the squares of every entry (the Frobenius norm).");
        }
        if let Some(lambda) = network.weight_decay {
            description = description
                .words(" ")
                .symbol(&Symbol::Loss)
                .then(weight_decay_words(lambda.value()));
        }
        let symbol_list = Prose::new()
            .words("Symbols: ")
            .join(
                abridged(symbols.len(), |i| {
                    let (symbol, shape) = &symbols[i];
                    Prose::new().math(Math::Member(symbol.clone(), shape.clone()))
                }),
                ", ",
            )
            .words(".");
        let output_list = Prose::new()
            .join(
                abridged(layers.len(), |i| {
                    let mut p = Prose::new()
                        .symbol(&self.symbol_of(layers[i].output))
                        .words(" is the output of ");
                    p.0.extend(layer_title(&layers[i]).0);
                    p
                }),
                ", ",
            )
            .words(".");
        let layout = if batch {
            orientation::batch_opening(network.convention, &inputs)
                .then(if network.spec.model.is_some() {
                    Prose::new()
                        .words(". For a value V (a ")
                        .fixed("Zᵢ", "Z_{i}")
                        .words(", a named value or the output), ")
                } else {
                    Prose::new().words(". For a value V (Z or the output), ")
                })
                .then(delta_definition(
                    network.couples_samples(),
                    network.convention,
                ))
                .words(" and ")
                .fixed("Δᵢ", "\\Delta_{i}")
                .words(" is that of ")
                .fixed("Zᵢ", "Z_{i}")
                .words(". The gradient of ")
                .symbol(&Symbol::Loss)
                .words(" with respect to a parameter has that parameter's shape. ")
                .math(Math::Ones)
                .words(" is a vector of ones as long as its product needs (")
                .then(orientation::ones_example(network.convention))
                .words("); ")
                .fixed("Σ(·)", "\\sum(\\cdot)")
                .words(orientation::batch_gradient_layout(network.convention))
                .fixed("∂ℓ/∂V", "\\partial \\ell / \\partial V")
                .words(" here has the shape of V (gradient layout). ")
        } else {
            orientation::one_sample(network.convention, &inputs, {
                // ŷ is a column, or a row where samples are rows.
                let shape = arena.shape(network.yhat);
                if shape.rows.is_one() {
                    shape.cols.clone()
                } else {
                    shape.rows.clone()
                }
            })
        };
        let legend = Prose::new()
            .math(Math::Hadamard)
            .words(" is the elementwise product and ")
            .math(Math::Divide)
            .words(" the elementwise quotient; ")
            .fixed("1 − v", "1 - v")
            .words(" is taken entry by entry; the Iverson bracket ")
            .fixed("[z > 0]", "[z > 0]")
            .words(" is 1 where ")
            .fixed("z > 0", "z > 0")
            .words(" and 0 elsewhere, entry by entry; ")
            .fixed("I", "I")
            .words(" is the identity matrix, ")
            .math(Math::Diag("v"))
            .words(" the diagonal matrix with ")
            .fixed("v", "v")
            .words(" on its diagonal and ")
            .math(Math::Delta)
            .words(" the Kronecker delta; ")
            .math(Math::Apply(crate::math::func::Func::Relu))
            .words(", ")
            .math(Math::FuncName(crate::math::func::Func::Sigmoid))
            .words(", ")
            .math(Math::FuncName(crate::math::func::Func::Tanh))
            .words(" and ")
            .math(Math::FuncName(crate::math::func::Func::Log))
            .words(" act elementwise.");
        // Each activation of the chain defined once, in the order they first appear, then the
        // functions the loss applies to ŷ.
        let mut definitions: Vec<Prose> = Vec::new();
        let side = orientation::sample_side(network.convention);
        let activations = network.layers.iter().filter_map(|layer| match layer.kind {
            LayerKind::Activation(a) => Some(a.definition(side)),
            LayerKind::Normalization(n) => Some(Some(
                n.definition(batch, network.convention.samples_as_rows()),
            )),
            LayerKind::Linear
            | LayerKind::Dropout(_)
            | LayerKind::Combine(_)
            | LayerKind::Affine(_)
            | LayerKind::Scalar(_) => None,
        });
        let applied = network
            .loss
            .kind
            .definition()
            .applies
            .iter()
            .map(|a| a.definition(side));
        for definition in activations.chain(applied).flatten() {
            if !definitions.contains(&definition) {
                definitions.push(definition);
            }
        }
        // What dropout does, once, then each dropout layer's p and mask.
        let dropouts: Vec<Prose> = network
            .layers
            .iter()
            .filter_map(|layer| match (layer.kind, layer.mask) {
                (LayerKind::Dropout(dropout), Some(mask)) => Some(dropout.here(
                    layer_title(layer),
                    &self.symbol_of(mask),
                    arena.shape(mask).clone(),
                )),
                _ => None,
            })
            .collect();
        if !dropouts.is_empty() {
            definitions.push(
                Dropout::rule(&self.symbol_of(network.x), batch, side)
                    .join(dropouts, "; ")
                    .words("."),
            );
        }
        definitions.extend(network.loss.legend(network.convention.samples_as_rows()));
        Conventions {
            heading: self.heading(Part::Network, Prose::new().words("Network and conventions")),
            chain,
            linear_rule,
            loss,
            symbols,
            paragraphs: [description, symbol_list, output_list, layout.then(legend)]
                .into_iter()
                .chain(definitions)
                .collect(),
        }
    }
}

/// The weight decay's term defined, with λ's value and how PyTorch's optimisers relate to it:
/// the rest of a sentence whose subject is ℓ.
fn weight_decay_words(lambda: f64) -> Prose {
    Prose::new()
        .words(" also adds the weight decay ")
        .fixed("(λ/2) Σₖ ‖W⁽ᵏ⁾‖²", "\\tfrac{\\lambda}{2} \\sum_{k} \\lVert W^{(k)} \\rVert^{2}")
        .words(", with ")
        .fixed("λ", "\\lambda")
        .words(" = ")
        .math(Math::Number(lambda))
        .words(", over the weight matrices only (not the biases), so that each weight's gradient gains ")
        .fixed("λW⁽ᵏ⁾", "\\lambda W^{(k)}")
        .words("; ")
        .fixed("‖W‖²", "\\lVert W \\rVert^{2}")
        .words(" sums the squares of every entry (the squared Frobenius norm). PyTorch's ")
        .fixed("SGD(weight_decay=λ)", "\\texttt{SGD(weight\\_decay=}\\lambda\\texttt{)}")
        .words(" adds ")
        .fixed("λ", "\\lambda")
        .words(" times every parameter of a group to its gradient: it is this objective when the \
               biases sit in a parameter group of their own with weight_decay=0.")
}

/// What Δ_V is: the samples' rows as columns (or as rows, where samples are rows), or, where
/// batchnorm couples the samples, N times the gradient of the mean loss (which is the same
/// matrix wherever nothing couples them).
fn delta_definition(coupled: bool, convention: Convention) -> Prose {
    let (place, part) = orientation::delta_part(convention);
    if coupled {
        Prose::new()
            .fixed(
                "Δ_V := N ∂ℓ/∂V",
                "\\Delta_{V} := N\\,\\partial \\ell / \\partial V",
            )
            .words(", so that ")
            .fixed(
                "∂ℓ/∂V = (1/N)Δ_V",
                "\\partial \\ell / \\partial V = \\tfrac{1}{N}\\Delta_{V}",
            )
            .words("; where no layer after V couples the samples, its ")
            .words(place)
            .words(" is ")
            .then(part)
            .words(
                " (not before a batchnorm, which makes every sample's output depend on every sample),",
            )
    } else {
        Prose::new()
            .fixed("Δ_V", "\\Delta_{V}")
            .words(" is the matrix whose ")
            .words(place)
            .words(" is ")
            .then(part)
            .words(", so that ")
            .fixed(
                "∂ℓ/∂V = (1/N)Δ_V",
                "\\partial \\ell / \\partial V = \\tfrac{1}{N}\\Delta_{V}",
            )
    }
}
