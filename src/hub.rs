//! Loading PAMELA from the Hugging Face Hub (or a mirror of it) in the page: the requests and
//! the browser cache. What to ask and how to read the answers is [`pamela_core::hub`]; the flow
//! the visitor sees (consent, confirmation, progress, cancel) is the load panel's
//! (`components/hub_load.rs`).
//!
//! Every request takes the same cancel signal. Listings are bounded ([`LIST_LIMIT`]); each
//! file by the page's limit ([`crate::fetch::MAX_BYTES`]); a file that arrives shorter or longer
//! than the listing said is refused as a broken download. Files are fetched one after the
//! other: the parse needs them all, and one stream at a time keeps the page's memory at the
//! files' size.
//!
//! The parsed result (the compact bundle, about 2 MB for the real data) is kept in Cache
//! Storage under a key of this page's own origin that names the Hub's address, the repository
//! and the commit hash: a link that holds the commit (every link written after a Hub load does)
//! reopens from it with no request at all, offline too.

use crate::fetch::{fetch_with, Chunks, FetchError, MAX_BYTES};
use js_sys::Uint8Array;
use pamela_core::hub::{self, HubRef, Plan, Planned, Step};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::AbortSignal;

/// Largest answer accepted for a repository's info or one folder's listing.
pub const LIST_LIMIT: u64 = 16 << 20;
/// The Cache Storage bucket of this page.
pub const CACHE: &str = "pamela-hub-v1";

/// The host a person is shown for a Hub address ("huggingface.co", "127.0.0.1:8123").
pub fn host_of(hub_addr: &str) -> String {
    match pamela_core::address::parse(hub_addr) {
        Ok(p) => p.authority(),
        Err(_) => hub_addr.to_string(),
    }
}

/// "Hugging Face" for the default Hub, its host otherwise.
pub fn hub_name(hub_addr: &str) -> String {
    if hub_addr.trim_end_matches('/') == hub::DEFAULT_HUB {
        "Hugging Face".to_string()
    } else {
        host_of(hub_addr)
    }
}

/// What a repository holds at one commit, ready to download.
#[derive(Debug, Clone, PartialEq)]
pub struct Listing {
    /// The Hub's address.
    pub hub: String,
    /// The repository at the commit the asked revision pointed to.
    pub at: HubRef,
    /// The revision as asked ("main").
    pub asked: String,
    pub plan: Plan,
}

async fn get(
    url: &str,
    limit: u64,
    signal: &AbortSignal,
    step: Step,
    hub_addr: &str,
    r: &HubRef,
    what: &str,
    progress: impl Fn(u64, u64),
) -> Result<Chunks, String> {
    fetch_with(url, limit, Some(signal), progress)
        .await
        .map_err(|e| match e {
            FetchError::Status(s, _) => hub::refusal(step, s, &host_of(hub_addr), r, what),
            FetchError::Network(_) => format!(
                "could not reach {} for {what} (offline, or the server does not allow this page \
                 to read it)",
                host_of(hub_addr)
            ),
            FetchError::Aborted => CANCELLED.to_string(),
            e => e.message(url),
        })
}

/// Reads JSON with the browser's parser (the app does not compile serde_json).
fn from_json<T: serde::de::DeserializeOwned>(bytes: &Chunks) -> Result<T, String> {
    let text = String::from_utf8(bytes.to_vec()).map_err(|_| "not UTF-8 text".to_string())?;
    let v = js_sys::JSON::parse(&text).map_err(|e| crate::fetch::js_text(&e))?;
    serde_wasm_bindgen::from_value(v).map_err(|e| e.to_string())
}

/// The message of a cancelled request (the flow shows it as a plain notice, not an error).
pub const CANCELLED: &str = "cancelled";

/// Asks the Hub for the commit `r` points to and the split files there (in the root, or else
/// in its first folders other than `images/`).
pub async fn list(hub_addr: &str, r: &HubRef, signal: &AbortSignal) -> Result<Listing, String> {
    let info = get(
        &hub::info_url(hub_addr, r),
        LIST_LIMIT,
        signal,
        Step::Info,
        hub_addr,
        r,
        "the repository's revision",
        |_, _| {},
    )
    .await?;
    let sha = hub::commit(from_json(&info).map_err(hub::not_info)?)?;
    let at = r.pinned(&sha);
    let mut plan = Plan::default();
    let mut folders = vec![String::new()];
    let mut looked = 0;
    while let Some(folder) = folders.pop() {
        looked += 1;
        let bytes = get(
            &hub::tree_url(hub_addr, &r.repo, &sha, &folder),
            LIST_LIMIT,
            signal,
            Step::Tree,
            hub_addr,
            &at,
            "the file list",
            |_, _| {},
        )
        .await?;
        let found = hub::plan(&hub::entries(from_json(&bytes).map_err(hub::not_tree)?)?)?;
        plan.files.extend(found.files);
        plan.ignored.extend(found.ignored);
        // Folders are looked into only while no split file is found, one level down.
        if plan.files.is_empty() && folder.is_empty() {
            folders = found.look_into.into_iter().rev().collect();
        }
        if !plan.files.is_empty() || looked > hub::MAX_FOLDERS {
            break;
        }
    }
    if plan.files.is_empty() {
        let seen: Vec<&str> = plan.ignored.iter().take(8).map(|s| s.as_str()).collect();
        return Err(format!(
            "{} at revision {} holds no PAMELA split file (pamela_train*.json, \
             pamela_val_seen*, pamela_val_unseen*, pamela_test_seen*, pamela_test_unseen*; JSON \
             or JSON Lines){}",
            r.repo,
            hub::short(&sha),
            if seen.is_empty() {
                String::new()
            } else {
                format!("; it holds {}", seen.join(", "))
            }
        ));
    }
    let mut seen = std::collections::HashSet::new();
    if let Some(dup) = plan.files.iter().find(|f| !seen.insert(f.name.clone())) {
        return Err(format!(
            "{} holds two files named {}: the Hub's copy is not loaded (download the one you \
             want and drop it here)",
            r.repo, dup.name
        ));
    }
    Ok(Listing {
        hub: hub_addr.to_string(),
        at,
        asked: r.revision.clone(),
        plan,
    })
}

/// Downloads the listed files one after the other, calling `progress(file index, received)`.
pub async fn download(
    l: &Listing,
    signal: &AbortSignal,
    progress: impl Fn(usize, u64),
) -> Result<Vec<(String, Chunks)>, String> {
    let mut out = Vec::new();
    for (k, f) in l.plan.files.iter().enumerate() {
        let Planned { path, name, size } = f;
        let bytes = get(
            &hub::resolve_url(&l.hub, &l.at.repo, &l.at.revision, path),
            MAX_BYTES,
            signal,
            Step::File,
            &l.hub,
            &l.at,
            path,
            |done, _| progress(k, done),
        )
        .await?;
        hub::check_size(path, bytes.len(), *size)?;
        out.push((name.clone(), bytes));
    }
    Ok(out)
}

/// One copy kept in the browser.
#[derive(Debug, Clone, PartialEq)]
pub struct Saved {
    pub hub: String,
    pub at: HubRef,
    pub bytes: u64,
    /// ISO 8601, as written.
    pub saved: String,
}

fn key(hub_addr: &str, at: &HubRef) -> String {
    format!(
        "pamela-cache/{}/{}/{}.pamb",
        crate::state::encode(hub_addr.trim_end_matches('/')).replace('/', "%2F"),
        at.repo,
        at.revision
    )
}

async fn bucket() -> Result<web_sys::Cache, String> {
    let w = web_sys::window().ok_or("no window")?;
    let caches = w
        .caches()
        .map_err(|_| "this browser keeps no cache for this page".to_string())?;
    JsFuture::from(caches.open(CACHE))
        .await
        .map_err(|e| {
            format!(
                "the browser's cache cannot be opened: {}",
                crate::fetch::js_text(&e)
            )
        })?
        .dyn_into()
        .map_err(|_| "the browser's cache cannot be opened".to_string())
}

const H_HUB: &str = "x-pamela-hub";
const H_REPO: &str = "x-pamela-repo";
const H_SHA: &str = "x-pamela-sha";
const H_SAVED: &str = "x-pamela-saved";

/// Keeps the parsed bundle of `at` (a pinned reference) from `hub_addr`.
pub async fn save(hub_addr: &str, at: &HubRef, bundle: &[u8]) -> Result<(), String> {
    let c = bucket().await?;
    let headers = web_sys::Headers::new().map_err(|_| "headers")?;
    for (k, v) in [
        (H_HUB, hub_addr),
        (H_REPO, at.repo.as_str()),
        (H_SHA, at.revision.as_str()),
        ("content-type", "application/octet-stream"),
    ] {
        headers.set(k, v).map_err(|_| "headers")?;
    }
    let now = js_sys::Date::new_0().to_iso_string();
    headers
        .set(H_SAVED, &now.as_string().unwrap_or_default())
        .map_err(|_| "headers")?;
    let init = web_sys::ResponseInit::new();
    init.set_headers(&headers);
    let body = Uint8Array::from(bundle);
    let resp = web_sys::Response::new_with_opt_buffer_source_and_init(Some(&body), &init)
        .map_err(|_| "the copy could not be prepared")?;
    JsFuture::from(c.put_with_str(&key(hub_addr, at), &resp))
        .await
        .map(|_| ())
        .map_err(|e| {
            format!(
                "the copy could not be kept in the browser ({}); the data is loaded, but the \
                 next visit downloads it again",
                crate::fetch::js_text(&e)
            )
        })
}

/// The kept bundle of `at` from `hub_addr`, if any.
pub async fn open(hub_addr: &str, at: &HubRef) -> Option<Vec<u8>> {
    let c = bucket().await.ok()?;
    let found = JsFuture::from(c.match_with_str(&key(hub_addr, at)))
        .await
        .ok()?;
    let resp: web_sys::Response = found.dyn_into().ok()?;
    let buf = JsFuture::from(resp.array_buffer().ok()?).await.ok()?;
    Some(Uint8Array::new(&buf).to_vec())
}

/// Every kept copy, newest first.
pub async fn saved() -> Vec<Saved> {
    let Ok(c) = bucket().await else {
        return Vec::new();
    };
    let Ok(keys) = JsFuture::from(c.keys()).await else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for req in js_sys::Array::from(&keys).iter() {
        let Ok(req) = req.dyn_into::<web_sys::Request>() else {
            continue;
        };
        let Ok(found) = JsFuture::from(c.match_with_request(&req)).await else {
            continue;
        };
        let Ok(resp) = found.dyn_into::<web_sys::Response>() else {
            continue;
        };
        let h = resp.headers();
        let get = |k: &str| h.get(k).ok().flatten().unwrap_or_default();
        let (hub_addr, repo, sha) = (get(H_HUB), get(H_REPO), get(H_SHA));
        if !hub::is_commit(&sha) {
            continue;
        }
        let bytes = match resp.array_buffer() {
            Ok(p) => JsFuture::from(p)
                .await
                .map(|b| js_sys::ArrayBuffer::from(b).byte_length() as u64)
                .unwrap_or(0),
            Err(_) => 0,
        };
        out.push(Saved {
            hub: hub_addr,
            at: HubRef {
                repo,
                revision: sha,
            },
            bytes,
            saved: get(H_SAVED),
        });
    }
    out.sort_by(|a, b| b.saved.cmp(&a.saved));
    out
}

/// The newest kept copy of `repo` from `hub_addr`.
pub async fn newest(hub_addr: &str, repo: &str) -> Option<Saved> {
    saved()
        .await
        .into_iter()
        .find(|s| s.hub == hub_addr && s.at.repo == repo)
}

/// Forgets one kept copy.
pub async fn forget(s: &Saved) -> Result<(), String> {
    let c = bucket().await?;
    JsFuture::from(c.delete_with_str(&key(&s.hub, &s.at)))
        .await
        .map(|_| ())
        .map_err(|e| {
            format!(
                "the copy could not be removed: {}",
                crate::fetch::js_text(&e)
            )
        })
}

/// A fresh controller whose signal cancels a flow's requests.
pub fn controller() -> Option<web_sys::AbortController> {
    web_sys::AbortController::new().ok()
}

/// Whether `e` is the message of a cancelled flow.
pub fn is_cancelled(e: &str) -> bool {
    e == CANCELLED
}
