//! The parts of a derivation a reader may ask for alone (`--only forward,gradients`): a
//! homework asks for the forward pass, the gradients and the Jacobians under headings of its
//! own, so each part can be printed without the others, the title or the section numbers.

use crate::math::prose::Prose;
use crate::render::sections::{Heading, Sections};
use crate::spec::suggest::did_you_mean;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Part {
    Network,
    Forward,
    Gradients,
    Jacobians,
    Closed,
    Values,
    Check,
}

impl Part {
    /// In the order the derivation prints them.
    pub const ALL: [Part; 7] = [
        Part::Network,
        Part::Forward,
        Part::Gradients,
        Part::Jacobians,
        Part::Closed,
        Part::Values,
        Part::Check,
    ];

    /// The name `--only` takes.
    pub fn name(self) -> &'static str {
        match self {
            Part::Network => "network",
            Part::Forward => "forward",
            Part::Gradients => "gradients",
            Part::Jacobians => "jacobians",
            Part::Closed => "closed",
            Part::Values => "values",
            Part::Check => "check",
        }
    }

    /// How prose refers to the part when sections carry no numbers.
    pub fn description(self) -> &'static str {
        match self {
            Part::Network => "the network and conventions",
            Part::Forward => "the forward pass",
            Part::Gradients => "the chain rule",
            Part::Jacobians => "the Jacobians",
            Part::Closed => "the closed forms",
            Part::Values => "the values at the point",
            Part::Check => "the numeric check",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// A renderer that writes each part as a string; `write` is the one place a part is matched to
/// the method that writes it.
pub trait PartWriter {
    fn network(&self, sections: &Sections) -> String;
    fn forward(&self, sections: &Sections) -> String;
    fn gradients(&self, sections: &Sections) -> String;
    fn jacobians(&self, sections: &Sections) -> String;
    fn closed(&self, sections: &Sections) -> String;
    /// Only where `Sections::printed` lists it: the derivation has values at a point.
    fn values(&self, sections: &Sections) -> String;
    /// Only where `Sections::printed` lists it: the check has run.
    fn check(&self, sections: &Sections) -> String;

    fn write(&self, sections: &Sections, part: Part) -> String {
        match part {
            Part::Network => self.network(sections),
            Part::Forward => self.forward(sections),
            Part::Gradients => self.gradients(sections),
            Part::Jacobians => self.jacobians(sections),
            Part::Closed => self.closed(sections),
            Part::Values => self.values(sections),
            Part::Check => self.check(sections),
        }
    }
}

/// Which parts are printed; the whole derivation, with its title and numbered sections, unless
/// some were chosen.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Parts {
    shown: [bool; Part::ALL.len()],
    whole: bool,
}

impl Default for Parts {
    fn default() -> Parts {
        Parts::whole()
    }
}

impl Parts {
    pub fn whole() -> Parts {
        Parts {
            shown: [true; Part::ALL.len()],
            whole: true,
        }
    }

    /// `forward,gradients`: the names of `Part::name`, exactly, each at most once.
    pub fn parse(text: &str) -> Result<Parts, String> {
        let names: Vec<&str> = Part::ALL.iter().map(|p| p.name()).collect();
        let mut shown = [false; Part::ALL.len()];
        for name in text.split(',').map(str::trim) {
            let Some(part) = Part::ALL.iter().find(|p| p.name() == name) else {
                let hint = did_you_mean(name, &names)
                    .map(|n| format!(" (did you mean `{n}`?)"))
                    .unwrap_or_default();
                let what = if name.is_empty() {
                    "an empty name".to_string()
                } else {
                    format!("`{name}`")
                };
                return Err(format!(
                    "--only: {what} is not a part{hint}; the parts are {}",
                    names.join(", ")
                ));
            };
            if shown[part.index()] {
                return Err(format!("--only: `{name}` is given twice"));
            }
            shown[part.index()] = true;
        }
        Ok(Parts {
            shown,
            whole: false,
        })
    }

    pub fn shows(self, part: Part) -> bool {
        self.shown[part.index()]
    }

    /// The whole derivation: a title, and sections numbered.
    pub fn is_whole(self) -> bool {
        self.whole
    }
}

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
    fn parses_exact_names_and_refuses_others() {
        let parts = Parts::parse("forward, gradients").unwrap();
        assert!(parts.shows(Part::Forward) && parts.shows(Part::Gradients));
        assert!(!parts.shows(Part::Check) && !parts.is_whole());
        assert!(
            Parts::parse("foward")
                .unwrap_err()
                .contains("did you mean `forward`")
        );
        assert!(Parts::parse("Forward").is_err());
        assert!(
            Parts::parse("forward,,check")
                .unwrap_err()
                .contains("empty")
        );
        assert!(Parts::parse("check,check").unwrap_err().contains("twice"));
        assert!(Parts::whole().shows(Part::Values) && Parts::whole().is_whole());
    }

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
