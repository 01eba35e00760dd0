//! The `derive` command line: arguments, the renderer, the exit code.

use std::process::ExitCode;

use clap::Parser;

use derive::calculus::Expansion;
use derive::check::{CheckOptions, check};
use derive::render::text::render_text;
use derive::{Loss, LossKind, Reduction, derive_spec, parse_dims, parse_spec};

/// Derive the gradients of a small neural network symbolically, and check them numerically.
#[derive(Parser, Debug)]
#[command(
    name = "derive",
    version,
    about,
    after_help = "Example: derive \"linear>relu>linear>identity\" --loss mse\n\n\
                  Exit codes: 0 done (the check, if run, passed); 1 the numeric check failed; \
                  2 bad input or usage."
)]
struct Cli {
    /// The layers, joined by `>`: linear, relu, sigmoid, tanh, identity (any case), for example
    /// "linear>relu>linear>identity".
    spec: String,

    /// The loss on the output ŷ and target y.
    #[arg(long, value_enum, default_value = "mse")]
    loss: LossKind,

    /// Sum or mean over the K outputs [default: sum for mse, mean for bce].
    #[arg(long, value_enum)]
    reduction: Option<Reduction>,

    /// Sizes for the numeric check, e.g. n=3,d=4,K=2 [default: n=3, hidden widths 4, 5, …, K=2].
    #[arg(long)]
    dims: Option<String>,

    /// Seed of the random point of the numeric check.
    #[arg(long, default_value_t = CheckOptions::DEFAULT_SEED)]
    seed: u64,

    /// Width of the output in columns.
    #[arg(long, default_value_t = 100)]
    width: usize,

    /// Skip the numeric check.
    #[arg(long)]
    no_check: bool,

    /// Derive for a mini-batch: X ∈ ℝ^(n×N) holds N samples as columns, ℓ is the mean of
    /// their losses, and the gradients are written with the matrices Δᵢ of the samples' rows.
    #[arg(long)]
    batch: bool,

    /// Write every formula out in full, down to x and the parameters [default for chains of
    /// up to 6 layers].
    #[arg(long, conflicts_with = "compact")]
    expand: bool,

    /// Write each row ∂ℓ/∂zᵢ through the next one by name (the δ recursion) and each
    /// intermediate by name: output linear in depth [default for chains of 7 layers or more].
    #[arg(long)]
    compact: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(&cli) {
        Ok(passed) => {
            if passed {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
        Err(message) => {
            eprintln!("{message}");
            ExitCode::from(2)
        }
    }
}

/// Prints the derivation; `Ok(false)` when the numeric check failed.
fn run(cli: &Cli) -> Result<bool, String> {
    let mut loss = Loss::new(cli.loss);
    if let Some(reduction) = cli.reduction {
        loss.reduction = reduction;
    }
    let spec = parse_spec(&cli.spec).map_err(|e| e.to_string())?;
    let expansion = if cli.expand {
        Expansion::Expanded
    } else if cli.compact {
        Expansion::Compact
    } else {
        Expansion::default_for(spec.layers.len())
    };
    let derivation = derive_spec(&spec, loss, expansion, cli.batch).map_err(|e| e.to_string())?;
    let sizes = parse_dims(cli.dims.as_deref().unwrap_or(""), &derivation.network)
        .map_err(|e| e.to_string())?;
    let report = if cli.no_check {
        None
    } else {
        let options = CheckOptions {
            seed: cli.seed,
            sizes,
            step: CheckOptions::DEFAULT_STEP,
            tolerance: CheckOptions::DEFAULT_TOLERANCE,
        };
        Some(check(&derivation, &options).map_err(|e| format!("error: {e}"))?)
    };
    print!("{}", render_text(&derivation, report.as_ref(), cli.width));
    Ok(report.is_none_or(|r| r.passed()))
}
