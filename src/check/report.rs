//! What the check reports: how it ran as a whole, and an item for each printed form it
//! compared, with its error and its result.

use crate::check::CheckOptions;
use crate::check::saturation::Saturation;
use crate::check::stencil::{Edge, Took};
use crate::math::symbol::Symbol;
use crate::numeric::sizes::Sizes;

/// How much of each quantity the check covered with differences, chosen by its cost
/// (`budget::choose_coverage`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Coverage {
    /// Every entry of every parameter and Jacobian input.
    Entrywise,
    /// Random directions for each parameter and each Jacobian.
    PerParameter(usize),
    /// Random directions moving all parameters θ at once, and for each Jacobian.
    Joint(usize),
}

impl Coverage {
    /// How far from a kink the point must keep every kinked input.
    pub fn kink_margin(self) -> f64 {
        match self {
            Coverage::Entrywise => CheckOptions::KINK_MARGIN,
            _ => CheckOptions::DIRECTION_KINK_MARGIN,
        }
    }
}

/// Which printed form of a quantity an item checks.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum CheckedForm {
    ChainRule,
    ClosedForm,
    /// A Jacobian as its derivative rule gives it.
    Definition,
    /// A Jacobian after simplification.
    Simplified,
}

impl CheckedForm {
    pub fn label(self) -> &'static str {
        match self {
            CheckedForm::ChainRule => "chain rule",
            CheckedForm::ClosedForm => "closed form",
            CheckedForm::Definition => "as defined",
            CheckedForm::Simplified => "simplified",
        }
    }
}

/// What one item's analytic value was compared with.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Comparison {
    /// With central differences in every entry.
    Entries,
    /// With central differences along this many random directions.
    Directions(usize),
    /// With the value of the chain-rule form (itself checked by differences).
    ChainRule,
}

impl Comparison {
    pub fn label(self) -> String {
        match self {
            Comparison::Entries => "every entry".into(),
            Comparison::Directions(n) => format!("{n} directions"),
            Comparison::ChainRule => "= chain rule".into(),
        }
    }
}

#[derive(Clone, Debug)]
pub struct CheckItem {
    pub symbol: Symbol,
    pub form: CheckedForm,
    pub comparison: Comparison,
    pub error: f64,
    pub passed: bool,
    /// Where a NaN or an infinity appeared, if one did: "the formula gives NaN", "the finite
    /// differences give an infinity". Such an item fails, unless it is `unchecked`.
    pub non_finite: Option<String>,
    /// How the differences were taken, where not with the central stencil at the report's step.
    pub took: Took,
    /// Why the item could not be checked at this point, if it could not: then it neither
    /// passed nor failed.
    pub unchecked: Option<Unchecked>,
}

/// Why an item could not be checked at this point.
#[derive(Clone, Debug, PartialEq)]
pub enum Unchecked {
    /// The formula is not finite because a value it reads is saturated in float64.
    Saturated(Saturation),
    /// The finite differences cannot be taken here within the tolerance: ŷ is on the edge of
    /// the loss's domain (the edge given), or closer to it than float64 can difference; or,
    /// without an edge, ℓ is not finite nearby.
    NotDifferentiable(Option<Edge>),
}

/// What the check says as a whole.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Verdict {
    /// Every item within tolerance.
    Pass,
    /// Some item disagrees with its finite differences.
    Fail,
    /// None disagrees, but some could not be checked at this point.
    Unchecked,
}

impl CheckItem {
    /// The error as printed: `3.1e-11`, or `NaN`/`∞` when a value was not finite, `n/a` when
    /// the item could not be checked at this point.
    pub fn error_text(&self) -> String {
        if self.unchecked.is_some() {
            "n/a".into()
        } else if self.error.is_nan() {
            "NaN".into()
        } else if self.error.is_infinite() {
            "∞".into()
        } else {
            format!("{:.1e}", self.error)
        }
    }
}

/// The whole check: how it ran, and its items. What a description of it states comes from
/// these fields and from the constants where the check uses them (`sampling`, `stencil`,
/// `directional`, `items`, `budget`), never typed again.
#[derive(Clone, Debug)]
pub struct CheckReport {
    /// The seed of the random point; `None` when the point was given.
    pub seed: Option<u64>,
    pub sizes: Sizes,
    pub step: f64,
    pub tolerance: f64,
    pub items: Vec<CheckItem>,
    /// Some input of a kinked activation (ReLU) lies within `kink_margin` of the kink, where
    /// the derivative does not exist (only a given point can; a random one is drawn away from
    /// kinks). Entry by entry the differences may straddle it; along directions,
    /// `kink_straddled` says whether they did.
    pub near_kink: bool,
    /// Along directions, whether along some direction of the parameters an input of a kinked
    /// activation still crossed its kink within the stencil's reach at the smallest step
    /// (`facts::SMALLEST_KINK_STEP`), so that those differences straddle it; elsewhere the
    /// step shrank to keep them on one side (a Jacobian's step along a direction always does).
    /// `None` for an entrywise check, which does not shrink its step so.
    pub kink_straddled: Option<bool>,
    pub coverage: Coverage,
    /// How far from its kink every kinked input of a random point is, and the distance within
    /// which `near_kink` says one is near it: the coverage's margin.
    pub kink_margin: f64,
    /// How many draws a random point may take to put the inputs of every kinked layer on both
    /// sides of their kink; after them, the first draw clear of the kinks is taken.
    pub both_sides_draws: usize,
    /// The interval the differences keep ŷ in, where the loss takes its logarithm.
    pub output_domain: Option<(f64, f64)>,
}

impl CheckReport {
    pub fn passed(&self) -> bool {
        self.items.iter().all(|i| i.passed)
    }

    /// Fail where any item fails, even if others could not be checked.
    pub fn verdict(&self) -> Verdict {
        if self
            .items
            .iter()
            .any(|i| !i.passed && i.unchecked.is_none())
        {
            Verdict::Fail
        } else if self.passed() {
            Verdict::Pass
        } else {
            Verdict::Unchecked
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_finite_error_is_printed_in_scientific_notation() {
        let item = CheckItem {
            symbol: Symbol::Loss,
            form: CheckedForm::ClosedForm,
            comparison: Comparison::Entries,
            error: 3.14e-11,
            passed: true,
            non_finite: None,
            took: Took::default(),
            unchecked: None,
        };
        assert_eq!(item.error_text(), "3.1e-11");
    }
}
