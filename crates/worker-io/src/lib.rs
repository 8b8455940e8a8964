//! The page/worker message protocol of PAMELA Explorer, both directions, for both workers.
//!
//! * [`parse`] and [`predict`]: one serde enum per direction per worker, in serde's default
//!   (externally tagged) form: `{ progress: { file, done, total } }`, or `"ready"` for a variant
//!   without fields. They are encoded and decoded with serde-wasm-bindgen on both sides, so the
//!   page and the worker cannot disagree on a field name without the compiler seeing it. These
//!   compile everywhere and are tested natively. (An enum tagged by a field, `{ kind: ... }`,
//!   reads more like hand-written JSON, but decoding it buffers the whole message in serde's
//!   generic content tree first: about 10 KB more wasm in the page, measured, for no gain here.)
//! * Every message travels in an envelope, `{ msg: <the serde message>, <field>: <array> }`.
//!   Large arrays (file bytes, a bundle, 5,077 scores) do not go through serde: they sit in the
//!   envelope beside `msg` under a named field ([`parse::BUNDLE`], ...) and are *transferred*
//!   (moved, not copied); the receiver reads them with [`attached`], and serde never sees them.
//!   The workers' start scripts, which report a wasm that failed to start, post the same
//!   envelope.
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

/// The envelope of `msg` with `attach` (field name, value) beside it.
pub fn envelope<T: serde::Serialize + ?Sized>(
    msg: &T,
    attach: &[(&str, &wasm_bindgen::JsValue)],
) -> Result<wasm_bindgen::JsValue, String> {
    let v = serde_wasm_bindgen::to_value(msg).map_err(|e| e.to_string())?;
    let env = js_sys::Object::new();
    let set = |k: &str, v: &wasm_bindgen::JsValue| {
        js_sys::Reflect::set(&env, &k.into(), v).map_err(|e| js_text(&e))
    };
    set(MSG, &v)?;
    for (field, value) in attach {
        set(field, value)?;
    }
    Ok(env.into())
}

/// The message in a received envelope, decoded (serde's words when it is not an `M`).
pub fn open<M: serde::de::DeserializeOwned>(envelope: &wasm_bindgen::JsValue) -> Result<M, String> {
    let msg = js_sys::Reflect::get(envelope, &MSG.into()).map_err(|e| js_text(&e))?;
    if msg.is_undefined() {
        return Err("a message without its envelope".into());
    }
    serde_wasm_bindgen::from_value(msg).map_err(|e| e.to_string())
}

/// The envelope's field that holds the message.
pub const MSG: &str = "msg";

/// Reads an array attached beside a received message under `field` (see the crate docs).
pub fn attached<T: wasm_bindgen::JsCast>(msg: &wasm_bindgen::JsValue, field: &str) -> Option<T> {
    use wasm_bindgen::JsCast;
    js_sys::Reflect::get(msg, &field.into())
        .ok()
        .and_then(|v| v.dyn_into::<T>().ok())
}

/// A file's bytes sent as one `Uint8Array` or as an array of them (a download's chunks, in
/// order), copied once into wasm memory: what the page and the parsing worker both do with
/// files that stay JavaScript arrays until they are read.
pub fn bytes_of(v: &wasm_bindgen::JsValue) -> Result<Vec<u8>, &'static str> {
    use js_sys::Uint8Array;
    use wasm_bindgen::JsCast;
    if let Some(a) = v.dyn_ref::<Uint8Array>() {
        return Ok(a.to_vec());
    }
    let parts = v
        .dyn_ref::<js_sys::Array>()
        .ok_or("the bytes are not a byte array")?;
    let mut chunks = Vec::with_capacity(parts.length() as usize);
    let mut len = 0usize;
    for c in parts.iter() {
        let c: Uint8Array = c.dyn_into().map_err(|_| "a chunk is not a byte array")?;
        len = len
            .checked_add(c.length() as usize)
            .ok_or("the file is too large")?;
        chunks.push(c);
    }
    let mut out = vec![0u8; len];
    let mut at = 0;
    for c in chunks {
        let n = c.length() as usize;
        c.copy_to(&mut out[at..at + n]);
        at += n;
    }
    Ok(out)
}

/// The message of a JavaScript error value, or its string form.
pub fn js_text(v: &wasm_bindgen::JsValue) -> String {
    use wasm_bindgen::JsCast;
    if let Some(e) = v.dyn_ref::<js_sys::Error>() {
        return String::from(e.message());
    }
    v.as_string().unwrap_or_else(|| format!("{v:?}"))
}

/// The first message every worker sends, `"ready"` (the `Ready` variant of each worker's
/// answers): messages sent to a worker before its wasm runs would be lost, so the page waits
/// for this.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Ready {
    Ready,
}
