//! Plain-text tables whose one wide column wraps at the page width.
//!
//! Narrow columns take the width of their widest cell; the wide column gets what is left of the
//! width. A wide cell that fits on one line is printed as its line; one that does not is laid
//! out by `pretty` at that width, its continuation lines kept in the column.

use crate::render::expression::{Doc, laid_out};
use crate::render::layout::Line;
use crate::render::sink::Sink;

pub struct TextTable {
    pub headers: Vec<String>,
    /// Every cell on one line, row after row, as many to a row as there are headers; narrow
    /// cells are always printed so.
    pub cells: Vec<Line>,
    /// The column that wraps.
    pub wide: usize,
}

const GAP: &str = "  ";
const INDENT: &str = "  ";
/// Narrowest the wide column gets, however narrow the page.
const MIN_WIDE: usize = 16;

fn width_of(text: &str) -> usize {
    text.chars().count()
}

impl TextTable {
    /// Appends the table to `out`; `wide_doc(r)` is the document of row r's wide cell, built
    /// only when its line does not fit.
    pub fn render(&self, width: usize, out: &mut Sink, wide_doc: impl Fn(usize) -> Doc) {
        let columns = self.headers.len();
        let rows = || self.cells.chunks_exact(columns);
        let mut widths: Vec<usize> = self.headers.iter().map(|h| width_of(h)).collect();
        for row in rows() {
            for (c, cell) in row.iter().enumerate() {
                if c != self.wide {
                    debug_assert!(
                        cell.fitting(usize::MAX).is_some_and(|t| !t.contains('\n')),
                        "a narrow cell lies on one line: {:?}",
                        cell.text
                    );
                    widths[c] = widths[c].max(cell.width());
                }
            }
        }
        let others: usize = widths
            .iter()
            .enumerate()
            .filter(|(c, _)| *c != self.wide)
            .map(|(_, w)| *w)
            .sum();
        let available = width
            .saturating_sub(width_of(INDENT) + others + width_of(GAP) * (columns - 1))
            .max(MIN_WIDE);
        // The wide cells laid out by `pretty` where their own lines do not fit (`None`).
        let wrapped: Vec<Option<Vec<String>>> = rows()
            .enumerate()
            .map(|(r, row)| {
                row[self.wide]
                    .fitting(available)
                    .is_none()
                    .then(|| laid_out(&wide_doc(r), available))
            })
            .collect();
        let mut wide_width = width_of(&self.headers[self.wide]);
        for (row, by_pretty) in rows().zip(&wrapped) {
            for (_, line_width) in wide_lines(&row[self.wide], by_pretty) {
                wide_width = wide_width.max(line_width);
            }
        }
        widths[self.wide] = wide_width.min(available);

        let headers: Vec<(&str, usize)> = self
            .headers
            .iter()
            .map(|h| (h.as_str(), width_of(h)))
            .collect();
        push_row(out.buffer(), &headers, &widths);
        let rules: Vec<String> = widths.iter().map(|w| "─".repeat(*w)).collect();
        let rules: Vec<(&str, usize)> = rules
            .iter()
            .zip(&widths)
            .map(|(r, w)| (r.as_str(), *w))
            .collect();
        push_row(out.buffer(), &rules, &widths);
        let mut cells: Vec<(&str, usize)> = Vec::with_capacity(columns);
        for (row, by_pretty) in rows().zip(&wrapped) {
            let mut wide = wide_lines(&row[self.wide], by_pretty).peekable();
            let mut first = true;
            while first || wide.peek().is_some() {
                cells.clear();
                for (c, cell) in row.iter().enumerate() {
                    cells.push(if c == self.wide {
                        wide.next().unwrap_or(("", 0))
                    } else if first {
                        trimmed(&cell.text, cell.width())
                    } else {
                        ("", 0)
                    });
                }
                push_row(out.buffer(), &cells, &widths);
                first = false;
            }
            out.flush_if_full();
        }
    }
}

/// A line without its trailing spaces, and its width, given the untrimmed line's.
fn trimmed(line: &str, width: usize) -> (&str, usize) {
    let kept = line.trim_end();
    if kept.len() == line.len() {
        (line, width)
    } else {
        (kept, width_of(kept))
    }
}

/// The lines of a wide cell with their widths: laid out by `pretty`, or its own, each without
/// trailing spaces.
enum WideLines<'c> {
    One(Option<(&'c str, usize)>),
    Own(std::str::Lines<'c>),
    Laid(std::slice::Iter<'c, String>),
}

impl<'c> Iterator for WideLines<'c> {
    type Item = (&'c str, usize);

    fn next(&mut self) -> Option<(&'c str, usize)> {
        match self {
            WideLines::One(line) => line.take(),
            WideLines::Own(lines) => lines.next().map(|line| {
                let kept = line.trim_end();
                (kept, width_of(kept))
            }),
            WideLines::Laid(lines) => lines.next().map(|line| (line.as_str(), width_of(line))),
        }
    }
}

fn wide_lines<'c>(cell: &'c Line, by_pretty: &'c Option<Vec<String>>) -> WideLines<'c> {
    match by_pretty {
        Some(cell_lines) => WideLines::Laid(cell_lines.iter()),
        None if cell.is_multiline() => WideLines::Own(cell.text.lines()),
        None => WideLines::One(Some(trimmed(&cell.text, cell.width()))),
    }
}

/// One line of a row: each cell padded to its column, the last one not.
fn push_row(out: &mut String, cells: &[(&str, usize)], widths: &[usize]) {
    let start = out.len();
    out.push_str(INDENT);
    for (c, (part, part_width)) in cells.iter().enumerate() {
        out.push_str(part);
        if c + 1 < cells.len() {
            let pad = widths[c].saturating_sub(*part_width) + GAP.len();
            push_spaces(out, pad);
        }
    }
    let end = out[start..].trim_end().len();
    out.truncate(start + end);
    out.push('\n');
}

fn push_spaces(out: &mut String, count: usize) {
    const SPACES: &str = "                                                                ";
    let mut left = count;
    while left > 0 {
        let now = left.min(SPACES.len());
        out.push_str(&SPACES[..now]);
        left -= now;
    }
}
