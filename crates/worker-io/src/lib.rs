//! The worker side of the page/worker protocol, shared by `parse-worker` and `predict-worker`.
//!
//! Messages are plain objects made from serde types (`{ kind: "...", ... }`), with at most one
//! large typed array attached under a named field and *transferred* (moved, not copied) to the
//! page. A worker starts with [`listen`], which also tells the page it is ready: messages sent
//! before the wasm runs would be lost, so the page waits for `{ kind: "ready" }`.
//!
//! Only the worker side lives here; the page reads the fields with `fetch::js_field_*` in the
//! app. Nothing here is compiled for native targets (the workers' logic is tested through the
//! crates they call and the end-to-end tests).
#![cfg(target_arch = "wasm32")]

use js_sys::{Array, Reflect};
use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

/// The worker's global scope.
pub fn scope() -> DedicatedWorkerGlobalScope {
    js_sys::global().unchecked_into()
}

/// Posts `msg` to the page, with `attach` (a field name and a typed array) set on it and its
/// buffer transferred. A message that cannot be converted is dropped (the types here are plain
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

/// Starts the worker: panics go to the console, every message from the page goes to `handle`,
/// and the page is told `{ kind: "ready" }`.
pub fn listen(handle: impl Fn(JsValue) + 'static) {
    console_error_panic_hook::set_once();
    let on_message =
        Closure::<dyn Fn(MessageEvent)>::new(move |ev: MessageEvent| handle(ev.data()));
    let s = scope();
    s.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    #[derive(Serialize)]
    struct Ready {
        kind: &'static str,
    }
    post(&Ready { kind: "ready" }, None);
}
