//! Judging one comparison: the error between a printed form's value and what it is compared
//! with, whether that passes, and why it could not be checked where it could not.

use crate::check::report::{CheckItem, CheckedForm, Comparison, Unchecked};
use crate::check::saturation::SaturatedNodes;
use crate::check::stencil::{ERROR_FLOOR, Took};
use crate::derivation::Derivation;
use crate::math::expr::{Arena, ExprId};
use crate::math::symbol::Symbol;
use crate::numeric::evaluator::Evaluator;
use crate::numeric::matrix::MatrixRef;

/// The largest error over all entries, scaled as the module documentation of `check` says.
pub fn error_between(analytic: MatrixRef<f64>, numeric: MatrixRef<f64>) -> f64 {
    error_with_floor(analytic, numeric, ERROR_FLOOR)
}

/// The error between two analytic values (a closed form and its chain rule): no differencing
/// noise to allow for, so purely relative, and a vanishing gradient is still compared.
fn analytic_error(a: MatrixRef<f64>, b: MatrixRef<f64>) -> f64 {
    error_with_floor(a, b, f64::MIN_POSITIVE)
}

fn error_with_floor(analytic: MatrixRef<f64>, numeric: MatrixRef<f64>, floor: f64) -> f64 {
    if (analytic.rows, analytic.cols) != (numeric.rows, numeric.cols) {
        return f64::INFINITY;
    }
    if analytic
        .data
        .iter()
        .chain(numeric.data)
        .any(|v| !v.is_finite())
    {
        return f64::NAN;
    }
    // Every entry finite: the largest difference and sizes in one pass, without a matrix of
    // differences (the check compares tens of thousands of items).
    let (mut worst, mut largest_analytic, mut largest_numeric) = (0.0f64, 0.0f64, 0.0f64);
    for (a, n) in analytic.data.iter().zip(numeric.data) {
        worst = worst.max((a - n).abs());
        largest_analytic = largest_analytic.max(a.abs());
        largest_numeric = largest_numeric.max(n.abs());
    }
    worst / largest_analytic.max(largest_numeric).max(floor)
}

/// Says which side was not finite, and how.
fn non_finite(analytic: MatrixRef<f64>, numeric: MatrixRef<f64>) -> Option<String> {
    let kind = |m: MatrixRef<f64>| {
        if m.data.iter().any(|v| v.is_nan()) {
            Some("NaN")
        } else if m.data.iter().any(|v| v.is_infinite()) {
            Some("an infinity")
        } else {
            None
        }
    };
    match (kind(analytic), kind(numeric)) {
        (Some(a), Some(n)) => Some(format!(
            "the formula gives {a} and the finite differences {n}"
        )),
        (Some(a), None) => Some(format!("the formula gives {a}")),
        (None, Some(n)) => Some(format!("the finite differences give {n}")),
        (None, None) => None,
    }
}

/// One printed form of a quantity, as an item checks it.
#[derive(Clone, Copy)]
pub struct Printed<'s> {
    pub symbol: &'s Symbol,
    pub form: CheckedForm,
    /// The trees its value comes from: a saturated value any of them reads says why it is
    /// not finite.
    pub trees: &'s [ExprId],
}

impl<'s> Printed<'s> {
    pub fn new(symbol: &'s Symbol, form: CheckedForm, trees: &'s [ExprId]) -> Self {
        Printed {
            symbol,
            form,
            trees,
        }
    }
}

/// The items of a check, judged as they are recorded.
pub struct Items<'e, 'a> {
    arena: &'a Arena,
    /// The evaluation at the check's point, for the saturated values.
    analytic: &'e Evaluator<'a, f64>,
    tolerance: f64,
    /// Which values are saturated at this point, found once the first formula is not finite:
    /// a check whose values are all finite never looks.
    saturated: Option<SaturatedNodes>,
    items: Vec<CheckItem>,
}

impl<'e, 'a> Items<'e, 'a> {
    pub fn new(
        derivation: &'a Derivation,
        analytic: &'e Evaluator<'a, f64>,
        tolerance: f64,
    ) -> Self {
        // At most two items for each quantity, and the two of a joint check: reserved once, as
        // a deep chain has tens of thousands.
        let quantities =
            derivation.gradients.len() + derivation.jacobians.len() + derivation.signals.len() + 1;
        Items {
            arena: &derivation.network.arena,
            analytic,
            tolerance,
            saturated: None,
            items: Vec::with_capacity(2 * quantities),
        }
    }

    /// Records the comparison of a printed form's value `a` with `n` (differences taken as
    /// `took`, or the value of its chain-rule form).
    pub fn record(
        &mut self,
        printed: Printed,
        comparison: Comparison,
        a: MatrixRef<f64>,
        n: MatrixRef<f64>,
        took: Took,
    ) {
        let error = if comparison == Comparison::ChainRule {
            analytic_error(a, n)
        } else {
            error_between(a, n)
        };
        // A finite error means every entry was finite.
        let non_finite = if error.is_finite() {
            None
        } else {
            non_finite(a, n)
        };
        // Compared with its chain rule, both sides are formulas.
        let formulas_finite = a.data.iter().all(|v| v.is_finite())
            && (comparison != Comparison::ChainRule || n.data.iter().all(|v| v.is_finite()));
        let unchecked = if error.is_finite() {
            None
        } else if let Some(cause) = (!formulas_finite)
            .then(|| {
                let (arena, analytic) = (self.arena, self.analytic);
                self.saturated
                    .get_or_insert_with(|| SaturatedNodes::find(arena, analytic))
                    .cause_of(printed.trees)
            })
            .flatten()
        {
            Some(Unchecked::Saturated(cause))
        } else if took.impossible {
            Some(Unchecked::NotDifferentiable(took.edge))
        } else {
            None
        };
        self.items.push(CheckItem {
            symbol: printed.symbol.clone(),
            form: printed.form,
            comparison,
            error,
            // NaN compares false, so it fails here too; said explicitly all the same.
            passed: non_finite.is_none() && error <= self.tolerance,
            non_finite,
            took,
            unchecked,
        });
    }

    pub fn into_vec(self) -> Vec<CheckItem> {
        self.items
    }
}
