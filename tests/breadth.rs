//! Beyond the homework: a deep chain (compact, δ recursion), each fused closed form, and a
//! mini-batch. Each snapshot is read as a grader would.

mod common;

use common::{derive, stdout};

fn answer(name: &str, args: &[&str]) {
    let output = derive(args);
    assert_eq!(
        output.status.code(),
        Some(0),
        "the check must pass for {args:?}"
    );
    assert_derivation_snapshot!(name, stdout(&output));
}

#[test]
fn deep_tanh_chain_is_compact() {
    answer(
        "deep_tanh_chain",
        &[
            "linear>tanh>linear>tanh>linear>tanh>linear>identity",
            "--loss",
            "mse",
        ],
    );
}

#[test]
fn fused_softmax_cross_entropy() {
    answer(
        "fused_softmax_ce",
        &["linear>relu>linear>softmax", "--loss", "ce"],
    );
}

#[test]
fn fused_log_softmax_nll() {
    answer(
        "fused_log_softmax_nll",
        &["linear>tanh>linear>log_softmax", "--loss", "nll"],
    );
}

#[test]
fn fused_sigmoid_bce_with_leaky_relu() {
    answer(
        "fused_sigmoid_bce_leaky_relu",
        &["linear>leaky_relu(0.1)>linear>sigmoid", "--loss", "bce"],
    );
}

#[test]
fn mean_squared_error_mean_reduction() {
    answer(
        "mse_mean_elu_softplus_silu",
        &[
            "linear>elu>linear>softplus>linear>silu",
            "--loss",
            "mse",
            "--reduction",
            "mean",
        ],
    );
}

#[test]
fn mini_batch_relu_softmax_ce() {
    answer(
        "batch_relu_softmax_ce",
        &["linear>relu>linear>softmax", "--loss", "ce", "--batch"],
    );
}

#[test]
fn mini_batch_homework_regression() {
    answer(
        "batch_relu_identity_mse",
        &["linear>relu>linear>identity", "--loss", "mse", "--batch"],
    );
}

#[test]
fn cross_entropy_on_logits() {
    answer(
        "ce_logits_relu",
        &["linear>relu>linear", "--loss", "ce_logits"],
    );
}

#[test]
fn mini_batch_cross_entropy_on_logits() {
    answer(
        "batch_ce_logits_relu",
        &[
            "linear>relu>linear",
            "--loss",
            "CrossEntropyLoss",
            "--batch",
        ],
    );
}

#[test]
fn mini_batch_multiclass_hinge() {
    answer(
        "batch_hinge_linear",
        &["linear", "--loss", "hinge", "--batch"],
    );
}

#[test]
fn binary_cross_entropy_on_logits() {
    answer(
        "bce_logits_relu",
        &["linear>relu>linear", "--loss", "bce_logits"],
    );
}

#[test]
fn huber_with_a_threshold() {
    answer(
        "huber_tanh",
        &["linear>tanh>linear", "--loss", "huber(0.5)"],
    );
}

#[test]
fn weight_decay_on_the_regression_homework() {
    answer(
        "weight_decay_relu_identity_mse",
        &[
            "linear>relu>linear>identity",
            "--loss",
            "mse",
            "--weight-decay",
            "0.01",
        ],
    );
}

#[test]
fn weight_decay_on_a_mini_batch() {
    answer(
        "batch_weight_decay_relu_softmax_ce",
        &[
            "linear>relu>linear>softmax",
            "--loss",
            "ce",
            "--batch",
            "--weight-decay",
            "5e-4",
        ],
    );
}

#[test]
fn inverted_dropout_with_its_mask_an_input() {
    answer(
        "dropout_relu_mse",
        &["linear>relu>dropout(0.5)>linear", "--loss", "mse"],
    );
}

#[test]
fn mini_batch_inverted_dropout() {
    answer(
        "batch_dropout_relu_mse",
        &[
            "linear>relu>dropout(0.5)>linear",
            "--loss",
            "mse",
            "--batch",
        ],
    );
}

#[test]
fn layer_normalization() {
    answer(
        "layernorm_relu_softmax_ce",
        &["linear>layernorm>relu>linear>softmax", "--loss", "ce"],
    );
}

#[test]
fn mini_batch_batch_normalization() {
    answer(
        "batch_batchnorm_relu_mse",
        &["linear>batchnorm>relu>linear", "--loss", "mse", "--batch"],
    );
}
