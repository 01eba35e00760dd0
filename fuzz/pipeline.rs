//! The whole pipeline on one spec text, shared by the fuzz target and the regression tests:
//! parse, derive with each loss, render at two widths, and check with small sizes. Errors are
//! expected; a panic, a hang or a stack overflow is a bug.

use derive::check::{CheckOptions, check};
use derive::eval::Sizes;
use derive::render::text::render_text;
use derive::warnings::warnings;
use derive::{Loss, LossKind, derive_text};

pub fn run(text: &str) {
    for kind in [LossKind::Mse, LossKind::Bce] {
        let Ok(derivation) = derive_text(text, Loss::new(kind)) else {
            continue;
        };
        let _ = warnings(&derivation.network);
        let sizes = Sizes(
            derivation
                .network
                .dims
                .iter()
                .enumerate()
                .map(|(i, d)| (d.name().to_string(), 1 + i % 3))
                .collect(),
        );
        let options = CheckOptions {
            seed: 0,
            sizes,
            step: CheckOptions::DEFAULT_STEP,
            tolerance: CheckOptions::DEFAULT_TOLERANCE,
        };
        let report = check(&derivation, &options).ok();
        for width in [100, 20] {
            let _ = render_text(&derivation, report.as_ref(), width);
        }
    }
}
