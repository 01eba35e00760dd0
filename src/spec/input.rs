//! Reading input text of bounded size: a spec from standard input, a point file. Nothing is
//! read beyond the limit, so an endless source (`/dev/zero`, `yes`) is refused at once and the
//! memory spent on it stays bounded.

use std::io::Read;

/// The most a spec read from standard input may hold: a chain at the layer limit
/// (`spec::MAX_LAYERS`) written with long names and arguments takes under 1 MiB.
pub const MAX_SPEC_BYTES: u64 = 4 << 20;

/// The most a point file (`--at`) may hold: far more than the check's largest sizes need.
pub const MAX_POINT_BYTES: u64 = 64 << 20;

/// Why input text could not be read.
#[derive(Debug)]
pub enum ReadError {
    /// The source failed (it is closed, a directory, unreadable).
    Io(std::io::Error),
    /// More than the limit, in bytes; reading stopped just past it.
    TooLarge(u64),
    /// Not UTF-8; the byte offset of the first bad byte.
    NotUtf8(usize),
}

/// Reads all of `source` as UTF-8 text, refusing it once it holds more than `limit` bytes.
pub fn read_bounded(source: impl Read, limit: u64) -> Result<String, ReadError> {
    let mut bytes = Vec::new();
    source
        .take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(ReadError::Io)?;
    if bytes.len() as u64 > limit {
        return Err(ReadError::TooLarge(limit));
    }
    String::from_utf8(bytes).map_err(|e| ReadError::NotUtf8(e.utf8_error().valid_up_to()))
}

/// A size in bytes as people write it: `4 MiB`, `64 MiB`, `512 bytes`.
pub fn size_in_words(bytes: u64) -> String {
    if bytes >= 1 << 20 && bytes.is_multiple_of(1 << 20) {
        format!("{} MiB", bytes >> 20)
    } else if bytes >= 1 << 10 && bytes.is_multiple_of(1 << 10) {
        format!("{} KiB", bytes >> 10)
    } else {
        format!("{bytes} bytes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_up_to_the_limit_is_read_and_beyond_it_refused() {
        assert_eq!(read_bounded(&b"relu"[..], 4).unwrap(), "relu");
        assert!(matches!(
            read_bounded(&b"relu>"[..], 4),
            Err(ReadError::TooLarge(4))
        ));
        // An endless source ends at the limit.
        assert!(matches!(
            read_bounded(std::io::repeat(b'x'), 1 << 10),
            Err(ReadError::TooLarge(1024))
        ));
        assert!(matches!(
            read_bounded(&b"ab\xff"[..], 10),
            Err(ReadError::NotUtf8(2))
        ));
    }

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(size_in_words(MAX_SPEC_BYTES), "4 MiB");
        assert_eq!(size_in_words(MAX_POINT_BYTES), "64 MiB");
        assert_eq!(size_in_words(2048), "2 KiB");
        assert_eq!(size_in_words(100), "100 bytes");
    }
}
