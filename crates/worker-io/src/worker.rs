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

/// Posts `msg` to the page, with `attach` (a field name and a typed array) set on it and its
/// buffer transferred. A message that cannot be converted is dropped (the types are plain
/// structs and strings, so that does not happen in practice).
pub fn post<T: Serialize + ?Sized>(msg: &T, attach: Option<(&str, &JsValue)>) {
    let Ok(v) = serde_wasm_bindgen::to_value(msg) else {
        return;
    };
    let transfer = Array::new();
    if let Some((field, array)) = attach {
        let _ = Reflect::set(&v, &field.into(), array);
        if let Ok(buffer) = Reflect::get(array, &"buffer".into()) {
            transfer.push(&buffer);
        }
    }
    let _ = scope().post_message_with_transfer(&v, &transfer);
}

/// Starts the worker: panics go to the console, every message from the page is decoded as `M`
/// and handed to `handle` with the raw object (for attached arrays; a message that is not an
/// `M` arrives as `Err` with serde's words), and the page is told `{ kind: "ready" }`. The
/// listener lives as long as the worker, so it is left to the worker's end.
pub fn listen<M: DeserializeOwned + 'static>(
    handle: impl Fn(Result<M, String>, JsValue) + 'static,
) {
    console_error_panic_hook::set_once();
    let on_message = Closure::<dyn Fn(MessageEvent)>::new(move |ev: MessageEvent| {
        let data = ev.data();
        let msg = serde_wasm_bindgen::from_value::<M>(data.clone()).map_err(|e| e.to_string());
        handle(msg, data)
    });
    let s = scope();
    s.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    post(&crate::Ready::Ready, None);
}
