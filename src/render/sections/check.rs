//! The numeric check's section: how the check ran, in words, and a row for each item.

use std::sync::LazyLock;

use super::{CheckRow, CheckSection, Numbering, Section, symbol_of};
use crate::check::Coverage;
use crate::check::facts::{
    ERROR_FLOOR, GAMMA, KINK_DISTANCE_DIVISOR, KINK_STEP_DIVISOR, MAX_MULTIPLY_ADDS, PROBABILITY,
    SECOND_STEP, SETTLE_DIVISOR, SIGN_STEP_DIVISOR, SMALLEST_KINK_STEP, STENCIL_POINTS, UNIFORM,
    WEIGHT_CAP, WEIGHT_GAIN,
};
use crate::check::{CheckItem, CheckReport, Saturated, Unchecked, Verdict};
use crate::derivation::Derivation;
use crate::math::prose::{Math, Prose};
use crate::math::symbol::Symbol;
use crate::network::Network;
use crate::network::loss::TargetDomain;
use crate::render::notation::{Notation, Text};
use crate::render::parts::Part;
use crate::render::prose::Spell;

/// `10^{-3}`, or `2.5 \cdot 10^{-3}`: a number in scientific notation, in LaTeX.
fn latex_scientific(v: f64) -> String {
    let written = format!("{v:e}");
    let (mantissa, exponent) = written.split_once('e').expect("`{:e}` writes an exponent");
    if mantissa == "1" {
        format!("10^{{{exponent}}}")
    } else {
        format!("{mantissa} \\cdot 10^{{{exponent}}}")
    }
}

/// A small count in words, as the note writes it: `five`.
fn count_words(n: usize) -> String {
    const WORDS: [&str; 11] = [
        "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    ];
    WORDS
        .get(n)
        .map_or_else(|| n.to_string(), |w| w.to_string())
}

/// One part in `parts`: `a hundredth`.
fn one_part_in(parts: f64) -> String {
    match parts {
        4.0 => "a quarter".into(),
        10.0 => "a tenth".into(),
        100.0 => "a hundredth".into(),
        1000.0 => "a thousandth".into(),
        _ => format!("1/{parts}"),
    }
}

/// Division by `divisor`, again and again: `by tens`.
fn divided_again_and_again(divisor: f64) -> String {
    match divisor {
        10.0 => "by tens".into(),
        100.0 => "by hundreds".into(),
        _ => format!("by factors of {divisor}"),
    }
}

/// The pieces of the note that state the check's constants inside mathematics, in text and in
/// LaTeX: written once for the process, since a fixed piece keeps its texts for as long.
struct FixedPieces {
    /// `[−1, 1)`: x, the biases, and y but under bce.
    uniform: (String, String),
    /// `[0, 1)`: y under bce.
    probability: (String, String),
    /// `a = min(1, √(3/fan-in))`: the weights' bound.
    weight_bound: (String, String),
    /// `a = min(1, √(3(1 − p)/fan-in))`: the bound of weights after dropout.
    dropout_weight_bound: (String, String),
    /// Where the scales γ⁽ᵏ⁾ of normalization layers are drawn.
    gamma: (String, String),
    /// The error of one item, in one piece so that no format splits it in two.
    error: (String, String),
    /// `|zₑ − k| / (4|uₑ|)`: the step along a direction u of a kinked input is at most this.
    kink_distance: (String, String),
}

static FIXED: LazyLock<FixedPieces> = LazyLock::new(|| {
    let interval = |(lo, hi): (f64, f64)| {
        (
            format!("[{}, {})", Text.argument(lo), Text.argument(hi)),
            format!("[{lo}, {hi})"),
        )
    };
    FixedPieces {
        uniform: interval(UNIFORM),
        gamma: interval(GAMMA),
        probability: interval(PROBABILITY),
        weight_bound: (
            format!(
                "a = min({}, √({}/fan-in))",
                Text.argument(WEIGHT_CAP),
                Text.argument(WEIGHT_GAIN)
            ),
            format!("a = \\min({WEIGHT_CAP}, \\sqrt{{{WEIGHT_GAIN}/\\text{{fan-in}}}})"),
        ),
        dropout_weight_bound: (
            format!(
                "a = min({}, √({}(1 − p)/fan-in))",
                Text.argument(WEIGHT_CAP),
                Text.argument(WEIGHT_GAIN)
            ),
            format!("a = \\min({WEIGHT_CAP}, \\sqrt{{{WEIGHT_GAIN}(1 - p)/\\text{{fan-in}}}})"),
        ),
        error: (
            format!("max |analytic − numeric| / max(‖analytic‖∞, ‖numeric‖∞, {ERROR_FLOOR:e})"),
            format!(
                "\\max \\lvert \\mathrm{{analytic}} - \\mathrm{{numeric}} \\rvert / \\max(\\lVert \\mathrm{{analytic}} \\rVert_{{\\infty}}, \\lVert \\mathrm{{numeric}} \\rVert_{{\\infty}}, {})",
                latex_scientific(ERROR_FLOOR)
            ),
        ),
        kink_distance: (
            format!("|zₑ − k| / ({}|uₑ|)", Text.argument(KINK_DISTANCE_DIVISOR)),
            format!("\\lvert z_e - k \\rvert / ({KINK_DISTANCE_DIVISOR} \\lvert u_e \\rvert)"),
        ),
    }
});

/// `Prose::fixed` with a piece of `FIXED`.
trait FixedPiece {
    fn fixed_piece(self, piece: &'static (String, String)) -> Self;
}

impl FixedPiece for Prose {
    fn fixed_piece(self, (text, latex): &'static (String, String)) -> Prose {
        self.fixed(text, latex)
    }
}

/// The differences an item took where they had to change near the edge of a domain:
/// `one-sided differences, steps down to 2.2e-6` (the smallest step taken); `None` for the
/// central stencil at the report's step.
fn differences(item: &CheckItem) -> Option<String> {
    let mut said = Vec::new();
    if item.took.one_sided {
        said.push("one-sided differences".to_string());
    }
    if let Some(step) = item.took.shrunk_to {
        said.push(format!("steps down to {step:.1e}"));
    }
    (!said.is_empty()).then(|| said.join(", "))
}

/// Why an item could not be checked at this point: "could not be checked at this point, as ŷ
/// is saturated there (σ is exactly 1 in float64), …". `yhat` is ŷ, the only value whose
/// domain the differences must keep.
fn why_unchecked(why: &Unchecked, yhat: &Symbol) -> Prose {
    let said = Prose::new().words("could not be checked at this point, as ");
    let right_formula = |prose: Prose| {
        prose
            .words(", where a right formula can give NaN (")
            .fixed("0 · ∞", "0 \\cdot \\infty")
            .words(") or an infinity")
    };
    match why {
        Unchecked::Saturated(s) => {
            let at = if s.at == 0.0 { "0" } else { "1" };
            let what = said.symbol(&s.value);
            right_formula(match s.saturated {
                Saturated::Sigmoid => what
                    .words(" is saturated there (")
                    .fixed("σ", "\\sigma")
                    .words(format!(" is exactly {at} in float64)")),
                Saturated::Softmax => what.words(format!(
                    " is saturated there (an entry of softmax is exactly {at} in float64)"
                )),
                Saturated::LogOfZero if s.at == 0.0 => {
                    what.words(" is exactly 0 there, and the loss takes its log")
                }
                Saturated::LogOfZero => {
                    what.words(" is exactly 1 there, and the loss takes the log of 1 minus it")
                }
            })
        }
        Unchecked::NotDifferentiable(Some(edge)) if edge.distance == 0.0 => {
            said.symbol(yhat).words(format!(
                " is exactly {} there in float64, on the edge of the loss's domain, where \
                 the loss has no finite differences",
                edge.at
            ))
        }
        Unchecked::NotDifferentiable(Some(edge)) => said.symbol(yhat).words(format!(
            " lies {:.1e} from {}, the edge of the loss's domain, too close for finite \
             differences in float64, central or one-sided, to settle within the tolerance",
            edge.distance, edge.at
        )),
        Unchecked::NotDifferentiable(None) => said.words(
            "the loss is not finite near this point, or its finite differences do not settle \
             within the tolerance at any step",
        ),
    }
}

/// The check's section: how the check ran (`note`), a row for each item (`rows`), and what
/// came of it (`summary`).
pub(super) fn check_section(
    derivation: &Derivation,
    report: &CheckReport,
    numbering: Numbering,
) -> CheckSection {
    let network = &derivation.network;
    let yhat = symbol_of(&network.arena, network.yhat);
    let verdict = verdict_word(report.verdict());
    let rows = rows(report, &yhat);
    let summary = summary(report, &rows, verdict, &yhat);
    CheckSection {
        table: Section {
            heading: numbering.heading(
                Part::Check,
                Prose::new().words(format!("Numeric check: {verdict}")),
            ),
            note: Some(note(derivation, report, numbering)),
            headers: vec!["Quantity", "Form", "Compared", "Error", "Result"],
            rows,
        },
        passed: report.passed(),
        summary,
    }
}

/// `PASS`, `FAIL`, or `INCOMPLETE` where some item could not be checked and none failed.
fn verdict_word(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Pass => "PASS",
        Verdict::Fail => "FAIL",
        Verdict::Unchecked => "INCOMPLETE",
    }
}

/// The kinked activations of the network, each named once, and where their kinks are.
fn kinked_activations(network: &Network) -> (Vec<&'static str>, Vec<String>) {
    let mut kinked: Vec<&str> = Vec::new();
    let mut kinks: Vec<String> = Vec::new();
    for layer in &network.layers {
        if let Some(kink) = layer.kink() {
            if !kinked.contains(&layer.kind.title()) {
                kinked.push(layer.kind.title());
            }
            if !kinks.contains(&Text.argument(kink)) {
                kinks.push(Text.argument(kink));
            }
        }
    }
    (kinked, kinks)
}

/// Along directions, there is a Jacobian in ŷ whose logarithm the loss takes: its step keeps
/// ŷ inside the loss's domain.
fn log_jacobian_along_directions(derivation: &Derivation, report: &CheckReport) -> bool {
    report.coverage != Coverage::Entrywise
        && report.output_domain.is_some()
        && derivation
            .jacobians
            .iter()
            .any(|j| j.by == derivation.network.yhat)
}

/// The note under the table: the point, the differences and their step, the error and the
/// tolerance, the coverage, the steps along directions, and a warning near a kink.
fn note(derivation: &Derivation, report: &CheckReport, numbering: Numbering) -> Prose {
    let (kinked, kinks) = kinked_activations(&derivation.network);
    let any_kinks = !kinked.is_empty() || !derivation.network.loss_kinks.is_empty();
    // Along directions only the gradients and Jacobians are differenced; the other forms are
    // compared with their chain-rule forms, as the coverage's words say.
    let compared = match report.coverage {
        Coverage::Entrywise => "evaluated and compared",
        Coverage::PerParameter(_) | Coverage::Joint(_) => {
            "evaluated, and the gradients and Jacobians are compared"
        }
    };
    let mut note = point(&derivation.network, report, &kinked, &kinks)
        .words(format!(
            ", every printed matrix form is {compared} with {}-point central differences of the \
             forward pass ({}). The error is ",
            count_words(STENCIL_POINTS),
            step_rule(derivation, report, any_kinks),
        ))
        .fixed_piece(&FIXED.error)
        .words(format!("; tolerance {:e}.", report.tolerance));
    if !derivation.jacobians.is_empty() {
        note = note.words(format!(
            " The element forms of {} are printed from the same simplified trees but are not \
             evaluated entry by entry.",
            numbering.refer(Part::Jacobians)
        ));
    }
    note = coverage_words(note, report.coverage);
    note = steps_along_directions(note, derivation, report, !kinked.is_empty());
    note = steps_along_directions_at_loss_kinks(note, derivation, report);
    note = shrunk_or_one_sided(note, &derivation.network, report);
    match kink_warning(report, &derivation.network) {
        Some(warning) => note.words(warning),
        None => note,
    }
}

/// Where the check ran: the random point and how it was drawn, or the given point.
fn point(network: &Network, report: &CheckReport, kinked: &[&str], kinks: &[String]) -> Prose {
    let sizes: Vec<Prose> = report
        .sizes
        .entries()
        .iter()
        .map(|(name, size)| {
            Prose::new().math(Math::Size(crate::math::shape::Dim::named(name), *size))
        })
        .collect();
    let Some(seed) = report.seed else {
        return Prose::new()
            .words("At the given point (sizes ")
            .join(sizes, ", ")
            .words(")");
    };
    let redrawn = format!(
        ", redrawn up to {} times to put them on both sides of it, else the first draw clear \
         of it)",
        report.both_sides_draws
    );
    let layer_kinks = (!kinked.is_empty()).then(|| {
        format!(
            "the inputs of {} at least {:e} away from {}",
            kinked.join(", "),
            report.kink_margin,
            kinks.join(" or "),
        )
    });
    // The loss's kinks (l1's ŷ − y at 0), kept away from as a ReLU's input is.
    let kink_words = match (layer_kinks, network.loss.kinks_in_words()) {
        (None, None) => Prose::new().words(")"),
        (Some(layers), None) => Prose::new().words(format!("; {layers}{redrawn}")),
        (layers, Some((what, at))) => {
            let start = match layers {
                Some(layers) => format!("; {layers} and "),
                None => "; ".to_string(),
            };
            Prose::new()
                .words(start)
                .then(what)
                .words(format!(" at least {:e} away from ", report.kink_margin))
                .math(Math::Number(at))
                .words(redrawn)
        }
    };
    let normalized = network.layers.iter().any(|l| l.normalization.is_some());
    let drawn = Prose::new()
        .words(format!("At a random point (seed {seed}; sizes "))
        .join(sizes, ", ")
        .words("; ")
        .then(super::inputs_prose(network));
    let drawn = if normalized {
        drawn
            .words(", the biases and the shifts ")
            .fixed("β⁽ᵏ⁾", "\\beta^{(k)}")
            .words(" uniform in ")
            .fixed_piece(&FIXED.uniform)
            .words(", the scales ")
            .fixed("γ⁽ᵏ⁾", "\\gamma^{(k)}")
            .words(" in ")
            .fixed_piece(&FIXED.gamma)
    } else {
        drawn
            .words(" and the biases uniform in ")
            .fixed_piece(&FIXED.uniform)
    };
    drawn
        .words(", the weights in ")
        .fixed("[−a, a)", "[-a, a)")
        .words(" with ")
        .fixed_piece(&FIXED.weight_bound)
        .words(", ")
        .symbol(&symbol_of(&network.arena, network.y))
        .then(target(network))
        .then(masks(network))
        .then(kink_words)
}

/// How the random point's dropout masks were drawn, if the network has any.
fn masks(network: &Network) -> Prose {
    let masks: Vec<Prose> = network
        .masks()
        .map(|mask| Prose::new().symbol(&symbol_of(&network.arena, mask)))
        .collect();
    if masks.is_empty() {
        return Prose::new();
    }
    let side = super::orientation::sample_side(network.convention);
    let (column, all_zero) = if network.samples.is_some() {
        (side, format!("is 0 in a whole {side}"))
    } else {
        ("mask", "is all 0".to_string())
    };
    Prose::new()
        .words(", ")
        .join(masks, ", ")
        .words(" of 0s and 1s, each entry 1 with probability ")
        .fixed("1 − p", "1 - p")
        .words(format!(
            ", then a 1 put in any {column} without one and a 0 in any {column} of two or more \
             entries without one (p > 0), so that the check sees kept and dropped units, and the \
             point redrawn while a dropout layer's output {all_zero}; the weights of a linear \
             layer after dropout with "
        ))
        .fixed_piece(&FIXED.dropout_weight_bound)
        .words(" (")
        .fixed("1 − p", "1 - p")
        .words(
            " multiplied over the dropout layers since the linear one before), so that the \
             scales ",
        )
        .fixed("1/(1 − p)", "1/(1 - p)")
        .words(" do not grow the values layer by layer")
}

/// How the random point's target y was drawn.
fn target(network: &Network) -> Prose {
    let side = super::orientation::sample_side(network.convention);
    match network.loss.target_domain() {
        TargetDomain::Distribution => Prose::new().words(if network.samples.is_some() {
            format!(" a random distribution in every {side} (positive entries summing to 1)")
        } else {
            " a random distribution (positive entries summing to 1)".to_string()
        }),
        TargetDomain::OneHot => Prose::new().words(if network.samples.is_some() {
            format!(" one-hot at a random class in every {side}")
        } else {
            " one-hot at a random class".to_string()
        }),
        TargetDomain::Probability => Prose::new()
            .words(" uniform in ")
            .fixed_piece(&FIXED.probability),
        TargetDomain::Real => Prose::new()
            .words(" uniform in ")
            .fixed_piece(&FIXED.uniform),
    }
}

/// The step of the differences, in the parentheses after them: entry by entry, the base step
/// or a hundredth of a value whose sign matters (`stencil::step_for`, and ŷ's room); along
/// directions, the base step, smaller where `steps_along_directions` says.
fn step_rule(derivation: &Derivation, report: &CheckReport, kinked: bool) -> String {
    if report.coverage == Coverage::Entrywise {
        format!(
            "step {:e}, or {} of a value whose sign matters, the input of a kinked activation \
             or the output under a logarithm, where that is smaller",
            report.step,
            one_part_in(SIGN_STEP_DIVISOR)
        )
    } else if kinked || log_jacobian_along_directions(derivation, report) {
        format!(
            "step {:e}, smaller along some directions, as said below",
            report.step
        )
    } else {
        format!("step {:e}", report.step)
    }
}

/// Along directions, the step that keeps the loss's kinks (l1's ŷ − y at 0) on their side:
/// the same shrinking as for a kinked activation's input, moving the parameters or ŷ.
fn steps_along_directions_at_loss_kinks(
    note: Prose,
    derivation: &Derivation,
    report: &CheckReport,
) -> Prose {
    let Some((what, at)) = derivation.network.loss.kinks_in_words() else {
        return note;
    };
    if report.coverage == Coverage::Entrywise {
        return note;
    }
    note.words(format!(
        " Along a direction of the parameters, or of the loss's input, the step shrinks {}, \
         down to {:e}, wherever ",
        divided_again_and_again(KINK_STEP_DIVISOR),
        SMALLEST_KINK_STEP,
    ))
    .then(what)
    .words(" would otherwise cross ")
    .math(Math::Number(at))
    .words(" within the stencil's reach.")
}

/// What the differences covered, where not every entry.
fn coverage_words(note: Prose, coverage: Coverage) -> Prose {
    match coverage {
        Coverage::Entrywise => note,
        Coverage::PerParameter(n) => note.words(format!(
            " Differencing every entry would exceed the budget of {:e} multiply-adds, so \
             each gradient is compared along {n} random directions of its parameter, each \
             Jacobian along {n} random directions of its input, and each backpropagated \
             row with the value of its chain-rule form.",
            MAX_MULTIPLY_ADDS
        )),
        Coverage::Joint(n) => note
            .words(format!(
                " Differencing every entry would exceed the budget of {:e} multiply-adds, so \
                 the gradients are compared along {n} random directions moving all the \
                 parameters ",
                MAX_MULTIPLY_ADDS
            ))
            .symbol(&Symbol::Parameters)
            .words(format!(
                " at once, each closed form with the value of its chain-rule form, each \
                 Jacobian along {n} random directions of its input, and each backpropagated \
                 row with the value of its chain-rule form."
            )),
    }
}

/// Along directions, the rules that make the step smaller (`directional`): for the
/// parameters, divided while the stencil would cross a kink; for a kinked input, a fraction
/// of the way to its kink; for ŷ under a logarithm, a fraction of the way to the edge.
fn steps_along_directions(
    mut note: Prose,
    derivation: &Derivation,
    report: &CheckReport,
    kinked: bool,
) -> Prose {
    if report.coverage == Coverage::Entrywise {
        return note;
    }
    if kinked {
        note = note
            .words(format!(
                " Along a direction of the parameters the step shrinks {}, down to {:e}, \
                 wherever an input of a kinked activation would otherwise cross its kink within \
                 the stencil's reach. Along a direction ",
                divided_again_and_again(KINK_STEP_DIVISOR),
                SMALLEST_KINK_STEP,
            ))
            // The letters are mathematics, set as such where the format has a notation for it.
            .fixed("u", "u")
            .words(" of the input ")
            .fixed("z", "z")
            .words(format!(
                " of a kinked activation, the step is {:e} or the least ",
                report.step
            ))
            .fixed_piece(&FIXED.kink_distance)
            .words(" over the entries ")
            .fixed("e", "e")
            .words(" (")
            .fixed("k", "k")
            .words(format!(
                " the kink), where that is smaller: {} of the way along ",
                one_part_in(KINK_DISTANCE_DIVISOR)
            ))
            .fixed("u", "u")
            .words(" to the nearest kink, which keeps every entry on its side of it.");
    }
    if log_jacobian_along_directions(derivation, report) {
        let network = &derivation.network;
        note = note
            .words(" Along a direction ")
            .fixed("u", "u")
            .words(" of ")
            .symbol(&symbol_of(&network.arena, network.yhat))
            .words(format!(
                ", whose logarithm the loss takes, the step is {:e} or {} of the way along ",
                report.step,
                one_part_in(SIGN_STEP_DIVISOR)
            ))
            .fixed("u", "u")
            .words(
                " to the nearest edge of the loss's domain, where that is smaller; along a \
                 direction of the parameters that edge does not limit the step.",
            );
    }
    note
}

/// Where some item's differences shrank or were one-sided: why, and how they were chosen.
fn shrunk_or_one_sided(note: Prose, network: &Network, report: &CheckReport) -> Prose {
    if !report
        .items
        .iter()
        .any(|i| i.took.shrunk_to.is_some() || i.took.one_sided)
    {
        return note;
    }
    let loss = network.loss.name();
    let place = match report.output_domain {
        Some((lo, hi)) => Prose::new()
            .words(" Where the differences must keep ")
            .symbol(&symbol_of(&network.arena, network.yhat))
            .words(if hi.is_finite() {
                format!(
                    " inside ({}, {}) ({loss} takes the log of it and of 1 minus it),",
                    Text.argument(lo),
                    Text.argument(hi)
                )
            } else {
                format!(" positive ({loss} takes the log of it),")
            })
            .words(" or a value near the point is not finite,"),
        None => Prose::new().words(" Where a value near the point is not finite,"),
    };
    note.then(place).words(format!(
        " the step shrinks or the differences are one-sided (the summary says where), stepping \
         away from the edge with the same order of error: of the steps and stencils whose value \
         is within {} of the tolerance of the same differences at {SECOND_STEP} times the \
         step, the largest.",
        one_part_in(SETTLE_DIVISOR)
    ))
}

/// The warning of a point near a kink, or of differences that straddle one: entry by entry
/// they may straddle it; along directions `kink_straddled` says whether they did.
fn kink_warning(report: &CheckReport, network: &Network) -> Option<String> {
    let margin = report.kink_margin;
    // The loss's kinks (l1's ŷ − y at 0) are kept away from as an activation's are.
    let input = if network.loss_kinks.is_empty() {
        "an input of a kinked activation"
    } else {
        "an input of a kinked activation, or of the loss where its derivative jumps,"
    };
    match (report.near_kink, report.kink_straddled) {
        (true, Some(false)) => Some(format!(
            " Warning: at this point {input} lies within {margin:e} of \
             its kink, where the derivative does not exist; along every direction the step \
             was shrunk to keep the differences on one side of it."
        )),
        (true, straddled) => Some(format!(
            " Warning: at this point {input} lies within {margin:e} of \
             its kink, where the derivative does not exist and the differences {} \
             it; a failure there says nothing about the formulas. Move the point off the \
             kink to check them.",
            // Entry by entry the check does not follow whether they did.
            if straddled.is_some() {
                "straddle"
            } else {
                "may straddle"
            }
        )),
        (false, Some(true)) => Some(format!(
            " Warning: along some direction of the parameters {input} \
             crosses its kink within the stencil's reach even at the smallest step, {:e}, so \
             the differences there straddle it; a failure there says nothing about the \
             formulas. Move the point farther from the kinks to check them.",
            SMALLEST_KINK_STEP
        )),
        (false, _) => None,
    }
}

/// A row of the table for each item.
fn rows(report: &CheckReport, yhat: &Symbol) -> Vec<CheckRow> {
    report
        .items
        .iter()
        .map(|item| CheckRow {
            symbol: item.symbol.clone(),
            form: item.form.label(),
            how: item.comparison.label(),
            differences: differences(item),
            error_text: item.error_text(),
            non_finite: item.non_finite.clone(),
            error: item.error,
            passed: item.passed,
            result: match (&item.unchecked, item.passed) {
                (_, true) => "pass",
                (Some(_), false) => "unchecked",
                (None, false) => "FAIL",
            },
            unchecked: item
                .unchecked
                .as_ref()
                .map(|why| why_unchecked(why, yhat).plain(&Text)),
        })
        .collect()
}

/// The summary under the table: the verdict and the count within tolerance, then the
/// differences that had to change, the values that were not finite, and the items that could
/// not be checked, each with its items.
fn summary(report: &CheckReport, rows: &[CheckRow], verdict: &str, yhat: &Symbol) -> Prose {
    let passed = rows.iter().filter(|r| r.passed).count();
    let unchecked = report
        .items
        .iter()
        .filter(|i| !i.passed && i.unchecked.is_some())
        .count();
    let summary = Prose::new().words(format!(
        "{verdict}: {passed} of {} within tolerance",
        rows.len()
    ));
    let summary = if unchecked == 0 {
        summary.words(".")
    } else {
        summary.words(format!(
            "; {unchecked} could not be checked at this point, which says nothing about \
             {}.",
            if unchecked == 1 {
                "its formula"
            } else {
                "their formulas"
            }
        ))
    };
    unchecked_by_reason(
        differences_and_non_finite(summary, report, rows),
        report,
        yhat,
    )
}

/// The differences that had to change, item by item, in words that wrap at the width; then
/// each NaN or infinity, with the item it appeared in, where that item was checked.
fn differences_and_non_finite(
    mut summary: Prose,
    report: &CheckReport,
    rows: &[CheckRow],
) -> Prose {
    for (item, row) in report.items.iter().zip(rows) {
        if let Some(differences) = &row.differences {
            summary = summary
                .words(" ")
                .symbol(&item.symbol)
                .words(format!(" ({}): {differences}.", item.form.label()));
        }
    }
    for item in &report.items {
        if let (None, Some(what)) = (&item.unchecked, &item.non_finite) {
            summary = summary
                .words(" ")
                .symbol(&item.symbol)
                .words(format!(" ({}): {what}.", item.form.label()));
        }
    }
    summary
}

/// The items that could not be checked, named together for each reason.
fn unchecked_by_reason(mut summary: Prose, report: &CheckReport, yhat: &Symbol) -> Prose {
    let mut reasons: Vec<(&Unchecked, Vec<&CheckItem>)> = Vec::new();
    for item in report.items.iter().filter(|i| !i.passed) {
        if let Some(why) = &item.unchecked {
            match reasons.iter_mut().find(|(r, _)| *r == why) {
                Some((_, items)) => items.push(item),
                None => reasons.push((why, vec![item])),
            }
        }
    }
    for (why, items) in reasons {
        let named: Vec<Prose> = items
            .iter()
            .map(|i| {
                Prose::new()
                    .symbol(&i.symbol)
                    .words(format!(" ({})", i.form.label()))
            })
            .collect();
        summary = summary
            .words(" ")
            .join(named, ", ")
            .words(": ")
            .then(why_unchecked(why, yhat))
            .words(".");
    }
    summary
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::{CheckOptions, Coverage, PreparedCheck, check};
    use crate::network::loss::{Loss, LossKind};
    use crate::numeric::evaluator::Inputs;
    use crate::render::parts::Parts;

    /// The note under the check's table, in text, its words on one line.
    fn note_of(derivation: &Derivation, report: &CheckReport) -> String {
        let numbering = Numbering {
            parts: Parts::whole(),
            has_values: false,
        };
        let section = check_section(derivation, report, numbering);
        let note = section.table.note.expect("the check has a note");
        note.plain(&Text)
    }

    fn options(derivation: &Derivation, dims: &str) -> CheckOptions {
        CheckOptions {
            seed: CheckOptions::DEFAULT_SEED,
            sizes: crate::parse_dims(dims, &derivation.network).unwrap(),
            step: CheckOptions::DEFAULT_STEP,
            tolerance: CheckOptions::DEFAULT_TOLERANCE,
        }
    }

    /// `layers` linear layers, each followed by `activation`, then a linear output.
    fn chain(activation: &str, layers: usize) -> Derivation {
        let spec = format!("linear>{activation}>").repeat(layers) + "linear>identity";
        crate::derive_text(&spec, Loss::new(LossKind::Mse)).unwrap()
    }

    /// Past 8 kinked layers the random point settles for the first draw clear of the kinks
    /// after 20 draws, and the note says so; up to 8 it tries 1000.
    #[test]
    fn the_note_says_how_many_draws_the_point_was_allowed() {
        for (activation, layers, draws, not) in [
            ("relu", 8, 1000, 20),
            ("leaky_relu", 9, 20, 1000),
            ("relu", 40, 20, 1000),
        ] {
            let d = chain(activation, layers);
            let report = check(&d, &options(&d, "")).unwrap();
            assert_eq!(report.both_sides_draws, draws, "{layers} × {activation}");
            let note = note_of(&d, &report);
            assert!(
                note.contains(&format!("redrawn up to {draws} times")),
                "{layers} × {activation}: {note}"
            );
            assert!(
                !note.contains(&format!("redrawn up to {not} times")),
                "{layers} × {activation}: {note}"
            );
        }
    }

    /// A random point is kept 1e-3 from the kinks when every entry is differenced, 1e-5 when
    /// the check goes along directions, and the note says the one used.
    #[test]
    fn the_note_says_the_kink_margin_of_the_coverage_that_ran() {
        for (layers, coverage, margin, not) in [
            (2, Coverage::Entrywise, "1e-3", "1e-5"),
            (
                40,
                Coverage::PerParameter(CheckOptions::DIRECTIONS),
                "1e-5",
                "1e-3",
            ),
        ] {
            let d = chain("relu", layers);
            let report = check(&d, &options(&d, "")).unwrap();
            assert_eq!(report.coverage, coverage, "{layers} layers");
            assert_eq!(format!("{:e}", report.kink_margin), margin);
            let note = note_of(&d, &report);
            assert!(
                note.contains(&format!("at least {margin} away from 0")),
                "{layers} layers: {note}"
            );
            assert!(
                !note.contains(&format!("at least {not} away")),
                "{layers} layers: {note}"
            );
            // Only a check along directions shrinks its step for a kink.
            let shrinks = note.contains("the step shrinks by tens, down to 1e-10,");
            assert_eq!(shrinks, coverage != Coverage::Entrywise, "{note}");
        }
    }

    /// `linear > relu > linear > identity` with n = K = 1, d = 2 at the given point where the
    /// ReLU's inputs are z₁ = (`near`, 0.5).
    fn relu_point(near: f64) -> Inputs<f64> {
        let m = |rows: usize, data: &[f64]| {
            crate::numeric::matrix::Matrix::from_vec(rows, data.len() / rows, data.to_vec())
        };
        Inputs::from([
            (Symbol::Input, m(1, &[1.0])),
            (Symbol::Weight(1), m(2, &[1.0, 1.0])),
            (Symbol::Bias(1), m(2, &[near - 1.0, -0.5])),
            (Symbol::Weight(2), m(1, &[1.0, 1.0])),
            (Symbol::Bias(2), m(1, &[0.0])),
            (Symbol::Target, m(1, &[0.0])),
        ])
    }

    /// The warning says the margin the point was measured against: an input 10⁻⁴ from the
    /// kink is near it for an entrywise check (margin 1e-3) but not along directions (margin
    /// 1e-5), where one 10⁻⁶ from it is.
    #[test]
    fn the_warning_says_the_margin_the_point_was_measured_against() {
        let d = chain("relu", 1);
        let options = options(&d, "n=1,d=2,K=1");
        let directions = Coverage::PerParameter(CheckOptions::DIRECTIONS);
        for (near, coverage, warning) in [
            (1e-4, Coverage::Entrywise, Some("1e-3")),
            (1e-4, directions, None),
            (1e-6, directions, Some("1e-5")),
            (1e-6, Coverage::Entrywise, Some("1e-3")),
        ] {
            let inputs = relu_point(near);
            let report = PreparedCheck::at(&d, &options, &inputs)
                .covering(coverage)
                .run();
            let note = note_of(&d, &report);
            let said = |margin: &str| note.contains(&format!("lies within {margin} of its kink"));
            match warning {
                Some(margin) => {
                    assert!(report.near_kink, "{near}, {coverage:?}");
                    assert!(said(margin), "{near}, {coverage:?}: {note}");
                    let other = if margin == "1e-3" { "1e-5" } else { "1e-3" };
                    assert!(!said(other), "{near}, {coverage:?}: {note}");
                }
                None => {
                    assert!(!report.near_kink, "{near}, {coverage:?}");
                    assert!(!note.contains("Warning"), "{near}, {coverage:?}: {note}");
                }
            }
        }
    }

    /// A check along directions states the rules its steps followed there (the tens and the
    /// floor for the parameters, a quarter of the way to the kink for a kinked input, a
    /// hundredth of the way to the edge for ŷ under a logarithm), and not the entrywise rule of
    /// a hundredth of a value; an entrywise check states that rule and none of these.
    #[test]
    fn a_directional_note_states_the_directional_rules_not_the_hundredth_rule() {
        let hundredth = "(step 1e-4, or a hundredth of a value whose sign matters, the input of \
                         a kinked activation or the output under a logarithm, where that is \
                         smaller)";
        let kink_rules = [
            "Along a direction of the parameters the step shrinks by tens, down to 1e-10, \
             wherever an input of a kinked activation would otherwise cross its kink",
            "the step is 1e-4 or the least |zₑ − k| / (4|uₑ|) over the entries e (k the kink), \
             where that is smaller: a quarter of the way along u to the nearest kink",
        ];
        let log_rule = "whose logarithm the loss takes, the step is 1e-4 or a hundredth of the \
                        way along u to the nearest edge of the loss's domain";
        let directions = Coverage::PerParameter(CheckOptions::DIRECTIONS);
        for (spec, loss, dims, coverage, kinks, log) in [
            (
                "linear>relu>linear>identity",
                LossKind::Mse,
                "",
                Coverage::Entrywise,
                false,
                false,
            ),
            (
                "linear>relu>linear>identity",
                LossKind::Mse,
                "",
                directions,
                true,
                false,
            ),
            ("linear>sigmoid", LossKind::Bce, "", directions, false, true),
            (
                "linear>relu>linear>sigmoid",
                LossKind::Bce,
                "",
                directions,
                true,
                true,
            ),
            (
                "linear>tanh>linear>identity",
                LossKind::Mse,
                "",
                directions,
                false,
                false,
            ),
        ] {
            let d = crate::derive_text(spec, Loss::new(loss)).unwrap();
            let options = options(&d, dims);
            let report = PreparedCheck::at_random_point(&d, &options)
                .unwrap()
                .covering(coverage)
                .run();
            let note = note_of(&d, &report);
            let case = format!("{spec}, {loss:?}, {coverage:?}: {note}");
            assert_eq!(
                note.contains(hundredth),
                coverage == Coverage::Entrywise,
                "{case}"
            );
            for rule in kink_rules {
                assert_eq!(note.contains(rule), kinks, "{rule}; {case}");
            }
            assert_eq!(note.contains(log_rule), log, "{case}");
            let smaller = "(step 1e-4, smaller along some directions, as said below). The error";
            assert_eq!(
                note.contains(smaller),
                coverage != Coverage::Entrywise && (kinks || log),
                "{case}"
            );
            let plain = "(step 1e-4). The error is";
            assert_eq!(
                note.contains(plain),
                coverage != Coverage::Entrywise && !kinks && !log,
                "{case}"
            );
        }
    }

    /// Along directions the warning of a point near a kink says whether the differences
    /// straddled it, as the check reports: an input 10⁻⁶ from the kink is kept on one side as
    /// the step shrinks; one exactly on it is crossed even at the smallest step. Entry by
    /// entry the warning is as it was.
    #[test]
    fn the_warning_says_what_the_check_reports_of_straddling() {
        let d = chain("relu", 1);
        let options = options(&d, "n=1,d=2,K=1");
        let directions = Coverage::PerParameter(CheckOptions::DIRECTIONS);
        let one_side = "lies within 1e-5 of its kink, where the derivative does not exist; along \
                        every direction the step was shrunk to keep the differences on one side \
                        of it.";
        let straddle = "where the derivative does not exist and the differences straddle it; a \
                        failure there says nothing about the formulas.";
        let may_straddle = "where the derivative does not exist and the differences may \
                            straddle it; a failure there says nothing about the formulas.";
        for (near, coverage, straddled, said) in [
            (1e-6, directions, Some(false), Some(one_side)),
            (0.0, directions, Some(true), Some(straddle)),
            (0.5, directions, Some(false), None),
            (1e-6, Coverage::Entrywise, None, Some(may_straddle)),
        ] {
            let inputs = relu_point(near);
            let report = PreparedCheck::at(&d, &options, &inputs)
                .covering(coverage)
                .run();
            assert_eq!(report.kink_straddled, straddled, "{near}, {coverage:?}");
            let note = note_of(&d, &report);
            let case = format!("{near}, {coverage:?}: {note}");
            match said {
                Some(warning) => {
                    assert!(note.contains(warning), "{case}");
                    let other = if warning == one_side {
                        straddle
                    } else {
                        one_side
                    };
                    assert!(!note.contains(other), "{case}");
                }
                None => assert!(!note.contains("Warning"), "{case}"),
            }
        }
        // Differences that straddle a kink the point is not near are warned of as such.
        let inputs = relu_point(0.5);
        let mut report = PreparedCheck::at(&d, &options, &inputs)
            .covering(directions)
            .run();
        report.kink_straddled = Some(true);
        let note = note_of(&d, &report);
        assert!(
            note.contains(
                "Warning: along some direction of the parameters an input of a kinked \
                 activation crosses its kink within the stencil's reach even at the smallest \
                 step, 1e-10, so the differences there straddle it;"
            ),
            "{note}"
        );
        assert!(!note.contains("lies within"), "{note}");
    }

    #[test]
    fn numbers_in_words() {
        assert_eq!(count_words(5), "five");
        assert_eq!(count_words(12), "12");
        assert_eq!(one_part_in(100.0), "a hundredth");
        assert_eq!(one_part_in(4.0), "a quarter");
        assert_eq!(one_part_in(50.0), "1/50");
        assert_eq!(divided_again_and_again(10.0), "by tens");
        assert_eq!(latex_scientific(1e-3), "10^{-3}");
        assert_eq!(latex_scientific(2.5e-3), "2.5 \\cdot 10^{-3}");
        assert_eq!(Text.argument(-1.0), "−1");
    }
}
