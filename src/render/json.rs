//! The derivation as JSON, schema `derive/1` (docs/json.md): every formula as Unicode text and
//! as LaTeX, every quantity under an ASCII key (`x`, `y`, `W1`, `b1`, `z1`, `yhat`, `loss`,
//! `dloss/dW1`). Objects keep the order of the derivation; numbers are f64 in the shortest form
//! that reads back to the same value (NaN and infinities, which JSON cannot hold, as null).

use rustc_hash::FxHashMap;
use serde::Serialize;
use serde::ser::Serializer;

use crate::math::prose::Prose;
use crate::math::shape::Shape;
use crate::math::symbol::Symbol;
use crate::render::latex_notation::Latex;
use crate::render::layout::Line;
use crate::render::notation::{Notation, Text};
use crate::render::parts::Part;
use crate::render::prose::Spell;
use crate::render::sections::{ClosedRow, Equation, Formulas, PrintedForm, Sections, ValueRow};

pub const SCHEMA: &str = "derive/1";

#[derive(Serialize)]
/// With `--only`, the parts not asked for are left out (`None` is skipped); the schema and the
/// spec always say what the document is.
struct Document {
    schema: &'static str,
    spec: SpecOut,
    #[serde(skip_serializing_if = "Option::is_none")]
    loss: Option<LossOut>,
    #[serde(skip_serializing_if = "Option::is_none")]
    symbols: Option<Vec<SymbolOut>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    conventions: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    forward: Option<Vec<ForwardOut>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    jacobians: Option<Vec<JacobianOut>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    signals: Option<Vec<SignalOut>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    gradients: Option<Vec<GradientOut>>,
    /// `null` in a whole derivation whose check did not run.
    #[serde(skip_serializing_if = "Option::is_none")]
    check: Option<Option<CheckOut>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    evaluation: Option<EvaluationOut>,
}

/// One formula in both notations.
#[derive(Serialize)]
struct Formula {
    text: String,
    latex: String,
}

#[derive(Serialize)]
struct SpecOut {
    text: String,
    layers: Vec<String>,
    /// `expanded` or `compact` (the δ recursion).
    expansion: &'static str,
    /// The mini-batch dimension, `N`, or null for one sample.
    samples: Option<String>,
    /// `--convention` and `--layout`, given only where they are not the default (columns,
    /// numerator), so that the default document stays as it was.
    #[serde(skip_serializing_if = "Option::is_none")]
    convention: Option<ConventionOut>,
}

#[derive(Serialize)]
struct ConventionOut {
    /// `columns`, `pytorch` or `cs231n`.
    style: &'static str,
    /// `numerator` or `denominator`.
    layout: &'static str,
}

#[derive(Serialize)]
struct LossOut {
    name: String,
    reduction: &'static str,
    description: String,
    definition: Formula,
    /// λ, when the definition adds (λ/2) Σₖ ‖W⁽ᵏ⁾‖².
    #[serde(skip_serializing_if = "Option::is_none")]
    weight_decay: Option<f64>,
    /// The factor in front of the loss an objective the model writes puts there, when not 1.
    #[serde(skip_serializing_if = "Option::is_none")]
    scale: Option<f64>,
    /// The penalties c‖P‖² an objective the model writes adds, by the parameter's key.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    penalties: Vec<PenaltyOut>,
}

#[derive(Serialize)]
struct PenaltyOut {
    parameter: String,
    coefficient: f64,
}

#[derive(Serialize)]
struct SymbolOut {
    key: String,
    name: Formula,
    shape: [String; 2],
}

#[derive(Serialize)]
struct ForwardOut {
    layer: String,
    inputs: Vec<String>,
    output: String,
    forms: Vec<Formula>,
}

#[derive(Serialize)]
struct JacobianOut {
    key: String,
    name: Formula,
    shape: [String; 2],
    matrix: Vec<Formula>,
    element: Formula,
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<String>,
}

#[derive(Serialize)]
struct SignalOut {
    key: String,
    name: Formula,
    shape: [String; 2],
    /// Through the next row by name: ∂ℓ/∂z₁ = ∂ℓ/∂z₂ · ∂z₂/∂z₁.
    recursion: Formula,
    closed_form: Formula,
}

#[derive(Serialize)]
struct GradientOut {
    parameter: String,
    name: Formula,
    shape: [String; 2],
    #[serde(skip_serializing_if = "Option::is_none")]
    chain_rule: Option<Formula>,
    #[serde(skip_serializing_if = "Option::is_none")]
    closed_form: Option<Formula>,
}

#[derive(Serialize)]
struct CheckOut {
    passed: bool,
    /// `random` (drawn from `seed`) or `given` (`--at`).
    point: &'static str,
    seed: Option<u64>,
    #[serde(serialize_with = "ordered_map")]
    sizes: Vec<(String, usize)>,
    step: f64,
    tolerance: f64,
    /// `entrywise`, `per_parameter` or `joint` (see docs/json.md).
    mode: &'static str,
    items: Vec<CheckItemOut>,
}

#[derive(Serialize)]
struct CheckItemOut {
    quantity: String,
    form: &'static str,
    /// `every entry`, `3 directions` or `= chain rule`.
    method: String,
    error: f64,
    /// Where a NaN or an infinity appeared, if one did.
    #[serde(skip_serializing_if = "Option::is_none")]
    non_finite: Option<String>,
    passed: bool,
    /// Why the item could not be checked at this point, if it could not (exit code 3).
    #[serde(skip_serializing_if = "Option::is_none")]
    unchecked: Option<String>,
    /// `one-sided differences, steps down to 2.2e-6`, where they had to keep ŷ in its domain.
    #[serde(skip_serializing_if = "Option::is_none")]
    differences: Option<String>,
}

#[derive(Serialize)]
struct EvaluationOut {
    #[serde(serialize_with = "ordered_map")]
    sizes: Vec<(String, usize)>,
    loss: f64,
    #[serde(serialize_with = "ordered_map")]
    gradients: Vec<(String, Value)>,
}

/// A value as the point file writes it.
#[derive(Serialize)]
#[serde(untagged)]
enum Value {
    Scalar(f64),
    Vector(Vec<f64>),
    Matrix(Vec<Vec<f64>>),
}

/// An object whose keys keep the given order.
fn ordered_map<S: Serializer, V: Serialize>(
    pairs: &[(String, V)],
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_map(pairs.iter().map(|(k, v)| (k, v)))
}

fn shape(shape: &Shape) -> [String; 2] {
    [shape.rows.name().to_string(), shape.cols.name().to_string()]
}

fn value(row: &ValueRow) -> Value {
    let m = &row.value;
    if row.shape.is_scalar() {
        Value::Scalar(m.data[0])
    } else if row.shape.is_column() {
        Value::Vector(m.data.clone())
    } else {
        Value::Matrix(m.data.chunks(m.cols).map(<[f64]>::to_vec).collect())
    }
}

struct Both<'a> {
    text: Formulas<'a, Text, Line>,
    latex: Formulas<'a, Latex, Line>,
}

impl Both<'_> {
    fn form(&self, form: &PrintedForm) -> Formula {
        Formula {
            text: self.text.form(form).text.into_owned(),
            latex: self.latex.form(form).text.into_owned(),
        }
    }

    fn forms(&self, equation: &Equation) -> Vec<Formula> {
        equation.forms.iter().map(|f| self.form(f)).collect()
    }

    fn name(&self, symbol: &Symbol) -> Formula {
        Formula {
            text: Text.symbol(symbol),
            latex: Latex.symbol(symbol),
        }
    }
}

fn text(prose: &Prose) -> String {
    prose.plain(&Text)
}

pub fn render_json(sections: &Sections) -> String {
    let derivation = sections.derivation;
    let network = &derivation.network;
    let arena = &network.arena;
    let both = Both {
        text: Formulas::new(arena, &Text),
        latex: Formulas::new(arena, &Latex),
    };
    let key = |id| match arena.node(id) {
        crate::math::expr::Node::Leaf(s) => s.key(),
        _ => arena.named(id).expect("a named value").symbol.key(),
    };
    let conventions = &sections.conventions;
    let shows = |part| sections.shows(part);
    // Each gradient's closed-form row, found by its parameter: a deep chain has thousands.
    let closed_rows: FxHashMap<&Symbol, &ClosedRow> = sections
        .closed_forms
        .rows
        .iter()
        .filter_map(|r| r.parameter.as_ref().map(|p| (p, r)))
        .collect();
    let closed = |parameter: &Symbol| {
        *closed_rows
            .get(parameter)
            .expect("every gradient has a closed form")
    };
    let document = Document {
        schema: SCHEMA,
        spec: SpecOut {
            text: network.spec.normalized(),
            layers: network.layers.iter().map(|l| l.kind.name()).collect(),
            expansion: match derivation.expansion {
                crate::derivation::Expansion::Expanded => "expanded",
                crate::derivation::Expansion::Compact => "compact",
            },
            samples: network.samples.as_ref().map(|d| d.name().to_string()),
            convention: (!network.convention.is_default()).then(|| ConventionOut {
                style: network.convention.style.name(),
                layout: network.convention.layout.name(),
            }),
        },
        loss: shows(Part::Network).then(|| LossOut {
            name: network.loss.name(),
            reduction: match network.loss.reduction {
                crate::network::loss::Reduction::Sum => "sum",
                crate::network::loss::Reduction::Mean => "mean",
            },
            description: network.loss.description().plain(&Text),
            definition: both.form(&conventions.loss.forms[0]),
            weight_decay: network.weight_decay.map(|lambda| lambda.value()),
            scale: (network.loss.scale != (1, 1))
                .then(|| network.loss.scale.0 as f64 / network.loss.scale.1 as f64),
            penalties: network
                .spec
                .objective
                .iter()
                .flat_map(|o| o.penalties.iter())
                .map(|p| PenaltyOut {
                    parameter: p.parameter.key(),
                    coefficient: p.coefficient.value(|_| 1),
                })
                .collect(),
        }),
        symbols: shows(Part::Network).then(|| {
            conventions
                .symbols
                .iter()
                .map(|(symbol, s)| SymbolOut {
                    key: symbol.key(),
                    name: both.name(symbol),
                    shape: shape(s),
                })
                .collect()
        }),
        conventions: shows(Part::Network)
            .then(|| conventions.paragraphs.iter().map(text).collect()),
        forward: shows(Part::Forward).then(|| {
            sections
                .forward
                .rows
                .iter()
                .map(|row| ForwardOut {
                    layer: row.key.clone(),
                    inputs: row.inputs.iter().map(|id| key(*id)).collect(),
                    output: row.output.name.key(),
                    forms: both.forms(&row.output),
                })
                .collect()
        }),
        jacobians: shows(Part::Jacobians).then(|| {
            sections
                .jacobians
                .rows
                .iter()
                .map(|row| JacobianOut {
                    key: row.symbol.key(),
                    name: both.name(&row.symbol),
                    shape: shape(&row.shape),
                    matrix: both.forms(&row.matrix),
                    element: Formula {
                        text: both.text.element_flat(&row.symbol, row.element),
                        latex: both.latex.element_flat(&row.symbol, row.element),
                    },
                    note: row.note.as_ref().map(text),
                })
                .collect()
        }),
        signals: shows(Part::Closed).then(|| {
            sections
                .closed_forms
                .rows
                .iter()
                .filter(|r| r.parameter.is_none())
                .zip(&derivation.signals)
                .map(|(row, signal)| SignalOut {
                    key: row.equation.name.key(),
                    name: both.name(&row.equation.name),
                    shape: shape(&row.shape),
                    recursion: both.form(&PrintedForm {
                        id: signal.chain_rule,
                        names: crate::render::expression::Names::Keep,
                    }),
                    closed_form: both.form(&row.equation.forms[0]),
                })
                .collect()
        }),
        gradients: (shows(Part::Gradients) || shows(Part::Closed)).then(|| {
            sections
                .chain_rule
                .rows
                .iter()
                .map(|row| GradientOut {
                    parameter: row.parameter.key(),
                    name: both.name(&row.gradient.name),
                    shape: shape(&row.shape),
                    chain_rule: shows(Part::Gradients).then(|| both.form(&row.gradient.forms[0])),
                    closed_form: shows(Part::Closed)
                        .then(|| both.form(&closed(&row.parameter).equation.forms[0])),
                })
                .collect()
        }),
        check: (sections.parts.is_whole() || sections.report.is_some()).then(|| {
            sections.report.map(|report| CheckOut {
                passed: report.passed(),
                point: if report.seed.is_some() {
                    "random"
                } else {
                    "given"
                },
                seed: report.seed,
                sizes: report.sizes.entries().to_vec(),
                step: report.step,
                tolerance: report.tolerance,
                mode: match report.coverage {
                    crate::check::Coverage::Entrywise => "entrywise",
                    crate::check::Coverage::PerParameter(_) => "per_parameter",
                    crate::check::Coverage::Joint(_) => "joint",
                },
                items: sections
                    .check
                    .as_ref()
                    .map(|c| c.table.rows.as_slice())
                    .unwrap_or_default()
                    .iter()
                    .map(|row| CheckItemOut {
                        quantity: row.symbol.key(),
                        form: row.form,
                        method: row.how.clone(),
                        error: row.error,
                        non_finite: row.non_finite.clone(),
                        passed: row.passed,
                        unchecked: row.unchecked.clone(),
                        differences: row.differences.clone(),
                    })
                    .collect(),
            })
        }),
        evaluation: sections
            .evaluation
            .as_ref()
            .filter(|_| shows(Part::Values))
            .zip(sections.evaluated)
            .map(|(table, e)| EvaluationOut {
                sizes: e.sizes.entries().to_vec(),
                loss: e.loss,
                gradients: table.rows[1..]
                    .iter()
                    .map(|row| (row.key.clone(), value(row)))
                    .collect(),
            }),
    };
    let mut out = serde_json::to_string_pretty(&document).expect("a document serialises");
    out.push('\n');
    out
}
