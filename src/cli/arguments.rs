//! The arguments: clap's parser, the help written from the library's tables, and the flags'
//! values mapped onto the library's types.

use std::process::ExitCode;
use std::sync::LazyLock;

use clap::builder::PossibleValue;
use clap::{CommandFactory, FromArgMatches, Parser};

use derive::check::CheckOptions;
use derive::convention::{Layout, Style};
use derive::network::layer::LayerKind;
use derive::render::Format;
use derive::render::code::Framework;
use derive::spec::MAX_LAYERS;
use derive::spec::input::{MAX_SPEC_BYTES, size_in_words};
use derive::{Loss, LossKind, Reduction};

use crate::cli::standard_streams::{self, Stream};

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
                  Exit codes: 0 done (the check, if run, passed); 1 the numeric check failed \
                  (a formula disagrees; this wins over 3); 2 bad input or usage; 3 some item \
                  could not be checked at this point (saturated in float64, or at the edge of \
                  the loss's domain)."
)]
pub struct Cli {
    /// The layers (the help text is written from the table of layers: `spec_help`).
    pub spec: String,

    /// The loss (the help text is written from the table of losses: `loss_help`).
    #[arg(long, default_value = "mse")]
    pub loss: String,

    /// Whether --loss was given, not taken as its default: a model that writes its objective
    /// (`loss = …`) refuses it.
    #[arg(skip)]
    pub loss_given: bool,

    /// Sum or mean over the K outputs [default: the loss's own, listed under --loss].
    #[arg(long, value_enum)]
    pub reduction: Option<ReductionArg>,

    /// Sizes for the numeric check, e.g. n=3,d=4,K=2 [default: n=3, hidden widths 4, 5, …, K=2].
    #[arg(long)]
    pub dims: Option<String>,

    /// Seed of the random point of the numeric check.
    #[arg(long, default_value_t = CheckOptions::DEFAULT_SEED)]
    pub seed: u64,

    /// Width of the output in columns, at least 40.
    #[arg(long, default_value_t = 100)]
    pub width: usize,

    /// Skip the numeric check.
    #[arg(long)]
    pub no_check: bool,

    /// Derive for a mini-batch: X ∈ ℝ^(n×N) holds N samples as columns, ℓ is the mean of
    /// their losses, and the gradients are written with the matrices Δᵢ of the samples' rows.
    #[arg(long)]
    pub batch: bool,

    /// Add (λ/2) Σₖ ‖W⁽ᵏ⁾‖² to the loss, over the weight matrices only (not the biases), so
    /// that each weight's gradient gains λW⁽ᵏ⁾: PyTorch's SGD(weight_decay=λ) with the biases in
    /// a parameter group of their own with weight_decay=0. 0 adds nothing.
    #[arg(long, value_name = "λ", allow_hyphen_values = true)]
    pub weight_decay: Option<f64>,

    /// Whose notation to write in: columns (vectors are columns, W⁽ᵏ⁾ out×in, Linear(h) =
    /// W⁽ᵏ⁾h + b⁽ᵏ⁾), pytorch (samples as rows, W⁽ᵏ⁾ out×in as nn.Linear stores it, Linear(H) =
    /// HW⁽ᵏ⁾ᵀ + 𝟏b⁽ᵏ⁾ᵀ) or cs231n (samples as rows, W⁽ᵏ⁾ in×out, Linear(H) = HW⁽ᵏ⁾ + 𝟏b⁽ᵏ⁾ᵀ).
    /// --at files give W⁽ᵏ⁾ in the convention's shape [default: columns; pytorch with --emit].
    #[arg(long, value_enum)]
    pub convention: Option<StyleArg>,

    /// The layout of Jacobians: numerator (∂u/∂v is dim(u)×dim(v), ∂ℓ/∂zᵢ a row) or
    /// denominator (dim(v)×dim(u), ∂ℓ/∂zᵢ a column, the chain rule's factors in reverse order).
    /// Gradients have their parameter's shape in both.
    #[arg(long, value_enum, default_value = "numerator")]
    pub layout: LayoutArg,

    /// Write every formula out in full, down to x and the parameters [default for chains of
    /// up to 6 layers].
    #[arg(long, conflicts_with = "compact")]
    pub expand: bool,

    /// Write each row ∂ℓ/∂zᵢ through the next one by name (the δ recursion) and each
    /// intermediate by name: output linear in depth [default for chains of 7 layers or more].
    #[arg(long)]
    pub compact: bool,

    /// The output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: FormatArg,

    /// With --format latex: a complete document for pdflatex instead of a fragment.
    #[arg(long)]
    pub standalone: bool,

    /// Evaluate the loss and every gradient at the point in this JSON file ({"x": [...],
    /// "y": [...], "W1": [[row], ...], "b1": [...], ...}); its sizes override --dims, and the
    /// check runs there.
    #[arg(long, value_name = "POINT.json")]
    pub at: Option<std::path::PathBuf>,

    /// Instead of the derivation, print a Python module (NumPy, PyTorch or JAX) that computes
    /// the forward pass, the loss and every gradient from the closed forms, each line with its
    /// formula, and tests its gradients when run (against central differences, torch.autograd
    /// or jax.grad): x of shape (n,), or (N, n) with --batch, in the convention's layout.
    #[arg(long, value_enum, value_name = "FRAMEWORK")]
    pub emit: Option<FrameworkArg>,

    /// With --emit: write the module to this file instead of standard output.
    #[arg(short = 'o', long = "output", value_name = "FILE", requires = "emit")]
    pub output: Option<std::path::PathBuf>,

    /// Print only these parts, without the title or section numbers: network, forward,
    /// gradients, jacobians, closed, values (with --at), check (the check runs only when the
    /// whole derivation is printed or check is listed), separated by commas
    #[arg(long, value_name = "PARTS")]
    pub only: Option<String>,
}

/// `--format`: the library's formats, by their names.
#[derive(Clone, Copy, Debug)]
pub struct FormatArg(pub Format);

static FORMATS: LazyLock<Vec<FormatArg>> =
    LazyLock::new(|| Format::ALL.into_iter().map(FormatArg).collect());

impl clap::ValueEnum for FormatArg {
    fn value_variants<'a>() -> &'a [Self] {
        &FORMATS
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(PossibleValue::new(self.0.name()))
    }
}

/// `--emit`: the frameworks code is written for, by their names.
#[derive(Clone, Copy, Debug)]
pub struct FrameworkArg(pub Framework);

static FRAMEWORKS: LazyLock<Vec<FrameworkArg>> =
    LazyLock::new(|| Framework::ALL.into_iter().map(FrameworkArg).collect());

impl clap::ValueEnum for FrameworkArg {
    fn value_variants<'a>() -> &'a [Self] {
        &FRAMEWORKS
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(PossibleValue::new(self.0.name()))
    }
}

/// `--convention`: the library's styles, by their names.
#[derive(Clone, Copy, Debug)]
pub struct StyleArg(pub Style);

static STYLES: LazyLock<Vec<StyleArg>> =
    LazyLock::new(|| Style::NAMES.into_iter().map(|(_, s)| StyleArg(s)).collect());

impl clap::ValueEnum for StyleArg {
    fn value_variants<'a>() -> &'a [Self] {
        &STYLES
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(PossibleValue::new(self.0.name()))
    }
}

/// `--layout`: numerator or denominator.
#[derive(Clone, Copy, Debug)]
pub struct LayoutArg(pub Layout);

static LAYOUTS: [LayoutArg; 2] = [LayoutArg(Layout::Numerator), LayoutArg(Layout::Denominator)];

impl clap::ValueEnum for LayoutArg {
    fn value_variants<'a>() -> &'a [Self] {
        &LAYOUTS
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(PossibleValue::new(self.0.name()))
    }
}

static REDUCTIONS: LazyLock<Vec<ReductionArg>> =
    LazyLock::new(|| Reduction::ALL.into_iter().map(ReductionArg).collect());

/// `--reduction`: the library's reductions, by their names, each with what it means.
#[derive(Clone, Copy, Debug)]
pub struct ReductionArg(pub Reduction);

impl clap::ValueEnum for ReductionArg {
    fn value_variants<'a>() -> &'a [Self] {
        &REDUCTIONS
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(PossibleValue::new(self.0.name()).help(self.0.meaning()))
    }
}

/// The narrowest output laid out: the tables of shapes and the longest words of the
/// explanations need this much.
pub const MIN_WIDTH: usize = 40;

/// The command line, or, for `--help`, `--version` and usage errors, the exit code once clap's
/// text is written: 0 for the help written, 2 for a usage error or text that could not be
/// written (clap's own printing would ignore a failed write).
pub fn parse_arguments() -> Result<Cli, ExitCode> {
    let command = Cli::command()
        .mut_arg("spec", |arg| arg.help(spec_help()))
        .mut_arg("loss", |arg| arg.help(loss_help()));
    let error = match command.try_get_matches().and_then(|matches| {
        let mut cli = Cli::from_arg_matches(&matches)?;
        cli.loss_given =
            matches.value_source("loss") == Some(clap::parser::ValueSource::CommandLine);
        Ok(cli)
    }) {
        Ok(cli) => return Ok(cli),
        Err(error) => error,
    };
    let stream = if error.use_stderr() {
        Stream::Stderr
    } else {
        Stream::Stdout
    };
    let rendered = error.render();
    let text = if standard_streams::colour(stream) {
        rendered.ansi().to_string()
    } else {
        rendered.to_string()
    };
    let written = standard_streams::write(stream, &text);
    Err(match (stream, written) {
        (Stream::Stdout, Ok(())) => ExitCode::SUCCESS,
        // A reader that stops early (`derive --help | head`): not an error of ours.
        (Stream::Stdout, Err(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        (Stream::Stdout, Err(e)) => {
            let what = match error.kind() {
                clap::error::ErrorKind::DisplayVersion => "the version",
                _ => "the help",
            };
            let _ = standard_streams::write(
                Stream::Stderr,
                &format!("error: cannot write {what}: {e}\n"),
            );
            ExitCode::from(2)
        }
        (_, _) => ExitCode::from(2),
    })
}

/// The help of SPEC, from the table of layers.
fn spec_help() -> String {
    format!(
        "The layers, joined by `>`, for example \"linear>relu>linear>identity\": {}; at most \
         {} layers. `-` reads the spec from standard input (at most {}).",
        LayerKind::usage(),
        with_thousands(MAX_LAYERS),
        size_in_words(MAX_SPEC_BYTES)
    )
}

/// The help of --loss, from the table of losses: each name with the reduction it defaults to.
fn loss_help() -> String {
    let reduction = |loss: Loss| loss.reduction.name();
    let ours: Vec<String> = LossKind::names()
        .into_iter()
        .map(|name| {
            let loss = Loss::from_name(name).expect("a loss's own name");
            match &loss.kind.definition().argument {
                Some(argument) => format!(
                    "{name} ({} by default; {name}({1}) with {1} = {2} if omitted)",
                    reduction(loss),
                    argument.name,
                    derive::network::layer::argument_text(argument.default),
                ),
                None => format!("{name} ({} by default)", reduction(loss)),
            }
        })
        .collect();
    let pytorch: Vec<String> = LossKind::pytorch_names()
        .into_iter()
        .map(|(name, loss)| format!("{name} ({} with {})", loss.name(), reduction(loss)))
        .collect();
    format!(
        "The loss on the output ŷ and target y: {}; any case, and PyTorch's spellings {}, which \
         take PyTorch's reduction unless --reduction is given.",
        ours.join(", "),
        pytorch.join(", ")
    )
}

/// 25000 → `25,000`.
pub fn with_thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}
