//! The command's standard streams (a module of src/main.rs, not of the library): whether each
//! was closed when the program started, whether to colour what is written to it, and writing
//! to it without panicking.
//!
//! A stream closed by the caller (`derive … >&-`) cannot be seen from `main`: before `main`,
//! Rust's runtime opens /dev/null in its place, so writes "succeed" into nothing. On Linux the
//! descriptors are looked at earlier, from the program's initialisers, and what was closed is
//! remembered.

use std::io::{self, IsTerminal, Write};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Stream {
    Stdin,
    Stdout,
    Stderr,
}

impl Stream {
    fn descriptor(self) -> u8 {
        match self {
            Stream::Stdin => 0,
            Stream::Stdout => 1,
            Stream::Stderr => 2,
        }
    }

    fn is_terminal(self) -> bool {
        match self {
            Stream::Stdin => io::stdin().is_terminal(),
            Stream::Stdout => io::stdout().is_terminal(),
            Stream::Stderr => io::stderr().is_terminal(),
        }
    }
}

/// Whether the stream was closed when the program was started.
pub fn closed_at_start(stream: Stream) -> bool {
    at_start::closed() & (1 << stream.descriptor()) != 0
}

/// Whether to write colours to the stream, by the usual rule: only to a terminal, not when
/// NO_COLOR is set (to anything but the empty string), and not when TERM is unset or `dumb`.
pub fn colour(stream: Stream) -> bool {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let term = std::env::var_os("TERM");
    let term_has_colours = term.is_some_and(|t| t != "dumb");
    stream.is_terminal() && !no_color && term_has_colours
}

/// Writes all of `text` to standard output or standard error and flushes it; an error, never a
/// panic, when it cannot be written, including when the stream was closed at the start.
pub fn write(stream: Stream, text: &str) -> io::Result<()> {
    if closed_at_start(stream) {
        let name = match stream {
            Stream::Stdin => "standard input",
            Stream::Stdout => "standard output",
            Stream::Stderr => "standard error",
        };
        return Err(io::Error::other(format!("{name} is closed")));
    }
    match stream {
        Stream::Stdout => {
            let mut out = io::stdout().lock();
            out.write_all(text.as_bytes())?;
            out.flush()
        }
        Stream::Stderr => {
            let mut out = io::stderr().lock();
            out.write_all(text.as_bytes())?;
            out.flush()
        }
        Stream::Stdin => Err(io::Error::other("standard input is not written to")),
    }
}

#[cfg(target_os = "linux")]
mod at_start {
    use std::ffi::c_int;
    use std::sync::atomic::{AtomicU8, Ordering};

    /// Bit k is set when descriptor k (0, 1, 2) was closed at the start.
    static CLOSED: AtomicU8 = AtomicU8::new(0);

    pub fn closed() -> u8 {
        CLOSED.load(Ordering::Relaxed)
    }

    unsafe extern "C" {
        fn fcntl(fd: c_int, cmd: c_int, ...) -> c_int;
    }

    /// F_GETFD from <fcntl.h>: reads a descriptor's flags, failing only if it is not open.
    const F_GETFD: c_int = 1;

    extern "C" fn record_closed_descriptors() {
        for fd in 0..3 {
            // SAFETY: F_GETFD reads the flags of a descriptor and changes nothing.
            if unsafe { fcntl(fd, F_GETFD) } == -1 {
                CLOSED.fetch_or(1 << fd, Ordering::Relaxed);
            }
        }
    }

    /// Run by the C runtime before `main`, and so before Rust's runtime fills in the closed
    /// descriptors.
    #[used]
    #[unsafe(link_section = ".init_array")]
    static RECORD: extern "C" fn() = record_closed_descriptors;
}

#[cfg(not(target_os = "linux"))]
mod at_start {
    /// Elsewhere a stream closed at the start is not told apart from /dev/null.
    pub fn closed() -> u8 {
        0
    }
}
