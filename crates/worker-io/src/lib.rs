//! The page/worker message protocol of PAMELA Explorer, both directions, for both workers.
//!
//! * [`parse`] and [`predict`]: one serde enum per direction per worker. Messages are plain
//!   objects tagged by `kind` (`{ kind: "progress", file, done, total }`), encoded and decoded
//!   with serde-wasm-bindgen on both sides, so the page and the worker cannot disagree on a field
//!   name without the compiler seeing it. These compile everywhere and are tested natively.
//! * Large arrays (file bytes, a bundle, 5,077 scores) do not go through serde: they travel as a
//!   typed array set on the message under a named field ([`parse::BUNDLE`], ...) and
//!   *transferred* (moved, not copied). serde ignores the extra field; the receiver reads it with
//!   `attached`.
//! * `worker` (feature `worker`; runs in wasm only): the worker side, [`worker::listen`] and
//!   [`worker::post`].
//! * `page` (feature `page`; runs in wasm only): the page side, [`page::Connection`], which owns the
//!   worker and its event closures: dropping it stops the worker and frees them (nothing leaked
//!   per load).
//!
//! Why a crate of its own: the workers and the page are three wasm binaries; the protocol is the
//! one thing they must share exactly, and nothing else of theirs.

pub mod parse;
pub mod predict;

#[cfg(feature = "page")]
pub mod page;
#[cfg(feature = "worker")]
pub mod worker;

/// Reads an array attached to a received message under `field` (see the crate docs).
pub fn attached<T: wasm_bindgen::JsCast>(msg: &wasm_bindgen::JsValue, field: &str) -> Option<T> {
    use wasm_bindgen::JsCast;
    js_sys::Reflect::get(msg, &field.into())
        .ok()
        .and_then(|v| v.dyn_into::<T>().ok())
}

/// The message of a JavaScript error value, or its string form.
pub fn js_text(v: &wasm_bindgen::JsValue) -> String {
    use wasm_bindgen::JsCast;
    if let Some(e) = v.dyn_ref::<js_sys::Error>() {
        return String::from(e.message());
    }
    v.as_string().unwrap_or_else(|| format!("{v:?}"))
}

/// The first message every worker sends, `{ kind: "ready" }`: messages sent to a worker before
/// its wasm runs would be lost, so the page waits for this.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Ready {
    Ready,
}
