//! A participant attribute (age group, gender or nationality) by an image attribute (group or
//! style): each cell shows how far its mean is from its row's overall mean, with n. Cells under
//! the minimum n are hatched and never coloured. Arrow keys move between cells; Enter filters.

use crate::app::use_ctx;
use crate::charts::format::{score, signed, thousands};
use crate::charts::heatmap::{self, CellIn};
use crate::charts::render::{self, Mark};
use crate::charts::text;
use crate::components::card::{Card, TableData};
use crate::components::chart_svg::ChartSvg;
use crate::components::key_select::KeySelect;
use crate::state::{HEAT_COLS, HEAT_ROWS};
use crate::summaries::HeatGrid;
use leptos::prelude::*;

/// The words for one cell: the tooltip, the screen reader's label and the detail line.
fn describe(g: &HeatGrid, k: usize, min_n: u64) -> String {
    let cols = g.cols.len().max(1);
    let (r, c, s) = (&g.rows[k / cols], &g.cols[k % cols], &g.cells[k]);
    if s.n == 0 {
        return format!("{} × {}: no ratings", r.0.label, c.label);
    }
    let small = if s.n < min_n {
        " (fewer than the minimum n: not a finding)"
    } else {
        ""
    };
    format!(
        "{} × {}: mean {} vs row mean {} ({}), n {}{small}",
        r.0.label,
        c.label,
        score(s.mean),
        score(r.1.mean),
        signed(g.diffs[k]),
        thousands(s.n)
    )
}

#[component]
pub fn Heatmap() -> impl IntoView {
    let ctx = use_ctx();
    let detail = RwSignal::new(String::new());
    let row_key = Memo::new(move |_| ctx.ui.heat_row.get());
    let col_key = Memo::new(move |_| ctx.ui.heat_col.get());
    let min_n = Memo::new(move |_| ctx.ui.min_n.get() as u64);
    let grid = Memo::new(move |_| {
        let c = ctx.compiled.get()?;
        let d = ctx.data.get()?;
        Some(HeatGrid::of(&d.ds, &c, row_key.get(), col_key.get()))
    });
    // Each row's label with its mean.
    let row_labels = Memo::new(move |_| {
        grid.with(|g| {
            g.as_ref().map_or(Vec::new(), |g| {
                g.rows
                    .iter()
                    .map(|(a, s)| {
                        if s.n > 0 {
                            format!("{} ({})", a.label, score(s.mean))
                        } else {
                            format!("{} (–)", a.label)
                        }
                    })
                    .collect::<Vec<String>>()
            })
        })
    });
    let layout = Memo::new(move |_| {
        let label_w = row_labels.with(|r| {
            text::label_column(
                r.iter().map(String::as_str),
                text::LABEL_PX,
                480.0,
                60.0,
                0.42,
            )
        });
        grid.with(|g| {
            g.as_ref().map(|g| {
                let ins: Vec<CellIn> = g
                    .cells
                    .iter()
                    .zip(&g.diffs)
                    .map(|(s, &d)| CellIn { n: s.n, diff: d })
                    .collect();
                heatmap::layout(&ins, g.rows.len(), g.cols.len(), min_n.get(), label_w)
            })
        })
    });
    let markup = Memo::new(move |_| {
        let (Some(g), Some(l)) = (grid.get(), layout.get()) else {
            return Vec::new();
        };
        let m = min_n.get();
        let marks: Vec<Mark> = (0..g.cells.len())
            .map(|k| Mark {
                label: describe(&g, k, m),
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
                n if n < m => "(n)".to_string(),
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
        let mut header = vec![
            row_key.get().title().to_string(),
            "row mean".into(),
            "row n".into(),
        ];
        for c in &g.cols {
            header.push(format!("{} (diff)", c.label));
            header.push(format!("{} (n)", c.label));
        }
        let m = min_n.get();
        let rows = g
            .rows
            .iter()
            .enumerate()
            .map(|(ri, (r, rs))| {
                let mut row = vec![r.label.clone(), score(rs.mean), rs.n.to_string()];
                for ci in 0..g.cols.len() {
                    let k = ri * g.cols.len() + ci;
                    let s = &g.cells[k];
                    let d = if s.n == 0 {
                        String::new()
                    } else if s.n < m {
                        format!("({})", signed(g.diffs[k]))
                    } else {
                        signed(g.diffs[k])
                    };
                    row.push(d);
                    row.push(s.n.to_string());
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
    view! {
        <Card id="heatmap" title="Who likes what: demographic × image" table=table detail=detail>
            <div class="controls">
                <label>"Rows " <KeySelect keys=&HEAT_ROWS current=row_key set=|u, k| u.heat_row = k/></label>
                <label>"Columns " <KeySelect keys=&HEAT_COLS current=col_key set=|u, k| u.heat_col = k/></label>
                <label>"Minimum n "
                    <input type="number" min="1" max="10000" class="narrow" prop:value=move || min_n.get().to_string()
                        on:change=move |ev| {
                            if let Ok(n) = event_target_value(&ev).parse::<u32>() {
                                ctx.ui.update(|u| u.min_n = n.clamp(1, 100_000));
                            }
                        }/>
                </label>
            </div>
            <p class="note muted">"Each cell: the cell's mean minus its row's mean (orange above, blue below). \
                Hatched cells marked (n) have fewer ratings than the minimum and are not findings."</p>
            <div class="scroll-x">
                <ChartSvg size=size markup=markup detail=detail activate=activate roving=roving
                    label="Heatmap of mean differences"/>
            </div>
        </Card>
    }
}
