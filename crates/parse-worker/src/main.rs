//! The parsing worker: receives files (name + bytes), runs the same loader as the command line,
//! and answers with a bundle of the result, so the page stays responsive while a 35 MB JSON file
//! is read.
//!
//! Protocol: [`worker_io::parse`] (files in as `ToParser::Parse` with their bytes attached; out
//! `Ready`, then `Progress` every few hundred kilobytes, then `Done` with the bundle attached or
//! `Failed` with the place of the failure).

#[cfg(target_arch = "wasm32")]
mod worker {
    use js_sys::{Array, Uint8Array};
    use wasm_bindgen::prelude::*;
    use worker_io::parse::{FromParser, LoadFailure, ToParser, BUNDLE, FILES};

    /// Posts `msg`, with the bundle bytes (if any) moved to the page.
    fn post(msg: &FromParser, bytes: Option<Vec<u8>>) {
        let bundle = bytes.map(|b| Uint8Array::from(b.as_slice()));
        worker_io::worker::post(msg, bundle.as_ref().map(|a| (BUNDLE, a.as_ref())));
    }

    fn fail(message: impl Into<String>) {
        post(&FromParser::Failed(LoadFailure::other(message)), None);
    }

    /// The files of a request: each name with the bytes attached at the same position.
    fn read_files(names: Vec<String>, raw: &JsValue) -> Result<Vec<(String, Vec<u8>)>, String> {
        let bytes: Array = worker_io::attached(raw, FILES).ok_or("the files' bytes are missing")?;
        if bytes.length() as usize != names.len() {
            return Err(format!(
                "{} names but {} files in the request",
                names.len(),
                bytes.length()
            ));
        }
        let mut out = Vec::with_capacity(names.len());
        for (name, b) in names.into_iter().zip(bytes.iter()) {
            let b = worker_io::bytes_of(&b).map_err(|e| format!("{name}: {e}"))?;
            out.push((name, b));
        }
        Ok(out)
    }

    fn handle(msg: Result<ToParser, String>, raw: JsValue) {
        let files = match msg.and_then(|ToParser::Parse { names }| read_files(names, &raw)) {
            Ok(f) => f,
            Err(e) => return fail(format!("the reader got a bad request: {e}")),
        };
        drop(raw);
        let mut last = 0usize;
        let result = pamela_core::load_any(&files, &mut |file, done, total| {
            // Every few hundred kilobytes is enough for a smooth bar.
            if done == total || done >= last + (256 << 10) || done < last {
                last = done;
                let p = FromParser::Progress {
                    file: file.to_string(),
                    done: done as u64,
                    total: total as u64,
                };
                post(&p, None);
            }
        });
        drop(files);
        match result {
            Ok((ds, warnings)) => {
                let bytes = pamela_core::bundle::encode_report_with(
                    &ds,
                    &warnings,
                    pamela_core::bundle::Effort::Fast,
                );
                drop(ds);
                post(&FromParser::Done, Some(bytes));
            }
            Err(e) => post(&FromParser::Failed(LoadFailure::from(&e)), None),
        }
    }

    pub fn start() {
        worker_io::worker::listen(handle);
    }
}

fn main() {
    #[cfg(target_arch = "wasm32")]
    worker::start();
}
