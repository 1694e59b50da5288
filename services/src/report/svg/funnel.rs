//! [`funnel`]: stages from top to bottom, each a bar centred on one axis and as wide as its
//! count relative to the widest, with the count and the share of the stage before it.

use super::{
    LABEL_CHARS_MAX, TICK_PX_PER_CHAR, Unit, VALUE_PX_PER_CHAR, empty, escape, open, percent,
    ratio_bps, short, text_width,
};

/// Stages drawn at most (a pipeline has a handful).
pub const FUNNEL_STAGES_MAX: usize = 16;

/// One stage: how many reached it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stage {
    pub label: String,
    pub value: i64,
}

/// The narrowest chart. A stage's count and share take the room they need on its right, which
/// by the estimate's generous measure makes most funnels a little wider.
const WIDTH: i64 = 640;
const LABEL_WIDTH: i64 = 140;
const BAR_WIDTH: i64 = 320;
const ROW: i64 = 40;
const BAR_HEIGHT: i64 = 30;
const TOP: i64 = 8;
/// The narrowest bar drawn for a stage that has any: it stays visible.
const BAR_WIDTH_MIN: i64 = 4;

/// A funnel of `stages` in `unit`, named `title`.
pub fn funnel(title: &str, stages: &[Stage], unit: &Unit) -> String {
    if stages.is_empty() {
        return empty(WIDTH, title, "No data yet.");
    }
    let shown = &stages[..stages.len().min(FUNNEL_STAGES_MAX)];
    let widest = shown.iter().map(|stage| stage.value).max().unwrap_or(0).max(1);
    let height = TOP * 2 + i64::try_from(shown.len()).unwrap_or(0) * ROW;
    let values_x = LABEL_WIDTH + BAR_WIDTH + 10;
    let mut rows = String::new();
    let mut values_width = 0;
    let mut previous: Option<i64> = None;
    for (idx, stage) in shown.iter().enumerate() {
        let y = TOP + i64::try_from(idx).unwrap_or(0) * ROW;
        let value = stage.value.max(0);
        let proportional =
            i64::try_from(i128::from(value) * i128::from(BAR_WIDTH) / i128::from(widest))
                .unwrap_or(BAR_WIDTH);
        let bar_width = if value > 0 { proportional.max(BAR_WIDTH_MIN) } else { 0 };
        let x = LABEL_WIDTH + (BAR_WIDTH - bar_width) / 2;
        let text_y = y + BAR_HEIGHT / 2 + 4;
        let share_text = previous
            .and_then(|previous| ratio_bps(value, previous))
            .map(|bps| format!(" · {} of previous", percent(bps)));
        let value_text = unit.format(stage.value);
        values_width = values_width.max(
            text_width(&value_text, VALUE_PX_PER_CHAR)
                + share_text.as_deref().map_or(0, |text| text_width(text, TICK_PX_PER_CHAR)),
        );
        let share = share_text
            .map(|text| format!("<tspan class=\"tick\">{}</tspan>", escape(&text)))
            .unwrap_or_default();
        let formatted = escape(&value_text);
        rows.push_str(&format!(
            "<text class=\"label\" x=\"{lx}\" y=\"{text_y}\" text-anchor=\"end\">{short}</text>\n\
             <rect x=\"{x}\" y=\"{y}\" width=\"{bar_width}\" height=\"{BAR_HEIGHT}\" rx=\"3\" \
             fill=\"{fill}\"><title>{label}: {formatted}</title></rect>\n\
             <text class=\"value\" x=\"{vx}\" y=\"{text_y}\">{formatted}{share}</text>\n",
            lx = LABEL_WIDTH - 10,
            short = short(&stage.label, LABEL_CHARS_MAX),
            fill = super::PALETTE[0],
            label = escape(&stage.label),
            vx = values_x,
        ));
        previous = Some(value);
    }
    let mut svg = open(WIDTH.max(values_x + values_width + 8), height, title);
    svg.push_str(&rows);
    svg.push_str("</svg>\n");
    svg
}

#[cfg(test)]
mod tests {
    use expect_test::expect;

    use super::*;

    fn stage(label: &str, value: i64) -> Stage {
        Stage { label: label.to_owned(), value }
    }

    #[test]
    fn stages_narrow_in_proportion_and_say_what_share_of_the_previous_one_they_kept() {
        let stages = [stage("Leads", 200), stage("Qualified", 80), stage("Won", 0)];
        expect![[r##"
            <svg class="chart" viewBox="0 0 641 136" width="641" height="136" role="img" aria-label="Lead funnel">
            <title>Lead funnel</title>
            <text class="label" x="130" y="27" text-anchor="end">Leads</text>
            <rect x="140" y="8" width="320" height="30" rx="3" fill="#2f6fb0"><title>Leads: 200</title></rect>
            <text class="value" x="470" y="27">200</text>
            <text class="label" x="130" y="67" text-anchor="end">Qualified</text>
            <rect x="236" y="48" width="128" height="30" rx="3" fill="#2f6fb0"><title>Qualified: 80</title></rect>
            <text class="value" x="470" y="67">80<tspan class="tick"> · 40.0 % of previous</tspan></text>
            <text class="label" x="130" y="107" text-anchor="end">Won</text>
            <rect x="300" y="88" width="0" height="30" rx="3" fill="#2f6fb0"><title>Won: 0</title></rect>
            <text class="value" x="470" y="107">0<tspan class="tick"> · 0.0 % of previous</tspan></text>
            </svg>
        "##]]
        .assert_eq(&funnel("Lead funnel", &stages, &Unit::Count));
    }

    #[test]
    fn a_long_count_and_share_widen_the_chart_rather_than_run_past_its_edge() {
        let stages = [stage("qualification", 63_888), stage("needs_analysis", 63_074)];
        let svg = funnel("Deals", &stages, &Unit::Count);
        let width: i64 =
            svg.split("width=\"").nth(1).unwrap().split('"').next().unwrap().parse().unwrap();
        let text = text_width("63,074", VALUE_PX_PER_CHAR)
            + text_width(" · 98.7 % of previous", TICK_PX_PER_CHAR);
        assert!(
            svg.contains(">63,074<tspan class=\"tick\"> · 98.7 % of previous</tspan>"),
            "{svg}"
        );
        assert!(width >= LABEL_WIDTH + BAR_WIDTH + 10 + text, "{width} in {svg}");
        assert!(width > WIDTH, "{svg}");
    }

    #[test]
    fn a_tiny_stage_stays_visible_and_an_empty_funnel_says_so() {
        let svg = funnel("f", &[stage("all", 1_000_000), stage("few", 1)], &Unit::Count);
        assert!(svg.contains(&format!("width=\"{BAR_WIDTH_MIN}\"")), "{svg}");
        assert!(svg.contains("0.0 % of previous"), "{svg}");
        assert!(funnel("f", &[], &Unit::Count).contains("No data yet."));
    }
}
