//! Top, bottom and most disputed images under the filters: prompt, metadata, mean, spread, and
//! every rater's score as a mark coloured (and shaped) by a chosen demographic. Thumbnails come
//! from a configurable image host, with the prompt as the fallback.

use crate::app::{use_ctx, Ctx, Level};
use crate::charts::format::Fixed;
use crate::charts::format::{score, thousands};
use crate::charts::render::{self, ImageCard, Mark, Point};
use crate::charts::Linear;
use crate::components::card::{Card, TableData};
use crate::components::chart_svg::{grid_step, mark_of, move_focus, title_of};
use crate::components::key_select::KeySelect;
use crate::components::legend::{palette_memo, MarkerKey};
use crate::state::{image_url, order_token, valid_image_base, COLOR_BY, DEFAULT_IMAGE_BASE};
use leptos::prelude::*;
use pamela_core::query::{self, ImageOrder};
use wasm_bindgen::JsCast;

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

/// "landscape · Impressionism · Art": group, style and type, each said once (a group that
/// shares its name across types already ends with its type: "portrait · Photorealism").
fn image_meta(group: &str, style: Option<&str>, kind: &str) -> String {
    let mut parts = vec![group];
    parts.extend(style);
    if !group.ends_with(&format!(" · {kind}")) && style != Some(kind) {
        parts.push(kind);
    }
    parts.join(" · ")
}

/// Whether thumbnails are on: the visitor's choice, else on for real data and off for the
/// synthetic sample (its images do not exist).
pub fn thumbs_on(ctx: Ctx) -> bool {
    ctx.ui.thumbs.get().unwrap_or_else(|| {
        ctx.data
            .with(|d| d.as_ref().is_some_and(|d| !d.is_synthetic()))
    })
}

/// Where the images are: data downloaded from a Hub has them in the same repository at the
/// same commit, unless the link names another image host.
pub fn image_base(ctx: Ctx) -> String {
    let b = ctx.ui.image_base.get();
    match ctx.data.with(|d| d.as_ref().and_then(|d| d.image_base())) {
        Some(h) if b == DEFAULT_IMAGE_BASE => h,
        _ => b,
    }
}

/// The host of `base` while it waits for the visitor's yes: one other than the default that
/// came from a link. The Hub the data came from was agreed to when it was downloaded.
pub fn waiting_host(ctx: Ctx, base: &str) -> Option<String> {
    let from_hub = ctx.data.with(|d| d.as_ref().and_then(|d| d.image_base()));
    if base == DEFAULT_IMAGE_BASE
        || from_hub.as_deref() == Some(base)
        || ctx.image_consent.with(|c| c.as_deref() == Some(base))
    {
        return None;
    }
    crate::dom::foreign_host(base)
}

/// The image base thumbnails may be fetched from now (on, and nothing waiting for consent).
pub fn thumb_base(ctx: Ctx) -> Option<String> {
    let b = image_base(ctx);
    (thumbs_on(ctx) && waiting_host(ctx, &b).is_none()).then_some(b)
}

#[component]
pub fn Images() -> impl IntoView {
    let ctx = use_ctx();
    let detail = RwSignal::new(String::new());
    let order = Memo::new(move |_| ctx.ui.images.get());
    let color_by = Memo::new(move |_| ctx.ui.color_by.get());
    let thumbs = Memo::new(move |_| thumbs_on(ctx));
    let base = Memo::new(move |_| image_base(ctx));
    let waiting_host = Memo::new(move |_| waiting_host(ctx, &base.get()));
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
                    let style = ds
                        .style_name(ds.images.style[i])
                        .map(pamela_core::query::humanize);
                    let group = ds.group_label(ds.image_group()[i]);
                    let meta = image_meta(&group, style.as_deref(), &kind);
                    let raters = d
                        .ratings_of(st.image)
                        .iter()
                        .map(|&r| r as usize)
                        .filter(|&r| c.keeps(ds, r))
                        .map(|r| {
                            let p = ds.ratings.participant[r];
                            (
                                ds.ratings.score[r],
                                p,
                                ds.participants.id[p as usize].clone(),
                                pal.of_participant(key, ds, p as usize),
                            )
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
        header: [
            "image id",
            "prompt",
            "group · style · type",
            "n",
            "mean",
            "sd",
        ]
        .map(String::from)
        .to_vec(),
        rows: items.with(|v| {
            v.as_ref().map_or(Vec::new(), |v| {
                v.iter()
                    .map(|it| {
                        vec![
                            it.id.to_string(),
                            it.prompt.clone(),
                            it.meta.clone(),
                            it.s.n.to_string(),
                            score(it.s.mean),
                            score(it.s.sd),
                        ]
                    })
                    .collect()
            })
        }),
    });
    let x = Linear::new((1.0, 5.0), (12.0, STRIP_W - 12.0));
    // Rater ids of each listed image's strip, in mark order (for clicks on marks).
    let list = Memo::new(move |_| {
        let list = items.get()?;
        let pal = palette.get()?;
        let show = thumbs.get() && waiting_host.get().is_none();
        let base = base.get();
        let key_title = color_by.get().title().to_ascii_lowercase();
        let mut cards = Vec::with_capacity(list.len());
        let mut raters_of = Vec::with_capacity(list.len());
        for (rank, it) in list.iter().enumerate() {
            let mut raters = it.raters.clone();
            raters.sort_by_key(|r| r.0);
            let scores: Vec<u16> = raters.iter().map(|r| r.0).collect();
            let points: Vec<Point> = raters
                .iter()
                .map(|(sc, _, pid, cat)| {
                    let label = pal
                        .category
                        .iter()
                        .position(|c| c == cat)
                        .and_then(|v| pal.labels.get(v))
                        .cloned()
                        .unwrap_or_default();
                    Point {
                        mark: Mark {
                            label: format!(
                                "{pid} ({label}) gave {}",
                                Fixed(*sc as f64 / 1000.0, 3)
                            ),
                            on: false,
                            clickable: true,
                        },
                        category: *cat,
                    }
                })
                .collect();
            cards.push(ImageCard {
                id: it.id,
                prompt: it.prompt.clone(),
                meta: it.meta.clone(),
                stats: format!(
                    "mean {} · sd {} · n {}",
                    score(it.s.mean),
                    score(it.s.sd),
                    thousands(it.s.n)
                ),
                thumb: show.then(|| image_url(&base, &it.path)),
                strip: render::strip(&x, STRIP_H, &scores, &points, &format!("img{rank}"), 0),
                strip_label: format!(
                    "Scores of the {} raters, marked by {key_title}",
                    raters.len()
                ),
            });
            raters_of.push((
                it.id,
                raters.into_iter().map(|r| r.2).collect::<Vec<String>>(),
            ));
        }
        Some((render::image_list(&cards, STRIP_W, STRIP_H), raters_of))
    });
    let markup = Memo::new(move |_| {
        list.with(|l| match l {
            Some((m, ids)) if !ids.is_empty() => m.clone(),
            Some(_) => {
                "<p class=\"muted\">No image has enough ratings in this selection to rank it.</p>"
                    .to_string()
            }
            None => String::new(),
        })
    });
    // One set of handlers for the whole list: "filter to this image" buttons and rater marks.
    let strip_of = |ev: &web_sys::Event| -> Option<usize> {
        let t: web_sys::Element = ev.target()?.dyn_into().ok()?;
        t.closest("[data-strip]")
            .ok()??
            .get_attribute("data-strip")?
            .parse()
            .ok()
    };
    let to_rater = move |strip: usize, k: usize| {
        let Some(p) = list.with_untracked(|l| {
            l.as_ref()
                .and_then(|(_, r)| r.get(strip).and_then(|r| r.1.get(k).cloned()))
        }) else {
            return;
        };
        ctx.edit_filter(|f| {
            f.participant = if f.participant.as_deref() == Some(&p) {
                None
            } else {
                Some(p)
            }
        });
    };
    let on_click = move |ev: web_sys::MouseEvent| {
        let Some(t) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        else {
            return;
        };
        if let Some(b) = t.closest("[data-image]").ok().flatten() {
            let k: Option<usize> = b.get_attribute("data-image").and_then(|v| v.parse().ok());
            let id = k.and_then(|k| {
                list.with_untracked(|l| l.as_ref().and_then(|(_, r)| r.get(k).map(|r| r.0)))
            });
            if let Some(id) = id {
                ctx.edit_filter(|f| f.image = if f.image == Some(id) { None } else { Some(id) });
                crate::dom::refocus(&b.id());
            }
            return;
        }
        if let (Some((el, k)), Some(s)) = (mark_of(&ev), strip_of(&ev)) {
            detail.set(title_of(&el));
            to_rater(s, k);
        }
    };
    let on_key = move |ev: web_sys::KeyboardEvent| {
        let (Some((el, k)), Some(s)) = (mark_of(&ev), strip_of(&ev)) else {
            return;
        };
        let key = ev.key();
        if key == "Enter" || key == " " {
            ev.prevent_default();
            to_rater(s, k);
            crate::dom::refocus(&el.id());
            return;
        }
        let count = list
            .with_untracked(|l| l.as_ref().and_then(|(_, r)| r.get(s).map(|r| r.1.len())))
            .unwrap_or(0);
        if let Some(next) = grid_step(k, &key, count, 1) {
            ev.prevent_default();
            if let Some(svg) = el.closest("svg").ok().flatten() {
                if let Some(n) = move_focus(&svg, &el, next) {
                    detail.set(title_of(&n));
                }
            }
        }
    };
    let on_describe = move |ev: web_sys::Event| {
        if let Some((el, _)) = mark_of(&ev) {
            detail.set(title_of(&el));
        }
    };
    let host = NodeRef::<leptos::html::Div>::new();
    let last = StoredValue::new(crate::charts::patch::Parsed::default());
    Effect::new(move |_| {
        let new = crate::charts::patch::Parsed::new(markup.get());
        if let Some(el) = host.get() {
            last.with_value(|old| crate::components::chart_svg::redraw(&el, old, &new));
            last.set_value(new);
        }
    });
    // A thumbnail that fails shows its text fallback (error events do not bubble: capture).
    Effect::new(move |done: Option<bool>| {
        if done == Some(true) {
            return true;
        }
        let Some(el) = host.get() else { return false };
        let cb =
            wasm_bindgen::closure::Closure::<dyn Fn(web_sys::Event)>::new(|ev: web_sys::Event| {
                let Some(img) = ev
                    .target()
                    .and_then(|t| t.dyn_into::<web_sys::HtmlElement>().ok())
                else {
                    return;
                };
                if img.tag_name() != "IMG" {
                    return;
                }
                if let Some(fallback) = img.next_element_sibling() {
                    let _ = fallback.remove_attribute("hidden");
                }
                img.set_hidden(true);
            });
        let _ = el.add_event_listener_with_callback_and_bool(
            "error",
            cb.as_ref().unchecked_ref(),
            true,
        );
        cb.forget();
        true
    });
    let base_draft = RwSignal::new(String::new());
    let apply_base = move || {
        let v = base_draft.get_untracked().trim().to_string();
        if valid_image_base(&v) {
            let v = if v.ends_with('/') { v } else { format!("{v}/") };
            // Typed here by the visitor: that is their yes.
            ctx.image_consent.set(Some(v.clone()));
            ctx.ui.update(|u| u.image_base = v);
        } else {
            ctx.notify(
                Level::Error,
                format!("“{v}” is not usable as an image address: give an https:// address."),
            );
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
                    <KeySelect keys=&COLOR_BY current=color_by set=|u, k| u.color_by = k/>
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
                {move || waiting_host.get().map(|host| view! {
                    <div class="consent notice warning" role="group" aria-label="Image host from the link" data-testid="image-consent">
                        <p>"The link you opened asks to load the thumbnails from "<strong>{host.clone()}</strong>
                            ". Nothing has been requested from it. That host would see your address and which images you look at."</p>
                        <button type="button" id="image-consent-yes"
                            on:click=move |_| ctx.image_consent.set(Some(base.get_untracked()))>
                            {format!("Load images from {host}")}</button>
                        " "
                        <button type="button" id="image-consent-no"
                            on:click=move |_| ctx.ui.update(|u| u.image_base = DEFAULT_IMAGE_BASE.to_string())>
                            "Use the default image host"</button>
                    </div>
                })}
            })}
            <p class="note muted">{move || format!(
                "Images with at least {} ratings in the selection; order: {}.",
                if ctx.filter.with(|f| f.participant.is_some()) { 1 } else { 5 },
                order_token(order.get()))}</p>
            {move || ctx.data.with(|d| d.as_ref().is_some_and(|d| d.text_pending)).then(|| view! {
                <p class="note muted" data-testid="text-pending">"Loading the images' prompts…"</p>
            })}
            <MarkerKey palette=palette/>
            <div class="image-list-host" node_ref=host
                on:click=on_click on:keydown=on_key
                on:focusin=move |ev: web_sys::FocusEvent| on_describe(ev.into())
                on:mouseover=move |ev: web_sys::MouseEvent| on_describe(ev.into())></div>
        </Card>
    }
}

#[cfg(test)]
mod tests {
    use super::image_meta;

    #[test]
    fn an_image_says_its_group_style_and_type_once_each() {
        assert_eq!(
            image_meta("landscape", Some("Impressionism"), "Art"),
            "landscape · Impressionism · Art"
        );
        assert_eq!(
            image_meta("portrait · Photorealism", None, "Photorealism"),
            "portrait · Photorealism"
        );
        assert_eq!(
            image_meta("portrait · Art", Some("Cubism"), "Art"),
            "portrait · Art · Cubism"
        );
        assert_eq!(
            image_meta("sky", None, "Photorealism"),
            "sky · Photorealism"
        );
    }
}
