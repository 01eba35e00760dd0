//! Property tests over random chains: every activation, every loss that fits the output,
//! sizes 1 to 6, random points. The closed forms and the chain-rule forms agree with central
//! differences, every Jacobian with a finite-difference Jacobian, every gradient has its
//! parameter's shape, and every renderer runs to the end; in expanded and in compact form, for one
//! sample and for a mini-batch.

use proptest::prelude::*;

use derive::check::{CheckOptions, check};
use derive::derivation::Expansion;
use derive::numeric::sizes::Sizes;
use derive::render::json::render_json;
use derive::render::latex::render_latex;
use derive::render::markdown::render_markdown;
use derive::render::sections::Sections;
use derive::render::text::render_text;
use derive::{Loss, LossKind, derive_spec, parse_spec};

const ACTIVATIONS: &[&str] = &[
    "identity",
    "relu",
    "leaky_relu",
    "leaky_relu(0.2)",
    "elu",
    "elu(0.5)",
    "sigmoid",
    "tanh",
    "softplus",
    "silu",
    "softmax",
    "log_softmax",
];

fn layer() -> impl Strategy<Value = String> {
    prop_oneof![
        2 => Just("linear".to_string()),
        3 => proptest::sample::select(ACTIVATIONS).prop_map(str::to_string),
    ]
}

/// The losses that are defined on the chain's output.
fn losses_for(last: &str) -> Vec<LossKind> {
    let mut losses = vec![LossKind::Mse];
    // bce after softmax is left out: a one-unit softmax outputs exactly 1, where bce is −∞.
    match last {
        "sigmoid" => losses.push(LossKind::Bce),
        "softmax" => losses.push(LossKind::Ce),
        "log_softmax" => losses.push(LossKind::Nll),
        _ => {}
    }
    losses
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn random_chains_check_out(
        layers in proptest::collection::vec(layer(), 1..=8),
        loss_choice in 0usize..3,
        sizes in proptest::collection::vec(1usize..=6, 10),
        seed in 0u64..1_000_000,
        compact in any::<bool>(),
        batch in any::<bool>(),
    ) {
        let spec = layers.join(">");
        let expansion = if compact { Expansion::Compact } else { Expansion::Expanded };
        let losses = losses_for(layers.last().unwrap());
        let loss = losses[loss_choice % losses.len()];
        let parsed = parse_spec(&spec).unwrap();
        let derivation = derive_spec(&parsed, Loss::new(loss), expansion, batch).unwrap();
        let arena = &derivation.network.arena;
        for g in &derivation.gradients {
            prop_assert_eq!(arena.shape(g.closed_form), arena.shape(g.leaf));
            prop_assert_eq!(arena.shape(g.chain_rule), arena.shape(g.leaf));
        }
        let dims = Sizes::new(
            derivation.network.dims.iter().zip(&sizes)
                .map(|(d, s)| (d.name().to_string(), *s))
                .collect(),
        );
        let options = CheckOptions {
            seed,
            sizes: dims,
            step: CheckOptions::DEFAULT_STEP,
            tolerance: CheckOptions::DEFAULT_TOLERANCE,
        };
        // A chain whose kinked inputs are pinned to the kink (log_softmax of one unit is
        // always 0, then relu) has no point to check at; derive says so, and so does this.
        let report = check(&derivation, &options);
        prop_assume!(report.is_ok());
        let report = report.unwrap();
        let failures: Vec<String> = report.items.iter().filter(|i| !i.passed)
            .map(|i| format!("{} {} {:e}", i.symbol, i.form.label(), i.error)).collect();
        prop_assert!(failures.is_empty(), "{} --loss {:?}: {:?}", spec, loss, failures);
        let sections = Sections::new(&derivation, Some(&report), None);
        let text = render_text(&sections, 100);
        prop_assert!(text.contains("Numeric check: PASS"));
        prop_assert!(!render_latex(&sections, true).is_empty());
        prop_assert!(!render_markdown(&sections).is_empty());
        let json: serde_json::Value = serde_json::from_str(&render_json(&sections)).unwrap();
        prop_assert_eq!(json["check"]["passed"].as_bool(), Some(true));
    }
}
