//! Mean score with its 95% interval per visual group or per style, sortable; a row click
//! filters to that value.

use crate::app::use_ctx;
use crate::charts::dotplot::{self, RowIn};
use crate::charts::format::Fixed;
use crate::charts::format::{interval_kind, mean_ci, score, thousands};
use crate::charts::render::{self, DotOpts, DotRow, Mark};
use crate::components::card::{Card, TableData};
use crate::components::chart_svg::{chart_width, ChartSvg};
use crate::state::MeanSort;
use leptos::prelude::*;
use pamela_core::{query, Key, Summary};

#[derive(Clone, PartialEq)]
struct Row {
    /// The value's index.
    value: u32,
    token: String,
    label: String,
    s: Summary,
}

#[component]
pub fn Means(key: Key) -> impl IntoView {
    let ctx = use_ctx();
    let detail = RwSignal::new(String::new());
    let width = chart_width();
    // Each chart has its own order: the group chart's menu never re-sorts the styles.
    let by_style = key == Key::Style;
    let sort = Memo::new(move |_| {
        if by_style {
            ctx.ui.sort_style.get()
        } else {
            ctx.ui.sort.get()
        }
    });
    let independent = Memo::new(move |_| ctx.ui.independent.get());
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
            MeanSort::Name => rows.sort_by_key(|a| pamela_core::vocab::fold_case(&a.label)),
            MeanSort::Count => rows.sort_by_key(|r| std::cmp::Reverse(r.s.n)),
        }
        Some((rows, ov.summary().mean))
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
                    .map(|r| {
                        let (lo, hi) = r.s.interval(independent.get());
                        RowIn {
                            label: r.label.clone(),
                            value: r.s.mean,
                            lo,
                            hi,
                        }
                    })
                    .collect();
                dotplot::layout(&ins, Some(*overall), width.get())
            })
        })
    });
    let markup = Memo::new(move |_| {
        let (Some((rows, overall)), Some(l)) = (rows.get(), layout.get()) else {
            return Vec::new();
        };
        let selected = ctx.ui.filter.with(|f| {
            dim.and_then(|d| f.values(d).map(|v| v.to_vec()))
                .unwrap_or_default()
        });
        let dots: Vec<DotRow> = rows
            .iter()
            .map(|r| DotRow {
                key: r.value,
                mark: Mark {
                    label: if r.s.n == 0 {
                        format!("{}: no ratings in this selection", r.label)
                    } else {
                        format!("{}: {}", r.label, mean_ci(&r.s, independent.get()))
                    },
                    on: selected.contains(&r.token),
                    clickable: dim.is_some(),
                },
                label: r.label.clone(),
                right: format!("{} · {}", thousands(r.s.n), r.s.people),
                missing: r.s.n == 0,
                ..Default::default()
            })
            .collect();
        let o = DotOpts {
            id_prefix: id,
            tick: |t| Fixed(t, 2).to_string(),
            reference_label: Some(format!("all {}", score(overall))),
            axis_title: None,
            reference_class: "reference-line",
        };
        render::dot_rows(&l, &dots, &o)
    });
    let table = Memo::new(move |_| TableData {
        header: [
            key.title(),
            "ratings",
            "people",
            "mean",
            "sd",
            "95% CI low (people)",
            "95% CI high (people)",
            "95% CI low (independent)",
            "95% CI high (independent)",
        ]
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
                            r.s.people.to_string(),
                            score(r.s.mean),
                            score(r.s.sd),
                            score(r.s.lo),
                            score(r.s.hi),
                            score(r.s.lo_ind),
                            score(r.s.hi_ind),
                        ]
                    })
                    .collect()
            })
        }),
    });
    let activate = Callback::new(move |k: usize| {
        let token = rows.with_untracked(|r| {
            r.as_ref()
                .and_then(|(rows, _)| rows.get(k).map(|r| r.token.clone()))
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
        if by_style {
            ctx.ui.sort_style.set(s);
        } else {
            ctx.ui.sort.set(s);
        }
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
            <ChartSvg size=Signal::derive(move || (width.get(), height())) measure=width markup=markup detail=detail
                activate=activate label=format!("Mean and 95% interval per {}", key.title().to_ascii_lowercase())/>
            <p class="legend"><span class="key key-dot"></span>{move || format!(" mean, line: 95% interval {}, right: ratings · people; dashed: all selected ratings; no line: fewer than 5 people", interval_kind(independent.get()))}</p>
        </Card>
    }
}
