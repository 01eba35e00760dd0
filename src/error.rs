//! The library's errors and how they are shown to a person.

use std::fmt;
use std::ops::Range;

use ariadne::{Config, Label, Report, ReportKind, Source};

use crate::math::shape::ShapeError;

/// Everything that can go wrong between a spec and a checked derivation.
#[derive(Debug)]
pub enum Error {
    /// The spec text does not parse, names an unknown layer, or is too long a chain.
    Spec(SpecError),
    /// A bad `--dims` or other option value, or input that cannot be read.
    Usage(String),
    /// The numeric check cannot be run as asked (no usable random point, sizes too large).
    Check(String),
    /// An expression could not be built: a defect in the engine, never the user's input.
    Shape(ShapeError),
}

impl Error {
    /// The error as shown to a person, in colour when `color` is set.
    pub fn render(&self, color: bool) -> String {
        match self {
            Error::Spec(e) => e.render(color),
            other => other.to_string(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Spec(e) => e.fmt(f),
            Error::Usage(message) => write!(f, "error: {message}"),
            Error::Check(message) => write!(f, "error: {message}"),
            Error::Shape(e) => write!(f, "internal error: {e}"),
        }
    }
}

impl std::error::Error for Error {}

impl From<SpecError> for Error {
    fn from(e: SpecError) -> Self {
        Error::Spec(e)
    }
}

impl From<ShapeError> for Error {
    fn from(e: ShapeError) -> Self {
        Error::Shape(e)
    }
}

/// A problem at a place in the spec text.
#[derive(Debug, Clone, PartialEq)]
pub struct SpecError {
    pub spec: String,
    /// Byte range of the offending text (empty at the end of input).
    pub span: (usize, usize),
    pub message: String,
    pub expected: String,
    /// A suggestion: the near-miss name meant, or the ASCII character a look-alike stands for.
    pub help: Option<String>,
}

/// A line longer than this many characters is shown only around the error.
const SHOWN_CHARS: usize = 80;

impl SpecError {
    /// An error at `span` of `text`, without a suggestion.
    pub fn at(text: &str, span: (usize, usize), message: String, expected: String) -> SpecError {
        SpecError {
            spec: text.to_string(),
            span,
            message,
            expected,
            help: None,
        }
    }

    /// Line and column (both from 1, counted in characters) of the start of the span.
    pub fn line_column(&self) -> (usize, usize) {
        let before = &self.spec[..self.span.0];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        (line, before[line_start..].chars().count() + 1)
    }

    /// ```text
    /// Error: unknown layer `rleu` (column 8)
    ///    ╭─[ spec:1:8 ]
    ///  1 │ linear>rleu>linear
    ///    │        ──┬─
    ///    │          ╰─── expected a layer name: linear, relu, …
    ///    │ Help: did you mean `relu`?
    /// ───╯
    /// ```
    pub fn render(&self, color: bool) -> String {
        let (line, column) = self.line_column();
        let place = if line > 1 {
            format!("line {line}, column {column}")
        } else {
            format!("column {column}")
        };
        let (shown, range, source_name) = self.excerpt();
        let source_name = source_name.as_str();
        let mut report = Report::build(ReportKind::Error, (source_name, range.clone()))
            .with_config(Config::default().with_color(color))
            .with_message(format!("{} ({place})", self.message))
            .with_label(
                Label::new((source_name, range))
                    .with_message(format!("expected {}", self.expected)),
            );
        if let Some(help) = &self.help {
            report = report.with_help(help);
        }
        let mut out = Vec::new();
        report
            .finish()
            .write((source_name, Source::from(shown)), &mut out)
            .expect("writing to memory does not fail");
        String::from_utf8_lossy(&out).trim_end().to_string()
    }

    /// The text to show, the span in it in characters (ariadne counts characters, pest bytes),
    /// and the name of the source. Control characters are shown as spaces; a long line is cut
    /// to a window around the span.
    fn excerpt(&self) -> (String, Range<usize>, String) {
        let (start, end) = self.span;
        let (line, _) = self.line_column();
        let line_start = self.spec[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = self.spec[start..]
            .find('\n')
            .map_or(self.spec.len(), |i| start + i);
        let line_text = &self.spec[line_start..line_end];
        let visible = |s: &str| -> String {
            s.chars()
                .map(|c| {
                    if c.is_control() && c != '\n' && c != '\t' {
                        ' '
                    } else {
                        c
                    }
                })
                .collect()
        };
        if line_text.chars().count() <= SHOWN_CHARS {
            let shown = visible(&self.spec);
            let first = self.spec[..start].chars().count();
            let last = first + self.spec[start..end.max(start)].chars().count();
            return (shown, first..last, "spec".to_string());
        }
        // A window of the long line: some characters before the span, the span (cut to the
        // window), and what follows, marked with ellipses where cut.
        let before: Vec<char> = self.spec[line_start..start].chars().collect();
        let keep_before = before.len().min(SHOWN_CHARS / 2);
        let span_chars: Vec<char> = self.spec[start..end.max(start).min(line_end)]
            .chars()
            .take(SHOWN_CHARS / 2)
            .collect();
        let after: String = self.spec[start..line_end]
            .chars()
            .take(SHOWN_CHARS - keep_before)
            .collect();
        let mut shown = String::new();
        if keep_before < before.len() {
            shown.push('…');
        }
        let first = shown.chars().count() + keep_before;
        shown.extend(&before[before.len() - keep_before..]);
        shown.push_str(&after);
        if start + after.len() < line_end {
            shown.push('…');
        }
        let name = format!("spec line {line}, excerpt");
        (
            visible(&shown),
            first..first + span_chars.len(),
            name.replace(" line 1,", ","),
        )
    }
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(false))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(spec: &str, span: (usize, usize)) -> SpecError {
        SpecError {
            spec: spec.to_string(),
            span,
            message: "bad".into(),
            expected: "good".into(),
            help: Some("try this".into()),
        }
    }

    /// The column under the first marker of the underline, in characters.
    fn underline_column(rendered: &str, spec_line: &str) -> usize {
        let lines: Vec<&str> = rendered.lines().collect();
        let at = lines
            .iter()
            .position(|l| l.ends_with(spec_line))
            .unwrap_or_else(|| panic!("{rendered}"));
        let prefix = lines[at].chars().count() - spec_line.chars().count();
        let underline = lines[at + 1];
        underline
            .chars()
            .skip(prefix)
            .position(|c| c != ' ')
            .unwrap_or_else(|| panic!("{rendered}"))
    }

    #[test]
    fn the_underline_sits_under_the_span_after_multi_byte_characters() {
        // `→` is three bytes and one column wide.
        let spec = "relu→linear";
        let rendered = error(spec, (4, 7)).render(false);
        assert_eq!(underline_column(&rendered, spec), 4, "{rendered}");
        assert!(rendered.contains("bad (column 5)"), "{rendered}");
        assert!(rendered.contains("try this"), "{rendered}");
    }

    #[test]
    fn a_long_spec_is_shown_around_the_error() {
        let spec = format!("{}rleu>relu", "relu>".repeat(10_000));
        let start = spec.find("rleu").unwrap();
        let rendered = error(&spec, (start, start + 4)).render(false);
        assert!(rendered.len() < 2_000, "{rendered}");
        assert!(rendered.contains("column 50001"), "{rendered}");
        let shown = rendered
            .lines()
            .find(|l| l.contains("rleu"))
            .expect("the span is shown");
        assert!(shown.contains('…'));
    }

    #[test]
    fn errors_on_later_lines_name_the_line() {
        let rendered = error("linear >\n rleu", (10, 14)).render(false);
        assert!(rendered.contains("line 2, column 2"), "{rendered}");
    }

    #[test]
    fn control_characters_are_not_written_to_the_terminal() {
        let rendered = error("relu\u{1b}[2J", (4, 5)).render(false);
        assert!(!rendered.contains('\u{1b}'), "{rendered}");
    }
}
