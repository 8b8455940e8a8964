//! The raters' ages: people per year of age in the selection under every filter but the age
//! range (so a brushed range shows inside its context, as in crossfilter). A drag across the
//! bars, or the keyboard on the brush's two ends, sets the age range; a bar click sets one year.

use crate::app::use_ctx;
use crate::charts::brush::End;
use crate::charts::format::thousands;
use crate::charts::format::Fixed;
use crate::charts::histogram;
use crate::charts::render::{self, BrushMarks, HistOpts, Mark, Slider};
use crate::components::card::{Card, TableData};
use crate::components::chart_svg::{chart_width, Brush, ChartSvg};
use leptos::prelude::*;

const H: f64 = 200.0;

/// People and ratings per year of age, from the youngest to the oldest participant in the data.
#[derive(Clone, PartialEq)]
struct Ages {
    first: u8,
    people: Vec<u64>,
    ratings: Vec<u64>,
}

#[component]
pub fn AgeHistogram() -> impl IntoView {
    let ctx = use_ctx();
    let detail = RwSignal::new(String::new());
    let width = chart_width();
    let range = Memo::new(move |_| ctx.ui.filter.with(|f| f.age));
    let ages = Memo::new(move |_| {
        let ov = ctx.overview.get()?;
        let d = ctx.data.get()?;
        let all = &d.ds.participants.age;
        let (lo, hi) = (*all.iter().min()?, *all.iter().max()?);
        let span = lo as usize..=hi as usize;
        Some(Ages {
            first: lo,
            people: ov.facets.age_people[span.clone()].to_vec(),
            ratings: ov.facets.age[span].to_vec(),
        })
    });
    let layout = Memo::new(move |_| {
        ages.with(|a| {
            a.as_ref().map(|a| {
                histogram::age_layout(&a.people, &a.ratings, a.first, range.get(), width.get(), H)
            })
        })
    });
    // The brushed years as steps of the axis (None: every age).
    let steps = move |first: u8, n: usize, r: Option<(u8, u8)>| {
        r.map(|(a, b)| {
            let at = |v: u8| (v.saturating_sub(first) as usize).min(n.saturating_sub(1));
            (at(a), at(b.max(a)))
        })
    };
    let markup = Memo::new(move |_| {
        let (Some(l), Some(first)) = (layout.get(), ages.with(|a| a.as_ref().map(|a| a.first)))
        else {
            return Vec::new();
        };
        let outside = range.get().is_some();
        let marks: Vec<Mark> = l
            .bars
            .iter()
            .map(|b| Mark {
                label: format!(
                    "age {}: {} people, {} ratings{}",
                    b.lo,
                    b.share,
                    thousands(b.count),
                    if outside && !b.selected {
                        ", outside the age filter"
                    } else {
                        ""
                    }
                ),
                on: outside && b.selected,
                clickable: true,
            })
            .collect();
        let n = l.bars.len();
        let age_of = |k: usize| first as f64 + k as f64;
        let slider = |end: End, k: usize, x: f64| Slider {
            name: match end {
                End::Low => "youngest age",
                End::High => "oldest age",
            }
            .into(),
            min: first as f64,
            max: age_of(n.saturating_sub(1)),
            now: age_of(k),
            text: Fixed(age_of(k), 0).to_string(),
            x,
        };
        let o = HistOpts {
            id_prefix: "ages",
            x_title: "age (years)",
            height: H,
            brush: Some(BrushMarks::over(
                &l.axis(),
                steps(first, n, range.get()),
                slider,
            )),
        };
        render::histogram(&l, &marks, &o)
    });
    let set_steps = move |s: (usize, usize)| {
        let Some((first, all)) = layout.with_untracked(|l| {
            let l = l.as_ref()?;
            Some((l.bars.first()?.lo as u8, l.axis().is_all(s)))
        }) else {
            return;
        };
        let want = (!all).then(|| (first + s.0 as u8, first + s.1 as u8));
        if range.get_untracked() != want {
            ctx.edit_filter(|f| f.age = want);
        }
        detail.set(match want {
            Some((a, b)) => format!("ages {a}–{b}"),
            None => "every age".to_string(),
        });
    };
    let brush = Brush::over_bars(
        layout,
        move |l| {
            let first = l.bars.first()?.lo as u8;
            steps(first, l.bars.len(), range.get_untracked())
        },
        set_steps,
    );
    let activate = Callback::new(move |k: usize| {
        let Some(age) =
            layout.with_untracked(|l| l.as_ref().and_then(|l| l.bars.get(k)).map(|b| b.lo as u8))
        else {
            return;
        };
        ctx.edit_filter(|f| {
            f.age = if f.age == Some((age, age)) {
                None
            } else {
                Some((age, age))
            }
        });
    });
    let table = Memo::new(move |_| TableData {
        header: ["age", "people", "ratings"].map(String::from).to_vec(),
        rows: ages.with(|a| {
            a.as_ref().map_or(Vec::new(), |a| {
                (0..a.people.len())
                    .filter(|&k| a.people[k] > 0)
                    .map(|k| {
                        vec![
                            (a.first as usize + k).to_string(),
                            a.people[k].to_string(),
                            a.ratings[k].to_string(),
                        ]
                    })
                    .collect()
            })
        }),
    });
    let summary = move || {
        ages.with(|a| {
            a.as_ref().map(|a| {
                let (p, r): (u64, u64) = match range.get() {
                    Some((lo, hi)) => (0..a.people.len())
                        .filter(|&k| (lo..=hi).contains(&(a.first + k as u8)))
                        .fold((0, 0), |(p, r), k| (p + a.people[k], r + a.ratings[k])),
                    None => (a.people.iter().sum(), a.ratings.iter().sum()),
                };
                format!(
                    "{} people, {} ratings in the age range",
                    thousands(p),
                    thousands(r)
                )
            })
        })
    };
    view! {
        <Card id="ages" title="Age of the raters" table=table detail=detail>
            <p class="note muted">"People per year of age. Drag across the bars (or use the two ends with the arrow keys) \
                to pick an age range; every other view follows while you drag."</p>
            <p class="summary">{summary}</p>
            <ChartSvg size=Signal::derive(move || (width.get(), H)) measure=width markup=markup detail=detail activate=activate
                brush=brush label="Histogram of the raters' ages; a drag across the bars sets the age range"/>
        </Card>
    }
}
