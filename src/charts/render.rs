//! Charts as SVG markup (see [`super::svg`] for why strings). Every interactive mark carries
//! `data-k` (its index, for the component's delegated event handlers), an `id` (to restore
//! keyboard focus after a redraw), `role`, `tabindex` and an `aria-label`, which is also the
//! text of the hover tooltip and of the card's live line. Marks are kept to as few elements as
//! possible: the browser parses the whole chart on every filter change.

use super::color::{category, marker_path};
use super::format::Fixed;
use super::svg::{Markup, V};
use super::{dotplot, format, heatmap, histogram, scatter, text, Linear};

/// Column labels of the heatmap run up at 55 degrees: a label of length L rises L·sin 55°.
const HEADER_SIN: f64 = 0.819;

/// Accessibility and state of one mark.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Mark {
    /// Read by screen readers and shown as the tooltip.
    pub label: String,
    /// Part of the current filter (drawn emphasised).
    pub on: bool,
    /// Whether Enter / a click does something.
    pub clickable: bool,
}

fn mark_attrs<'a>(
    id: &'a str,
    k: usize,
    tab: &'a str,
    m: &'a Mark,
    class: &'a str,
) -> Vec<(&'a str, V<'a>)> {
    vec![
        ("id", V::S(id)),
        ("class", V::S(class)),
        ("data-k", V::I(k as i64)),
        ("tabindex", V::S(tab)),
        ("role", V::S(if m.clickable { "button" } else { "img" })),
        ("aria-label", V::S(&m.label)),
    ]
}

/// The element of a slot that holds no mark now: the attributes a mark in it would have (id,
/// class, order, role), so that a mark that leaves or comes back changes a few attributes and
/// not the element's whole identity; not a tab stop, hidden (not drawn, not focusable, not
/// read) and unlabelled.
fn hidden_slot_attrs<'a>(id: &'a str, k: usize, class: &'a str) -> Vec<(&'a str, V<'a>)> {
    static BLANK: Mark = Mark {
        label: String::new(),
        on: false,
        clickable: true,
    };
    let mut a = mark_attrs(id, k, "-1", &BLANK, class);
    a.retain(|(name, _)| *name != "aria-label");
    a.push(("visibility", V::S("hidden")));
    a
}

/// Axes always get this many tick slots (unused ones hidden), so that a new tick count does
/// not change the chart's elements and a redraw stays a patch.
pub const TICK_SLOTS: usize = 10;

fn slots<T: Clone>(ticks: &[T]) -> impl Iterator<Item = Option<T>> + '_ {
    (0..TICK_SLOTS.max(ticks.len())).map(move |k| ticks.get(k).cloned())
}

fn x_axis(m: &mut Markup, ticks: &[(f64, String)], plot: (f64, f64, f64, f64), grid: bool) {
    for tick in slots(ticks) {
        let (x, t, vis) = match &tick {
            Some((x, t)) => (*x, t.as_str(), "visible"),
            None => (plot.0, "", "hidden"),
        };
        if grid {
            m.empty(
                "line",
                &[
                    ("class", "grid".into()),
                    ("visibility", vis.into()),
                    ("x1", x.into()),
                    ("x2", x.into()),
                    ("y1", plot.1.into()),
                    ("y2", plot.3.into()),
                ],
            );
        }
        m.el(
            "text",
            &[
                ("class", "tick".into()),
                ("visibility", vis.into()),
                ("x", x.into()),
                ("y", (plot.3 + 16.0).into()),
                ("text-anchor", "middle".into()),
            ],
            t,
        );
    }
}

fn y_axis(m: &mut Markup, ticks: &[(f64, String)], plot: (f64, f64, f64, f64)) {
    for tick in slots(ticks) {
        let (y, t, vis) = match &tick {
            Some((y, t)) => (*y, t.as_str(), "visible"),
            None => (plot.3, "", "hidden"),
        };
        m.empty(
            "line",
            &[
                ("class", "grid".into()),
                ("visibility", vis.into()),
                ("x1", plot.0.into()),
                ("x2", plot.2.into()),
                ("y1", y.into()),
                ("y2", y.into()),
            ],
        );
        m.el(
            "text",
            &[
                ("class", "tick".into()),
                ("visibility", vis.into()),
                ("x", (plot.0 - 6.0).into()),
                ("y", y.into()),
                ("text-anchor", "end".into()),
                ("dominant-baseline", "middle".into()),
            ],
            t,
        );
    }
}

/// One end of a brushed range, as a slider for the keyboard and screen readers.
#[derive(Debug, Clone, PartialEq)]
pub struct Slider {
    /// What it sets ("lowest score").
    pub name: String,
    pub min: f64,
    pub max: f64,
    pub now: f64,
    /// The value in words ("2.50").
    pub text: String,
    /// Its x in pixels.
    pub x: f64,
}

/// The brush of a histogram: the brushed span (pixels) if a range is set, and its two ends.
#[derive(Debug, Clone, PartialEq)]
pub struct BrushMarks {
    pub span: Option<(f64, f64)>,
    pub low: Slider,
    pub high: Slider,
}

impl BrushMarks {
    /// The brush over `axis` with the steps `steps` brushed (`None`: no range, the ends at the
    /// axis's ends); `slider(end, step, x)` describes the end that sits on `step` at pixel `x`.
    pub fn over(
        axis: &crate::charts::brush::Axis,
        steps: Option<(usize, usize)>,
        slider: impl Fn(crate::charts::brush::End, usize, f64) -> Slider,
    ) -> BrushMarks {
        use crate::charts::brush::End;
        let whole = steps.unwrap_or((0, axis.n.saturating_sub(1)));
        let (x_lo, x_hi) = axis.span(whole);
        BrushMarks {
            span: steps.map(|s| axis.span(s)),
            low: slider(End::Low, whole.0, x_lo),
            high: slider(End::High, whole.1, x_hi),
        }
    }
}

/// The brush layer: a band over the brushed span (always present, hidden without a range, so
/// that a redraw stays a patch and a focused end keeps its element) and the two ends, each a
/// focusable `role="slider"` with `data-end` ("low" or "high").
fn brush(m: &mut Markup, id_prefix: &str, plot: (f64, f64, f64, f64), b: &BrushMarks) {
    let (x0, x1) = b.span.unwrap_or((plot.0, plot.0));
    m.empty(
        "rect",
        &[
            ("class", "brush-span".into()),
            (
                "visibility",
                if b.span.is_some() {
                    "visible"
                } else {
                    "hidden"
                }
                .into(),
            ),
            ("x", x0.into()),
            ("y", plot.1.into()),
            ("width", (x1 - x0).max(0.0).into()),
            ("height", (plot.3 - plot.1).into()),
        ],
    );
    for (end, s) in [("low", &b.low), ("high", &b.high)] {
        let id = format!("{id_prefix}-{end}");
        m.open(
            "g",
            &[
                ("id", V::S(&id)),
                ("class", "brush-end".into()),
                ("data-end", V::S(end)),
                ("tabindex", "0".into()),
                ("role", "slider".into()),
                ("aria-label", V::S(&s.name)),
                ("aria-valuemin", s.min.into()),
                ("aria-valuemax", s.max.into()),
                ("aria-valuenow", s.now.into()),
                ("aria-valuetext", V::S(&s.text)),
            ],
        );
        m.empty(
            "rect",
            &[
                ("class", "brush-hit".into()),
                ("x", (s.x - 6.0).into()),
                ("y", plot.1.into()),
                ("width", "12".into()),
                ("height", (plot.3 - plot.1).into()),
            ],
        );
        m.empty(
            "line",
            &[
                ("class", "brush-line".into()),
                ("x1", s.x.into()),
                ("x2", s.x.into()),
                ("y1", plot.1.into()),
                ("y2", plot.3.into()),
            ],
        );
        m.close("g");
    }
}

/// What a histogram is of: its x axis title and the prefix of its marks' ids.
pub struct HistOpts<'a> {
    pub id_prefix: &'a str,
    pub x_title: &'a str,
    pub height: f64,
    pub brush: Option<BrushMarks>,
}

/// Histogram bars (`marks[k]` for bar k) with y grid, axes, the reference outline and, when
/// given, a brush.
pub fn histogram(l: &histogram::Layout, marks: &[Mark], o: &HistOpts) -> Vec<String> {
    let height = o.height;
    let mut m = Markup::new();
    m.open("g", &[("class", "axis".into())]);
    y_axis(&mut m, &l.y_ticks, l.plot);
    x_axis(&mut m, &l.x_ticks, l.plot, false);
    m.el(
        "text",
        &[
            ("class", "axis-title".into()),
            ("x", ((l.plot.0 + l.plot.2) / 2.0).into()),
            ("y", (height - 4.0).into()),
            ("text-anchor", "middle".into()),
        ],
        o.x_title,
    );
    m.close("g");
    m.layer();
    m.open("g", &[("class", "bars".into())]);
    for (k, (b, mk)) in l.bars.iter().zip(marks).enumerate() {
        let id = format!("{}-bar-{k}", o.id_prefix);
        let class = if b.selected {
            "bar mark"
        } else {
            "bar mark unselected"
        };
        let mut a = mark_attrs(&id, k, "0", mk, class);
        a.extend([
            ("x", V::N(b.x)),
            ("y", V::N(b.y)),
            ("width", V::N(b.w)),
            ("height", V::N(b.h.max(0.0))),
        ]);
        m.empty("rect", &a);
    }
    m.close("g");
    if !l.reference.is_empty() {
        m.empty(
            "path",
            &[("class", "reference".into()), ("d", V::S(&l.reference))],
        );
    }
    m.empty(
        "line",
        &[
            ("class", "baseline".into()),
            ("x1", l.plot.0.into()),
            ("x2", l.plot.2.into()),
            ("y1", l.plot.3.into()),
            ("y2", l.plot.3.into()),
        ],
    );
    if let Some(b) = &o.brush {
        m.layer();
        brush(&mut m, o.id_prefix, l.plot, b);
    }
    m.finish_layers()
}

/// One row of a dot-and-whisker chart.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DotRow {
    /// What the row stands for (a value's index): its element's id is made from it, so that
    /// after a re-sort the id, and with it the keyboard focus restored by id, follows the value
    /// and not the position.
    pub key: u32,
    pub mark: Mark,
    pub label: String,
    /// Right-hand text (the n, or the difference).
    pub right: String,
    /// Bold label (an overall row).
    pub strong: bool,
    /// Hollow dot (e.g. an interval that includes zero).
    pub hollow: bool,
    /// No value to draw (too few ratings).
    pub missing: bool,
}

pub struct DotOpts<'a> {
    pub id_prefix: &'a str,
    pub tick: fn(f64) -> String,
    /// Text beside the reference line.
    pub reference_label: Option<String>,
    pub axis_title: Option<&'a str>,
    /// Dashed line style: "reference-line" (a mean) or "zero-line".
    pub reference_class: &'a str,
}

pub fn dot_rows(l: &dotplot::Layout, rows: &[DotRow], o: &DotOpts) -> Vec<String> {
    let mut m = Markup::new();
    m.open("g", &[("class", "axis".into())]);
    let ticks: Vec<(f64, String)> = l.x_ticks.iter().map(|&(x, t)| (x, (o.tick)(t))).collect();
    x_axis(&mut m, &ticks, l.plot, true);
    if let Some(x) = l.reference_x {
        m.empty(
            "line",
            &[
                ("class", o.reference_class.into()),
                ("x1", x.into()),
                ("x2", x.into()),
                ("y1", l.plot.1.into()),
                ("y2", l.plot.3.into()),
            ],
        );
        if let Some(t) = &o.reference_label {
            m.el(
                "text",
                &[
                    ("class", "tick".into()),
                    ("x", (x + 4.0).into()),
                    ("y", (l.plot.1 + 8.0).into()),
                ],
                t,
            );
        }
    }
    if let Some(t) = o.axis_title {
        m.el(
            "text",
            &[
                ("class", "axis-title".into()),
                ("x", ((l.plot.0 + l.plot.2) / 2.0).into()),
                ("y", (l.height - 4.0).into()),
                ("text-anchor", "middle".into()),
            ],
            t,
        );
    }
    m.close("g");
    m.layer();
    for (k, (r, g)) in rows.iter().zip(&l.rows).enumerate() {
        let id = format!("{}-v{}", o.id_prefix, r.key);
        let class = if r.mark.on { "row mark on" } else { "row mark" };
        // The row's parts sit at y = 0 inside a translated group: when the rows re-sort, one
        // attribute per row changes instead of one per part.
        let at = format!("translate(0,{})", {
            let mut t = String::new();
            format::fixed(&mut t, g.y, 1);
            t
        });
        let mut a = mark_attrs(&id, k, "0", &r.mark, class);
        a.push(("transform", V::S(&at)));
        m.open("g", &a);
        m.empty(
            "rect",
            &[
                ("class", "hit".into()),
                ("x", "0".into()),
                ("y", (-l.row_h / 2.0).into()),
                ("width", l.width.into()),
                ("height", l.row_h.into()),
            ],
        );
        let label_class = if r.strong {
            "row-label strong"
        } else {
            "row-label"
        };
        m.el(
            "text",
            &[
                ("class", label_class.into()),
                ("x", (l.label_w - 8.0).into()),
                ("y", "0".into()),
                ("text-anchor", "end".into()),
                ("dominant-baseline", "middle".into()),
            ],
            &text::fit(&r.label, l.label_w - 12.0, text::LABEL_PX),
        );
        // Drawn hidden when there is no value: rows keep their elements (see `TICK_SLOTS`).
        let vis = if r.missing { "hidden" } else { "visible" };
        m.empty(
            "line",
            &[
                ("class", "ci".into()),
                ("visibility", vis.into()),
                ("x1", g.x_lo.into()),
                ("x2", g.x_hi.into()),
                ("y1", "0".into()),
                ("y2", "0".into()),
            ],
        );
        m.empty(
            "circle",
            &[
                ("class", if r.hollow { "dot hollow" } else { "dot" }.into()),
                ("visibility", vis.into()),
                ("cx", g.x.into()),
                ("cy", "0".into()),
                ("r", "4.5".into()),
            ],
        );
        m.el(
            "text",
            &[
                ("class", "row-n".into()),
                ("x", (l.plot.2 + 6.0).into()),
                ("y", "0".into()),
                ("dominant-baseline", "middle".into()),
            ],
            &r.right,
        );
        m.close("g");
    }
    m.finish_layers()
}

/// Heatmap: column labels, row labels, and cells (`marks` and `texts` row-major); only the
/// `active` cell is in the tab order (arrow keys move within the grid).
pub fn heatmap(
    l: &heatmap::Layout,
    cols: &[String],
    rows: &[String],
    marks: &[Mark],
    texts: &[String],
    active: usize,
) -> Vec<String> {
    let mut m = Markup::new();
    m.open("defs", &[]);
    m.open(
        "pattern",
        &[
            ("id", "hatch".into()),
            ("width", "6".into()),
            ("height", "6".into()),
            ("patternUnits", "userSpaceOnUse".into()),
            ("patternTransform", "rotate(45)".into()),
        ],
    );
    m.empty(
        "line",
        &[
            ("class", "hatch-line".into()),
            ("x1", "0".into()),
            ("y1", "0".into()),
            ("x2", "0".into()),
            ("y2", "6".into()),
        ],
    );
    m.close("pattern").close("defs");
    let s = l.size;
    for (ci, c) in cols.iter().enumerate() {
        let x = l.label_w + ci as f64 * s + s / 2.0;
        let t = format!(
            "translate({x_1},{}) rotate(-55)",
            Fixed(l.header_h - 6.0, 1),
            x_1 = Fixed(x, 1)
        );
        m.el(
            "text",
            &[("class", "col-label".into()), ("transform", V::S(&t))],
            &text::fit(c, (l.header_h - 12.0) / HEADER_SIN, text::LABEL_PX),
        );
    }
    for (ri, r) in rows.iter().enumerate() {
        let y = l.header_h + ri as f64 * s + s / 2.0;
        m.el(
            "text",
            &[
                ("class", "row-label".into()),
                ("x", (l.label_w - 8.0).into()),
                ("y", y.into()),
                ("text-anchor", "end".into()),
                ("dominant-baseline", "middle".into()),
            ],
            &text::fit(r, l.label_w - 12.0, text::LABEL_PX),
        );
    }
    m.layer();
    for (k, ((cell, mk), text)) in l.cells.iter().zip(marks).zip(texts).enumerate() {
        let id = format!("heat-c{k}");
        let class = match (cell.small, cell.empty, cell.marked) {
            (_, true, _) => "cell mark empty",
            (true, _, _) => "cell mark small",
            (_, _, true) => "cell mark found",
            _ => "cell mark",
        };
        m.open(
            "g",
            &mark_attrs(&id, k, if k == active { "0" } else { "-1" }, mk, class),
        );
        // One box: hatched when small, tinted when a finding, otherwise see-through.
        let opacity = Fixed(cell.opacity, 2).to_string();
        let (fill, fill_opacity) = if cell.small {
            ("url(#hatch)", "1")
        } else if cell.opacity > 0.0 {
            (cell.fill, opacity.as_str())
        } else {
            ("transparent", "1")
        };
        m.empty(
            "rect",
            &[
                ("class", "cell-box".into()),
                ("x", cell.x.into()),
                ("y", cell.y.into()),
                ("width", (s - 1.0).into()),
                ("height", (s - 1.0).into()),
                ("fill", fill.into()),
                ("fill-opacity", fill_opacity.into()),
            ],
        );
        // Muted when small by the cell's class (style.css), so the text's own never changes.
        m.el(
            "text",
            &[
                ("class", "cell-text".into()),
                ("x", (cell.x + s / 2.0 - 0.5).into()),
                ("y", (cell.y + s / 2.0).into()),
                ("text-anchor", "middle".into()),
                ("dominant-baseline", "middle".into()),
            ],
            text,
        );
        m.close("g");
    }
    m.finish_layers()
}

/// A point of a scatter or strip: its mark, category (colour and shape) and position.
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    pub mark: Mark,
    pub category: usize,
}

pub struct ScatterOpts<'a> {
    pub id_prefix: &'a str,
    pub height: f64,
    pub x_title: &'a str,
    pub y_title: &'a str,
    pub x_tick: fn(f64) -> String,
}

/// Each point has a fixed slot (`slot_of[k]`, e.g. the participant's index in the dataset), which
/// is also its `data-k`, and the chart holds one path per slot. A slot without a point keeps its
/// element, hidden (`visibility="hidden"`: not drawn, not focusable, not read) with an empty
/// shape and no label; `slot_category` gives every slot's colour and shape, so that a point that
/// leaves or comes back changes three attributes, and a filter change keeps every point on its
/// own element even when the points' order changes (the order the arrow keys walk is given to
/// [`crate::components::chart_svg::ChartSvg`] separately). Point `active` is the tab stop.
pub fn scatter(
    l: &scatter::Layout,
    points: &[Point],
    slot_of: &[usize],
    slot_category: &[usize],
    active: usize,
    o: &ScatterOpts,
) -> Vec<String> {
    let mut m = Markup::new();
    m.open("g", &[("class", "axis".into())]);
    let ticks: Vec<(f64, String)> = l.x_ticks.iter().map(|&(x, t)| (x, (o.x_tick)(t))).collect();
    x_axis(&mut m, &ticks, l.plot, true);
    let y_ticks: Vec<(f64, String)> = l
        .y_ticks
        .iter()
        .map(|&(y, t)| (y, Fixed(t, 1).to_string()))
        .collect();
    y_axis(&mut m, &y_ticks, l.plot);
    m.empty(
        "line",
        &[
            ("class", "zero-line".into()),
            ("x1", l.zero_x.into()),
            ("x2", l.zero_x.into()),
            ("y1", l.plot.1.into()),
            ("y2", l.plot.3.into()),
        ],
    );
    m.el(
        "text",
        &[
            ("class", "axis-title".into()),
            ("x", ((l.plot.0 + l.plot.2) / 2.0).into()),
            ("y", (o.height - 4.0).into()),
            ("text-anchor", "middle".into()),
        ],
        &text::fit(o.x_title, l.plot.2 - l.plot.0, text::TICK_PX),
    );
    let t = format!(
        "translate(12,{}) rotate(-90)",
        Fixed((l.plot.1 + l.plot.3) / 2.0, 0)
    );
    m.el(
        "text",
        &[
            ("class", "axis-title".into()),
            ("transform", V::S(&t)),
            ("text-anchor", "middle".into()),
        ],
        o.y_title,
    );
    m.close("g");
    m.layer();
    let slots = slot_category
        .len()
        .max(slot_of.iter().map(|&s| s + 1).max().unwrap_or(0));
    let mut in_slot: Vec<Option<usize>> = vec![None; slots];
    for (k, &s) in slot_of.iter().enumerate().take(points.len()) {
        in_slot[s] = Some(k);
    }
    for (s, k) in in_slot.into_iter().enumerate() {
        let id = format!("{}-p{s}", o.id_prefix);
        let cat = k.map_or_else(
            || slot_category.get(s).copied().unwrap_or(0),
            |k| points[k].category,
        );
        let (fill, shape) = category(cat);
        let (mut a, d) = match k {
            Some(k) => {
                let (x, y) = l.points[k];
                let tab = if k == active { "0" } else { "-1" };
                (
                    mark_attrs(&id, s, tab, &points[k].mark, "participant mark"),
                    marker_path(shape, x, y, 4.5),
                )
            }
            None => (hidden_slot_attrs(&id, s, "participant mark"), String::new()),
        };
        a.extend([("d", V::S(&d)), ("fill", V::S(fill))]);
        m.empty("path", &a);
    }
    m.finish_layers()
}

/// Strips always hold this many rater slots (PAMELA images have 13 to 15 raters), so that the
/// image list keeps its elements from one filter to the next and redraws as a patch.
pub const STRIP_SLOTS: usize = 16;

/// One image's raters on a 1..5 line (`scores` in thousandths, in the order of `points`).
pub fn strip(
    x: &Linear,
    height: f64,
    scores: &[u16],
    points: &[Point],
    id_prefix: &str,
    active: usize,
) -> String {
    let mut m = Markup::new();
    m.empty(
        "line",
        &[
            ("class", "grid".into()),
            ("x1", x.map(1.0).into()),
            ("x2", x.map(5.0).into()),
            ("y1", (height - 12.0).into()),
            ("y2", (height - 12.0).into()),
        ],
    );
    for s in 1..=5 {
        m.el(
            "text",
            &[
                ("class", "tick".into()),
                ("x", x.map(s as f64).into()),
                ("y", (height - 1.0).into()),
                ("text-anchor", "middle".into()),
            ],
            &s.to_string(),
        );
    }
    for (k, (&sc, p)) in scores.iter().zip(points).enumerate() {
        let id = format!("{id_prefix}-d{k}");
        let (fill, shape) = category(p.category);
        let d = marker_path(
            shape,
            x.map(sc as f64 / 1000.0),
            8.0 + (k % 4) as f64 * 5.0,
            4.0,
        );
        let mut a = mark_attrs(
            &id,
            k,
            if k == active { "0" } else { "-1" },
            &p.mark,
            "rater mark",
        );
        a.extend([("d", V::S(&d)), ("fill", V::S(fill))]);
        m.empty("path", &a);
    }
    for k in scores.len().min(points.len())..STRIP_SLOTS {
        let id = format!("{id_prefix}-d{k}");
        let mut a = hidden_slot_attrs(&id, k, "rater mark");
        a.push(("d", V::S("")));
        m.empty("path", &a);
    }
    m.finish()
}

/// One row of [`paired`].
#[derive(Debug, Clone, PartialEq)]
pub struct PairRow {
    pub label: String,
    /// The visitor's predicted mean.
    pub you: f64,
    /// Everyone's observed mean.
    pub crowd: f64,
    /// The visitor's predicted mean before their last rating, drawn as a ring.
    pub before: Option<f64>,
    /// A likely range for the visitor's mean, drawn as a line through the dot.
    pub range: Option<(f64, f64)>,
}

/// Rows of two values each (the visitor's predicted mean and the crowd's mean): a filled dot,
/// a hollow diamond, and a line between them, and a ring where the dot was before the
/// visitor's last rating; x always from 1 to 5 (the axis does not move while the visitor
/// rates), in a chart `width` pixels wide.
pub fn paired(rows: &[PairRow], width: f64) -> (Vec<String>, f64) {
    let row_h = 24.0;
    let (top, bottom, right) = (8.0, 30.0, dotplot::RIGHT);
    let label_w = text::label_column(
        rows.iter().map(|r| r.label.as_str()),
        text::LABEL_PX,
        width,
        48.0,
        0.42,
    );
    let height = top + bottom + row_h * rows.len().max(1) as f64;
    let x = Linear::new((1.0, 5.0), (label_w, width - right));
    let plot = (label_w, top, width - right, height - bottom);
    let mut m = Markup::new();
    m.open("g", &[("class", "axis".into())]);
    let ticks: Vec<(f64, String)> = x
        .readable_ticks()
        .into_iter()
        .map(|t| (x.map(t), Fixed(t, 1).to_string()))
        .collect();
    x_axis(&mut m, &ticks, plot, true);
    m.close("g");
    m.layer();
    for (k, r) in rows.iter().enumerate() {
        let (label, you, crowd) = (&r.label, &r.you, &r.crowd);
        let y = top + row_h * (k as f64 + 0.5);
        let before = r.before.filter(|b| b.is_finite());
        let range = r.range.filter(|(lo, hi)| lo.is_finite() && hi.is_finite());
        let likely = range.map_or(String::new(), |(lo, hi)| {
            format!(", likely {}–{}", format::score(lo), format::score(hi))
        });
        let was = before.map_or(String::new(), |b| {
            format!(", before your last rating {}", format::score(b))
        });
        let aria = format!(
            "{label}: you {}{likely}{was}; everyone {}",
            format::score(*you),
            format::score(*crowd)
        );
        m.open(
            "g",
            &[
                ("class", "pair".into()),
                ("role", "img".into()),
                ("aria-label", V::S(&aria)),
            ],
        );
        m.el(
            "text",
            &[
                ("class", "row-label".into()),
                ("x", (label_w - 8.0).into()),
                ("y", y.into()),
                ("text-anchor", "end".into()),
                ("dominant-baseline", "middle".into()),
            ],
            &text::fit(label, label_w - 12.0, text::LABEL_PX),
        );
        m.empty(
            "line",
            &[
                ("class", "pair-line".into()),
                ("x1", x.map_clamped(*you).into()),
                ("x2", x.map_clamped(*crowd).into()),
                ("y1", y.into()),
                ("y2", y.into()),
            ],
        );
        m.empty(
            "path",
            &[
                ("class", "crowd".into()),
                (
                    "d",
                    V::S(&marker_path(
                        super::color::Shape::Diamond,
                        x.map_clamped(*crowd),
                        y,
                        4.5,
                    )),
                ),
            ],
        );
        if let Some((lo, hi)) = range {
            m.empty(
                "line",
                &[
                    ("class", "you-range".into()),
                    ("x1", x.map_clamped(lo).into()),
                    ("x2", x.map_clamped(hi).into()),
                    ("y1", (y - 5.0).into()),
                    ("y2", (y - 5.0).into()),
                ],
            );
        }
        if let Some(b) = before {
            m.empty(
                "circle",
                &[
                    ("class", "before".into()),
                    ("cx", x.map_clamped(b).into()),
                    ("cy", y.into()),
                    ("r", "6.5".into()),
                ],
            );
        }
        m.empty(
            "circle",
            &[
                ("class", "you".into()),
                ("cx", x.map_clamped(*you).into()),
                ("cy", y.into()),
                ("r", "4.5".into()),
            ],
        );
        m.el(
            "text",
            &[
                ("class", "row-n".into()),
                ("x", (plot.2 + 6.0).into()),
                ("y", y.into()),
                ("dominant-baseline", "middle".into()),
            ],
            &format::signed(you - crowd),
        );
        m.close("g");
    }
    (m.finish_layers(), height)
}

/// One entry of the image list.
#[derive(Debug, Clone, PartialEq)]
pub struct ImageCard {
    pub id: u64,
    pub prompt: String,
    pub meta: String,
    pub stats: String,
    /// Thumbnail address, when thumbnails are on.
    pub thumb: Option<String>,
    /// The raters' strip ([`strip`]) and its accessible name.
    pub strip: String,
    pub strip_label: String,
}

/// The image list as HTML. Buttons carry `data-image` (the entry's index) and each strip
/// `data-strip`; a thumbnail that fails to load is swapped for its fallback by the component.
pub fn image_list(cards: &[ImageCard], strip_w: f64, strip_h: f64) -> String {
    let mut m = Markup::new();
    m.open("ol", &[("class", "image-list".into())]);
    for (k, c) in cards.iter().enumerate() {
        m.open("li", &[("class", "image-item".into())]);
        m.open("div", &[("class", "thumb".into())]);
        match &c.thumb {
            Some(src) => {
                // Lazy (only those near the screen are fetched), low priority beside the page's
                // own files, sized so nothing moves when they arrive; the prompt says what the
                // image shows.
                m.empty(
                    "img",
                    &[
                        ("src", V::S(src)),
                        ("alt", V::S(&c.prompt)),
                        ("loading", "lazy".into()),
                        ("decoding", "async".into()),
                        ("fetchpriority", "low".into()),
                        ("width", "120".into()),
                        ("height", "120".into()),
                    ],
                );
                m.el(
                    "div",
                    &[
                        ("class", "thumb-fallback".into()),
                        ("hidden", "".into()),
                        ("aria-hidden", "true".into()),
                    ],
                    "image unavailable",
                );
            }
            None => {
                m.el(
                    "div",
                    &[
                        ("class", "thumb-fallback".into()),
                        ("aria-hidden", "true".into()),
                    ],
                    "thumbnails off",
                );
            }
        }
        m.close("div");
        m.open("div", &[("class", "image-body".into())]);
        m.el("p", &[("class", "prompt".into())], &c.prompt);
        m.el(
            "p",
            &[("class", "meta".into())],
            &format!("{} · id {}", c.meta, c.id),
        );
        m.el("p", &[("class", "stats".into())], &c.stats);
        let vb = format!(
            "0 0 {strip_w_0} {strip_h_0}",
            strip_w_0 = Fixed(strip_w, 0),
            strip_h_0 = Fixed(strip_h, 0)
        );
        let hint = format!(
            "{}; Tab to the marks, arrow keys move, Enter filters to a rater",
            c.strip_label
        );
        m.open(
            "svg",
            &[
                ("class", "chart strip".into()),
                ("viewBox", V::S(&vb)),
                ("width", strip_w.into()),
                ("height", strip_h.into()),
                ("role", "group".into()),
                ("aria-label", V::S(&hint)),
                ("data-strip", V::I(k as i64)),
            ],
        );
        // The strip is our own markup, already escaped.
        m.raw(&c.strip);
        m.close("svg");
        let bid = format!("img{k}-filter");
        m.el(
            "button",
            &[
                ("type", "button".into()),
                ("id", V::S(&bid)),
                ("class", "link".into()),
                ("data-image", V::I(k as i64)),
            ],
            "Filter to this image",
        );
        m.close("div");
        m.close("li");
    }
    m.close("ol");
    m.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mark(label: &str) -> Mark {
        Mark {
            label: label.into(),
            on: false,
            clickable: true,
        }
    }

    #[test]
    fn histogram_has_one_focusable_bar_per_bin_with_labels() {
        let l = histogram::layout(&[1, 2, 3], None, None, 300.0, 150.0);
        let marks: Vec<Mark> = (0..3).map(|k| mark(&format!("bin {k}"))).collect();
        let s = histogram(&l, &marks, &hist_opts()).concat();
        assert_eq!(s.matches("<rect ").count(), 3);
        assert_eq!(s.matches("tabindex=\"0\"").count(), 3);
        assert!(
            s.contains("id=\"dist-bar-2\"")
                && s.contains("data-k=\"2\"")
                && s.contains("aria-label=\"bin 1\"")
        );
    }

    #[test]
    fn scatter_points_keep_their_element_when_their_order_changes() {
        let opts = ScatterOpts {
            id_prefix: "part",
            height: 300.0,
            x_title: "x",
            y_title: "y",
            x_tick: |t| format!("{t}"),
        };
        let draw = |xy: &[(f64, f64)], slot_of: &[usize]| {
            let l = scatter::layout(xy, 400.0, 300.0);
            let points: Vec<Point> = slot_of
                .iter()
                .map(|&s| Point {
                    mark: mark(&format!("person {s}")),
                    category: s,
                })
                .collect();
            scatter(&l, &points, slot_of, &[0, 1, 2, 3], 0, &opts)
        };
        // Persons 2 and 0 (walk order by offset), then 0, 3 and 2 in a new order. Layer 1
        // holds the marks.
        let before = draw(&[(-0.5, 1.0), (0.4, 0.8)], &[2, 0]).remove(1);
        let after = draw(&[(-0.2, 0.9), (0.1, 1.1), (0.3, 0.7)], &[0, 3, 2]).remove(1);
        assert_eq!(before.matches("<path ").count(), 4, "one path per slot");
        assert_eq!(before.matches("visibility=\"hidden\" d=\"\"").count(), 2);
        assert!(after.contains("id=\"part-p3\" class=\"participant mark\" data-k=\"3\""));
        let p = crate::charts::patch::diff(&before, &after).expect("same elements: a patch");
        let (mut set, mut removed) = (Vec::new(), Vec::new());
        for x in &p {
            match x {
                crate::charts::patch::Patch::SetAttr { index, name, .. } => {
                    set.push((*index, *name))
                }
                crate::charts::patch::Patch::RemoveAttr { index, name } => {
                    removed.push((*index, *name))
                }
                _ => {}
            }
        }
        // No mark moves to another participant's element: ids, order, role, class and colour
        // stay. Persons 0 and 2 move; person 3 comes back (shape, label, shown again); person 0
        // becomes the tab stop in place of person 2; slot 1 stays hidden and untouched.
        set.sort();
        assert_eq!(
            set,
            [
                (0, "d"),
                (0, "tabindex"),
                (2, "d"),
                (2, "tabindex"),
                (3, "aria-label"),
                (3, "d")
            ]
        );
        assert_eq!(removed, [(3, "visibility")]);
    }

    fn hist_opts() -> HistOpts<'static> {
        HistOpts {
            id_prefix: "dist",
            x_title: "score",
            height: 150.0,
            brush: None,
        }
    }

    #[test]
    fn a_brush_draws_its_span_and_two_sliders_that_name_their_values() {
        let l = histogram::layout(&[1, 2, 3, 4], None, Some((2000, 3999)), 300.0, 150.0);
        let marks = vec![Mark::default(); 4];
        let slider = |name: &str, x: f64, now: f64| Slider {
            name: name.into(),
            min: 1.0,
            max: 5.0,
            now,
            text: Fixed(now, 2).to_string(),
            x,
        };
        let with = |span| HistOpts {
            brush: Some(BrushMarks {
                span,
                low: slider("lowest score", 100.0, 2.0),
                high: slider("highest score", 200.0, 4.0),
            }),
            ..hist_opts()
        };
        let s = histogram(&l, &marks, &with(Some((100.0, 200.0)))).concat();
        assert_eq!(s.matches("role=\"slider\"").count(), 2);
        assert!(s.contains("aria-label=\"lowest score\"") && s.contains("aria-valuetext=\"4.00\""));
        assert!(s.contains("data-end=\"low\"") && s.contains("data-end=\"high\""));
        // Without a range the band is there but hidden: the same elements, so a patch.
        let none = histogram(&l, &marks, &with(None)).concat();
        assert!(none.contains("class=\"brush-span\" visibility=\"hidden\""));
        assert!(crate::charts::patch::diff(&s, &none).is_some());
    }

    #[test]
    fn a_brush_over_an_axis_puts_its_ends_on_the_brushed_steps_or_the_axis_ends() {
        use crate::charts::brush::{Axis, End};
        let axis = Axis {
            x0: 40.0,
            x1: 440.0,
            n: 8,
        };
        let slider = |end: End, k: usize, x: f64| Slider {
            name: format!("{end:?}"),
            min: 0.0,
            max: 7.0,
            now: k as f64,
            text: k.to_string(),
            x,
        };
        let b = BrushMarks::over(&axis, Some((1, 4)), slider);
        assert_eq!(b.span, Some((90.0, 290.0)));
        assert_eq!(
            (b.low.now, b.low.x, b.low.name.as_str()),
            (1.0, 90.0, "Low")
        );
        assert_eq!(
            (b.high.now, b.high.x, b.high.name.as_str()),
            (4.0, 290.0, "High")
        );
        let none = BrushMarks::over(&axis, None, slider);
        assert_eq!(none.span, None);
        assert_eq!((none.low.now, none.low.x), (0.0, 40.0));
        assert_eq!((none.high.now, none.high.x), (7.0, 440.0));
    }

    #[test]
    fn dot_rows_escape_labels_from_the_data() {
        let l = dotplot::layout(
            &[dotplot::RowIn {
                label: "<script>x</script>".into(),
                value: 3.0,
                lo: 2.9,
                hi: 3.1,
            }],
            Some(3.0),
            400.0,
        );
        let rows = vec![DotRow {
            key: 7,
            mark: mark("<b>bold</b>"),
            label: "<script>x</script>".into(),
            right: "12".into(),
            ..Default::default()
        }];
        let o = DotOpts {
            id_prefix: "t",
            tick: |t| Fixed(t, 1).to_string(),
            reference_label: Some("all".into()),
            axis_title: None,
            reference_class: "reference-line",
        };
        let s = dot_rows(&l, &rows, &o).concat();
        assert!(!s.contains("<script>") && !s.contains("<b>"));
        assert!(s.contains("&lt;script&gt;"));
        // The id names the value (key 7), not the position (row 0).
        assert!(s.contains("id=\"t-v7\""));
    }

    #[test]
    fn paired_rows_place_you_and_everyone_on_one_scale() {
        let row = |label: &str, you: f64, crowd: f64, before: Option<f64>| PairRow {
            label: label.into(),
            you,
            crowd,
            before,
            range: None,
        };
        let rows = vec![
            row("<i>landscape</i>", 4.0, 3.0, None),
            row("portrait", 2.5, 3.5, None),
        ];
        let (layers, height) = paired(&rows, 500.0);
        let s = layers.concat();
        assert_eq!(s.matches("class=\"pair\"").count(), 2);
        assert!(
            height > paired(&rows[..1], 500.0).1,
            "taller with more rows"
        );
        assert!(s.contains("&lt;i&gt;landscape") && !s.contains("<i>"));
        assert!(s.contains("aria-label=\"portrait: you 2.50; everyone 3.50\""));
        let cx: Vec<f64> = s
            .split("class=\"you\" cx=\"")
            .skip(1)
            .map(|t| t.split('"').next().unwrap().parse().unwrap())
            .collect();
        assert_eq!(cx.len(), 2);
        assert!(cx[0] > cx[1], "4.0 lies right of 2.5: {cx:?}");
        assert!(cx.iter().all(|&x| (100.0..=430.0).contains(&x)));
        assert!(s.contains("+1.00") && s.contains("−1.00"));
        // The axis is the whole scale, whatever the values: it stays put while the visitor rates.
        let (other, _) = paired(&[row("portrait", 4.9, 4.8, None), rows[0].clone()], 500.0);
        let ticks = |m: &[String]| m[0].clone();
        assert_eq!(
            ticks(&layers),
            ticks(&other),
            "the same axis for other values"
        );
        assert_eq!(s.matches("class=\"before\"").count(), 0);
        // The prediction before the last rating: a ring, named for screen readers.
        let ranged = PairRow {
            range: Some((2.6, 3.4)),
            ..row("portrait", 3.0, 3.5, Some(2.5))
        };
        let (with, _) = paired(&[ranged], 500.0);
        let with = with.concat();
        assert_eq!(with.matches("class=\"before\"").count(), 1);
        assert_eq!(with.matches("class=\"you-range\"").count(), 1);
        assert!(with.contains(
            "portrait: you 3.00, likely 2.60–3.40, before your last rating 2.50; everyone 3.50"
        ));
    }

    #[test]
    fn image_list_keeps_prompts_as_text() {
        let card = ImageCard {
            id: 7,
            prompt: "<script>alert(1)</script> <img src=x onerror=alert(2)>".into(),
            meta: "portrait · Photorealism".into(),
            stats: "mean 3.00".into(),
            thumb: Some("https://h.example/images/a\"onerror=\"x.png".into()),
            strip: String::new(),
            strip_label: "raters".into(),
        };
        let s = image_list(&[card], 300.0, 44.0);
        assert!(!s.contains("<script>") && !s.contains("<img src=x"));
        assert!(s.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(s.contains("src=\"https://h.example/images/a&quot;onerror=&quot;x.png\""));
        assert!(s.contains("data-image=\"0\"") && s.contains("data-strip=\"0\""));
        assert!(
            s.contains("alt=\"&lt;script&gt;alert(1)&lt;/script&gt;")
                && s.contains("loading=\"lazy\"")
                && s.contains("fetchpriority=\"low\""),
            "{s}"
        );
    }

    #[test]
    fn axes_keep_their_elements_whatever_the_tick_count() {
        let a = histogram::layout(&[5, 1, 0, 0], None, None, 300.0, 150.0);
        let b = histogram::layout(&[1, 1, 1, 1], None, None, 300.0, 150.0);
        assert_ne!(a.y_ticks.len(), b.y_ticks.len());
        let marks: Vec<Mark> = (0..4).map(|k| mark(&format!("{k}"))).collect();
        let (ma, mb) = (
            histogram(&a, &marks, &hist_opts()),
            histogram(&b, &marks, &hist_opts()),
        );
        assert!(
            crate::charts::patch::diff(&ma.concat(), &mb.concat()).is_some(),
            "a patch, not a redraw"
        );
    }

    #[test]
    fn only_the_active_heatmap_cell_is_in_the_tab_order() {
        let cells: Vec<heatmap::CellIn> = (0..4)
            .map(|k| heatmap::CellIn {
                n: 10 + k * 20,
                small: 10 + k * 20 < 30,
                diff: 0.1,
                marked: k == 3,
            })
            .collect();
        let l = heatmap::layout(&cells, 2, 2, 80.0);
        let marks: Vec<Mark> = (0..4).map(|k| mark(&format!("c{k}"))).collect();
        let texts: Vec<String> = (0..4).map(|_| "+.10".into()).collect();
        let s = heatmap(
            &l,
            &["a".into(), "b".into()],
            &["r".into(), "s".into()],
            &marks,
            &texts,
            2,
        )
        .concat();
        assert_eq!(s.matches("tabindex=\"0\"").count(), 1);
        assert!(s.contains("id=\"heat-c2\" class=\"cell mark\" data-k=\"2\" tabindex=\"0\""));
        assert_eq!(
            s.matches("url(#hatch)").count(),
            1,
            "the one cell under n 30 is hatched"
        );
        assert!(
            s.contains("id=\"heat-c3\" class=\"cell mark found\""),
            "a marked cell is drawn as a finding"
        );
    }
}
