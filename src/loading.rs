//! Loading data: the default bundle, and files or URLs the visitor gives, parsed in a web worker.

use crate::fetch::{fetch_bytes, js_field_number, js_field_text, js_text};
use js_sys::{Array, Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{MessageEvent, Worker};

/// The default data, relative to the page (works from any sub-path).
pub const DEFAULT_BUNDLE: &str = "data/pamela-synthetic.pamb";
/// The parsing worker's start script (`www/workers/`; the wasm is built by trunk from
/// `crates/parse-worker`).
pub const PARSE_WORKER: &str = "workers/parse-worker-start.js";

/// What a successful parse gives back.
pub struct Parsed {
    pub bundle: Vec<u8>,
    pub warnings: Vec<String>,
}

/// Sends files to a fresh parsing worker and waits for its answer. `progress(file, done,
/// total)` is called as it reads.
pub async fn parse_in_worker(
    files: Vec<(String, Vec<u8>)>,
    progress: impl Fn(String, u64, u64) + 'static,
) -> Result<Parsed, String> {
    let worker = Worker::new(PARSE_WORKER)
        .map_err(|e| format!("the file reader could not start: {}", js_text(&e)))?;
    let list = Array::new();
    let transfer = Array::new();
    for (name, bytes) in &files {
        let o = Object::new();
        let arr = Uint8Array::from(bytes.as_slice());
        Reflect::set(&o, &"name".into(), &JsValue::from_str(name)).ok();
        Reflect::set(&o, &"bytes".into(), &arr).ok();
        transfer.push(&arr.buffer());
        list.push(&o);
    }
    drop(files);
    let msg = Object::new();
    Reflect::set(&msg, &"files".into(), &list).ok();

    let w2 = worker.clone();
    let progress = std::rc::Rc::new(progress);
    // The files go out when the worker says it is ready (its wasm starts asynchronously).
    let outbox = std::rc::Rc::new(std::cell::RefCell::new(Some((msg, transfer))));
    let answer = Promise::new(&mut |resolve, reject| {
        let reject2 = reject.clone();
        let progress = progress.clone();
        let outbox = outbox.clone();
        let w3 = w2.clone();
        let on_message = Closure::<dyn Fn(MessageEvent)>::new(move |ev: MessageEvent| {
            let data = ev.data();
            let kind = js_field_text(&data, "kind").unwrap_or_default();
            match kind.as_str() {
                "ready" => {
                    if let Some((msg, transfer)) = outbox.borrow_mut().take() {
                        if let Err(e) = w3.post_message_with_transfer(&msg, &transfer) {
                            let text =
                                format!("could not hand the files to the reader: {}", js_text(&e));
                            let _ = reject.call1(&JsValue::NULL, &JsValue::from_str(&text));
                        }
                    }
                }
                "progress" => {
                    let get = |k: &str| js_field_number(&data, k) as u64;
                    let file = js_field_text(&data, "file").unwrap_or_default();
                    progress(file, get("done"), get("total"));
                }
                "done" => {
                    let _ = resolve.call1(&JsValue::NULL, &data);
                }
                _ => {
                    let _ = reject.call1(&JsValue::NULL, &data);
                }
            }
        });
        let on_error = Closure::<dyn Fn(JsValue)>::new(move |_e: JsValue| {
            let _ = reject2.call1(
                &JsValue::NULL,
                &JsValue::from_str("the file reader stopped unexpectedly"),
            );
        });
        w2.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        w2.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        on_message.forget();
        on_error.forget();
    });
    let result = JsFuture::from(answer).await;
    worker.terminate();
    match result {
        Ok(data) => {
            let bundle: Uint8Array = Reflect::get(&data, &"bundle".into())
                .ok()
                .and_then(|b| b.dyn_into().ok())
                .ok_or("the file reader gave no data")?;
            let warnings = Reflect::get(&data, &"warnings".into())
                .ok()
                .and_then(|w| w.dyn_into::<Array>().ok())
                .map(|a| a.iter().filter_map(|v| v.as_string()).collect())
                .unwrap_or_default();
            Ok(Parsed {
                bundle: bundle.to_vec(),
                warnings,
            })
        }
        Err(e) => Err(js_field_text(&e, "message").unwrap_or_else(|| js_text(&e))),
    }
}

/// Reads the bytes of a browser `File`.
pub async fn read_file(file: &web_sys::File) -> Result<Vec<u8>, String> {
    let buf = JsFuture::from(file.array_buffer())
        .await
        .map_err(|e| format!("{}: cannot read the file: {}", file.name(), js_text(&e)))?;
    Ok(Uint8Array::new(&buf).to_vec())
}

/// Fetches a URL the visitor typed (http or https only), with progress.
pub async fn fetch_url(
    url: &str,
    progress: impl Fn(u64, u64),
) -> Result<(String, Vec<u8>), String> {
    let parsed = web_sys::Url::new(url).map_err(|_| format!("“{url}” is not a web address"))?;
    let scheme = parsed.protocol();
    if scheme != "https:" && scheme != "http:" {
        return Err(format!(
            "“{url}”: only http and https addresses can be loaded"
        ));
    }
    let name = parsed
        .pathname()
        .rsplit('/')
        .next()
        .filter(|n| !n.is_empty())
        .unwrap_or("download")
        .to_string();
    let name = js_sys::decode_uri_component(&name)
        .ok()
        .and_then(|n| n.as_string())
        .unwrap_or(name);
    let bytes = fetch_bytes(url, progress).await?;
    Ok((name, bytes))
}
