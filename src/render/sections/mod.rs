//! What a derivation shows, section by section, as data, so that the contents are written once
//! and only the spelling differs between formats. Text, LaTeX and Markdown walk the parts in
//! the order `Sections::printed` gives; JSON is an object whose keys keep an order of their own
//! (its schema), filled from these same sections.

use crate::check::CheckReport;
use crate::derivation::{Derivation, Expansion};
use crate::math::expr::{Arena, ExprId, Node, Role};
use crate::math::prose::{Math, Prose};
use crate::math::shape::Shape;
use crate::math::symbol::Symbol;
use crate::numeric::at_point::Evaluation;
use crate::numeric::matrix::Matrix;
use crate::render::expression::Names;
use crate::render::layout::Line;
use crate::render::notation::Text;
use crate::render::parts::{Part, Parts};

mod chain_rule;
mod check;
mod closed_forms;
mod conventions;
mod formulas;
mod forward;
mod jacobians;
mod numbering;
mod orientation;
mod values;

pub use formulas::Formulas;
pub use numbering::Numbering;

/// One printed form of a quantity: a tree, with named values kept or expanded.
#[derive(Clone, Copy, Debug)]
pub struct PrintedForm {
    pub id: ExprId,
    pub names: Names,
}

/// `name = form = form`; a form that reads the same as an earlier one is already dropped.
#[derive(Clone, Debug)]
pub struct Equation {
    pub name: Symbol,
    pub forms: Vec<PrintedForm>,
}

#[derive(Clone, Debug)]
pub struct Heading {
    /// None when parts are printed alone, to sit under a reader's own headings.
    pub number: Option<usize>,
    pub title: Prose,
}

impl Heading {
    /// `2. Forward pass…`, or the title alone when unnumbered.
    pub fn numbered(&self, title: String) -> String {
        match self.number {
            Some(number) => format!("{number}. {title}"),
            None => title,
        }
    }
}

pub struct Conventions {
    pub heading: Heading,
    /// x → Linear₁ → ReLU → … → ŷ
    pub chain: Prose,
    pub linear_rule: Option<Prose>,
    pub loss: Equation,
    /// Inputs, parameters and layer outputs, with their shapes.
    pub symbols: Vec<(Symbol, Shape)>,
    /// The loss in words, the symbols, the outputs, the conventions of notation.
    pub paragraphs: Vec<Prose>,
}

pub struct ForwardRow {
    pub layer: Prose,
    /// The layer's name in JSON: `Linear1`, `ReLU`, `Loss`.
    pub key: String,
    pub inputs: Vec<ExprId>,
    pub output: Equation,
}

pub struct ChainRow {
    pub parameter: Symbol,
    pub gradient: Equation,
    pub shape: Shape,
}

pub struct JacobianRow {
    pub symbol: Symbol,
    pub shape: Shape,
    pub matrix: Equation,
    /// The tree whose element form is shown: the simplified Jacobian.
    pub element: ExprId,
    pub note: Option<Prose>,
}

pub struct ClosedRow {
    pub equation: Equation,
    pub shape: Shape,
    /// The parameter for a gradient; `None` for a backpropagated row ∂ℓ/∂zᵢ.
    pub parameter: Option<Symbol>,
}

pub struct ValueRow {
    pub symbol: Symbol,
    /// `loss`, `W1`, `b1`: the key in the point file and in JSON.
    pub key: String,
    pub shape: Shape,
    pub value: Matrix<f64>,
}

pub struct CheckRow {
    pub symbol: Symbol,
    pub form: &'static str,
    /// How it was compared: `every entry`, `3 directions`, `= chain rule`.
    pub how: String,
    /// `3.1e-11`, or `NaN`/`∞`.
    pub error_text: String,
    /// Where a NaN or an infinity appeared: "the finite differences give NaN".
    pub non_finite: Option<String>,
    pub error: f64,
    pub passed: bool,
    /// `pass`, `FAIL`, or `unchecked` where the item could not be checked at this point.
    pub result: &'static str,
    /// Why it could not be checked, in words (for JSON); the summary says it with symbols.
    pub unchecked: Option<String>,
    /// `one-sided differences, steps down to 2.2e-6` where the differences had to keep ŷ
    /// inside the loss's domain (said in the summary, and in JSON).
    pub differences: Option<String>,
}

pub struct Section<R> {
    pub heading: Heading,
    /// Said between the heading and the table.
    pub note: Option<Prose>,
    pub headers: Vec<&'static str>,
    pub rows: Vec<R>,
}

pub struct CheckSection {
    pub table: Section<CheckRow>,
    pub passed: bool,
    pub summary: Prose,
}

pub struct Sections<'a> {
    pub derivation: &'a Derivation,
    /// The parts printed: all of them, titled and numbered, unless some were chosen.
    pub parts: Parts,
    /// derive: linear > relu > linear > identity, loss mse
    pub title: Prose,
    pub conventions: Conventions,
    pub forward: Section<ForwardRow>,
    pub chain_rule: Section<ChainRow>,
    /// The δ recursion, when the chain rule is written through it.
    pub recursion: Option<Section<ClosedRow>>,
    pub jacobians: Section<JacobianRow>,
    pub closed_forms: Section<ClosedRow>,
    pub evaluation: Option<Section<ValueRow>>,
    pub check: Option<CheckSection>,
    pub report: Option<&'a CheckReport>,
    pub evaluated: Option<&'a Evaluation>,
    /// The text printers the sections were built with, whose lines the text renderer reuses.
    pub text_lines: Formulas<'a, Text, Line>,
}

impl<'a> Sections<'a> {
    pub fn new(
        derivation: &'a Derivation,
        report: Option<&'a CheckReport>,
        evaluated: Option<&'a Evaluation>,
    ) -> Sections<'a> {
        let mut sections = Sections::before_check(derivation, evaluated, Parts::whole());
        if let Some(report) = report {
            sections.add_check(report);
        }
        sections
    }

    /// Every section but the check's, which `add_check` adds once the check has run: the
    /// derivation can be laid out while it runs.
    pub fn before_check(
        derivation: &'a Derivation,
        evaluated: Option<&'a Evaluation>,
        parts: Parts,
    ) -> Sections<'a> {
        let build = Builder {
            derivation,
            text: Formulas::new(&derivation.network.arena, &Text),
            numbering: Numbering {
                parts,
                has_values: evaluated.is_some(),
            },
        };
        let network = &derivation.network;
        let conventions = build.conventions();
        let forward = build.forward();
        let chain_rule = build.chain_rule();
        let recursion = build.recursion();
        let jacobians = build.jacobians();
        let closed_forms = build.closed_forms();
        let evaluation = evaluated.map(|e| build.evaluation(e));
        Sections {
            derivation,
            parts,
            // An objective the model writes is in its text; --loss's is named after it.
            title: Prose::new().words(match network.spec.objective {
                Some(_) => format!("derive: {}", abridged_spec(&network.spec)),
                None => format!(
                    "derive: {}, loss {}",
                    abridged_spec(&network.spec),
                    network.loss.name()
                ),
            }),
            conventions,
            forward,
            chain_rule,
            recursion,
            jacobians,
            closed_forms,
            evaluation,
            check: None,
            report: None,
            evaluated,
            text_lines: build.text,
        }
    }

    /// Adds the check's section, after the others.
    pub fn add_check(&mut self, report: &'a CheckReport) {
        let numbering = Numbering {
            parts: self.parts,
            has_values: self.evaluation.is_some(),
        };
        self.check = Some(check::check_section(self.derivation, report, numbering));
        self.report = Some(report);
    }
}

struct Builder<'a> {
    derivation: &'a Derivation,
    text: Formulas<'a, Text, Line>,
    numbering: Numbering,
}

/// A list short enough for a sentence, of the `count` items `item` makes: a long one keeps its
/// first and last items around "…" (the forward pass lists every layer anyway). Only the items
/// kept are made: a long chain has tens of thousands.
fn abridged(count: usize, item: impl Fn(usize) -> Prose) -> Vec<Prose> {
    const HEAD: usize = 12;
    const TAIL: usize = 4;
    if count <= HEAD + TAIL + 1 {
        return (0..count).map(item).collect();
    }
    let mut kept: Vec<Prose> = (0..HEAD).map(&item).collect();
    kept.push(Prose::new().fixed("…", "\\ldots"));
    kept.extend((count - TAIL..count).map(&item));
    kept
}

/// The normalised spec, its middle left out when the chain is long.
fn abridged_spec(spec: &crate::spec::Spec) -> String {
    if let Some(model) = &spec.model {
        return abridged_model(model, spec.layers.len());
    }
    let names: Vec<String> = spec.layers.iter().map(|l| l.kind.name()).collect();
    if names.len() <= 24 {
        return names.join(" > ");
    }
    format!(
        "{} > ... > {} ({} layers)",
        names[..12].join(" > "),
        names[names.len() - 4..].join(" > "),
        names.len()
    )
}

/// A model's bindings as one line, its start and end kept where it is long.
pub fn abridged_model(model: &str, nodes: usize) -> String {
    const KEPT: usize = 60;
    let chars: Vec<char> = model.chars().collect();
    if chars.len() <= 2 * KEPT + 20 {
        return model.to_string();
    }
    let head: String = chars[..KEPT].iter().collect();
    let tail: String = chars[chars.len() - KEPT..].iter().collect();
    format!("{head} ... {tail} ({nodes} nodes)")
}

/// How the forward pass's outputs are written: in x, y and the parameters when expanded, by the
/// names of the values before them when compact.
pub fn forward_names(derivation: &Derivation) -> Names {
    match derivation.expansion {
        Expansion::Expanded => Names::ExpandValues,
        Expansion::Compact => Names::Keep,
    }
}

/// Whether the chain rule is written through the named rows ∂ℓ/∂zᵢ (a mini-batch's Δᵢ).
pub fn shows_recursion(derivation: &Derivation) -> bool {
    derivation.expansion == Expansion::Compact || derivation.network.samples.is_some()
}

/// How the gradients' chain-rule forms are written: through the rows ∂ℓ/∂zᵢ by name, or with
/// each row written out as the product of Jacobians that defines it.
pub fn chain_rule_names(derivation: &Derivation) -> Names {
    if shows_recursion(derivation) {
        Names::Keep
    } else {
        Names::ExpandValuesAndSignals
    }
}

fn layer_title(layer: &crate::network::Layer) -> Prose {
    Prose::new().math(Math::Layer(layer.kind.title(), layer.title_index()))
}

/// The model's inputs by name, as prose: x, or x₁, x₂ (X₁, X₂ in a mini-batch).
fn inputs_prose(network: &crate::network::Network) -> crate::math::prose::Prose {
    let names = network
        .model_inputs
        .iter()
        .map(|x| crate::math::prose::Prose::new().symbol(&symbol_of(&network.arena, *x)))
        .collect();
    crate::math::prose::Prose::new().join(names, ", ")
}

/// The name of a leaf or of a named value.
fn symbol_of(arena: &Arena, id: ExprId) -> Symbol {
    match arena.node(id) {
        Node::Leaf(symbol) => symbol.clone(),
        _ => arena.named(id).expect("a named value").symbol.clone(),
    }
}

impl Sections<'_> {
    /// Whether `part` is printed.
    pub fn shows(&self, part: Part) -> bool {
        self.parts.shows(part)
    }

    /// The parts printed, in the derivation's order: those chosen that this derivation has
    /// (values only at a given point, the check only once it has run). Every renderer walks
    /// this one list.
    pub fn printed(&self) -> Vec<Part> {
        Part::ALL
            .into_iter()
            .filter(|&part| self.shows(part))
            .filter(|part| match part {
                Part::Values => self.evaluation.is_some(),
                Part::Check => self.check.is_some(),
                _ => true,
            })
            .collect()
    }
}

/// A renderer that writes each part as a string; `write` is the one place a part is matched to
/// the method that writes it.
pub trait PartWriter {
    fn network(&self, sections: &Sections) -> String;
    fn forward(&self, sections: &Sections) -> String;
    fn gradients(&self, sections: &Sections) -> String;
    fn jacobians(&self, sections: &Sections) -> String;
    fn closed(&self, sections: &Sections) -> String;
    /// Only where `Sections::printed` lists it: the derivation has values at a point.
    fn values(&self, sections: &Sections) -> String;
    /// Only where `Sections::printed` lists it: the check has run.
    fn check(&self, sections: &Sections) -> String;

    fn write(&self, sections: &Sections, part: Part) -> String {
        match part {
            Part::Network => self.network(sections),
            Part::Forward => self.forward(sections),
            Part::Gradients => self.gradients(sections),
            Part::Jacobians => self.jacobians(sections),
            Part::Closed => self.closed(sections),
            Part::Values => self.values(sections),
            Part::Check => self.check(sections),
        }
    }
}

impl Builder<'_> {
    fn heading(&self, part: Part, title: Prose) -> Heading {
        self.numbering.heading(part, title)
    }

    fn refer(&self, part: Part) -> String {
        self.numbering.refer(part)
    }

    fn see(&self, part: Part) -> String {
        self.numbering.see(part)
    }

    fn arena(&self) -> &Arena {
        &self.derivation.network.arena
    }

    fn symbol_of(&self, id: ExprId) -> Symbol {
        symbol_of(self.arena(), id)
    }

    fn definition(&self, id: ExprId) -> ExprId {
        self.arena().named(id).expect("a named value").definition
    }

    /// Drops a form that reads, in text, the same as an earlier one.
    fn equation(&self, name: Symbol, forms: Vec<PrintedForm>) -> Equation {
        if forms.len() < 2 {
            return Equation { name, forms };
        }
        let mut kept: Vec<PrintedForm> = Vec::with_capacity(forms.len());
        // Printed only when there is something to compare with.
        let mut printed: Vec<Option<String>> = Vec::with_capacity(forms.len());
        for form in forms {
            // The same tree reads the same when no name in it would be expanded differently.
            if kept
                .iter()
                .any(|k| k.id == form.id && (k.names == form.names || !self.has_names(form.id)))
            {
                continue;
            }
            if !kept.is_empty() {
                let this = self.text.form(&form).text.into_owned();
                let mut same = false;
                for (k, p) in kept.iter().zip(printed.iter_mut()) {
                    let p = p.get_or_insert_with(|| self.text.form(k).text.into_owned());
                    same |= *p == this;
                }
                if same {
                    continue;
                }
                printed.push(Some(this));
            } else {
                printed.push(None);
            }
            kept.push(form);
        }
        Equation { name, forms: kept }
    }

    /// Whether the tree holds a named value or row that a printer may expand.
    fn has_names(&self, id: ExprId) -> bool {
        let arena = self.arena();
        let mut stack = vec![id];
        while let Some(next) = stack.pop() {
            match arena.named(next) {
                Some(info) if info.role != Role::Derivative && info.role != Role::Statistic => {
                    return true;
                }
                Some(_) => {}
                None => stack.extend(arena.children(next)),
            }
        }
        false
    }
}
