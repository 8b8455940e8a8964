//! How individual the raters are: each participant's mean offset (own score minus the mean of
//! the same images in the selection) against the spread of their scores. A mark filters to that
//! participant; arrow keys walk the marks in order of offset.

use crate::app::use_ctx;
use crate::charts::format::{score, signed, thousands};
use crate::charts::render::{self, Mark, Point, ScatterOpts};
use crate::charts::scatter;
use crate::components::card::{Card, TableData};
use crate::components::chart_svg::{chart_width, ChartSvg};
use crate::components::legend::{palette_memo, value_of, MarkerKey};
use leptos::prelude::*;
use pamela_core::query;

/// The chart's height for a width: a little less than square on phones, 2:1 and at most 420
/// pixels on wide screens.
fn height_for(width: f64) -> f64 {
    (width * 0.55).clamp(260.0, 420.0).round()
}

#[derive(Clone, PartialEq)]
struct Row {
    /// The participant's index in the dataset: its mark's fixed place in the chart.
    slot: usize,
    id: String,
    offset: f64,
    s: pamela_core::Summary,
    cat: usize,
    label: String,
}

#[component]
pub fn Participants() -> impl IntoView {
    let ctx = use_ctx();
    let detail = RwSignal::new(String::new());
    let width = chart_width();
    let color_by = Memo::new(move |_| ctx.ui.color_by.get());
    let palette = palette_memo(ctx, color_by);
    let rows = Memo::new(move |_| {
        let ov = ctx.overview.get()?;
        let c = ctx.compiled.get()?;
        let d = ctx.data.get()?;
        let pal = palette.get()?;
        let key = color_by.get();
        let mut v: Vec<Row> = query::participant_offsets(&d.ds, &c, &ov)
            .into_iter()
            .map(|p| {
                let i = p.participant as usize;
                Row {
                    slot: i,
                    id: d.ds.participants.id[i].clone(),
                    offset: p.offset,
                    s: p.summary,
                    cat: pal.of_participant(key, &d.ds, i),
                    label: pal.labels[value_of(key, &d.ds, i) as usize].clone(),
                }
            })
            .collect();
        v.sort_by(|a, b| a.offset.total_cmp(&b.offset).then(a.id.cmp(&b.id)));
        Some(v)
    });
    let markup = Memo::new(move |_| {
        let Some(rows) = rows.get() else {
            return Vec::new();
        };
        let xy: Vec<(f64, f64)> = rows
            .iter()
            .map(|q| (q.offset, if q.s.n > 1 { q.s.sd } else { f64::NAN }))
            .collect();
        let l = scatter::layout(&xy, width.get(), height_for(width.get()));
        let points: Vec<Point> = rows
            .iter()
            .map(|q| Point {
                mark: Mark {
                    label: format!(
                        "{} ({}): offset {}, sd {}, mean {}, n {}",
                        q.id,
                        q.label,
                        signed(q.offset),
                        score(q.s.sd),
                        score(q.s.mean),
                        thousands(q.s.n)
                    ),
                    on: false,
                    clickable: true,
                },
                category: q.cat,
            })
            .collect();
        let o = ScatterOpts {
            id_prefix: "part",
            height: height_for(width.get()),
            x_title: "mean offset (+ is more generous)",
            y_title: "spread (sd)",
            x_tick: signed,
        };
        // Every participant's colour and shape, for the hidden marks of those not selected.
        let key = color_by.get();
        let slot_category: Vec<usize> = match (palette.get(), ctx.data.get()) {
            (Some(pal), Some(d)) => (0..d.ds.participants.len())
                .map(|i| pal.of_participant(key, &d.ds, i))
                .collect(),
            _ => Vec::new(),
        };
        let slot_of: Vec<usize> = rows.iter().map(|q| q.slot).collect();
        render::scatter(&l, &points, &slot_of, &slot_category, 0, &o)
    });
    let table = Memo::new(move |_| TableData {
        header: [
            "participant",
            "age",
            "age group",
            "gender",
            "nationality",
            "marked as",
            "n",
            "mean",
            "mean offset",
            "sd",
        ]
        .map(String::from)
        .to_vec(),
        rows: rows.with(|p| {
            let d = ctx.data.get();
            p.as_ref().zip(d).map_or(Vec::new(), |(p, d)| {
                p.iter()
                    .map(|q| {
                        let who = d.ds.demographics(q.slot);
                        vec![
                            q.id.clone(),
                            who.age.to_string(),
                            who.age_binned,
                            who.gender,
                            who.nationality,
                            q.label.clone(),
                            q.s.n.to_string(),
                            score(q.s.mean),
                            signed(q.offset),
                            score(q.s.sd),
                        ]
                    })
                    .collect()
            })
        }),
    });
    // A mark's `data-k` is its participant's slot (see `render::scatter`).
    let activate = Callback::new(move |slot: usize| {
        let Some(id) = rows.with_untracked(|r| {
            r.as_ref()
                .and_then(|r| r.iter().find(|q| q.slot == slot).map(|q| q.id.clone()))
        }) else {
            return;
        };
        ctx.edit_filter(|f| {
            f.participant = if f.participant.as_ref() == Some(&id) {
                None
            } else {
                Some(id)
            }
        });
    });
    let roving = Signal::derive(move || (rows.with(|r| r.as_ref().map_or(0, |r| r.len())), 1));
    // The arrow keys walk the marks in order of offset.
    let walk = Signal::derive(move || {
        rows.with(|r| {
            r.as_ref()
                .map_or(Vec::new(), |r| r.iter().map(|q| q.slot).collect())
        })
    });
    view! {
        <Card id="participants" title="How individual are the raters?" table=table detail=detail>
            <p class="note muted">"One mark per participant in the selection. Offset compares each person with the \
                other raters of the same images, so it does not depend on which images they saw."</p>
            <MarkerKey palette=palette/>
            <ChartSvg size=Signal::derive(move || (width.get(), height_for(width.get()))) measure=width markup=markup detail=detail activate=activate roving=roving walk=walk
                label="Participants by mean offset and spread"/>
        </Card>
    }
}
