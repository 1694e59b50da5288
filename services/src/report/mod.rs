//! `ltc report`'s page: one self-contained HTML file with pictures of the read models.
//!
//! - `svg/`: the chart primitives (bar chart, funnel, fan chart, timeline), pure functions of
//!   plain data, each with snapshot tests.
//! - `page.rs`: the HTML skeleton with its inline CSS, and [`Section`] / [`Body`], including the
//!   "not built yet" slot.
//! - `sections.rs`: what each section draws, from which read model.

mod page;
mod sections;
pub mod svg;

use rusqlite::Connection;

pub use page::{Body, Page, Section, render};
pub use sections::{LogState, SectionError, sections};

/// The report of the read models behind `conn`, which stand at `log`.
pub fn build(conn: &Connection, log: &LogState) -> Result<String, SectionError> {
    let page = Page {
        title: "ltc — lead-to-cash report".to_owned(),
        subtitle: log.describe(),
        sections: sections(conn, log)?,
    };
    Ok(render(&page))
}
