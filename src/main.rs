//! The `derive` command line: arguments, the renderer, the exit code.

use std::io::Write;
use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches, Parser};

use derive::check::{CheckOptions, CheckReport, PreparedCheck, Verdict};
use derive::derivation::Expansion;
use derive::network::fit::warnings;
use derive::network::layer::LayerKind;
use derive::numeric::at_point::evaluate_at;
use derive::numeric::point::parse_point;
use derive::render::expanded_size::check_expanded_size;
use derive::render::json::render_json;
use derive::render::latex::render_latex;
use derive::render::markdown::render_markdown;
use derive::render::parts::{Part, Parts};
use derive::render::sections::Sections;
use derive::render::text::TextWriter;
use derive::spec::MAX_LAYERS;
use derive::spec::input::{
    MAX_POINT_BYTES, MAX_SPEC_BYTES, ReadError, read_bounded, size_in_words,
};
use derive::{Error, Loss, LossKind, Reduction, derive_spec, parse_dims, parse_spec};

mod cli;

use cli::standard_streams::{self, Stream};

/// A derivation allocates millions of small nodes and strings; glibc's malloc and free took a
/// third of a deep chain's instructions, mimalloc a fraction of that.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
struct Cli {
    /// The layers (the help text is written from the table of layers: `spec_help`).
    spec: String,

    /// The loss (the help text is written from the table of losses: `loss_help`).
    #[arg(long, default_value = "mse")]
    loss: String,

    /// Sum or mean over the K outputs [default: the loss's own, listed under --loss].
    #[arg(long, value_enum)]
    reduction: Option<Reduction>,

    /// Sizes for the numeric check, e.g. n=3,d=4,K=2 [default: n=3, hidden widths 4, 5, …, K=2].
    #[arg(long)]
    dims: Option<String>,

    /// Seed of the random point of the numeric check.
    #[arg(long, default_value_t = CheckOptions::DEFAULT_SEED)]
    seed: u64,

    /// Width of the output in columns, at least 40.
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

    /// The output format.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,

    /// With --format latex: a complete document for pdflatex instead of a fragment.
    #[arg(long)]
    standalone: bool,

    /// Evaluate the loss and every gradient at the point in this JSON file ({"x": [...],
    /// "y": [...], "W1": [[row], ...], "b1": [...], ...}); its sizes override --dims, and the
    /// check runs there.
    #[arg(long, value_name = "POINT.json")]
    at: Option<std::path::PathBuf>,

    /// Print only these parts, without the title or section numbers: network, forward,
    /// gradients, jacobians, closed, values (with --at), check (the check runs only when the
    /// whole derivation is printed or check is listed), separated by commas
    #[arg(long, value_name = "PARTS")]
    only: Option<String>,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug, clap::ValueEnum)]
enum Format {
    Text,
    Latex,
    Markdown,
    Json,
}

/// The narrowest output laid out: the tables of shapes and the longest words of the
/// explanations need this much.
const MIN_WIDTH: usize = 40;

fn main() -> ExitCode {
    let cli = match parse_arguments() {
        Ok(cli) => cli,
        Err(exit) => return exit,
    };
    match run(&cli) {
        Ok(verdict) => match verdict {
            None | Some(Verdict::Pass) => ExitCode::SUCCESS,
            Some(Verdict::Fail) => ExitCode::from(1),
            Some(Verdict::Unchecked) => ExitCode::from(3),
        },
        Err(error) => {
            // Exit code 2 whether or not the message could be written.
            let _ = standard_streams::write(
                Stream::Stderr,
                &format!(
                    "{}\n",
                    error.render(standard_streams::colour(Stream::Stderr))
                ),
            );
            ExitCode::from(2)
        }
    }
}

/// The command line, or, for `--help`, `--version` and usage errors, the exit code once clap's
/// text is written: 0 for the help written, 2 for a usage error or text that could not be
/// written (clap's own printing would ignore a failed write).
fn parse_arguments() -> Result<Cli, ExitCode> {
    let command = Cli::command()
        .mut_arg("spec", |arg| arg.help(spec_help()))
        .mut_arg("loss", |arg| arg.help(loss_help()));
    let error = match command
        .try_get_matches()
        .and_then(|matches| Cli::from_arg_matches(&matches))
    {
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
    let reduction = |loss: Loss| match loss.reduction {
        Reduction::Sum => "sum",
        Reduction::Mean => "mean",
    };
    let ours: Vec<String> = LossKind::names()
        .into_iter()
        .map(|name| {
            let loss = Loss::from_name(name).expect("a loss's own name");
            format!("{name} ({} by default)", reduction(loss))
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
fn with_thousands(n: usize) -> String {
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

/// Prints the derivation; the check's verdict, if it ran.
fn run(cli: &Cli) -> Result<Option<Verdict>, Error> {
    if cli.standalone && cli.format != Format::Latex {
        return Err(Error::Usage("--standalone goes with --format latex".into()));
    }
    if cli.width < MIN_WIDTH {
        return Err(Error::Usage(format!(
            "--width {}: the output needs at least {MIN_WIDTH} columns",
            cli.width
        )));
    }
    let parts = match &cli.only {
        Some(names) => Parts::parse(names).map_err(Error::Usage)?,
        None => Parts::whole(),
    };
    if !parts.is_whole() && parts.shows(Part::Values) && cli.at.is_none() {
        return Err(Error::Usage(
            "--only values: the values are those at a point given by --at POINT.json".into(),
        ));
    }
    if !parts.is_whole() && parts.shows(Part::Check) && cli.no_check {
        return Err(Error::Usage(
            "--only check and --no-check contradict each other".into(),
        ));
    }
    let mut loss = Loss::from_name(&cli.loss).map_err(|e| Error::Usage(format!("--loss: {e}")))?;
    if let Some(reduction) = cli.reduction {
        loss.reduction = reduction;
    }
    let spec_text = if cli.spec == "-" {
        read_stdin()?
    } else {
        cli.spec.clone()
    };
    let spec = parse_spec(&spec_text)?;
    let expansion = if cli.expand {
        Expansion::Expanded
    } else if cli.compact {
        Expansion::Compact
    } else {
        Expansion::default_for(spec.layers.len())
    };
    let derivation = derive_spec(&spec, loss, expansion, cli.batch)?;
    check_expanded_size(&derivation)?;
    for warning in warnings(&derivation.network) {
        standard_streams::write(Stream::Stderr, &format!("warning: {warning}\n"))
            .map_err(|e| Error::Usage(format!("cannot write a warning: {e}")))?;
    }
    let point = match &cli.at {
        Some(path) => {
            let text = read_point_file(path)?;
            let point = parse_point(&text, &derivation.network)
                .map_err(|e| Error::Usage(format!("--at {}: {e}", path.display())))?;
            Some(point)
        }
        None => None,
    };
    let sizes = match &point {
        Some(point) => point.sizes.clone(),
        None => parse_dims(cli.dims.as_deref().unwrap_or(""), &derivation.network)?,
    };
    let options = CheckOptions {
        seed: cli.seed,
        sizes,
        step: CheckOptions::DEFAULT_STEP,
        tolerance: CheckOptions::DEFAULT_TOLERANCE,
    };
    // Everything that can go wrong with the check's input goes wrong here, before any output.
    let check = match (&point, cli.no_check || !parts.shows(Part::Check)) {
        (_, true) => None,
        (Some(point), false) => Some(PreparedCheck::at(&derivation, &options, &point.inputs)),
        (None, false) => Some(PreparedCheck::at_random_point(&derivation, &options)?),
    };
    let evaluation = point
        .as_ref()
        .map(|p| evaluate_at(&derivation, &p.sizes, &p.inputs));
    if standard_streams::closed_at_start(Stream::Stdout) {
        return Err(Error::Usage(
            "cannot write the output: standard output is closed".into(),
        ));
    }
    let mut stdout = std::io::stdout().lock();
    let mut output = Output::new(cli, &mut stdout);
    // The sections before the check's are built, and as text written, while the check runs.
    let (mut sections, report) = alongside_check(check.as_ref(), || {
        let sections = Sections::before_check(&derivation, evaluation.as_ref(), parts);
        output.derivation(&sections);
        sections
    });
    if let Some(report) = &report {
        sections.add_check(report);
    }
    let written = output.finish(&sections).and_then(|()| stdout.flush());
    // A reader that stops early (`derive … | head`) closes the pipe: not an error of ours.
    if let Err(e) = written
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        return Err(Error::Usage(format!("cannot write the output: {e}")));
    }
    let verdict = report.as_ref().map(CheckReport::verdict);
    // The process ends here, and the operating system takes its memory back at once: freeing a
    // deep chain's millions of nodes and strings one by one took a tenth of its time.
    std::mem::forget(sections);
    std::mem::forget(report);
    std::mem::forget(evaluation);
    std::mem::forget(derivation);
    Ok(verdict)
}

/// Runs `work` while the check, if there is one, runs on a thread of its own (on a deep chain
/// the two take comparable time), and gives the check's report with what `work` gives. Where no
/// thread can be started, the check runs after `work`.
fn alongside_check<T>(
    check: Option<&PreparedCheck>,
    work: impl FnOnce() -> T,
) -> (T, Option<CheckReport>) {
    std::thread::scope(|scope| {
        let thread = check.and_then(|check| {
            std::thread::Builder::new()
                .name("check".into())
                .spawn_scoped(scope, move || check.run())
                .ok()
        });
        let done = work();
        let report = match thread {
            Some(thread) => Some(
                thread
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            ),
            None => check.map(PreparedCheck::run),
        };
        (done, report)
    })
}

/// Where the output goes: text as it is laid out, the derivation before the check's section;
/// the other formats whole, once everything is known.
enum Output<'w> {
    Streamed(TextWriter<'w>),
    Whole(&'w mut dyn Write, fn(&Sections) -> String),
}

impl<'w> Output<'w> {
    fn new(cli: &Cli, writer: &'w mut dyn Write) -> Self {
        match cli.format {
            Format::Text => Output::Streamed(TextWriter::new(cli.width, writer)),
            Format::Latex if cli.standalone => Output::Whole(writer, |s| render_latex(s, true)),
            Format::Latex => Output::Whole(writer, |s| render_latex(s, false)),
            Format::Markdown => Output::Whole(writer, render_markdown),
            Format::Json => Output::Whole(writer, render_json),
        }
    }

    /// Writes every section but the check's, where the format is written as it goes.
    fn derivation(&mut self, sections: &Sections) {
        if let Output::Streamed(text) = self {
            text.derivation(sections);
        }
    }

    /// Writes the rest: the check's section, or the whole output.
    fn finish(self, sections: &Sections) -> std::io::Result<()> {
        match self {
            Output::Streamed(mut text) => {
                text.check(sections);
                text.finish()
            }
            Output::Whole(writer, render) => writer.write_all(render(sections).as_bytes()),
        }
    }
}

fn read_stdin() -> Result<String, Error> {
    let cannot =
        |why: String| Error::Usage(format!("cannot read the spec from standard input: {why}"));
    if standard_streams::closed_at_start(Stream::Stdin) {
        return Err(cannot("it is closed".into()));
    }
    read_bounded(std::io::stdin().lock(), MAX_SPEC_BYTES).map_err(|e| match e {
        ReadError::Io(e) => cannot(e.to_string()),
        ReadError::TooLarge(limit) => Error::Usage(format!(
            "the spec on standard input is larger than {}, the most read; a chain at the limit \
             of {} layers takes far less",
            size_in_words(limit),
            with_thousands(MAX_LAYERS)
        )),
        ReadError::NotUtf8(at) => Error::Usage(format!(
            "the spec on standard input is not UTF-8 (byte {at})"
        )),
    })
}

/// The text of a `--at` file, read up to `MAX_POINT_BYTES`.
fn read_point_file(path: &std::path::Path) -> Result<String, Error> {
    let at = |why: String| Error::Usage(format!("--at {}: {why}", path.display()));
    let file = std::fs::File::open(path).map_err(|e| at(format!("cannot read it: {e}")))?;
    read_bounded(file, MAX_POINT_BYTES).map_err(|e| match e {
        ReadError::Io(e) => at(format!("cannot read it: {e}")),
        ReadError::TooLarge(limit) => at(format!(
            "the point file is larger than {}, the most read",
            size_in_words(limit)
        )),
        ReadError::NotUtf8(byte) => at(format!("the point file is not UTF-8 (byte {byte})")),
    })
}
