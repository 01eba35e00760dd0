//! Where the output goes, and the check running beside it on a thread of its own.

use std::io::Write;

use derive::check::{CheckReport, PreparedCheck};
use derive::render::sections::Sections;
use derive::render::text::TextWriter;
use derive::render::{Format, RenderOptions};

/// Runs `work` while the check, if there is one, runs on a thread of its own, and gives the
/// check's report with what `work` gives. Where no thread can be started, the check runs after
/// `work`. On the 20,002-layer chain the check is about 1.5G instructions and the rest 1.2G, and
/// the thread takes a fifth to a third off the wall time (BENCHMARKS.md, "The check runs on a
/// thread of its own"; `bench/in_turns.sh`).
pub fn alongside_check<T>(
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
pub enum Output<'w> {
    Streamed(TextWriter<'w>),
    Whole(&'w mut dyn Write, Format, RenderOptions),
}

impl<'w> Output<'w> {
    pub fn new(format: Format, page: RenderOptions, writer: &'w mut dyn Write) -> Self {
        match format {
            Format::Text => Output::Streamed(TextWriter::new(page.width, writer)),
            _ => Output::Whole(writer, format, page),
        }
    }

    /// Writes every section but the check's, where the format is written as it goes.
    pub fn derivation(&mut self, sections: &Sections) {
        if let Output::Streamed(text) = self {
            text.derivation(sections);
        }
    }

    /// Writes the rest: the check's section, or the whole output.
    pub fn finish(self, sections: &Sections) -> std::io::Result<()> {
        match self {
            Output::Streamed(mut text) => {
                text.check(sections);
                text.finish()
            }
            Output::Whole(writer, format, page) => {
                writer.write_all(format.render(sections, page).as_bytes())
            }
        }
    }
}
