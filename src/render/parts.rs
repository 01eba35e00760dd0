//! The parts of a derivation a reader may ask for alone (`--only forward,gradients`): a
//! homework asks for the forward pass, the gradients and the Jacobians under headings of its
//! own, so each part can be printed without the others, the title or the section numbers.

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
}
