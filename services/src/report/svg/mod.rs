//! Chart primitives for the report: pure functions from plain data (labels and integer values)
//! to an inline `<svg>` element, so each is tested by a snapshot of its text.
//!
//! - `bar.rs`: [`bar_chart`], one vertical bar per label (event counts, AR aging buckets).
//! - `funnel.rs`: [`funnel`], horizontal stages narrowing with their conversion.
//! - `fan.rs`: [`fan_chart`], a P10–P90 band and P50 line over an actuals line, per period.
//! - `timeline.rs`: [`timeline`], dated entries down a line.
//!
//! Shared here: the value [`Unit`] (counts, or money in minor units), the axis [`Scale`], text
//! escaping and the palette. Coordinates are whole pixels computed in integers: a chart of the
//! same data is the same text on every machine, and money never passes through a float.
//! Styling is by class, defined once in [`CHART_CSS`], which the page embeds; the SVGs carry no
//! script, no link and no namespace URL, so the page needs no network.

mod bar;
mod fan;
mod funnel;
mod timeline;

pub use bar::{BARS_MAX, Bar, bar_chart};
pub use fan::{Band, FAN_PERIODS_MAX, FanPoint, fan_chart};
pub use funnel::{FUNNEL_STAGES_MAX, Stage, funnel};
pub use timeline::{TIMELINE_ENTRIES_MAX, TimelineEntry, timeline};

/// Characters of a label drawn before it is cut with an ellipsis; the full text stays in the
/// element's tooltip.
pub const LABEL_CHARS_MAX: usize = 16;

/// Fill colours, taken in turn; readable on white and distinct in greyscale order.
pub const PALETTE: [&str; 8] =
    ["#2f6fb0", "#e0892b", "#3a9a5b", "#c64a4a", "#7b5ea7", "#8c6d4f", "#d16fae", "#6f7c85"];

/// The charts' styles, embedded once in the page.
pub const CHART_CSS: &str = "\
svg.chart { font-family: system-ui, -apple-system, 'Segoe UI', sans-serif; font-size: 12px;
            max-width: 100%; height: auto; }
svg.chart .grid { stroke: #e3e6ea; stroke-width: 1; }
svg.chart .axis { stroke: #8a939b; stroke-width: 1; }
svg.chart .tick { fill: #5f6b75; font-size: 11px; }
svg.chart .label { fill: #26313a; }
svg.chart .value { fill: #26313a; font-weight: 600; }
svg.chart .note { fill: #5f6b75; font-style: italic; }
svg.chart .band { fill: #2f6fb0; fill-opacity: 0.22; stroke: none; }
svg.chart .median { fill: none; stroke: #2f6fb0; stroke-width: 2; stroke-dasharray: 6 4; }
svg.chart .actual { fill: none; stroke: #26313a; stroke-width: 2.5; }
svg.chart .dot { fill: #26313a; }
svg.chart .rail { stroke: #c3cad1; stroke-width: 2; }
svg.chart .event { fill: #2f6fb0; stroke: #fff; stroke-width: 2; }
svg.chart .date { fill: #5f6b75; font-variant-numeric: tabular-nums; }
svg.chart .title { fill: #26313a; font-weight: 600; }
";

/// What the integers of a chart count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unit {
    /// Plain counts: `1,234`.
    Count,
    /// Money in minor units of `currency`, with `decimals` minor digits (2 for EUR and USD):
    /// `1234567` is `12,345.67 EUR`.
    Money { currency: String, decimals: u32 },
}

impl Unit {
    /// A value in full, as beside a bar: `12,345.67 EUR`.
    pub fn format(&self, value: i64) -> String {
        match self {
            Unit::Count => signed_thousands(value),
            Unit::Money { currency, decimals } => {
                format!("{} {currency}", money_digits(value, *decimals, false))
            }
        }
    }

    /// A value on an axis tick: no currency, and no fraction when it is zero (`12,000`).
    pub fn tick(&self, value: i64) -> String {
        match self {
            Unit::Count => signed_thousands(value),
            Unit::Money { decimals, .. } => money_digits(value, *decimals, true),
        }
    }
}

/// A value axis from zero to a round maximum in at most five round steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scale {
    pub max: i64,
    pub step: i64,
}

impl Scale {
    /// Steps per axis that [`Scale::for_max`] aims at.
    const STEPS: i64 = 4;

    /// The smallest scale with a step of 1, 2 or 5 times a power of ten that reaches
    /// `max_value`. Zero or negative maxima get the scale 0..4.
    pub fn for_max(max_value: i64) -> Scale {
        let max_value = max_value.max(1);
        let raw_step = (max_value + Scale::STEPS - 1) / Scale::STEPS;
        let mut magnitude: i64 = 1;
        while magnitude.saturating_mul(10) <= raw_step {
            magnitude *= 10;
        }
        let step = [1, 2, 5, 10]
            .iter()
            .map(|factor| factor * magnitude)
            .find(|step| *step >= raw_step)
            .unwrap_or(10 * magnitude);
        let n_steps = (max_value + step - 1) / step;
        Scale { max: n_steps * step, step }
    }

    /// The length in pixels of `value` on an axis `length` pixels long; values outside the
    /// axis are drawn at its ends.
    pub fn pixels(&self, value: i64, length: i64) -> i64 {
        let value = i128::from(value.clamp(0, self.max));
        i64::try_from(value * i128::from(length) / i128::from(self.max)).unwrap_or(length)
    }

    /// 0, step, 2 × step, … max.
    pub fn ticks(&self) -> impl Iterator<Item = i64> + '_ {
        (0..=self.max / self.step).map(|idx| idx * self.step)
    }
}

/// Escapes text for an SVG or HTML text node or attribute.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Pixels a value's text (`.value`: 12 px, semi-bold) may take, at most: no font metrics reach
/// the page's author, so this errs wide (digits and most letters of system fonts at that size
/// are 6–7.5 px), and a chart sizes its room for text from it rather than let text overlap its
/// neighbour or run past the edge.
pub const VALUE_PX_PER_CHAR: i64 = 8;

/// The same for `.tick` text (11 px, regular).
pub const TICK_PX_PER_CHAR: i64 = 7;

/// Space between a tick label and the axis, and before the label.
pub const TICK_SPACING: i64 = 6;

/// Room left of a value axis for its tick labels: `at_least`, or what the longest needs.
pub fn axis_room(scale: &Scale, unit: &Unit, at_least: i64) -> i64 {
    let widest = (scale.ticks())
        .map(|tick| text_width(&unit.tick(tick), TICK_PX_PER_CHAR))
        .max()
        .unwrap_or(0);
    at_least.max(widest + 2 * TICK_SPACING)
}

/// Pixels `text` may take at `px_per_char` (see [`VALUE_PX_PER_CHAR`]).
pub fn text_width(text: &str, px_per_char: i64) -> i64 {
    i64::try_from(text.chars().count()).unwrap_or(i64::MAX / 16).saturating_mul(px_per_char)
}

/// A label cut to `max_chars` characters with an ellipsis, escaped.
pub fn short(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        return escape(text);
    }
    let cut: String = text.chars().take(max_chars.saturating_sub(1)).collect();
    escape(&format!("{cut}…"))
}

/// `part / whole` in basis points, `None` when `whole` is not positive.
pub fn ratio_bps(part: i64, whole: i64) -> Option<i64> {
    (whole > 0).then(|| i64::try_from(i128::from(part) * 10_000 / i128::from(whole)).unwrap_or(0))
}

/// Basis points as a percentage with one decimal: `6250` is `62.5 %`.
pub fn percent(bps: i64) -> String {
    let sign = if bps < 0 { "-" } else { "" };
    let bps = bps.unsigned_abs();
    format!("{sign}{}.{} %", bps / 100, bps % 100 / 10)
}

/// The opening tag every chart shares: its size, its class and its accessible name.
fn open(width: i64, height: i64, title: &str) -> String {
    format!(
        "<svg class=\"chart\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" \
         height=\"{height}\" role=\"img\" aria-label=\"{title}\">\n<title>{title}</title>\n",
        title = escape(title)
    )
}

/// A chart with nothing to draw says so, rather than drawing empty axes.
fn empty(width: i64, title: &str, message: &str) -> String {
    let mut svg = open(width, 40, title);
    svg.push_str(&format!("<text class=\"note\" x=\"8\" y=\"24\">{}</text>\n", escape(message)));
    svg.push_str("</svg>\n");
    svg
}

fn signed_thousands(value: i64) -> String {
    let sign = if value < 0 { "-" } else { "" };
    format!("{sign}{}", crate::read_models::thousands(value.unsigned_abs()))
}

fn money_digits(value: i64, decimals: u32, compact: bool) -> String {
    let sign = if value < 0 { "-" } else { "" };
    let minor_per_major = 10u64.saturating_pow(decimals);
    let (major, minor) =
        (value.unsigned_abs() / minor_per_major, value.unsigned_abs() % minor_per_major);
    let major = crate::read_models::thousands(major);
    if decimals == 0 || (compact && minor == 0) {
        format!("{sign}{major}")
    } else {
        format!("{sign}{major}.{minor:0width$}", width = decimals as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scale_reaches_the_maximum_in_at_most_five_round_steps() {
        let cases = [
            (0, Scale { max: 1, step: 1 }),
            (3, Scale { max: 3, step: 1 }),
            (7, Scale { max: 8, step: 2 }),
            (10, Scale { max: 10, step: 5 }),
            (97, Scale { max: 100, step: 50 }),
            (1_234, Scale { max: 1_500, step: 500 }),
            (1_234_567, Scale { max: 1_500_000, step: 500_000 }),
        ];
        for (max_value, expected) in cases {
            let scale = Scale::for_max(max_value);
            assert_eq!(scale, expected, "{max_value}");
            assert!(scale.max >= max_value && scale.max / scale.step <= 5, "{max_value}");
        }
    }

    #[test]
    fn pixels_are_proportional_and_clamped_to_the_axis() {
        let scale = Scale { max: 200, step: 50 };
        assert_eq!(scale.pixels(50, 100), 25);
        assert_eq!(scale.pixels(-5, 100), 0);
        assert_eq!(scale.pixels(900, 100), 100);
        assert_eq!(scale.ticks().collect::<Vec<_>>(), [0, 50, 100, 150, 200]);
    }

    #[test]
    fn money_prints_in_major_units_with_its_currency_and_ticks_drop_a_zero_fraction() {
        let euro = Unit::Money { currency: "EUR".into(), decimals: 2 };
        assert_eq!(euro.format(1_234_567), "12,345.67 EUR");
        assert_eq!(euro.format(-5), "-0.05 EUR");
        assert_eq!(euro.tick(1_200_000), "12,000");
        assert_eq!(euro.tick(1_250), "12.50");
        assert_eq!(Unit::Count.format(-1_234), "-1,234");
    }

    #[test]
    fn text_is_escaped_and_long_labels_are_cut_with_an_ellipsis() {
        assert_eq!(escape("<a & 'b'>"), "&lt;a &amp; &#39;b&#39;&gt;");
        assert_eq!(short("opportunity", 16), "opportunity");
        assert_eq!(short("a very long label indeed", 8), "a very …");
        assert_eq!(percent(6_250), "62.5 %");
        assert_eq!(ratio_bps(5, 8), Some(6_250));
        assert_eq!(ratio_bps(5, 0), None);
    }
}
