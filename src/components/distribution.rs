//! Score distribution of the selection (share per bin), optionally over the whole dataset's, and
//! the counts per quality label. A bar click sets the score range; a label click the label.

use crate::app::use_ctx;
use crate::charts::brush::End;
use crate::charts::format::Fixed;
use crate::charts::format::{mean_ci, score, thousands};
use crate::charts::histogram;
use crate::charts::render::{self, BrushMarks, HistOpts, Mark, Slider};
use crate::components::card::{Card, TableData};
use crate::components::chart_svg::{chart_width, Brush, ChartSvg};
use leptos::prelude::*;
use pamela_core::query;
use pamela_core::{Dim, Label};

const H: f64 = 230.0;

#[component]
pub fn Distribution() -> impl IntoView {
    let ctx = use_ctx();
    let detail = RwSignal::new(String::new());
    let width = chart_width();
    let bins = Memo::new(move |_| ctx.ui.bins.get() as usize);
    let overall_on = Memo::new(move |_| ctx.ui.overall.get());
    let range = Memo::new(move |_| ctx.ui.filter.with(|f| f.score));
    // Bars: the distribution under every filter but the score range, so a picked range shows
    // inside its context.
    let hist = Memo::new(move |_| {
        let ov = ctx.overview.get()?;
        let b = bins.get();
        let counts = query::histogram(&ov.score_facet, b);
        let reference = overall_on
            .get()
            .then(|| {
                ctx.data.with(|d| {
                    d.as_ref()
                        .map(|d| query::histogram(&d.overall.score_counts, b))
                })
            })
            .flatten();
        Some((counts, reference))
    });
    let layout = Memo::new(move |_| {
        hist.get()
            .map(|(c, r)| histogram::layout(&c, r.as_deref(), range.get(), width.get(), H))
    });
    let markup = Memo::new(move |_| {
        let Some(l) = layout.get() else {
            return Vec::new();
        };
        let outside = range.get().is_some();
        let marks: Vec<Mark> = l
            .bars
            .iter()
            .map(|b| Mark {
                label: format!(
                    "scores {}–{}: {} ratings ({}% of the selection){}",
                    Fixed(b.lo as f64 / 1000.0, 2),
                    Fixed(b.hi as f64 / 1000.0, 2),
                    thousands(b.count),
                    Fixed(b.share * 100.0, 1),
                    if outside && !b.selected {
                        ", outside the score filter"
                    } else {
                        ""
                    }
                ),
                on: outside && b.selected,
                clickable: true,
            })
            .collect();
        let bins = l.bars.len();
        let steps = range.get().map(|r| histogram::score_steps(r, bins));
        // An end on bin k sits at that bin's low score (the low end) or high score (the high end).
        let slider = |end: End, k: usize, x: f64| {
            let (lo, hi) = histogram::score_range((k, k), bins);
            let (name, v) = match end {
                End::Low => ("lowest score", lo),
                End::High => ("highest score", hi),
            };
            Slider {
                name: name.into(),
                min: 1.0,
                max: 5.0,
                now: v as f64 / 1000.0,
                text: score(v as f64 / 1000.0),
                x,
            }
        };
        let o = HistOpts {
            id_prefix: "dist",
            x_title: "score",
            height: H,
            brush: Some(BrushMarks::over(&l.axis(), steps, slider)),
        };
        render::histogram(&l, &marks, &o)
    });
    // A range of bins as the score filter (the whole axis: no filter), said in the live line.
    let set_steps = move |steps: (usize, usize)| {
        let Some(bins) = layout.with_untracked(|l| l.as_ref().map(|l| l.bars.len())) else {
            return;
        };
        let all = layout.with_untracked(|l| l.as_ref().is_some_and(|l| l.axis().is_all(steps)));
        let want = (!all).then(|| histogram::score_range(steps, bins));
        if ctx.ui.filter.with_untracked(|f| f.score) != want {
            ctx.edit_filter(|f| f.score = want);
        }
        detail.set(match want {
            Some((lo, hi)) => format!(
                "score range {}–{}",
                score(lo as f64 / 1000.0),
                score(hi as f64 / 1000.0)
            ),
            None => "every score".to_string(),
        });
    };
    let brush = Brush::over_bars(
        layout,
        move |l| {
            range
                .get_untracked()
                .map(|r| histogram::score_steps(r, l.bars.len()))
        },
        set_steps,
    );
    let table = Memo::new(move |_| {
        let Some(l) = layout.get() else {
            return TableData::default();
        };
        let reference = hist.with(|h| h.as_ref().and_then(|h| h.1.clone()));
        let ref_total: u64 = reference.as_ref().map_or(0, |r| r.iter().sum());
        let mut header = vec!["score bin".to_string(), "ratings".into(), "share".into()];
        if reference.is_some() {
            header.push("share of all ratings".into());
        }
        let rows = l
            .bars
            .iter()
            .enumerate()
            .map(|(k, b)| {
                let mut r = vec![
                    format!(
                        "{}–{}",
                        Fixed(b.lo as f64 / 1000.0, 3),
                        Fixed(b.hi as f64 / 1000.0, 3)
                    ),
                    b.count.to_string(),
                    Fixed(b.share, 4).to_string(),
                ];
                if let Some(rf) = &reference {
                    r.push(format!(
                        "{}",
                        Fixed(
                            if ref_total > 0 {
                                rf[k] as f64 / ref_total as f64
                            } else {
                                0.0
                            },
                            4
                        )
                    ));
                }
                r
            })
            .collect();
        TableData { header, rows }
    });
    let summary = move || {
        ctx.overview.with(|o| {
            o.as_ref().map(|o| {
                let s = o.summary();
                let median = pamela_core::stats::median_from_counts(&o.score_counts);
                format!(
                    "{}; sd {}; median {}",
                    mean_ci(&s, ctx.ui.independent.get()),
                    score(s.sd),
                    score(median)
                )
            })
        })
    };
    let activate = Callback::new(move |k: usize| {
        let Some((lo, hi)) =
            layout.with_untracked(|l| l.as_ref().and_then(|l| l.bars.get(k).map(|b| (b.lo, b.hi))))
        else {
            return;
        };
        ctx.edit_filter(|f| {
            f.score = if f.score == Some((lo, hi)) {
                None
            } else {
                Some((lo, hi))
            }
        });
    });
    // Ratings per label, and which labels are chosen: each button's text, bar and state follow
    // these, while the buttons themselves are made once.
    let label_counts = Memo::new(move |_| {
        ctx.overview.with(|o| {
            o.as_ref()
                .map_or_else(Vec::new, |o| o.facets.of(Dim::Label).to_vec())
        })
    });
    let label_chosen = Memo::new(move |_| {
        ctx.ui
            .filter
            .with(|f| f.values(Dim::Label).map(|v| v.to_vec()).unwrap_or_default())
    });
    let labels = Label::ALL
        .into_iter()
        .map(|l| {
            let name = l.name();
            let n = move || label_counts.with(|c| c.get(l.index() as usize).copied().unwrap_or(0));
            let width = move || {
                let max = label_counts.with(|c| c.iter().copied().max().unwrap_or(1).max(1));
                format!("width:{}%",Fixed(100.0 * n() as f64 / max as f64, 1))
            };
            let id = format!("dist-label-{name}");
            let id2 = id.clone();
            view! {
                <li>
                    <button type="button" id=id class="label-bar"
                        aria-pressed=move || label_chosen.with(|v| v.iter().any(|s| s == name)).to_string()
                        title=move || format!("label {name}: {} ratings", thousands(n()))
                        on:click=move |_| { ctx.click_filter(Dim::Label, name); crate::dom::refocus(&id2); }>
                        <span class="label-name">{name}</span>
                        <span class="label-track"><span class="label-fill" style=width></span></span>
                        <span class="n">{move || thousands(n())}</span>
                    </button>
                </li>
            }
        })
        .collect_view();
    Effect::new(move |_| {
        if markup.with(|m| !m.is_empty()) {
            crate::perf::mark_once("pamela:first-chart");
        }
    });
    let set_bins = move |ev| {
        if let Ok(b) = event_target_value(&ev).parse::<u16>() {
            ctx.ui.update(|u| u.bins = b.clamp(2, 200));
        }
    };
    view! {
        <Card id="distribution" title="Score distribution" table=table detail=detail>
            <div class="controls">
                <label>"Bins "
                    <select on:change=set_bins prop:value=move || bins.get().to_string()>
                        {[4u16, 8, 10, 16, 20, 40, 80].into_iter().map(|b| view! { <option value=b.to_string()>{b.to_string()}</option> }).collect_view()}
                    </select>
                </label>
                <label class="check">
                    <input type="checkbox" prop:checked=move || overall_on.get()
                        on:change=move |ev| ctx.ui.update(|u| u.overall = event_target_checked(&ev))/>
                    " Show all ratings (outline)"
                </label>
            </div>
            <p class="summary">{summary}</p>
            <ChartSvg size=Signal::derive(move || (width.get(), H)) measure=width markup=markup detail=detail activate=activate
                brush=brush label="Histogram of scores in the selection; a bar sets the score filter, a drag across the bars a score range"/>
            <p class="legend">
                <span class="key key-bar"></span>" selection (share per bin)"
                {move || overall_on.get().then(|| view! { <span class="key key-ref"></span>" all ratings" })}
            </p>
            <h3 class="sub">"Quality labels"</h3>
            <ul class="labels" aria-label="Ratings per quality label; press a label to filter">{labels}</ul>
        </Card>
    }
}
