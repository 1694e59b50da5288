//! [`bar_chart`]: one vertical bar per label over a value axis from zero, each bar with its
//! value above it. For counts per stream kind, invoices per aging bucket, and the like.

use super::{
    LABEL_CHARS_MAX, PALETTE, Scale, TICK_SPACING, Unit, VALUE_PX_PER_CHAR, axis_room, empty,
    escape, open, short, text_width,
};

/// Bars drawn at most; more would be too thin to read, so the rest are left out with a note.
pub const BARS_MAX: usize = 48;

/// One bar. A negative value is drawn as no bar, with its value printed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bar {
    pub label: String,
    pub value: i64,
}

/// Room left of the axis for its tick labels, unless the longest needs more.
const LEFT: i64 = 72;
const RIGHT: i64 = 16;
const TOP: i64 = 24;
const PLOT: i64 = 200;
const BOTTOM: i64 = 40;
/// Each bar's room, unless its value's text needs more (large amounts of money): then every slot
/// widens so that no value runs into its neighbour's.
const SLOT: i64 = 84;
const GAP: i64 = 14;
/// Space kept between two values' texts.
const VALUE_SPACING: i64 = 8;
const WIDTH_MIN: i64 = 360;

/// A bar chart of `bars` in `unit`, named `title` for screen readers and tooltips.
pub fn bar_chart(title: &str, bars: &[Bar], unit: &Unit) -> String {
    if bars.is_empty() {
        return empty(WIDTH_MIN, title, "No data yet.");
    }
    let shown = &bars[..bars.len().min(BARS_MAX)];
    let n_shown = i64::try_from(shown.len()).unwrap_or(0);
    let widest_value = (shown.iter())
        .map(|bar| text_width(&unit.format(bar.value), VALUE_PX_PER_CHAR))
        .max()
        .unwrap_or(0);
    let slot = SLOT.max(widest_value + VALUE_SPACING);
    let height = TOP + PLOT + BOTTOM;
    let baseline = TOP + PLOT;
    let scale = Scale::for_max(shown.iter().map(|bar| bar.value).max().unwrap_or(0));
    let left = axis_room(&scale, unit, LEFT);
    let width = (left + n_shown * slot + RIGHT).max(WIDTH_MIN);
    let mut svg = open(width, height, title);
    for tick in scale.ticks() {
        let y = baseline - scale.pixels(tick, PLOT);
        svg.push_str(&format!(
            "<line class=\"grid\" x1=\"{left}\" y1=\"{y}\" x2=\"{x2}\" y2=\"{y}\"/>\n\
             <text class=\"tick\" x=\"{x}\" y=\"{ty}\" text-anchor=\"end\">{label}</text>\n",
            x2 = width - RIGHT,
            x = left - TICK_SPACING,
            ty = y + 4,
            label = escape(&unit.tick(tick)),
        ));
    }
    for (idx, bar) in shown.iter().enumerate() {
        let slot_x = left + i64::try_from(idx).unwrap_or(0) * slot;
        let center = slot_x + slot / 2;
        let bar_height = scale.pixels(bar.value, PLOT);
        let value = escape(&unit.format(bar.value));
        svg.push_str(&format!(
            "<rect x=\"{x}\" y=\"{y}\" width=\"{w}\" height=\"{bar_height}\" fill=\"{fill}\">\
             <title>{label}: {value}</title></rect>\n\
             <text class=\"value\" x=\"{center}\" y=\"{vy}\" text-anchor=\"middle\">{value}</text>\n\
             <text class=\"label\" x=\"{center}\" y=\"{ly}\" text-anchor=\"middle\">{short}</text>\n",
            x = slot_x + GAP,
            y = baseline - bar_height,
            w = slot - 2 * GAP,
            fill = PALETTE[idx % PALETTE.len()],
            label = escape(&bar.label),
            vy = baseline - bar_height - 6,
            ly = baseline + 18,
            short = short(&bar.label, LABEL_CHARS_MAX - 4),
        ));
    }
    svg.push_str(&format!(
        "<line class=\"axis\" x1=\"{left}\" y1=\"{baseline}\" x2=\"{x2}\" y2=\"{baseline}\"/>\n",
        x2 = width - RIGHT
    ));
    if bars.len() > shown.len() {
        svg.push_str(&format!(
            "<text class=\"note\" x=\"{left}\" y=\"{y}\">{} more not shown</text>\n",
            bars.len() - shown.len(),
            y = height - 6
        ));
    }
    svg.push_str("</svg>\n");
    svg
}

#[cfg(test)]
mod tests {
    use expect_test::expect;

    use super::super::TICK_PX_PER_CHAR;
    use super::*;

    fn bar(label: &str, value: i64) -> Bar {
        Bar { label: label.to_owned(), value }
    }

    #[test]
    fn bars_rise_from_a_round_axis_in_proportion_with_their_values_above_them() {
        let bars = [bar("lead", 300), bar("opportunity", 150), bar("order", 0)];
        expect![[r##"
            <svg class="chart" viewBox="0 0 360 264" width="360" height="264" role="img" aria-label="Events per kind">
            <title>Events per kind</title>
            <line class="grid" x1="72" y1="224" x2="344" y2="224"/>
            <text class="tick" x="66" y="228" text-anchor="end">0</text>
            <line class="grid" x1="72" y1="158" x2="344" y2="158"/>
            <text class="tick" x="66" y="162" text-anchor="end">100</text>
            <line class="grid" x1="72" y1="91" x2="344" y2="91"/>
            <text class="tick" x="66" y="95" text-anchor="end">200</text>
            <line class="grid" x1="72" y1="24" x2="344" y2="24"/>
            <text class="tick" x="66" y="28" text-anchor="end">300</text>
            <rect x="86" y="24" width="56" height="200" fill="#2f6fb0"><title>lead: 300</title></rect>
            <text class="value" x="114" y="18" text-anchor="middle">300</text>
            <text class="label" x="114" y="242" text-anchor="middle">lead</text>
            <rect x="170" y="124" width="56" height="100" fill="#e0892b"><title>opportunity: 150</title></rect>
            <text class="value" x="198" y="118" text-anchor="middle">150</text>
            <text class="label" x="198" y="242" text-anchor="middle">opportunity</text>
            <rect x="254" y="224" width="56" height="0" fill="#3a9a5b"><title>order: 0</title></rect>
            <text class="value" x="282" y="218" text-anchor="middle">0</text>
            <text class="label" x="282" y="242" text-anchor="middle">order</text>
            <line class="axis" x1="72" y1="224" x2="344" y2="224"/>
            </svg>
        "##]]
        .assert_eq(&bar_chart("Events per kind", &bars, &Unit::Count));
    }

    #[test]
    fn money_bars_print_their_amounts_and_the_axis_major_units() {
        let euro = Unit::Money { currency: "EUR".into(), decimals: 2 };
        let svg = bar_chart("Overdue", &[bar("0–30", 123_450), bar(">120", 99)], &euro);
        assert!(svg.contains(">1,234.50 EUR</text>"), "{svg}");
        assert!(svg.contains(">0.99 EUR</text>"), "{svg}");
        assert!(svg.contains(">1,500</text>"), "the axis reaches a round 1,500: {svg}");
    }

    #[test]
    fn amounts_too_wide_for_a_bar_or_the_axis_widen_the_chart_so_no_text_overlaps_or_is_cut() {
        let euro = Unit::Money { currency: "EUR".into(), decimals: 2 };
        let buckets = [bar("not due", 3_238_448_004), bar("1–30", 1_294_981_644), bar(">120", 0)];
        let svg = bar_chart("Aging", &buckets, &euro);
        let centres: Vec<i64> = (svg.lines())
            .filter(|line| line.starts_with("<text class=\"value\""))
            .map(|line| {
                line.split("x=\"").nth(1).unwrap().split('"').next().unwrap().parse().unwrap()
            })
            .collect();
        let widest = text_width("32,384,480.04 EUR", VALUE_PX_PER_CHAR);
        assert_eq!(centres.len(), 3, "{svg}");
        for pair in centres.windows(2) {
            assert!(pair[1] - pair[0] >= widest + VALUE_SPACING, "{pair:?} in {svg}");
        }
        let axis_x: i64 = (svg.lines())
            .find(|line| line.starts_with("<line class=\"axis\""))
            .and_then(|line| line.split("x1=\"").nth(1))
            .and_then(|rest| rest.split('"').next())
            .and_then(|x| x.parse().ok())
            .unwrap();
        let widest_tick = text_width("40,000,000", TICK_PX_PER_CHAR);
        assert!(svg.contains(">40,000,000</text>"), "{svg}");
        assert!(axis_x >= widest_tick + TICK_SPACING, "the ticks fit left of the axis: {svg}");
        let short = bar_chart("Counts", &[bar("a", 542_234), bar("b", 7)], &Unit::Count);
        assert!(short.contains("x=\"114\" y="), "short values keep the usual slot: {short}");
    }

    #[test]
    fn no_bars_say_there_is_no_data_and_too_many_are_cut_with_a_note() {
        expect![[r##"
            <svg class="chart" viewBox="0 0 360 40" width="360" height="40" role="img" aria-label="Empty">
            <title>Empty</title>
            <text class="note" x="8" y="24">No data yet.</text>
            </svg>
        "##]]
        .assert_eq(&bar_chart("Empty", &[], &Unit::Count));
        let many: Vec<Bar> = (0..BARS_MAX + 2).map(|idx| bar("k", idx as i64)).collect();
        let svg = bar_chart("Many", &many, &Unit::Count);
        assert_eq!(svg.matches("<rect").count(), BARS_MAX);
        assert!(svg.contains(">2 more not shown</text>"), "{svg}");
    }
}
