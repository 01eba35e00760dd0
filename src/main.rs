//! The `derive` command line: arguments, the renderer, the exit code.

use std::io::Write;
use std::process::ExitCode;

use derive::check::{CheckOptions, CheckReport, PreparedCheck, Verdict};
use derive::convention::{Convention, Style, view};
use derive::derivation::Expansion;
use derive::network::fit::warnings;
use derive::network::normalization::refuse_single_sample;
use derive::numeric::at_point::evaluate_at;
use derive::numeric::point::parse_point;
use derive::render::RenderOptions;
use derive::render::code::{EmitOptions, Framework, emit};
use derive::render::expanded_size::check_expanded_size;
use derive::render::parts::{Part, Parts};
use derive::render::sections::Sections;
use derive::{Error, Loss, Spec, derive_for_code, derive_spec, parse_dims, parse_spec};

mod cli;

use cli::arguments::{Cli, MIN_WIDTH, parse_arguments};
use cli::output::{Output, alongside_check};
use cli::reading::{read_point_file, read_stdin};
use cli::standard_streams::{self, Stream};

/// A derivation allocates millions of small nodes and strings; glibc's malloc and free took a
/// third of a deep chain's instructions, mimalloc a fraction of that (BENCHMARKS.md, "What
/// changed in the source").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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

/// Prints the derivation; the check's verdict, if it ran.
fn run(cli: &Cli) -> Result<Option<Verdict>, Error> {
    if cli.standalone && cli.format.0 != derive::render::Format::Latex {
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
        loss.reduction = reduction.0;
    }
    let spec_text = if cli.spec == "-" {
        read_stdin()?
    } else {
        cli.spec.clone()
    };
    let mut spec = parse_spec(&spec_text)?;
    if let Some(objective) = &mut spec.objective {
        if cli.loss_given {
            return Err(Error::Usage(format!(
                "--loss {}: the model writes its objective (`loss = …`); give one or the other",
                cli.loss
            )));
        }
        if let Some(reduction) = cli.reduction {
            objective.loss.reduction = reduction.0;
        }
    }
    if let Some(lambda) = cli.weight_decay {
        if !(lambda.is_finite() && lambda >= 0.0) {
            return Err(Error::Usage(format!(
                "--weight-decay {lambda}: λ is a finite number, 0 or more"
            )));
        }
        spec.weight_decay = Some(lambda);
    }
    let expansion = if cli.expand {
        Expansion::Expanded
    } else if cli.compact {
        Expansion::Compact
    } else {
        Expansion::default_for(spec.layers.len())
    };
    if let Some(framework) = cli.emit {
        emit_code(cli, &spec, loss, framework.0)?;
        return Ok(None);
    }
    let convention = Convention {
        style: cli.convention.map_or(Style::Columns, |c| c.0),
        layout: cli.layout.0,
    };
    let derivation = view(derive_spec(&spec, loss, expansion, cli.batch)?, convention)?;
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
    refuse_single_sample(&derivation.network, &sizes).map_err(|e| match &cli.at {
        Some(path) => Error::Usage(format!("--at {}: {e}", path.display())),
        None => Error::Usage(format!("--dims: {e}")),
    })?;
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
    let page = RenderOptions {
        width: cli.width,
        standalone: cli.standalone,
    };
    let mut output = Output::new(cli.format.0, page, &mut stdout);
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
    // deep chain's millions of nodes and strings one by one is 3% of its instructions
    // (BENCHMARKS.md, "Leaving the memory to the operating system").
    std::mem::forget(sections);
    std::mem::forget(report);
    std::mem::forget(evaluation);
    std::mem::forget(derivation);
    Ok(verdict)
}

/// `--emit`: the Python module, to standard output or to the file of `-o`.
fn emit_code(cli: &Cli, spec: &Spec, loss: Loss, framework: Framework) -> Result<(), Error> {
    for (given, option) in [
        (cli.at.is_some(), "--at"),
        (cli.only.is_some(), "--only"),
        (cli.expand, "--expand"),
        (cli.standalone, "--standalone"),
        (cli.format.0 != derive::render::Format::Text, "--format"),
    ] {
        if given {
            return Err(Error::Usage(format!(
                "{option} is for the derivation; --emit writes a Python module instead"
            )));
        }
    }
    let style = cli.convention.map_or(Style::Pytorch, |c| c.0);
    let convention = Convention {
        style,
        layout: cli.layout.0,
    };
    let derivation = derive_for_code(spec, loss, convention, cli.batch)?;
    for warning in warnings(&derivation.network) {
        standard_streams::write(Stream::Stderr, &format!("warning: {warning}\n"))
            .map_err(|e| Error::Usage(format!("cannot write a warning: {e}")))?;
    }
    let options = EmitOptions {
        framework,
        batch: cli.batch,
        command: emit_command(cli, spec, loss, style, framework),
    };
    let module = emit(&derivation, &options)?;
    match &cli.output {
        Some(path) => std::fs::write(path, module)
            .map_err(|e| Error::Usage(format!("-o {}: {e}", path.display()))),
        None => {
            let mut stdout = std::io::stdout().lock();
            match stdout
                .write_all(module.as_bytes())
                .and_then(|()| stdout.flush())
            {
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
                    Err(Error::Usage(format!("cannot write the output: {e}")))
                }
                _ => Ok(()),
            }
        }
    }
}

/// The command that writes the module, as its docstring records it: the options that shape
/// the code, in a fixed order.
fn emit_command(cli: &Cli, spec: &Spec, loss: Loss, style: Style, framework: Framework) -> String {
    let mut words = vec![
        "derive".to_string(),
        format!("\"{}\"", spec.text.replace('"', "\\\"")),
        format!("--loss {}", cli.loss),
    ];
    if cli.reduction.is_some() {
        words.push(format!("--reduction {}", loss.reduction.name()));
    }
    if cli.batch {
        words.push("--batch".into());
    }
    if let Some(lambda) = spec.weight_decay {
        words.push(format!("--weight-decay {lambda}"));
    }
    if style != Style::Pytorch {
        words.push(format!("--convention {}", style.name()));
    }
    words.push(format!("--emit {}", framework.name()));
    words.join(" ")
}
