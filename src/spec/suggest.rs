//! Suggestions for near-miss names and for characters that only look like the ones the spec
//! syntax uses.

/// The candidate closest to `word` (ignoring case), if it is close enough to be a likely typo:
/// at most two edits (a swap of neighbours counts as one), and fewer than half the word.
pub fn did_you_mean<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let word = word.to_lowercase();
    let allowed = (word.chars().count() / 2).clamp(1, 2);
    candidates
        .iter()
        .map(|c| (strsim::osa_distance(&word, &c.to_lowercase()), *c))
        .filter(|(distance, _)| *distance <= allowed)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, c)| c)
}

/// A name cut to a length that fits in a message.
pub fn shorten(name: &str) -> String {
    const MAX_CHARS: usize = 40;
    if name.chars().count() <= MAX_CHARS {
        name.to_string()
    } else {
        format!("{}…", name.chars().take(MAX_CHARS).collect::<String>())
    }
}

/// The ASCII text a run of full-width characters stands for (`ｒｅｌｕ` → `relu`), if every
/// character of it is a full-width form of a printable ASCII character.
pub fn from_full_width(text: &str) -> Option<String> {
    text.chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0),
            '\u{3000}' => Some(' '),
            _ => None,
        })
        .collect()
}

/// What a character that is not part of the syntax was probably meant to be.
pub fn look_alike(c: char) -> Option<&'static str> {
    match c {
        '→' | '⟶' | '➔' | '➜' | '➝' | '⇒' | '›' | '»' | '⟩' | '〉' | '▶' | '►' => {
            Some(">")
        }
        '−' | '–' | '—' | '‐' | '‑' => Some("-"),
        '（' => Some("("),
        '）' => Some(")"),
        '，' | '、' => Some(","),
        '．' | '。' => Some("."),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn near_misses_are_suggested_and_far_ones_are_not() {
        let names = ["linear", "relu", "sigmoid", "tanh", "softmax"];
        assert_eq!(did_you_mean("rleu", &names), Some("relu"));
        assert_eq!(did_you_mean("Sigmod", &names), Some("sigmoid"));
        assert_eq!(did_you_mean("lineer", &names), Some("linear"));
        assert_eq!(did_you_mean("softmx", &names), Some("softmax"));
        assert_eq!(did_you_mean("conv", &names), None);
        assert_eq!(did_you_mean("x", &names), None);
    }

    #[test]
    fn full_width_letters_fold_to_ascii() {
        assert_eq!(from_full_width("ｒｅｌｕ").as_deref(), Some("relu"));
        assert_eq!(from_full_width("ｒeｌｕ"), None);
        assert_eq!(look_alike('→'), Some(">"));
        assert_eq!(look_alike('a'), None);
    }
}
