//! The `derive` command line: arguments, the renderer, the exit code.

use std::process::ExitCode;

use clap::Parser;

use derive::check::{CheckOptions, check};
use derive::render::latex::render_latex;
use derive::render::sections::Sections;
use derive::render::text::render_text;
use derive::{Loss, LossKind, Reduction, derive_text, parse_dims};

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

    /// The output format.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,

    /// With --format latex: a complete document for pdflatex instead of a fragment.
    #[arg(long)]
    standalone: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug, clap::ValueEnum)]
enum Format {
    Text,
    Latex,
    Markdown,
    Json,
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
    let derivation = derive_text(&cli.spec, loss).map_err(|e| e.to_string())?;
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
    let sections = Sections::new(&derivation, report.as_ref(), None);
    let output = match cli.format {
        Format::Text => render_text(&sections, cli.width),
        Format::Latex => render_latex(&sections, cli.standalone),
        Format::Markdown => todo!(),
        Format::Json => todo!(),
    };
    print!("{output}");
    Ok(report.is_none_or(|r| r.passed()))
}
