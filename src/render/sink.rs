//! Text written as it is produced: a renderer appends to a buffer, which goes to the writer
//! whenever it holds a few tens of kilobytes, so a deep chain's megabytes of output are never
//! held in memory all at once. Without a writer the buffer keeps everything (tests, callers
//! that want a `String`).

use std::io::Write;

pub struct Sink<'w> {
    buffer: String,
    writer: Option<&'w mut dyn Write>,
    /// The first error of the writer; later writes are dropped.
    error: Option<std::io::Error>,
}

/// How much text is gathered before it is written.
const CHUNK: usize = 1 << 16;

impl<'w> Sink<'w> {
    /// Keeps all the text, for `into_string`.
    pub fn memory() -> Sink<'static> {
        Sink {
            buffer: String::new(),
            writer: None,
            error: None,
        }
    }

    pub fn writer(writer: &'w mut dyn Write) -> Sink<'w> {
        Sink {
            buffer: String::with_capacity(2 * CHUNK),
            writer: Some(writer),
            error: None,
        }
    }

    /// The buffer to append to; call `flush_if_full` after a piece is complete.
    pub fn buffer(&mut self) -> &mut String {
        &mut self.buffer
    }

    pub fn push_str(&mut self, text: &str) {
        self.buffer.push_str(text);
        self.flush_if_full();
    }

    pub fn push(&mut self, c: char) {
        self.buffer.push(c);
    }

    pub fn flush_if_full(&mut self) {
        if self.buffer.len() >= CHUNK {
            self.write_out();
        }
    }

    /// Writes what has been gathered so far to the writer, if there is one: before a pause,
    /// so that a reader sees it (standard output passes whole lines on at once).
    pub fn write_out(&mut self) {
        if let Some(writer) = self.writer.as_mut() {
            if self.error.is_none()
                && let Err(e) = writer.write_all(self.buffer.as_bytes())
            {
                self.error = Some(e);
            }
            self.buffer.clear();
        }
    }

    /// Writes what is left; the writer's first error, if any.
    pub fn finish(mut self) -> std::io::Result<()> {
        self.write_out();
        match self.error {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// All the text, when there is no writer.
    pub fn into_string(self) -> String {
        debug_assert!(self.writer.is_none(), "a sink with a writer keeps no text");
        self.buffer
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_writer_receives_the_text_in_order_and_whole() {
        let piece = "a line of text\n".repeat(1000);
        let mut memory = Sink::memory();
        let mut written = Vec::new();
        let mut sink = Sink::writer(&mut written);
        for _ in 0..20 {
            memory.push_str(&piece);
            sink.push_str(&piece);
        }
        sink.finish().unwrap();
        assert_eq!(String::from_utf8(written).unwrap(), memory.into_string());
    }

    #[test]
    fn the_first_error_of_the_writer_is_reported() {
        struct Closed;
        impl Write for Closed {
            fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
                Err(std::io::ErrorKind::BrokenPipe.into())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let mut closed = Closed;
        let mut sink = Sink::writer(&mut closed);
        sink.push_str(&"x".repeat(3 * CHUNK));
        let error = sink.finish().unwrap_err();
        assert_eq!(error.kind(), std::io::ErrorKind::BrokenPipe);
    }
}
