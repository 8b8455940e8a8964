//! How individual the raters are: each participant's mean offset (own score minus the mean of
//! the same images in the selection) against the spread of their scores. A dot filters to that
//! participant; arrow keys walk the dots in order of offset.

use crate::app::use_ctx;
use crate::charts::color::{category, marker_path};
use crate::charts::format::{score, signed, thousands};
use crate::charts::scatter;
use crate::components::card::{Card, TableData};
use crate::components::legend::{palette_memo, MarkerKey};
use leptos::prelude::*;
use pamela_core::query;

const W: f64 = 560.0;
const H: f64 = 300.0;

#[derive(Clone, PartialEq)]
struct Point {
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
    let color_by = Memo::new(move |_| ctx.ui.with(|u| u.color_by));
    let palette = palette_memo(ctx, color_by);
    let points = Memo::new(move |_| {
        let ov = ctx.overview.get()?;
        let c = ctx.compiled.get()?;
        let d = ctx.data.get()?;
        let pal = palette.get()?;
        let key = color_by.get();
        let mut pts: Vec<Point> = query::participant_offsets(&d.ds, &c, &ov)
            .into_iter()
            .map(|p| {
                let i = p.participant as usize;
                let cat = pal.of_participant(key, &d.ds, i);
                let v = crate::components::legend::value_of(key, &d.ds, i) as usize;
                Point {
                    id: d.ds.participants.id[i].clone(),
                    offset: p.offset,
                    s: p.summary,
                    cat,
                    label: pal.labels[v].clone(),
                }
            })
            .collect();
        pts.sort_by(|a, b| a.offset.total_cmp(&b.offset).then(a.id.cmp(&b.id)));
        Some(pts)
    });
    let layout = Memo::new(move |_| {
        points.with(|p| {
            p.as_ref().map(|p| {
                let xy: Vec<(f64, f64)> = p.iter().map(|q| (q.offset, if q.s.n > 1 { q.s.sd } else { f64::NAN })).collect();
                scatter::layout(&xy, W, H)
            })
        })
    });
    let table = Memo::new(move |_| TableData {
        header: ["participant", "group", "n", "mean", "mean offset", "sd"].map(String::from).to_vec(),
        rows: points.with(|p| {
            p.as_ref().map_or(Vec::new(), |p| {
                p.iter()
                    .map(|q| vec![q.id.clone(), q.label.clone(), q.s.n.to_string(), score(q.s.mean), signed(q.offset), score(q.s.sd)])
                    .collect()
            })
        }),
    });
    let active = RwSignal::new(0usize);
    let pick = move |id: String| ctx.edit_filter(|f| f.participant = if f.participant.as_ref() == Some(&id) { None } else { Some(id) });
    let marks = move || {
        let (Some(pts), Some(l)) = (points.get(), layout.get()) else { return None };
        let n = pts.len();
        let act = active.get().min(n.saturating_sub(1));
        let ids: Vec<String> = pts.iter().map(|p| p.id.clone()).collect();
        Some(view! {
            <g class="axis">
                {l.x_ticks.iter().map(|(x, t)| view! {
                    <line class="grid" x1=*x x2=*x y1=l.plot.1 y2=l.plot.3></line>
                    <text class="tick" x=*x y=l.plot.3 + 16.0 text-anchor="middle">{signed(*t)}</text>
                }).collect_view()}
                {l.y_ticks.iter().map(|(y, t)| view! {
                    <line class="grid" x1=l.plot.0 x2=l.plot.2 y1=*y y2=*y></line>
                    <text class="tick" x=l.plot.0 - 6.0 y=*y text-anchor="end" dominant-baseline="middle">{format!("{t:.1}")}</text>
                }).collect_view()}
                <line class="zero-line" x1=l.zero_x x2=l.zero_x y1=l.plot.1 y2=l.plot.3></line>
                <text class="axis-title" x=(l.plot.0 + l.plot.2) / 2.0 y=H - 2.0 text-anchor="middle">"mean offset: stricter ← → more generous than the other raters of the same images"</text>
                <text class="axis-title" transform=format!("translate(12,{:.0}) rotate(-90)", (l.plot.1 + l.plot.3) / 2.0) text-anchor="middle">"spread (sd)"</text>
            </g>
            {pts.into_iter().zip(l.points.iter().copied()).enumerate().map(|(k, (p, (x, y)))| {
                let (fill, shape) = category(p.cat);
                let text = format!("{} ({}): offset {}, sd {}, mean {}, n {}", p.id, p.label, signed(p.offset), score(p.s.sd), score(p.s.mean), thousands(p.s.n));
                let t2 = text.clone();
                let id = p.id.clone();
                let ids = ids.clone();
                let mid = format!("part-d{k}");
                let on_key = move |ev: web_sys::KeyboardEvent| {
                    let next = match ev.key().as_str() {
                        "ArrowRight" | "ArrowUp" => Some((k + 1).min(n - 1)),
                        "ArrowLeft" | "ArrowDown" => Some(k.saturating_sub(1)),
                        "Home" => Some(0),
                        "End" => Some(n - 1),
                        "Enter" | " " => {
                            ev.prevent_default();
                            pick(ids[k].clone());
                            crate::dom::refocus(&format!("part-d{k}"));
                            None
                        }
                        _ => None,
                    };
                    if let Some(m) = next {
                        ev.prevent_default();
                        active.set(m);
                        crate::dom::refocus(&format!("part-d{m}"));
                    }
                };
                view! {
                    <path id=mid class="participant mark" d=marker_path(shape, x, y, 4.5) fill=fill
                        tabindex=if k == act { "0" } else { "-1" } role="button"
                        aria-label=format!("{text}. Enter filters to this participant; arrow keys move.")
                        on:keydown=on_key
                        on:click=move |_| { active.set(k); pick(id.clone()); }
                        on:focus=move |_| { active.set(k); detail.set(t2.clone()); }
                        on:mouseenter={let t = text.clone(); move |_| detail.set(t.clone())}>
                        <title>{text.clone()}</title>
                    </path>
                }
            }).collect_view()}
        })
    };
    view! {
        <Card id="participants" title="How individual are the raters?" table=table detail=detail>
            <p class="note muted">"One mark per participant in the selection. Offset compares each person with the \
                other raters of the same images, so it does not depend on which images they saw."</p>
            <MarkerKey palette=palette/>
            <svg class="chart" viewBox=format!("0 0 {W} {H}") role="group"
                aria-label="Participants by mean offset and spread; Tab to the marks, arrow keys move">
                {marks}
            </svg>
        </Card>
    }
}
