//! The emitted module, part by part: the header, `init_params`, `forward`, `loss`, `backward`,
//! `sgd_step` (and PyTorch's `train_step`), and the self-test.
//!
//! The forward pass is the named values of the derivation in order, the backward pass the
//! closed forms of the Δ matrices and the gradients, each Δ through the next by name; every
//! line of either has its formula, as derive prints it, on the line above. One sample (no
//! `--batch`) is the batch of one: x of shape (n,) enters as a row (a column in the columns
//! convention), and the formulas are the mini-batch ones with N = 1.

use std::collections::BTreeSet;

use rustc_hash::{FxHashMap, FxHashSet};

use crate::derivation::Derivation;
use crate::error::Error;
use crate::math::expr::{Arena, ExprId, Node, Role};
use crate::math::shape::{Dim, Shape};
use crate::math::symbol::Symbol;
use crate::network::layer::LayerKind;
use crate::network::loss::TargetDomain;
use crate::numeric::sizes::default_sizes;
use crate::render::code::python::{Form, Holds, Printer, Unprintable, number};
use crate::render::code::{Framework, pytorch};
use crate::render::expression::{self, Names};
use crate::render::notation::Text;

/// What `--emit` asks for.
#[derive(Clone, Debug)]
pub struct EmitOptions {
    pub framework: Framework,
    /// Whether x holds a batch (N samples) or one sample.
    pub batch: bool,
    /// The command that wrote the module, for its docstring.
    pub command: String,
}

/// The module for a derivation from `derive_for_code`, or a refusal naming what cannot be
/// written as code yet.
pub fn emit(derivation: &Derivation, options: &EmitOptions) -> Result<String, Error> {
    if derivation.network.parameters.is_empty() {
        return Err(Error::Usage(format!(
            "--emit {}: the chain has no linear or normalization layer, so no parameters and no \
             gradient to write code for",
            options.framework.name()
        )));
    }
    Module::new(derivation, options)
        .write()
        .map_err(|Unprintable(what)| {
            Error::Usage(format!(
                "--emit {}: {what} cannot be written as code yet",
                options.framework.name()
            ))
        })
}

struct Module<'a> {
    derivation: &'a Derivation,
    arena: &'a Arena,
    options: &'a EmitOptions,
    printer: Printer<'a>,
    text: expression::Printer<'a, Text>,
}

/// A variable a function reads, with where it comes from.
struct Source {
    name: String,
    id: ExprId,
    /// Whether one sample's array is reshaped into the batch of one as it is read.
    reshape: bool,
}

impl<'a> Module<'a> {
    fn new(derivation: &'a Derivation, options: &'a EmitOptions) -> Module<'a> {
        let arena = &derivation.network.arena;
        Module {
            derivation,
            arena,
            options,
            printer: Printer::new(arena, options.framework),
            text: expression::Printer::new(arena, &Text, Names::Keep),
        }
    }

    fn framework(&self) -> Framework {
        self.options.framework
    }

    fn samples_as_rows(&self) -> bool {
        self.derivation.network.convention.samples_as_rows()
    }

    fn write(mut self) -> Result<String, Unprintable> {
        let network = &self.derivation.network;
        for (symbol, leaf) in network.inputs() {
            let holds = if self.arena.shape(leaf).cols.is_one() {
                Holds::FlatColumn
            } else {
                Holds::Form(Form::Exact)
            };
            self.printer.define(leaf, &python_name(&symbol), holds);
        }
        let forward = self.forward_body()?;
        let loss = self.loss()?;
        let (backward, cache) = self.backward()?;
        let forward = self.forward(forward, &cache);

        let mut parts = vec![self.header()];
        parts.extend(
            self.printer
                .helpers
                .iter()
                .map(|h| h.definition(self.framework())),
        );
        parts.push(self.init_params());
        parts.push(forward);
        parts.push(loss);
        parts.push(backward);
        parts.push(self.sgd_step());
        if self.framework() == Framework::Pytorch {
            parts.push(pytorch::train_step(
                self.has_masks(),
                self.weight_decay().is_some(),
            ));
        }
        parts.push(self.random_batch());
        parts.extend(self.framework().test_functions().map(String::from));
        parts.push(self.self_test());
        parts.push("if __name__ == \"__main__\":\n    sys.exit(self_test())\n".into());
        Ok(parts.join("\n\n"))
    }

    fn has_masks(&self) -> bool {
        self.derivation.network.masks().next().is_some()
    }

    fn weight_decay(&self) -> Option<f64> {
        self.derivation.network.weight_decay.map(|c| c.value())
    }

    fn header(&self) -> String {
        let network = &self.derivation.network;
        let convention = network.convention;
        let layout = match (convention.samples_as_rows(), self.options.batch) {
            (true, true) => "x of shape (N, n), a sample a row",
            (false, true) => "x of shape (n, N), a sample a column",
            (_, false) => "x of shape (n,), one sample",
        };
        let weights = if convention.weights_in_by_out() {
            "W of shape (in, out)"
        } else {
            "W of shape (out, in), as nn.Linear stores it"
        };
        let one_sample = if self.options.batch {
            "The loss is the mean over the N samples of the batch."
        } else {
            "One sample is computed as a batch of one (N = 1): the formulas are derive's\n\
             mini-batch ones, which for N = 1 are the one sample's."
        };
        let spec: Vec<String> = network.spec.layers.iter().map(|l| l.kind.name()).collect();
        let mut text = format!(
            "\"\"\"The forward and backward pass of {} with loss {}.\n\n\
             Written by `{}`\n\
             from derive's simplified closed forms.\n\n\
             Convention {}: {layout};\n{weights}; b of shape (out,).\n{one_sample}\n\
             Every line of forward, loss and backward is one of derive's formulas, printed on the\n\
             line above it; backward writes each Δ (delta) through the next by name, so nothing\n\
             is computed twice. No autograd, no finite differences.\n\n\
             Run it to test the gradients against {}.\n\"\"\"\n\n",
            spec.join(">"),
            network.loss.name(),
            self.options.command,
            convention.style.name(),
            self.framework().reference()
        );
        text.push_str(self.framework().imports());
        text.push_str("\n\n");
        let sizes: Vec<String> = self
            .sizes()
            .into_iter()
            .map(|(name, size)| format!("\"{name}\": {size}"))
            .collect();
        text.push_str(&format!(
            "# The sizes of the self-test, derive's default --dims.\nSIZES = {{{}}}\n",
            sizes.join(", ")
        ));
        let keys: Vec<String> = network
            .parameters
            .iter()
            .map(|p| format!("\"{}\"", p.symbol.key()))
            .collect();
        let trailing = if keys.len() == 1 { "," } else { "" };
        text.push_str(&format!(
            "# The parameters, in the order the layers apply them (and nn.Sequential lists them).\n\
             PARAMETERS = ({}{trailing})\n",
            keys.join(", ")
        ));
        if let Some(lambda) = self.weight_decay() {
            text.push_str(&format!(
                "# λ: the loss adds (λ/2) Σₖ ‖W⁽ᵏ⁾‖², over the weights only.\nWEIGHT_DECAY = {}\n",
                number(lambda)
            ));
        }
        text
    }

    /// The sizes the self-test runs at: derive's defaults, without N for one sample.
    fn sizes(&self) -> Vec<(String, usize)> {
        let network = &self.derivation.network;
        default_sizes(network)
            .entries()
            .iter()
            .filter(|(name, _)| {
                self.options.batch
                    || Some(name.as_str()) != network.samples.as_ref().map(|n| n.name())
            })
            .cloned()
            .collect()
    }

    /// A shape as a Python tuple of sizes, without N for one sample.
    fn size_tuple(&self, shape: &Shape) -> String {
        let samples = self.derivation.network.samples.as_ref();
        let sides: Vec<String> = [&shape.rows, &shape.cols]
            .into_iter()
            .filter(|d| !d.is_one() && (self.options.batch || Some(*d) != samples))
            .map(|d| format!("sizes[\"{}\"]", d.name()))
            .collect();
        match sides.len() {
            1 => sides[0].clone(),
            _ => format!("({})", sides.join(", ")),
        }
    }

    fn init_params(&self) -> String {
        let network = &self.derivation.network;
        let mut lines = vec![
            "rng = np.random.default_rng(seed)".to_string(),
            "params = {}".to_string(),
        ];
        let mut keep = 1.0;
        for (index, layer) in network.layers.iter().enumerate() {
            if let LayerKind::Dropout(dropout) = layer.kind {
                keep *= dropout.keep_probability();
            }
            for parameter in network.parameters.iter().filter(|p| p.layer == index) {
                let key = parameter.symbol.key();
                let shape = self.size_tuple(self.arena.shape(parameter.leaf));
                let (low, high) = match parameter.symbol {
                    Symbol::Weight(_) => {
                        let in_by_out = network.convention.weights_in_by_out();
                        let leaf_shape = self.arena.shape(parameter.leaf);
                        let fan_in = if in_by_out {
                            &leaf_shape.rows
                        } else {
                            &leaf_shape.cols
                        };
                        lines.push(format!(
                            "a = min(1.0, ({} / sizes[\"{}\"]) ** 0.5)",
                            number(3.0 * keep),
                            fan_in.name()
                        ));
                        ("-a".to_string(), "a".to_string())
                    }
                    Symbol::Gamma(_) => ("0.5".into(), "1.5".into()),
                    _ => ("-1.0".into(), "1.0".into()),
                };
                lines.push(format!(
                    "params[\"{key}\"] = rng.uniform({low}, {high}, size={shape})"
                ));
            }
            if layer.kind == LayerKind::Linear {
                keep = 1.0;
            }
        }
        lines.push(self.framework().convert_params());
        function(
            "init_params(sizes, seed)",
            "The parameters drawn as derive's check draws them, in the convention's shapes.\n\n    \
             W⁽ᵏ⁾ uniform in [−a, a) with a = min(1, √(3/fan-in)), fan-in the size of its input\n    \
             (LeCun's uniform; 3 times the keep probability 1 − p of a dropout layer just before\n    \
             it), biases and β uniform in [−1, 1), γ in [0.5, 1.5); float64, from NumPy's\n    \
             default_rng(seed). sizes maps derive's dimension names to sizes, as SIZES does.",
            &lines,
        )
    }

    /// The named values of the forward pass, in the order they are computed: all that ŷ
    /// depends on, by id (a name is made after everything its definition refers to).
    fn forward_values(&self) -> Vec<ExprId> {
        let mut found = BTreeSet::new();
        let mut seen = FxHashSet::default();
        let mut stack = vec![self.derivation.network.yhat];
        while let Some(id) = stack.pop() {
            if !seen.insert(id) {
                continue;
            }
            match self.arena.node(id) {
                Node::Named(_) => {
                    let info = self.arena.named(id).expect("a named node");
                    if matches!(info.role, Role::Value | Role::Statistic) {
                        found.insert(id);
                        stack.push(info.definition);
                    }
                }
                _ => stack.extend(self.arena.operands(id).iter().copied()),
            }
        }
        found.into_iter().collect()
    }

    fn formula(&self, symbol: &Symbol, definition: ExprId) -> String {
        format!(
            "{} = {}",
            symbol.text(),
            expression::flat(&self.text.doc(definition))
        )
    }

    /// The forward pass's lines: every named value, in order.
    fn forward_body(&mut self) -> Result<(Vec<String>, Vec<String>), Unprintable> {
        self.printer.start_function();
        let mut lines = Vec::new();
        for id in self.forward_values() {
            let info = self.arena.named(id).expect("a named value").clone();
            let printed = self
                .printer
                .print_exact(info.definition, false)
                .or_else(|_| {
                    // A value that is a broadcast (a statistic, say) is kept in its broadcast form.
                    self.printer.print(info.definition, false)
                })?;
            let name = python_name(&info.symbol);
            lines.push(format!("# {}", self.formula(&info.symbol, info.definition)));
            lines.push(format!("{name} = {}", printed.code));
            self.printer.define(id, &name, Holds::Form(printed.form));
        }
        let mut masks = self.mask_sources();
        masks.iter_mut().for_each(|m| m.reshape = true);
        let preamble = self.preamble(
            &["x"],
            &[("params", self.parameter_sources()), ("masks", masks)],
        );
        Ok((preamble, lines))
    }

    fn forward(&self, (preamble, body): (Vec<String>, Vec<String>), cache: &[String]) -> String {
        let mut lines = preamble;
        lines.extend(body);
        let entries: Vec<String> = cache.iter().map(|n| format!("\"{n}\": {n}")).collect();
        lines.push(format!("cache = {{{}}}", entries.join(", ")));
        let output = match (self.options.batch, self.samples_as_rows()) {
            (true, _) => "yhat",
            (false, true) => "yhat[0]",
            (false, false) => "yhat[:, 0]",
        };
        lines.push(format!("return {output}, cache"));
        let (signature, masks) = if self.has_masks() {
            (
                "forward(params, x, masks)",
                "\n\n    masks maps m1, m2, … to the dropout layers' masks of 0s and 1s, each shaped as\n    \
                 its layer's input.",
            )
        } else {
            ("forward(params, x)", "")
        };
        function(
            signature,
            &format!("The forward pass: ŷ, and a cache of the values backward reads.{masks}"),
            &lines,
        )
    }

    fn loss(&mut self) -> Result<String, Unprintable> {
        let network = &self.derivation.network;
        let definition = self
            .arena
            .named(network.loss_value)
            .expect("the named loss")
            .definition;
        self.printer.start_function();
        let printed = self.printer.print(definition, false)?;
        let formula = self.formula(&Symbol::Loss, definition);
        let mut lines = self.preamble(&["yhat", "y"], &[("params", self.parameter_sources())]);
        lines.push(format!("# {formula}"));
        lines.push(format!("return {}", printed.code));
        let signature = if self.weight_decay().is_some() {
            "loss(yhat, y, params)"
        } else {
            "loss(yhat, y)"
        };
        let mean = if self.options.batch {
            "the mean of the samples' losses"
        } else {
            "the sample's loss"
        };
        Ok(function(signature, &format!("ℓ, {mean}."), &lines))
    }

    /// The backward pass, and the names of the values it reads from the cache.
    fn backward(&mut self) -> Result<(String, Vec<String>), Unprintable> {
        let derivation = self.derivation;
        self.printer.start_function();
        // Every Δ the gradients need, through the Δs they are written in.
        let positions: FxHashMap<&Symbol, usize> = derivation
            .signals
            .iter()
            .enumerate()
            .map(|(index, s)| (&s.symbol, index))
            .collect();
        let signal_of = |symbol: &Symbol| positions[symbol];
        let mut needed: FxHashMap<usize, ExprId> = FxHashMap::default();
        let mut stack: Vec<ExprId> = derivation.gradients.iter().map(|g| g.closed_form).collect();
        let mut seen = FxHashSet::default();
        while let Some(id) = stack.pop() {
            if !seen.insert(id) {
                continue;
            }
            match self.arena.named(id) {
                Some(info) if info.role == Role::Signal => {
                    let index = signal_of(&info.symbol);
                    needed.insert(index, id);
                    stack.push(derivation.signals[index].closed_form);
                }
                Some(_) => {}
                None => stack.extend(self.arena.operands(id).iter().copied()),
            }
        }
        let mut body = Vec::new();
        for (index, signal) in derivation.signals.iter().enumerate() {
            let Some(&named) = needed.get(&index) else {
                continue;
            };
            let printed = self.printer.print(signal.closed_form, false)?;
            let name = python_name(&signal.symbol);
            body.push(format!(
                "# {}",
                self.formula(&signal.symbol, signal.closed_form)
            ));
            body.push(format!("{name} = {}", printed.code));
            self.printer.define(named, &name, Holds::Form(printed.form));
        }
        let mut returned = Vec::new();
        for gradient in &derivation.gradients {
            let flat = self.arena.shape(gradient.leaf).cols.is_one();
            let code = if flat {
                let printed = self.printer.print(gradient.closed_form, true)?;
                match printed.form {
                    Form::Flat => printed.code,
                    Form::Exact => format!("{}[0]", printed.code),
                    _ => {
                        return Err(Unprintable(format!(
                            "{} as a broadcast",
                            gradient.symbol.text()
                        )));
                    }
                }
            } else {
                self.printer.print_exact(gradient.closed_form, false)?.code
            };
            let name = python_name(&gradient.symbol);
            body.push(format!(
                "# {}",
                self.formula(&gradient.symbol, gradient.closed_form)
            ));
            body.push(format!("{name} = {code}"));
            returned.push(format!("\"{}\": {name}", gradient.parameter.key()));
        }
        body.push(format!("return {{{}}}", returned.join(", ")));

        let network = &derivation.network;
        let mut cached = vec![Source {
            name: "x".into(),
            id: network.x,
            reshape: false,
        }];
        cached.extend(self.forward_values().into_iter().map(|id| Source {
            name: python_name(&self.arena.named(id).expect("a named value").symbol),
            id,
            reshape: false,
        }));
        cached.extend(self.mask_sources());
        let used = self.printer.used().clone();
        let cache: Vec<String> = cached
            .iter()
            .filter(|s| used.contains(&s.id))
            .map(|s| s.name.clone())
            .collect();
        let mut lines = self.preamble(
            &["y"],
            &[("params", self.parameter_sources()), ("cache", cached)],
        );
        lines.extend(body);
        let text = function(
            "backward(params, cache, y)",
            "The gradient of ℓ with respect to every parameter, keyed as PARAMETERS, from\n    \
             derive's closed forms: each Δ written through the next, then each gradient.",
            &lines,
        );
        Ok((text, cache))
    }

    /// The one-sample reshape of an argument into the batch of one.
    fn as_batch(&self, code: &str) -> String {
        if self.samples_as_rows() {
            format!("{code}[None, :]")
        } else {
            format!("{code}[:, None]")
        }
    }

    /// The lines that read the variables a function's body uses from its arguments (reshaping
    /// one sample into the batch of one), and define the sizes it divides by.
    fn preamble(&mut self, arguments: &[&str], sources: &[(&str, Vec<Source>)]) -> Vec<String> {
        let (used, dims) = self.printer.finish_function();
        let mut lines = Vec::new();
        let mut available: Vec<(String, ExprId)> = Vec::new();
        if !self.options.batch {
            let side = if self.samples_as_rows() {
                "row"
            } else {
                "column"
            };
            lines.push(format!("# One sample, as the batch of one: a {side}."));
        }
        for name in arguments {
            let id = self.input_named(name).expect("an argument is an input");
            if !self.options.batch {
                lines.push(format!("{name} = {}", self.as_batch(name)));
            }
            available.push((name.to_string(), id));
        }
        for (container, entries) in sources {
            for source in entries.iter().filter(|s| used.contains(&s.id)) {
                let read = format!("{container}[\"{}\"]", source.name);
                let read = if source.reshape && !self.options.batch {
                    self.as_batch(&read)
                } else {
                    read
                };
                lines.push(format!("{} = {read}", source.name));
                available.push((source.name.clone(), source.id));
            }
        }
        for dim in dims {
            lines.push(self.size_of(&dim, &available));
        }
        lines
    }

    fn sgd_step(&self) -> String {
        function(
            "sgd_step(params, grads, lr)",
            "One step of gradient descent: θ ← θ − lr ∂ℓ/∂θ for every parameter θ.",
            &["return {key: params[key] - lr * grads[key] for key in PARAMETERS}".into()],
        )
    }

    /// A random batch drawn as derive's check draws one, converted to the framework's arrays.
    fn random_batch(&self) -> String {
        let network = &self.derivation.network;
        let mut lines = vec![
            "rng = np.random.default_rng(seed)".to_string(),
            format!(
                "x = rng.uniform(-1.0, 1.0, size={})",
                self.size_tuple(self.arena.shape(network.x))
            ),
        ];
        let y_shape = self.arena.shape(network.y);
        let size = self.size_tuple(y_shape);
        let classes = if self.samples_as_rows() { "-1" } else { "0" };
        let outputs = if self.samples_as_rows() {
            &y_shape.cols
        } else {
            &y_shape.rows
        };
        let (y, y_doc) = match network.loss.target_domain() {
            TargetDomain::Real => (
                format!("y = rng.uniform(-1.0, 1.0, size={size})"),
                "uniform in [−1, 1)",
            ),
            TargetDomain::Probability => (
                format!("y = rng.uniform(0.0, 1.0, size={size})"),
                "uniform in [0, 1)",
            ),
            TargetDomain::Distribution => (
                format!(
                    "y = rng.uniform(0.0, 1.0, size={size})\ny = y / y.sum(axis={classes}, keepdims=True)"
                ),
                "a distribution over the classes",
            ),
            TargetDomain::OneHot => {
                let k = format!("sizes[\"{}\"]", outputs.name());
                let code = match (self.options.batch, self.samples_as_rows()) {
                    (false, _) => format!("y = np.eye({k})[rng.integers({k})]"),
                    (true, true) => {
                        format!("y = np.eye({k})[rng.integers({k}, size=sizes[\"N\"])]")
                    }
                    (true, false) => {
                        format!("y = np.eye({k})[rng.integers({k}, size=sizes[\"N\"])].T")
                    }
                };
                (code, "one-hot at a random class")
            }
        };
        lines.push(y);
        let mut mask_entries = Vec::new();
        for layer in &network.layers {
            if let (LayerKind::Dropout(dropout), Some(mask)) = (layer.kind, layer.mask) {
                let name = python_name(&leaf_symbol(self.arena, mask));
                mask_entries.push(format!(
                    "\"{name}\": (rng.uniform(0.0, 1.0, size={}) < {}) * 1.0",
                    self.size_tuple(self.arena.shape(mask)),
                    number(dropout.keep_probability())
                ));
            }
        }
        let convert = |name: &str| self.framework().array(name);
        if mask_entries.is_empty() {
            lines.push(format!("return {}, {}", convert("x"), convert("y")));
        } else {
            lines.push(format!("masks = {{{}}}", mask_entries.join(", ")));
            lines.push(format!(
                "return {}, {}, {{key: {} for key, mask in masks.items()}}",
                convert("x"),
                convert("y"),
                convert("mask")
            ));
        }
        let masks = if mask_entries.is_empty() {
            ""
        } else {
            ", each dropout mask 1 with the keep probability 1 − p"
        };
        function(
            "random_batch(sizes, seed)",
            &format!("x uniform in [−1, 1), y {y_doc}{masks}; float64."),
            &lines,
        )
    }

    fn self_test(&self) -> String {
        let masks = self.has_masks();
        let (batch, masks_argument) = if masks {
            ("x, y, masks", ", masks")
        } else {
            ("x, y", "")
        };
        let mut lines: Vec<String> = self
            .framework()
            .test_setup()
            .map(String::from)
            .into_iter()
            .collect();
        lines.extend([
            "params = init_params(SIZES, seed)".to_string(),
            format!("{batch} = random_batch(SIZES, seed + 1)"),
        ]);
        lines.extend(
            self.framework()
                .reference_gradients(masks_argument, self.weight_decay().is_some()),
        );
        lines.push("largest = max(float(abs(reference[key]).max()) for key in PARAMETERS)".into());
        lines.push("errors = []".into());
        lines.push("for key in PARAMETERS:".into());
        lines.push(
            "    scale = max(float(abs(reference[key]).max()), 1e-3 * largest, 1e-300)".into(),
        );
        lines.push(
            "    errors.append(float(abs(grads[key] - reference[key]).max()) / scale)".into(),
        );
        lines.push(
            "# np.max, unlike max, keeps a NaN: a gradient that is not a number fails.".into(),
        );
        lines.push("error = float(np.max(errors))".into());
        lines.push(format!(
            "print(f\"largest relative error against {}: {{error:.3g}}\")",
            self.framework().reference()
        ));
        lines.push("return 0 if error <= 1e-6 else 1".into());
        function(
            "self_test(seed=0)",
            &format!(
                "backward's gradients against {} at a random point, in float64.\n\n    \
                 Each gradient's error is relative to its largest entry (or to a thousandth of the\n    \
                 largest entry of all, for a gradient that is 0, as a bias before batchnorm has).\n    \
                 Gives the exit status: 0 if the largest error is at most 1e-6, else 1 (NaN too).",
                self.framework().reference()
            ),
            &lines,
        )
    }

    fn input_named(&self, name: &str) -> Option<ExprId> {
        let network = &self.derivation.network;
        network
            .inputs()
            .into_iter()
            .find(|(symbol, _)| python_name(symbol) == name)
            .map(|(_, id)| id)
            .or((name == "yhat").then_some(network.yhat))
    }

    /// `N = y.shape[0]`: a size read from an array that has it.
    fn size_of(&self, dim: &Dim, available: &[(String, ExprId)]) -> String {
        for (name, id) in available {
            let shape = self.arena.shape(*id);
            let flat = shape.cols.is_one();
            if shape.rows == *dim {
                return format!("{} = {name}.shape[0]", dim.name());
            }
            if !flat && shape.cols == *dim {
                return format!("{} = {name}.shape[1]", dim.name());
            }
        }
        unreachable!("every dimension is a side of an input or parameter")
    }

    fn parameter_sources(&self) -> Vec<Source> {
        self.derivation
            .network
            .parameters
            .iter()
            .map(|p| Source {
                name: python_name(&p.symbol),
                id: p.leaf,
                reshape: false,
            })
            .collect()
    }

    fn mask_sources(&self) -> Vec<Source> {
        self.derivation
            .network
            .masks()
            .map(|id| Source {
                name: python_name(&leaf_symbol(self.arena, id)),
                id,
                reshape: false,
            })
            .collect()
    }
}

/// A function: its signature, a docstring and its body, indented.
fn function(signature: &str, doc: &str, body: &[String]) -> String {
    // A docstring of several lines closes on a line of its own.
    let close = if doc.contains('\n') { "\n    " } else { "" };
    let mut text = format!("def {signature}:\n    \"\"\"{doc}{close}\"\"\"\n");
    for line in body {
        for part in line.lines() {
            if part.is_empty() {
                text.push('\n');
            } else {
                text.push_str("    ");
                text.push_str(part);
                text.push('\n');
            }
        }
    }
    text
}

fn leaf_symbol(arena: &Arena, id: ExprId) -> Symbol {
    match arena.node(id) {
        Node::Leaf(symbol) => symbol.clone(),
        _ => unreachable!("an input is a leaf"),
    }
}

/// The Python name of a symbol: x, y, yhat, z3, W1, b1, m1, gamma1, mu1, zhat1, delta3,
/// delta_yhat, dW1.
pub fn python_name(symbol: &Symbol) -> String {
    match symbol {
        Symbol::Samples(inner) => python_name(inner),
        Symbol::Delta(inner) => match python_name(inner).as_str() {
            hidden
                if hidden.starts_with('z') && hidden[1..].chars().all(|c| c.is_ascii_digit()) =>
            {
                format!("delta{}", &hidden[1..])
            }
            other => format!("delta_{other}"),
        },
        Symbol::Partial(of, by) if **of == Symbol::Loss => format!("d{}", python_name(by)),
        other => other.key(),
    }
}
