//! Section numbers, and how prose points from one part to another.

use crate::math::prose::Prose;
use crate::render::parts::{Part, Parts};
use crate::render::sections::Heading;

/// Section numbers, and how prose points from one part to another: the one place the numbers
/// come from. A part's number is its place in `Part::ALL` among the parts this derivation has
/// (the values only at a given point); parts printed alone carry none.
#[derive(Clone, Copy, Debug)]
pub struct Numbering {
    pub parts: Parts,
    pub has_values: bool,
}

impl Numbering {
    /// The number of `part`'s section in the whole derivation.
    pub fn number(self, part: Part) -> usize {
        1 + Part::ALL
            .iter()
            .take_while(|&&p| p != part)
            .filter(|&&p| p != Part::Values || self.has_values)
            .count()
    }

    /// `part`'s heading: numbered in the whole derivation, unnumbered in parts printed alone.
    pub fn heading(self, part: Part, title: Prose) -> Heading {
        Heading {
            number: self.parts.is_whole().then(|| self.number(part)),
            title,
        }
    }

    /// "section 2" when sections are numbered, "the forward pass" when parts are printed alone.
    pub fn refer(self, part: Part) -> String {
        if self.parts.is_whole() {
            format!("section {}", self.number(part))
        } else {
            part.description().to_string()
        }
    }

    /// ` (section 2)` after a phrase that already names the part, when sections are numbered.
    pub fn see(self, part: Part) -> String {
        if self.parts.is_whole() {
            format!(" (section {})", self.number(part))
        } else {
            String::new()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_are_numbered_in_order_and_the_check_follows_the_values_when_there_are_any() {
        let numbering = |has_values| Numbering {
            parts: Parts::whole(),
            has_values,
        };
        let numbers: Vec<usize> = Part::ALL.map(|p| numbering(true).number(p)).to_vec();
        assert_eq!(numbers, [1, 2, 3, 4, 5, 6, 7]);
        assert_eq!(numbering(false).number(Part::Check), 6);
        assert_eq!(numbering(false).refer(Part::Jacobians), "section 4");
        let alone = Numbering {
            parts: Parts::parse("check").unwrap(),
            has_values: false,
        };
        assert_eq!(alone.refer(Part::Jacobians), "the Jacobians");
        assert_eq!(alone.see(Part::Forward), "");
        assert_eq!(alone.heading(Part::Check, Prose::new()).number, None);
    }
}
