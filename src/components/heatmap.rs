//! A participant attribute (age group, gender or nationality) by an image attribute (group or
//! style): each cell shows how far its mean is from its row's overall mean, with n. Cells under
//! the minimum n are hatched and never coloured. Arrow keys move between cells; Enter filters.

use crate::app::use_ctx;
use crate::charts::format::{clip, score, signed, thousands};
use crate::charts::heatmap::{self, CellIn};
use crate::components::card::{Card, TableData};
use crate::components::filters::value_label;
use crate::state::{HEAT_COLS, HEAT_ROWS};
use leptos::prelude::*;
use pamela_core::{query, Key};

const LABEL_W: f64 = 170.0;

#[derive(Clone, PartialEq)]
struct Axis {
    value: u32,
    token: String,
    label: String,
}

#[derive(Clone, PartialEq)]
struct Grid {
    rows: Vec<(Axis, pamela_core::Summary)>,
    cols: Vec<Axis>,
    /// Row-major over the shown rows and columns.
    cells: Vec<pamela_core::Summary>,
    diffs: Vec<f64>,
}

#[component]
pub fn Heatmap() -> impl IntoView {
    let ctx = use_ctx();
    let detail = RwSignal::new(String::new());
    let row_key = Memo::new(move |_| ctx.ui.with(|u| u.heat_row));
    let col_key = Memo::new(move |_| ctx.ui.with(|u| u.heat_col));
    let min_n = Memo::new(move |_| ctx.ui.with(|u| u.min_n));
    let active = RwSignal::new(0usize);
    let grid = Memo::new(move |_| {
        let c = ctx.compiled.get()?;
        let d = ctx.data.get()?;
        let (rk, ck) = (row_key.get(), col_key.get());
        let t = query::cross(&d.ds, &c, rk, Some(ck));
        let totals = t.row_totals();
        let row_order: Vec<u32> = if rk == Key::AgeBin {
            d.ds.age_bin_order().into_iter().map(u32::from).collect()
        } else {
            (0..t.rows as u32).collect()
        };
        let mut col_n = vec![0u64; t.cols];
        for r in 0..t.rows {
            for (c, n) in col_n.iter_mut().enumerate() {
                *n += t.cell(r, c).n;
            }
        }
        let axis = |k: Key, v: u32| Axis { value: v, token: k.token(&d.ds, v), label: value_label(k, &d.ds, v) };
        let rows: Vec<(Axis, pamela_core::Summary)> = row_order
            .into_iter()
            .filter(|&r| totals[r as usize].n > 0)
            .map(|r| (axis(rk, r), totals[r as usize].summary()))
            .collect();
        let cols: Vec<Axis> = (0..t.cols as u32).filter(|&c| col_n[c as usize] > 0).map(|c| axis(ck, c)).collect();
        let mut cells = Vec::with_capacity(rows.len() * cols.len());
        let mut diffs = Vec::with_capacity(rows.len() * cols.len());
        for (r, rs) in &rows {
            for c in &cols {
                let s = t.cell(r.value as usize, c.value as usize).summary();
                diffs.push(if s.n > 0 { s.mean - rs.mean } else { f64::NAN });
                cells.push(s);
            }
        }
        Some(Grid { rows, cols, cells, diffs })
    });
    let layout = Memo::new(move |_| {
        grid.with(|g| {
            g.as_ref().map(|g| {
                let ins: Vec<CellIn> = g.cells.iter().zip(&g.diffs).map(|(s, &d)| CellIn { n: s.n, diff: d }).collect();
                heatmap::layout(&ins, g.rows.len(), g.cols.len(), min_n.get() as u64, LABEL_W)
            })
        })
    });
    let table = Memo::new(move |_| {
        let Some(g) = grid.get() else { return TableData::default() };
        let mut header = vec![row_key.get().title().to_string(), "row mean".into(), "row n".into()];
        for c in &g.cols {
            header.push(format!("{} (diff)", c.label));
            header.push(format!("{} (n)", c.label));
        }
        let m = min_n.get() as u64;
        let rows = g
            .rows
            .iter()
            .enumerate()
            .map(|(ri, (r, rs))| {
                let mut row = vec![r.label.clone(), score(rs.mean), rs.n.to_string()];
                for ci in 0..g.cols.len() {
                    let k = ri * g.cols.len() + ci;
                    let s = &g.cells[k];
                    let d = if s.n == 0 { String::new() } else if s.n < m { format!("({})", signed(g.diffs[k])) } else { signed(g.diffs[k]) };
                    row.push(d);
                    row.push(s.n.to_string());
                }
                row
            })
            .collect();
        TableData { header, rows }
    });
    let filter_cell = move |k: usize| {
        let Some(g) = grid.get_untracked() else { return };
        let cols = g.cols.len().max(1);
        let (r, c) = (&g.rows[k / cols].0, &g.cols[k % cols]);
        let (rk, ck) = (row_key.get_untracked(), col_key.get_untracked());
        ctx.edit_filter(|f| {
            if let Some(d) = rk.dim() {
                f.only(d, &r.token);
            }
            if let Some(d) = ck.dim() {
                f.only(d, &c.token);
            }
        });
    };
    let describe = move |k: usize| -> String {
        grid.with_untracked(|g| {
            let Some(g) = g else { return String::new() };
            let cols = g.cols.len().max(1);
            let (r, c, s) = (&g.rows[k / cols], &g.cols[k % cols], &g.cells[k]);
            if s.n == 0 {
                return format!("{} × {}: no ratings", r.0.label, c.label);
            }
            let small = if s.n < min_n.get_untracked() as u64 { " (fewer than the minimum: not a finding)" } else { "" };
            format!(
                "{} × {}: mean {} vs row mean {} ({}), n {}{}",
                r.0.label, c.label, score(s.mean), score(r.1.mean), signed(g.diffs[k]), thousands(s.n), small
            )
        })
    };
    let on_key = move |ev: web_sys::KeyboardEvent| {
        let Some((nr, nc)) = grid.with_untracked(|g| g.as_ref().map(|g| (g.rows.len(), g.cols.len()))) else { return };
        if nr * nc == 0 {
            return;
        }
        let k = active.get_untracked().min(nr * nc - 1);
        let (r, c) = (k / nc, k % nc);
        let next = match ev.key().as_str() {
            "ArrowRight" => Some(r * nc + (c + 1).min(nc - 1)),
            "ArrowLeft" => Some(r * nc + c.saturating_sub(1)),
            "ArrowDown" => Some((r + 1).min(nr - 1) * nc + c),
            "ArrowUp" => Some(r.saturating_sub(1) * nc + c),
            "Home" => Some(r * nc),
            "End" => Some(r * nc + nc - 1),
            "Enter" | " " => {
                ev.prevent_default();
                filter_cell(k);
                crate::dom::refocus(&format!("heat-c{k}"));
                None
            }
            _ => None,
        };
        if let Some(n) = next {
            ev.prevent_default();
            active.set(n);
            detail.set(describe(n));
            crate::dom::refocus(&format!("heat-c{n}"));
        }
    };
    let marks = move || {
        let (Some(g), Some(l)) = (grid.get(), layout.get()) else { return None };
        let nc = g.cols.len();
        let act = active.get().min((g.rows.len() * nc).saturating_sub(1));
        let s = l.size;
        Some(view! {
            <defs>
                <pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
                    <line class="hatch-line" x1="0" y1="0" x2="0" y2="6"></line>
                </pattern>
            </defs>
            {g.cols.iter().enumerate().map(|(ci, c)| {
                let x = l.label_w + ci as f64 * s + s / 2.0;
                view! {
                    <text class="col-label" transform=format!("translate({x:.1},{:.1}) rotate(-55)", l.header_h - 6.0)>
                        <title>{c.label.clone()}</title>{clip(&c.label, 18)}
                    </text>
                }
            }).collect_view()}
            {g.rows.iter().enumerate().map(|(ri, (r, rs))| {
                let y = l.header_h + ri as f64 * s + s / 2.0;
                view! {
                    <text class="row-label" x=l.label_w - 8.0 y=y text-anchor="end" dominant-baseline="middle">
                        <title>{format!("{}: mean {}, n {}", r.label, score(rs.mean), thousands(rs.n))}</title>
                        {format!("{} ({})", clip(&r.label, 16), score(rs.mean))}
                    </text>
                }
            }).collect_view()}
            {l.cells.iter().enumerate().map(|(k, cell)| {
                let d = g.diffs[k];
                let n = g.cells[k].n;
                let text = if n == 0 { String::new() } else { signed(d) };
                let label = describe(k);
                let l2 = label.clone();
                view! {
                    <g id=format!("heat-c{k}") class="cell mark" class:small=cell.small class:empty=cell.empty
                        tabindex=if k == act { "0" } else { "-1" } role="button"
                        aria-label=format!("{label}. Enter filters to this cell; arrow keys move.")
                        on:keydown=on_key
                        on:click=move |_| { active.set(k); filter_cell(k); }
                        on:focus=move |_| { active.set(k); detail.set(l2.clone()); }
                        on:mouseenter={let t = label.clone(); move |_| detail.set(t.clone())}>
                        <title>{label.clone()}</title>
                        <rect class="cell-bg" x=cell.x y=cell.y width=s - 1.0 height=s - 1.0></rect>
                        <rect x=cell.x y=cell.y width=s - 1.0 height=s - 1.0
                            fill=if cell.small { "url(#hatch)" } else { cell.fill } fill-opacity=if cell.small { 1.0 } else { cell.opacity }></rect>
                        <text class="cell-text" class:muted=cell.small x=cell.x + s / 2.0 - 0.5 y=cell.y + s / 2.0
                            text-anchor="middle" dominant-baseline="middle">
                            {if cell.small { format!("({})", text.trim_start_matches(['+', '−']).chars().take(4).collect::<String>()) } else { text.replace("0.", ".") }}
                        </text>
                    </g>
                }
            }).collect_view()}
        })
    };
    let size = move || layout.with(|l| l.as_ref().map_or((200.0, 100.0), |l| (l.width, l.height)));
    let select = move |keys: &'static [Key], current: Memo<Key>, set: fn(&mut crate::state::UiState, Key)| {
        view! {
            <select prop:value=move || current.get().name() on:change=move |ev| {
                if let Some(k) = Key::from_name(&event_target_value(&ev)) { ctx.ui.update(|u| set(u, k)); }
            }>
                {keys.iter().map(|k| view! { <option value=k.name()>{k.title()}</option> }).collect_view()}
            </select>
        }
    };
    view! {
        <Card id="heatmap" title="Who likes what: demographic × image" table=table detail=detail>
            <div class="controls">
                <label>"Rows " {select(&HEAT_ROWS, row_key, |u, k| u.heat_row = k)}</label>
                <label>"Columns " {select(&HEAT_COLS, col_key, |u, k| u.heat_col = k)}</label>
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
                Hatched cells have fewer ratings than the minimum and are not findings."</p>
            <div class="scroll-x">
                <svg class="chart" width=move || size().0 height=move || size().1 viewBox=move || format!("0 0 {:.0} {:.0}", size().0, size().1)
                    role="group" aria-label="Heatmap; Tab to the grid, arrow keys move between cells">
                    {marks}
                </svg>
            </div>
        </Card>
    }
}
