//! [`fan_chart`]: per period, the forecast's P10–P90 band with its P50 as a dashed line, and
//! what actually happened as a solid line with dots. Past periods usually have actuals, future
//! ones a band; a period may have both (a backtest) or neither.

use super::{LABEL_CHARS_MAX, Scale, TICK_SPACING, Unit, axis_room, empty, escape, open, short};

/// Periods drawn at most (four years of months).
pub const FAN_PERIODS_MAX: usize = 48;

/// The forecast of one period: 10th, 50th and 90th percentiles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Band {
    pub p10: i64,
    pub p50: i64,
    pub p90: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FanPoint {
    /// The period's key (`2026-Q1`, `2026-03`).
    pub period: String,
    pub actual: Option<i64>,
    pub band: Option<Band>,
}

/// Room left of the axis for its tick labels, unless the longest needs more.
const LEFT: i64 = 80;
const RIGHT: i64 = 16;
const TOP: i64 = 16;
const PLOT: i64 = 220;
const SLOT: i64 = 72;
const WIDTH_MIN: i64 = 420;
/// Below the plot: period labels, then the legend.
const BOTTOM: i64 = 56;

/// A fan chart of `points` in `unit`, named `title`.
pub fn fan_chart(title: &str, points: &[FanPoint], unit: &Unit) -> String {
    let shown = &points[..points.len().min(FAN_PERIODS_MAX)];
    let values = shown.iter().flat_map(|point| {
        let band = point.band.map(|band| [band.p10, band.p50, band.p90]);
        point.actual.into_iter().chain(band.into_iter().flatten())
    });
    let Some(max_value) = values.max() else {
        return empty(WIDTH_MIN, title, "No data yet.");
    };
    let scale = Scale::for_max(max_value);
    let left = axis_room(&scale, unit, LEFT);
    let n_shown = i64::try_from(shown.len()).unwrap_or(0);
    let width = (left + n_shown * SLOT + RIGHT).max(WIDTH_MIN);
    let height = TOP + PLOT + BOTTOM;
    let baseline = TOP + PLOT;
    let x_of = |idx: usize| left + i64::try_from(idx).unwrap_or(0) * SLOT + SLOT / 2;
    let y_of = |value: i64| baseline - scale.pixels(value, PLOT);
    let mut svg = open(width, height, title);
    for tick in scale.ticks() {
        let y = y_of(tick);
        svg.push_str(&format!(
            "<line class=\"grid\" x1=\"{left}\" y1=\"{y}\" x2=\"{x2}\" y2=\"{y}\"/>\n\
             <text class=\"tick\" x=\"{tx}\" y=\"{ty}\" text-anchor=\"end\">{label}</text>\n",
            x2 = width - RIGHT,
            tx = left - TICK_SPACING,
            ty = y + 4,
            label = escape(&unit.tick(tick)),
        ));
    }
    for run in runs(shown, |point| point.band.is_some()) {
        let band = |idx: usize| shown[idx].band.expect("a run holds only banded periods");
        let mut upper: Vec<String> =
            run.clone().map(|idx| format!("{},{}", x_of(idx), y_of(band(idx).p90))).collect();
        if run.len() == 1 {
            // A single period has no width to fill: a narrow box stands for its band.
            let idx = run.start;
            upper = vec![
                format!("{},{}", x_of(idx) - 6, y_of(band(idx).p90)),
                format!("{},{}", x_of(idx) + 6, y_of(band(idx).p90)),
            ];
            upper.push(format!("{},{}", x_of(idx) + 6, y_of(band(idx).p10)));
            upper.push(format!("{},{}", x_of(idx) - 6, y_of(band(idx).p10)));
        } else {
            upper.extend(
                run.clone().rev().map(|idx| format!("{},{}", x_of(idx), y_of(band(idx).p10))),
            );
        }
        svg.push_str(&format!("<polygon class=\"band\" points=\"{}\"/>\n", upper.join(" ")));
        let median: Vec<String> =
            run.map(|idx| format!("{},{}", x_of(idx), y_of(band(idx).p50))).collect();
        svg.push_str(&format!("<polyline class=\"median\" points=\"{}\"/>\n", median.join(" ")));
    }
    for run in runs(shown, |point| point.actual.is_some()) {
        let actual = |idx: usize| shown[idx].actual.expect("a run holds only actual periods");
        let line: Vec<String> =
            run.clone().map(|idx| format!("{},{}", x_of(idx), y_of(actual(idx)))).collect();
        svg.push_str(&format!("<polyline class=\"actual\" points=\"{}\"/>\n", line.join(" ")));
        for idx in run {
            svg.push_str(&format!(
                "<circle class=\"dot\" cx=\"{}\" cy=\"{}\" r=\"3.5\"><title>{}: {}</title></circle>\n",
                x_of(idx),
                y_of(actual(idx)),
                escape(&shown[idx].period),
                escape(&unit.format(actual(idx))),
            ));
        }
    }
    for (idx, point) in shown.iter().enumerate() {
        svg.push_str(&format!(
            "<text class=\"label\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n",
            x_of(idx),
            baseline + 18,
            short(&point.period, LABEL_CHARS_MAX - 6),
        ));
    }
    svg.push_str(&format!(
        "<line class=\"axis\" x1=\"{left}\" y1=\"{baseline}\" x2=\"{x2}\" y2=\"{baseline}\"/>\n",
        x2 = width - RIGHT
    ));
    svg.push_str(&legend(left, height - 12));
    svg.push_str("</svg>\n");
    svg
}

/// The legend: band, median and actual, in one row starting at (`x`, `y`).
fn legend(x: i64, y: i64) -> String {
    format!(
        "<rect class=\"band\" x=\"{x}\" y=\"{by}\" width=\"18\" height=\"10\"/>\n\
         <text class=\"tick\" x=\"{tx1}\" y=\"{y}\">P10–P90</text>\n\
         <line class=\"median\" x1=\"{lx2}\" y1=\"{my}\" x2=\"{lx2e}\" y2=\"{my}\"/>\n\
         <text class=\"tick\" x=\"{tx2}\" y=\"{y}\">P50</text>\n\
         <line class=\"actual\" x1=\"{lx3}\" y1=\"{my}\" x2=\"{lx3e}\" y2=\"{my}\"/>\n\
         <text class=\"tick\" x=\"{tx3}\" y=\"{y}\">actual</text>\n",
        by = y - 9,
        tx1 = x + 24,
        lx2 = x + 90,
        lx2e = x + 112,
        my = y - 4,
        tx2 = x + 118,
        lx3 = x + 160,
        lx3e = x + 182,
        tx3 = x + 188,
    )
}

/// Maximal runs of consecutive indexes whose point passes `keep`.
fn runs(points: &[FanPoint], keep: impl Fn(&FanPoint) -> bool) -> Vec<std::ops::Range<usize>> {
    let mut runs = Vec::new();
    let mut start = None;
    for (idx, point) in points.iter().enumerate() {
        match (keep(point), start) {
            (true, None) => start = Some(idx),
            (false, Some(begun)) => {
                runs.push(begun..idx);
                start = None;
            }
            _ => {}
        }
    }
    if let Some(begun) = start {
        runs.push(begun..points.len());
    }
    runs
}

#[cfg(test)]
mod tests {
    use expect_test::expect;

    use super::*;

    fn point(period: &str, actual: Option<i64>, band: Option<(i64, i64, i64)>) -> FanPoint {
        let band = band.map(|(p10, p50, p90)| Band { p10, p50, p90 });
        FanPoint { period: period.to_owned(), actual, band }
    }

    #[test]
    fn the_band_spans_p10_to_p90_with_a_dashed_median_beside_the_actuals_line() {
        let points = [
            point("2026-Q1", Some(300), None),
            point("2026-Q2", Some(360), Some((280, 350, 420))),
            point("2026-Q3", None, Some((200, 380, 560))),
        ];
        expect![[r#"
            <svg class="chart" viewBox="0 0 420 292" width="420" height="292" role="img" aria-label="Revenue forecast">
            <title>Revenue forecast</title>
            <line class="grid" x1="80" y1="236" x2="404" y2="236"/>
            <text class="tick" x="74" y="240" text-anchor="end">0</text>
            <line class="grid" x1="80" y1="163" x2="404" y2="163"/>
            <text class="tick" x="74" y="167" text-anchor="end">200</text>
            <line class="grid" x1="80" y1="90" x2="404" y2="90"/>
            <text class="tick" x="74" y="94" text-anchor="end">400</text>
            <line class="grid" x1="80" y1="16" x2="404" y2="16"/>
            <text class="tick" x="74" y="20" text-anchor="end">600</text>
            <polygon class="band" points="188,82 260,31 260,163 188,134"/>
            <polyline class="median" points="188,108 260,97"/>
            <polyline class="actual" points="116,126 188,104"/>
            <circle class="dot" cx="116" cy="126" r="3.5"><title>2026-Q1: 300</title></circle>
            <circle class="dot" cx="188" cy="104" r="3.5"><title>2026-Q2: 360</title></circle>
            <text class="label" x="116" y="254" text-anchor="middle">2026-Q1</text>
            <text class="label" x="188" y="254" text-anchor="middle">2026-Q2</text>
            <text class="label" x="260" y="254" text-anchor="middle">2026-Q3</text>
            <line class="axis" x1="80" y1="236" x2="404" y2="236"/>
            <rect class="band" x="80" y="271" width="18" height="10"/>
            <text class="tick" x="104" y="280">P10–P90</text>
            <line class="median" x1="170" y1="276" x2="192" y2="276"/>
            <text class="tick" x="198" y="280">P50</text>
            <line class="actual" x1="240" y1="276" x2="262" y2="276"/>
            <text class="tick" x="268" y="280">actual</text>
            </svg>
        "#]]
        .assert_eq(&fan_chart("Revenue forecast", &points, &Unit::Count));
    }

    #[test]
    fn the_axis_makes_room_for_long_tick_labels() {
        let euro = Unit::Money { currency: "EUR".into(), decimals: 2 };
        let points = [point("2026-10", Some(29_000_000_000), None)];
        let svg = fan_chart("Revenue", &points, &euro);
        assert!(svg.contains(">300,000,000</text>"), "{svg}");
        let needed = super::super::text_width("300,000,000", super::super::TICK_PX_PER_CHAR);
        let axis = format!("<line class=\"axis\" x1=\"{}\"", needed + 2 * TICK_SPACING);
        assert!(svg.contains(&axis), "{svg}");
    }

    #[test]
    fn runs_break_at_periods_without_data_and_a_lone_period_gets_a_box() {
        let points = [
            point("a", Some(1), Some((1, 2, 3))),
            point("b", None, None),
            point("c", Some(2), Some((1, 2, 3))),
        ];
        assert_eq!(runs(&points, |point| point.actual.is_some()), [0..1, 2..3]);
        let svg = fan_chart("f", &points, &Unit::Count);
        assert_eq!(svg.matches("<polygon class=\"band\"").count(), 2, "{svg}");
        assert_eq!(svg.matches("<circle").count(), 2, "{svg}");
        assert!(fan_chart("f", &[point("a", None, None)], &Unit::Count).contains("No data yet."));
    }
}
