//! The worker side: receive typed requests, post typed answers with one transferred array.

use js_sys::{Array, Reflect};
use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

/// The worker's global scope.
pub fn scope() -> DedicatedWorkerGlobalScope {
    js_sys::global().unchecked_into()
}

/// Posts `msg` to the page in its envelope, with `attach` (a field name and a typed array) set
/// beside it and its buffer transferred. A message that cannot be converted is dropped (the
/// types are plain structs and strings, so that does not happen in practice).
pub fn post<T: Serialize + ?Sized>(msg: &T, attach: Option<(&str, &JsValue)>) {
    let transfer = Array::new();
    let mut fields: Vec<(&str, &JsValue)> = Vec::new();
    if let Some((field, array)) = attach {
        fields.push((field, array));
        if let Ok(buffer) = Reflect::get(array, &"buffer".into()) {
            transfer.push(&buffer);
        }
    }
    if let Ok(envelope) = crate::envelope(msg, &fields) {
        let _ = scope().post_message_with_transfer(&envelope, &transfer);
    }
}

/// Starts the worker: panics go to the console, every message from the page is decoded as `M`
/// and handed to `handle` with the raw object (for attached arrays; a message that is not an
/// `M` arrives as `Err` with serde's words), and the page is told `"ready"`. The
/// listener lives as long as the worker, so it is left to the worker's end.
pub fn listen<M: DeserializeOwned + 'static>(
    handle: impl Fn(Result<M, String>, JsValue) + 'static,
) {
    console_error_panic_hook::set_once();
    let on_message = Closure::<dyn Fn(MessageEvent)>::new(move |ev: MessageEvent| {
        let data = ev.data();
        handle(crate::open::<M>(&data), data)
    });
    let s = scope();
    s.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    post(&crate::Ready::Ready, None);
}
