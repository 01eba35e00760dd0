//! The pipeline stage by stage: parse, derive, the section model, the text and JSON renderers,
//! and the numeric check, on tanh chains of growing depth and on a 6-layer ReLU net of growing
//! width. Run with `cargo bench --bench pipeline`.

mod common;

use common::{all_dims, derive_mse, relu_net, tanh_chain};
use derive::check::{CheckOptions, check};
use derive::derivation::Expansion;
use derive::render::json::render_json;
use derive::render::sections::Sections;
use derive::render::text::render_text;
use derive::{Loss, LossKind, default_sizes, derive_spec, parse_spec};
use divan::Bencher;

fn main() {
    divan::main();
}

/// Layers of the tanh chains.
const DEPTHS: &[usize] = &[10, 100, 1000];
/// Every dimension of `linear>relu>linear>relu>linear>identity`.
const WIDTHS: &[usize] = &[64, 256, 512];

fn options(sizes: derive::numeric::sizes::Sizes) -> CheckOptions {
    CheckOptions {
        seed: CheckOptions::DEFAULT_SEED,
        sizes,
        step: CheckOptions::DEFAULT_STEP,
        tolerance: CheckOptions::DEFAULT_TOLERANCE,
    }
}

#[divan::bench_group(max_time = 2)]
mod depth {
    use super::*;

    #[divan::bench(args = DEPTHS)]
    fn parse(bencher: Bencher, layers: usize) {
        let text = tanh_chain(layers);
        bencher.bench(|| parse_spec(divan::black_box(&text)).unwrap());
    }

    #[divan::bench(args = DEPTHS)]
    fn derive(bencher: Bencher, layers: usize) {
        let spec = parse_spec(&tanh_chain(layers)).unwrap();
        bencher.bench(|| {
            derive_spec(
                &spec,
                Loss::new(LossKind::Mse),
                Expansion::default_for(layers),
                false,
            )
            .unwrap()
        });
    }

    #[divan::bench(args = DEPTHS)]
    fn sections(bencher: Bencher, layers: usize) {
        let derivation = derive_mse(&tanh_chain(layers), false);
        bencher.bench(|| Sections::new(&derivation, None, None));
    }

    /// Fresh sections for each run: the text renderer reuses (and fills) their printers' lines.
    #[divan::bench(args = DEPTHS)]
    fn render_text(bencher: Bencher, layers: usize) {
        let derivation = derive_mse(&tanh_chain(layers), false);
        bencher
            .with_inputs(|| Sections::new(&derivation, None, None))
            .bench_local_refs(|sections| super::render_text(sections, 100));
    }

    #[divan::bench(args = DEPTHS)]
    fn render_json(bencher: Bencher, layers: usize) {
        let derivation = derive_mse(&tanh_chain(layers), false);
        let sections = Sections::new(&derivation, None, None);
        bencher.bench_local(|| super::render_json(&sections));
    }

    #[divan::bench(args = DEPTHS, sample_count = 20)]
    fn check(bencher: Bencher, layers: usize) {
        let derivation = derive_mse(&tanh_chain(layers), false);
        let options = options(default_sizes(&derivation.network));
        bencher.bench(|| {
            let report = super::check(&derivation, &options).unwrap();
            assert!(report.passed());
            report
        });
    }
}

#[divan::bench_group(max_time = 3, sample_count = 10)]
mod width {
    use super::*;

    #[divan::bench(args = WIDTHS)]
    fn check(bencher: Bencher, width: usize) {
        let derivation = derive_mse(&relu_net(3), false);
        let options = options(all_dims(&derivation, width));
        // Whether it passes is the check's business; here only its cost is measured.
        bencher.bench(|| super::check(&derivation, &options).unwrap());
    }
}

/// Every closed-form gradient of a 4-linear ReLU net on a mini-batch, all dimensions (and the
/// batch) the given width, with one evaluator as the check and `--at` use it.
#[divan::bench(args = [64, 256], max_time = 3)]
fn evaluate_gradients(bencher: Bencher, width: usize) {
    let derivation = derive_mse(&relu_net(4), true);
    let sizes = all_dims(&derivation, width);
    let inputs = common::point(&derivation, &sizes, 1);
    bencher.bench(|| {
        let mut evaluator =
            derive::numeric::evaluator::Evaluator::new(&derivation.network.arena, &sizes, &inputs);
        for g in &derivation.gradients {
            evaluator.value(g.closed_form);
        }
    });
}
