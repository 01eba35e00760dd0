//! The model language (grammar/model.pest): bindings such as
//! `h = relu(linear(x)); yhat = linear(h) + x`, read into a `Spec`.
//!
//! Every layer applied and every `+`, `-` or `.*` between two values is a node, numbered in the
//! order a left-to-right evaluation reaches it (innermost first, bindings in order), and a
//! binding names the node it binds (`h` rather than z₂). A model whose nodes each take the one
//! before, once, is that chain: `yhat = linear(relu(linear(x)))` is `linear > relu > linear`.
//! Any other is a graph, each node with the values it takes (`LayerSpec::operands`): with
//! weights of the model's own (`W*h + b`, `W'*h`), constants on a value (`0.5*h`, `1 - g`),
//! several inputs (x1, x2, …) and an objective written as a last binding `loss = …`
//! (spec/objective.rs). What derive does not take (a product of two values, a transposed value,
//! a constant added to one) is refused where the model does it, with what derive takes there.

use pest::Parser;
use pest::error::InputLocation;
use pest::iterators::Pair;
use pest_derive::Parser;

use crate::error::SpecError;
use crate::math::coef::Coef;
use crate::math::symbol::Symbol;
use crate::network::affine::{Affine, OwnParameter};
use crate::network::combine::Combine;
use crate::network::layer::LayerKind;
use crate::network::scalar::Scalar;
use crate::spec::objective::exact;
use crate::spec::objective::{self, Objective};
use crate::spec::suggest::did_you_mean;
use crate::spec::{LayerSpec, MAX_LAYERS, Operand, Spec, layer_error, read_number};

#[derive(Parser)]
#[grammar = "../grammar/model.pest"]
struct ModelParser;

/// The deepest nesting of parentheses a model may have, refused before parsing beyond it: the
/// parser and the reading of its tree recurse once per level.
pub const MAX_NESTING: usize = 256;

/// The most inputs a model may take, x1 to x64.
pub const MAX_INPUTS: usize = 64;

/// Whether a spec is written in the model language rather than as a chain: it binds a name.
pub fn is_model(text: &str) -> bool {
    text.contains('=')
}

/// What a model can do that a chain cannot: said where the model does it.
const GRAPHS_NOT_YET: &str = "models are derived with layers, `+`, `-` and `.*` between values \
     (residual connections, gates), weights of the model's own (`W*h + b`, shared or \
     transposed as `W'*h`), a constant scaling a value (`0.5*h`) or `1 - v`, inputs x1, x2, \
     … and an objective `loss = …`; a product of two values, a transposed value and a \
     constant added to a value are not derived yet";
const CHAIN_EXPECTED: &str = "layers applied to x and to bound names, combined by `+`, `-` or `.*`, \
     or weights of the model's own, as in `h = relu(linear(x)); yhat = linear(h) + x` or \
     `h = sigmoid(W*x + b); yhat = W'*h + c`";

pub fn parse_model(text: &str) -> Result<Spec, SpecError> {
    check_nesting(text)?;
    let mut pairs = ModelParser::parse(Rule::model, text).map_err(|e| syntax_error(text, e))?;
    let model = pairs.next().expect("the model rule always yields one pair");
    let mut reader = Reader {
        text,
        bindings: Vec::new(),
        layers: Vec::new(),
        normalized: Vec::new(),
        own: Vec::new(),
        first_input: None,
        binding_now: String::new(),
    };
    let bindings: Vec<Pair<Rule>> = model
        .into_inner()
        .filter(|p| p.as_rule() == Rule::binding)
        .collect();
    let count = bindings.len();
    let mut objective = None;
    for (i, binding) in bindings.into_iter().enumerate() {
        if let Some(read) = reader.binding(binding, i + 1 == count)? {
            objective = Some(read);
        }
    }
    let output = reader.bindings.pop().expect("a model has a binding");
    if let Some(unused) = reader.bindings.iter().find(|b| !b.used) {
        return Err(reader.error(
            unused.span,
            format!(
                "`{}` is bound but never used: it does not reach the output",
                unused.name
            ),
            format!(
                "`{}` used by a later binding, or the binding left out",
                unused.name
            ),
        ));
    }
    let mut layers = reader.layers;
    // Every binding applies a node of its own (`Reader::binding`), so the output's is the last.
    debug_assert_eq!(output.value, Operand::Layer(layers.len() - 1));
    if let Some(last) = layers.last_mut() {
        // The output is ŷ, whatever its binding calls it.
        last.name = None;
    }
    if layers.len() > MAX_LAYERS {
        return Err(SpecError {
            spec: text.to_string(),
            span: (0, text.trim_end().len()),
            message: format!(
                "the model has {} nodes; at most {MAX_LAYERS} are supported",
                layers.len()
            ),
            expected: format!("at most {MAX_LAYERS} nodes"),
            help: None,
        });
    }
    // A model of layers of the chain syntax alone, each taking the one before, is that chain.
    let of_the_chain_syntax = |kind: LayerKind| {
        !matches!(
            kind,
            LayerKind::Combine(_) | LayerKind::Affine(_) | LayerKind::Scalar(_)
        )
    };
    let is_chain = layers.iter().enumerate().all(|(i, layer)| {
        let previous = if i == 0 {
            Operand::Input
        } else {
            Operand::Layer(i - 1)
        };
        of_the_chain_syntax(layer.kind) && layer.operands.as_deref() == Some(&[previous][..])
    }) && uses_each_once(&layers);
    // An objective written out is the model's own, not --loss's.
    let is_chain = is_chain && objective.is_none();
    let model = if is_chain {
        for layer in &mut layers {
            layer.operands = None;
        }
        None
    } else {
        Some(reader.normalized.join("; "))
    };
    Ok(Spec {
        text: text.to_string(),
        layers,
        weight_decay: None,
        model,
        own: reader.own,
        objective,
    })
}

/// Whether every node's output is taken once (a chain's are; a residual connection takes one
/// twice).
fn uses_each_once(layers: &[LayerSpec]) -> bool {
    let mut uses = vec![0usize; layers.len()];
    for layer in layers {
        for operand in layer.operands.iter().flatten() {
            if let Operand::Layer(i) = operand {
                uses[*i] += 1;
            }
        }
    }
    uses.iter()
        .take(layers.len().saturating_sub(1))
        .all(|n| *n == 1)
}

/// A binding read so far: its name, where it stands, the value it binds, and whether a later
/// binding uses it.
struct Bound {
    name: String,
    span: (usize, usize),
    value: Operand,
    used: bool,
}

struct Reader<'t> {
    text: &'t str,
    bindings: Vec<Bound>,
    /// Every node so far, in evaluation order.
    layers: Vec<LayerSpec>,
    /// Each binding's text with its spaces collapsed, for the title of a graph.
    normalized: Vec<String>,
    /// The parameters the model names itself, in order of first use.
    own: Vec<OwnParameter>,
    /// Whether the first input used was numbered (x1 rather than x), and where it stands.
    first_input: Option<(bool, (usize, usize))>,
    /// The name the binding being read binds.
    binding_now: String,
}

fn span_of(pair: &Pair<Rule>) -> (usize, usize) {
    (pair.as_span().start(), pair.as_span().end())
}

impl Reader<'_> {
    fn error(&self, span: (usize, usize), message: String, expected: String) -> SpecError {
        SpecError::at(self.text, span, message, expected)
    }

    /// The refusal of a construct that makes the model a graph.
    fn graph(&self, span: (usize, usize), what: String) -> SpecError {
        let mut error = self.error(span, what, CHAIN_EXPECTED.to_string());
        error.help = Some(GRAPHS_NOT_YET.to_string());
        error
    }

    /// Reads a binding; the last may be the objective, which is given back.
    fn binding(&mut self, pair: Pair<Rule>, last: bool) -> Result<Option<Objective>, SpecError> {
        // In ASCII, as the title and the legend print it: ᵀ as ', ⊙ as .*, and without the
        // comment the binding's text may run into (pest's span takes the trivia after it).
        let code: String = pair
            .as_str()
            .lines()
            .map(|line| line.split('#').next().unwrap_or(""))
            .collect::<Vec<_>>()
            .join(" ");
        let ascii = code.replace('ᵀ', "'").replace('⊙', ".*");
        self.normalized
            .push(ascii.split_whitespace().collect::<Vec<_>>().join(" "));
        let mut inner = pair.into_inner();
        let name_pair = inner.next().expect("a binding starts with its name");
        let name = name_pair.as_str().to_string();
        let name_span = span_of(&name_pair);
        inner.next().expect("then `=`");
        let expression = inner.next().expect("then its expression");
        if name == "loss" || name == "ℓ" {
            return self.objective(name_span, expression, last).map(Some);
        }
        if is_data(&name) {
            let role = if name == "y" {
                "the target"
            } else {
                "an input"
            };
            return Err(self.error(
                name_span,
                format!("`{name}` is {role}; it cannot be bound"),
                "a name of your own for the value, such as `h` or `yhat`".into(),
            ));
        }
        if let Some(first) = self.bindings.iter().find(|b| b.name == name) {
            let mut error = self.error(
                name_span,
                format!("`{name}` is bound twice"),
                format!("a name not bound before, or `{name}`'s first binding alone"),
            );
            error.help = Some(format!(
                "`{name}` is first bound at line {}",
                line_of(self.text, first.span.0)
            ));
            return Err(error);
        }
        let nodes_before = self.layers.len();
        self.binding_now.clone_from(&name);
        let value = self.expression(expression)?;
        match value {
            Operand::Layer(i) if i >= nodes_before => self.layers[i].name = Some(name.clone()),
            _ => {
                return Err(self.error(
                    name_span,
                    format!("`{name}` binds a value without applying a layer to it"),
                    "a layer or an operator applied to it, as in `h = relu(linear(x))`".into(),
                ));
            }
        }
        self.bindings.push(Bound {
            name,
            span: name_span,
            value,
            used: false,
        });
        Ok(None)
    }

    /// The objective `loss = …`: the last binding, after the output's.
    fn objective(
        &self,
        name_span: (usize, usize),
        expression: Pair<Rule>,
        last: bool,
    ) -> Result<Objective, SpecError> {
        if !last {
            return Err(self.error(
                name_span,
                "the objective is bound before the end of the model".into(),
                "the objective as the last binding, after the output's".into(),
            ));
        }
        let Some(output) = self.bindings.last() else {
            return Err(self.error(
                name_span,
                "the objective comes before any value of the model".into(),
                "the output bound first, as `yhat = linear(x); loss = mse(yhat, y)`".into(),
            ));
        };
        let count =
            |kind: fn(&LayerKind) -> bool| self.layers.iter().filter(|l| kind(&l.kind)).count();
        let linear = count(|k| *k == LayerKind::Linear);
        let normalizations = count(|k| matches!(k, LayerKind::Normalization(_)));
        let mut parameters: Vec<(String, Symbol)> = Vec::new();
        for k in 1..=linear {
            parameters.push((format!("W{k}"), Symbol::Weight(k)));
            parameters.push((format!("b{k}"), Symbol::Bias(k)));
        }
        for k in 1..=normalizations {
            parameters.push((format!("gamma{k}"), Symbol::Gamma(k)));
            parameters.push((format!("beta{k}"), Symbol::Shift(k)));
        }
        for own in &self.own {
            let symbol = Symbol::Own {
                name: own.name.as_str().into(),
                weight: own.weight,
            };
            parameters.push((own.name.clone(), symbol));
        }
        let model = objective::Model {
            text: self.text,
            output: &output.name,
            parameters,
        };
        objective::read_objective(&model, expression)
    }

    /// A new node taking `operands`; the value it gives.
    fn node(&mut self, kind: LayerKind, span: (usize, usize), operands: Vec<Operand>) -> Operand {
        self.layers.push(LayerSpec {
            kind,
            span,
            name: None,
            operands: Some(operands),
        });
        Operand::Layer(self.layers.len() - 1)
    }

    /// The value an expression gives, its nodes added in evaluation order.
    fn expression(&mut self, pair: Pair<Rule>) -> Result<Operand, SpecError> {
        match pair.as_rule() {
            Rule::expression => {
                let first_node = self.layers.len();
                let mut inner = pair.into_inner();
                let first = inner.next().expect("an operand");
                let mut value = match self.constant_term(&first)? {
                    // 1 - v: the complement, one node.
                    Some((c, _))
                        if c.is_one() && inner.peek().is_some_and(|o| o.as_str() == "-") =>
                    {
                        inner.next().expect("the `-`");
                        let right = inner.next().expect("an operand after it");
                        let start = span_of(&first).0;
                        let end = span_of(&right).1;
                        let right = self.expression(right)?;
                        self.node(
                            LayerKind::Scalar(Scalar::OneMinus),
                            (start, end),
                            vec![right],
                        )
                    }
                    Some((_, span)) => return Err(self.constant_added(span)),
                    None => self.expression(first)?,
                };
                while let Some(operator) = inner.next() {
                    let right = inner.next().expect("an operand after it");
                    if let Some((_, span)) = self.constant_term(&right)? {
                        return Err(self.constant_added(span));
                    }
                    // W*h + b: a bias of the model's own joins the affine node just made.
                    if operator.as_str() == "+"
                        && let Some((name, span)) = self.own_name(&right)
                        && let Operand::Layer(i) = value
                        && i >= first_node
                        && let LayerKind::Affine(affine) = self.layers[i].kind
                        && affine.bias.is_none()
                    {
                        let bias = self.own(name, span, false)?;
                        self.layers[i].kind = LayerKind::Affine(Affine {
                            bias: Some(bias),
                            ..affine
                        });
                        self.layers[i].span.1 = span.1;
                        continue;
                    }
                    let combine = match operator.as_str() {
                        "+" => Combine::Sum,
                        _ => Combine::Difference,
                    };
                    let right = self.expression(right)?;
                    value = self.node(
                        LayerKind::Combine(combine),
                        span_of(&operator),
                        vec![value, right],
                    );
                }
                Ok(value)
            }
            Rule::term => {
                let factors: Vec<Pair<Rule>> = pair.into_inner().collect();
                self.term(&factors)
            }
            Rule::factor => {
                let mut inner = pair.into_inner();
                let primary = self.expression(inner.next().expect("a primary"))?;
                if let Some(transpose) = inner.next() {
                    return Err(self.graph(
                        span_of(&transpose),
                        "a transpose of a value or a weight of the model's own".into(),
                    ));
                }
                Ok(primary)
            }
            Rule::group => {
                let inner = pair
                    .into_inner()
                    .next()
                    .expect("a parenthesised expression");
                self.expression(inner)
            }
            Rule::number => Err(self.graph(
                span_of(&pair),
                format!("the constant `{}` scales a value", pair.as_str()),
            )),
            Rule::name => self.name(pair.as_str(), span_of(&pair)),
            Rule::call => self.call(pair),
            other => unreachable!("no expression is a {other:?}"),
        }
    }

    /// The value of a term's factors and the operators between them: `W*h`, `g .* u`, and a
    /// constant that scales the rest, `0.5*h` or `h*0.5`.
    fn term(&mut self, factors: &[Pair<Rule>]) -> Result<Operand, SpecError> {
        let span = (
            span_of(&factors[0]).0,
            span_of(factors.last().expect("a factor")).1,
        );
        if factors.len() > 2
            && factors[1].as_str() == "*"
            && let Some(c) = self.constant_factor(&factors[0])?
        {
            let value = self.term(&factors[2..])?;
            return Ok(self.node(LayerKind::Scalar(scale(&c)), span, vec![value]));
        }
        // W*h or W'*h: a weight of the model's own, then the value it multiplies.
        let (mut value, rest) = if factors.len() > 2
            && factors[1].as_str() == "*"
            && self.constant_factor(&factors[2])?.is_none()
        {
            let (name, name_span, transposed) = self.weight_factor(&factors[0])?;
            let weight = self.own(name, name_span, true)?;
            let input = self.expression(factors[2].clone())?;
            let affine = Affine {
                weight,
                transposed,
                bias: None,
            };
            let node = self.node(
                LayerKind::Affine(affine),
                (span.0, span_of(&factors[2]).1),
                vec![input],
            );
            (node, &factors[3..])
        } else {
            (self.expression(factors[0].clone())?, &factors[1..])
        };
        for pair in rest.chunks(2) {
            let operator = &pair[0];
            if operator.as_str() == "*" {
                // h*c: the constant scales what comes before it.
                if let Some(c) = self.constant_factor(&pair[1])? {
                    let at = (span.0, span_of(&pair[1]).1);
                    value = self.node(LayerKind::Scalar(scale(&c)), at, vec![value]);
                    continue;
                }
                return Err(self.graph(
                    span_of(operator),
                    "`*` multiplies two values; it takes a weight of the model's own or a constant on its left, as in `W*h` or `0.5*h`".into(),
                ));
            }
            let right = self.expression(pair[1].clone())?;
            value = self.node(
                LayerKind::Combine(Combine::Product),
                span_of(operator),
                vec![value, right],
            );
        }
        Ok(value)
    }

    /// The constant a factor is, if it is a number alone, as the exact ratio it writes.
    fn constant_factor(&self, factor: &Pair<Rule>) -> Result<Option<Coef>, SpecError> {
        let mut inner = factor.clone().into_inner();
        let primary = inner.next().expect("a primary");
        if primary.as_rule() != Rule::number || inner.next().is_some() {
            return Ok(None);
        }
        exact(primary.as_str()).map(Some).ok_or_else(|| {
            self.error(
                span_of(&primary),
                format!(
                    "`{}` is not a constant derive keeps exact",
                    primary.as_str()
                ),
                "a decimal whose ratio needs at most 15 digits above and below, as 0.5 or 5e-4"
                    .into(),
            )
        })
    }

    /// The constant a term is, if it is a number alone, with where it stands.
    fn constant_term(&self, term: &Pair<Rule>) -> Result<Option<Placed<Coef>>, SpecError> {
        let factors: Vec<Pair<Rule>> = term.clone().into_inner().collect();
        match &factors[..] {
            [factor] => {
                // The number's own span: a factor's takes the spaces after it.
                let number = factor.clone().into_inner().next().expect("a primary");
                Ok(self.constant_factor(factor)?.map(|c| (c, span_of(&number))))
            }
            _ => Ok(None),
        }
    }

    /// The refusal of a constant added to a value other than `1 - v`.
    fn constant_added(&self, span: (usize, usize)) -> SpecError {
        self.graph(
            span,
            format!(
                "the constant `{}` is added to a value",
                &self.text[span.0..span.1]
            ),
        )
    }

    /// Whether a name stands for a parameter of the model's own: not x, y, a second input or a
    /// bound name.
    fn is_own(&self, name: &str) -> bool {
        !is_data(name) && !self.bindings.iter().any(|b| b.name == name)
    }

    /// The name of a term that is a name alone and a parameter of the model's own (not x, y,
    /// a second input or a bound name): `b` of `W*h + b`.
    fn own_name<'p>(&self, term: &Pair<'p, Rule>) -> Option<(&'p str, (usize, usize))> {
        let factor = term.clone().into_inner().next()?;
        if term.clone().into_inner().count() != 1 || factor.clone().into_inner().count() != 1 {
            return None;
        }
        let primary = factor.into_inner().next()?;
        let name = primary.as_str();
        (primary.as_rule() == Rule::name && self.is_own(name)).then(|| (name, span_of(&primary)))
    }

    /// The weight of `W*h` or `W'*h`: a name of the model's own, transposed an odd number of
    /// times or not.
    fn weight_factor<'p>(
        &self,
        factor: &Pair<'p, Rule>,
    ) -> Result<(&'p str, (usize, usize), bool), SpecError> {
        let mut inner = factor.clone().into_inner();
        let primary = inner.next().expect("a primary");
        let transposes = inner.count();
        let name = primary.as_str();
        if primary.as_rule() == Rule::number {
            return Err(self.graph(
                span_of(&primary),
                format!("the constant `{name}` scales a value"),
            ));
        }
        if primary.as_rule() != Rule::name || !self.is_own(name) {
            return Err(self.graph(
                span_of(&primary),
                format!(
                    "`{}` multiplies a value; `*` takes a weight of the model's own on its left, as in `W*h`",
                    crate::spec::suggest::shorten(primary.as_str())
                ),
            ));
        }
        Ok((name, span_of(&primary), transposes % 2 == 1))
    }

    /// The index of a parameter of the model's own, made at its first use; a weight must stay a
    /// weight and a bias a bias, and the names `linear` makes are its own.
    fn own(&mut self, name: &str, span: (usize, usize), weight: bool) -> Result<usize, SpecError> {
        if is_made_by_a_layer(name) {
            return Err(self.error(
                span,
                format!(
                    "`{name}` is a name `linear` and the normalization layers give their parameters"
                ),
                "another name for a parameter of the model's own, such as `W` or `W_enc`".into(),
            ));
        }
        if LayerKind::names().contains(&name.to_ascii_lowercase().as_str()) {
            return Err(self.error(
                span,
                format!("`{name}` is a layer, not a parameter"),
                format!("the layer applied, as in `{name}(h)`, or another name for the parameter"),
            ));
        }
        match self.own.iter().position(|p| p.name == name) {
            Some(i) if self.own[i].weight == weight => Ok(i),
            Some(i) => {
                let (is, was) = if weight {
                    ("a weight", "a bias")
                } else {
                    ("a bias", "a weight")
                };
                let mut error = self.error(
                    span,
                    format!("`{name}` is used as {is} here but as {was} before"),
                    format!("another name for {is}"),
                );
                error.help = Some(format!(
                    "`{name}` is first used at line {}",
                    line_of(self.text, self.own[i].span.0)
                ));
                Err(error)
            }
            None => {
                self.own.push(OwnParameter {
                    name: name.to_string(),
                    weight,
                    span,
                });
                Ok(self.own.len() - 1)
            }
        }
    }

    fn name(&mut self, name: &str, span: (usize, usize)) -> Result<Operand, SpecError> {
        if name == "x" {
            return self.input(Operand::Input, span);
        }
        if let Some(digits) = name.strip_prefix('x').filter(|_| is_input(name)) {
            let k = digits
                .parse::<usize>()
                .ok()
                .filter(|k| *k >= 1 && !digits.starts_with('0') && *k <= MAX_INPUTS);
            let Some(k) = k else {
                return Err(self.error(
                    span,
                    format!(
                        "`{}` is not an input's name",
                        crate::spec::suggest::shorten(name)
                    ),
                    format!(
                        "x, or x1, x2, … numbered from 1 up to {MAX_INPUTS}, without leading zeros"
                    ),
                ));
            };
            return self.input(Operand::NumberedInput(k), span);
        }
        if name == "y" {
            return Err(self.error(
                span,
                "`y` is the target: it enters only the loss, given by --loss".into(),
                "x or a bound name".into(),
            ));
        }
        if let Some(bound) = self.bindings.iter_mut().find(|b| b.name == name) {
            bound.used = true;
            return Ok(bound.value);
        }
        if name == self.binding_now {
            let bound: Vec<&str> = self.bindings.iter().map(|b| b.name.as_str()).collect();
            return Err(self.error(
                span,
                format!("`{name}` is used in its own binding: a model's values form no cycle"),
                if bound.is_empty() {
                    "x".into()
                } else {
                    format!("x or a name bound above: {}", bound.join(", "))
                },
            ));
        }
        let bound: Vec<&str> = self.bindings.iter().map(|b| b.name.as_str()).collect();
        let later = self.text[span.1..].match_indices(name).find(|(at, _)| {
            let rest = &self.text[span.1 + at + name.len()..];
            rest.trim_start().starts_with('=') && !rest.trim_start().starts_with("==")
        });
        let mut error = self.error(
            span,
            format!(
                "`{}` is not bound before it is used",
                crate::spec::suggest::shorten(name)
            ),
            if bound.is_empty() {
                "x".into()
            } else {
                format!("x or a name bound above: {}", bound.join(", "))
            },
        );
        error.help = if later.is_some() {
            Some(format!(
                "`{name}` is bound later; a binding uses only those above it"
            ))
        } else if let Some(near) = did_you_mean(name, &bound).filter(|_| name.len() >= 3) {
            Some(format!("did you mean `{near}`?"))
        } else if LayerKind::names().contains(&name.to_ascii_lowercase().as_str()) {
            Some(format!("`{name}` is a layer: apply it, as in `{name}(x)`"))
        } else {
            return Err(self.graph(
                span,
                format!(
                    "`{}` is a parameter of the model's own, used here as a value; a weight \
                     multiplies (`W*h`) and a bias is added to that product (`W*h + b`)",
                    crate::spec::suggest::shorten(name)
                ),
            ));
        };
        Err(error)
    }

    /// An input, x or xₖ: a model takes x alone or numbered inputs alone, so that every input
    /// has one name.
    fn input(&mut self, input: Operand, span: (usize, usize)) -> Result<Operand, SpecError> {
        let numbered = input != Operand::Input;
        match self.first_input {
            Some((was_numbered, first)) if was_numbered != numbered => {
                let mut error = self.error(
                    span,
                    format!(
                        "`{}` is used with `{}`: a model takes x alone, or inputs numbered x1, x2, …",
                        &self.text[span.0..span.1],
                        &self.text[first.0..first.1]
                    ),
                    if numbered {
                        "x, as before".into()
                    } else {
                        "a numbered input, x1, x2, …, as before".into()
                    },
                );
                error.help = Some(format!(
                    "`{}` is first used at line {}",
                    &self.text[first.0..first.1],
                    line_of(self.text, first.0)
                ));
                Err(error)
            }
            Some(_) => Ok(input),
            None => {
                self.first_input = Some((numbered, span));
                Ok(input)
            }
        }
    }

    fn call(&mut self, pair: Pair<Rule>) -> Result<Operand, SpecError> {
        let span = span_of(&pair);
        let mut inner = pair.into_inner();
        let name_pair = inner.next().expect("a call starts with its name");
        let name = name_pair.as_str();
        let name_span = span_of(&name_pair);
        let argument = inner.next().expect("then its argument");
        let mut numbers = Vec::new();
        let mut last = span_of(&argument);
        for p in inner {
            match p.as_rule() {
                Rule::expression => {
                    let at = span_of(&p);
                    let Some(number) = number_in(&p) else {
                        return Err(self.graph(
                            at,
                            format!("`{name}` takes a value as its first argument only; the others are numbers"),
                        ));
                    };
                    numbers.push((read_number(self.text, number, at)?, at));
                    last = at;
                }
                Rule::close => last.1 = p.as_span().end(),
                _ => {}
            }
        }
        if crate::network::loss::Loss::from_name(name).is_ok() || name == "sumsq" {
            return Err(self.graph(
                name_span,
                format!("`{name}` is a loss: the objective is given by --loss"),
            ));
        }
        let values: Vec<f64> = numbers.iter().map(|(v, _)| *v).collect();
        let arguments_span = numbers
            .first()
            .map_or(name_span, |(_, first)| (first.0, last.1));
        let kind = LayerKind::from_name(name, (!numbers.is_empty()).then_some(values.as_slice()))
            .map_err(|e| {
            layer_error(self.text, name, name_span, arguments_span, &numbers, e)
        })?;
        let value = self.expression(argument)?;
        Ok(self.node(kind, span, vec![value]))
    }
}

/// A value with where it stands in the text.
type Placed<T> = (T, (usize, usize));

/// c·v for the constant c a model writes.
fn scale(c: &Coef) -> Scalar {
    Scalar::Times {
        num: c.num,
        den: c.den,
    }
}

/// The number an expression is, if it is one alone (`0.1` in `leaky_relu(z, 0.1)`).
fn number_in<'t>(expression: &Pair<'t, Rule>) -> Option<&'t str> {
    let term = expression.clone().into_inner().next()?;
    let factor = term.clone().into_inner().next()?;
    let primary = factor.clone().into_inner().next()?;
    let alone = expression.clone().into_inner().count() == 1
        && term.into_inner().count() == 1
        && factor.into_inner().count() == 1;
    (alone && primary.as_rule() == Rule::number).then(|| primary.as_str())
}

/// W1, b1, gamma1, beta1, m1, z1: the names the layers give what they make.
fn is_made_by_a_layer(name: &str) -> bool {
    ["W", "b", "gamma", "beta", "m", "z"].iter().any(|prefix| {
        name.strip_prefix(prefix)
            .is_some_and(|k| !k.is_empty() && k.bytes().all(|b| b.is_ascii_digit()))
    })
}

/// x, y, and the x1, x2, … of a model with several inputs: the data, never bound.
fn is_data(name: &str) -> bool {
    name == "x" || name == "y" || is_input(name)
}

/// x1, x2, …: the inputs of a model that takes several.
fn is_input(name: &str) -> bool {
    name.strip_prefix('x')
        .is_some_and(|digits| !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
}

/// The line (from 1) of a byte offset.
fn line_of(text: &str, at: usize) -> usize {
    text[..at].matches('\n').count() + 1
}

/// Refuses parentheses nested deeper than `MAX_NESTING`, in a pass over the bytes.
fn check_nesting(text: &str) -> Result<(), SpecError> {
    let mut depth = 0usize;
    for (at, byte) in text.bytes().enumerate() {
        match byte {
            b'(' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Err(SpecError {
                        spec: text.to_string(),
                        span: (at, at + 1),
                        message: format!(
                            "parentheses nested {depth} deep; at most {MAX_NESTING} are supported"
                        ),
                        expected: format!(
                            "at most {MAX_NESTING} levels: name an intermediate with a binding, as in `h = relu(linear(x))`"
                        ),
                        help: None,
                    });
                }
            }
            b')' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

/// pest's error in words: what was found, and what may stand there.
fn syntax_error(text: &str, error: pest::error::Error<Rule>) -> SpecError {
    let start = match error.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((s, _)) => s,
    };
    let mut expected: Vec<&str> = match &error.variant {
        pest::error::ErrorVariant::ParsingError { positives, .. } => {
            positives.iter().map(|r| rule_in_words(*r)).collect()
        }
        pest::error::ErrorVariant::CustomError { .. } => Vec::new(),
    };
    expected.dedup();
    let message = match text[start..].chars().next() {
        Some(c) => format!("unexpected `{}`", c.escape_debug()),
        None => "the model ends early".to_string(),
    };
    let end = start + text[start..].chars().next().map_or(0, char::len_utf8);
    SpecError {
        spec: text.to_string(),
        span: (start, end),
        message,
        expected: if expected.is_empty() {
            "a binding such as `yhat = linear(relu(linear(x)))`".to_string()
        } else {
            expected.join(" or ")
        },
        help: None,
    }
}

fn rule_in_words(rule: Rule) -> &'static str {
    match rule {
        Rule::binding | Rule::name => "a name",
        Rule::equals => "`=`",
        Rule::expression | Rule::term | Rule::factor | Rule::call | Rule::group => {
            "an expression (a layer applied to x or to a bound name)"
        }
        Rule::additive | Rule::multiplicative => "an operator",
        Rule::transpose => "`'`",
        Rule::number => "a number",
        Rule::comma => "`,`",
        Rule::close => "`)`",
        Rule::EOI => "the end of the model, or `;` or a line break before the next binding",
        _ => "a binding",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::parse_spec;

    fn chain(text: &str) -> String {
        parse_model(text).unwrap().normalized()
    }

    #[test]
    fn a_model_that_is_a_chain_reads_as_the_chain() {
        assert_eq!(
            chain("yhat = linear(relu(linear(x)))"),
            "linear > relu > linear"
        );
        let spec = parse_model("h = relu(linear(x)); yhat = linear(h)").unwrap();
        assert_eq!(spec.normalized(), "linear > relu > linear");
        let names: Vec<_> = spec.layers.iter().map(|l| l.name.clone()).collect();
        assert_eq!(names, [None, Some("h".to_string()), None]);
        let file = "# two layers\nh = leaky_relu(linear(x), 0.1)   # the hidden one\n\nyhat = sigmoid(linear(h))\n";
        assert_eq!(chain(file), "linear > leaky_relu(0.1) > linear > sigmoid");
    }

    #[test]
    fn a_graphs_title_leaves_out_comments() {
        let spec =
            parse_model("h = relu(linear(x))   # the block\nyhat = linear(h) + h # é").unwrap();
        assert_eq!(
            spec.normalized(),
            "h = relu(linear(x)); yhat = linear(h) + h"
        );
    }

    #[test]
    fn a_graph_keeps_each_nodes_operands() {
        let spec = parse_model("h = relu(linear(x)); yhat = linear(h) + h").unwrap();
        let operands: Vec<_> = spec
            .layers
            .iter()
            .map(|l| l.operands.clone().unwrap())
            .collect();
        use Operand::{Input, Layer};
        assert_eq!(
            operands,
            [
                vec![Input],
                vec![Layer(0)],
                vec![Layer(1)],
                vec![Layer(2), Layer(1)]
            ]
        );
        assert_eq!(
            spec.normalized(),
            "h = relu(linear(x)); yhat = linear(h) + h"
        );
        assert_eq!(spec.layers[1].name.as_deref(), Some("h"));
        assert_eq!(spec.layers[3].kind, LayerKind::Combine(Combine::Sum));
    }

    #[test]
    fn what_graphs_do_not_do_yet_is_refused_where_it_starts() {
        for (text, at) in [
            ("h = sigmoid(W*x + b); yhat = W'*h + c + W", 40),
            ("h = relu(linear(x)); yhat = h * h", 28),
            ("h = tanh(W*x + W); yhat = linear(h)", 15),
            ("h = relu(linear(x)); yhat = 2 + h", 28),
            ("h = relu(linear(x)); yhat = h - 1", 32),
            ("h = relu(linear(x)); yhat = linear(h)'", 37),
        ] {
            let error = parse_model(text).unwrap_err();
            assert_eq!(error.span.0, at, "{text}: {error}");
            assert!(error.help.is_some(), "{text}");
        }
    }

    #[test]
    fn constants_scale_a_value_or_are_the_one_of_a_complement() {
        let spec = parse_model("h = relu(linear(x)); yhat = 0.5*h + (1 - h)*3").unwrap();
        let kinds: Vec<_> = spec.layers.iter().map(|l| l.kind).collect();
        assert_eq!(
            kinds[2..],
            [
                LayerKind::Scalar(Scalar::Times { num: 1, den: 2 }),
                LayerKind::Scalar(Scalar::OneMinus),
                LayerKind::Scalar(Scalar::Times { num: 3, den: 1 }),
                LayerKind::Combine(Combine::Sum),
            ]
        );
    }

    #[test]
    fn names_are_checked() {
        let twice = parse_model("h = relu(linear(x))\nh = tanh(h)\nyhat = linear(h)").unwrap_err();
        assert!(twice.message.contains("bound twice"), "{twice}");
        let typo = parse_model("hidden = relu(linear(x)); yhat = linear(hiden)").unwrap_err();
        assert_eq!(typo.help.as_deref(), Some("did you mean `hidden`?"));
        let later = parse_model("yhat = linear(h); h = relu(linear(x))").unwrap_err();
        assert!(later.help.unwrap().contains("bound later"));
        let unused = parse_model("h = relu(linear(x)); yhat = linear(x)").unwrap_err();
        assert!(unused.message.contains("never used"), "{unused}");
        let layer = parse_model("yhat = lienar(x)").unwrap_err();
        assert_eq!(layer.span, (7, 13));
    }

    #[test]
    fn deep_nesting_is_refused_before_parsing() {
        let text = format!("yhat = {}x{}", "relu(".repeat(100_000), ")".repeat(100_000));
        let error = parse_spec(&text).unwrap_err();
        assert!(error.message.contains("nested"), "{}", error.message);
        let within = format!("yhat = {}x{}", "relu(".repeat(200), ")".repeat(200));
        assert_eq!(parse_spec(&within).unwrap().layers.len(), 200);
    }
}
