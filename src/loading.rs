//! Loading data: the default bundle, and files or URLs the visitor gives, parsed in a web worker.

use crate::fetch::{fetch_js, js_text, Chunks};
use js_sys::{Array, Promise, Uint8Array};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use worker_io::page::Connection;
pub use worker_io::parse::LoadFailure;
use worker_io::parse::{FromParser, ToParser, BUNDLE, FILES};

/// The default data, relative to the page (works from any sub-path).
pub const DEFAULT_BUNDLE: &str = "data/pamela-synthetic.pamb";
/// The `<meta>` tags of index.html that name the default data and where it came from, so that
/// a deployment (`scripts/build-page`) sets its own default without recompiling the app:
/// `<meta name="pamela-default-data" content="data/x.pamb">` and
/// `<meta name="pamela-default-origin" content="the real files, revision abc1234">`.
pub const DEFAULT_DATA_META: &str = "pamela-default-data";
pub const DEFAULT_ORIGIN_META: &str = "pamela-default-origin";
/// `<meta name="pamela-default-text" content="data/x.text">`: the default data's image paths and
/// prompts, fetched after the first chart (absent or empty: the bundle holds them).
pub const DEFAULT_TEXT_META: &str = "pamela-default-text";

/// The default bundle's address and the words for where it came from: the `<meta>` tags when
/// present, else [`DEFAULT_BUNDLE`]. Only an address relative to the page is taken (no scheme,
/// no leading `/`): the default never leaves the page's own origin.
pub fn default_bundle() -> (String, String) {
    let url = meta(DEFAULT_DATA_META)
        .filter(|u| is_page_relative(u))
        .unwrap_or_else(|| DEFAULT_BUNDLE.to_string());
    let origin = meta(DEFAULT_ORIGIN_META).unwrap_or_else(|| "the default bundle".to_string());
    (url, origin)
}

/// The page's `<meta name=...>` content, trimmed, if not empty.
fn meta(name: &str) -> Option<String> {
    crate::dom::window()
        .and_then(|w| w.document())
        .and_then(|d| {
            d.query_selector(&format!("meta[name=\"{name}\"]"))
                .ok()
                .flatten()
        })
        .and_then(|m| m.get_attribute("content"))
        .map(|c| c.trim().to_string())
        .filter(|c| !c.is_empty())
}

/// Where the default data's image text file is, when it comes apart ([`DEFAULT_TEXT_META`]).
pub fn default_text() -> Option<String> {
    meta(DEFAULT_TEXT_META).filter(|u| is_page_relative(u))
}

/// An address below the page's own folder: no scheme, no host, no absolute path, no `..`.
pub fn is_page_relative(url: &str) -> bool {
    !url.contains(':')
        && !url.starts_with('/')
        && !url.starts_with('\\')
        && !url.split(['/', '\\']).any(|s| s == "..")
}
/// The parsing worker's start script (`www/workers/`; the wasm is built by trunk from
/// `crates/parse-worker`).
pub const PARSE_WORKER: &str = "workers/parse-worker-start.js";

/// What a successful parse gives back: the data as a bundle, its data notes inside.
pub struct Parsed {
    pub bundle: Vec<u8>,
}

/// Sends files to a fresh parsing worker and waits for its answer. `progress(file, done,
/// total)` is called as it reads. The worker is stopped (and its listeners freed) when the
/// answer is in, whatever it is.
pub async fn parse_in_worker(
    files: Vec<(String, Chunks)>,
    progress: impl Fn(String, u64, u64) + 'static,
) -> Result<Parsed, LoadFailure> {
    // The request: names in the message, bytes attached (and moved) in the same order.
    let names: Vec<String> = files.iter().map(|f| f.0.clone()).collect();
    let bytes = Array::new();
    let transfer = Array::new();
    // Moved, not copied: the page keeps no copy of what the worker reads. Each file goes as
    // its chunks (the worker joins them in its own memory); a buffer is listed once, since a
    // transfer list may not name one twice.
    let listed = js_sys::Set::new(&JsValue::UNDEFINED);
    for (_, chunks) in &files {
        for c in chunks.parts().iter() {
            let buffer = c.unchecked_into::<Uint8Array>().buffer();
            if !listed.has(&buffer) {
                listed.add(&buffer);
                transfer.push(&buffer);
            }
        }
        bytes.push(chunks.parts());
    }
    drop(files);
    let request = Rc::new(RefCell::new(Some((names, bytes, transfer))));

    // The answer lands here; the promise only wakes the waiting task.
    let answer: Rc<RefCell<Option<Result<Parsed, LoadFailure>>>> = Rc::new(RefCell::new(None));
    let mut wake = None;
    let woken = Promise::new(&mut |resolve, _| wake = Some(resolve));
    let wake = Rc::new(wake);
    let finish = {
        let answer = answer.clone();
        let wake = wake.clone();
        move |r: Result<Parsed, LoadFailure>| {
            let mut a = answer.borrow_mut();
            if a.is_none() {
                *a = Some(r);
                if let Some(w) = wake.as_ref() {
                    let _ = w.call0(&JsValue::NULL);
                }
            }
        }
    };
    let finish = Rc::new(finish);
    let connection: Rc<RefCell<Option<Connection>>> = Rc::new(RefCell::new(None));
    let on_message = {
        let finish = finish.clone();
        let connection = connection.clone();
        move |msg: Result<FromParser, String>, raw: &JsValue| match msg {
            Ok(FromParser::Ready) => {
                let Some((names, bytes, transfer)) = request.borrow_mut().take() else {
                    return;
                };
                let sent = connection
                    .borrow()
                    .as_ref()
                    .map(|c| c.send(&ToParser::Parse { names }, &[(FILES, &bytes)], &transfer));
                if let Some(Err(e)) = sent {
                    finish(Err(LoadFailure::other(format!(
                        "could not hand the files to the reader: {e}"
                    ))));
                }
            }
            Ok(FromParser::Progress { file, done, total }) => progress(file, done, total),
            Ok(FromParser::Done) => finish(match worker_io::attached::<Uint8Array>(raw, BUNDLE) {
                Some(b) => Ok(Parsed { bundle: b.to_vec() }),
                None => Err(LoadFailure::other("the file reader gave no data")),
            }),
            Ok(FromParser::Failed(f)) => finish(Err(f)),
            Err(e) => finish(Err(LoadFailure::other(format!(
                "the file reader's answer could not be read: {e}"
            )))),
        }
    };
    let on_error = {
        let finish = finish.clone();
        move || {
            finish(Err(LoadFailure::other(
                "the file reader stopped unexpectedly",
            )))
        }
    };
    let c = Connection::start(PARSE_WORKER, on_message, on_error)
        .map_err(|e| LoadFailure::other(format!("the file reader could not start: {e}")))?;
    *connection.borrow_mut() = Some(c);
    let _ = JsFuture::from(woken).await;
    // Stops the worker and frees its listeners (they hold the request and the callbacks).
    connection.borrow_mut().take();
    let result = answer.borrow_mut().take();
    result.unwrap_or_else(|| Err(LoadFailure::other("the file reader gave no answer")))
}

/// Reads the bytes of a browser `File` (refused, before reading, when over the page's limit),
/// kept out of wasm memory (see [`crate::fetch::fetch_js`]).
pub async fn read_file(file: &web_sys::File) -> Result<Chunks, String> {
    crate::fetch::within_limit(&file.name(), file.size() as u64, crate::fetch::MAX_BYTES)?;
    let buf = JsFuture::from(file.array_buffer())
        .await
        .map_err(|e| format!("{}: cannot read the file: {}", file.name(), js_text(&e)))?;
    Ok(Chunks::one(Uint8Array::new(&buf)))
}

/// Fetches a URL the visitor typed (http or https only), with progress.
pub async fn fetch_url(url: &str, progress: impl Fn(u64, u64)) -> Result<(String, Chunks), String> {
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
    let bytes = fetch_js(url, progress).await?;
    Ok((name, bytes))
}

#[cfg(test)]
mod tests {
    use super::is_page_relative;

    #[test]
    fn the_page_default_data_apart_is_the_committed_default_bundle() {
        // index.html's default data and its text file, made from the committed bundle by
        // `pamela ingest www/data/pamela-synthetic.pamb --out www/data/first/pamela-synthetic.pamb
        // --text-apart www/data/first/pamela-synthetic.text`: together they are that bundle.
        use pamela_core::bundle;
        let first = include_bytes!("../www/data/first/pamela-synthetic.pamb");
        let text = include_bytes!("../www/data/first/pamela-synthetic.text");
        let whole = bundle::decode(include_bytes!("../www/data/pamela-synthetic.pamb")).unwrap();
        let mut ds = bundle::decode(first).unwrap();
        assert!(ds.images.prompt.iter().all(|p| p.is_empty()));
        let t = bundle::decode_text(text, bundle::bundle_crc(first).unwrap(), ds.images.len());
        t.unwrap().put_into(&mut ds).unwrap();
        assert!(
            ds == whole,
            "the files apart differ from the committed bundle: make them again"
        );
        let page = include_str!("../index.html");
        assert!(page.contains(
            r#"<meta name="pamela-default-data" content="data/first/pamela-synthetic.pamb">"#
        ));
        assert!(page.contains(
            r#"<meta name="pamela-default-text" content="data/first/pamela-synthetic.text">"#
        ));
    }

    #[test]
    fn the_default_data_address_stays_below_the_page() {
        for ok in [
            "data/pamela.pamb",
            "pamela.pamb",
            "data/sub/x.pamb",
            "./data/x.pamb",
        ] {
            assert!(is_page_relative(ok), "{ok}");
        }
        for bad in [
            "https://example.org/x.pamb",
            "//example.org/x.pamb",
            "/data/x.pamb",
            "../x.pamb",
            "data/../../x.pamb",
            "javascript:alert(1)",
            "\\\\host\\x.pamb",
        ] {
            assert!(!is_page_relative(bad), "{bad}");
        }
    }
}
