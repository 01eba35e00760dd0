//! Parsing the layer spec (grammar/spec.pest) into a `Spec`, with errors a person can act on.

pub mod input;
pub mod model;
pub mod objective;
pub mod suggest;

use pest::Parser;
use pest::error::{ErrorVariant, InputLocation};
use pest_derive::Parser;

use crate::error::SpecError;
use crate::network::layer::{LayerError, LayerKind};
use crate::spec::suggest::{did_you_mean, from_full_width, look_alike};

/// The longest chain accepted, refused before parsing beyond it. A derivation grows
/// linearly with depth (each row ∂ℓ/∂zᵢ is written through the next by name), so 20,000 layers
/// derive, print and check in seconds; a longer chain is more likely a mistake than a network.
pub const MAX_LAYERS: usize = 25_000;

// Every number in the names of the longest chain (z₂₅₀₀₁ is the last) has its spelling kept.
const _: () = assert!(MAX_LAYERS + 1 < crate::math::symbol::SPELLED_BELOW);

#[derive(Parser)]
#[grammar = "../grammar/spec.pest"]
struct SpecParser;

/// A parsed spec: the layers in order, each with where it stands in the text.
#[derive(Clone, Debug, PartialEq)]
pub struct Spec {
    pub text: String,
    pub layers: Vec<LayerSpec>,
    /// The weight decay λ the objective adds, (λ/2) Σₖ ‖W⁽ᵏ⁾‖² (`--weight-decay`); `None`
    /// for none.
    pub weight_decay: Option<f64>,
    /// A model that is a graph, normalised (its bindings joined by `; `); `None` for a chain.
    pub model: Option<String>,
    /// The parameters a model names itself, in the order they are first written.
    pub own: Vec<crate::network::affine::OwnParameter>,
    /// The objective a model writes as `loss = …`, in place of --loss; `None` for --loss's.
    pub objective: Option<objective::Objective>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct LayerSpec {
    pub kind: LayerKind,
    /// Byte range in the spec text.
    pub span: (usize, usize),
    /// In a model, the name its binding gives the layer's output (`h` of `h = relu(…)`); the
    /// output's own binding and every layer of a chain have none.
    pub name: Option<String>,
    /// In a model that is a graph, the values the node takes, in order; `None` in a chain,
    /// where each layer takes the one before (the first x).
    pub operands: Option<Vec<Operand>>,
}

/// A value a node of a graph takes: the input x, the k-th input xₖ of a model that takes
/// several, or the output of an earlier node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operand {
    Input,
    NumberedInput(usize),
    Layer(usize),
}

impl Spec {
    /// The inputs the model takes, in order: x alone (every chain), or x1, x2, … by number.
    pub fn inputs(&self) -> Vec<Operand> {
        let mut numbered: Vec<usize> = self
            .layers
            .iter()
            .flat_map(|l| l.operands.iter().flatten())
            .filter_map(|operand| match operand {
                Operand::NumberedInput(k) => Some(*k),
                _ => None,
            })
            .collect();
        numbered.sort_unstable();
        numbered.dedup();
        if numbered.is_empty() {
            vec![Operand::Input]
        } else {
            numbered.into_iter().map(Operand::NumberedInput).collect()
        }
    }

    /// The chain as the user wrote it, normalised: `linear > relu > linear > identity`.
    pub fn normalized(&self) -> String {
        if let Some(model) = &self.model {
            return model.clone();
        }
        self.layers
            .iter()
            .map(|l| l.kind.name())
            .collect::<Vec<String>>()
            .join(" > ")
    }
}

pub fn parse_spec(text: &str) -> Result<Spec, SpecError> {
    if model::is_model(text) {
        return model::parse_model(text);
    }
    // pest builds the whole parse tree before anything can be counted, so the chain is measured
    // first, and the memory the parse takes stays proportional to the limit.
    check_layer_count(text)?;
    let mut pairs = SpecParser::parse(Rule::spec, text).map_err(|e| syntax_error(text, e))?;
    let spec = pairs.next().expect("the spec rule always yields one pair");
    let layer_pairs = spec.into_inner().filter(|p| p.as_rule() == Rule::layer);
    let mut layers = Vec::new();
    for pair in layer_pairs {
        let layer_span = pair.as_span();
        let mut inner = pair.into_inner();
        let name_pair = inner.next().expect("a layer starts with its name");
        let name = name_pair.as_str();
        let name_span = (name_pair.as_span().start(), name_pair.as_span().end());
        let arguments_pair = inner.next();
        let numbers: Vec<(f64, (usize, usize))> = arguments_pair
            .iter()
            .flat_map(|a| a.clone().into_inner())
            .filter(|p| p.as_rule() == Rule::number)
            .map(|n| {
                let span = n.as_span();
                let value = read_number(text, n.as_str(), (span.start(), span.end()))?;
                Ok((value, (span.start(), span.end())))
            })
            .collect::<Result<_, _>>()?;
        let values: Vec<f64> = numbers.iter().map(|(v, _)| *v).collect();
        let arguments_span = arguments_pair
            .as_ref()
            .map(|a| (a.as_span().start(), a.as_span().end()))
            .unwrap_or(name_span);
        let kind = LayerKind::from_name(name, arguments_pair.as_ref().map(|_| values.as_slice()))
            .map_err(|error| {
            layer_error(text, name, name_span, arguments_span, &numbers, error)
        })?;
        layers.push(LayerSpec {
            kind,
            span: (layer_span.start(), layer_span.end()),
            name: None,
            operands: None,
        });
    }
    Ok(Spec {
        text: text.to_string(),
        layers,
        weight_decay: None,
        model: None,
        own: Vec::new(),
        objective: None,
    })
}

/// A layer's name or arguments refused by the table of layers, as a positioned error: the name
/// and its span, the arguments' span (the name's when there are none), and each number with
/// its span.
pub(crate) fn layer_error(
    text: &str,
    name: &str,
    name_span: (usize, usize),
    arguments_span: (usize, usize),
    numbers: &[(f64, (usize, usize))],
    error: LayerError,
) -> SpecError {
    let mut help = None;
    let (span, message, expected) = match error {
        LayerError::UnknownName => {
            help = unknown_name_help(name);
            (
                name_span,
                format!("unknown layer `{}`", shorten(name)),
                format!("a layer name: {}", layer_names()),
            )
        }
        LayerError::TakesNoArguments => (
            arguments_span,
            format!("`{name}` takes no arguments"),
            format!("`{name}` without parentheses"),
        ),
        LayerError::EmptyArguments => (
            arguments_span,
            format!("`{name}()` has empty parentheses"),
            format!("a number inside them, as in `{name}(0.1)`, or no parentheses for the default"),
        ),
        LayerError::TooManyArguments(i) => (
            numbers[i].1,
            format!("`{name}` takes one argument"),
            format!("one number, as in `{name}(0.1)`"),
        ),
        LayerError::NotFinite(i) => (
            numbers[i].1,
            format!(
                "`{}` is not a finite number",
                shorten(&text[numbers[i].1.0..numbers[i].1.1])
            ),
            "a finite number".to_string(),
        ),
        LayerError::OutOfRange(i, problem, expected) => (numbers[i].1, problem, expected),
        LayerError::NotPositive(i) => (
            numbers[i].1,
            format!(
                "`{name}` takes ε > 0, not `{}`",
                shorten(&text[numbers[i].1.0..numbers[i].1.1])
            ),
            format!("a positive number, as in `{name}(1e-5)`, PyTorch's default when omitted"),
        ),
    };
    SpecError {
        spec: text.to_string(),
        span,
        message,
        expected,
        help,
    }
}

/// A number of the grammar read as an f64 (overflow gives ±inf, refused where it is used); one
/// too small for a double, read as 0, is refused here with its span.
pub(crate) fn read_number(
    text: &str,
    literal: &str,
    span: (usize, usize),
) -> Result<f64, SpecError> {
    // The grammar only lets through text that `f64` parses.
    let value = literal.parse().unwrap_or(f64::NAN);
    if underflows_to_zero(literal, value) {
        return Err(SpecError {
            spec: text.to_string(),
            span,
            message: format!(
                "`{}` is too small for a double-precision number: it would be read as 0",
                shorten(literal)
            ),
            expected: format!(
                "0, or a number of magnitude at least {:e}",
                f64::from_bits(1)
            ),
            help: None,
        });
    }
    Ok(value)
}

/// Whether a decimal literal that is not zero was read as zero: below the smallest
/// double-precision magnitude, 5e-324. It is refused, as an overflow to infinity is, rather
/// than warned about: the number read would be another function's (elu(1e-400) would be
/// elu(0)), and the derivation of the wrong function must not be printed as the right one's.
pub fn underflows_to_zero(literal: &str, value: f64) -> bool {
    let mantissa = literal.split(['e', 'E']).next().unwrap_or(literal);
    value == 0.0 && mantissa.bytes().any(|b| (b'1'..=b'9').contains(&b))
}

/// Refuses a chain of more than `MAX_LAYERS` layers, found by counting the `>` outside
/// parentheses, and more than `MAX_LAYERS` commas inside them (no layer takes more than one
/// argument): a pass over the bytes that allocates nothing, after which what pest builds is
/// bounded by the limit whatever the length of the text.
fn check_layer_count(text: &str) -> Result<(), SpecError> {
    let mut depth = 0usize;
    let (mut layers, mut commas) = (1usize, 0usize);
    let mut refused = None;
    for (at, byte) in text.bytes().enumerate() {
        match byte {
            b'(' => depth += 1,
            b')' => depth = depth.saturating_sub(1),
            b'>' if depth == 0 => {
                layers += 1;
                if layers == MAX_LAYERS + 1 && refused.is_none() {
                    let rest = &text[at + 1..];
                    refused = Some((text.len() - rest.trim_start().len(), "layers"));
                }
            }
            b',' if depth > 0 => {
                commas += 1;
                if commas == MAX_LAYERS + 1 && refused.is_none() {
                    refused = Some((at, "commas"));
                }
            }
            _ => {}
        }
    }
    let Some((start, what)) = refused else {
        return Ok(());
    };
    let (message, expected) = if what == "layers" {
        (
            format!("the chain has {layers} layers; at most {MAX_LAYERS} are supported"),
            format!("at most {MAX_LAYERS} layers"),
        )
    } else {
        (
            format!("the spec has {commas} commas between arguments; no layer takes more than one"),
            "one argument, or none, per layer".to_string(),
        )
    };
    Err(SpecError {
        spec: text.to_string(),
        span: (start, text.trim_end().len().max(start)),
        message,
        expected,
        help: None,
    })
}

fn shorten(name: &str) -> String {
    crate::spec::suggest::shorten(name)
}

fn layer_names() -> String {
    LayerKind::names().join(", ")
}

/// "did you mean `relu`?" for a near miss; a pointer to `--loss` for a loss written as a layer.
fn unknown_name_help(name: &str) -> Option<String> {
    if crate::network::loss::Loss::from_name(name).is_ok() {
        return Some(format!(
            "`{name}` is a loss, not a layer: drop it from the chain and give `--loss {name}`"
        ));
    }
    if name.len() > 40 {
        return None;
    }
    did_you_mean(name, &LayerKind::names()).map(|n| format!("did you mean `{n}`?"))
}

/// For a character the grammar does not take: the run of full-width characters it starts and
/// their ASCII spelling, or the ASCII character it looks like.
fn look_alike_help(text: &str, start: usize) -> Option<(usize, String)> {
    let c = text[start..].chars().next()?;
    let run: String = text[start..]
        .chars()
        .take_while(|c| from_full_width(&c.to_string()).is_some())
        .collect();
    if let Some(ascii) = from_full_width(&run).filter(|a| !a.is_empty()) {
        return Some((
            start + run.len(),
            format!("`{run}` is written in full-width characters; the spec takes ASCII: `{ascii}`"),
        ));
    }
    if let Some(ascii) = look_alike(c) {
        let said = if ascii == ">" {
            format!("`{c}` is not `>`; layers are joined by the ASCII `>`")
        } else {
            format!("`{c}` looks like `{ascii}`, but only the ASCII `{ascii}` is taken")
        };
        return Some((start + c.len_utf8(), said));
    }
    if c == '-' && text[start + 1..].starts_with('>') {
        return Some((start + 2, "layers are joined by `>` alone, not `->`".into()));
    }
    if c == '-'
        && let Some(meant) = hyphenated_name(text, start)
    {
        return Some((
            start + 1,
            format!("names are written with `_`, not `-`: did you mean `{meant}`?"),
        ));
    }
    if !c.is_ascii() {
        return Some((
            start + c.len_utf8(),
            format!(
                "`{c}` (U+{:04X}) is not ASCII; layer names are ASCII letters, digits and `_`",
                c as u32
            ),
        ));
    }
    None
}

/// For what follows a number where only `,` or `)` may: the slip it most likely is.
fn after_number_help(text: &str, start: usize) -> Option<(usize, String)> {
    let c = text[start..].chars().next()?;
    let said = match c {
        'e' | 'E' => "an exponent needs its digits, as in `1e-3`",
        'x' | 'X' | 'b' | 'o' => "numbers are written in decimal",
        '/' => "a fraction is not taken: write it as a decimal, such as `0.25`",
        '0'..='9' | '.' | '-' | '+' => "arguments are separated by `,`",
        _ => return look_alike_help(text, start),
    };
    Some((start + c.len_utf8(), said.to_string()))
}

/// For a `-` inside a name (`leaky-relu`), the layer meant with `_` in its place.
fn hyphenated_name(text: &str, hyphen: usize) -> Option<&'static str> {
    let is_name = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let before = &text[..hyphen];
    let head = &before[before.trim_end_matches(is_name).len()..];
    let after = &text[hyphen + 1..];
    let tail = &after[..after.len() - after.trim_start_matches(is_name).len()];
    if head.is_empty() || tail.is_empty() || !head.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return None;
    }
    let joined = format!("{head}_{tail}");
    did_you_mean(&joined, &LayerKind::names())
}

/// Turns pest's error into ours, naming what was expected in words rather than rule names.
fn syntax_error(text: &str, error: pest::error::Error<Rule>) -> SpecError {
    let (start, end) = match error.location {
        InputLocation::Pos(p) => (p, p),
        InputLocation::Span((s, e)) => (s, e),
    };
    let mut expected_rules: Vec<Rule> = match &error.variant {
        ErrorVariant::ParsingError { positives, .. } => positives.clone(),
        ErrorVariant::CustomError { .. } => Vec::new(),
    };
    // Within parentheses, what may follow reads best with the number first and `)` last.
    expected_rules.sort_by_key(|r| matches!(r, Rule::close));
    let words: Vec<String> = expected_rules.iter().map(|r| rule_in_words(*r)).collect();
    let expected = if words.is_empty() {
        "a layer spec such as `linear > relu > linear > identity`".to_string()
    } else {
        words.join(" or ")
    };
    let found = text[start..]
        .chars()
        .next()
        .map(|c| format!("`{}`", c.escape_debug()))
        .unwrap_or_else(|| "end of the spec".to_string());
    let message = if text.trim().is_empty() {
        "the spec is empty".to_string()
    } else {
        format!("unexpected {found}")
    };
    let word: String = text[start..]
        .chars()
        .take_while(char::is_ascii_alphabetic)
        .collect();
    let not_finite = ["inf", "infinity", "nan"].contains(&word.to_ascii_lowercase().as_str());
    let help = if not_finite && expected.starts_with("a number") {
        Some((
            start + word.len(),
            format!("`{word}` is not taken: an argument must be a finite number"),
        ))
    } else if expected.contains("`,`") {
        after_number_help(text, start)
    } else {
        look_alike_help(text, start)
    };
    // Underline the look-alike run, one character, or the end of input.
    let end = match &help {
        Some((run_end, _)) => *run_end,
        None if end > start => end,
        None => start + text[start..].chars().next().map_or(0, char::len_utf8),
    };
    SpecError {
        spec: text.to_string(),
        span: (start, end),
        message,
        expected: if expected.contains("a layer name") {
            format!("{expected}; layers are {}", layer_names())
        } else {
            expected
        },
        help: help.map(|(_, h)| h),
    }
}

fn rule_in_words(rule: Rule) -> String {
    match rule {
        Rule::layer | Rule::layer_name => "a layer name".into(),
        Rule::arrow => "`>` between layers".into(),
        Rule::arguments => "`(` and arguments".into(),
        Rule::number => "a number".into(),
        Rule::comma => "`,`".into(),
        Rule::close => "`)`".into(),
        Rule::EOI => "the end of the spec".into(),
        other => format!("{other:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::layer::Activation;

    #[test]
    fn parses_the_homework_chain_with_any_spacing_and_case() {
        let spec = parse_spec(" Linear >ReLU>  linear> IDENTITY ").unwrap();
        let kinds: Vec<_> = spec.layers.iter().map(|l| l.kind).collect();
        assert_eq!(
            kinds,
            vec![
                LayerKind::Linear,
                LayerKind::Activation(Activation::Relu),
                LayerKind::Linear,
                LayerKind::Activation(Activation::Identity),
            ]
        );
        assert_eq!(spec.normalized(), "linear > relu > linear > identity");
    }

    #[test]
    fn unknown_layer_is_reported_at_its_position() {
        let err = parse_spec("linear>rleu>linear").unwrap_err();
        assert_eq!(err.span, (7, 11));
        assert!(err.message.contains("rleu"));
    }

    #[test]
    fn stray_and_trailing_arrows_are_errors() {
        for (text, at) in [("linear>", 7), (">relu", 0), ("linear>>relu", 7), ("", 0)] {
            let err = parse_spec(text).unwrap_err();
            assert_eq!(err.span.0, at, "{text:?}");
            assert!(
                err.expected.contains("a layer name"),
                "{text:?}: {}",
                err.expected
            );
        }
    }

    #[test]
    fn arguments_parse_and_bad_ones_are_placed() {
        let spec = parse_spec("linear>leaky_relu(0.1)>elu( 0.5 )>LeakyReLU").unwrap();
        assert_eq!(
            spec.normalized(),
            "linear > leaky_relu(0.1) > elu(0.5) > leaky_relu"
        );
        for (text, at, says) in [
            ("leaky_relu()", 10, "empty parentheses"),
            ("leaky_relu(x)", 11, "unexpected `x`"),
            ("leaky_relu(1,2)", 13, "takes one argument"),
            ("elu(nan)", 4, "unexpected `n`"),
            ("leaky_relu(inf)", 11, "unexpected `i`"),
            ("elu(1e999)", 4, "`1e999` is not a finite number"),
            ("relu(1)", 4, "takes no arguments"),
        ] {
            let err = parse_spec(text).unwrap_err();
            assert_eq!(err.span.0, at, "{text}");
            assert!(err.message.contains(says), "{text}: {}", err.message);
        }
    }

    #[test]
    fn near_misses_get_a_suggestion() {
        let err = parse_spec("linear>rleu>linear").unwrap_err();
        assert_eq!(err.help.as_deref(), Some("did you mean `relu`?"));
        let err = parse_spec("linear>Sigmod").unwrap_err();
        assert_eq!(err.help.as_deref(), Some("did you mean `sigmoid`?"));
        let err = parse_spec("linear>convolution").unwrap_err();
        assert_eq!(err.help, None);
        let err = parse_spec("linear>bce").unwrap_err();
        assert!(err.help.unwrap().contains("--loss bce"));
    }

    #[test]
    fn look_alikes_are_placed_in_bytes_and_explained() {
        // `ｒｅｌｕ`: four full-width letters of three bytes each, underlined as one run.
        let err = parse_spec("linear>ｒｅｌｕ").unwrap_err();
        assert_eq!(err.span, (7, 19));
        assert!(err.help.unwrap().contains("`relu`"));
        let err = parse_spec("relu→linear").unwrap_err();
        assert_eq!(err.span, (4, 7));
        assert!(err.help.unwrap().contains("`>`"));
        let err = parse_spec("relu＞linear").unwrap_err();
        assert!(err.help.unwrap().contains("`>`"));
        let err = parse_spec("linear->relu").unwrap_err();
        assert!(err.help.unwrap().contains("`->`"));
        let err = parse_spec("reλu").unwrap_err();
        assert!(err.help.unwrap().contains("U+03BB"));
        let err = parse_spec("elu(NaN)").unwrap_err();
        assert_eq!(err.span, (4, 7));
        assert!(err.help.unwrap().contains("finite"));
    }

    #[test]
    fn chains_longer_than_the_limit_are_refused_quickly() {
        let at_limit = vec!["tanh"; MAX_LAYERS].join(">");
        assert_eq!(parse_spec(&at_limit).unwrap().layers.len(), MAX_LAYERS);
        let long = vec!["tanh"; 100_000].join(">");
        let err = parse_spec(&long).unwrap_err();
        assert!(err.message.contains("100000 layers"), "{}", err.message);
        assert!(err.message.contains(&format!("at most {MAX_LAYERS}")));
        assert_eq!(err.span.0, 5 * MAX_LAYERS);
    }

    #[test]
    fn a_megabyte_of_input_is_an_error_not_a_crash() {
        let mega = "x".repeat(1 << 20);
        let err = parse_spec(&mega).unwrap_err();
        assert!(err.message.contains("unknown layer"));
        assert!(err.to_string().len() < 4_000);
        let spaces = format!("relu{}>", " ".repeat(1 << 20));
        assert!(parse_spec(&spaces).is_err());
    }

    #[test]
    fn nested_parentheses_are_a_parse_error() {
        let deep = format!("relu{}0.1{}", "(".repeat(100_000), ")".repeat(100_000));
        let err = parse_spec(&deep).unwrap_err();
        assert_eq!(err.span.0, 5);
        assert_eq!(err.expected, "a number or `)`");
    }

    #[test]
    fn the_layer_count_is_refused_before_the_rest_is_parsed() {
        // A syntax error after the limit is never reached: the count comes first.
        let long = format!("{}>relu(((", vec!["tanh"; MAX_LAYERS].join(">"));
        let err = parse_spec(&long).unwrap_err();
        assert!(err.message.contains("25001 layers"), "{}", err.message);
        // `>` inside parentheses is not a layer's.
        let err = parse_spec(&format!("elu({})", ">".repeat(MAX_LAYERS + 1))).unwrap_err();
        assert!(!err.message.contains("layers"), "{}", err.message);
        // Nor can a list of arguments make the parse tree large.
        let err = parse_spec(&format!("elu({}1)", "1,".repeat(MAX_LAYERS + 1))).unwrap_err();
        assert!(err.message.contains("25001 commas"), "{}", err.message);
        let err = parse_spec(&format!("elu({}1)", "1,".repeat(MAX_LAYERS))).unwrap_err();
        assert!(
            err.message.contains("takes one argument"),
            "{}",
            err.message
        );
    }

    #[test]
    fn a_bad_character_after_a_number_is_pointed_at() {
        for (text, at, help) in [
            ("linear>leaky_relu(1/3)>linear", 19, "fraction"),
            ("leaky_relu(0.2>linear", 14, "`>` between layers"),
            ("elu(1e)", 5, "exponent"),
            ("elu(0x10)", 5, "decimal"),
            ("elu(1 2)", 6, "separated by `,`"),
        ] {
            let err = parse_spec(text).unwrap_err();
            assert_eq!(err.span.0, at, "{text}");
            assert_eq!(err.expected, "`,` or `)`", "{text}");
            assert!(!err.expected.contains('('), "{text}");
            if let Some(h) = err.help.as_deref() {
                assert!(h.contains(help), "{text}: {h}");
            } else {
                assert!(err.expected.contains(help) || help.contains('>'), "{text}");
            }
        }
        let err = parse_spec("elu(1,)").unwrap_err();
        assert_eq!((err.span.0, err.expected.as_str()), (6, "a number"));
    }

    #[test]
    fn a_hyphen_for_an_underscore_is_suggested() {
        let err = parse_spec("linear>leaky-relu>linear").unwrap_err();
        assert_eq!(err.span, (12, 13));
        assert!(err.help.unwrap().contains("`leaky_relu`"));
        let err = parse_spec("Log-Softmax").unwrap_err();
        assert!(err.help.unwrap().contains("`log_softmax`"));
        let err = parse_spec("linear-conv").unwrap_err();
        assert_eq!(err.help, None);
    }

    #[test]
    fn a_literal_that_underflows_to_zero_is_refused() {
        let err = parse_spec("linear>elu(1e-400)").unwrap_err();
        assert_eq!(err.span, (11, 17));
        assert!(
            err.message.contains("would be read as 0"),
            "{}",
            err.message
        );
        assert!(parse_spec("elu(-2.5e-999)").is_err());
        // Zero written any way is zero, and the smallest subnormal is not zero.
        for zero in ["elu(0e-400)", "elu(0.000e5)", "elu(-0)", "elu(5e-324)"] {
            assert!(parse_spec(zero).is_ok(), "{zero}");
        }
    }

    #[test]
    fn a_missing_arrow_is_an_error() {
        let err = parse_spec("linear relu").unwrap_err();
        assert_eq!(err.span.0, 7);
        assert!(err.expected.contains('>'));
    }
}
