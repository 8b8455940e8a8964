//! Top, bottom and most disputed images under the filters: prompt, metadata, mean, spread, and
//! every rater's score as a mark coloured (and shaped) by a chosen demographic. Thumbnails come
//! from a configurable image host, with the prompt as the fallback.

use crate::app::{use_ctx, Level};
use crate::charts::color::{category, marker_path};
use crate::components::legend::{palette_memo, MarkerKey};
use crate::charts::format::{humanize, score, thousands};
use crate::charts::Linear;
use crate::components::card::{Card, TableData};
use crate::state::{image_url, order_token, valid_image_base, COLOR_BY};
use leptos::prelude::*;
use pamela_core::query::{self, ImageOrder};
use pamela_core::Key;

const SHOWN: usize = 12;
const STRIP_W: f64 = 300.0;
const STRIP_H: f64 = 44.0;

#[derive(Clone, PartialEq)]
struct Item {
    image: u32,
    id: u64,
    path: String,
    prompt: String,
    meta: String,
    s: pamela_core::Summary,
    /// (score in thousandths, participant index, participant id, colour category)
    raters: Vec<(u16, u32, String, usize)>,
}

#[component]
pub fn Images() -> impl IntoView {
    let ctx = use_ctx();
    let detail = RwSignal::new(String::new());
    let order = Memo::new(move |_| ctx.ui.with(|u| u.images));
    let color_by = Memo::new(move |_| ctx.ui.with(|u| u.color_by));
    let thumbs = Memo::new(move |_| {
        let explicit = ctx.ui.with(|u| u.thumbs);
        // Default: on for the real data, off for the synthetic sample (its images do not exist).
        explicit.unwrap_or_else(|| ctx.data.with(|d| d.as_ref().is_some_and(|d| !d.is_synthetic())))
    });
    let base = Memo::new(move |_| ctx.ui.with(|u| u.image_base.clone()));
    let palette = palette_memo(ctx, color_by);
    let items = Memo::new(move |_| {
        let ov = ctx.overview.get()?;
        let c = ctx.compiled.get()?;
        let d = ctx.data.get()?;
        let pal = palette.get()?;
        let key = color_by.get();
        let one_person = ctx.filter.with(|f| f.participant.is_some());
        let min_n = if one_person { 1 } else { 5 };
        let ranked = query::rank_images(&ov, order.get(), SHOWN, min_n);
        let ds = &d.ds;
        Some(
            ranked
                .into_iter()
                .map(|st| {
                    let i = st.image as usize;
                    let kind = ds.dicts.types.get(ds.images.kind[i]).to_string();
                    let style = ds.style_name(ds.images.style[i]).map(humanize);
                    let group = ds.group_label(ds.image_group()[i]);
                    let meta = match style {
                        Some(s) => format!("{group} · {s} · {kind}"),
                        None => format!("{group} · {kind}"),
                    };
                    let raters = d
                        .ratings_of(st.image)
                        .iter()
                        .map(|&r| r as usize)
                        .filter(|&r| c.keeps(ds, r))
                        .map(|r| {
                            let p = ds.ratings.participant[r];
                            (ds.ratings.score[r], p, ds.participants.id[p as usize].clone(), pal.of_participant(key, ds, p as usize))
                        })
                        .collect();
                    Item {
                        image: st.image,
                        id: ds.images.id[i],
                        path: ds.images.path[i].clone(),
                        prompt: ds.images.prompt[i].clone(),
                        meta,
                        s: st.summary,
                        raters,
                    }
                })
                .collect::<Vec<_>>(),
        )
    });
    let table = Memo::new(move |_| TableData {
        header: ["image id", "prompt", "group · style · type", "n", "mean", "sd"].map(String::from).to_vec(),
        rows: items.with(|v| {
            v.as_ref().map_or(Vec::new(), |v| {
                v.iter()
                    .map(|it| vec![it.id.to_string(), it.prompt.clone(), it.meta.clone(), it.s.n.to_string(), score(it.s.mean), score(it.s.sd)])
                    .collect()
            })
        }),
    });
    let x = Linear::new((1.0, 5.0), (12.0, STRIP_W - 12.0));
    let cards = move || {
        let list = items.get()?;
        if list.is_empty() {
            return Some(view! { <p class="muted">"No image has enough ratings in this selection to rank it."</p> }.into_any());
        }
        let show = thumbs.get();
        let base = base.get();
        let key_title = color_by.get().title().to_lowercase();
        let pal = palette.get()?;
        Some(view! {
            <ol class="image-list">
                {list.into_iter().enumerate().map(|(rank, it)| {
                    let failed = RwSignal::new(false);
                    let src = image_url(&base, &it.path);
                    let id = it.id;
                    let active = RwSignal::new(0usize);
                    let n_raters = it.raters.len();
                    let strip_id = format!("img{rank}");
                    let sid = strip_id.clone();
                    let on_key = move |ev: web_sys::KeyboardEvent| {
                        let k = active.get_untracked();
                        let next = match ev.key().as_str() {
                            "ArrowRight" | "ArrowDown" => Some((k + 1).min(n_raters.saturating_sub(1))),
                            "ArrowLeft" | "ArrowUp" => Some(k.saturating_sub(1)),
                            _ => None,
                        };
                        if let Some(n) = next {
                            ev.prevent_default();
                            active.set(n);
                            crate::dom::refocus(&format!("{sid}-d{n}"));
                        }
                    };
                    let mut raters = it.raters.clone();
                    raters.sort_by_key(|r| r.0);
                    let filter_image = move || ctx.edit_filter(|f| f.image = if f.image == Some(id) { None } else { Some(id) });
                    view! {
                        <li class="image-item">
                            <div class="thumb">
                                {move || (show && !failed.get()).then(|| view! {
                                    <img src=src.clone() alt=format!("Image {id}") loading="lazy" width="120" height="120"
                                        on:error=move |_| failed.set(true)/>
                                })}
                                {move || (!show || failed.get()).then(|| view! {
                                    <div class="thumb-fallback" aria-hidden="true">
                                        {if show { "image unavailable" } else { "thumbnails off" }}
                                    </div>
                                })}
                            </div>
                            <div class="image-body">
                                <p class="prompt">{it.prompt.clone()}</p>
                                <p class="meta">{it.meta.clone()}" · id "{it.id.to_string()}</p>
                                <p class="stats">
                                    {format!("mean {} · sd {} · n {}", score(it.s.mean), score(it.s.sd), thousands(it.s.n))}
                                </p>
                                <svg class="strip" viewBox=format!("0 0 {STRIP_W} {STRIP_H}") width=STRIP_W height=STRIP_H
                                    role="group" aria-label=format!("Scores of the {} raters, marked by {key_title}; arrow keys move, Enter filters to a rater", n_raters)>
                                    <line class="grid" x1=x.map(1.0) x2=x.map(5.0) y1=STRIP_H - 12.0 y2=STRIP_H - 12.0></line>
                                    {(1..=5).map(|s| view! {
                                        <text class="tick" x=x.map(s as f64) y=STRIP_H - 1.0 text-anchor="middle">{s.to_string()}</text>
                                    }).collect_view()}
                                    {raters.into_iter().enumerate().map(|(k, (sc, _p, pid, cat))| {
                                        let (fill, shape) = category(cat);
                                        let cx = x.map(sc as f64 / 1000.0);
                                        let cy = 8.0 + (k % 4) as f64 * 5.0;
                                        let label = pal.category.iter().position(|&c| c == cat).and_then(|v| pal.labels.get(v)).cloned().unwrap_or_default();
                                        let text = format!("{pid} ({label}) gave {:.3}", sc as f64 / 1000.0);
                                        let t2 = text.clone();
                                        let pid2 = pid.clone();
                                        let pid3 = pid.clone();
                                        let did = format!("{strip_id}-d{k}");
                                        let did2 = did.clone();
                                        let to_rater = move |p: &str| {
                                            let p = p.to_string();
                                            ctx.edit_filter(|f| f.participant = if f.participant.as_deref() == Some(&p) { None } else { Some(p) });
                                        };
                                        view! {
                                            <path id=did class="rater mark" d=marker_path(shape, cx, cy, 4.0) fill=fill
                                                tabindex=move || if active.get() == k { "0" } else { "-1" } role="button"
                                                aria-label=format!("{text}. Enter filters to this rater.")
                                                on:keydown={
                                                    let on_key = on_key.clone();
                                                    move |ev: web_sys::KeyboardEvent| {
                                                        if ev.key() == "Enter" || ev.key() == " " {
                                                            ev.prevent_default();
                                                            to_rater(&pid2);
                                                            crate::dom::refocus(&did2);
                                                        } else {
                                                            on_key(ev);
                                                        }
                                                    }
                                                }
                                                on:click=move |_| to_rater(&pid3)
                                                on:focus=move |_| detail.set(t2.clone())>
                                                <title>{text.clone()}</title>
                                            </path>
                                        }
                                    }).collect_view()}
                                </svg>
                                <button type="button" class="link" on:click=move |_| filter_image()>
                                    "Filter to this image"
                                </button>
                            </div>
                        </li>
                    }
                }).collect_view()}
            </ol>
        }.into_any())
    };
    let base_draft = RwSignal::new(String::new());
    let apply_base = move || {
        let v = base_draft.get_untracked().trim().to_string();
        if valid_image_base(&v) {
            let v = if v.ends_with('/') { v } else { format!("{v}/") };
            ctx.ui.update(|u| u.image_base = v);
        } else {
            ctx.notify(Level::Error, format!("“{v}” is not usable as an image address: give an https:// address."));
        }
    };
    view! {
        <Card id="images" title="Images people agree and disagree on" table=table detail=detail>
            <div class="controls">
                <label>"Show "
                    <select prop:value=move || order_token(order.get()) on:change=move |ev| {
                        let o = match event_target_value(&ev).as_str() { "top" => ImageOrder::Top, "bottom" => ImageOrder::Bottom, _ => ImageOrder::Disputed };
                        ctx.ui.update(|u| u.images = o);
                    }>
                        <option value="disputed">"most disputed (highest sd)"</option>
                        <option value="top">"highest mean"</option>
                        <option value="bottom">"lowest mean"</option>
                    </select>
                </label>
                <label>"Mark raters by "
                    <select prop:value=move || color_by.get().name() on:change=move |ev| {
                        if let Some(k) = Key::from_name(&event_target_value(&ev)) { ctx.ui.update(|u| u.color_by = k); }
                    }>
                        {COLOR_BY.iter().map(|k| view! { <option value=k.name()>{k.title()}</option> }).collect_view()}
                    </select>
                </label>
                <label class="check">
                    <input type="checkbox" prop:checked=move || thumbs.get()
                        on:change=move |ev| ctx.ui.update(|u| u.thumbs = Some(event_target_checked(&ev)))/>
                    " Thumbnails"
                </label>
            </div>
            {move || thumbs.get().then(|| view! {
                <div class="controls">
                    <label>"Image host "
                        <input type="url" class="wide" prop:value=move || base.get()
                            on:input=move |ev| base_draft.set(event_target_value(&ev))
                            on:change=move |_| apply_base()/>
                    </label>
                    <span class="muted">{move || ctx.data.with(|d| d.as_ref().is_some_and(|d| d.is_synthetic()))
                        .then_some("The synthetic sample's images do not exist anywhere: expect “image unavailable”.")}</span>
                </div>
            })}
            <p class="note muted">{move || format!(
                "Images with at least {} ratings in the selection; order: {}.",
                if ctx.filter.with(|f| f.participant.is_some()) { 1 } else { 5 },
                order_token(order.get()))}</p>
            <MarkerKey palette=palette/>
            {cards}
        </Card>
    }
}
