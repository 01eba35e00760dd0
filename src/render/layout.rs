//! What a printer builds: a `pretty` document that can be laid out at any width, or the same
//! formula as text, each group on one line.
//!
//! Printers and notations are written once, generic over `Layout`. Most formulas of a
//! derivation are short, and a line of text is far cheaper to build than a document (one string
//! against a tree of shared nodes), so renderers build the line first and build the document
//! only for a formula that does not fit. Both come from the same code, so the line is exactly
//! what `pretty` prints when it fits the width: every group flat, each break in a group a
//! space (tests/lines_match_documents.rs compares the two).

use std::borrow::Cow;

use pretty::RcDoc;
use unicode_width::UnicodeWidthStr;

pub type Doc = RcDoc<'static>;

pub trait Layout: Clone {
    fn nil() -> Self;
    /// A piece of text as wide as it shows in a terminal.
    fn text(piece: impl Into<Cow<'static, str>>) -> Self;
    /// A piece of source shown `width` columns wide (LaTeX: `\partial` shows as one sign).
    fn measured(piece: impl Into<Cow<'static, str>>, width: usize) -> Self;
    /// A place to break the line; a space when the group around it stays on one line.
    fn line() -> Self;
    /// A line break that is always taken.
    fn hardline() -> Self;
    fn append(self, next: Self) -> Self;
    /// `self.append(next.clone().nest(indent))`, without the copy where it can be avoided: a
    /// printer appends the layouts it keeps for every node.
    fn append_nested(self, next: &Self, indent: isize) -> Self {
        self.append(next.clone().nest(indent))
    }
    /// Continuation lines indented by `indent` more.
    fn nest(self, indent: isize) -> Self;
    /// Breaks all the lines of the group, or none of them.
    fn group(self) -> Self;
    /// A copy to keep for later, as small as it can be (a printer keeps every node's layout).
    fn kept(&self) -> Self {
        self.clone()
    }
}

/// How wide `pretty` counts a piece of text: its display width.
pub fn display_width(piece: &str) -> usize {
    if piece.is_ascii() {
        piece.len()
    } else {
        piece.width()
    }
}

impl Layout for Doc {
    fn nil() -> Self {
        RcDoc::nil()
    }
    fn text(piece: impl Into<Cow<'static, str>>) -> Self {
        RcDoc::text(piece)
    }
    fn measured(piece: impl Into<Cow<'static, str>>, width: usize) -> Self {
        // Built directly: `RcDoc::text` would measure the piece again (and make empty text no
        // text at all, which `pretty` cannot give a width); the width given is the one laid out.
        let text = RcDoc::from(match piece.into() {
            Cow::Borrowed(piece) => pretty::Doc::BorrowedText(piece),
            Cow::Owned(piece) => pretty::Doc::OwnedText(piece.into()),
        });
        RcDoc::from(pretty::Doc::RenderLen(width, text))
    }
    fn line() -> Self {
        RcDoc::line()
    }
    fn hardline() -> Self {
        RcDoc::hardline()
    }
    fn append(self, next: Self) -> Self {
        RcDoc::append(self, next)
    }
    fn nest(self, indent: isize) -> Self {
        RcDoc::nest(self, indent)
    }
    fn group(self) -> Self {
        RcDoc::group(self)
    }
}

/// A formula as `pretty` prints it when every group fits: its text, and how wide its lines are.
///
/// A hard line break starts a new line (a Jacobian's matrix form, then its element form). The
/// text is exact as long as nothing could lay it out otherwise: a group holding a hard break,
/// or a break outside every group, would break its lines, and a hard break inside a nest would
/// be indented; such a line is never used (`fitting` gives `None`) and the document is laid out.
#[derive(Default, Debug, PartialEq, Eq)]
pub struct Line {
    /// A fixed piece (an operator, a parenthesis) is borrowed until something is appended.
    pub text: Cow<'static, str>,
    /// Columns of the first line, of the last line, and of the widest.
    first: u32,
    last: u32,
    widest: u32,
    /// It holds a hard line break.
    multiline: bool,
    /// It holds a break outside every group: `pretty` would take it.
    loose: bool,
    /// `pretty` might lay it out otherwise (see above).
    inexact: bool,
}

/// A copy is most often the start of a longer line (a memoized operand with more appended
/// after it), so it gets room to grow.
impl Clone for Line {
    fn clone(&self) -> Line {
        let text = match &self.text {
            Cow::Borrowed(piece) => Cow::Borrowed(*piece),
            Cow::Owned(text) => {
                let mut copy = String::with_capacity(text.len() + 32);
                copy.push_str(text);
                Cow::Owned(copy)
            }
        };
        Line { text, ..*self }
    }
}

impl Line {
    /// The text when every line of it fits `width` columns: then it is what `pretty` prints at
    /// that width.
    pub fn fitting(&self, width: usize) -> Option<&str> {
        (!self.loose && !self.inexact && self.widest as usize <= width).then_some(&*self.text)
    }

    /// The columns of the widest line.
    pub fn width(&self) -> usize {
        self.widest as usize
    }

    /// It holds a hard line break.
    pub fn is_multiline(&self) -> bool {
        self.multiline
    }

    /// Appends `next`; `inexact` when `next` is nested so that `pretty` might lay it out
    /// otherwise.
    fn join(&mut self, next: &Line, inexact: bool) {
        let joined = self.last.saturating_add(next.first);
        let needed = self.text.len() + next.text.len();
        if let Cow::Borrowed(piece) = self.text {
            let mut owned = String::with_capacity(needed.max(64));
            owned.push_str(piece);
            self.text = Cow::Owned(owned);
        }
        let text = self.text.to_mut();
        if needed > text.capacity() {
            // Lines grow a few pieces at a time to a row's length: skip the smallest sizes.
            text.reserve(needed.max(64) - text.len());
        }
        text.push_str(&next.text);
        if !self.multiline {
            self.first = joined;
        }
        self.last = if next.multiline { next.last } else { joined };
        self.widest = self.widest.max(next.widest).max(joined);
        self.multiline |= next.multiline;
        self.loose |= next.loose;
        self.inexact |= next.inexact || inexact;
    }

    fn of(text: Cow<'static, str>, width: usize) -> Line {
        // A formula wider than four billion columns is not printed on one line anyway.
        let width = u32::try_from(width).unwrap_or(u32::MAX);
        Line {
            text,
            first: width,
            last: width,
            widest: width,
            ..Line::default()
        }
    }
}

impl Layout for Line {
    fn nil() -> Self {
        Line::default()
    }
    fn text(piece: impl Into<Cow<'static, str>>) -> Self {
        let text = piece.into();
        let width = display_width(&text);
        Line::of(text, width)
    }
    fn measured(piece: impl Into<Cow<'static, str>>, width: usize) -> Self {
        Line::of(piece.into(), width)
    }
    fn line() -> Self {
        Line {
            loose: true,
            ..Line::text(" ")
        }
    }
    fn hardline() -> Self {
        Line {
            text: Cow::Borrowed("\n"),
            multiline: true,
            ..Line::default()
        }
    }
    fn append(mut self, next: Self) -> Self {
        self.join(&next, false);
        self
    }
    fn append_nested(mut self, next: &Self, indent: isize) -> Self {
        self.join(next, next.multiline && indent != 0);
        self
    }
    fn nest(mut self, indent: isize) -> Self {
        self.inexact |= self.multiline && indent != 0;
        self
    }
    fn group(mut self) -> Self {
        self.inexact |= self.multiline;
        self.loose = false;
        self
    }
    fn kept(&self) -> Self {
        let text = match &self.text {
            Cow::Borrowed(piece) => Cow::Borrowed(*piece),
            Cow::Owned(text) => Cow::Owned(text.as_str().into()),
        };
        Line { text, ..*self }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::expression::lines;

    /// The same formula built both ways: the line is what `pretty` prints when it fits.
    fn both<L: Layout>() -> L {
        L::text("W⁽²⁾")
            .append(L::text("z₁"))
            .append(L::line())
            .append(L::text("+ b⁽²⁾"))
            .nest(2)
            .group()
    }

    #[test]
    fn a_line_that_fits_is_what_pretty_prints() {
        let line: Line = both();
        let doc: Doc = both();
        assert_eq!(line.width(), 13);
        assert_eq!(line.fitting(13), Some("W⁽²⁾z₁ + b⁽²⁾"));
        assert_eq!(lines(&doc, 13), vec![line.text.clone()]);
        assert_eq!(line.fitting(12), None);
        assert_eq!(lines(&doc, 12), vec!["W⁽²⁾z₁", "  + b⁽²⁾"]);
    }

    #[test]
    fn hard_breaks_outside_groups_start_lines_as_in_pretty() {
        fn cell<L: Layout>() -> L {
            both::<L>()
                .append(L::hardline())
                .append(L::text("(∂z₂/∂z₁)ᵢⱼ = δᵢⱼ"))
        }
        let line: Line = cell();
        let doc: Doc = cell();
        assert_eq!(line.width(), 17);
        assert_eq!(line.fitting(17), Some("W⁽²⁾z₁ + b⁽²⁾\n(∂z₂/∂z₁)ᵢⱼ = δᵢⱼ"));
        assert_eq!(lines(&doc, 17), line.text.lines().collect::<Vec<_>>());
        assert_eq!(line.fitting(16), None);
    }

    #[test]
    fn a_line_that_pretty_might_break_is_never_used() {
        // A hard break inside a group breaks the group's other lines too.
        let grouped = both::<Line>().append(Line::hardline()).group();
        assert_eq!(grouped.fitting(100), None);
        // A break outside every group is always taken.
        let loose = Line::text("a").append(Line::line()).append(Line::text("b"));
        assert_eq!(loose.fitting(100), None);
        // A hard break inside a nest indents the next line.
        let nested = Line::text("a").append(Line::hardline()).nest(2);
        assert_eq!(nested.fitting(100), None);
    }
}
