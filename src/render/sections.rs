//! What a derivation shows, section by section, as data: every renderer (text, LaTeX,
//! Markdown, JSON) walks this one list, so the contents are written once and only the spelling
//! differs between formats.

use crate::check::{CheckItem, CheckReport, Saturated, Unchecked, Verdict};
use crate::derivation::{Derivation, Expansion};
use crate::math::expr::{Arena, ExprId, Node};
use crate::math::shape::Shape;
use crate::math::symbol::Symbol;
use crate::network::layer::LayerKind;
use crate::numeric::at_point::Evaluation;
use crate::numeric::matrix::Matrix;
use crate::render::elements::ElementPrinter;
use crate::render::expression::{Doc, Names, Printer};
use crate::render::layout::{Layout, Line};
use crate::render::notation::{Notation, Text};
use crate::render::parts::{Part, Parts};
use crate::render::prose::{Math, Prose};

/// One printed form of a quantity: a tree, with named values kept or expanded.
#[derive(Clone, Copy, Debug)]
pub struct Form {
    pub id: ExprId,
    pub names: Names,
}

/// `name = form = form`; a form that reads the same as an earlier one is already dropped.
#[derive(Clone, Debug)]
pub struct Equation {
    pub name: Symbol,
    pub forms: Vec<Form>,
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

pub struct Table<R> {
    pub heading: Heading,
    /// Said between the heading and the table.
    pub note: Option<Prose>,
    pub headers: Vec<&'static str>,
    pub rows: Vec<R>,
}

pub struct CheckSection {
    pub table: Table<CheckRow>,
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
    pub forward: Table<ForwardRow>,
    pub chain_rule: Table<ChainRow>,
    /// The δ recursion, when the chain rule is written through it.
    pub recursion: Option<Table<ClosedRow>>,
    pub jacobians: Table<JacobianRow>,
    pub closed_forms: Table<ClosedRow>,
    pub evaluation: Option<Table<ValueRow>>,
    pub check: Option<CheckSection>,
    pub report: Option<&'a CheckReport>,
    pub evaluated: Option<&'a Evaluation>,
    /// The text printers the sections were built with, whose lines the text renderer reuses.
    pub text_lines: Formulas<'a, Text, Line>,
}

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

    pub fn form(&self, form: &Form) -> L {
        self.printer(form.names).doc(form.id)
    }

    /// `before.append(self.form(form).nest(indent))`, without a copy of the form's layout.
    pub fn after_form(&self, before: L, form: &Form, indent: isize) -> L {
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

pub use crate::render::expression::flat;

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
            parts,
        };
        let network = &derivation.network;
        let conventions = build.conventions();
        let forward = build.forward();
        let chain_rule = build.chain_rule();
        let recursion = build.recursion();
        let jacobians = build.jacobians();
        let closed_forms = build.closed_forms();
        let evaluation = evaluated.map(|e| build.evaluation(e, 6));
        let mut sections = Sections {
            derivation,
            parts,
            title: Prose::new().words(format!(
                "derive: {}, loss {}",
                abridged_spec(&network.spec),
                network.loss.name()
            )),
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
        };
        if !parts.is_whole() {
            sections.unnumber();
        }
        sections
    }

    /// Adds the check's section, after the others.
    pub fn add_check(&mut self, report: &'a CheckReport) {
        let number = if self.evaluation.is_some() { 7 } else { 6 };
        let mut check = check_section(self.derivation, report, number, self.parts);
        if !self.parts.is_whole() {
            check.table.heading.number = None;
        }
        self.check = Some(check);
        self.report = Some(report);
    }

    /// Drops the section numbers, for parts printed alone.
    fn unnumber(&mut self) {
        self.conventions.heading.number = None;
        self.forward.heading.number = None;
        self.chain_rule.heading.number = None;
        if let Some(recursion) = &mut self.recursion {
            recursion.heading.number = None;
        }
        self.jacobians.heading.number = None;
        self.closed_forms.heading.number = None;
        if let Some(evaluation) = &mut self.evaluation {
            evaluation.heading.number = None;
        }
    }
}

struct Builder<'a> {
    derivation: &'a Derivation,
    text: Formulas<'a, Text, Line>,
    parts: Parts,
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

fn heading(number: usize, title: Prose) -> Heading {
    Heading {
        number: Some(number),
        title,
    }
}

fn layer_title(layer: &crate::network::Layer) -> Prose {
    Prose::new().math(Math::Layer(
        layer.kind.title(),
        layer.linear_index.or(layer.occurrence),
    ))
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

/// How prose points to another part: "section 2" when sections are numbered, "the forward
/// pass" when parts are printed alone.
fn refer(parts: Parts, part: Part, number: usize) -> String {
    if parts.is_whole() {
        format!("section {number}")
    } else {
        part.description().to_string()
    }
}

impl Builder<'_> {
    fn refer(&self, part: Part, number: usize) -> String {
        refer(self.parts, part, number)
    }

    /// ` (section 2)` after a phrase that already names the part, when sections are numbered.
    fn see(&self, number: usize) -> String {
        if self.parts.is_whole() {
            format!(" (section {number})")
        } else {
            String::new()
        }
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
    fn equation(&self, name: Symbol, forms: Vec<Form>) -> Equation {
        if forms.len() < 2 {
            return Equation { name, forms };
        }
        let mut kept: Vec<Form> = Vec::with_capacity(forms.len());
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
                Some(info) if info.role != crate::math::expr::Role::Derivative => return true,
                Some(_) => {}
                None => stack.extend(arena.children(next)),
            }
        }
        false
    }

    fn conventions(&self) -> Conventions {
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
        for (i, step) in abridged(layers.len() + 2, step).into_iter().enumerate() {
            if i > 0 {
                chain = chain.then(arrow.clone());
            }
            chain = chain.then(step);
        }
        let linear_rule = network
            .layers
            .iter()
            .any(|l| l.linear_index.is_some())
            .then(|| {
                Prose::new().fixed(
                    "Linearₖ(h) = W⁽ᵏ⁾h + b⁽ᵏ⁾",
                    "\\mathrm{Linear}_{k}(h) = W^{(k)}h + b^{(k)}",
                )
            });
        let loss = self.equation(
            Symbol::Loss,
            vec![Form {
                id: self.definition(network.loss_value),
                names: Names::Keep,
            }],
        );

        let mut leaves = vec![network.x, network.y];
        leaves.extend(network.parameters.iter().map(|p| p.leaf));
        leaves.extend(network.layers.iter().map(|l| l.output));

        let symbols: Vec<(Symbol, Shape)> = leaves
            .iter()
            .map(|id| (self.symbol_of(*id), arena.shape(*id).clone()))
            .collect();

        let batch = network.samples.is_some();
        let mut description = Prose::new().symbol(&Symbol::Loss);
        description = if batch {
            description
                .words(" is the mean over the N samples (the columns of X) of each sample's ")
        } else {
            description.words(" is the ")
        };
        description.0.extend(network.loss.description().0);
        description = description.words(".");
        if batch && network.loss.kind == crate::network::loss::LossKind::Mse {
            description = description
                .words(" Here ")
                .fixed("‖·‖²", "\\lVert \\cdot \\rVert^{2}")
                .words(" sums the squares of every entry (the Frobenius norm).");
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
            Prose::new()
                .words("Samples are columns: the s-th column of X is the sample ")
                .fixed("x⁽ˢ⁾", "x^{(s)}")
                .words(", with loss ")
                .fixed("ℓₛ", "\\ell_{s}")
                .words(". For a value V (Z or the output), ")
                .fixed("Δ_V", "\\Delta_{V}")
                .words(" is the matrix whose s-th column is ")
                .fixed(
                    "(∂ℓₛ/∂v⁽ˢ⁾)ᵀ",
                    "(\\partial \\ell_{s} / \\partial v^{(s)})^{\\top}",
                )
                .words(", so that ")
                .fixed(
                    "∂ℓ/∂V = (1/N)Δ_V",
                    "\\partial \\ell / \\partial V = \\tfrac{1}{N}\\Delta_{V}",
                )
                .words(" and ")
                .fixed("Δᵢ", "\\Delta_{i}")
                .words(" is that of ")
                .fixed("Zᵢ", "Z_{i}")
                .words(". The gradient of ")
                .symbol(&Symbol::Loss)
                .words(" with respect to a parameter has that parameter's shape. ")
                .math(Math::Ones)
                .words(" is a vector of ones as long as its product needs (")
                .fixed("b𝟏ᵀ", "b\\mathbf{1}^{\\top}")
                .words(" has N columns); ")
                .fixed("Σ(·)", "\\sum(\\cdot)")
                .words(" sums every entry. Unlike the numerator layout of one sample, ")
                .fixed("∂ℓ/∂V", "\\partial \\ell / \\partial V")
                .words(" here has the shape of V (gradient layout). ")
        } else {
            Prose::new()
                .words("Vectors are columns. Jacobians are in numerator layout: ")
                .fixed("∂u/∂v", "\\partial u / \\partial v")
                .words(" has ")
                .fixed("dim(u)", "\\dim(u)")
                .words(" rows and ")
                .fixed("dim(v)", "\\dim(v)")
                .words(" columns, so ")
                .symbol(&Symbol::partial(Symbol::Loss, Symbol::Output))
                .words(" is a ")
                .math(Math::Shape(Shape::row(crate::math::shape::Dim::named("K"))))
                .words(" row. The gradient of ")
                .symbol(&Symbol::Loss)
                .words(" with respect to a parameter has that parameter's shape. ")
                .math(Math::Ones)
                .words(" is a vector of ones; ")
                .fixed("Σ(·)", "\\sum(\\cdot)")
                .words(" sums every entry. ")
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
        // Each activation of the chain defined once, in the order they first appear.
        let mut definitions: Vec<Prose> = Vec::new();
        for layer in &network.layers {
            if let LayerKind::Activation(a) = layer.kind
                && let Some(definition) = a.definition()
                && !definitions.contains(&definition)
            {
                definitions.push(definition);
            }
        }
        Conventions {
            heading: heading(1, Prose::new().words("Network and conventions")),
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

    fn forward(&self) -> Table<ForwardRow> {
        let network = &self.derivation.network;
        let mut rows: Vec<ForwardRow> = network
            .layers
            .iter()
            .map(|layer| {
                let definition = self.definition(layer.output);
                ForwardRow {
                    layer: layer_title(layer),
                    key: match layer.linear_index {
                        Some(k) => format!("{}{k}", layer.kind.title()),
                        None => layer.kind.title().to_string(),
                    },
                    inputs: vec![layer.input],
                    output: self.equation(
                        self.symbol_of(layer.output),
                        vec![
                            Form {
                                id: definition,
                                names: Names::Keep,
                            },
                            Form {
                                id: definition,
                                names: forward_names(self.derivation),
                            },
                        ],
                    ),
                }
            })
            .collect();
        let loss_definition = self.definition(network.loss_value);
        rows.push(ForwardRow {
            layer: Prose::new().words(format!("Loss ({})", network.loss.name())),
            key: "Loss".into(),
            inputs: vec![network.yhat, network.y],
            output: self.equation(
                Symbol::Loss,
                vec![
                    Form {
                        id: loss_definition,
                        names: Names::Keep,
                    },
                    Form {
                        id: loss_definition,
                        names: forward_names(self.derivation),
                    },
                ],
            ),
        });
        let (x, y) = (self.symbol_of(network.x), self.symbol_of(network.y));
        let expanded = forward_names(self.derivation) != Names::Keep;
        let mut title = Prose::new().words("Forward pass: every layer's input and output");
        let mut note = Prose::new()
            .words("Input is the value a layer takes, by name: ")
            .symbol(&x)
            .words(
                " for the first, the output of the row above for the others (the loss also takes ",
            )
            .symbol(&y)
            .words("); Output is the layer's rule applied to it");
        if expanded {
            title = title
                .words(", in ")
                .symbol(&x)
                .words(", ")
                .symbol(&y)
                .words(" and the parameters");
            note = note
                .words(", then the same value written out in ")
                .symbol(&x)
                .words(", ")
                .symbol(&y)
                .words(" and the parameters.");
        } else {
            note = note.words(
                " (written out in full, a chain this long grows with the square of its depth; \
                 --expand writes it so).",
            );
        }
        Table {
            heading: heading(2, title),
            note: Some(note),
            headers: vec!["Layer", "Input", "Output"],
            rows,
        }
    }

    fn chain_rule(&self) -> Table<ChainRow> {
        let rows = self
            .derivation
            .gradients
            .iter()
            .map(|g| ChainRow {
                parameter: g.parameter.clone(),
                gradient: self.equation(
                    g.symbol.clone(),
                    vec![Form {
                        id: g.chain_rule,
                        names: chain_rule_names(self.derivation),
                    }],
                ),
                shape: self.arena().shape(g.chain_rule).clone(),
            })
            .collect();
        Table {
            heading: heading(3, Prose::new().words("Gradients by the chain rule")),
            note: None,
            headers: vec!["Parameter", "Gradient (chain rule)", "Shape"],
            rows,
        }
    }

    /// The rows ∂ℓ/∂zᵢ (a mini-batch's Δᵢ), each defined through the one after it: shown
    /// when the chain rule is written through them.
    fn recursion(&self) -> Option<Table<ClosedRow>> {
        if !shows_recursion(self.derivation) {
            return None;
        }
        let rows = self
            .derivation
            .signals
            .iter()
            .map(|s| ClosedRow {
                equation: self.equation(
                    s.symbol.clone(),
                    vec![Form {
                        id: s.chain_rule,
                        names: Names::Keep,
                    }],
                ),
                shape: self.arena().shape(s.chain_rule).clone(),
                parameter: None,
            })
            .collect();
        let what = if self.derivation.network.samples.is_some() {
            Prose::new()
                .words("For a mini-batch the s-th column of ")
                .fixed("Δᵢ", "\\Delta_{i}")
                .words(" is sample s's row ")
                .fixed(
                    "(∂ℓₛ/∂zᵢ)ᵀ",
                    "(\\partial \\ell_{s} / \\partial z_{i})^{\\top}",
                )
                .words(", so that ")
                .fixed(
                    "∂ℓ/∂Zᵢ = (1/N)Δᵢ",
                    "\\partial \\ell / \\partial Z_{i} = \\tfrac{1}{N}\\Delta_{i}",
                )
                .words("; each is written through the one after it, from the output back.")
        } else {
            Prose::new()
                .words("Each row ")
                .fixed("∂ℓ/∂zᵢ", "\\partial \\ell / \\partial z_{i}")
                .words(" is written through the one after it, from the output back.")
        };
        Some(Table {
            heading: heading(3, Prose::new().words("Backpropagation")),
            note: Some(what),
            headers: vec![
                if self.derivation.network.samples.is_some() {
                    "Backpropagated matrix"
                } else {
                    "Backpropagated row"
                },
                "Shape",
            ],
            rows,
        })
    }

    fn jacobians(&self) -> Table<JacobianRow> {
        let network = &self.derivation.network;
        let rows = self
            .derivation
            .jacobians
            .iter()
            .map(|j| {
                let note = j.layer.and_then(|index| match network.layers[index].kind {
                    LayerKind::Activation(a) => a.kink_note(),
                    LayerKind::Linear => None,
                });
                JacobianRow {
                    symbol: j.symbol.clone(),
                    shape: self.arena().shape(j.definition).clone(),
                    matrix: self.equation(
                        j.symbol.clone(),
                        vec![
                            Form {
                                id: j.definition,
                                names: Names::Keep,
                            },
                            Form {
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
                self.refer(Part::Gradients, 3)
            ))
        });
        Table {
            heading: heading(4, Prose::new().words("Jacobians and their elements")),
            note,
            headers: vec!["Jacobian", "Shape", "Matrix and elements"],
            rows,
        }
    }

    fn closed_forms(&self) -> Table<ClosedRow> {
        let closed = |symbol: &Symbol, id: ExprId, parameter: Option<Symbol>| ClosedRow {
            equation: self.equation(
                symbol.clone(),
                vec![Form {
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
        Table {
            heading: heading(
                5,
                Prose::new().words("Closed forms: the Jacobians substituted and simplified"),
            ),
            note: Some(if self.derivation.network.samples.is_some() {
                Prose::new()
                    .words("Written with the forward pass's values ")
                    .fixed("Zᵢ", "Z_{i}")
                    .words(" and ")
                    .symbol(&self.symbol_of(self.derivation.network.yhat))
                    .words(format!("{}; the matrices ", self.see(2)))
                    .fixed("Δ", "\\Delta")
                    .words(" are what backpropagation carries.")
            } else {
                Prose::new()
                    .words("Written with the forward pass's values ")
                    .fixed("zᵢ", "z_{i}")
                    .words(" and ")
                    .symbol(&Symbol::Output)
                    .words(format!("{}; the rows ", self.see(2)))
                    .fixed("∂ℓ/∂zᵢ", "\\partial \\ell / \\partial z_{i}")
                    .words(" are the signals backpropagation carries.")
            }),
            headers: vec!["Closed form", "Shape"],
            rows,
        }
    }

    fn evaluation(&self, evaluation: &Evaluation, number: usize) -> Table<ValueRow> {
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
        Table {
            heading: heading(number, Prose::new().words("Values at the given point")),
            note: Some(
                Prose::new()
                    .words("At the point read from the file (sizes ")
                    .join(sizes, ", ")
                    .words("): ")
                    .symbol(&Symbol::Loss)
                    .words(format!(
                        " from its definition and every gradient from its closed form ({}).",
                        self.refer(Part::Closed, 5)
                    )),
            ),
            headers: vec!["Quantity", "Value"],
            rows,
        }
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

/// The differences an item took where they had to change near the edge of a domain:
/// `one-sided differences, steps down to 2.2e-6` (the smallest step taken); `None` for the
/// central stencil at the report's step.
fn differences(item: &CheckItem) -> Option<String> {
    let mut said = Vec::new();
    if item.took.one_sided {
        said.push("one-sided differences".to_string());
    }
    if let Some(step) = item.took.shrunk_to {
        said.push(format!("steps down to {step:.1e}"));
    }
    (!said.is_empty()).then(|| said.join(", "))
}

/// Why an item could not be checked at this point: "could not be checked at this point, as ŷ
/// is saturated there (σ is exactly 1 in float64), …". `yhat` is ŷ, the only value whose
/// domain the differences must keep.
fn why_unchecked(why: &Unchecked, yhat: &Symbol) -> Prose {
    let said = Prose::new().words("could not be checked at this point, as ");
    let right_formula = |prose: Prose| {
        prose
            .words(", where a right formula can give NaN (")
            .fixed("0 · ∞", "0 \\cdot \\infty")
            .words(") or an infinity")
    };
    match why {
        Unchecked::Saturated(s) => {
            let at = if s.at == 0.0 { "0" } else { "1" };
            let what = said.symbol(&s.value);
            right_formula(match s.saturated {
                Saturated::Sigmoid => what
                    .words(" is saturated there (")
                    .fixed("σ", "\\sigma")
                    .words(format!(" is exactly {at} in float64)")),
                Saturated::Softmax => what.words(format!(
                    " is saturated there (an entry of softmax is exactly {at} in float64)"
                )),
                Saturated::LogOfZero if s.at == 0.0 => {
                    what.words(" is exactly 0 there, and the loss takes its log")
                }
                Saturated::LogOfZero => {
                    what.words(" is exactly 1 there, and the loss takes the log of 1 minus it")
                }
            })
        }
        Unchecked::NotDifferentiable(Some(edge)) if edge.distance == 0.0 => {
            said.symbol(yhat).words(format!(
                " is exactly {} there in float64, on the edge of the loss's domain, where \
                 the loss has no finite differences",
                edge.at
            ))
        }
        Unchecked::NotDifferentiable(Some(edge)) => said.symbol(yhat).words(format!(
            " lies {:.1e} from {}, the edge of the loss's domain, too close for finite \
             differences in float64, central or one-sided, to settle within the tolerance",
            edge.distance, edge.at
        )),
        Unchecked::NotDifferentiable(None) => said.words(
            "the loss is not finite near this point, or its finite differences do not settle \
             within the tolerance at any step",
        ),
    }
}

/// The check's section: how the check ran, and a row for each item.
fn check_section(
    derivation: &Derivation,
    report: &CheckReport,
    number: usize,
    parts: Parts,
) -> CheckSection {
    let network = &derivation.network;
    let yhat = symbol_of(&network.arena, network.yhat);
    let verdict = match report.verdict() {
        Verdict::Pass => "PASS",
        Verdict::Fail => "FAIL",
        Verdict::Unchecked => "INCOMPLETE",
    };
    let sizes: Vec<Prose> = report
        .sizes
        .entries()
        .iter()
        .map(|(name, size)| {
            Prose::new().math(Math::Size(crate::math::shape::Dim::named(name), *size))
        })
        .collect();
    // The kinked activations this network has, each named once.
    let mut kinked: Vec<&str> = Vec::new();
    for layer in &network.layers {
        if layer.kink().is_some() && !kinked.contains(&layer.kind.title()) {
            kinked.push(layer.kind.title());
        }
    }
    let kink_words = if kinked.is_empty() {
        ")".to_string()
    } else {
        format!(
            "; the inputs of {} at least {:e} away from 0, redrawn up to 1000 times to put \
             them on both sides of it, else the first draw clear of it)",
            kinked.join(", "),
            report.margin
        )
    };
    let mut note = match report.seed {
        Some(seed) => {
            let target = if network.loss.target_is_distribution() {
                Prose::new().words(if network.samples.is_some() {
                    " a random distribution in every column (positive entries summing to 1)"
                } else {
                    " a random distribution (positive entries summing to 1)"
                })
            } else if network.loss.needs_probabilities() {
                Prose::new().words(" uniform in ").fixed("[0, 1)", "[0, 1)")
            } else {
                Prose::new()
                    .words(" uniform in ")
                    .fixed("[−1, 1)", "[-1, 1)")
            };
            Prose::new()
                .words(format!("At a random point (seed {seed}; sizes "))
                .join(sizes, ", ")
                .words("; ")
                .symbol(&symbol_of(&network.arena, network.x))
                .words(" and the biases uniform in ")
                .fixed("[−1, 1)", "[-1, 1)")
                .words(", the weights in ")
                .fixed("[−a, a)", "[-a, a)")
                .words(" with ")
                .fixed(
                    "a = min(1, √(3/fan-in))",
                    "a = \\min(1, \\sqrt{3/\\text{fan-in}})",
                )
                .words(", ")
                .symbol(&symbol_of(&network.arena, network.y))
                .join(vec![target], "")
                .words(kink_words)
        }
        None => Prose::new()
            .words("At the given point (sizes ")
            .join(sizes, ", ")
            .words(")"),
    };
    note = note
        .words(format!(
            ", every printed matrix form is evaluated and compared with five-point central \
             differences of the forward pass (step {:e}, or a hundredth of a value whose sign \
             matters, the input of a kinked activation or the output under a logarithm, where that is \
             smaller). The error is ",
            report.step
        ))
        // One formula, so that no format splits it in two.
        .fixed(
            "max |analytic − numeric| / max(‖analytic‖∞, ‖numeric‖∞, 1e-3)",
            "\\max \\lvert \\mathrm{analytic} - \\mathrm{numeric} \\rvert / \\max(\\lVert \\mathrm{analytic} \\rVert_{\\infty}, \\lVert \\mathrm{numeric} \\rVert_{\\infty}, 10^{-3})",
        )
        .words(format!("; tolerance {:e}.", report.tolerance));
    if !derivation.jacobians.is_empty() {
        note = note.words(format!(
            " The element forms of {} are printed from the same simplified trees but are not \
             evaluated entry by entry.",
            refer(parts, Part::Jacobians, 4)
        ));
    }
    match report.mode {
        crate::check::Mode::Entrywise => {}
        crate::check::Mode::PerParameter(n) => {
            note = note.words(format!(
                " Differencing every entry would exceed the budget of {:e} multiply-adds, so \
                 each gradient is compared along {n} random directions of its parameter, each \
                 Jacobian along {n} random directions of its input, and each backpropagated \
                 row with the value of its chain-rule form.",
                crate::check::CheckOptions::BUDGET
            ));
        }
        crate::check::Mode::Joint(n) => {
            note = note
                .words(format!(
                    " Differencing every entry would exceed the budget of {:e} multiply-adds, so \
                 the gradients are compared along {n} random directions moving all the \
                 parameters ",
                    crate::check::CheckOptions::BUDGET
                ))
                .symbol(&Symbol::Parameters)
                .words(format!(
                    " at once, each closed form with the value of its chain-rule form, and each \
                 Jacobian along {n} random directions of its input."
                ));
        }
    }
    if report.mode != crate::check::Mode::Entrywise && !kinked.is_empty() {
        note = note.words(
            " Along a direction the step shrinks by tens, down to 1e-9, wherever an input of a \
             kinked activation would otherwise cross its kink within the stencil's reach.",
        );
    }
    if report
        .items
        .iter()
        .any(|i| i.took.shrunk_to.is_some() || i.took.one_sided)
    {
        note = note
            .words(" Where the differences must keep ")
            .symbol(&symbol_of(&network.arena, network.yhat))
            .words(if network.loss.needs_probabilities() {
                " inside (0, 1) (bce takes the log of it and of 1 minus it),"
            } else {
                " positive (ce takes the log of it),"
            })
            .words(
                " or a value near the point is not finite, the step shrinks or the differences \
                 are one-sided (the summary says where), stepping away from the edge with the same order \
                 of error, whichever keeps within the tolerance when compared with the same \
                 differences at 1.5 times the step.",
            );
    }
    if report.near_kink {
        note = note.words(
            " Warning: at this point an input of a kinked activation lies within 1e-3 of \
             its kink, where the derivative does not exist and the differences straddle \
             it; a failure there says nothing about the formulas. Move the point off the \
             kink to check them.",
        );
    }
    let rows: Vec<CheckRow> = report
        .items
        .iter()
        .map(|item| CheckRow {
            symbol: item.symbol.clone(),
            form: item.form.label(),
            how: item.method.label(),
            differences: differences(item),
            error_text: item.error_text(),
            non_finite: item.non_finite.clone(),
            error: item.error,
            passed: item.passed,
            result: match (&item.unchecked, item.passed) {
                (_, true) => "pass",
                (Some(_), false) => "unchecked",
                (None, false) => "FAIL",
            },
            unchecked: item
                .unchecked
                .as_ref()
                .map(|why| why_unchecked(why, &yhat).plain(&crate::render::notation::Text)),
        })
        .collect();
    let passed = rows.iter().filter(|r| r.passed).count();
    let unchecked = report
        .items
        .iter()
        .filter(|i| !i.passed && i.unchecked.is_some())
        .count();
    let mut summary = Prose::new().words(format!(
        "{verdict}: {passed} of {} within tolerance",
        rows.len()
    ));
    summary = if unchecked == 0 {
        summary.words(".")
    } else {
        summary.words(format!(
            "; {unchecked} could not be checked at this point, which says nothing about \
             {}.",
            if unchecked == 1 {
                "its formula"
            } else {
                "their formulas"
            }
        ))
    };
    // The differences that had to change, item by item, in words that wrap at the width.
    for (item, row) in report.items.iter().zip(&rows) {
        if let Some(differences) = &row.differences {
            summary = summary
                .words(" ")
                .symbol(&item.symbol)
                .words(format!(" ({}): {differences}.", item.form.label()));
        }
    }
    // A NaN or an infinity is said in words, with the item it appeared in; the items that
    // could not be checked are named together for each reason.
    let mut reasons: Vec<(&Unchecked, Vec<&CheckItem>)> = Vec::new();
    for item in &report.items {
        if let Some(why) = &item.unchecked {
            if item.passed {
                continue;
            }
            match reasons.iter_mut().find(|(r, _)| *r == why) {
                Some((_, items)) => items.push(item),
                None => reasons.push((why, vec![item])),
            }
        } else if let Some(what) = &item.non_finite {
            summary = summary
                .words(" ")
                .symbol(&item.symbol)
                .words(format!(" ({}): {what}.", item.form.label()));
        }
    }
    for (why, items) in reasons {
        let named: Vec<Prose> = items
            .iter()
            .map(|i| {
                Prose::new()
                    .symbol(&i.symbol)
                    .words(format!(" ({})", i.form.label()))
            })
            .collect();
        summary = summary
            .words(" ")
            .join(named, ", ")
            .words(": ")
            .then(why_unchecked(why, &yhat))
            .words(".");
    }
    CheckSection {
        table: Table {
            heading: heading(
                number,
                Prose::new().words(format!("Numeric check: {verdict}")),
            ),
            note: Some(note),
            headers: vec!["Quantity", "Form", "Compared", "Error", "Result"],
            rows,
        },
        passed: report.passed(),
        summary,
    }
}
