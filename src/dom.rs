//! Browser glue: URL, history, downloads, clipboard, SVG and PNG export. Thin wrappers over
//! web-sys; every failure becomes a message, never a panic.

use crate::exports::{Context, LegendEntry, Mark};
use crate::fetch::js_text;
use js_sys::{Array, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Blob, BlobPropertyBag, Element, HtmlAnchorElement, HtmlCanvasElement, Url};

pub fn window() -> Option<web_sys::Window> {
    web_sys::window()
}

/// The page's query string, with the leading `?`.
pub fn location_search() -> String {
    window()
        .and_then(|w| w.location().search().ok())
        .unwrap_or_default()
}

/// Where `url` points (scheme, host and port, as the browser parses it) when it is not this
/// page's own origin; `None` for this origin or for what does not parse.
pub fn foreign_host(url: &str) -> Option<String> {
    let u = web_sys::Url::new(url).ok()?;
    let own = window().and_then(|w| w.location().origin().ok());
    (own.as_deref() != Some(u.origin().as_str())).then(|| u.host())
}

/// The page's address with this query string and the current card fragment (what "copy
/// link" copies: it opens on the same view, scrolled to the same card).
pub fn link_to(query: &str) -> String {
    let Some(w) = window() else {
        return String::new();
    };
    let l = w.location();
    let base = format!(
        "{}{}",
        l.origin().unwrap_or_default(),
        l.pathname().unwrap_or_default()
    );
    with_query(&base, query, &l.hash().unwrap_or_default())
}

/// `base`, then `?query` unless empty, then `hash` (with its `#`, or empty).
pub fn with_query(base: &str, query: &str, hash: &str) -> String {
    let mut out = base.to_string();
    if !query.is_empty() {
        out.push('?');
        out.push_str(query);
    }
    out.push_str(hash);
    out
}

/// The address's fragment, decoded, without its `#`; `None` when there is none.
pub fn location_hash() -> Option<String> {
    let hash = window().and_then(|w| w.location().hash().ok())?;
    let id = hash.strip_prefix('#').unwrap_or(&hash);
    let id = js_sys::decode_uri_component(id).ok()?.as_string()?;
    (!id.is_empty()).then_some(id)
}

/// Puts `#id` in the address bar in place of the current fragment (no new history entry, no
/// scroll: the page decides what to show).
pub fn set_hash(id: &str) {
    let Some(w) = window() else { return };
    let Ok(history) = w.history() else { return };
    let l = w.location();
    let url = format!(
        "{}{}#{}",
        l.pathname().unwrap_or_default(),
        l.search().unwrap_or_default(),
        id
    );
    let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(&url));
}

/// Puts `?query#hash` in the address bar as a new history entry at once (a guided question:
/// Back returns to the view and card before it).
pub fn push_url(query: &str, hash: &str) {
    let Some(w) = window() else { return };
    let Ok(history) = w.history() else { return };
    let path = w.location().pathname().unwrap_or_default();
    let url = with_query(&path, query, &format!("#{hash}"));
    let _ = history.push_state_with_url(&JsValue::NULL, "", Some(&url));
}

/// Presenter mode's move to card `id`: scrolled to the top of the screen (under the presenter
/// bar, by its `scroll-margin-top`) and focused, so a screen reader says which card it is.
pub fn show_card(id: &str) {
    let Some(el) = window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(id))
    else {
        return;
    };
    el.scroll_into_view();
    if el.get_attribute("tabindex").is_none() {
        let _ = el.set_attribute("tabindex", "-1");
    }
    if let Ok(el) = el.dyn_into::<web_sys::HtmlElement>() {
        let opts = web_sys::FocusOptions::new();
        opts.set_prevent_scroll(true);
        let _ = el.focus_with_options(&opts);
    }
}

/// Scrolls card `id` inside itself by most of its height, down (`down`) or up; `false` when it
/// is already at that end (or is not there), so the caller moves on to the next card.
pub fn scroll_within(id: &str, down: bool) -> bool {
    let Some(el) = window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(id))
    else {
        return false;
    };
    let (top, seen, all) = (el.scroll_top(), el.client_height(), el.scroll_height());
    let room = if down { all - seen - top } else { top };
    if room <= 2 {
        return false;
    }
    let step = (seen as f64 * 0.9).max(40.0) as i32;
    el.set_scroll_top(if down { top + step } else { top - step });
    true
}

/// Scrolls to the card the address's fragment names (`#cohorts`) and marks it for a moment.
/// The browser cannot do it itself on a first visit: the cards appear only once the data is in.
pub fn land_on_hash() {
    let Some(d) = window().and_then(|w| w.document()) else {
        return;
    };
    let Some(id) = location_hash() else {
        return;
    };
    let Some(el) = d.get_element_by_id(&id) else {
        return;
    };
    if !el.class_list().contains("card") {
        return;
    }
    el.scroll_into_view();
    let _ = el.class_list().add_1("landed");
}

/// Resolves in a new task of the event loop (a zero-delay timeout): work after it is not part
/// of the task that awaited it, so one long piece of work can be split into tasks the browser
/// may draw and handle input between (the main thread's 50 ms long-task budget).
pub async fn next_task() {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(w) = window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 0);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// Runs `f` after `ms` milliseconds.
pub fn after(ms: i32, f: impl FnOnce() + 'static) {
    let cb = Closure::once_into_js(f);
    if let Some(w) = window() {
        let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(cb.unchecked_ref(), ms);
    }
}

/// Puts `query` (without `?`) in the address bar as a new history entry (the card fragment
/// stays).
pub fn push_query(query: &str) {
    let Some(w) = window() else { return };
    let Ok(history) = w.history() else { return };
    let l = w.location();
    let url = with_query(
        &l.pathname().unwrap_or_default(),
        query,
        &l.hash().unwrap_or_default(),
    );
    let _ = history.push_state_with_url(&JsValue::NULL, "", Some(&url));
}

/// Offers `bytes` as a file download.
pub fn download(name: &str, mime: &str, bytes: &[u8]) -> Result<(), String> {
    let arr = Uint8Array::from(bytes);
    let parts = Array::of1(&arr);
    let opts = BlobPropertyBag::new();
    opts.set_type(mime);
    let blob =
        Blob::new_with_u8_array_sequence_and_options(&parts, &opts).map_err(|e| js_text(&e))?;
    download_blob(name, &blob)
}

fn download_blob(name: &str, blob: &Blob) -> Result<(), String> {
    let url = Url::create_object_url_with_blob(blob).map_err(|e| js_text(&e))?;
    let doc = window().and_then(|w| w.document()).ok_or("no document")?;
    let a: HtmlAnchorElement = doc
        .create_element("a")
        .map_err(|e| js_text(&e))?
        .unchecked_into();
    a.set_href(&url);
    a.set_download(name);
    a.set_attribute("hidden", "").ok();
    doc.body()
        .ok_or("no body")?
        .append_child(&a)
        .map_err(|e| js_text(&e))?;
    a.click();
    a.remove();
    // Revoke after the download has started.
    let revoke = Closure::once_into_js(move || {
        let _ = Url::revoke_object_url(&url);
    });
    if let Some(w) = window() {
        let _ =
            w.set_timeout_with_callback_and_timeout_and_arguments_0(revoke.unchecked_ref(), 10_000);
    }
    Ok(())
}

/// Copies text to the clipboard (secure contexts; 127.0.0.1 counts as one).
pub async fn copy_text(text: &str) -> Result<(), String> {
    let w = window().ok_or("no window")?;
    let promise = w.navigator().clipboard().write_text(text);
    wasm_bindgen_futures::JsFuture::from(promise)
        .await
        .map(|_| ())
        .map_err(|e| js_text(&e))
}

const STYLE_PROPS: [&str; 12] = [
    "fill",
    "fill-opacity",
    "stroke",
    "stroke-width",
    "stroke-dasharray",
    "stroke-opacity",
    "opacity",
    "font-family",
    "font-size",
    "font-weight",
    "text-anchor",
    "dominant-baseline",
];

/// The chart's SVG as a standalone document: computed styles are written inline (the page's
/// style sheet and its light/dark colours do not travel with a file), and interactive
/// attributes are dropped.
pub fn standalone_svg(svg: &Element) -> Result<String, String> {
    let w = window().ok_or("no window")?;
    let clone: Element = svg
        .clone_node_with_deep(true)
        .map_err(|e| js_text(&e))?
        .unchecked_into();
    let originals = svg.query_selector_all("*").map_err(|e| js_text(&e))?;
    let copies = clone.query_selector_all("*").map_err(|e| js_text(&e))?;
    let inline = |from: &Element, to: &Element| {
        if let Ok(Some(cs)) = w.get_computed_style(from) {
            let mut style = String::new();
            for p in STYLE_PROPS {
                if let Ok(v) = cs.get_property_value(p) {
                    if !v.is_empty() {
                        style.push_str(&format!("{p}:{v};"));
                    }
                }
            }
            let _ = to.set_attribute("style", &style);
        }
        for a in ["tabindex", "role", "aria-pressed", "class", "id"] {
            let _ = to.remove_attribute(a);
        }
    };
    // The brush (its band and its two sliders) is a control, not part of the picture.
    let controls = clone
        .query_selector_all(".brush-span, .brush-end")
        .map_err(|e| js_text(&e))?;
    inline(svg, &clone);
    for k in 0..originals.length() {
        if let (Some(a), Some(b)) = (originals.item(k), copies.item(k)) {
            if let (Ok(a), Ok(b)) = (a.dyn_into::<Element>(), b.dyn_into::<Element>()) {
                inline(&a, &b);
            }
        }
    }
    for k in 0..controls.length() {
        if let Some(n) = controls.item(k) {
            if let Some(parent) = n.parent_node() {
                let _ = parent.remove_child(&n);
            }
        }
    }
    clone
        .set_attribute("xmlns", "http://www.w3.org/2000/svg")
        .ok();
    if let Ok(Some(cs)) = w.get_computed_style(svg) {
        let bg = cs.get_property_value("--bg").unwrap_or_default();
        let bg = if bg.trim().is_empty() {
            "#ffffff".to_string()
        } else {
            bg.trim().to_string()
        };
        let style = clone.get_attribute("style").unwrap_or_default();
        clone
            .set_attribute("style", &format!("{style}background:{bg};"))
            .ok();
    }
    let text = web_sys::XmlSerializer::new()
        .map_err(|e| js_text(&e))?
        .serialize_to_string(&clone)
        .map_err(|e| js_text(&e))?;
    Ok(format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{text}"
    ))
}

/// Finds the chart of a card.
pub fn card_svg(card_id: &str) -> Result<Element, String> {
    let doc = window().and_then(|w| w.document()).ok_or("no document")?;
    doc.query_selector(&format!("#{card_id} svg.chart"))
        .map_err(|e| js_text(&e))?
        .ok_or_else(|| "this view has no chart to export right now".to_string())
}

/// The legend entries shown in a card, read from its DOM: each `.legend-list` item (its marker
/// drawing and words) and each `.legend` paragraph split at its `.key` swatches (each swatch's
/// colour, then the words after it).
pub fn card_legend(card_id: &str) -> Vec<LegendEntry> {
    let mut out = Vec::new();
    let Some(w) = window() else { return out };
    let Some(doc) = w.document() else { return out };
    let all = |sel: &str| {
        doc.query_selector_all(&format!("#{card_id} {sel}"))
            .ok()
            .map(|l| {
                (0..l.length())
                    .filter_map(|k| l.item(k)?.dyn_into::<Element>().ok())
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
    };
    let words = |s: Option<String>| {
        s.unwrap_or_default()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    for li in all(".legend-list li") {
        let mark = li
            .query_selector("svg")
            .ok()
            .flatten()
            .and_then(|svg| standalone_svg(&svg).ok())
            .map(|t| {
                Mark::Svg(
                    t.trim_start_matches("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
                        .to_string(),
                )
            })
            .unwrap_or(Mark::None);
        out.push(LegendEntry {
            mark,
            label: words(li.text_content()),
        });
    }
    for p in all(".legend") {
        if p.closest("[hidden]").ok().flatten().is_some() {
            continue;
        }
        let nodes = p.child_nodes();
        let mut cur = LegendEntry {
            mark: Mark::None,
            label: String::new(),
        };
        for k in 0..nodes.length() {
            let Some(n) = nodes.item(k) else { continue };
            let key = n
                .dyn_ref::<Element>()
                .filter(|e| e.class_list().contains("key"))
                .cloned();
            match key {
                Some(e) => {
                    if cur.mark != Mark::None || !cur.label.trim().is_empty() {
                        out.push(std::mem::replace(
                            &mut cur,
                            LegendEntry {
                                mark: Mark::None,
                                label: String::new(),
                            },
                        ));
                    }
                    cur.mark = Mark::Swatch(swatch_colour(&w, &e));
                }
                None => {
                    cur.label.push_str(&n.text_content().unwrap_or_default());
                }
            }
        }
        cur.label = words(Some(cur.label));
        if cur.mark != Mark::None || !cur.label.is_empty() {
            out.push(cur);
        }
    }
    for e in out.iter_mut() {
        e.label = e.label.trim().to_string();
    }
    out
}

/// A swatch's colour: its background, or its border when the background is transparent.
fn swatch_colour(w: &web_sys::Window, e: &Element) -> String {
    let Ok(Some(cs)) = w.get_computed_style(e) else {
        return "#888".into();
    };
    let get = |p: &str| cs.get_property_value(p).unwrap_or_default();
    let bg = get("background-color");
    if !bg.is_empty() && bg != "rgba(0, 0, 0, 0)" && bg != "transparent" {
        return bg;
    }
    let border = get("border-top-color");
    if border.is_empty() {
        "#888".into()
    } else {
        border
    }
}

/// A card's chart as a standalone SVG, framed by what it shows ([`crate::exports`]); its size.
fn framed_card(card_id: &str, ctx: &Context) -> Result<(String, f64, f64), String> {
    let svg = card_svg(card_id)?;
    let rect = svg.get_bounding_client_rect();
    let (w, h) = (rect.width().max(1.0), rect.height().max(1.0));
    let chart = standalone_svg(&svg)?;
    Ok(crate::exports::framed_svg(
        ctx,
        &card_legend(card_id),
        &chart,
        w,
        h,
    ))
}

pub fn export_svg(card_id: &str, name: &str, ctx: &Context) -> Result<(), String> {
    let (text, _, _) = framed_card(card_id, ctx)?;
    download(name, "image/svg+xml", text.as_bytes())
}

/// Renders the framed SVG onto a canvas at twice its size and downloads a PNG.
pub fn export_png(card_id: &str, name: &str, ctx: &Context) -> Result<(), String> {
    let (text, w, h) = framed_card(card_id, ctx)?;
    let doc = window().and_then(|w| w.document()).ok_or("no document")?;
    let img = web_sys::HtmlImageElement::new().map_err(|e| js_text(&e))?;
    let canvas: HtmlCanvasElement = doc
        .create_element("canvas")
        .map_err(|e| js_text(&e))?
        .unchecked_into();
    let scale = 2.0;
    canvas.set_width((w * scale) as u32);
    canvas.set_height((h * scale) as u32);
    let parts = Array::of1(&JsValue::from_str(&text));
    let opts = BlobPropertyBag::new();
    opts.set_type("image/svg+xml");
    let blob = Blob::new_with_str_sequence_and_options(&parts, &opts).map_err(|e| js_text(&e))?;
    let url = Url::create_object_url_with_blob(&blob).map_err(|e| js_text(&e))?;
    let name = name.to_string();
    let (img2, canvas2, url2) = (img.clone(), canvas.clone(), url.clone());
    let onload = Closure::once_into_js(move || {
        let _ = Url::revoke_object_url(&url2);
        let Ok(Some(ctx)) = canvas2.get_context("2d") else {
            return;
        };
        let ctx: web_sys::CanvasRenderingContext2d = ctx.unchecked_into();
        let _ = ctx.scale(scale, scale);
        let _ = ctx.draw_image_with_html_image_element_and_dw_and_dh(&img2, 0.0, 0.0, w, h);
        let done = Closure::once_into_js(move |blob: JsValue| {
            if let Ok(blob) = blob.dyn_into::<Blob>() {
                let _ = download_blob(&name, &blob);
            }
        });
        let _ = canvas2.to_blob(done.unchecked_ref());
    });
    img.set_onload(Some(onload.unchecked_ref()));
    img.set_src(&url);
    Ok(())
}

/// Moves keyboard focus to the element with this id once the current update has been drawn
/// (marks are redrawn when a click filters; this keeps the keyboard user's place).
pub fn refocus(id: &str) {
    after_draw(id, false);
}

/// Scrolls the element with this id into view and focuses it, once the current update has
/// been drawn (a panel that has just been opened).
pub fn scroll_to(id: &str) {
    after_draw(id, true);
}

fn after_draw(id: &str, scroll: bool) {
    let id = id.to_string();
    let cb = Closure::once_into_js(move || {
        let el = window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id(&id));
        if let Some(el) = el {
            if scroll {
                el.scroll_into_view();
            }
            if let Ok(f) = js_sys::Reflect::get(&el, &"focus".into()) {
                if let Ok(f) = f.dyn_into::<js_sys::Function>() {
                    let _ = f.call0(&el);
                }
            }
        }
    });
    if let Some(w) = window() {
        let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(cb.unchecked_ref(), 0);
    }
}

#[cfg(test)]
mod tests {
    use super::with_query;

    #[test]
    fn a_link_keeps_its_card_fragment_after_the_query() {
        assert_eq!(with_query("/p/", "", ""), "/p/");
        assert_eq!(with_query("/p/", "a=1", ""), "/p/?a=1");
        assert_eq!(with_query("/p/", "a=1", "#cohorts"), "/p/?a=1#cohorts");
        assert_eq!(with_query("/p/", "", "#cohorts"), "/p/#cohorts");
    }
}
