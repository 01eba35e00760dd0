//! Words that wrap at the width: as a document or line for a table cell, and filled into lines
//! directly for a paragraph.
//!
//! A paragraph can hold tens of thousands of words (the sizes of a long chain). Building a
//! document of them and laying it out costs far more than filling the lines at once, and gives
//! the same lines: `pretty` keeps a soft break a space exactly when the word after it still fits
//! the line, which is the greedy rule `filled` follows (the test compares the two).

use crate::render::layout::{Layout, display_width};

/// Words that wrap at any width.
pub fn words<L: Layout>(sentence: &str) -> L {
    let words: Vec<&str> = sentence.split_whitespace().collect();
    joined(&words)
}

/// The words with a break between each two, a space when the next word fits (`pretty`'s
/// softline). Joined by halves, so that a paragraph of a hundred thousand words is a shallow
/// document, which is dropped without deep recursion.
fn joined<L: Layout>(words: &[&str]) -> L {
    match words {
        [] => L::nil(),
        [word] => L::text(word.to_string()),
        _ => {
            let (left, right) = words.split_at(words.len() / 2);
            joined::<L>(left)
                .append(L::line().group())
                .append(joined(right))
        }
    }
}

/// The lines `pretty` lays `words(sentence)` out in at `width` columns: each word after the
/// first on a line joins it when it fits, and a word wider than the width stands alone.
pub fn filled(sentence: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut used = 0;
    for word in sentence.split_whitespace() {
        let columns = display_width(word);
        if line.is_empty() {
            used = columns;
        } else if used + 1 + columns <= width {
            line.push(' ');
            used += 1 + columns;
        } else {
            lines.push(std::mem::take(&mut line));
            used = columns;
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::expression::{Doc, lines};

    #[test]
    fn filled_lines_are_what_pretty_lays_out() {
        let sizes: Vec<String> = (1..400).map(|i| format!("d{i} = {},", 4 + i % 3)).collect();
        let sentences = [
            String::new(),
            "one".to_string(),
            "At a random point (seed 0; sizes n = 3, d₁ = 4, d₂ = 5, K = 2) every entry of \
             every gradient ∂ℓ/∂W⁽¹⁾ is compared with a five-point central difference."
                .to_string(),
            format!("sizes {} and K = 2.", sizes.join(" ")),
            "a word_far_wider_than_any_width_we_try_here_at_all_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa b c"
                .to_string(),
            "  spaces   between\twords\nand lines  ".to_string(),
            "漢字 are two columns wide: 漢字漢字 漢字 x".to_string(),
        ];
        for sentence in &sentences {
            for width in 0..=130 {
                assert_eq!(
                    filled(sentence, width),
                    lines(&words::<Doc>(sentence), width),
                    "{sentence:?} at width {width}"
                );
            }
        }
    }
}
