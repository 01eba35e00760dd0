//! Hostile input and failing output through the real binary, run by a shell for its
//! redirections and under `timeout`, so that a hang fails the test instead of stalling it:
//! endless or huge input is refused at once, a closed or full stream is an error, exit code 2,
//! never a panic, and a reader that stops early stays quiet.

mod common;

use std::io::Read;
use std::process::{Command, Output, Stdio};

use common::{derive, stderr, stdout, temp_file};

/// Seconds before a run counts as hung; `timeout` then exits with 124.
const HUNG_AFTER: &str = "120";

/// Runs `script` in `sh` with `$DERIVE` the binary, and asserts it did not hang.
fn shell(script: &str) -> Output {
    let output = Command::new("sh")
        .arg("-c")
        .arg(script)
        .env("DERIVE", env!("CARGO_BIN_EXE_derive"))
        .env("HUNG_AFTER", HUNG_AFTER)
        .output()
        .expect("sh runs");
    assert_ne!(output.status.code(), Some(124), "{script}: it hung");
    output
}

/// Asserts exit code 2, no panic, and each of `says` on standard error.
fn refused(output: &Output, says: &[&str]) {
    let message = stderr(output);
    assert_eq!(output.status.code(), Some(2), "{message}");
    assert!(!message.contains("panicked"), "{message}");
    for s in says {
        assert!(message.contains(s), "{s:?} not in\n{message}");
    }
}

#[test]
fn endless_standard_input_is_refused_at_the_limit() {
    let output = shell(r#"timeout "$HUNG_AFTER" "$DERIVE" - < /dev/zero"#);
    refused(&output, &["larger than 4 MiB"]);
    let output = shell(r#"yes 'linear>' | timeout "$HUNG_AFTER" "$DERIVE" -"#);
    refused(&output, &["larger than 4 MiB"]);
}

#[test]
fn a_ten_megabyte_spec_is_refused_and_one_under_the_limit_is_counted_before_parsing() {
    let ten_megabytes = "relu>".repeat(2 << 20);
    let output = common::derive_with_stdin(&["-"], ten_megabytes.as_bytes());
    refused(&output, &["larger than 4 MiB"]);
    // Under the size limit but far over the layer limit: refused by the count of layers.
    let three_megabytes = format!("{}relu", "relu>".repeat(600_000));
    let output = common::derive_with_stdin(&["-"], three_megabytes.as_bytes());
    refused(&output, &["600001 layers", "at most 25000"]);
}

#[test]
fn closed_standard_input_is_a_read_error_not_an_empty_spec() {
    let output = shell(r#"timeout "$HUNG_AFTER" "$DERIVE" - <&-"#);
    refused(
        &output,
        &["cannot read the spec from standard input: it is closed"],
    );
    assert!(!stderr(&output).contains("empty"));
    // An empty one is still an empty spec.
    let output = shell(r#""$DERIVE" - < /dev/null"#);
    refused(&output, &["the spec is empty"]);
}

#[test]
fn an_endless_point_file_is_refused_at_the_limit() {
    let output = shell(r#"timeout "$HUNG_AFTER" "$DERIVE" linear --at /dev/zero"#);
    refused(&output, &["--at /dev/zero", "larger than 64 MiB"]);
}

#[test]
fn a_point_file_beginning_with_a_byte_order_mark_is_read() {
    let point = temp_file(
        "bom.json",
        "\u{FEFF}{\"x\": [1, 2], \"W1\": [[1, 2]], \"b1\": [0], \"y\": [0.5]}",
    );
    let output = derive(&["linear", "--at", point.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(stdout(&output).contains("Values at"), "{}", stdout(&output));
}

#[test]
fn a_standard_error_that_cannot_be_written_is_exit_code_2_not_a_panic() {
    // `relu` alone warns (no parameters); the warning cannot be written.
    let output = shell(r#""$DERIVE" relu 2>/dev/full"#);
    assert_eq!(output.status.code(), Some(2));
    // An error that cannot be written either.
    let output = shell(r#""$DERIVE" rleu 2>/dev/full"#);
    assert_eq!(output.status.code(), Some(2));
    let output = shell(r#""$DERIVE" linear --loss triplet 2>/dev/full"#);
    assert_eq!(output.status.code(), Some(2));
    // Without the warning, a run succeeds whatever standard error is.
    let output = shell(r#""$DERIVE" linear --no-check 2>/dev/full"#);
    assert_eq!(output.status.code(), Some(0));
}

#[test]
fn output_that_cannot_be_written_is_an_error() {
    for script in [
        r#""$DERIVE" "linear>relu>linear" >&-"#,
        r#""$DERIVE" "linear>relu>linear" --format json >&-"#,
        r#""$DERIVE" "linear>relu>linear" --no-check > /dev/full"#,
    ] {
        refused(&shell(script), &["cannot write the output"]);
    }
    refused(
        &shell(r#""$DERIVE" --help > /dev/full"#),
        &["cannot write the help"],
    );
    refused(
        &shell(r#""$DERIVE" --help >&-"#),
        &["cannot write the help: standard output is closed"],
    );
    refused(
        &shell(r#""$DERIVE" --version > /dev/full"#),
        &["cannot write the version"],
    );
    // Written whole, the help still exits 0.
    let output = shell(r#""$DERIVE" --help > /dev/null"#);
    assert_eq!(output.status.code(), Some(0));
}

#[test]
fn a_reader_that_stops_early_is_not_an_error() {
    for args in [
        &["linear>relu>linear>identity"][..],
        &["linear>relu>linear>identity", "--format", "latex"],
        &["--help"],
    ] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_derive"))
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("derive runs");
        // Read a line's worth, then close the pipe, as `| head -1` does.
        let mut first = [0u8; 16];
        let mut out = child.stdout.take().expect("piped");
        out.read_exact(&mut first).expect("some output");
        drop(out);
        let output = child.wait_with_output().expect("derive finishes");
        assert_eq!(output.status.code(), Some(0), "{args:?}");
        assert!(stderr(&output).is_empty(), "{args:?}: {}", stderr(&output));
    }
}

/// Runs the command in a pseudo-terminal (`script`), with the environment given, and says
/// whether what it wrote holds an escape sequence; `None` without `script`.
fn coloured_in_a_terminal(env: &[(&str, &str)]) -> Option<bool> {
    let mut command = Command::new("script");
    command
        .args([
            "-qec",
            &format!("{} rleu", env!("CARGO_BIN_EXE_derive")),
            "/dev/null",
        ])
        .env_remove("NO_COLOR")
        .env_remove("TERM");
    for (name, value) in env {
        command.env(name, value);
    }
    let output = command.output().ok()?;
    assert_eq!(output.status.code(), Some(2), "{}", stdout(&output));
    let text = String::from_utf8_lossy(&output.stdout).to_string();
    assert!(text.contains("unknown layer"), "{text}");
    Some(text.contains('\u{1b}'))
}

#[test]
fn colours_only_on_a_terminal_that_supports_them() {
    let Some(coloured) = coloured_in_a_terminal(&[("TERM", "xterm-256color")]) else {
        eprintln!("note: `script` is not installed; the terminal half of this test is skipped");
        return;
    };
    assert!(coloured, "a colour terminal gets colours");
    assert_eq!(coloured_in_a_terminal(&[("TERM", "dumb")]), Some(false));
    assert_eq!(coloured_in_a_terminal(&[]), Some(false));
    assert_eq!(
        coloured_in_a_terminal(&[("TERM", "xterm-256color"), ("NO_COLOR", "1")]),
        Some(false)
    );
    // Not a terminal: never.
    let output = derive(&["rleu"]);
    assert!(!stderr(&output).contains('\u{1b}'));
}
