//! Mean score with its 95% interval per visual group or per style, sortable; a row click
//! filters to that value.

use crate::app::use_ctx;
use crate::charts::dotplot::{self, RowIn};
use crate::charts::format::{self, mean_ci, score, thousands};
use crate::components::card::{Card, TableData};
use crate::components::chart_svg::ChartFrame;
use crate::state::MeanSort;
use leptos::prelude::*;
use pamela_core::{query, Key, Summary};

const W: f64 = 560.0;
const LABEL_W: f64 = 170.0;

/// One row's place and words, as its element shows them.
#[derive(Clone, PartialEq)]
struct RowDraw {
    at: dotplot::Row,
    label: String,
    aria: String,
    right: String,
    on: bool,
    missing: bool,
}

#[derive(Clone, PartialEq)]
struct Row {
    /// The value's index: the key of its row's element.
    value: u32,
    token: String,
    label: String,
    s: Summary,
}

#[component]
pub fn Means(key: Key) -> impl IntoView {
    let ctx = use_ctx();
    let detail = RwSignal::new(String::new());
    let sort = Memo::new(move |_| ctx.ui.sort.get());
    let dim = key.dim();
    let rows = Memo::new(move |_| {
        let ov = ctx.overview.get()?;
        let d = ctx.data.get()?;
        let accs = query::regroup(&d.ds, &ov, key)?;
        // Every value keeps its row (empty ones say so): the chart does not jump as filters
        // change, and redraws as a patch.
        let mut rows: Vec<Row> = accs
            .iter()
            .enumerate()
            .map(|(v, a)| Row {
                value: v as u32,
                token: key.token(&d.ds, v as u32),
                label: key.label(&d.ds, v as u32),
                s: a.summary(),
            })
            .collect();
        match sort.get() {
            // Empty rows (NaN means) go last.
            MeanSort::Value => rows.sort_by(|a, b| {
                b.s.mean
                    .is_finite()
                    .cmp(&a.s.mean.is_finite())
                    .then(b.s.mean.total_cmp(&a.s.mean))
            }),
            MeanSort::Name => rows.sort_by_key(|a| a.label.to_lowercase()),
            MeanSort::Count => rows.sort_by_key(|r| std::cmp::Reverse(r.s.n)),
        }
        Some((rows, ov.total.summary().mean))
    });
    let id: &'static str = if key == Key::Style {
        "means-style"
    } else {
        "means-group"
    };
    let layout = Memo::new(move |_| {
        rows.with(|r| {
            r.as_ref().map(|(rows, overall)| {
                let ins: Vec<RowIn> = rows
                    .iter()
                    .map(|r| RowIn {
                        label: r.label.clone(),
                        value: r.s.mean,
                        lo: r.s.lo,
                        hi: r.s.hi,
                    })
                    .collect();
                dotplot::layout(&ins, Some(*overall), W, LABEL_W)
            })
        })
    });
    let selected = Memo::new(move |_| {
        ctx.ui.filter.with(|f| {
            dim.and_then(|d| f.values(d).map(|v| v.to_vec()))
                .unwrap_or_default()
        })
    });
    // What each value's row draws, by value index: a row's element follows its own entry.
    let draws = Memo::new(move |_| {
        let (Some((rows, _)), Some(l)) = (rows.get(), layout.get()) else {
            return Vec::new();
        };
        let mut out: Vec<Option<RowDraw>> = vec![None; rows.len()];
        selected.with(|sel| {
            for (r, g) in rows.iter().zip(&l.rows) {
                let d = RowDraw {
                    at: g.clone(),
                    label: format::clip(&r.label, 26),
                    aria: if r.s.n == 0 {
                        format!("{}: no ratings in this selection", r.label)
                    } else {
                        format!("{}: {}", r.label, mean_ci(r.s.mean, r.s.lo, r.s.hi, r.s.n))
                    },
                    right: thousands(r.s.n),
                    on: sel.contains(&r.token),
                    missing: r.s.n == 0,
                };
                if let Some(slot) = out.get_mut(r.value as usize) {
                    *slot = Some(d);
                }
            }
        });
        out
    });
    let order = Memo::new(move |_| {
        rows.with(|r| {
            r.as_ref()
                .map(|(rows, _)| rows.iter().map(|r| r.value).collect::<Vec<u32>>())
                .unwrap_or_default()
        })
    });
    let ticks = Memo::new(move |_| {
        layout.with(|l| {
            l.as_ref().map_or(Vec::new(), |l| {
                l.x_ticks
                    .iter()
                    .map(|&(x, t)| (format!("{t:.2}"), x, l.plot))
                    .collect::<Vec<_>>()
            })
        })
    });
    let reference = Memo::new(move |_| {
        let overall = rows.with(|r| r.as_ref().map(|r| r.1))?;
        layout.with(|l| {
            let l = l.as_ref()?;
            Some((l.reference_x?, l.plot, format!("all {}", score(overall))))
        })
    });
    let row_h = move || layout.with(|l| l.as_ref().map_or(22.0, |l| l.row_h));
    let plot_right = move || layout.with(|l| l.as_ref().map_or(W, |l| l.plot.2));
    let clickable = dim.is_some();
    let row_view = move |v: u32| {
        let d = Memo::new(move |_| draws.with(|d| d.get(v as usize).cloned().flatten()));
        let get = move |f: fn(&RowDraw) -> String| {
            move || d.with(|d| d.as_ref().map(f).unwrap_or_default())
        };
        // Numbers: an absent row still gets valid coordinates.
        let at = move |f: fn(&dotplot::Row) -> f64| {
            move || format::coord(d.with(|d| d.as_ref().map_or(0.0, |d| f(&d.at))))
        };
        let vis = move || {
            if d.with(|d| d.as_ref().is_none_or(|d| d.missing)) {
                "hidden"
            } else {
                "visible"
            }
        };
        view! {
            <g id=format!("{id}-v{v}") data-k=v.to_string() tabindex="0"
                role=if clickable { "button" } else { "img" }
                class=move || if d.with(|d| d.as_ref().is_some_and(|d| d.on)) { "row mark on" } else { "row mark" }
                aria-label=get(|d| d.aria.clone())
                transform=move || format!("translate(0,{})", at(|r| r.y)())>
                <rect class="hit" x="0" y=move || format::coord(-row_h() / 2.0) width=W.to_string()
                    height=move || format::coord(row_h())></rect>
                <text class="row-label" x=(LABEL_W - 8.0).to_string() y="0" text-anchor="end"
                    dominant-baseline="middle">{get(|d| d.label.clone())}</text>
                <line class="ci" visibility=vis y1="0" y2="0"
                    x1=at(|r| r.x_lo) x2=at(|r| r.x_hi)></line>
                <circle class="dot" visibility=vis cy="0" r="4.5" cx=at(|r| r.x)></circle>
                <text class="row-n" x=move || format::coord(plot_right() + 6.0) y="0"
                    dominant-baseline="middle">{get(|d| d.right.clone())}</text>
            </g>
        }
    };
    let table = Memo::new(move |_| TableData {
        header: [key.title(), "n", "mean", "sd", "95% CI low", "95% CI high"]
            .map(String::from)
            .to_vec(),
        rows: rows.with(|r| {
            r.as_ref().map_or(Vec::new(), |(rows, _)| {
                rows.iter()
                    .filter(|r| r.s.n > 0)
                    .map(|r| {
                        vec![
                            r.label.clone(),
                            r.s.n.to_string(),
                            score(r.s.mean),
                            score(r.s.sd),
                            score(r.s.lo),
                            score(r.s.hi),
                        ]
                    })
                    .collect()
            })
        }),
    });
    let activate = Callback::new(move |k: usize| {
        let token = rows.with_untracked(|r| {
            r.as_ref().and_then(|(rows, _)| {
                rows.iter()
                    .find(|r| r.value as usize == k)
                    .map(|r| r.token.clone())
            })
        });
        if let (Some(d), Some(t)) = (dim, token) {
            ctx.click_filter(d, &t);
        }
    });
    let height = move || layout.with(|l| l.as_ref().map_or(60.0, |l| l.height));
    let title = format!(
        "Mean score by {}",
        if key == Key::Style {
            "style"
        } else {
            "visual group"
        }
    );
    let set_sort = move |ev| {
        let s = match event_target_value(&ev).as_str() {
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
            {(key == Key::Style).then(|| view! {
                <p class="note muted">"Styles exist on Art images only; “(no style)” is every Photorealism image."</p>
            })}
            <ChartFrame view_box=Signal::derive(move || format!("0 0 {W} {:.0}", height())) detail=detail
                activate=activate label=format!("Mean and 95% interval per {}", key.title().to_lowercase())>
                <g class="axis">
                    <For each=move || ticks.get() key=|t| t.0.clone() let((text, x, plot))>
                        <line class="grid" x1=format::coord(x) x2=format::coord(x)
                            y1=format::coord(plot.1) y2=format::coord(plot.3)></line>
                        <text class="tick" x=format::coord(x) y=format::coord(plot.3 + 16.0)
                            text-anchor="middle">{text}</text>
                    </For>
                    {move || reference.get().map(|(x, plot, text)| view! {
                        <line class="reference-line" x1=format::coord(x) x2=format::coord(x)
                            y1=format::coord(plot.1) y2=format::coord(plot.3)></line>
                        <text class="tick" x=format::coord(x + 4.0) y=format::coord(plot.1 + 8.0)>{text}</text>
                    })}
                </g>
                <g class="rows">
                    <For each=move || order.get() key=|v| *v children=row_view/>
                </g>
            </ChartFrame>
            <p class="legend"><span class="key key-dot"></span>" mean, line: 95% interval, right: number of ratings; dashed: all selected ratings"</p>
        </Card>
    }
}
