//! [`timeline`]: dated entries down a vertical line, oldest first, each with a title and an
//! optional detail line: one customer's story as the 360° view tells it.

use super::{empty, escape, open, short};

/// Entries drawn at most; the rest are counted in a last line.
pub const TIMELINE_ENTRIES_MAX: usize = 200;

/// Characters of a title or detail drawn before it is cut.
const TEXT_CHARS_MAX: usize = 84;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimelineEntry {
    /// As it should read: `2026-01-05`.
    pub date: String,
    pub title: String,
    pub detail: Option<String>,
}

const WIDTH: i64 = 720;
const RAIL_X: i64 = 104;
const TOP: i64 = 18;
const ROW: i64 = 44;

/// A timeline of `entries` in the order given, named `title`.
pub fn timeline(title: &str, entries: &[TimelineEntry]) -> String {
    if entries.is_empty() {
        return empty(WIDTH, title, "Nothing has happened yet.");
    }
    let shown = &entries[..entries.len().min(TIMELINE_ENTRIES_MAX)];
    let n_rows = i64::try_from(shown.len()).unwrap_or(0) + i64::from(entries.len() > shown.len());
    let height = TOP + n_rows * ROW;
    let mut svg = open(WIDTH, height, title);
    svg.push_str(&format!(
        "<line class=\"rail\" x1=\"{RAIL_X}\" y1=\"{TOP}\" x2=\"{RAIL_X}\" y2=\"{y2}\"/>\n",
        y2 = TOP + (n_rows - 1) * ROW
    ));
    for (idx, entry) in shown.iter().enumerate() {
        let y = TOP + i64::try_from(idx).unwrap_or(0) * ROW;
        svg.push_str(&format!(
            "<circle class=\"event\" cx=\"{RAIL_X}\" cy=\"{y}\" r=\"6\"/>\n\
             <text class=\"date\" x=\"{dx}\" y=\"{ty}\" text-anchor=\"end\">{date}</text>\n\
             <text class=\"title\" x=\"{tx}\" y=\"{ty}\">{text}</text>\n",
            dx = RAIL_X - 14,
            ty = y + 4,
            date = escape(&entry.date),
            tx = RAIL_X + 16,
            text = short(&entry.title, TEXT_CHARS_MAX),
        ));
        if let Some(detail) = &entry.detail {
            svg.push_str(&format!(
                "<text class=\"tick\" x=\"{tx}\" y=\"{y}\">{text}</text>\n",
                tx = RAIL_X + 16,
                y = y + 21,
                text = short(detail, TEXT_CHARS_MAX + 12),
            ));
        }
    }
    if entries.len() > shown.len() {
        svg.push_str(&format!(
            "<text class=\"note\" x=\"{tx}\" y=\"{y}\">… and {n} more</text>\n",
            tx = RAIL_X + 16,
            y = height - ROW + 4,
            n = entries.len() - shown.len(),
        ));
    }
    svg.push_str("</svg>\n");
    svg
}

#[cfg(test)]
mod tests {
    use expect_test::expect;

    use super::*;

    fn entry(date: &str, title: &str, detail: Option<&str>) -> TimelineEntry {
        TimelineEntry { date: date.into(), title: title.into(), detail: detail.map(Into::into) }
    }

    #[test]
    fn entries_follow_the_rail_in_order_with_their_dates_on_the_left() {
        let entries = [
            entry("2026-01-05", "Lead captured from a web form", Some("score 62 · Acme & Co")),
            entry("2026-02-11", "Opportunity WON", None),
        ];
        expect![[r#"
            <svg class="chart" viewBox="0 0 720 106" width="720" height="106" role="img" aria-label="Acme&#39;s story">
            <title>Acme&#39;s story</title>
            <line class="rail" x1="104" y1="18" x2="104" y2="62"/>
            <circle class="event" cx="104" cy="18" r="6"/>
            <text class="date" x="90" y="22" text-anchor="end">2026-01-05</text>
            <text class="title" x="120" y="22">Lead captured from a web form</text>
            <text class="tick" x="120" y="39">score 62 · Acme &amp; Co</text>
            <circle class="event" cx="104" cy="62" r="6"/>
            <text class="date" x="90" y="66" text-anchor="end">2026-02-11</text>
            <text class="title" x="120" y="66">Opportunity WON</text>
            </svg>
        "#]]
        .assert_eq(&timeline("Acme's story", &entries));
    }

    #[test]
    fn entries_past_the_limit_are_counted_not_drawn() {
        let many: Vec<TimelineEntry> =
            (0..TIMELINE_ENTRIES_MAX + 3).map(|_| entry("d", "t", None)).collect();
        let svg = timeline("long", &many);
        assert_eq!(svg.matches("<circle").count(), TIMELINE_ENTRIES_MAX);
        assert!(svg.contains("… and 3 more"), "the last line counts what was left out");
        assert!(timeline("none", &[]).contains("Nothing has happened yet."));
    }
}
