//! The model language on the real binary: a model that is a chain derives as the chain (the
//! same text where no binding names a layer's output, the binding's name where one does), read
//! from the command line or from a file with comments; what a model cannot do yet, and a
//! mistake in one, is refused with its position, exit code 2.

mod common;

use common::{derive, derive_with_stdin, stderr, stdout};

#[test]
fn a_model_without_names_prints_what_its_chain_prints() {
    for (model, chain, loss) in [
        (
            "yhat = linear(relu(linear(x)))",
            "linear>relu>linear",
            "mse",
        ),
        (
            "yhat = sigmoid(linear(leaky_relu(linear(x), 0.2)))",
            "linear>leaky_relu(0.2)>linear>sigmoid",
            "bce",
        ),
    ] {
        for extra in [
            &[][..],
            &["--batch"],
            &["--format", "json"],
            &["--convention", "pytorch"],
        ] {
            let mut with_model = vec![model, "--loss", loss];
            with_model.extend_from_slice(extra);
            let mut with_chain = vec![chain, "--loss", loss];
            with_chain.extend_from_slice(extra);
            let (a, b) = (derive(&with_model), derive(&with_chain));
            assert_eq!(a.status.code(), Some(0), "{model}: {}", stderr(&a));
            assert_eq!(stdout(&a), stdout(&b), "{model} {extra:?}");
        }
    }
}

#[test]
fn a_binding_names_the_output_it_binds() {
    let text = stdout(&derive(&[
        "h = relu(linear(x)); yhat = linear(h)",
        "--loss",
        "mse",
    ]));
    assert!(text.contains("ReLU        z₁     h = max(0, z₁)"), "{text}");
    assert!(text.contains("∂ŷ/∂h = W⁽²⁾"), "{text}");
    assert!(text.contains("Numeric check: PASS"), "{text}");
    let batch = stdout(&derive(&[
        "h1 = tanh(linear(x)); yhat = linear(h1)",
        "--batch",
        "--only",
        "forward",
    ]));
    assert!(batch.contains("H₁ = tanh(Z₁)"), "{batch}");
    let latex = stdout(&derive(&[
        "hidden = tanh(linear(x)); yhat = linear(hidden)",
        "--format",
        "latex",
        "--only",
        "forward",
    ]));
    assert!(
        latex.contains("{\\mathit{hidden}} = \\tanh(z_{1})"),
        "{latex}"
    );
}

#[test]
fn a_model_is_read_from_a_file_with_comments() {
    let model =
        "# the regression homework\nh = relu(linear(x))  # the hidden layer\n\nyhat = linear(h)\n";
    let output = derive_with_stdin(&["-", "--loss", "mse"], model.as_bytes());
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(stdout(&output).contains("h = max(0, z₁)"));
}

#[test]
fn graphs_and_mistakes_are_refused_at_their_place() {
    for (model, place, words) in [
        (
            "h = relu(linear(x)); yhat = 2 * linear(h)",
            "column 29",
            "the constant `2`",
        ),
        (
            "h = sigmoid(W*x + b); yhat = W1*h",
            "column 30",
            "`W1` is a name `linear`",
        ),
        (
            "h = relu(linear(x))\nh = tanh(h)\nyhat = linear(h)",
            "line 2, column 1",
            "`h` is bound twice",
        ),
        (
            "hidden = relu(linear(x)); yhat = linear(hiden)",
            "column 41",
            "did you mean `hidden`?",
        ),
        (
            "yhat = linear(relu(linear(x)",
            "column 29",
            "the model ends early",
        ),
        (
            "yhat = linear(x); loss = mse(yhat, y)",
            "column 19",
            "--loss",
        ),
    ] {
        let output = derive(&[model]);
        assert_eq!(output.status.code(), Some(2), "{model}");
        let error = stderr(&output);
        assert!(
            error.contains(place) && error.contains(words),
            "{model}: {error}"
        );
    }
}

#[test]
fn a_megabyte_of_nesting_is_an_error_not_a_crash() {
    let model = format!("yhat = {}x{}", "relu(".repeat(200_000), ")".repeat(200_000));
    let output = derive_with_stdin(&["-"], model.as_bytes());
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("nested"));
}
