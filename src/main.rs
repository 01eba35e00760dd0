//! The `derive` command line: arguments, the renderer, the exit code.

use std::io::{IsTerminal, Read};
use std::process::ExitCode;

use clap::Parser;

use derive::check::{CheckOptions, check};
use derive::render::text::render_text;
use derive::warnings::warnings;
use derive::{Error, Loss, LossKind, Reduction, derive_text, parse_dims};

/// Derive the gradients of a small neural network symbolically, and check them numerically.
#[derive(Parser, Debug)]
#[command(
    name = "derive",
    version,
    about,
    after_help = "Example: derive \"linear>relu>linear>identity\" --loss mse\n\
                  A spec too long for the command line is read from standard input: \
                  derive - --loss mse < deep.txt\n\n\
                  Results go to standard output; errors and warnings to standard error.\n\
                  Exit codes: 0 done (the check, if run, passed); 1 the numeric check failed; \
                  2 bad input or usage."
)]
struct Cli {
    /// The layers, joined by `>`, for example "linear>relu>linear>identity" (names in any
    /// case; at most 32 layers). `-` reads the spec from standard input.
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
        Err(error) => {
            let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
            eprintln!("{}", error.render(color));
            ExitCode::from(2)
        }
    }
}

/// Prints the derivation; `Ok(false)` when the numeric check failed.
fn run(cli: &Cli) -> Result<bool, Error> {
    let mut loss = Loss::new(cli.loss);
    if let Some(reduction) = cli.reduction {
        loss.reduction = reduction;
    }
    let spec = if cli.spec == "-" {
        read_stdin()?
    } else {
        cli.spec.clone()
    };
    let derivation = derive_text(&spec, loss)?;
    let sizes = parse_dims(cli.dims.as_deref().unwrap_or(""), &derivation.network)?;
    for warning in warnings(&derivation.network) {
        eprintln!("warning: {warning}");
    }
    let report = if cli.no_check {
        None
    } else {
        let options = CheckOptions {
            seed: cli.seed,
            sizes,
            step: CheckOptions::DEFAULT_STEP,
            tolerance: CheckOptions::DEFAULT_TOLERANCE,
        };
        Some(check(&derivation, &options)?)
    };
    print!("{}", render_text(&derivation, report.as_ref(), cli.width));
    Ok(report.is_none_or(|r| r.passed()))
}

fn read_stdin() -> Result<String, Error> {
    let mut bytes = Vec::new();
    std::io::stdin()
        .read_to_end(&mut bytes)
        .map_err(|e| Error::Usage(format!("cannot read the spec from standard input: {e}")))?;
    String::from_utf8(bytes).map_err(|e| {
        Error::Usage(format!(
            "the spec on standard input is not UTF-8 (byte {})",
            e.utf8_error().valid_up_to()
        ))
    })
}
