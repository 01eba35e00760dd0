//! Renderers: each format is a walk over the same sections of one `Derivation`; none derives
//! or simplifies.
//!
//! From the bottom up: `notation`, `latex_notation` and `layout` spell and lay out pieces of
//! formulas; `expression` and `elements` print whole trees; `sections` is what a derivation
//! shows, section by section, and `parts` which of them are printed; `text`, `latex`,
//! `markdown` and `json` are the formats, listed in `Format`.

pub mod code;
pub mod elements;
pub mod expanded_size;
pub mod expression;
pub mod html;
pub mod json;
pub mod latex;
pub mod latex_notation;
pub mod layout;
pub mod markdown;
pub mod mathjax;
pub mod notation;
pub mod parts;
pub mod prose;
pub mod sections;
pub mod sink;
pub mod table;
pub mod text;
pub mod words;

use sections::Sections;

/// The output formats, by the name `--format` takes. Adding a format is a module above and a
/// variant here with its arms.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Format {
    Text,
    Latex,
    Markdown,
    Json,
    Html,
}

/// How the output is laid out: the width of text, and whether LaTeX is a complete document.
#[derive(Clone, Copy, Debug)]
pub struct RenderOptions {
    pub width: usize,
    pub standalone: bool,
}

impl Format {
    pub const ALL: [Format; 5] = [
        Format::Text,
        Format::Latex,
        Format::Markdown,
        Format::Json,
        Format::Html,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Latex => "latex",
            Format::Markdown => "markdown",
            Format::Json => "json",
            Format::Html => "html",
        }
    }

    /// The whole output in this format.
    pub fn render(self, sections: &Sections, options: RenderOptions) -> String {
        match self {
            Format::Text => text::render_text(sections, options.width),
            Format::Latex => latex::render_latex(sections, options.standalone),
            Format::Markdown => markdown::render_markdown(sections),
            Format::Json => json::render_json(sections),
            Format::Html => html::render_html(sections),
        }
    }
}
