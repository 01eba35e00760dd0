//! The whole pipeline on one spec text, shared by the fuzz target and the regression tests:
//! parse, derive with each loss (for one sample and a mini-batch, expanded and compact), render
//! in every format, check with small sizes, and emit as code once (a loss, framework and
//! convention chosen by the text's length). Errors are expected; a panic, a hang or a stack
//! overflow is a bug.

use derive::check::{CheckOptions, check};
use derive::convention::{Convention, Style};
use derive::derivation::Expansion;
use derive::network::fit::warnings;
use derive::numeric::sizes::Sizes;
use derive::render::code::{EmitOptions, Framework, emit};
use derive::render::sections::Sections;
use derive::render::text::render_text;
use derive::render::{Format, RenderOptions};
use derive::spec::input::{MAX_SPEC_BYTES, read_bounded};
use derive::{Loss, LossKind, derive_for_code, derive_spec, parse_spec};

/// Bytes as the command reads a spec from standard input: refused beyond its limit or when not
/// UTF-8, and otherwise run through the pipeline.
pub fn run_bytes(data: &[u8]) {
    if let Ok(text) = read_bounded(data, MAX_SPEC_BYTES) {
        run(&text);
    }
}

pub fn run(text: &str) {
    let Ok(spec) = parse_spec(text) else {
        return;
    };
    // Every loss of the library's table, the expansions alternating and the later half for a
    // mini-batch, so that each of the four combinations is met.
    let count = LossKind::ALL.len();
    let variants = LossKind::ALL.into_iter().enumerate().map(|(i, kind)| {
        let expansion = if i % 2 == 0 {
            Expansion::Expanded
        } else {
            Expansion::Compact
        };
        (kind, expansion, 2 * i >= count)
    });
    let pick = text.len();
    let convention = Convention {
        style: Style::NAMES[pick % Style::NAMES.len()].1,
        ..Convention::default()
    };
    let loss = Loss::new(LossKind::ALL[pick % count]);
    if let Ok(derivation) = derive_for_code(&spec, loss, convention, pick.is_multiple_of(2)) {
        let options = EmitOptions {
            framework: Framework::ALL[pick % Framework::ALL.len()],
            batch: pick.is_multiple_of(2),
            command: "derive".into(),
        };
        let _ = emit(&derivation, &options);
    }
    for (kind, expansion, batch) in variants {
        let Ok(derivation) = derive_spec(&spec, Loss::new(kind), expansion, batch) else {
            continue;
        };
        let _ = warnings(&derivation.network);
        let sizes = Sizes::new(
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
        let sections = Sections::new(&derivation, report.as_ref(), None);
        for format in Format::ALL {
            let _ = format.render(
                &sections,
                RenderOptions {
                    width: 100,
                    standalone: true,
                },
            );
        }
        let _ = render_text(&sections, 20);
    }
}
