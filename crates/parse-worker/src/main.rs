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
    use wasm_bindgen::JsCast;
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
            let b = joined(b).map_err(|e| format!("{name}: {e}"))?;
            out.push((name, b));
        }
        Ok(out)
    }

    /// A file's bytes, sent as one array or as its chunks, copied once into this worker's memory.
    fn joined(b: JsValue) -> Result<Vec<u8>, &'static str> {
        if let Some(a) = b.dyn_ref::<Uint8Array>() {
            return Ok(a.to_vec());
        }
        let parts: Array = b.dyn_into().map_err(|_| "the bytes are not a byte array")?;
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
