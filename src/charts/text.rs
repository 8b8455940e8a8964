//! Chart text at a fixed pixel size, and how wide it will be, without asking the browser.
//!
//! Charts are laid out in CSS pixels for the width their container has (measured by the
//! component, see [`crate::components::chart_svg`]), so one SVG unit is one pixel and text keeps
//! the size the stylesheet gives it at every width. Layout still needs to know how wide a label
//! is before the browser draws it: to size the label column and to shorten a label that does not
//! fit. Measuring every label in the DOM would cost a layout per label per filter change, so the
//! width is estimated from per-character advance widths of DejaVu Sans (the widest of the common
//! system sans-serif faces, and what `system-ui` resolves to on Linux). The estimate errs wide for
//! narrower faces (Segoe UI, San Francisco, Roboto), so a label that is said to fit does fit; the
//! end-to-end test checks this against the rendered boxes. A shortened label ends in "…"; its full
//! text stays in the mark's accessible name, the tooltip and the table.

/// Size of row labels and marks' text (`svg text` in the stylesheet).
pub const LABEL_PX: f64 = 13.0;
/// Size of tick labels, axis titles and counts (`svg .tick`, `.axis-title`, `.row-n`).
pub const TICK_PX: f64 = 12.0;

/// How much larger presenter mode draws charts: a chart is laid out for its container's width
/// divided by this, then shown at the container's width, so every text and mark grows by it
/// (13 px labels become 19.5 px, 12 px ticks 18 px: readable from the back of a room).
pub const PRESENT_SCALE: f64 = 1.5;

/// How many axis ticks to ask for along a plot `plot_w` pixels wide: one per 70 pixels (room
/// for a tick label such as "+0.25" and a gap), 2 to 6. [`super::scale::nice_ticks`] may return
/// a few more or fewer.
pub fn tick_count(plot_w: f64) -> usize {
    ((plot_w / 70.0).floor().max(0.0) as usize).clamp(2, 6)
}

/// Advance width of one character in em (DejaVu Sans Book, rounded up).
fn advance(c: char) -> f64 {
    match c {
        ' ' | '.' | ',' | ':' | ';' | '\'' | '!' | '|' | 'i' | 'j' | 'l' | '·' => 0.32,
        'f' | 't' | 'r' | '(' | ')' | '[' | ']' | '-' | 'I' => 0.42,
        'm' | 'M' | 'W' | '—' | '…' | '%' => 1.0,
        'w' => 0.82,
        '–' | '−' | '+' | '=' | '0'..='9' => 0.64,
        'a'..='z' => 0.64,
        'A'..='Z' => 0.74,
        _ if c.is_alphabetic() => 0.7,
        _ => 0.8,
    }
}

/// Estimated rendered width of `s` in pixels at font size `px`.
pub fn width(s: &str, px: f64) -> f64 {
    s.chars().map(advance).sum::<f64>() * px
}

/// `s` if it fits in `max_w` pixels at `px`, else its longest prefix (at a character boundary,
/// trailing spaces dropped) followed by "…" that fits. Never empty unless `s` is.
pub fn fit(s: &str, max_w: f64, px: f64) -> String {
    if width(s, px) <= max_w {
        return s.to_string();
    }
    let budget = max_w - width("…", px);
    let mut used = 0.0;
    let mut end = 0;
    for (i, c) in s.char_indices() {
        let w = advance(c) * px;
        if used + w > budget {
            break;
        }
        used += w;
        end = i + c.len_utf8();
    }
    let head = s[..end].trim_end();
    let head = if head.is_empty() {
        // Not even one character fits: show the first one anyway.
        s.chars().next().map(|c| c.to_string()).unwrap_or_default()
    } else {
        head.to_string()
    };
    format!("{head}…")
}

/// Width of a label column beside a chart `chart_w` pixels wide: the widest label plus a gap,
/// but between `min` pixels and `share` of the chart (labels wider than that get shortened).
pub fn label_column<'a>(
    labels: impl IntoIterator<Item = &'a str>,
    px: f64,
    chart_w: f64,
    min: f64,
    share: f64,
) -> f64 {
    let widest = labels.into_iter().map(|l| width(l, px)).fold(0.0, f64::max);
    let cap = (chart_w * share).max(min);
    (widest + 12.0).clamp(min, cap).ceil()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wider_text_measures_wider_and_scales_with_the_font_size() {
        assert!(width("mmmm", 12.0) > width("iiii", 12.0));
        assert_eq!(width("", 12.0), 0.0);
        let a = width("portrait · Photorealism", 12.0);
        assert!((width("portrait · Photorealism", 24.0) - 2.0 * a).abs() < 1e-9);
        // A typical label: about 0.6 em per character.
        assert!(a > 23.0 * 12.0 * 0.45 && a < 23.0 * 12.0 * 0.8, "{a}");
    }

    #[test]
    fn a_label_that_fits_is_kept_whole_and_a_long_one_ends_in_an_ellipsis_within_the_space() {
        assert_eq!(fit("Art", 100.0, 13.0), "Art");
        let long = "Korea, Republic of · Photorealism · architecture";
        let short = fit(long, 120.0, 13.0);
        assert!(short.ends_with('…'), "{short}");
        assert!(width(&short, 13.0) <= 120.0, "{short}");
        assert!(long.starts_with(short.trim_end_matches('…')));
        assert!(!short.trim_end_matches('…').ends_with(' '));
        // Non-ASCII text is cut at a character boundary.
        let s = fit("ééééééééééééééééééé", 50.0, 13.0);
        assert!(s.ends_with('…') && s.chars().count() > 1);
        // Even in no space at all, the label keeps its first character.
        assert_eq!(fit("Photorealism", 1.0, 13.0), "P…");
        assert_eq!(fit("", 1.0, 13.0), "");
    }

    #[test]
    fn the_label_column_fits_the_widest_label_within_its_share_of_the_chart() {
        let labels = ["Art", "Photorealism"];
        let w = label_column(labels, 13.0, 1000.0, 40.0, 0.4);
        assert!(w >= width("Photorealism", 13.0) && w < width("Photorealism", 13.0) + 20.0);
        // On a narrow chart, the share caps it.
        let narrow = label_column(
            ["a very long label indeed, longer than the chart"],
            13.0,
            300.0,
            40.0,
            0.4,
        );
        assert_eq!(narrow, 120.0);
        // No labels: the minimum.
        assert_eq!(label_column([], 13.0, 300.0, 40.0, 0.4), 40.0);
    }
}
