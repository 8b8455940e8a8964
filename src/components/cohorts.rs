//! Cohort comparison: two cohorts defined by any filters (on top of the current selection), and
//! the difference of their means per group, style or type with Welch 95% intervals.

use crate::app::use_ctx;
use crate::charts::dotplot::{self, RowIn};
use crate::charts::format::{clip, score, signed, thousands};
use crate::components::card::{on_activate, Card, TableData};
use crate::components::filters::{value_label, FilterPanel, Target};
use crate::state::{FilterSpec, COMPARE_BY};
use leptos::prelude::*;
use pamela_core::query::{self, Compiled, CohortRow};
use pamela_core::{Dim, Key};

const W: f64 = 560.0;
const LABEL_W: f64 = 170.0;

/// Plain-words summary of a cohort definition.
pub fn describe(spec: &FilterSpec) -> String {
    let mut parts = Vec::new();
    if let Some((a, b)) = spec.age {
        parts.push(format!("age {a}–{b}"));
    }
    for (d, v) in &spec.sets {
        parts.push(format!("{} {}", d.key().title().to_lowercase(), v.join(" or ")));
    }
    if let Some(p) = &spec.participant {
        parts.push(format!("participant {p}"));
    }
    if parts.is_empty() {
        "everyone selected".into()
    } else {
        parts.join(", ")
    }
}

fn preset(name: &str) -> (FilterSpec, FilterSpec) {
    let mut a = FilterSpec::default();
    let mut b = FilterSpec::default();
    match name {
        "gender" => {
            a.only(Dim::Gender, "female");
            b.only(Dim::Gender, "male");
        }
        "age" => {
            a.age = Some((19, 29));
            b.age = Some((50, 60));
        }
        _ => {
            for s in ["train", "val_seen", "test_seen"] {
                a.toggle(Dim::Split, s);
            }
            for s in ["val_unseen", "test_unseen"] {
                b.toggle(Dim::Split, s);
            }
        }
    }
    (a, b)
}

#[component]
pub fn Cohorts() -> impl IntoView {
    let ctx = use_ctx();
    let detail = RwSignal::new(String::new());
    let by = Memo::new(move |_| ctx.ui.with(|u| u.compare_by));
    let specs = Memo::new(move |_| ctx.ui.with(|u| (u.cohort_a.clone(), u.cohort_b.clone())));
    let result = Memo::new(move |_| {
        let d = ctx.data.get()?;
        let main = ctx.filter.get();
        let (a, b) = specs.get();
        let fa = main.overlay(&a.resolve(&d.ds).0);
        let fb = main.overlay(&b.resolve(&d.ds).0);
        let key = by.get();
        let rows = query::compare(&d.ds, &Compiled::new(&d.ds, &fa), &Compiled::new(&d.ds, &fb), key);
        let domain = key.domain(&d.ds) as u32;
        let labelled: Vec<(String, String, CohortRow)> = rows
            .into_iter()
            .map(|r| {
                if r.value == domain {
                    ("all".to_string(), "All selected".to_string(), r)
                } else {
                    (key.token(&d.ds, r.value), value_label(key, &d.ds, r.value), r)
                }
            })
            .collect();
        Some(labelled)
    });
    let layout = Memo::new(move |_| {
        result.with(|r| {
            r.as_ref().map(|rows| {
                let ins: Vec<RowIn> = rows
                    .iter()
                    .map(|(_, label, r)| match r.diff {
                        Some(d) => RowIn { label: label.clone(), value: d.diff, lo: d.lo, hi: d.hi },
                        None => RowIn { label: label.clone(), value: f64::NAN, lo: f64::NAN, hi: f64::NAN },
                    })
                    .collect();
                dotplot::layout(&ins, Some(0.0), W, LABEL_W)
            })
        })
    });
    let table = Memo::new(move |_| TableData {
        header: [by.get().title(), "A mean", "A n", "B mean", "B n", "A − B", "95% CI low", "95% CI high"]
            .map(String::from)
            .to_vec(),
        rows: result.with(|r| {
            r.as_ref().map_or(Vec::new(), |rows| {
                rows.iter()
                    .map(|(_, label, r)| {
                        let (d, lo, hi) = r.diff.map_or((String::new(), String::new(), String::new()), |d| (signed(d.diff), score(d.lo), score(d.hi)));
                        vec![label.clone(), score(r.a.mean), r.a.n.to_string(), score(r.b.mean), r.b.n.to_string(), d, lo, hi]
                    })
                    .collect()
            })
        }),
    });
    let marks = move || {
        let (Some(rows), Some(l)) = (result.get(), layout.get()) else { return None };
        let dim = by.get().dim();
        Some(view! {
            <g class="axis">
                {l.x_ticks.iter().map(|(x, t)| view! {
                    <line class="grid" x1=*x x2=*x y1=l.plot.1 y2=l.plot.3></line>
                    <text class="tick" x=*x y=l.plot.3 + 16.0 text-anchor="middle">{signed(*t)}</text>
                }).collect_view()}
                {l.reference_x.map(|x| view! { <line class="zero-line" x1=x x2=x y1=l.plot.1 y2=l.plot.3></line> })}
                <text class="axis-title" x=(l.plot.0 + l.plot.2) / 2.0 y=l.height - 2.0 text-anchor="middle">"A − B (score points)"</text>
            </g>
            {rows.into_iter().zip(l.rows.iter().cloned()).enumerate().map(|(k, ((token, label, r), g))| {
                let text = match r.diff {
                    Some(d) => format!(
                        "{label}: A − B = {} (95% CI {} to {}){}; A mean {} (n {}), B mean {} (n {})",
                        signed(d.diff), signed(d.lo), signed(d.hi),
                        if d.excludes_zero() { ", interval excludes zero" } else { ", interval includes zero" },
                        score(r.a.mean), thousands(r.a.n), score(r.b.mean), thousands(r.b.n)),
                    None => format!("{label}: too few ratings to compare (A n {}, B n {})", thousands(r.a.n), thousands(r.b.n)),
                };
                let clear = r.diff.is_some_and(|d| d.excludes_zero());
                let clickable = dim.is_some() && k > 0;
                let mid = format!("cohort-m{k}");
                let mid2 = mid.clone();
                let t2 = text.clone();
                let tok2 = token.clone();
                let click = move || if let (Some(d), true) = (dim, clickable) { ctx.click_filter(d, &tok2) };
                let click2 = click.clone();
                view! {
                    <g id=mid class="row mark" tabindex="0" role=if clickable { "button" } else { "img" }
                        aria-label=if clickable { format!("{text}. Press Enter to filter to it.") } else { text.clone() }
                        on:click=move |_| click()
                        on:keydown=on_activate(move || { click2(); crate::dom::refocus(&mid2); })
                        on:focus=move |_| detail.set(t2.clone())
                        on:mouseenter={let t = text.clone(); move |_| detail.set(t.clone())}>
                        <title>{text.clone()}</title>
                        <rect class="hit" x="0" y=g.y - l.row_h / 2.0 width=W height=l.row_h></rect>
                        <text class="row-label" class:strong=k == 0 x=LABEL_W - 8.0 y=g.y text-anchor="end" dominant-baseline="middle">{clip(&label, 26)}</text>
                        {r.diff.map(|_| view! {
                            <line class="ci" x1=g.x_lo x2=g.x_hi y1=g.y y2=g.y></line>
                            <circle class="dot" class:hollow=!clear cx=g.x cy=g.y r="4.5"></circle>
                        })}
                        <text class="row-n" x=l.plot.2 + 6.0 y=g.y dominant-baseline="middle">
                            {r.diff.map_or("–".to_string(), |d| signed(d.diff))}
                        </text>
                    </g>
                }
            }).collect_view()}
        })
    };
    let height = move || layout.with(|l| l.as_ref().map_or(60.0, |l| l.height));
    let apply = move |name: &'static str| {
        let (a, b) = preset(name);
        ctx.ui.update(|u| {
            u.cohort_a = a;
            u.cohort_b = b;
        });
    };
    view! {
        <Card id="cohorts" title="Compare two cohorts" table=table detail=detail>
            <div class="controls">
                <span class="preset-label">"Presets: "</span>
                <button type="button" on:click=move |_| apply("gender")>"Women vs men"</button>
                <button type="button" on:click=move |_| apply("age")>"19–29 vs 50–60"</button>
                <button type="button" on:click=move |_| apply("seen")>"Seen vs unseen raters"</button>
                <label>"Per "
                    <select prop:value=move || by.get().name() on:change=move |ev| {
                        if let Some(k) = Key::from_name(&event_target_value(&ev)) { ctx.ui.update(|u| u.compare_by = k); }
                    }>
                        {COMPARE_BY.iter().map(|k| view! { <option value=k.name()>{k.title()}</option> }).collect_view()}
                    </select>
                </label>
            </div>
            <div class="cohort-defs">
                <details class="cohort" data-cohort="a">
                    <summary><span class="tag tag-a">"A"</span>" " {move || describe(&specs.get().0)}</summary>
                    <FilterPanel target=Target::CohortA/>
                </details>
                <details class="cohort" data-cohort="b">
                    <summary><span class="tag tag-b">"B"</span>" " {move || describe(&specs.get().1)}</summary>
                    <FilterPanel target=Target::CohortB/>
                </details>
            </div>
            <p class="note muted">"Both cohorts are taken within the current selection; a cohort's own choices replace \
                the selection's on the same dimension. Filled dots: the 95% interval excludes zero."</p>
            <svg class="chart" viewBox=move || format!("0 0 {W} {:.0}", height()) role="group"
                aria-label="Difference of cohort means with 95% intervals; rows are focusable">
                {marks}
            </svg>
        </Card>
    }
}
