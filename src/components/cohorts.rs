//! Cohort comparison: two cohorts defined by any filters (on top of the current selection), and
//! the difference of their means per group, style or type with Welch 95% intervals.

use crate::app::use_ctx;
use crate::charts::dotplot::{self, RowIn};
use crate::charts::format::Fixed;
use crate::charts::format::{counts, interval_text, score, signed, thousands};
use crate::charts::render::{self, DotOpts, DotRow, Mark};
use crate::components::card::{Card, TableData};
use crate::components::chart_svg::{chart_width, ChartSvg};
use crate::components::filters::{FilterPanel, Target};
use crate::components::key_select::KeySelect;
use crate::state::{FilterSpec, COMPARE_BY};
use leptos::prelude::*;
use pamela_core::cohort::CohortRow;
use pamela_core::query::{self, Compiled};
use pamela_core::Difference;
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
            d.key().title().to_ascii_lowercase(),
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

/// The difference a row shows and whether it is marked as one: people as clusters and Holm's
/// marks by default; the same on the images both cohorts rated when `same`; with `independent`
/// (and not `same`), the Welch interval and "excludes zero", as a naive analysis would. The
/// overall row (`k` 0) is a single question: marked when its interval excludes zero.
fn shown(r: &CohortRow, k: usize, independent: bool, same: bool) -> (Option<Difference>, bool) {
    let (d, holm) = match (same, independent) {
        (true, _) => (r.adjusted, r.marked_adjusted),
        (false, true) => (r.diff_ind, false),
        (false, false) => (r.diff, r.marked),
    };
    let marked = if k == 0 || (independent && !same) {
        d.is_some_and(|d| d.excludes_zero())
    } else {
        holm
    };
    (d, marked)
}

/// A number for a CSV: plain ASCII, 4 decimals, empty when missing.
fn ascii(x: f64) -> String {
    if x.is_finite() {
        Fixed(x, 4).to_string()
    } else {
        String::new()
    }
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
    let independent = Memo::new(move |_| ctx.ui.independent.get());
    let same = Memo::new(move |_| ctx.ui.same_images.get());
    let layout = Memo::new(move |_| {
        let (ind, same) = (independent.get(), same.get());
        result.with(|r| {
            r.as_ref().map(|rows| {
                let ins: Vec<RowIn> = rows
                    .iter()
                    .enumerate()
                    .map(|(k, (_, label, r))| match shown(r, k, ind, same).0 {
                        Some(d) => RowIn {
                            label: label.clone(),
                            value: d.diff,
                            lo: d.lo,
                            hi: d.hi,
                        },
                        None => RowIn::missing(label),
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
            "A ratings",
            "A people",
            "B mean",
            "B ratings",
            "B people",
            "A − B",
            "95% CI low (people)",
            "95% CI high (people)",
            "Holm-adjusted p",
            "95% CI low (independent)",
            "95% CI high (independent)",
            "A − B on the same images",
            "95% CI low (same images)",
            "95% CI high (same images)",
            "shared images",
        ]
        .map(String::from)
        .to_vec(),
        rows: result.with(|r| {
            r.as_ref().map_or(Vec::new(), |rows| {
                rows.iter()
                    .map(|(_, label, r)| {
                        let three = |d: Option<Difference>| {
                            d.map_or([String::new(), String::new(), String::new()], |d| {
                                [ascii(d.diff), ascii(d.lo), ascii(d.hi)]
                            })
                        };
                        let [d, lo, hi] = three(r.diff);
                        let [_, ilo, ihi] = three(r.diff_ind);
                        let [ad, alo, ahi] = three(r.adjusted);
                        vec![
                            label.clone(),
                            score(r.a.mean),
                            r.a.n.to_string(),
                            r.a.people.to_string(),
                            score(r.b.mean),
                            r.b.n.to_string(),
                            r.b.people.to_string(),
                            d,
                            lo,
                            hi,
                            if r.p_adjusted.is_finite() {
                                Fixed(r.p_adjusted, 4).to_string()
                            } else {
                                String::new()
                            },
                            ilo,
                            ihi,
                            ad,
                            alo,
                            ahi,
                            r.shared_images.to_string(),
                        ]
                    })
                    .collect()
            })
        }),
    });
    let tested = Memo::new(move |_| {
        result.with(|r| {
            r.as_ref()
                .and_then(|rows| rows.get(1).map(|x| x.2.tested))
                .unwrap_or(0)
        })
    });
    let markup = Memo::new(move |_| {
        let (Some(rows), Some(l)) = (result.get(), layout.get()) else {
            return Vec::new();
        };
        let (ind, same) = (independent.get(), same.get());
        let dim = by.get().dim();
        let dots: Vec<DotRow> = rows
            .iter()
            .enumerate()
            .map(|(k, (_, label, r))| {
                let (d, marked) = shown(r, k, ind, same);
                let sides = format!(
                    "A mean {} ({}), B mean {} ({})",
                    score(r.a.mean),
                    counts(r.a.n, r.a.people),
                    score(r.b.mean),
                    counts(r.b.n, r.b.people)
                );
                let what = if same {
                    "A − B on the same images"
                } else {
                    "A − B"
                };
                let text = match d {
                    Some(d) => format!(
                        "{label}: {what} = {} ({}){}; {sides}{}",
                        signed(d.diff),
                        interval_text(
                            d.lo,
                            d.hi,
                            ind && !same,
                            (!d.lo.is_finite())
                                .then(|| "fewer than 5 people on a side".to_string()),
                            signed
                        ),
                        if marked {
                            ", marked as a difference"
                        } else {
                            ""
                        },
                        if same {
                            format!("; {} shared images", thousands(r.shared_images))
                        } else {
                            String::new()
                        },
                    ),
                    None => format!("{label}: too few ratings to compare; {sides}"),
                };
                DotRow {
                    key: r.value,
                    mark: Mark {
                        label: text,
                        on: false,
                        clickable: dim.is_some() && k > 0,
                    },
                    label: label.clone(),
                    right: d.map_or("–".to_string(), |d| signed(d.diff)),
                    strong: k == 0,
                    hollow: !marked,
                    missing: d.is_none(),
                }
            })
            .collect();
        let o = DotOpts {
            id_prefix: "cohort",
            tick: signed,
            reference_label: None,
            axis_title: Some(if same {
                "A − B on the same images (score points)"
            } else {
                "A − B (score points)"
            }),
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
        <Card id="cohorts" title="Compare two cohorts" table=table detail=detail compares=true>
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
            <div class="controls">
                <label>"Difference "
                    <select prop:value=move || if same.get() { "images" } else { "raw" }
                        on:change=move |ev| ctx.ui.same_images.set(event_target_value(&ev) == "images")>
                        <option value="raw">"of all their ratings"</option>
                        <option value="images">"on the images both rated"</option>
                    </select>
                </label>
            </div>
            <p class="note muted">"Both cohorts are taken within the current selection; a cohort's own choices replace \
                the selection's on the same dimension. The two differences can disagree because the cohorts rated \
                different images: the raw one also carries how well-liked each cohort's images were."</p>
            <p class="note muted" data-testid="cohort-marks">{move || if independent.get() && !same.get() {
                "Intervals treat every rating as independent (too narrow). Filled dots: the interval excludes zero, with no correction for testing many rows.".to_string()
            } else {
                format!("95% intervals count people. Filled dots: a difference after Holm's correction for the {} rows tested (5% level); the overall row is its own question.", tested.get())
            }}</p>
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
        <details class="cohort" data-cohort=tag.to_ascii_lowercase() on:toggle=move |ev| {
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
