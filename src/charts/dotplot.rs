//! Dot-and-whisker rows (a mean or a difference with its 95% interval per category).

use super::scale::Linear;
use super::text;

#[derive(Debug, Clone, PartialEq)]
pub struct RowIn {
    pub label: String,
    pub value: f64,
    pub lo: f64,
    pub hi: f64,
}

impl RowIn {
    /// A row with no value to draw (too few ratings): it keeps its place and label.
    pub fn missing(label: &str) -> RowIn {
        RowIn {
            label: label.to_string(),
            value: f64::NAN,
            lo: f64::NAN,
            hi: f64::NAN,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub y: f64,
    pub x: f64,
    pub x_lo: f64,
    pub x_hi: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    pub rows: Vec<Row>,
    pub x_ticks: Vec<(f64, f64)>,
    /// x of the reference value (overall mean, or zero for differences).
    pub reference_x: Option<f64>,
    pub plot: (f64, f64, f64, f64),
    pub height: f64,
    pub row_h: f64,
    /// The chart's width, and the width of the label column at its left (the labels'
    /// widest, within 38% of the chart; longer labels are shortened to fit it).
    pub width: f64,
    pub label_w: f64,
}

/// Space at the right of the plot for each row's count or value.
pub const RIGHT: f64 = 84.0;

/// Rows top to bottom in a chart `width` pixels wide; the x domain covers every interval (and
/// the reference), padded.
pub fn layout(rows: &[RowIn], reference: Option<f64>, width: f64) -> Layout {
    let row_h = 24.0;
    let (top, bottom, right) = (8.0, 30.0, RIGHT);
    let label_w = text::label_column(
        rows.iter().map(|r| r.label.as_str()),
        text::LABEL_PX,
        width,
        48.0,
        0.38,
    );
    let height = top + bottom + row_h * rows.len().max(1) as f64;
    let finite = |v: f64| v.is_finite().then_some(v);
    let mut lo = f64::INFINITY;
    let mut hi = f64::NEG_INFINITY;
    for r in rows {
        for v in [r.lo, r.hi, r.value].into_iter().filter_map(finite) {
            lo = lo.min(v);
            hi = hi.max(v);
        }
    }
    if let Some(v) = reference.and_then(finite) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if !lo.is_finite() {
        (lo, hi) = (0.0, 1.0);
    }
    let pad = ((hi - lo) * 0.08).max(0.02);
    let x = Linear::new((lo - pad, hi + pad), (label_w, width - right));
    let plot = (label_w, top, width - right, height - bottom);
    let out = rows
        .iter()
        .enumerate()
        .map(|(k, r)| Row {
            y: top + row_h * (k as f64 + 0.5),
            x: x.map(r.value),
            x_lo: x.map(if r.lo.is_finite() { r.lo } else { r.value }),
            x_hi: x.map(if r.hi.is_finite() { r.hi } else { r.value }),
        })
        .collect();
    Layout {
        rows: out,
        x_ticks: x
            .readable_ticks()
            .into_iter()
            .map(|t| (x.map(t), t))
            .collect(),
        reference_x: reference.filter(|v| v.is_finite()).map(|v| x.map(v)),
        plot,
        height,
        row_h,
        width,
        label_w,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(v: f64, lo: f64, hi: f64) -> RowIn {
        RowIn {
            label: "x".into(),
            value: v,
            lo,
            hi,
        }
    }

    #[test]
    fn intervals_fit_inside_the_plot_in_order() {
        let l = layout(&[row(3.0, 2.8, 3.2), row(3.5, 3.4, 3.6)], Some(3.1), 500.0);
        assert_eq!(l.rows.len(), 2);
        for r in &l.rows {
            assert!(l.plot.0 <= r.x_lo && r.x_lo <= r.x && r.x <= r.x_hi && r.x_hi <= l.plot.2);
        }
        assert!(l.rows[0].y < l.rows[1].y);
        assert!(l.rows[0].x < l.rows[1].x);
        let rx = l.reference_x.unwrap();
        assert!(l.rows[0].x < rx && rx < l.rows[1].x);
    }

    #[test]
    fn a_single_value_without_interval_still_lays_out() {
        let l = layout(&[row(4.0, f64::NAN, f64::NAN)], None, 300.0);
        assert!(l.rows[0].x.is_finite());
        assert_eq!(l.rows[0].x_lo, l.rows[0].x);
        let empty = layout(&[], Some(0.0), 300.0);
        assert!(empty.rows.is_empty() && empty.height > 0.0);
    }

    #[test]
    fn the_label_column_and_the_ticks_follow_the_width() {
        let rows: Vec<RowIn> = [
            "Photorealism",
            "a much longer visual group name than the others",
        ]
        .iter()
        .map(|l| RowIn {
            label: l.to_string(),
            ..row(3.0, 2.9, 3.1)
        })
        .collect();
        let phone = layout(&rows, None, 330.0);
        let desk = layout(&rows, None, 1100.0);
        // The long label takes at most 38% of a phone; on a desktop it fits whole.
        assert!(phone.label_w <= 0.38 * 330.0 + 1.0, "{}", phone.label_w);
        assert!(desk.label_w >= text::width(&rows[1].label, text::LABEL_PX));
        // The plot keeps room for its dots, and ticks are spaced for their text.
        assert!(phone.plot.2 - phone.plot.0 > 100.0);
        assert!(phone.x_ticks.len() <= desk.x_ticks.len());
        for l in [&phone, &desk] {
            for w in l.x_ticks.windows(2) {
                assert!(w[1].0 - w[0].0 >= 40.0, "ticks {:?}", l.x_ticks);
            }
            assert!(l.plot.2 <= l.width - RIGHT + 1e-9);
        }
    }
}
