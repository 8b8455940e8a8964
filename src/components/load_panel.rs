//! Loading other data: choose or drop the PAMELA JSON / JSON Lines files (or a bundle), or give
//! a URL. Files are parsed in a web worker with progress; on any error the message names file,
//! record and field, and the data shown before stays.

use crate::app::{use_ctx, Ctx, Level, Progress};
use crate::components::hub_load::HubLoad;
use crate::data::Loaded;
use crate::loading::{fetch_url, parse_in_worker, read_file};
use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// Parses `files` in the worker (progress in the page's bar) and decodes its answer: the data,
/// its notes, and the bundle they came in (what the Hub flow keeps in the browser). A failure
/// names its place (file, record or line, field) in its message.
pub async fn parse_files(
    ctx: Ctx,
    files: Vec<(String, crate::fetch::Chunks)>,
) -> Result<(pamela_core::Dataset, Vec<pamela_core::Warning>, Vec<u8>), String> {
    let names: Vec<String> = files.iter().map(|f| f.0.clone()).collect();
    ctx.progress.set(Some(Progress {
        what: names.join(", "),
        done: 0,
        total: 0,
    }));
    let result = parse_in_worker(files, move |file, done, total| {
        ctx.progress.set(Some(Progress {
            what: file,
            done,
            total,
        }));
    })
    .await;
    crate::perf::mark("pamela:parsed");
    ctx.progress.set(None);
    // The bundle carries the data notes as structure (kind, count, first places).
    let p = result.map_err(|f| f.message)?;
    // Opening the bundle (inflating and checking it), decoding it, then drawing the new data,
    // each in a task of its own rather than in the one that received the worker's answer:
    // four shorter tasks instead of one long one (see `pamela_core::bundle::Opened`).
    crate::dom::next_task().await;
    let opened = pamela_core::bundle::open(&p.bundle).map_err(|e| e.to_string())?;
    crate::dom::next_task().await;
    let (ds, notes) = opened.decode_report().map_err(|e| e.to_string())?;
    crate::dom::next_task().await;
    Ok((ds, notes, p.bundle))
}

async fn load_files(ctx: Ctx, files: Vec<(String, crate::fetch::Chunks)>, origin: String) {
    let names: Vec<String> = files.iter().map(|f| f.0.clone()).collect();
    match parse_files(ctx, files).await {
        Ok((ds, warnings, bundle)) => {
            let n = ds.ratings.len();
            ctx.set_data(Loaded::new(ds, origin, warnings).with_bundle(bundle));
            // The link can no longer name the data shown: files stay on this machine.
            ctx.ui.data.set(None);
            ctx.load_open.set(false);
            ctx.notify(
                Level::Info,
                format!(
                    "Loaded {} ratings from {}.",
                    pamela_core::export::thousands(n as u64),
                    names.join(", ")
                ),
            );
        }
        Err(e) => ctx.notify(
            Level::Error,
            format!(
                "Could not load {}: {e}. The data shown before is unchanged.",
                names.join(", ")
            ),
        ),
    }
}

/// The files of a list, taken out at once: clearing the input afterwards empties the list.
fn take_files(list: &web_sys::FileList) -> Vec<web_sys::File> {
    (0..list.length()).filter_map(|k| list.item(k)).collect()
}

async fn from_files(ctx: Ctx, list: Vec<web_sys::File>) {
    let mut files = Vec::new();
    for f in list {
        match read_file(&f).await {
            Ok(bytes) => files.push((f.name(), bytes)),
            Err(e) => {
                ctx.notify(
                    Level::Error,
                    format!("{e}. The data shown before is unchanged."),
                );
                return;
            }
        }
    }
    if files.is_empty() {
        return;
    }
    let origin = if files.len() == 1 {
        files[0].0.clone()
    } else {
        format!("{} files", files.len())
    };
    load_files(ctx, files, origin).await;
}

#[component]
pub fn LoadPanel() -> impl IntoView {
    let ctx = use_ctx();
    let url = RwSignal::new(String::new());
    let over = RwSignal::new(false);
    let on_pick = move |ev: web_sys::Event| {
        let Some(target) = ev.target() else { return };
        let input: web_sys::HtmlInputElement = target.unchecked_into();
        if let Some(list) = input.files() {
            leptos::task::spawn_local(from_files(ctx, take_files(&list)));
        }
        input.set_value("");
    };
    let on_drop = move |ev: web_sys::DragEvent| {
        ev.prevent_default();
        over.set(false);
        if let Some(list) = ev.data_transfer().and_then(|d| d.files()) {
            leptos::task::spawn_local(from_files(ctx, take_files(&list)));
        }
    };
    let load_url = move |ev: web_sys::SubmitEvent| {
        ev.prevent_default();
        let u = url.get_untracked().trim().to_string();
        if u.is_empty() {
            return;
        }
        leptos::task::spawn_local(async move {
            ctx.progress.set(Some(Progress {
                what: u.clone(),
                done: 0,
                total: 0,
            }));
            let what = u.clone();
            let fetched = fetch_url(&u, move |done, total| {
                ctx.progress.set(Some(Progress {
                    what: what.clone(),
                    done,
                    total,
                }))
            })
            .await;
            ctx.progress.set(None);
            match fetched {
                Ok((name, bytes)) => load_files(ctx, vec![(name, bytes)], u).await,
                Err(e) => ctx.notify(
                    Level::Error,
                    format!("{e}. The data shown before is unchanged."),
                ),
            }
        });
    };
    view! {
        <section id="load-panel" class="load-panel" hidden=move || !ctx.load_open.get() aria-label="Load data">
            <h2>"Load other data"</h2>
            <HubLoad/>
            <h3>"Files on this computer, or a URL"</h3>
            <p>"Choose or drop the split files (pamela_train.json, pamela_val_seen.json, … as JSON arrays or JSON \
                Lines), or a .pamb bundle. They are read here, in your browser."</p>
            <div class="dropzone" class:over=move || over.get()
                on:dragover=move |ev: web_sys::DragEvent| { ev.prevent_default(); over.set(true); }
                on:dragleave=move |_| over.set(false)
                on:drop=on_drop>
                <label class="file-button">
                    "Choose files…"
                    <input type="file" id="file-input" multiple accept=".json,.jsonl,.ndjson,.pamb,application/json"
                        on:change=on_pick/>
                </label>
                <span class="muted">" or drop them here"</span>
            </div>
            <form class="url-form" on:submit=load_url>
                <label>"…or a URL "
                    <input type="url" class="wide" placeholder="https://…/pamela_train.json" prop:value=move || url.get()
                        on:input=move |ev| url.set(event_target_value(&ev))/>
                </label>
                <button type="submit">"Load"</button>
            </form>
            <p class="muted">"The server must allow this page to read the file (CORS)."</p>
            <DataNotes/>
        </section>
    }
}

/// What the loaded data holds that is inconsistent but was kept: each note's sentence, its count
/// and its first places (file, record or line, field). Nothing when there is nothing to say.
#[component]
pub fn DataNotes() -> impl IntoView {
    let ctx = use_ctx();
    move || {
        ctx.data.with(|d| {
            let notes = d.as_ref().map(|d| d.notes.clone()).unwrap_or_default();
            (!notes.is_empty()).then(|| {
                view! {
                    <div class="data-notes" data-testid="data-notes">
                        <h3>"Data notes"</h3>
                        <p class="muted">"Inconsistencies in the loaded files that did not stop the load; \
                            the first examples of each, with their place."</p>
                        <ul>
                            {notes.into_iter().map(|w| view! {
                                <li data-kind=w.kind.name()>
                                    <strong>{w.message.clone()}</strong>
                                    {format!(" ({} {})", pamela_core::export::thousands(w.count), w.kind.counts())}
                                    <ul class="examples">
                                        {w.examples.iter().map(|e| view! { <li>{e.to_string()}</li> }).collect_view()}
                                    </ul>
                                </li>
                            }).collect_view()}
                        </ul>
                    </div>
                }
            })
        })
    }
}
