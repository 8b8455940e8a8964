//! Mean score with its 95% interval per visual group or per style, sortable; a row click
//! filters to that value.

use crate::app::use_ctx;
use crate::charts::dotplot::{self, RowIn};
use crate::charts::format::{clip, mean_ci, score, thousands};
use crate::components::card::{on_activate, Card, TableData};
use crate::components::filters::value_label;
use crate::state::MeanSort;
use leptos::prelude::*;
use pamela_core::{query, Key, Summary};

const W: f64 = 560.0;
const LABEL_W: f64 = 170.0;

#[derive(Clone, PartialEq)]
struct Row {
    value: u32,
    token: String,
    label: String,
    s: Summary,
}

#[component]
pub fn Means(key: Key) -> impl IntoView {
    let ctx = use_ctx();
    let detail = RwSignal::new(String::new());
    let sort = Memo::new(move |_| ctx.ui.with(|u| u.sort));
    let rows = Memo::new(move |_| {
        let ov = ctx.overview.get()?;
        let d = ctx.data.get()?;
        let accs = query::regroup(&d.ds, &ov, key)?;
        let mut rows: Vec<Row> = accs
            .iter()
            .enumerate()
            .filter(|(_, a)| a.n > 0)
            .map(|(v, a)| Row {
                value: v as u32,
                token: key.token(&d.ds, v as u32),
                label: value_label(key, &d.ds, v as u32),
                s: a.summary(),
            })
            .collect();
        match sort.get() {
            MeanSort::Value => rows.sort_by(|a, b| b.s.mean.total_cmp(&a.s.mean)),
            MeanSort::Name => rows.sort_by(|a, b| a.label.to_lowercase().cmp(&b.label.to_lowercase())),
            MeanSort::Count => rows.sort_by(|a, b| b.s.n.cmp(&a.s.n)),
        }
        Some((rows, ov.total.summary().mean))
    });
    let layout = Memo::new(move |_| {
        rows.with(|r| {
            r.as_ref().map(|(rows, overall)| {
                let ins: Vec<RowIn> = rows
                    .iter()
                    .map(|r| RowIn { label: r.label.clone(), value: r.s.mean, lo: r.s.lo, hi: r.s.hi })
                    .collect();
                dotplot::layout(&ins, Some(*overall), W, LABEL_W)
            })
        })
    });
    let table = Memo::new(move |_| TableData {
        header: [key.title(), "n", "mean", "sd", "95% CI low", "95% CI high"].map(String::from).to_vec(),
        rows: rows.with(|r| {
            r.as_ref().map_or(Vec::new(), |(rows, _)| {
                rows.iter()
                    .map(|r| vec![r.label.clone(), r.s.n.to_string(), score(r.s.mean), score(r.s.sd), score(r.s.lo), score(r.s.hi)])
                    .collect()
            })
        }),
    });
    let id: &'static str = if key == Key::Style { "means-style" } else { "means-group" };
    let dim = key.dim();
    let marks = move || {
        let (Some((rows, overall)), Some(l)) = (rows.get(), layout.get()) else { return None };
        let selected = ctx.ui.with(|u| dim.and_then(|d| u.filter.values(d).map(|v| v.to_vec())).unwrap_or_default());
        Some(view! {
            <g class="axis">
                {l.x_ticks.iter().map(|(x, t)| view! {
                    <line class="grid" x1=*x x2=*x y1=l.plot.1 y2=l.plot.3></line>
                    <text class="tick" x=*x y=l.plot.3 + 16.0 text-anchor="middle">{format!("{t:.2}")}</text>
                }).collect_view()}
                {l.reference_x.map(|x| view! {
                    <line class="reference-line" x1=x x2=x y1=l.plot.1 y2=l.plot.3></line>
                    <text class="tick" x=x y=l.plot.1 + 8.0 dx="4">{format!("all {}", score(overall))}</text>
                })}
            </g>
            {rows.into_iter().zip(l.rows.iter().cloned()).enumerate().map(|(k, (r, g))| {
                let text = format!("{}: {}", r.label, mean_ci(r.s.mean, r.s.lo, r.s.hi, r.s.n));
                let token = r.token.clone();
                let on = selected.contains(&r.token);
                let mid = format!("{id}-m{k}");
                let mid2 = mid.clone();
                let t2 = text.clone();
                let click = move || if let Some(d) = dim { ctx.click_filter(d, &token) };
                let click2 = click.clone();
                view! {
                    <g id=mid class="row mark" class:on=on tabindex="0" role="button"
                        aria-label=format!("{text}. Press Enter to filter to it.")
                        on:click=move |_| click()
                        on:keydown=on_activate(move || { click2(); crate::dom::refocus(&mid2); })
                        on:focus=move |_| detail.set(t2.clone())
                        on:mouseenter={let t = text.clone(); move |_| detail.set(t.clone())}>
                        <title>{text.clone()}</title>
                        <rect class="hit" x="0" y=g.y - l.row_h / 2.0 width=W height=l.row_h></rect>
                        <text class="row-label" x=LABEL_W - 8.0 y=g.y text-anchor="end" dominant-baseline="middle">{clip(&r.label, 26)}</text>
                        <line class="ci" x1=g.x_lo x2=g.x_hi y1=g.y y2=g.y></line>
                        <circle class="dot" cx=g.x cy=g.y r="4.5"></circle>
                        <text class="row-n" x=l.plot.2 + 6.0 y=g.y dominant-baseline="middle">{thousands(r.s.n)}</text>
                    </g>
                }
            }).collect_view()}
        })
    };
    let height = move || layout.with(|l| l.as_ref().map_or(60.0, |l| l.height));
    let title = format!("Mean score by {}", if key == Key::Style { "style" } else { "visual group" });
    let set_sort = move |ev| {
        let v = event_target_value(&ev);
        let s = match v.as_str() {
            "name" => MeanSort::Name,
            "n" => MeanSort::Count,
            _ => MeanSort::Value,
        };
        ctx.ui.update(|u| u.sort = s);
    };
    view! {
        <Card id=id title=title table=table detail=detail>
            <div class="controls">
                <label>"Sort by "
                    <select on:change=set_sort prop:value=move || match sort.get() {
                        MeanSort::Value => "value", MeanSort::Name => "name", MeanSort::Count => "n" }>
                        <option value="value">"mean"</option>
                        <option value="name">"name"</option>
                        <option value="n">"number of ratings"</option>
                    </select>
                </label>
            </div>
            {move || (key == Key::Style).then(|| view! {
                <p class="note muted">"Styles exist on Art images only; “(no style)” is every Photorealism image."</p>
            })}
            <svg class="chart" viewBox=move || format!("0 0 {W} {:.0}", height()) role="group"
                aria-label=format!("Mean and 95% interval per {}; rows are focusable", key.title().to_lowercase())>
                {marks}
            </svg>
            <p class="legend"><span class="key key-dot"></span>" mean, line: 95% interval, right: number of ratings; dashed: all selected ratings"</p>
        </Card>
    }
}
