//! Fetching bytes with progress (streams the body so that a progress bar can move).
//!
//! Reading is bounded: a declared `Content-Length` only refuses early (over [`MAX_BYTES`]) and
//! drives the progress bar, never an allocation (a server may claim 3.5 GB and send 10 bytes);
//! the chunks are kept as they arrive ([`Chunks`]) and never joined in the page, and a body that
//! grows past [`MAX_BYTES`] stops the download with a message.

use crate::charts::format::Fixed;
use js_sys::{Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortSignal, ReadableStreamDefaultReader, RequestInit, Response};

/// The most one file may hold in the page: the real annotation files are tens of megabytes;
/// a wasm page has 4 GB of address space for everything, the parsed copy included.
pub const MAX_BYTES: u64 = 2 << 30;

/// "1.5 GB", "820 KB": a byte count for people.
pub fn human_bytes(n: u64) -> String {
    let (v, unit) = match n {
        n if n >= 1 << 30 => (n as f64 / (1u64 << 30) as f64, "GB"),
        n if n >= 1 << 20 => (n as f64 / (1u64 << 20) as f64, "MB"),
        n if n >= 1 << 10 => (n as f64 / 1024.0, "KB"),
        n => return format!("{n} bytes"),
    };
    format!("{v_1} {unit}", v_1 = Fixed(v, 1))
}

/// Whether `size` bytes of `what` may be read: an error naming it when over `limit`.
pub fn within_limit(what: &str, size: u64, limit: u64) -> Result<(), String> {
    if size > limit {
        Err(format!(
            "{what} is {}, more than the {} a file may have here; load a smaller file or use the \
             command line (`pamela ingest`) to make a bundle of it",
            human_bytes(size),
            human_bytes(limit)
        ))
    } else {
        Ok(())
    }
}

/// A file's bytes as the JavaScript arrays they arrived in, outside wasm memory (which never
/// shrinks). They are not joined in the page: a join holds the file twice for a moment (the
/// chunks until the garbage collector runs, and the joined copy), which measured as the largest
/// share of a download's peak memory. The parsing worker copies the chunks once, into its own
/// memory, where it needs the file whole anyway.
#[derive(Clone)]
pub struct Chunks {
    parts: js_sys::Array,
    len: u64,
}

impl Chunks {
    /// One array (a chosen file) as chunks.
    pub fn one(a: Uint8Array) -> Chunks {
        let len = a.length() as u64;
        Chunks {
            parts: js_sys::Array::of1(&a),
            len,
        }
    }
    /// Bytes in all.
    pub fn len(&self) -> u64 {
        self.len
    }
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    /// The chunks, each a `Uint8Array`, in order.
    pub fn parts(&self) -> &js_sys::Array {
        &self.parts
    }
    /// The bytes in wasm memory, copied once (for small files the page reads itself).
    pub fn to_vec(&self) -> Vec<u8> {
        // Every part is a byte array (this module pushed them), so this cannot fail.
        worker_io::bytes_of(&self.parts).unwrap_or_default()
    }
}

/// Fetches `url` and returns its bytes in wasm memory (for small files the page decodes itself,
/// such as the default bundle); see [`fetch_js`].
pub async fn fetch_bytes(url: &str, progress: impl Fn(u64, u64)) -> Result<Vec<u8>, String> {
    fetch_js(url, progress).await.map(|b| b.to_vec())
}

/// Fetches `url` and returns its bytes as JavaScript arrays ([`Chunks`]), calling
/// `progress(received, total)` as chunks arrive (`total` is 0 when the server does not say).
/// The bytes stay out of wasm memory: a large file handed on to the parsing worker leaves
/// nothing behind in the page once the garbage collector has run.
pub async fn fetch_js(url: &str, progress: impl Fn(u64, u64)) -> Result<Chunks, String> {
    fetch_with(url, MAX_BYTES, None, progress)
        .await
        .map_err(|e| e.message(url))
}

/// Why a fetch gave no bytes, kept apart so that a caller can say what to do (the Hub's
/// refusals differ by status).
#[derive(Debug, Clone, PartialEq)]
pub enum FetchError {
    /// The request never got an answer: offline, a refused connection, or a server that does
    /// not let this page read it (CORS); the browser does not say which.
    Network(String),
    /// An answer other than 2xx.
    Status(u16, String),
    /// The visitor cancelled.
    Aborted,
    /// Anything else, in words (over the limit, a body cut off, not bytes).
    Other(String),
}

impl FetchError {
    /// A sentence naming `url`.
    pub fn message(&self, url: &str) -> String {
        match self {
            FetchError::Network(e) => format!(
                "cannot fetch {url}: {e} (offline, or the server does not allow this page to \
                 read it)"
            ),
            FetchError::Status(s, t) => format!("cannot fetch {url}: HTTP {s} {t}"),
            FetchError::Aborted => format!("the download of {url} was cancelled"),
            FetchError::Other(e) => e.clone(),
        }
    }
}

fn aborted(signal: Option<&AbortSignal>) -> bool {
    signal.is_some_and(|s| s.aborted())
}

/// [`fetch_js`] with a byte limit of its own and a signal that cancels it (the request and the
/// body both stop; the answer is [`FetchError::Aborted`]).
pub async fn fetch_with(
    url: &str,
    limit: u64,
    signal: Option<&AbortSignal>,
    progress: impl Fn(u64, u64),
) -> Result<Chunks, FetchError> {
    let window = web_sys::window().ok_or(FetchError::Other("no window".into()))?;
    let init = RequestInit::new();
    if let Some(s) = signal {
        init.set_signal(Some(s));
    }
    let resp: Response = match JsFuture::from(window.fetch_with_str_and_init(url, &init)).await {
        Ok(r) => r
            .dyn_into()
            .map_err(|_| FetchError::Other(format!("cannot fetch {url}: not a response")))?,
        Err(_) if aborted(signal) => return Err(FetchError::Aborted),
        Err(e) => return Err(FetchError::Network(js_text(&e))),
    };
    if !resp.ok() {
        return Err(FetchError::Status(resp.status(), resp.status_text()));
    }
    let total = resp
        .headers()
        .get("content-length")
        .ok()
        .flatten()
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(0);
    within_limit(url, total, limit).map_err(FetchError::Other)?;
    let Some(body) = resp.body() else {
        return Ok(Chunks {
            parts: js_sys::Array::new(),
            len: 0,
        });
    };
    let reader: ReadableStreamDefaultReader = body
        .get_reader()
        .dyn_into()
        .map_err(|_| FetchError::Other(format!("cannot read {url}")))?;
    let stop = |e: FetchError| {
        let _ = reader.cancel();
        Err(e)
    };
    let chunks = js_sys::Array::new();
    let mut received = 0u64;
    loop {
        let chunk = match JsFuture::from(reader.read()).await {
            Ok(c) => c,
            Err(_) if aborted(signal) => return Err(FetchError::Aborted),
            Err(e) => {
                return Err(FetchError::Other(format!(
                    "the download of {url} broke off after {received} bytes: {}",
                    js_text(&e)
                )))
            }
        };
        let done = Reflect::get(&chunk, &"done".into())
            .map(|d| d.is_truthy())
            .unwrap_or(true);
        if done {
            break;
        }
        let value = Reflect::get(&chunk, &"value".into()).unwrap_or(JsValue::UNDEFINED);
        let Ok(bytes) = value.dyn_into::<Uint8Array>() else {
            return stop(FetchError::Other(format!("reading {url}: not bytes")));
        };
        received += bytes.length() as u64;
        if let Err(e) = within_limit(url, received, limit) {
            return stop(FetchError::Other(e));
        }
        chunks.push(&bytes);
        progress(received, total);
    }
    Ok(Chunks {
        parts: chunks,
        len: received,
    })
}

pub use worker_io::js_text;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_size_over_the_limit_is_refused_by_name() {
        let e = within_limit("http://x/a.json", 3_500_000_000, MAX_BYTES).unwrap_err();
        assert!(
            e.contains("http://x/a.json") && e.contains("3.3 GB") && e.contains("2.0 GB"),
            "{e}"
        );
        assert!(within_limit("f", MAX_BYTES, MAX_BYTES).is_ok());
    }

    #[test]
    fn byte_counts_read_as_people_say_them() {
        assert_eq!(human_bytes(512), "512 bytes");
        assert_eq!(human_bytes(1536), "1.5 KB");
        assert_eq!(human_bytes(50 << 20), "50.0 MB");
    }
}
