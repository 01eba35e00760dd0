//! Plain-text tables whose one wide column wraps at the page width.
//!
//! Narrow columns take the width of their widest cell; the wide column gets what is left of the
//! width and is laid out by `pretty` at that width, its continuation lines kept in the column.

use crate::render::expression::{Doc, lines};

pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Doc>>,
    /// The column that wraps.
    pub wide: usize,
}

const GAP: &str = "  ";
const INDENT: &str = "  ";
/// Narrowest the wide column gets, however narrow the page.
const MIN_WIDE: usize = 30;

fn width_of(text: &str) -> usize {
    text.chars().count()
}

impl Table {
    pub fn render(&self, width: usize) -> String {
        let columns = self.headers.len();
        let mut widths: Vec<usize> = self.headers.iter().map(|h| width_of(h)).collect();
        let widest =
            |cell_lines: &[String]| cell_lines.iter().map(|l| width_of(l)).max().unwrap_or(0);
        // Each cell is laid out once: the narrow ones first, on one line each, which fixes
        // the width left for the wide column.
        let mut rendered: Vec<Vec<Vec<String>>> = self
            .rows
            .iter()
            .map(|row| {
                row.iter()
                    .enumerate()
                    .map(|(c, cell)| {
                        if c == self.wide {
                            return Vec::new();
                        }
                        let cell_lines = lines(cell, usize::MAX / 2);
                        widths[c] = widths[c].max(widest(&cell_lines));
                        cell_lines
                    })
                    .collect()
            })
            .collect();
        let others: usize = widths
            .iter()
            .enumerate()
            .filter(|(c, _)| *c != self.wide)
            .map(|(_, w)| *w)
            .sum();
        let available = width
            .saturating_sub(width_of(INDENT) + others + width_of(GAP) * (columns - 1))
            .max(MIN_WIDE);
        let mut wide_width = width_of(&self.headers[self.wide]);
        for (row, cells) in self.rows.iter().zip(rendered.iter_mut()) {
            let cell_lines = lines(&row[self.wide], available);
            wide_width = wide_width.max(widest(&cell_lines));
            cells[self.wide] = cell_lines;
        }
        widths[self.wide] = wide_width.min(available);

        let mut out = String::new();
        let header_cells: Vec<Vec<String>> = self.headers.iter().map(|h| vec![h.clone()]).collect();
        push_row(&mut out, &header_cells, &widths);
        let rules: Vec<Vec<String>> = widths.iter().map(|w| vec!["─".repeat(*w)]).collect();
        push_row(&mut out, &rules, &widths);
        for row in &rendered {
            push_row(&mut out, row, &widths);
        }
        out
    }
}

fn push_row(out: &mut String, cells: &[Vec<String>], widths: &[usize]) {
    let height = cells.iter().map(Vec::len).max().unwrap_or(1).max(1);
    for line in 0..height {
        let mut text = String::from(INDENT);
        for (c, cell) in cells.iter().enumerate() {
            let part = cell.get(line).map(String::as_str).unwrap_or("");
            text.push_str(part);
            if c + 1 < cells.len() {
                text.push_str(&" ".repeat(widths[c].saturating_sub(width_of(part))));
                text.push_str(GAP);
            }
        }
        out.push_str(text.trim_end());
        out.push('\n');
    }
}
