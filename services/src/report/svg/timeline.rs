//! [`timeline`]: dated entries down a vertical line, oldest first, each with a title and an
//! optional detail line: one customer's story as the 360° view tells it.

use super::{empty, escape, open, short};

/// Entries drawn at most; the rest are counted in a last line.
pub const TIMELINE_ENTRIES_MAX: usize = 200;

/// Characters of a title's line: bold text at the page's size fits about this many between the
/// rail and the chart's right edge, where the SVG would clip it mid-word.
const TITLE_LINE_CHARS: usize = 70;
/// Lines a title may take; a longer one ends with `…` on its last.
const TITLE_LINES_MAX: usize = 3;
/// Characters of the detail line, in the smaller type.
const DETAIL_CHARS_MAX: usize = 96;

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
/// What each further line of a title adds to its row.
const LINE: i64 = 17;

/// A timeline of `entries` in the order given, named `title`. A long title is wrapped at word
/// boundaries rather than cut, so a line of the customer's story is read whole.
pub fn timeline(title: &str, entries: &[TimelineEntry]) -> String {
    if entries.is_empty() {
        return empty(WIDTH, title, "Nothing has happened yet.");
    }
    let shown = &entries[..entries.len().min(TIMELINE_ENTRIES_MAX)];
    let wrapped: Vec<Vec<String>> =
        shown.iter().map(|entry| wrap(&entry.title, TITLE_LINE_CHARS, TITLE_LINES_MAX)).collect();
    // Each row's top, then the note's row when entries were left out.
    let mut tops = Vec::with_capacity(shown.len() + 1);
    let mut y = TOP;
    for lines in &wrapped {
        tops.push(y);
        y += ROW + extra_lines(lines) * LINE;
    }
    let more = entries.len() > shown.len();
    if more {
        tops.push(y);
        y += ROW;
    }
    let last_top = tops.last().copied().unwrap_or(TOP);
    let mut svg = open(WIDTH, y, title);
    svg.push_str(&format!(
        "<line class=\"rail\" x1=\"{RAIL_X}\" y1=\"{TOP}\" x2=\"{RAIL_X}\" y2=\"{last_top}\"/>\n"
    ));
    let tx = RAIL_X + 16;
    for ((entry, lines), y) in shown.iter().zip(&wrapped).zip(&tops) {
        svg.push_str(&format!(
            "<circle class=\"event\" cx=\"{RAIL_X}\" cy=\"{y}\" r=\"6\"/>\n\
             <text class=\"date\" x=\"{dx}\" y=\"{ty}\" text-anchor=\"end\">{date}</text>\n",
            dx = RAIL_X - 14,
            ty = y + 4,
            date = escape(&entry.date),
        ));
        for (idx, line) in lines.iter().enumerate() {
            svg.push_str(&format!(
                "<text class=\"title\" x=\"{tx}\" y=\"{ty}\">{text}</text>\n",
                ty = y + 4 + LINE * i64::try_from(idx).unwrap_or(0),
                text = escape(line),
            ));
        }
        if let Some(detail) = &entry.detail {
            svg.push_str(&format!(
                "<text class=\"tick\" x=\"{tx}\" y=\"{ty}\">{text}</text>\n",
                ty = y + 21 + extra_lines(lines) * LINE,
                text = short(detail, DETAIL_CHARS_MAX),
            ));
        }
    }
    if more {
        svg.push_str(&format!(
            "<text class=\"note\" x=\"{tx}\" y=\"{ty}\">… and {n} more</text>\n",
            ty = last_top + 4,
            n = entries.len() - shown.len(),
        ));
    }
    svg.push_str("</svg>\n");
    svg
}

fn extra_lines(lines: &[String]) -> i64 {
    i64::try_from(lines.len().saturating_sub(1)).unwrap_or(0)
}

/// `text` in lines of at most `width` characters, broken between words (a word longer than a
/// line is broken inside), at most `max_lines` of them: the last of those ends with `…` when
/// text was left out.
fn wrap(text: &str, width: usize, max_lines: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    let mut line_chars = 0;
    for word in text.split_whitespace() {
        let mut word: Vec<char> = word.chars().collect();
        loop {
            let room = if line_chars == 0 { width } else { width.saturating_sub(line_chars + 1) };
            if word.len() <= room {
                if line_chars > 0 {
                    line.push(' ');
                    line_chars += 1;
                }
                line.extend(&word);
                line_chars += word.len();
                break;
            }
            if line_chars > 0 {
                lines.push(std::mem::take(&mut line));
                line_chars = 0;
                continue;
            }
            // A word wider than a whole line: as much of it as fits, the rest on the next.
            let rest = word.split_off(width);
            lines.push(word.into_iter().collect());
            word = rest;
        }
    }
    if line_chars > 0 {
        lines.push(line);
    }
    if lines.len() > max_lines {
        lines.truncate(max_lines);
        if let Some(last) = lines.last_mut() {
            let kept: String = last.chars().take(width.saturating_sub(1)).collect();
            *last = format!("{}…", kept.trim_end());
        }
    }
    lines
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
    fn a_long_title_is_wrapped_between_words_and_its_row_grows_to_hold_it() {
        let long = "order for \"Bergmann Foods 56 — CRM deal 22\" invoiced 24347.40 EUR: 24347.40 \
                    EUR due on 2027-02-05 in 1 instalment";
        let svg =
            timeline("story", &[entry("2026-12-22", long, Some("finance")), entry("d", "t", None)]);
        let titles: Vec<&str> = svg
            .lines()
            .filter_map(|line| line.strip_prefix("<text class=\"title\""))
            .map(|line| &line[line.find('>').unwrap() + 1..line.rfind("</text>").unwrap()])
            .collect();
        assert_eq!(
            titles,
            [
                "order for &quot;Bergmann Foods 56 — CRM deal 22&quot; invoiced 24347.40 EUR:",
                "24347.40 EUR due on 2027-02-05 in 1 instalment",
                "t",
            ]
        );
        assert!(svg.contains("<text class=\"tick\" x=\"120\" y=\"56\">finance</text>"), "{svg}");
        assert!(svg.contains("<circle class=\"event\" cx=\"104\" cy=\"79\""), "{svg}");
    }

    #[test]
    fn a_title_longer_than_its_lines_ends_with_an_ellipsis_on_the_last() {
        let words = "word ".repeat(60);
        let lines = wrap(&words, 20, 3);
        assert_eq!(lines, ["word word word word", "word word word word", "word word word word…"]);
        assert_eq!(wrap(&"x".repeat(45), 20, 3), ["x".repeat(20), "x".repeat(20), "x".repeat(5)]);
    }

    proptest::proptest! {
        #[test]
        fn wrapped_lines_fit_their_width_and_keep_every_word_when_there_is_room(
            text in "[a-z ]{0,200}",
            width in 1usize..40,
        ) {
            let lines = wrap(&text, width, usize::MAX);
            for line in &lines {
                proptest::prop_assert!(line.chars().count() <= width, "{line:?}");
            }
            let words: String = text.split_whitespace().collect();
            let kept: String = lines.iter().flat_map(|line| line.split_whitespace()).collect();
            proptest::prop_assert_eq!(kept, words);
        }
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
