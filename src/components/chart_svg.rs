//! An `<svg>` whose marks come as one markup string (see [`crate::charts::svg`]) and whose
//! events are handled once, on the `<svg>`, for every mark: click or Enter activates mark `k`
//! (its `data-k`), focus and hover show its description, and, for grids and clouds of marks, the
//! arrow keys move a single tab stop between them (a "roving tabindex"). A chart given a
//! [`Brush`] also turns pointer drags (mouse, pen or touch) along its x axis into a range, and
//! keys on its two brush ends (`data-end`, see [`crate::charts::render::BrushMarks`]) into
//! moves of one end (see [`crate::charts::brush`]).

use crate::charts::brush::{End, DRAG_PX};
use crate::charts::format::Fixed;
use crate::charts::histogram;
use crate::charts::patch::{diff_parsed, Batch, Parsed};
use crate::charts::text::PRESENT_SCALE;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::Element;

#[wasm_bindgen::prelude::wasm_bindgen(inline_js = r#"
// Each root's elements in document order, kept between redraws: patches never add or remove
// elements (text only sits in leaf elements), so the list changes only when the root's content
// is replaced, and `forget_elements` is called then. Reading a NodeList by index costs a DOM
// call per patch; an array does not.
const lists = new WeakMap();
export function forget_elements(root) { lists.delete(root); }
export function apply_batch(root, ops, names, values) {
  // The encoding is `patch::Batch`'s: two words a patch, the strings split once.
  let all = lists.get(root);
  if (all === undefined || (all.length > 0 && all[0].parentNode === null)) {
    all = Array.from(root.querySelectorAll('*'));
    lists.set(root, all);
  }
  const name = names.split('\x1f');
  const vals = values.split('\x1e');
  let v = 0;
  for (let i = 0; i < ops.length; i += 2) {
    const w = ops[i];
    const el = all[ops[i + 1]];
    const kind = w & 3;
    if (kind === 1) {
      if (el) el.removeAttribute(name[w >>> 2]);
    } else if (kind === 0) {
      const x = vals[v++];
      if (el) el.setAttribute(name[w >>> 2], x);
    } else {
      const x = vals[v++];
      if (!el) continue;
      // A lone text node takes the new text in place (no node made, none removed); an emptied
      // text removes the node, as markup without text would have none.
      const t = el.firstChild;
      if (x !== '' && t !== null && t.nodeType === 3 && t.nextSibling === null) t.nodeValue = x;
      else el.textContent = x;
    }
  }
}
"#)]
extern "C" {
    /// Applies one redraw's patches in one call (see [`Batch`]).
    fn apply_batch(root: &Element, ops: &[u32], names: &str, values: &str);
    /// Drops the applier's list of `root`'s elements (after its content was replaced).
    fn forget_elements(root: &Element);
}

/// Brings `el`'s content from the markup `old` to `new`: attribute and text patches when the
/// elements are the same, one `innerHTML` otherwise.
pub fn redraw(el: &Element, old: &Parsed, new: &Parsed) {
    match diff_parsed(old, new) {
        Some(p) if p.is_empty() => {}
        Some(p) => {
            let b = Batch::of(&p);
            apply_batch(el, &b.ops, &b.names, &b.values);
        }
        None => {
            el.set_inner_html(new.markup());
            forget_elements(el);
        }
    }
}

/// Redraws a chart made of layers, each in its own `<g>` (created on first use).
/// Each layer's last markup is kept read ([`Parsed`]), so a redraw reads only the new markup.
pub fn redraw_layers(svg: &Element, last: StoredValue<Vec<Parsed>>, new: Vec<String>) {
    let fresh = last.with_value(|old| old.len() != new.len())
        || svg.child_element_count() as usize != new.len();
    if fresh {
        svg.set_inner_html(&"<g class=\"layer\"></g>".repeat(new.len()));
        last.set_value(vec![Parsed::default(); new.len()]);
    }
    let children = svg.children();
    last.update_value(|old| {
        for (k, layer) in new.into_iter().enumerate() {
            let layer = Parsed::new(layer);
            if let Some(g) = children.item(k as u32) {
                redraw(&g, &old[k], &layer);
            }
            old[k] = layer;
        }
    });
}

/// The mark element (with `data-k`) an event came from, and its index.
pub fn mark_of(ev: &web_sys::Event) -> Option<(Element, usize)> {
    let t: Element = ev.target()?.dyn_into().ok()?;
    let el = t.closest("[data-k]").ok()??;
    let k = el.get_attribute("data-k")?.parse().ok()?;
    Some((el, k))
}

/// A mark's description: its accessible name, which the tooltip and the live line repeat.
pub fn title_of(el: &Element) -> String {
    el.get_attribute("aria-label").unwrap_or_default()
}

/// Moves the single tab stop from `from` to the mark `to` and focuses it.
pub fn move_focus(svg: &Element, from: &Element, to: usize) -> Option<Element> {
    let next = svg.query_selector(&format!("[data-k=\"{to}\"]")).ok()??;
    let _ = from.set_attribute("tabindex", "-1");
    let _ = next.set_attribute("tabindex", "0");
    if let Ok(f) = js_sys::Reflect::get(&next, &"focus".into()) {
        if let Ok(f) = f.dyn_into::<js_sys::Function>() {
            let _ = f.call0(&next);
        }
    }
    Some(next)
}

/// Arrow-key movement along `order` (the marks' `data-k` in walking order), from mark `k`.
pub fn walk_step(order: &[usize], k: usize, key: &str, cols: usize) -> Option<usize> {
    let at = order.iter().position(|&x| x == k)?;
    grid_step(at, key, order.len(), cols).map(|next| order[next])
}

/// Arrow-key movement over `count` marks laid out in rows of `cols`.
pub fn grid_step(k: usize, key: &str, count: usize, cols: usize) -> Option<usize> {
    if count == 0 {
        return None;
    }
    let cols = cols.max(1);
    let last = count - 1;
    let next = match key {
        "ArrowRight" => (k + 1).min(last),
        "ArrowLeft" => k.saturating_sub(1),
        "ArrowDown" if cols > 1 => (k + cols).min(last),
        "ArrowUp" if cols > 1 => k.saturating_sub(cols),
        "ArrowDown" => (k + 1).min(last),
        "ArrowUp" => k.saturating_sub(1),
        "Home" => k - k % cols,
        "End" => (k - k % cols + cols - 1).min(last),
        _ => return None,
    };
    Some(next)
}

/// What a brushable chart does with a drag and with a key on a brush end.
#[derive(Clone, Copy)]
pub struct Brush {
    /// A drag from one x to another (pixels from the chart's left edge), on every move.
    pub drag: Callback<(f64, f64)>,
    /// A key pressed on one end's slider: whether it was used.
    pub key: Callback<(End, String), bool>,
}

impl Brush {
    /// The brush of a histogram laid out in `layout`, whose bars are the brush's steps: a drag
    /// or a key gives a range of bars, which `set` applies; `now` says which bars the current
    /// filter covers (`None`: every bar).
    pub fn over_bars(
        layout: Memo<Option<histogram::Layout>>,
        now: impl Fn(&histogram::Layout) -> Option<(usize, usize)> + Send + Sync + 'static,
        set: impl Fn((usize, usize)) + Copy + Send + Sync + 'static,
    ) -> Brush {
        Brush {
            drag: Callback::new(move |(from, to): (f64, f64)| {
                if let Some(s) =
                    layout.with_untracked(|l| l.as_ref().map(|l| l.axis().drag(from, to)))
                {
                    set(s);
                }
            }),
            key: Callback::new(move |(end, key): (End, String)| {
                let next = layout.with_untracked(|l| {
                    let l = l.as_ref()?;
                    let all = (0, l.bars.len().saturating_sub(1));
                    l.axis().key(now(l).unwrap_or(all), end, &key)
                });
                next.map(set).is_some()
            }),
        }
    }
}

/// A press that may become a drag: its pointer, where it went down, whether it moved enough.
#[derive(Clone, Copy)]
struct Press {
    pointer: i32,
    from: f64,
    dragging: bool,
}

/// `ev`'s x in the chart's own units (layout pixels) from the left edge of the `<svg>` it
/// happened on: screen pixels divided by the chart's scale (see [`chart_scale`]).
fn local_x(ev: &web_sys::PointerEvent, scale: f64) -> Option<(Element, f64)> {
    let svg: Element = ev.current_target()?.dyn_into().ok()?;
    let left = svg.get_bounding_client_rect().left();
    Some((svg, (ev.client_x() as f64 - left) / scale))
}

/// How many screen pixels one layout pixel takes: 1, or [`PRESENT_SCALE`] in presenter mode.
pub fn chart_scale() -> Signal<f64> {
    match use_context::<crate::app::Ctx>() {
        Some(ctx) => Signal::derive(move || {
            if ctx.ui.present.get() {
                PRESENT_SCALE
            } else {
                1.0
            }
        }),
        None => Signal::derive(|| 1.0),
    }
}

/// Below this, a measured width is a hidden or collapsed container: the chart keeps its last one.
const MIN_WIDTH: f64 = 200.0;

/// The width a chart starts with, before its container is measured.
pub const START_WIDTH: f64 = 560.0;

/// A chart width that [`ChartSvg`] keeps equal to its container's (see `measure`).
pub fn chart_width() -> RwSignal<f64> {
    RwSignal::new(START_WIDTH)
}

/// Keeps `w` equal to `el`'s width divided by `scale`, in whole layout pixels: now, on every
/// resize and on every change of scale, until the owner is cleaned up.
fn follow_width(el: &Element, w: RwSignal<f64>, scale: Signal<f64>) {
    let measured = StoredValue::new(0.0f64);
    let apply = move || {
        let px = (measured.get_value() / scale.get_untracked()).floor();
        if px >= MIN_WIDTH && w.get_untracked() != px {
            w.set(px);
        }
    };
    let set = move |px: f64| {
        if px >= MIN_WIDTH {
            measured.set_value(px);
            apply();
        }
    };
    set(el.get_bounding_client_rect().width());
    Effect::new(move |_| {
        scale.track();
        apply();
    });
    let cb = wasm_bindgen::closure::Closure::<dyn Fn(js_sys::Array)>::new(
        move |entries: js_sys::Array| {
            if let Ok(e) = entries.get(0).dyn_into::<web_sys::ResizeObserverEntry>() {
                set(e.content_rect().width());
            }
        },
    );
    let Ok(observer) = web_sys::ResizeObserver::new(cb.as_ref().unchecked_ref()) else {
        return;
    };
    observer.observe(el);
    // The observer and its callback live until the chart goes away.
    let keep = send_wrapper::SendWrapper::new((observer, cb));
    on_cleanup(move || keep.0.disconnect());
}

#[component]
pub fn ChartSvg(
    /// The chart's size in CSS pixels; one SVG unit is one pixel, so text keeps the size the
    /// stylesheet gives it.
    #[prop(into)]
    size: Signal<(f64, f64)>,
    /// Where the width of the chart's container is written, now and whenever it changes (a
    /// resize observer): the layout reads it. Without it, the chart keeps `size` (charts wider
    /// than their card, which scroll).
    #[prop(optional)]
    measure: Option<RwSignal<f64>>,
    /// Its content, in layers redrawn separately (see [`crate::charts::svg::Markup::layer`]).
    markup: Memo<Vec<String>>,
    /// What the chart is, for screen readers.
    #[prop(into)]
    label: String,
    /// Called with the index of a clicked or Enter-pressed mark.
    activate: Callback<usize>,
    /// The card's live description line.
    detail: RwSignal<String>,
    /// Marks per row for arrow-key movement; `None`: every mark is its own tab stop.
    #[prop(optional)]
    roving: Option<Signal<(usize, usize)>>,
    /// With `roving`: the marks' `data-k` in the order the arrow keys walk them, when that is
    /// not 0, 1, 2, ... (marks that keep their element while their order changes).
    #[prop(optional)]
    walk: Option<Signal<Vec<usize>>>,
    /// Pointer drags and keys that set a range along the x axis.
    #[prop(optional)]
    brush: Option<Brush>,
    #[prop(optional, into)] class: String,
) -> impl IntoView {
    let scale = chart_scale();
    let press = StoredValue::new(None::<Press>);
    // A drag ends with a click on whatever it ended over: that click is not a bar's.
    let swallow_click = StoredValue::new(false);
    let on_down = move |ev: web_sys::PointerEvent| {
        if brush.is_none() || (ev.pointer_type() == "mouse" && ev.button() != 0) {
            return;
        }
        // No capture yet: a press that does not move is a click on the mark under it.
        if let Some((_, x)) = local_x(&ev, scale.get_untracked()) {
            press.set_value(Some(Press {
                pointer: ev.pointer_id(),
                from: x,
                dragging: false,
            }));
        }
    };
    let on_move = move |ev: web_sys::PointerEvent| {
        let (Some(b), Some(mut p)) = (brush, press.get_value()) else {
            return;
        };
        if p.pointer != ev.pointer_id() {
            return;
        }
        if ev.buttons() == 0 {
            // Released outside the chart before it became a drag.
            press.set_value(None);
            return;
        }
        let Some((svg, x)) = local_x(&ev, scale.get_untracked()) else {
            return;
        };
        if !p.dragging && (x - p.from).abs() < DRAG_PX {
            return;
        }
        if !p.dragging {
            // Now a drag: the chart keeps the pointer even when it leaves the chart.
            let _ = svg.set_pointer_capture(ev.pointer_id());
        }
        p.dragging = true;
        press.set_value(Some(p));
        ev.prevent_default();
        b.drag.run((p.from, x));
    };
    let on_up = move |ev: web_sys::PointerEvent| {
        if let Some(p) = press.get_value() {
            if p.pointer == ev.pointer_id() {
                swallow_click.set_value(p.dragging);
                press.set_value(None);
            }
        }
    };
    let on_click = move |ev: web_sys::MouseEvent| {
        if swallow_click.get_value() {
            swallow_click.set_value(false);
            return;
        }
        if let Some((el, k)) = mark_of(&ev) {
            detail.set(title_of(&el));
            activate.run(k);
        }
    };
    let on_key = move |ev: web_sys::KeyboardEvent| {
        if let Some(b) = brush {
            let end = ev
                .target()
                .and_then(|t| t.dyn_into::<Element>().ok())
                .and_then(|t| t.closest("[data-end]").ok().flatten());
            if let Some(end) = end {
                let which = match end.get_attribute("data-end").as_deref() {
                    Some("low") => End::Low,
                    _ => End::High,
                };
                if b.key.run((which, ev.key())) {
                    ev.prevent_default();
                    crate::dom::refocus(&end.id());
                }
                return;
            }
        }
        let Some((el, k)) = mark_of(&ev) else { return };
        let key = ev.key();
        if key == "Enter" || key == " " {
            ev.prevent_default();
            activate.run(k);
            crate::dom::refocus(&el.id());
            return;
        }
        let Some(r) = roving else { return };
        let (count, cols) = r.get_untracked();
        let next = match walk {
            Some(w) => w.with_untracked(|w| walk_step(w, k, &key, cols)),
            None => grid_step(k, &key, count, cols),
        };
        if let Some(next) = next {
            ev.prevent_default();
            let svg = el.closest("svg").ok().flatten();
            if let Some(n) = svg.and_then(|svg| move_focus(&svg, &el, next)) {
                detail.set(title_of(&n));
            }
        }
    };
    let on_focus = move |ev: web_sys::FocusEvent| {
        if let Some((el, _)) = mark_of(&ev) {
            detail.set(title_of(&el));
        }
    };
    // The page's tooltip (drawn outside the cards, see `Ctx::tip`); a chart mounted without
    // the page's context keeps one of its own that nothing draws.
    let tip = use_context::<crate::app::Ctx>().map_or_else(|| RwSignal::new(None), |c| c.tip);
    // A chart taken away under the pointer gets no `mouseleave`: its tooltip goes with it.
    on_cleanup(move || {
        tip.try_set(None);
    });
    let on_over = move |ev: web_sys::MouseEvent| match mark_of(&ev) {
        Some((el, _)) => {
            let text = title_of(&el);
            detail.set(text.clone());
            tip.set(Some((text, ev.client_x() as f64, ev.client_y() as f64)));
        }
        None => tip.set(None),
    };
    let on_leave = move |_: web_sys::MouseEvent| tip.set(None);
    let hint = if roving.is_some() {
        format!("{label}; Tab to the marks, arrow keys move, Enter filters")
    } else {
        format!("{label}; Tab through the marks, Enter filters")
    };
    let class = match (class.is_empty(), brush.is_some()) {
        (true, false) => "chart".to_string(),
        (true, true) => "chart brushable".to_string(),
        (false, b) => format!("chart {class}{}", if b { " brushable" } else { "" }),
    };
    let node = NodeRef::<leptos::svg::Svg>::new();
    let last = StoredValue::new(Vec::<Parsed>::new());
    Effect::new(move |_| {
        let new = markup.get();
        if let Some(svg) = node.get() {
            redraw_layers(&svg, last, new);
        }
    });
    if let Some(w) = measure {
        Effect::new(move |_| {
            if let Some(svg) = node.get() {
                follow_width(&svg, w, scale);
            }
        });
    }
    let view_box = move || {
        let (w, h) = size.get();
        format!("0 0 {w_0} {h_0}", w_0 = Fixed(w, 0), h_0 = Fixed(h, 0))
    };
    view! {
        <svg class=class viewBox=view_box role="group" aria-label=hint node_ref=node
            width=move || Fixed(size.get().0 * scale.get(), 0).to_string()
            height=move || Fixed(size.get().1 * scale.get(), 0).to_string()
            on:pointerdown=on_down on:pointermove=on_move on:pointerup=on_up on:pointercancel=on_up
            on:click=on_click on:keydown=on_key on:focusin=on_focus on:mouseover=on_over on:mouseleave=on_leave>
        </svg>
    }
}

#[cfg(test)]
mod tests {
    use super::{grid_step, walk_step};

    #[test]
    fn arrows_follow_the_walking_order_when_one_is_given() {
        let order = [4, 0, 7, 2];
        assert_eq!(walk_step(&order, 0, "ArrowRight", 1), Some(7));
        assert_eq!(walk_step(&order, 0, "ArrowLeft", 1), Some(4));
        assert_eq!(walk_step(&order, 4, "ArrowLeft", 1), Some(4));
        assert_eq!(walk_step(&order, 7, "End", 4), Some(2));
        assert_eq!(walk_step(&order, 5, "ArrowRight", 1), None, "not a mark");
    }

    #[test]
    fn arrows_move_within_a_grid_and_stop_at_its_edges() {
        // 2 rows of 3.
        assert_eq!(grid_step(0, "ArrowRight", 6, 3), Some(1));
        assert_eq!(grid_step(0, "ArrowLeft", 6, 3), Some(0));
        assert_eq!(grid_step(1, "ArrowDown", 6, 3), Some(4));
        assert_eq!(grid_step(4, "ArrowDown", 6, 3), Some(5));
        assert_eq!(grid_step(4, "ArrowUp", 6, 3), Some(1));
        assert_eq!(grid_step(4, "Home", 6, 3), Some(3));
        assert_eq!(grid_step(3, "End", 6, 3), Some(5));
        assert_eq!(grid_step(3, "x", 6, 3), None);
        // A cloud in one line: up and down step too.
        assert_eq!(grid_step(3, "ArrowUp", 10, 1), Some(2));
        assert_eq!(grid_step(9, "ArrowDown", 10, 1), Some(9));
        assert_eq!(grid_step(0, "ArrowRight", 0, 1), None);
    }
}
