//! "How personal is taste?": the selection's score variance split into what people agree on
//! (images), how they use the scale (people) and the rest (taste and noise), how reliable an
//! image's mean is, which subjects people agree or split on, and how well the crowd predicts
//! one person (see `pamela_core::agreement` for the methods).
//!
//! The figures take a few passes over the ratings and a least-squares fit, more than one frame
//! of work at every step of a drag: they are computed once the filters have been still for
//! [`SETTLE_MS`], and the card says so while they are out of date. They come in two tasks
//! (the whole selection's figures, then the rows of the key shown), and another key's rows
//! only when it is chosen: in one task the whole view took over the 50 ms a task may take
//! (see `pamela_core::agreement::Overall`).

use crate::app::{use_ctx, Shared};
use crate::charts::dotplot::{self, RowIn};
use crate::charts::format::thousands;
use crate::charts::format::Fixed;
use crate::charts::render::{self, DotOpts, DotRow, Mark};
use crate::components::card::{Card, TableData};
use crate::components::chart_svg::{chart_width, ChartSvg};
use crate::components::key_select::KeySelect;
use crate::state::TASTE_BY;
use leptos::prelude::*;
use pamela_core::agreement::{self, Estimate, KeyAgreement, Overall};
use pamela_core::query::Compiled;

/// How long the filters must stay unchanged before the figures are computed again.
const SETTLE_MS: i32 = 30;

/// A share as a percentage with its interval, in words.
pub fn share_text(e: &Estimate) -> String {
    match e.ci {
        Some((lo, hi)) => format!(
            "{}% (95% CI {}–{}%)",
            Fixed(e.value * 100.0, 0),
            Fixed(lo * 100.0, 0),
            Fixed(hi * 100.0, 0)
        ),
        None => format!(
            "{}% (too few people or images for an interval)",
            Fixed(e.value * 100.0, 0)
        ),
    }
}

/// The figures and the data and selection they were computed on.
struct Computed {
    data: Shared<crate::data::Loaded>,
    compiled: Shared<Compiled>,
    /// The computation these figures came from (see `generation` in [`Taste`]).
    generation: u64,
    overall: Overall,
    /// The rows of each key computed so far (the one shown first).
    by: Vec<KeyAgreement>,
}

impl Computed {
    /// The same figures with one more key's rows (computed now).
    fn with_key(&self, key: pamela_core::Key) -> Computed {
        let mut by = self.by.clone();
        by.push(agreement::by_key(
            &self.data.ds,
            &self.compiled,
            &self.overall,
            key,
        ));
        Computed {
            data: self.data.clone(),
            compiled: self.compiled.clone(),
            generation: self.generation,
            overall: self.overall.clone(),
            by,
        }
    }
}

fn row_in(label: &str, e: &Estimate) -> RowIn {
    let (lo, hi) = e.ci.unwrap_or((f64::NAN, f64::NAN));
    RowIn {
        label: label.to_string(),
        value: e.value,
        lo,
        hi,
    }
}

fn percent(t: f64) -> String {
    format!("{}%", Fixed(t * 100.0, 0))
}

#[component]
pub fn Taste() -> impl IntoView {
    let ctx = use_ctx();
    let detail = RwSignal::new(String::new());
    let by = Memo::new(move |_| ctx.ui.taste_by.get());
    let result: RwSignal<Option<Shared<Computed>>> = RwSignal::new(None);
    let stale = RwSignal::new(true);
    let generation = StoredValue::new(0u64);
    // How long the last computation took (read by the browser benchmark).
    let took = RwSignal::new(0.0f64);
    Effect::new(move |_| {
        let (Some(c), Some(d)) = (ctx.compiled.get(), ctx.data.get()) else {
            return;
        };
        generation.update_value(|g| *g += 1);
        let mine = generation.get_value();
        stale.set(true);
        crate::dom::after(SETTLE_MS, move || {
            if generation.try_get_value() != Some(mine) {
                return; // a newer change is on its way, or the card is gone
            }
            let t0 = crate::perf::now();
            let overall = agreement::overall(&d.ds, &c);
            let first = crate::perf::now() - t0;
            // The shown key's rows in a task of their own.
            crate::dom::after(0, move || {
                if generation.try_get_value() != Some(mine) {
                    return;
                }
                let Some(key) = by.try_get_untracked() else {
                    return;
                };
                let t1 = crate::perf::now();
                let computed = Computed {
                    data: d,
                    compiled: c,
                    generation: mine,
                    overall,
                    by: Vec::new(),
                }
                .with_key(key);
                took.try_set(first + crate::perf::now() - t1);
                result.try_set(Some(Shared::new(computed)));
                stale.try_set(false);
            });
        });
    });
    // Another key chosen: its rows, in a task of their own, unless they are in already.
    Effect::new(move |_| {
        let key = by.get();
        let Some(c) = result.with_untracked(|r| {
            r.as_ref()
                .filter(|c| !c.by.iter().any(|k| k.key == key))
                .cloned()
        }) else {
            return;
        };
        let mine = generation.get_value();
        if c.generation != mine {
            return; // a newer computation is on its way and will hold the key
        }
        stale.set(true);
        crate::dom::after(0, move || {
            if generation.try_get_value() != Some(mine) {
                return; // as above: a filter changed meanwhile
            }
            result.try_set(Some(Shared::new(c.with_key(key))));
            stale.try_set(false);
        });
    });
    let split_w = chart_width();
    let split = Memo::new(move |_| {
        result.with(|r| {
            let c = r.as_ref()?.overall.components?;
            let rows = [
                ("images: people agree", c.image_share),
                ("people: scale use", c.person_share),
                ("taste and noise", c.residual_share),
            ];
            let ins: Vec<RowIn> = rows.iter().map(|(l, e)| row_in(l, e)).collect();
            let l = dotplot::layout(&ins, None, split_w.get());
            let dots: Vec<DotRow> = rows
                .iter()
                .enumerate()
                .map(|(k, (label, e))| DotRow {
                    key: k as u32,
                    mark: Mark {
                        label: format!("{label}: {} of the variance", share_text(e)),
                        on: false,
                        clickable: false,
                    },
                    label: label.to_string(),
                    right: percent(e.value),
                    missing: !e.value.is_finite(),
                    ..Default::default()
                })
                .collect();
            let o = DotOpts {
                id_prefix: "taste-split",
                tick: percent,
                reference_label: None,
                axis_title: Some("share of the score variance"),
                reference_class: "zero-line",
            };
            Some((render::dot_rows(&l, &dots, &o), l.height))
        })
    });
    let by_w = chart_width();
    // The chosen key's values with their image share (agreement), as the core sorted them.
    let by_rows = Memo::new(move |_| {
        let key = by.get();
        result.with(|r| {
            // The values are named by the data they were computed on: a load may have
            // replaced `ctx.data` since.
            let c = &r.as_ref()?.0;
            let d = &c.data;
            let ka = c.by.iter().find(|k| k.key == key)?;
            Some(
                ka.rows
                    .iter()
                    .map(|row| {
                        (
                            key.token(&d.ds, row.value),
                            key.label(&d.ds, row.value),
                            *row,
                        )
                    })
                    .collect::<Vec<_>>(),
            )
        })
    });
    let by_chart = Memo::new(move |_| {
        by_rows.with(|rows| {
            let rows = rows.as_ref()?;
            let selected = ctx.ui.filter.with(|f| {
                by.get()
                    .dim()
                    .and_then(|d| f.values(d).map(|v| v.to_vec()))
                    .unwrap_or_default()
            });
            let ins: Vec<RowIn> = rows
                .iter()
                .map(|(_, label, r)| match &r.components {
                    Some(c) => row_in(label, &c.image_share),
                    None => RowIn::missing(label),
                })
                .collect();
            let l = dotplot::layout(&ins, None, by_w.get());
            let dots: Vec<DotRow> = rows
                .iter()
                .map(|(token, label, r)| {
                    let n = format!(
                        "{} ratings · {} people · {} images",
                        thousands(r.counts.n_ratings),
                        thousands(r.counts.n_people as u64),
                        thousands(r.counts.n_images as u64)
                    );
                    DotRow {
                        key: r.value,
                        mark: Mark {
                            label: match &r.components {
                                Some(c) => format!(
                                    "{label}: images explain {} of the variance; {n}",
                                    share_text(&c.image_share)
                                ),
                                None => format!("{label}: too few people or images to tell; {n}"),
                            },
                            on: selected.contains(token),
                            clickable: true,
                        },
                        label: label.clone(),
                        right: r
                            .components
                            .map_or("–".to_string(), |c| percent(c.image_share.value)),
                        missing: r.components.is_none(),
                        ..Default::default()
                    }
                })
                .collect();
            let o = DotOpts {
                id_prefix: "taste-by",
                tick: percent,
                reference_label: None,
                axis_title: Some("share of the variance that is the image's"),
                reference_class: "zero-line",
            };
            Some((render::dot_rows(&l, &dots, &o), l.height))
        })
    });
    let activate = Callback::new(move |k: usize| {
        let token =
            by_rows.with_untracked(|r| r.as_ref().and_then(|r| r.get(k).map(|x| x.0.clone())));
        if let (Some(d), Some(t)) = (by.get_untracked().dim(), token) {
            ctx.click_filter(d, &t);
        }
    });
    let sentences = move || {
        result.with(|r| {
            let Some(a) = r.as_ref() else {
                return vec!["Computing…".to_string()];
            };
            let a = &a.overall;
            let mut out = vec![format!(
                "{} ratings · {} people · {} images in the selection.",
                thousands(a.counts.n_ratings),
                thousands(a.counts.n_people as u64),
                thousands(a.counts.n_images as u64)
            )];
            match (&a.components, &a.reliability) {
                (Some(c), Some(rel)) => {
                    out.push(format!(
                        "Two ratings of the same image agree with a correlation of {}: that is the reliability of one rating (the image share above).",Fixed(c.image_share.value, 2)));
                    let at = &rel.at_raters_per_image;
                    out.push(format!(
                        "An image's mean over its {} raters (the average here) has a reliability of {}{}.",Fixed(rel.raters_per_image, 1),Fixed(at.value, 2),
                        at.ci.map_or(String::new(), |(lo, hi)| format!(" (95% CI {lo:.2}–{hi:.2})"))
                    ));
                    out.push(match (rel.raters_needed, rel.raters_needed_ci) {
                        (Some(k), Some((lo, hi))) => format!(
                            "A reliability of {} takes {} raters per image (95% CI {lo} to {}).",Fixed(rel.target, 1),
                            k,
                            hi.map_or("no finite number".to_string(), |h| h.to_string())
                        ),
                        (Some(k), None) => format!("A reliability of {} takes {k} raters per image.",Fixed(rel.target, 1)),
                        (None, _) => format!("No number of raters reaches a reliability of {}: the images explain nothing here.",Fixed(rel.target, 1)),
                    });
                }
                _ => out.push("Too few people or images in the selection to split the variance.".to_string()),
            }
            let cf = &a.crowd;
            out.push(match &cf.mean_r {
                Some(e) => format!(
                    "The crowd predicts one person's ratings with a correlation of {} on average{} ({} people; each person's ratings against the mean of the other raters of the same images{}).",Fixed(e.value, 2),
                    e.ci.map_or(String::new(), |(lo, hi)| format!(", 95% CI {lo:.2}–{hi:.2}")),
                    cf.n_people,
                    if cf.n_skipped_few + cf.n_skipped_constant > 0 {
                        format!("; {} left out with fewer than {} such images or constant scores", cf.n_skipped_few + cf.n_skipped_constant, cf.min_images)
                    } else {
                        String::new()
                    }
                ),
                None => "Too few people with shared images to say how well the crowd predicts one person.".to_string(),
            });
            out
        })
    };
    let table = Memo::new(move |_| {
        let mut rows = Vec::new();
        result.with(|r| {
            if let Some(c) = r.as_ref().and_then(|a| a.overall.components) {
                for (name, e, share) in [
                    ("image", c.image, c.image_share),
                    ("person", c.person, c.person_share),
                    ("taste and noise", c.residual, c.residual_share),
                ] {
                    let (lo, hi) = share.ci.map_or((String::new(), String::new()), |(a, b)| {
                        (Fixed(a, 4).to_string(), Fixed(b, 4).to_string())
                    });
                    rows.push(vec![
                        name.to_string(),
                        Fixed(e.value, 4).to_string(),
                        Fixed(share.value, 4).to_string(),
                        lo,
                        hi,
                        String::new(),
                        String::new(),
                    ]);
                }
            }
        });
        by_rows.with(|b| {
            for (_, label, r) in b.iter().flatten() {
                let (v, share, lo, hi) = match &r.components {
                    Some(c) => (
                        Fixed(c.image.value, 4).to_string(),
                        Fixed(c.image_share.value, 4).to_string(),
                        c.image_share
                            .ci
                            .map_or(String::new(), |x| Fixed(x.0, 4).to_string()),
                        c.image_share
                            .ci
                            .map_or(String::new(), |x| Fixed(x.1, 4).to_string()),
                    ),
                    None => Default::default(),
                };
                rows.push(vec![
                    format!("image, within {label}"),
                    v,
                    share,
                    lo,
                    hi,
                    r.counts.n_ratings.to_string(),
                    r.counts.n_people.to_string(),
                ]);
            }
        });
        TableData {
            header: [
                "component",
                "variance",
                "share",
                "share 95% CI low",
                "share 95% CI high",
                "ratings",
                "people",
            ]
            .map(String::from)
            .to_vec(),
            rows,
        }
    });
    let split_markup =
        Memo::new(move |_| split.with(|s| s.as_ref().map(|s| s.0.clone()).unwrap_or_default()));
    let split_h = Signal::derive(move || split.with(|s| s.as_ref().map_or(60.0, |s| s.1)));
    let by_markup =
        Memo::new(move |_| by_chart.with(|s| s.as_ref().map(|s| s.0.clone()).unwrap_or_default()));
    let by_h = Signal::derive(move || by_chart.with(|s| s.as_ref().map_or(60.0, |s| s.1)));
    view! {
        <Card id="taste" title="How personal is taste?" table=table detail=detail>
            <p class="note muted">"A score is split into what the image earns (people agree), how the person uses the \
                scale (some rate everything higher), and the rest: their own taste for that image plus noise. \
                Intervals count people and images (a two-way jackknife)."</p>
            <p class="note muted" class:hidden=move || !stale.get() data-testid="taste-stale">"Updating after the filters settle…"</p>
            <ul class="taste-facts" aria-live="polite" data-ms=move || Fixed(took.get(), 1).to_string()>
                {move || sentences().into_iter().map(|s| view! { <li>{s}</li> }).collect_view()}
            </ul>
            <ChartSvg size=Signal::derive(move || (split_w.get(), split_h.get())) measure=split_w markup=split_markup
                detail=detail activate=Callback::new(|_| ())
                label="Shares of the score variance with 95% intervals"/>
            <h3 class="sub">"Where people agree and where they split"</h3>
            <div class="controls">
                <label>"Per " <KeySelect keys=&TASTE_BY current=by set=|u, k| u.taste_by = k/></label>
            </div>
            <p class="note muted">"The image's share within each subject: high where people agree on which images \
                are good, low where they split. Sorted by agreement; a row filters to it."</p>
            <ChartSvg size=Signal::derive(move || (by_w.get(), by_h.get())) measure=by_w markup=by_markup
                detail=detail activate=activate
                label="Agreement per subject: image share of the variance with 95% intervals"/>
        </Card>
    }
}
