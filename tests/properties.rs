//! Property tests over random chains: every activation, dropout with a random p (its mask drawn
//! by the check), layernorm and batchnorm (with a batch), and every loss of the library's tables
//! where it fits the output; sizes 1 to 6, random points. The closed forms and the chain-rule
//! forms agree with central differences, every Jacobian with a finite-difference Jacobian, every
//! gradient has its parameter's shape, and every renderer runs to the end; in expanded and in
//! compact form, for one sample and for a mini-batch.

mod common;

use proptest::prelude::*;

use common::checkable;

use derive::check::{CheckOptions, check, choose_coverage, random_point};
use derive::derivation::Expansion;
use derive::network::layer::LayerKind;
use derive::numeric::evaluator::Evaluator;
use derive::numeric::sizes::Sizes;
use derive::render::sections::Sections;
use derive::render::text::render_text;
use derive::render::{Format, RenderOptions};
use derive::{Derivation, Loss, LossKind, Spec, derive_spec, parse_spec};

/// One layer: linear, or an activation of the library's table, with its default argument or a
/// random one where it takes one.
fn layer() -> impl Strategy<Value = String> {
    let activations = LayerKind::activations();
    let activation = (
        proptest::sample::select(activations),
        any::<bool>(),
        0.05f64..2.0,
    )
        .prop_map(|((name, argument), given, value)| match argument {
            Some(_) if given => format!("{name}({value})"),
            _ => name.to_string(),
        });
    // Dropout is a layer of its own, not a row of the activation table (it takes a mask).
    let dropout = (any::<bool>(), 0usize..100).prop_map(|(given, percent)| {
        if given {
            format!("dropout({})", percent as f64 / 100.0)
        } else {
            "dropout".to_string()
        }
    });
    let normalization =
        proptest::sample::select(vec!["layernorm", "batchnorm", "layernorm(0.001)"])
            .prop_map(str::to_string);
    prop_oneof![
        2 => Just("linear".to_string()),
        3 => activation,
        1 => dropout,
        1 => normalization,
    ]
}

/// The losses of the library's table that take what the chain outputs (no warning of misfit).
fn losses_for(spec: &Spec) -> Vec<LossKind> {
    let last = spec.layers.last().map(|l| l.kind);
    LossKind::ALL
        .into_iter()
        .filter(|&kind| checkable(kind, last))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn random_chains_check_out(
        layers in proptest::collection::vec(layer(), 1..=8),
        loss_choice in 0usize..LossKind::ALL.len(),
        sizes in proptest::collection::vec(1usize..=6, 10),
        seed in 0u64..1_000_000,
        compact in any::<bool>(),
        batch in any::<bool>(),
        weight_decay in proptest::option::of(0.0f64..2.0),
        loss_argument in proptest::option::of(0.05f64..3.0),
    ) {
        // Batchnorm normalizes over the samples: one sample gets layernorm in its place.
        let spec = layers.join(">");
        let spec = if batch { spec } else { spec.replace("batchnorm", "layernorm") };
        let expansion = if compact { Expansion::Compact } else { Expansion::Expanded };
        let mut parsed = parse_spec(&spec).unwrap();
        parsed.weight_decay = weight_decay;
        let losses = losses_for(&parsed);
        let loss = losses[loss_choice % losses.len()];
        // A loss that takes an argument (hinge's margin, huber's δ) takes its default or another.
        let loss = match loss_argument {
            Some(argument) if loss.definition().argument.is_some() => {
                Loss { argument, ..Loss::new(loss) }
            }
            _ => Loss::new(loss),
        };
        let derivation = derive_spec(&parsed, loss, expansion, batch).unwrap();
        let arena = &derivation.network.arena;
        for g in &derivation.gradients {
            prop_assert_eq!(arena.shape(g.closed_form), arena.shape(g.leaf));
            prop_assert_eq!(arena.shape(g.chain_rule), arena.shape(g.leaf));
        }
        let dims = Sizes::new(
            derivation.network.dims.iter().zip(&sizes)
                // Batchnorm needs two samples or more.
                .map(|(d, s)| {
                    let coupled = d.name() == "N" && derivation.network.couples_samples();
                    (d.name().to_string(), if coupled { (*s).max(2) } else { *s })
                })
                .collect(),
        );
        let options = CheckOptions {
            seed,
            sizes: dims,
            step: CheckOptions::DEFAULT_STEP,
            tolerance: CheckOptions::DEFAULT_TOLERANCE,
        };
        // A normalized input whose spread is not well above √ε (a feature constant after a
        // one-unit softmax, two close entries of a two-unit layernorm) is a function whose
        // scale is √(var + ε): against it the check's fixed step 1e-4 leaves a truncation
        // error near the tolerance, and a constant one makes ẑ rounding noise ⊘ √ε. Such a
        // point says nothing either way about the formulas.
        prop_assume!(!normalizes_a_near_constant(&derivation, &options));
        // A chain whose kinked inputs are pinned to the kink (log_softmax of one unit is
        // always 0, then relu) has no point to check at; derive says so, and so does this.
        let report = check(&derivation, &options);
        prop_assume!(report.is_ok());
        let report = report.unwrap();
        // Below the check's points that `normalizes_a_near_constant` skips, a normalization
        // over few samples still magnifies the fixed step's truncation error: an error of a few
        // times the tolerance there is the step's, where a wrong formula is off by far more.
        let normalizes = derivation.network.layers.iter().any(|l| l.normalization.is_some());
        let failures: Vec<String> = report.items.iter()
            .filter(|i| {
                let the_steps_error = normalizes && i.error.is_finite() && i.error < 1e-4;
                !(i.passed || the_steps_error)
            })
            .map(|i| format!("{} {} {:e}", i.symbol, i.form.label(), i.error)).collect();
        prop_assert!(
            failures.is_empty(),
            "{} --loss {:?} --weight-decay {:?}: {:?}", spec, loss, weight_decay, failures
        );
        let sections = Sections::new(&derivation, Some(&report), None);
        let text = render_text(&sections, 100);
        let passed = report.items.iter().all(|i| i.passed);
        prop_assert_eq!(text.contains("Numeric check: PASS"), passed);
        let page = RenderOptions { width: 100, standalone: true };
        for format in Format::ALL {
            prop_assert!(!format.render(&sections, page).is_empty());
        }
        let json: serde_json::Value =
            serde_json::from_str(&Format::Json.render(&sections, page)).unwrap();
        prop_assert_eq!(json["check"]["passed"].as_bool(), Some(passed));
    }
}

/// Whether, at the check's random point, some normalization layer's variance is below 100 ε
/// (where √(var + ε) stays within ten times √ε), or a kinked input after a normalization lies
/// within 10⁻² of its kink: a normalization magnifies a step before it by γ/√(var + ε), which
/// the check's step rule (a hundredth of the distance for the kinked input itself) does not
/// follow, so the differences may straddle the kink.
fn normalizes_a_near_constant(derivation: &Derivation, options: &CheckOptions) -> bool {
    let margin = choose_coverage(derivation, &options.sizes).kink_margin();
    let Ok(inputs) = random_point(derivation, options, margin) else {
        return false;
    };
    let mut evaluator = Evaluator::new(&derivation.network.arena, &options.sizes, &inputs);
    let layers = &derivation.network.layers;
    let first = layers.iter().position(|l| l.normalization.is_some());
    let near_kink = first.is_some_and(|first| {
        layers[first..].iter().any(|layer| match layer.kink() {
            Some(kink) => evaluator
                .value(layer.input)
                .to_matrix()
                .data
                .iter()
                .any(|v| (v - kink).abs() < 1e-2),
            None => false,
        })
    });
    near_kink
        || layers.iter().any(|layer| match &layer.normalization {
            Some(n) => {
                let epsilon = match layer.kind {
                    derive::network::layer::LayerKind::Normalization(kind) => kind.epsilon(),
                    _ => unreachable!("a layer with statistics normalizes"),
                };
                let variance = evaluator.value(n.statistics.variance).to_matrix();
                variance.data.iter().any(|v| *v < 100.0 * epsilon)
            }
            None => false,
        })
}
