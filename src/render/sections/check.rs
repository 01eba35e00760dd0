//! The numeric check's section: how the check ran, in words, and a row for each item.

use super::*;

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

/// The check's section: how the check ran, and a row for each item.
pub(super) fn check_section(
    derivation: &Derivation,
    report: &CheckReport,
    numbering: Numbering,
) -> CheckSection {
    let network = &derivation.network;
    let yhat = symbol_of(&network.arena, network.yhat);
    let verdict = match report.verdict() {
        Verdict::Pass => "PASS",
        Verdict::Fail => "FAIL",
        Verdict::Unchecked => "INCOMPLETE",
    };
    let sizes: Vec<Prose> = report
        .sizes
        .entries()
        .iter()
        .map(|(name, size)| {
            Prose::new().math(Math::Size(crate::math::shape::Dim::named(name), *size))
        })
        .collect();
    // The kinked activations this network has, each named once.
    let mut kinked: Vec<&str> = Vec::new();
    for layer in &network.layers {
        if layer.kink().is_some() && !kinked.contains(&layer.kind.title()) {
            kinked.push(layer.kind.title());
        }
    }
    let kink_words = if kinked.is_empty() {
        ")".to_string()
    } else {
        format!(
            "; the inputs of {} at least {:e} away from 0, redrawn up to 1000 times to put \
             them on both sides of it, else the first draw clear of it)",
            kinked.join(", "),
            report.kink_margin
        )
    };
    let mut note = match report.seed {
        Some(seed) => {
            let target = if network.loss.target_is_distribution() {
                Prose::new().words(if network.samples.is_some() {
                    " a random distribution in every column (positive entries summing to 1)"
                } else {
                    " a random distribution (positive entries summing to 1)"
                })
            } else if network.loss.needs_probabilities() {
                Prose::new().words(" uniform in ").fixed("[0, 1)", "[0, 1)")
            } else {
                Prose::new()
                    .words(" uniform in ")
                    .fixed("[−1, 1)", "[-1, 1)")
            };
            Prose::new()
                .words(format!("At a random point (seed {seed}; sizes "))
                .join(sizes, ", ")
                .words("; ")
                .symbol(&symbol_of(&network.arena, network.x))
                .words(" and the biases uniform in ")
                .fixed("[−1, 1)", "[-1, 1)")
                .words(", the weights in ")
                .fixed("[−a, a)", "[-a, a)")
                .words(" with ")
                .fixed(
                    "a = min(1, √(3/fan-in))",
                    "a = \\min(1, \\sqrt{3/\\text{fan-in}})",
                )
                .words(", ")
                .symbol(&symbol_of(&network.arena, network.y))
                .join(vec![target], "")
                .words(kink_words)
        }
        None => Prose::new()
            .words("At the given point (sizes ")
            .join(sizes, ", ")
            .words(")"),
    };
    note = note
        .words(format!(
            ", every printed matrix form is evaluated and compared with five-point central \
             differences of the forward pass (step {:e}, or a hundredth of a value whose sign \
             matters, the input of a kinked activation or the output under a logarithm, where that is \
             smaller). The error is ",
            report.step
        ))
        // One formula, so that no format splits it in two.
        .fixed(
            "max |analytic − numeric| / max(‖analytic‖∞, ‖numeric‖∞, 1e-3)",
            "\\max \\lvert \\mathrm{analytic} - \\mathrm{numeric} \\rvert / \\max(\\lVert \\mathrm{analytic} \\rVert_{\\infty}, \\lVert \\mathrm{numeric} \\rVert_{\\infty}, 10^{-3})",
        )
        .words(format!("; tolerance {:e}.", report.tolerance));
    if !derivation.jacobians.is_empty() {
        note = note.words(format!(
            " The element forms of {} are printed from the same simplified trees but are not \
             evaluated entry by entry.",
            numbering.refer(Part::Jacobians)
        ));
    }
    match report.coverage {
        crate::check::Coverage::Entrywise => {}
        crate::check::Coverage::PerParameter(n) => {
            note = note.words(format!(
                " Differencing every entry would exceed the budget of {:e} multiply-adds, so \
                 each gradient is compared along {n} random directions of its parameter, each \
                 Jacobian along {n} random directions of its input, and each backpropagated \
                 row with the value of its chain-rule form.",
                crate::check::budget::MAX_MULTIPLY_ADDS
            ));
        }
        crate::check::Coverage::Joint(n) => {
            note = note
                .words(format!(
                    " Differencing every entry would exceed the budget of {:e} multiply-adds, so \
                 the gradients are compared along {n} random directions moving all the \
                 parameters ",
                    crate::check::budget::MAX_MULTIPLY_ADDS
                ))
                .symbol(&Symbol::Parameters)
                .words(format!(
                    " at once, each closed form with the value of its chain-rule form, and each \
                 Jacobian along {n} random directions of its input."
                ));
        }
    }
    if report.coverage != crate::check::Coverage::Entrywise && !kinked.is_empty() {
        note = note.words(
            " Along a direction the step shrinks by tens, down to 1e-9, wherever an input of a \
             kinked activation would otherwise cross its kink within the stencil's reach.",
        );
    }
    if report
        .items
        .iter()
        .any(|i| i.took.shrunk_to.is_some() || i.took.one_sided)
    {
        note = note
            .words(" Where the differences must keep ")
            .symbol(&symbol_of(&network.arena, network.yhat))
            .words(if network.loss.needs_probabilities() {
                " inside (0, 1) (bce takes the log of it and of 1 minus it),"
            } else {
                " positive (ce takes the log of it),"
            })
            .words(
                " or a value near the point is not finite, the step shrinks or the differences \
                 are one-sided (the summary says where), stepping away from the edge with the same order \
                 of error, whichever keeps within the tolerance when compared with the same \
                 differences at 1.5 times the step.",
            );
    }
    if report.near_kink {
        note = note.words(
            " Warning: at this point an input of a kinked activation lies within 1e-3 of \
             its kink, where the derivative does not exist and the differences straddle \
             it; a failure there says nothing about the formulas. Move the point off the \
             kink to check them.",
        );
    }
    let rows: Vec<CheckRow> = report
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
                .map(|why| why_unchecked(why, &yhat).plain(&crate::render::notation::Text)),
        })
        .collect();
    let passed = rows.iter().filter(|r| r.passed).count();
    let unchecked = report
        .items
        .iter()
        .filter(|i| !i.passed && i.unchecked.is_some())
        .count();
    let mut summary = Prose::new().words(format!(
        "{verdict}: {passed} of {} within tolerance",
        rows.len()
    ));
    summary = if unchecked == 0 {
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
    // The differences that had to change, item by item, in words that wrap at the width.
    for (item, row) in report.items.iter().zip(&rows) {
        if let Some(differences) = &row.differences {
            summary = summary
                .words(" ")
                .symbol(&item.symbol)
                .words(format!(" ({}): {differences}.", item.form.label()));
        }
    }
    // A NaN or an infinity is said in words, with the item it appeared in; the items that
    // could not be checked are named together for each reason.
    let mut reasons: Vec<(&Unchecked, Vec<&CheckItem>)> = Vec::new();
    for item in &report.items {
        if let Some(why) = &item.unchecked {
            if item.passed {
                continue;
            }
            match reasons.iter_mut().find(|(r, _)| *r == why) {
                Some((_, items)) => items.push(item),
                None => reasons.push((why, vec![item])),
            }
        } else if let Some(what) = &item.non_finite {
            summary = summary
                .words(" ")
                .symbol(&item.symbol)
                .words(format!(" ({}): {what}.", item.form.label()));
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
            .then(why_unchecked(why, &yhat))
            .words(".");
    }
    CheckSection {
        table: Table {
            heading: numbering.heading(
                Part::Check,
                Prose::new().words(format!("Numeric check: {verdict}")),
            ),
            note: Some(note),
            headers: vec!["Quantity", "Form", "Compared", "Error", "Result"],
            rows,
        },
        passed: report.passed(),
        summary,
    }
}
