//! The report's HTML page: one self-contained file with inline CSS and inline SVG, no script and
//! no link to anything outside, so it opens the same from a mail attachment as from a share.

use super::svg::{CHART_CSS, escape};

/// The page: a title, a line saying what state of the log it shows, and its sections.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub title: String,
    pub subtitle: String,
    pub sections: Vec<Section>,
}

/// One section of the report, with an anchor id for linking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub id: &'static str,
    pub title: &'static str,
    /// One sentence saying what the section shows, as plain text.
    pub intro: String,
    pub body: Body,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Body {
    /// Markup made by this module's callers from escaped text and the chart primitives.
    Html(String),
    /// A slot whose read model this build does not have yet: the page says so rather than
    /// draw anything made up.
    NotBuilt { model: &'static str },
}

const PAGE_CSS: &str = "\
*, *::before, *::after { box-sizing: border-box; }
body { margin: 0; background: #f4f6f8; color: #26313a;
       font-family: system-ui, -apple-system, 'Segoe UI', sans-serif; line-height: 1.45; }
header { background: #1f3b57; color: #fff; padding: 28px 40px 22px; }
header h1 { margin: 0 0 6px; font-size: 26px; font-weight: 650; }
header p { margin: 0; color: #c9d6e2; }
nav { padding: 10px 40px; background: #fff; border-bottom: 1px solid #dde3e8; font-size: 14px; }
nav a { color: #1f5f9e; margin-right: 18px; text-decoration: none; }
main { max-width: 1120px; padding: 24px 40px 40px; }
section { background: #fff; border: 1px solid #dde3e8; border-radius: 8px; padding: 18px 22px 22px;
          margin-bottom: 22px; }
section h2 { margin: 0 0 4px; font-size: 19px; }
section p.intro { margin: 0 0 14px; color: #5f6b75; }
.not-built { border: 2px dashed #c3cad1; border-radius: 6px; padding: 18px; color: #5f6b75;
             background: #fafbfc; }
.not-built strong { color: #26313a; }
table.figures { border-collapse: collapse; margin-top: 12px; font-size: 14px; }
table.figures th, table.figures td { padding: 4px 14px 4px 0; text-align: right; }
table.figures th:first-child, table.figures td:first-child { text-align: left; }
table.figures th { color: #5f6b75; font-weight: 600; border-bottom: 1px solid #dde3e8; }
footer { color: #8a939b; font-size: 13px; padding: 0 40px 30px; }
";

/// The whole page as HTML.
pub fn render(page: &Page) -> String {
    let mut html = String::with_capacity(64 * 1024);
    html.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    html.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    html.push_str(&format!("<title>{}</title>\n", escape(&page.title)));
    html.push_str(&format!("<style>\n{PAGE_CSS}{CHART_CSS}</style>\n</head>\n<body>\n"));
    html.push_str(&format!(
        "<header>\n<h1>{}</h1>\n<p>{}</p>\n</header>\n<nav>\n",
        escape(&page.title),
        escape(&page.subtitle)
    ));
    for section in &page.sections {
        html.push_str(&format!("<a href=\"#{}\">{}</a>\n", section.id, escape(section.title)));
    }
    html.push_str("</nav>\n<main>\n");
    for section in &page.sections {
        html.push_str(&format!(
            "<section id=\"{}\">\n<h2>{}</h2>\n<p class=\"intro\">{}</p>\n",
            section.id,
            escape(section.title),
            escape(&section.intro)
        ));
        match &section.body {
            Body::Html(markup) => html.push_str(markup),
            Body::NotBuilt { model } => html.push_str(&format!(
                "<div class=\"not-built\"><strong>Not built yet.</strong> This section is drawn \
                 from the <code>{}</code> read model, which this build of ltc does not have \
                 yet.</div>\n",
                escape(model)
            )),
        }
        html.push_str("</section>\n");
    }
    html.push_str(
        "</main>\n<footer>Made by <code>ltc report</code> from the read models, which are \
         derived from the event log. One file: no scripts, nothing fetched.</footer>\n\
         </body>\n</html>\n",
    );
    html
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slot_without_its_read_model_says_not_built_yet_and_text_is_escaped() {
        let page = Page {
            title: "Report <1>".into(),
            subtitle: "at position 3".into(),
            sections: vec![Section {
                id: "funnel",
                title: "Funnel",
                intro: "Leads & deals".into(),
                body: Body::NotBuilt { model: "funnel" },
            }],
        };
        let html = render(&page);
        assert!(html.contains("<title>Report &lt;1&gt;</title>"), "{html}");
        assert!(html.contains("Leads &amp; deals"), "{html}");
        assert!(html.contains("<strong>Not built yet.</strong>"), "{html}");
        assert!(html.contains("<code>funnel</code> read model"), "{html}");
        assert!(html.contains("<a href=\"#funnel\">Funnel</a>"), "{html}");
    }

    #[test]
    fn the_page_links_to_nothing_outside_itself_and_runs_no_script() {
        let page = Page { title: "t".into(), subtitle: "s".into(), sections: vec![] };
        let html = render(&page).to_lowercase();
        for outside in ["http:", "https:", "<script", "<link", "src=", "@import", "url("] {
            assert!(!html.contains(outside), "{outside} in {html}");
        }
    }
}
