//! Parsing the layer spec (grammar/spec.pest) into a `Spec`, with errors a person can act on.

use pest::Parser;
use pest::error::{ErrorVariant, InputLocation};
use pest_derive::Parser;

use crate::error::SpecError;
use crate::layer::{LayerError, LayerKind};

#[derive(Parser)]
#[grammar = "../grammar/spec.pest"]
struct SpecParser;

/// A parsed spec: the layers in order, each with where it stands in the text.
#[derive(Clone, Debug, PartialEq)]
pub struct Spec {
    pub text: String,
    pub layers: Vec<LayerSpec>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct LayerSpec {
    pub kind: LayerKind,
    /// Byte range in the spec text.
    pub span: (usize, usize),
}

impl Spec {
    /// The chain as the user wrote it, normalised: `linear > relu > linear > identity`.
    pub fn normalized(&self) -> String {
        self.layers
            .iter()
            .map(|l| l.kind.name())
            .collect::<Vec<String>>()
            .join(" > ")
    }
}

pub fn parse_spec(text: &str) -> Result<Spec, SpecError> {
    let mut pairs = SpecParser::parse(Rule::spec, text).map_err(|e| syntax_error(text, e))?;
    let spec = pairs.next().expect("the spec rule always yields one pair");
    let mut layers = Vec::new();
    for pair in spec.into_inner() {
        if pair.as_rule() != Rule::layer {
            continue;
        }
        let layer_span = pair.as_span();
        let mut inner = pair.into_inner();
        let name_pair = inner.next().expect("a layer starts with its name");
        let name = name_pair.as_str();
        let name_span = (name_pair.as_span().start(), name_pair.as_span().end());
        let arguments_pair = inner.next();
        let numbers: Vec<(f64, (usize, usize))> = arguments_pair
            .iter()
            .flat_map(|a| a.clone().into_inner())
            .map(|n| {
                let span = n.as_span();
                // The grammar only lets through text that `f64` parses; overflow gives ±inf.
                (
                    n.as_str().parse().unwrap_or(f64::NAN),
                    (span.start(), span.end()),
                )
            })
            .collect();
        let values: Vec<f64> = numbers.iter().map(|(v, _)| *v).collect();
        let arguments_span = arguments_pair
            .as_ref()
            .map(|a| (a.as_span().start(), a.as_span().end()))
            .unwrap_or(name_span);
        let kind = LayerKind::from_name(name, arguments_pair.as_ref().map(|_| values.as_slice()))
            .map_err(|error| {
                let (span, message, expected) = match error {
                    LayerError::UnknownName => (
                        name_span,
                        format!("unknown layer `{name}`"),
                        format!("a layer name: {}", layer_names()),
                    ),
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
                        format!("`{}` is not a finite number", &text[numbers[i].1.0..numbers[i].1.1]),
                        "a finite number".to_string(),
                    ),
                };
                SpecError {
                    spec: text.to_string(),
                    span,
                    message,
                    expected,
                }
            })?;
        layers.push(LayerSpec {
            kind,
            span: (layer_span.start(), layer_span.end()),
        });
    }
    Ok(Spec {
        text: text.to_string(),
        layers,
    })
}

fn layer_names() -> String {
    LayerKind::names().join(", ")
}

/// Turns pest's error into ours, naming what was expected in words rather than rule names.
fn syntax_error(text: &str, error: pest::error::Error<Rule>) -> SpecError {
    let (start, end) = match error.location {
        InputLocation::Pos(p) => (p, p),
        InputLocation::Span((s, e)) => (s, e),
    };
    let expected_rules: Vec<Rule> = match &error.variant {
        ErrorVariant::ParsingError { positives, .. } => positives.clone(),
        ErrorVariant::CustomError { .. } => Vec::new(),
    };
    let words: Vec<String> = expected_rules.iter().map(|r| rule_in_words(*r)).collect();
    let expected = if words.is_empty() {
        "a layer spec such as `linear > relu > linear > identity`".to_string()
    } else {
        words.join(" or ")
    };
    let found = text[start..]
        .chars()
        .next()
        .map(|c| format!("`{c}`"))
        .unwrap_or_else(|| "the end of the spec".to_string());
    let message = if text.trim().is_empty() {
        "the spec is empty".to_string()
    } else {
        format!("unexpected {found}")
    };
    // Underline one character, or the end of input.
    let end = if end > start {
        end
    } else {
        start + text[start..].chars().next().map_or(0, char::len_utf8)
    };
    SpecError {
        spec: text.to_string(),
        span: (start, end),
        message,
        expected: format!("{expected}; layers are {}", layer_names()),
    }
}

fn rule_in_words(rule: Rule) -> String {
    match rule {
        Rule::layer | Rule::layer_name => "a layer name".into(),
        Rule::arrow => "`>` between layers".into(),
        Rule::arguments => "`(` and arguments".into(),
        Rule::number => "a number".into(),
        Rule::EOI => "the end of the spec".into(),
        other => format!("{other:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layer::Activation;

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
    fn a_missing_arrow_is_an_error() {
        let err = parse_spec("linear relu").unwrap_err();
        assert_eq!(err.span.0, 7);
        assert!(err.expected.contains('>'));
    }
}
