//! The boundaries of the source tree, so that they stay: dependencies point down the pipeline.
//! Nothing outside `src/render/` and the command line (`src/main.rs`, `src/cli/`) names the
//! printers, and nothing outside the command line names clap. Test modules (`#[cfg(test)]`,
//! the end of a file) may print trees to show them and are not read.

use std::path::{Path, PathBuf};

/// A path inside `src/` that crosses a boundary, and what it names.
#[derive(Debug, PartialEq)]
struct Crossing {
    file: String,
    line: usize,
    names: &'static str,
}

/// What the file (a path under src/) may not name: each name with what it stands for.
fn forbidden(file: &str) -> Vec<(&'static str, &'static str)> {
    let command_line = file == "main.rs" || file.starts_with("cli/");
    let mut out = Vec::new();
    if !command_line && !file.starts_with("render/") {
        for name in ["crate::render", "super::render", "derive::render"] {
            out.push((name, "the printers"));
        }
    }
    if !command_line {
        out.push(("clap", "the command line's parser"));
    }
    out
}

/// The crossings in one file's text: its code before any test module, comments left out.
fn crossings(file: &str, text: &str) -> Vec<Crossing> {
    let rules = forbidden(file);
    let mut out = Vec::new();
    for (index, line) in text.lines().enumerate() {
        if line.trim_start().starts_with("#[cfg(test)]") {
            break;
        }
        let code = line.split("//").next().unwrap_or("");
        for (name, what) in &rules {
            if contains_word(code, name) {
                out.push(Crossing {
                    file: file.to_string(),
                    line: index + 1,
                    names: what,
                });
            }
        }
    }
    out
}

/// Whether `name` occurs in `code` as a path or word of its own (`clap` but not `clapped`).
fn contains_word(code: &str, name: &str) -> bool {
    let is_word = |c: char| c.is_alphanumeric() || c == '_';
    code.match_indices(name).any(|(at, _)| {
        let before = code[..at].chars().next_back();
        let after = code[at + name.len()..].chars().next();
        !before.is_some_and(is_word) && !after.is_some_and(is_word)
    })
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src/ reads") {
        let path = entry.expect("an entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn dependencies_point_down_the_pipeline() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    // The tree is read, not an empty or moved directory.
    assert!(files.len() > 40, "only {} files under src/", files.len());
    let mut found = Vec::new();
    for path in &files {
        let file = path
            .strip_prefix(&src)
            .expect("under src/")
            .to_string_lossy()
            .replace('\\', "/");
        let text = std::fs::read_to_string(path).expect("a source file reads");
        found.extend(crossings(&file, &text));
    }
    assert!(found.is_empty(), "paths across a boundary: {found:#?}");
}

#[test]
fn a_crossing_is_found() {
    let core = "use crate::math::expr::Arena;\nuse crate::render::notation::Text; // prints\n";
    assert_eq!(
        crossings("network/layer.rs", core),
        [Crossing {
            file: "network/layer.rs".into(),
            line: 2,
            names: "the printers",
        }]
    );
    let clap = "#[derive(clap::ValueEnum)]\npub enum Reduction {}\n";
    assert_eq!(crossings("network/loss/mod.rs", clap).len(), 1);
    // The printers and the command line may name what they own.
    assert!(crossings("render/text.rs", core).is_empty());
    assert!(crossings("cli/arguments.rs", clap).is_empty());
    // A comment, a longer word, and test modules are not crossings.
    assert!(crossings("math/expr.rs", "// see crate::render\nlet clapped = 1;\n").is_empty());
    let tested =
        "fn f() {}\n#[cfg(test)]\nmod tests {\n    use crate::render::notation::Text;\n}\n";
    assert!(crossings("simplify/mod.rs", tested).is_empty());
}
