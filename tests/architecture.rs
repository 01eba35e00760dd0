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

/// The crossings in one file's text: its code outside items marked `#[cfg(test)]`, comments
/// left out, each `use` read whole (over as many lines as it takes) with its groups
/// (`use crate::{a, render::{b, c}}`) read as the paths they stand for.
fn crossings(file: &str, text: &str) -> Vec<Crossing> {
    let rules = forbidden(file);
    let mut out = Vec::new();
    for (line, code) in statements(&non_test_code(text)) {
        let code = expand_groups(&code);
        for (name, what) in &rules {
            if contains_word(&code, name) {
                out.push(Crossing {
                    file: file.to_string(),
                    line,
                    names: what,
                });
            }
        }
    }
    out
}

/// The code of a line, without its `//` comment (one inside a string literal is kept).
fn without_comment(line: &str) -> &str {
    let mut in_string = false;
    let mut previous = ' ';
    for (at, c) in line.char_indices() {
        match c {
            '"' if previous != '\\' => in_string = !in_string,
            '/' if !in_string && line[at + 1..].starts_with('/') => return &line[..at],
            _ => {}
        }
        previous = c;
    }
    line
}

/// Each line's code (comments removed) with its number, but for the items `#[cfg(test)]`
/// marks: the item ends at its `;` or at the `}` that closes its first `{`, on the attribute's
/// own line or after it.
fn non_test_code(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut skipping = false;
    let mut depth = 0usize;
    let mut opened = false;
    for (index, line) in text.lines().enumerate() {
        let mut code = without_comment(line);
        if !skipping && code.trim_start().starts_with("#[cfg(test)]") {
            skipping = true;
            depth = 0;
            opened = false;
            code = code.trim_start().trim_start_matches("#[cfg(test)]");
            if code.trim().is_empty() {
                continue;
            }
        }
        if skipping {
            for c in code.chars() {
                match c {
                    '{' => {
                        depth += 1;
                        opened = true;
                    }
                    '}' => depth = depth.saturating_sub(1),
                    _ => {}
                }
            }
            let item_ended = (opened && depth == 0) || (!opened && code.trim_end().ends_with(';'));
            if item_ended {
                skipping = false;
            }
            continue;
        }
        out.push((index + 1, code.to_string()));
    }
    out
}

/// The lines, but a `use` that spans several lines joined into one, at its first line's number.
fn statements(lines: &[(usize, String)]) -> Vec<(usize, String)> {
    let mut out: Vec<(usize, String)> = Vec::new();
    let mut open_use = false;
    for (line, code) in lines {
        if open_use {
            let last = out.last_mut().expect("a use begun");
            last.1.push(' ');
            last.1.push_str(code.trim());
        } else {
            out.push((*line, code.clone()));
            let trimmed = code.trim_start();
            open_use = trimmed.starts_with("use ") || trimmed.starts_with("pub use ");
        }
        if open_use && code.contains(';') {
            open_use = false;
        }
    }
    out
}

/// `crate::{math::prose::Prose, render::{notation::Text}}` read as well as the paths it stands
/// for, `crate::math::prose::Prose` and `crate::render::notation::Text`, however deep.
fn expand_groups(code: &str) -> String {
    let mut out = code.to_string();
    for root in ["crate::", "super::", "derive::"] {
        let mut from = 0;
        while let Some(at) = code[from..].find(&format!("{root}{{")) {
            let start = from + at + root.len() + 1;
            let end = matching_brace(code, start);
            for path in group_paths(&code[start..end]) {
                out.push_str(&format!(" {root}{path}"));
            }
            from = end.min(code.len());
        }
    }
    out
}

/// The index of the `}` that closes a group opened just before `start` (or the end).
fn matching_brace(code: &str, start: usize) -> usize {
    let mut depth = 1;
    for (at, c) in code[start..].char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return start + at;
                }
            }
            _ => {}
        }
    }
    code.len()
}

/// The paths inside one group: `a, b::{c, d}` gives `a`, `b::c`, `b::d`.
fn group_paths(group: &str) -> Vec<String> {
    let mut paths = Vec::new();
    let mut depth = 0;
    let mut begun = 0;
    let mut parts = Vec::new();
    for (at, c) in group.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&group[begun..at]);
                begun = at + 1;
            }
            _ => {}
        }
    }
    parts.push(&group[begun..]);
    for part in parts.into_iter().map(str::trim).filter(|p| !p.is_empty()) {
        match part.find("::{") {
            Some(at) => {
                let prefix = &part[..at];
                let inner_start = at + 3;
                let inner_end = matching_brace(part, inner_start);
                for inner in group_paths(&part[inner_start..inner_end]) {
                    paths.push(format!("{prefix}::{inner}"));
                }
            }
            None => paths.push(part.to_string()),
        }
    }
    paths
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

/// The files README's "How it is built" lists under `src/`: a line `src/name/` opens a folder,
/// and each line indented under it names files (`a.rs, b.rs`) or a folder of its own (`loss/`),
/// two spaces a level; wider indents continue a description.
fn files_in_readme_tree(readme: &str) -> Vec<String> {
    let section = readme
        .split("## How it is built")
        .nth(1)
        .expect("README has a section \"How it is built\"");
    let block = section
        .split("```")
        .nth(1)
        .expect("the section shows a tree");
    let mut folders: Vec<String> = Vec::new();
    let mut files = Vec::new();
    for line in block.lines() {
        let indent = line.len() - line.trim_start().len();
        let entry = line.trim_start().split("  ").next().unwrap_or("");
        if indent == 0 && entry.starts_with("src/") {
            folders.clear();
            match entry.strip_suffix('/') {
                Some(folder) => folders.push(folder.to_string()),
                None => files.push(entry.to_string()),
            }
        } else if indent > 0 && indent % 2 == 0 && indent / 2 <= folders.len() && !entry.is_empty()
        {
            folders.truncate(indent / 2);
            let parent = folders.last().expect("a folder").clone();
            for name in entry.split(", ") {
                match name.strip_suffix('/') {
                    Some(folder) => folders.push(format!("{parent}/{folder}")),
                    None => files.push(format!("{parent}/{name}")),
                }
            }
        }
    }
    files
}

#[test]
fn the_readme_tree_lists_every_file_of_src() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).expect("README.md reads");
    let mut listed = files_in_readme_tree(&readme);
    listed.sort();
    let mut paths = Vec::new();
    rust_files(&root.join("src"), &mut paths);
    let mut actual: Vec<String> = paths
        .iter()
        .map(|p| {
            p.strip_prefix(root)
                .expect("under the root")
                .to_string_lossy()
                .replace('\\', "/")
        })
        .collect();
    actual.sort();
    let missing: Vec<&String> = actual.iter().filter(|f| !listed.contains(f)).collect();
    let stale: Vec<&String> = listed.iter().filter(|f| !actual.contains(f)).collect();
    assert!(
        missing.is_empty() && stale.is_empty(),
        "README's tree does not match src/: not listed {missing:?}, listed but absent {stale:?}"
    );
}

#[test]
fn the_readme_tree_is_read_as_folders_and_files() {
    let readme = "## How it is built\n\n```\nsrc/lib.rs   the entry\nsrc/a/       a stage\n  \
                  mod.rs     its driver\n  b/         a folder\n    c.rs, d.rs  two files\n  \
                  e.rs       back one level\n             a description\ntests/       not src\n```\n";
    assert_eq!(
        files_in_readme_tree(readme),
        [
            "src/lib.rs",
            "src/a/mod.rs",
            "src/a/b/c.rs",
            "src/a/b/d.rs",
            "src/a/e.rs"
        ]
    );
}
