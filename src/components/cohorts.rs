//! Cohort comparison: two cohorts defined by any filters (on top of the current selection), and
//! the difference of their means per group, style or type with Welch 95% intervals.

use crate::app::use_ctx;
use crate::charts::dotplot::{self, RowIn};
use crate::charts::format::{score, signed, thousands};
use crate::charts::render::{self, DotOpts, DotRow, Mark};
use crate::components::card::{Card, TableData};
use crate::components::chart_svg::{chart_width, ChartSvg};
use crate::components::filters::{FilterPanel, Target};
use crate::components::key_select::KeySelect;
use crate::state::{FilterSpec, COMPARE_BY};
use leptos::prelude::*;
use pamela_core::query::{self, CohortRow, Compiled};
use pamela_core::Dim;


/// Plain-words summary of a cohort definition.
pub fn describe(spec: &FilterSpec) -> String {
    let mut parts = Vec::new();
    if let Some((a, b)) = spec.age {
        parts.push(format!("age {a}–{b}"));
    }
    for (d, v) in &spec.sets {
        parts.push(format!(
            "{} {}",
            d.key().title().to_lowercase(),
            v.join(" or ")
        ));
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
    let width = chart_width();
    let by = Memo::new(move |_| ctx.ui.compare_by.get());
    let specs = Memo::new(move |_| (ctx.ui.cohort_a.get(), ctx.ui.cohort_b.get()));
    let result = Memo::new(move |_| {
        let d = ctx.data.get()?;
        let main = ctx.filter.get();
        let (a, b) = specs.get();
        let fa = main.overlay(&a.resolve(&d.ds).0);
        let fb = main.overlay(&b.resolve(&d.ds).0);
        let key = by.get();
        let rows = query::compare(
            &d.ds,
            &Compiled::new(&d.ds, &fa),
            &Compiled::new(&d.ds, &fb),
            key,
        );
        let domain = key.domain(&d.ds) as u32;
        // The overall row, then every value (empty ones too: a stable chart redraws as a patch).
        let mut labelled: Vec<(String, String, CohortRow)> =
            Vec::with_capacity(domain as usize + 1);
        if let Some(all) = rows.iter().find(|r| r.value == domain) {
            labelled.push(("all".to_string(), "All selected".to_string(), *all));
        }
        for v in 0..domain {
            let r = rows
                .iter()
                .find(|r| r.value == v)
                .copied()
                .unwrap_or(CohortRow::empty(v));
            labelled.push((key.token(&d.ds, v), key.label(&d.ds, v), r));
        }
        Some(labelled)
    });
    let layout = Memo::new(move |_| {
        result.with(|r| {
            r.as_ref().map(|rows| {
                let ins: Vec<RowIn> = rows
                    .iter()
                    .map(|(_, label, r)| match r.diff {
                        Some(d) => RowIn {
                            label: label.clone(),
                            value: d.diff,
                            lo: d.lo,
                            hi: d.hi,
                        },
                        None => RowIn {
                            label: label.clone(),
                            value: f64::NAN,
                            lo: f64::NAN,
                            hi: f64::NAN,
                        },
                    })
                    .collect();
                dotplot::layout(&ins, Some(0.0), width.get())
            })
        })
    });
    let table = Memo::new(move |_| TableData {
        header: [
            by.get().title(),
            "A mean",
            "A n",
            "B mean",
            "B n",
            "A − B",
            "95% CI low",
            "95% CI high",
        ]
        .map(String::from)
        .to_vec(),
        rows: result.with(|r| {
            r.as_ref().map_or(Vec::new(), |rows| {
                rows.iter()
                    .map(|(_, label, r)| {
                        let (d, lo, hi) = r
                            .diff
                            .map_or((String::new(), String::new(), String::new()), |d| {
                                (signed(d.diff), score(d.lo), score(d.hi))
                            });
                        vec![
                            label.clone(),
                            score(r.a.mean),
                            r.a.n.to_string(),
                            score(r.b.mean),
                            r.b.n.to_string(),
                            d,
                            lo,
                            hi,
                        ]
                    })
                    .collect()
            })
        }),
    });
    let markup = Memo::new(move |_| {
        let (Some(rows), Some(l)) = (result.get(), layout.get()) else {
            return Vec::new();
        };
        let dim = by.get().dim();
        let dots: Vec<DotRow> = rows
            .iter()
            .enumerate()
            .map(|(k, (_, label, r))| {
                let text = match r.diff {
                    Some(d) => format!(
                        "{label}: A − B = {} (95% CI {} to {}){}; A mean {} (n {}), B mean {} (n {})",
                        signed(d.diff), signed(d.lo), signed(d.hi),
                        if d.excludes_zero() { ", interval excludes zero" } else { ", interval includes zero" },
                        score(r.a.mean), thousands(r.a.n), score(r.b.mean), thousands(r.b.n)),
                    None => format!("{label}: too few ratings to compare (A n {}, B n {})", thousands(r.a.n), thousands(r.b.n)),
                };
                DotRow {
                    key: r.value,
                    mark: Mark { label: text, on: false, clickable: dim.is_some() && k > 0 },
                    label: label.clone(),
                    right: r.diff.map_or("–".to_string(), |d| signed(d.diff)),
                    strong: k == 0,
                    hollow: r.diff.is_some_and(|d| !d.excludes_zero()),
                    missing: r.diff.is_none(),
                }
            })
            .collect();
        let o = DotOpts {
            id_prefix: "cohort",
            tick: signed,
            reference_label: None,
            axis_title: Some("A − B (score points)"),
            reference_class: "zero-line",
        };
        render::dot_rows(&l, &dots, &o)
    });
    let activate = Callback::new(move |k: usize| {
        if k == 0 {
            return; // the overall row
        }
        let token =
            result.with_untracked(|r| r.as_ref().and_then(|rows| rows.get(k).map(|x| x.0.clone())));
        if let (Some(d), Some(t)) = (by.get_untracked().dim(), token) {
            ctx.click_filter(d, &t);
        }
    });
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
                    <KeySelect keys=&COMPARE_BY current=by set=|u, k| u.compare_by = k/>
                </label>
            </div>
            <div class="cohort-defs">
                <CohortEditor target=Target::CohortA tag="A" summary=Signal::derive(move || describe(&specs.get().0))/>
                <CohortEditor target=Target::CohortB tag="B" summary=Signal::derive(move || describe(&specs.get().1))/>
            </div>
            <p class="note muted">"Both cohorts are taken within the current selection; a cohort's own choices replace \
                the selection's on the same dimension. Filled dots: the 95% interval excludes zero."</p>
            <ChartSvg size=Signal::derive(move || (width.get(), height())) measure=width markup=markup detail=detail
                activate=activate label="Difference of cohort means with 95% intervals"/>
        </Card>
    }
}

/// One cohort's definition, folded; its filter panel exists only while unfolded (a hidden
/// panel would otherwise be kept up to date on every change).
#[component]
fn CohortEditor(target: Target, tag: &'static str, summary: Signal<String>) -> impl IntoView {
    let open = RwSignal::new(false);
    let class = if tag == "A" { "tag tag-a" } else { "tag tag-b" };
    view! {
        <details class="cohort" data-cohort=tag.to_lowercase() on:toggle=move |ev| {
            let now = ev.target()
                .and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlDetailsElement>(t).ok())
                .is_some_and(|d| d.open());
            open.set(now);
        }>
            <summary><span class=class>{tag}</span>" " {move || summary.get()}</summary>
            {move || open.get().then(|| view! { <FilterPanel target=target/> })}
        </details>
    }
}
