//! The parsing worker: receives files (name + bytes), runs the same loader as the command line,
//! and answers with a bundle of the result, so the page stays responsive while a 35 MB JSON file
//! is read.
//!
//! Protocol (all messages are plain objects):
//! * out, first: `{ kind: "ready" }` once the wasm is running (messages sent before would be
//!   lost: the worker's script finishes before its wasm is instantiated);
//! * in: `{ files: [{ name, bytes: Uint8Array }] }`
//! * out: `{ kind: "progress", file, done, total }` every few thousand records;
//!   `{ kind: "done", warnings: [..], bundle: Uint8Array }`;
//!   `{ kind: "error", message, file, location, field }`.

#[cfg(target_arch = "wasm32")]
mod worker {
    use js_sys::{Array, Reflect, Uint8Array};
    use serde::Serialize;
    use wasm_bindgen::prelude::*;
    use wasm_bindgen::JsCast;

    #[derive(Serialize)]
    #[serde(tag = "kind", rename_all = "lowercase")]
    enum Out<'a> {
        Progress {
            file: &'a str,
            done: usize,
            total: usize,
        },
        Done {
            warnings: Vec<String>,
        },
        Error {
            message: String,
            file: String,
            location: String,
            field: Option<String>,
        },
    }

    /// Posts `msg`, with the bundle bytes (if any) moved to the page as `bundle`.
    fn post(msg: &Out, bytes: Option<Vec<u8>>) {
        let bundle = bytes.map(|b| Uint8Array::from(b.as_slice()));
        worker_io::post(msg, bundle.as_ref().map(|a| ("bundle", a.as_ref())));
    }

    fn read_files(data: &JsValue) -> Result<Vec<(String, Vec<u8>)>, String> {
        let files = Reflect::get(data, &"files".into()).map_err(|_| "no files in the message")?;
        let files: Array = files.dyn_into().map_err(|_| "`files` is not a list")?;
        let mut out = Vec::new();
        for f in files.iter() {
            let name = Reflect::get(&f, &"name".into())
                .ok()
                .and_then(|n| n.as_string())
                .ok_or("a file without a name")?;
            let bytes: Uint8Array = Reflect::get(&f, &"bytes".into())
                .ok()
                .and_then(|b| b.dyn_into().ok())
                .ok_or("a file without bytes")?;
            out.push((name, bytes.to_vec()));
        }
        Ok(out)
    }

    fn handle(data: &JsValue) {
        let files = match read_files(data) {
            Ok(f) => f,
            Err(e) => {
                let msg = Out::Error {
                    message: e,
                    file: String::new(),
                    location: String::new(),
                    field: None,
                };
                post(&msg, None);
                return;
            }
        };
        let mut last = 0usize;
        let result = pamela_core::load_any(&files, &mut |file, done, total| {
            // Every few hundred kilobytes is enough for a smooth bar.
            if done == total || done >= last + (256 << 10) || done < last {
                last = done;
                post(&Out::Progress { file, done, total }, None);
            }
        });
        match result {
            Ok((ds, warnings)) => {
                let bytes =
                    pamela_core::bundle::encode_with(&ds, pamela_core::bundle::Effort::Fast);
                let warnings = warnings.iter().map(|w| w.to_string()).collect();
                post(&Out::Done { warnings }, Some(bytes));
            }
            Err(e) => {
                let msg = Out::Error {
                    message: e.to_string(),
                    file: e.file.clone(),
                    location: e.location.to_string(),
                    field: e.field.clone(),
                };
                post(&msg, None);
            }
        }
    }

    pub fn start() {
        worker_io::listen(|data| handle(&data));
    }
}

fn main() {
    #[cfg(target_arch = "wasm32")]
    worker::start();
}
