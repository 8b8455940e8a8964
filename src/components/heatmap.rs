//! A participant attribute (age group, gender or nationality) by an image attribute (group or
//! style): each cell shows how far its mean is from its row's overall mean, or (on the same
//! images, the default) how its people rate its images against everyone who rated them, with n.
//! Cells under the minimum (ratings or people) are hatched and never coloured; on the same
//! images, cells that differ after Holm's correction are outlined. Arrow keys move between
//! cells; Enter filters.

use crate::app::use_ctx;
use crate::charts::format::Fixed;
use crate::charts::format::{counts, interval_text, score, signed};
use crate::charts::heatmap::{self, CellIn};
use crate::charts::render::{self, Mark};
use crate::components::card::{Card, TableData};
use crate::components::chart_svg::ChartSvg;
use crate::components::key_select::KeySelect;
use crate::state::{HEAT_COLS, HEAT_ROWS};
use crate::summaries::{HeatGrid, HeatMarks, Minimum};
use leptos::prelude::*;
use pamela_core::query::Scores;

/// The words for one cell: the tooltip, the screen reader's label and the detail line.
fn describe(g: &HeatGrid, marks: &HeatMarks, k: usize, min: Minimum) -> String {
    let cols = g.cols.len().max(1);
    let (r, c, s) = (&g.rows[k / cols], &g.cols[k % cols], &g.cells[k]);
    if s.n == 0 {
        return format!("{} × {}: no ratings", r.0.label, c.label);
    }
    let small = if !min.met_by(s) {
        " (under the minimum of ratings or people: not a finding)"
    } else {
        ""
    };
    if g.centred {
        let why = s.no_interval().map(|w| w.to_string());
        let verdict = match (marks.marked[k], marks.p_adjusted[k].is_finite()) {
            (true, _) => "; a difference after Holm's correction",
            (false, true) => "; not a difference after Holm's correction",
            _ => "",
        };
        format!(
            "{} × {}: {} against everyone on the same images ({}), {}{small}{verdict}",
            r.0.label,
            c.label,
            signed(s.mean),
            interval_text(s.lo, s.hi, false, why, signed),
            counts(s.n, s.people)
        )
    } else {
        format!(
            "{} × {}: mean {} vs row mean {} ({}), {}{small}",
            r.0.label,
            c.label,
            score(s.mean),
            score(r.1.mean),
            signed(g.diffs[k]),
            counts(s.n, s.people)
        )
    }
}

#[component]
pub fn Heatmap() -> impl IntoView {
    let ctx = use_ctx();
    let detail = RwSignal::new(String::new());
    let row_key = Memo::new(move |_| ctx.ui.heat_row.get());
    let col_key = Memo::new(move |_| ctx.ui.heat_col.get());
    let min_n = Memo::new(move |_| ctx.ui.min_n.get() as u64);
    let min_people = Memo::new(move |_| ctx.ui.min_people.get() as u64);
    let min = Memo::new(move |_| Minimum {
        ratings: min_n.get(),
        people: min_people.get(),
    });
    let centred = Memo::new(move |_| ctx.ui.heat_images.get());
    let grid = Memo::new(move |_| {
        let c = ctx.compiled.get()?;
        let d = ctx.data.get()?;
        let scores = if centred.get() {
            Scores::ImageCentred
        } else {
            Scores::Raw
        };
        let ov = ctx.overview.get()?;
        Some(HeatGrid::of(
            &d.ds,
            &c,
            &ov,
            row_key.get(),
            col_key.get(),
            scores,
        ))
    });
    let marks = Memo::new(move |_| grid.with(|g| g.as_ref().map(|g| g.marks(min.get()))));
    // Each row's label with its mean.
    let row_labels = Memo::new(move |_| {
        grid.with(|g| {
            g.as_ref().map_or(Vec::new(), |g| {
                g.rows
                    .iter()
                    .map(|(a, s)| match (s.n, g.centred) {
                        (0, _) => format!("{} (–)", a.label),
                        (_, true) => format!("{} ({})", a.label, signed(s.mean)),
                        _ => format!("{} ({})", a.label, score(s.mean)),
                    })
                    .collect::<Vec<String>>()
            })
        })
    });
    let label_w = Memo::new(move |_| {
        grid.with(|g| {
            g.as_ref().map_or(60.0, |g| {
                heatmap::label_width(g.rows.iter().map(|(a, _)| a.label.as_str()))
            })
        })
    });
    let layout = Memo::new(move |_| {
        let label_w = label_w.get();
        let marked = marks.with(|m| m.as_ref().map(|m| m.marked.clone()).unwrap_or_default());
        grid.with(|g| {
            g.as_ref().map(|g| {
                let ins: Vec<CellIn> = g
                    .cells
                    .iter()
                    .zip(&g.diffs)
                    .enumerate()
                    .map(|(k, (s, &d))| CellIn {
                        n: s.n,
                        small: !min.get().met_by(s),
                        diff: d,
                        marked: marked.get(k).copied().unwrap_or(false),
                    })
                    .collect();
                heatmap::layout(&ins, g.rows.len(), g.cols.len(), label_w)
            })
        })
    });
    let markup = Memo::new(move |_| {
        let (Some(g), Some(l), Some(found)) = (grid.get(), layout.get(), marks.get()) else {
            return Vec::new();
        };
        let m = min.get();
        let marks: Vec<Mark> = (0..g.cells.len())
            .map(|k| Mark {
                label: describe(&g, &found, k, m),
                on: false,
                clickable: true,
            })
            .collect();
        let texts: Vec<String> = g
            .cells
            .iter()
            .zip(&g.diffs)
            .map(|(s, &d)| match s.n {
                0 => String::new(),
                _ if !m.met_by(s) => "(n)".to_string(),
                _ => signed(d).replace("0.", "."),
            })
            .collect();
        let rows = row_labels.get();
        let cols: Vec<String> = g.cols.iter().map(|a| a.label.clone()).collect();
        render::heatmap(&l, &cols, &rows, &marks, &texts, 0)
    });
    let table = Memo::new(move |_| {
        let Some(g) = grid.get() else {
            return TableData::default();
        };
        let found = marks.get().unwrap_or_else(|| {
            g.marks(Minimum {
                ratings: u64::MAX,
                people: u64::MAX,
            })
        });
        let m = min.get();
        let mut header = vec![
            row_key.get().title().to_string(),
            if g.centred {
                "row vs everyone"
            } else {
                "row mean"
            }
            .into(),
            "row n".into(),
        ];
        for c in &g.cols {
            header.push(format!("{} (diff)", c.label));
            header.push(format!(
                "{} (under the minimum of {} ratings or {} people)",
                c.label, m.ratings, m.people
            ));
            header.push(format!("{} (n)", c.label));
            header.push(format!("{} (people)", c.label));
            if g.centred {
                header.push(format!("{} (Holm p)", c.label));
            }
        }
        let rows = g
            .rows
            .iter()
            .enumerate()
            .map(|(ri, (r, rs))| {
                let row_mean = if g.centred {
                    signed(rs.mean)
                } else {
                    score(rs.mean)
                };
                let mut row = vec![r.label.clone(), row_mean, rs.n.to_string()];
                for ci in 0..g.cols.len() {
                    let k = ri * g.cols.len() + ci;
                    let s = &g.cells[k];
                    row.push(if s.n == 0 {
                        String::new()
                    } else {
                        signed(g.diffs[k])
                    });
                    row.push(if s.n > 0 && !m.met_by(s) { "yes" } else { "" }.into());
                    row.push(s.n.to_string());
                    row.push(s.people.to_string());
                    if g.centred {
                        let p = found.p_adjusted[k];
                        row.push(if p.is_finite() {
                            Fixed(p, 3).to_string()
                        } else {
                            String::new()
                        });
                    }
                }
                row
            })
            .collect();
        TableData { header, rows }
    });
    let activate = Callback::new(move |k: usize| {
        let Some(g) = grid.get_untracked() else {
            return;
        };
        let Some((r, c)) = g.at(k) else {
            return;
        };
        let (rk, ck) = (row_key.get_untracked(), col_key.get_untracked());
        ctx.edit_filter(|f| {
            if let Some(d) = rk.dim() {
                f.only(d, &r.token);
            }
            if let Some(d) = ck.dim() {
                f.only(d, &c.token);
            }
        });
    });
    let roving = Signal::derive(move || {
        grid.with(|g| g.as_ref().map_or((0, 1), |g| (g.cells.len(), g.cols.len())))
    });
    let size = Signal::derive(move || {
        layout.with(|l| l.as_ref().map_or((200.0, 100.0), |l| (l.width, l.height)))
    });
    // A minimum's field, written to its own signal (and so to the link).
    let min_input = |id: &'static str, label: &'static str, field: RwSignal<u32>| {
        view! {
            <input type="number" min="1" max="100000" class="narrow" id=id aria-label=label
                prop:value=move || field.get().to_string()
                on:change=move |ev| {
                    if let Ok(n) = event_target_value(&ev).parse::<u32>() {
                        field.set(n.clamp(1, 100_000));
                    }
                }/>
        }
    };
    view! {
        <Card id="heatmap" title="Who likes what: demographic × image" table=table detail=detail>
            <div class="controls">
                <label>"Rows " <KeySelect keys=&HEAT_ROWS current=row_key set=|u, k| u.heat_row = k/></label>
                <label>"Columns " <KeySelect keys=&HEAT_COLS current=col_key set=|u, k| u.heat_col = k/></label>
                <span class="minimums" role="group" aria-label="Minimum per cell">"Minimum "
                    {min_input("heat-min-n", "Minimum ratings per cell", ctx.ui.min_n)}
                    " ratings and "
                    {min_input("heat-min-people", "Minimum people per cell", ctx.ui.min_people)}
                    " people"
                </span>
                <label>"Cells "
                    <select id="heat-cells" prop:value=move || if centred.get() { "images" } else { "row" }
                        on:change=move |ev| ctx.ui.heat_images.set(event_target_value(&ev) == "images")>
                        <option value="row">"against the row's mean"</option>
                        <option value="images">"against everyone on the same images"</option>
                    </select>
                </label>
            </div>
            <p class="note muted" data-testid="heat-note">{move || if centred.get() {
                "Each cell: how the row's people rate the column's images against everyone in the selection \
                 who rated the same images (orange higher, blue lower), so it shows how the rows differ, not \
                 which images everyone likes. Hatched cells marked (n) have fewer ratings or people than the minimum."
            } else {
                "Each cell: the cell's mean minus its row's mean (orange above, blue below); it mixes what \
                 the row likes with what everyone likes, which \u{201c}against everyone on the same images\u{201d} \
                 separates. Hatched cells marked (n) have fewer ratings or people than the minimum and are not findings."
            }}</p>
            <p class="note muted" data-testid="heat-marks">{move || match marks.get() {
                Some(m) if centred.get() => format!(
                    "Outlined: {} of the {} cells tested differ from everyone on the same images after Holm's \
                     correction (5% level; intervals count people; cells under the minimum of ratings or \
                     people, or with fewer than 5 people, are not tested).",
                    m.marked.iter().filter(|&&x| x).count(),
                    m.tested
                ),
                _ => "No cell is tested here: a cell against its own row has no test that counts people. \
                      Choose \u{201c}against everyone on the same images\u{201d} to test and mark cells.".to_string(),
            }}</p>
            <p class="legend heat-key" data-testid="heat-key">
                {move || layout.with(|l| l.as_ref().map(|l| crate::charts::heatmap::colour_key(l.scale_max))).unwrap_or_default()
                    .into_iter().map(|(css, words)| view! {
                        <span class="key key-cell" style=format!("background:{css}")></span>{format!(" {words} ")}
                    }).collect_view()}
                <span class="key key-small"></span>{move || format!(" under the minimum of {} ratings or {} people ", min_n.get(), min_people.get())}
                {move || centred.get().then_some(view! { <span class="key key-found"></span>" differs after Holm's correction" })}
            </p>
            <div class="scroll-x">
                <ChartSvg size=size markup=markup detail=detail activate=activate roving=roving
                    label="Heatmap of mean differences"/>
            </div>
        </Card>
    }
}
