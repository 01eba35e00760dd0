//! The modules `--emit` writes, run with real NumPy, PyTorch and JAX: every activation × every
//! loss (with an output layer it fits) × one sample and a batch, the homework nets, the
//! normalization layers, dropout, weight decay, a mean reduction and the other conventions.
//! Each framework's modules run in one Python process (tests/frameworks/emitted.py), and every
//! self-test must pass; modules with a planted mistake (a dropped transpose, a missing σ′)
//! must fail theirs. The PyTorch modules' parameters are loaded into a torch.nn.Sequential of
//! the same layers, whose output, loss and every .grad after loss.backward() must match
//! (tests/frameworks/sequential.py), and every module must pass `ruff check`.
//!
//! They need the frameworks, which tests/frameworks/venv.sh installs into a cached virtual
//! environment (a few GB the first time), so they run in CI (CI set) or when
//! DERIVE_TORCH_TESTS is set; elsewhere the test says it skipped. What needs no Python (every
//! spec of the grid emits, and refusals) runs everywhere.

use std::path::{Path, PathBuf};
use std::process::Command;

use derive::convention::{Convention, Style};
use derive::network::fit::fits;
use derive::network::layer::LayerKind;
use derive::render::code::{EmitOptions, Framework, emit};
use derive::{Loss, LossKind, Reduction, derive_for_code, parse_spec};

/// One module to write: its file name, spec, loss and how it is emitted.
struct Case {
    name: String,
    spec: String,
    loss: Loss,
    batch: bool,
    style: Style,
    weight_decay: Option<f64>,
}

impl Case {
    fn new(spec: &str, loss: Loss, batch: bool) -> Case {
        let tag: String = spec
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        Case {
            name: format!(
                "{tag}__{}_{}{}",
                loss.name(),
                loss.reduction.name(),
                if batch { "__batch" } else { "" }
            ),
            spec: spec.to_string(),
            loss,
            batch,
            style: Style::Pytorch,
            weight_decay: None,
        }
    }

    fn module(&self, framework: Framework) -> Result<String, derive::Error> {
        let mut spec = parse_spec(&self.spec)?;
        spec.weight_decay = self.weight_decay;
        let convention = Convention {
            style: self.style,
            ..Convention::default()
        };
        let derivation = derive_for_code(&spec, self.loss, convention, self.batch)?;
        let options = EmitOptions {
            framework,
            batch: self.batch,
            command: format!("derive \"{}\" --loss {}", self.spec, self.loss.name()),
        };
        emit(&derivation, &options)
    }
}

fn loss(name: &str) -> Loss {
    Loss::from_name(name).expect("a loss")
}

/// An output layer the loss fits: identity unless it takes probabilities or log-probabilities.
fn output_for(loss: Loss) -> &'static str {
    ["identity", "sigmoid", "softmax", "log_softmax"]
        .into_iter()
        .find(|name| {
            fits(
                loss,
                Some(LayerKind::from_name(name, None).expect("a layer")),
            )
        })
        .expect("an output layer fits every loss")
}

/// Every case the frameworks run.
fn cases() -> Vec<Case> {
    let mut cases = Vec::new();
    let activations: Vec<&str> = LayerKind::activations()
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    for batch in [false, true] {
        for activation in &activations {
            for kind in LossKind::ALL {
                let loss = Loss::new(kind);
                let spec = format!("linear>{activation}>linear>{}", output_for(loss));
                cases.push(Case::new(&spec, loss, batch));
            }
            // Each activation also as the output, under mse.
            cases.push(Case::new(
                &format!("linear>{activation}"),
                loss("mse"),
                batch,
            ));
        }
        for (spec, loss_name) in [
            ("linear>relu>linear>sigmoid", "bce"),
            ("linear>sigmoid>linear>sigmoid", "bce"),
            ("linear>sigmoid>linear>sigmoid", "mse"),
            ("linear>layernorm>tanh>linear>softmax", "ce"),
            (
                "linear>dropout>linear>relu>dropout(0.1)>linear>identity",
                "mse",
            ),
            (
                "linear>leaky_relu(0.2)>linear>elu(0.5)>linear>log_softmax",
                "nll",
            ),
            ("linear>relu>linear>identity", "hinge(2)"),
            ("linear>tanh>linear>identity", "smooth_l1(0.5)"),
        ] {
            cases.push(Case::new(spec, loss(loss_name), batch));
        }
        let mut mean = loss("mse");
        mean.reduction = Reduction::Mean;
        cases.push(Case::new("linear>relu>linear>identity", mean, batch));
        for style in [Style::Columns, Style::Cs231n] {
            let mut case = Case::new("linear>relu>linear>softmax", loss("ce"), batch);
            case.style = style;
            case.name = format!("{}__{}", case.name, style.name());
            cases.push(case);
        }
        let mut decayed = Case::new("linear>tanh>linear>sigmoid", loss("bce"), batch);
        decayed.weight_decay = Some(0.1);
        decayed.name.push_str("__decay");
        cases.push(decayed);
    }
    for spec in [
        "linear>batchnorm>relu>linear>softmax",
        "linear>batchnorm(1e-3)>sigmoid>linear>layernorm>linear>softmax",
    ] {
        cases.push(Case::new(spec, loss("ce"), true));
    }
    cases
}

/// A module with a mistake planted in its backward pass, which its self-test must catch.
struct Planted {
    name: &'static str,
    case: Case,
    /// The line to change, found by its start, and what it becomes.
    line: &'static str,
    replacement: &'static str,
    /// Sizes to run at instead of the defaults (square, so that a dropped transpose still fits).
    sizes: Option<&'static str>,
}

fn planted() -> Vec<Planted> {
    vec![
        Planted {
            name: "planted_dropped_transpose",
            case: Case::new("linear>relu>linear>identity", loss("mse"), true),
            line: "    dW1 = delta1.T @ x / N",
            replacement: "    dW1 = delta1 @ x / N",
            sizes: Some("SIZES = {\"n\": 3, \"d\": 3, \"K\": 3, \"N\": 3}"),
        },
        Planted {
            name: "planted_missing_sigmoid_prime",
            case: Case::new("linear>sigmoid>linear>sigmoid", loss("mse"), true),
            line: "    delta1 = ",
            replacement: "    delta1 = delta2",
            sizes: None,
        },
    ]
}

fn write_modules(directory: &Path, framework: Framework) -> Vec<PathBuf> {
    std::fs::create_dir_all(directory).expect("a directory for the modules");
    let mut paths = Vec::new();
    for case in cases() {
        let module = case
            .module(framework)
            .unwrap_or_else(|e| panic!("{} {}: {e}", case.name, framework.name()));
        let path = directory.join(format!("{}.py", case.name));
        std::fs::write(&path, module).expect("the module is written");
        paths.push(path);
    }
    for planted in planted() {
        let module = planted.case.module(framework).expect("the module");
        let mut changed = 0;
        let lines: Vec<String> = module
            .lines()
            .map(|line| {
                if line.starts_with(planted.line) {
                    changed += 1;
                    planted.replacement.to_string()
                } else if line.starts_with("SIZES = ")
                    && let Some(sizes) = planted.sizes
                {
                    sizes.to_string()
                } else {
                    line.to_string()
                }
            })
            .collect();
        assert_eq!(
            changed, 1,
            "{}: the line to plant the mistake in",
            planted.name
        );
        let path = directory.join(format!("{}.py", planted.name));
        std::fs::write(&path, lines.join("\n") + "\n").expect("the module is written");
    }
    paths
}

#[test]
fn every_case_emits_for_every_framework() {
    for framework in Framework::ALL {
        for case in cases() {
            let module = case
                .module(framework)
                .unwrap_or_else(|e| panic!("{} {}: {e}", case.name, framework.name()));
            assert!(
                module.contains("def backward(params, cache, y):"),
                "{}",
                case.name
            );
        }
    }
}

#[test]
fn emitted_modules_pass_their_self_tests_in_numpy_pytorch_and_jax() {
    let wanted =
        std::env::var_os("CI").is_some() || std::env::var_os("DERIVE_TORCH_TESTS").is_some();
    if !wanted {
        eprintln!(
            "note: the emitted modules are not run; set DERIVE_TORCH_TESTS=1 to run them with \
             NumPy, PyTorch and JAX (installed into a cached virtual environment)"
        );
        return;
    }
    let root = env!("CARGO_MANIFEST_DIR");
    let venv = Command::new(format!("{root}/tests/frameworks/venv.sh"))
        .output()
        .expect("tests/frameworks/venv.sh runs");
    assert!(
        venv.status.success(),
        "tests/frameworks/venv.sh failed: {}",
        String::from_utf8_lossy(&venv.stderr)
    );
    let python = PathBuf::from(String::from_utf8(venv.stdout).expect("a path").trim());
    let ruff = python.with_file_name("ruff");
    let base = std::env::temp_dir().join(format!("derive-emit-{}", std::process::id()));
    for framework in Framework::ALL {
        let directory = base.join(framework.name());
        write_modules(&directory, framework);
        let status = Command::new(&python)
            .arg(format!("{root}/tests/frameworks/emitted.py"))
            .arg(&directory)
            .status()
            .expect("the self-tests run");
        assert!(
            status.success(),
            "{} modules fail their self-tests",
            framework.name()
        );
        let status = Command::new(&ruff)
            .args(["check", "--no-cache", "--quiet"])
            .arg(&directory)
            .status()
            .expect("ruff runs");
        assert!(
            status.success(),
            "{} modules are not ruff clean",
            framework.name()
        );
    }
    let directory = base.join("sequential");
    std::fs::create_dir_all(&directory).expect("a directory");
    for (spec, loss_name) in [
        ("linear>relu>linear>identity", "mse"),
        ("linear>relu>linear>sigmoid", "bce"),
        ("linear>sigmoid>linear>sigmoid", "bce"),
        ("linear>tanh>linear>softmax", "ce"),
        ("linear>layernorm>silu>linear>log_softmax", "nll"),
        ("linear>batchnorm>relu>linear>identity", "huber"),
    ] {
        let case = Case::new(spec, loss(loss_name), true);
        let module = case.module(Framework::Pytorch).expect("the module");
        std::fs::write(directory.join(format!("seq_{}.py", case.name)), module).expect("written");
        std::fs::write(
            directory.join(format!("seq_{}.spec", case.name)),
            format!("{spec} {loss_name}\n"),
        )
        .expect("written");
    }
    let status = Command::new(&python)
        .arg(format!("{root}/tests/frameworks/sequential.py"))
        .arg(&directory)
        .status()
        .expect("the comparison runs");
    assert!(
        status.success(),
        "the modules disagree with torch.nn.Sequential"
    );
    let _ = std::fs::remove_dir_all(&base);
}
