//! Reading the spec from standard input and the point file of `--at`, each up to its limit.

use derive::Error;
use derive::spec::MAX_LAYERS;
use derive::spec::input::{
    MAX_POINT_BYTES, MAX_SPEC_BYTES, ReadError, read_bounded, size_in_words,
};

use crate::cli::arguments::with_thousands;
use crate::cli::standard_streams::{self, Stream};

pub fn read_stdin() -> Result<String, Error> {
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
pub fn read_point_file(path: &std::path::Path) -> Result<String, Error> {
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
