//! "Load the real PAMELA from Hugging Face": the button, the link's `data=hf…`, and what the
//! visitor sees in between (which host, what will be downloaded and how much, progress per file,
//! cancel), then the copies kept in this browser.
//!
//! Who is contacted when:
//! * the button names the host it will contact; pressing it is the visitor's yes: the Hub's
//!   file list is asked for, then the files are downloaded at once;
//! * a link with `data=hf…` on the default Hub asks for the file list (the link says so, and the
//!   Hub is a default host), then shows the files and their size and waits for "Download";
//! * a link whose `hub=` names another host contacts nothing until the visitor agrees, showing
//!   the host;
//! * a link that holds a commit already kept in this browser opens the kept copy with no
//!   request at all.
//!
//! A failure leaves the data shown before as it was, says what went wrong and what to do, and,
//! when the Hub cannot be reached, opens the newest copy kept in this browser instead.

use crate::app::{use_ctx, Ctx, Level};
use crate::data::{HubSource, Loaded};
use crate::fetch::human_bytes;
use crate::hub::{self, Listing, Saved};
use leptos::prelude::*;
use pamela_core::hub::{HubRef, DEFAULT_HUB};

/// Where the Hub flow stands.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum HubFlow {
    #[default]
    Idle,
    /// A link asks for a host other than the default: nothing contacted yet.
    AskHost { hub: String, at: HubRef },
    /// Asking the Hub for the commit and the file list.
    Listing { host: String },
    /// A link asked: the files and their size, waiting for "Download". `kept` is an older copy
    /// of the same repository kept in this browser, if any (the revision moved since).
    Confirm {
        listing: Listing,
        kept: Option<Saved>,
    },
    /// Downloading: per file, (name, bytes received, bytes listed).
    Downloading {
        host: String,
        files: Vec<(String, u64, u64)>,
    },
    /// The files are in; the parsing worker reads them.
    Parsing,
}

/// The Hub flow's state, shared by the load panel and the start of the page.
#[derive(Clone, Copy)]
pub struct HubCtl {
    pub flow: RwSignal<HubFlow>,
    /// Cancels the requests in flight.
    abort: StoredValue<Option<web_sys::AbortController>, LocalStorage>,
    /// The copies kept in this browser, newest first.
    pub saved: RwSignal<Vec<Saved>>,
}

impl HubCtl {
    pub fn new() -> HubCtl {
        HubCtl {
            flow: RwSignal::new(HubFlow::Idle),
            abort: StoredValue::new_local(None),
            saved: RwSignal::new(Vec::new()),
        }
    }

    fn signal(&self) -> Option<web_sys::AbortSignal> {
        let c = hub::controller()?;
        let s = c.signal();
        self.abort.set_value(Some(c));
        Some(s)
    }

    fn cancel(&self) {
        if let Some(c) = self.abort.get_value() {
            c.abort();
        }
    }

    pub fn refresh_saved(self) {
        leptos::task::spawn_local(async move {
            let list = hub::saved().await;
            self.saved.set(list);
        });
    }
}

impl Default for HubCtl {
    fn default() -> Self {
        HubCtl::new()
    }
}

pub fn use_hub() -> HubCtl {
    expect_context::<HubCtl>()
}

/// Whether `hub_addr` may be contacted without asking: huggingface.co, the Hub the site was
/// built with, or this page's origin.
pub fn trusted_hub(hub_addr: &str) -> bool {
    hub_addr == DEFAULT_HUB
        || hub_addr == crate::state::DEFAULT_HUB_ADDR.trim_end_matches('/')
        || crate::dom::foreign_host(hub_addr).is_none()
}

/// The link's `data=hf…`, at the start of the page: the kept copy of a pinned commit opens at
/// once; otherwise the default data loads while the flow asks or downloads.
pub fn from_link(ctx: Ctx, hc: HubCtl) {
    let Some(r) = ctx.ui.data.get_untracked() else {
        return;
    };
    let hub_addr = ctx.ui.hub.get_untracked();
    leptos::task::spawn_local(async move {
        if r.is_pinned() {
            if let Some(b) = hub::open(&hub_addr, &r).await {
                open_kept(ctx, hc, b, &hub_addr, &r, None);
                crate::perf::mark("pamela:data-ready");
                return;
            }
        }
        crate::app::load_default(ctx);
        ctx.load_open.set(true);
        if trusted_hub(&hub_addr) {
            start(ctx, hc, hub_addr, r, true).await;
        } else {
            hc.flow.set(HubFlow::AskHost {
                hub: hub_addr,
                at: r,
            });
        }
    });
}

/// Lists, then downloads at once (`from_link` false: the visitor pressed the button) or asks
/// first (`from_link`: the link asked). A commit already kept opens from the browser.
pub async fn start(ctx: Ctx, hc: HubCtl, hub_addr: String, r: HubRef, from_link: bool) {
    if r.is_pinned() {
        if let Some(b) = hub::open(&hub_addr, &r).await {
            open_kept(ctx, hc, b, &hub_addr, &r, None);
            return;
        }
    }
    let host = hub::host_of(&hub_addr);
    hc.flow.set(HubFlow::Listing { host: host.clone() });
    let Some(signal) = hc.signal() else {
        return fail(ctx, hc, "this browser cannot cancel requests".into());
    };
    let listed = hub::list(&hub_addr, &r, &signal).await;
    let listing = match listed {
        Ok(l) => l,
        Err(e) if hub::is_cancelled(&e) => return cancelled(ctx, hc),
        Err(e) => {
            // Unreachable or refused: the newest kept copy of the repository, if there is one.
            if let Some(s) = hub::newest(&hub_addr, &r.repo).await {
                if let Some(b) = hub::open(&s.hub, &s.at).await {
                    let note = format!(
                        "{e}. Opened the copy kept in this browser instead ({}, saved {}).",
                        s.at.describe(),
                        day(&s.saved)
                    );
                    open_kept(ctx, hc, b, &hub_addr, &s.at, Some(note));
                    return;
                }
            }
            return fail(ctx, hc, e);
        }
    };
    if let Some(b) = hub::open(&hub_addr, &listing.at).await {
        open_kept(ctx, hc, b, &hub_addr, &listing.at, None);
        return;
    }
    if from_link {
        let kept = hub::newest(&hub_addr, &r.repo).await;
        hc.flow.set(HubFlow::Confirm { listing, kept });
    } else {
        download(ctx, hc, listing).await;
    }
}

/// Downloads the listed files, parses them in the worker, shows them and keeps a copy.
pub async fn download(ctx: Ctx, hc: HubCtl, listing: Listing) {
    let host = hub::host_of(&listing.hub);
    let files: Vec<(String, u64, u64)> = listing
        .plan
        .files
        .iter()
        .map(|f| (f.path.clone(), 0, f.size))
        .collect();
    hc.flow.set(HubFlow::Downloading {
        host: host.clone(),
        files,
    });
    let Some(signal) = hc.signal() else {
        return fail(ctx, hc, "this browser cannot cancel requests".into());
    };
    let got = hub::download(&listing, &signal, move |k, done| {
        hc.flow.update(|f| {
            if let HubFlow::Downloading { files, .. } = f {
                if let Some(x) = files.get_mut(k) {
                    x.1 = done;
                }
            }
        })
    })
    .await;
    let files = match got {
        Ok(f) => f,
        Err(e) if hub::is_cancelled(&e) => return cancelled(ctx, hc),
        Err(e) => return fail(ctx, hc, e),
    };
    crate::perf::mark("pamela:hub-downloaded");
    hc.flow.set(HubFlow::Parsing);
    let bytes: u64 = files.iter().map(|f| f.1.len()).sum();
    let n_files = files.len();
    let parsed = crate::components::load_panel::parse_files(ctx, files).await;
    hc.flow.set(HubFlow::Idle);
    let (ds, notes, bundle) = match parsed {
        Ok(p) => p,
        Err(e) => return fail(ctx, hc, e),
    };
    let n = ds.ratings.len() as u64;
    let src = HubSource {
        hub: listing.hub.clone(),
        at: listing.at.clone(),
    };
    show(
        ctx,
        Loaded::new(ds, String::new(), notes)
            .with_bundle(bundle.clone())
            .from_hub(src),
    );
    crate::perf::mark("pamela:hub-shown");
    let kept = hub::save(&listing.hub, &listing.at, &bundle).await;
    hc.refresh_saved();
    ctx.notify(
        Level::Info,
        format!(
            "Loaded {} ratings of {} from {}: {n_files} files, {}.{}",
            pamela_core::export::thousands(n),
            listing.at.describe(),
            hub::hub_name(&listing.hub),
            human_bytes(bytes),
            if kept.is_ok() {
                " A copy is kept in this browser for the next visit (see the load panel)."
            } else {
                ""
            }
        ),
    );
    if let Err(e) = kept {
        ctx.notify(Level::Warning, e);
    }
}

/// Shows data that came from a Hub and puts its commit in the link.
fn show(ctx: Ctx, loaded: Loaded) {
    let at = loaded.hub.as_ref().map(|h| h.at.clone());
    ctx.set_data(loaded);
    ctx.ui.data.set(at);
    ctx.load_open.set(false);
}

/// Opens a kept bundle (no request), with `note` said as a warning when given.
fn open_kept(
    ctx: Ctx,
    hc: HubCtl,
    bundle: Vec<u8>,
    hub_addr: &str,
    at: &HubRef,
    note: Option<String>,
) {
    hc.flow.set(HubFlow::Idle);
    match pamela_core::bundle::decode_report(&bundle) {
        Ok((ds, notes)) => {
            let n = ds.ratings.len() as u64;
            let src = HubSource {
                hub: hub_addr.to_string(),
                at: at.clone(),
            };
            show(
                ctx,
                Loaded::new(ds, String::new(), notes)
                    .with_bundle(bundle)
                    .from_hub(src),
            );
            match note {
                Some(t) => ctx.notify(Level::Warning, t),
                None => ctx.notify(
                    Level::Info,
                    format!(
                        "Opened {} ratings of {} from the copy kept in this browser (nothing was downloaded).",
                        pamela_core::export::thousands(n),
                        at.describe()
                    ),
                ),
            }
        }
        Err(e) => {
            ctx.notify(
                Level::Error,
                format!("The copy of {} kept in this browser is damaged ({e}); it was removed. The data shown before is unchanged.", at.describe()),
            );
            let s = Saved {
                hub: hub_addr.to_string(),
                at: at.clone(),
                bytes: 0,
                saved: String::new(),
            };
            leptos::task::spawn_local(async move {
                let _ = hub::forget(&s).await;
                hc.refresh_saved();
            });
        }
    }
}

/// The link keeps naming the data shown (or none), not the load that did not happen.
fn settle_link(ctx: Ctx) {
    let shown = ctx.data.with_untracked(|d| {
        d.as_ref()
            .and_then(|d| d.hub.as_ref().map(|h| h.at.clone()))
    });
    ctx.ui.data.set(shown);
}

fn fail(ctx: Ctx, hc: HubCtl, e: String) {
    hc.flow.set(HubFlow::Idle);
    settle_link(ctx);
    ctx.notify(
        Level::Error,
        format!("Could not load PAMELA from the Hub: {e}. The data shown before is unchanged."),
    );
}

fn cancelled(ctx: Ctx, hc: HubCtl) {
    hc.flow.set(HubFlow::Idle);
    settle_link(ctx);
    ctx.notify(
        Level::Info,
        "The download was cancelled. The data shown before is unchanged.",
    );
}

/// "2026-12-01" from an ISO date.
fn day(iso: &str) -> &str {
    iso.get(..10).unwrap_or(iso)
}

fn sum_sizes(files: &[(String, u64, u64)]) -> (u64, u64) {
    files.iter().fold((0, 0), |(d, t), f| (d + f.1, t + f.2))
}

#[component]
pub fn HubLoad() -> impl IntoView {
    let ctx = use_ctx();
    let hc = use_hub();
    hc.refresh_saved();
    let hub_addr = move || ctx.ui.hub.get();
    let host = move || hub::host_of(&hub_addr());
    let name = move || hub::hub_name(&hub_addr());
    let repo = move || ctx.ui.data.get().unwrap_or_default();
    let busy = move || !matches!(hc.flow.get(), HubFlow::Idle);
    let press = move |_| {
        let mut r = ctx.ui.data.get_untracked().unwrap_or_default();
        // The button asks for the revision the link named, or the current main.
        if ctx.data.with_untracked(|d| {
            d.as_ref()
                .and_then(|d| d.hub.as_ref())
                .is_some_and(|h| h.at == r)
        }) {
            r.revision = pamela_core::hub::DEFAULT_REVISION.into();
        }
        leptos::task::spawn_local(start(ctx, hc, ctx.ui.hub.get_untracked(), r, false));
    };
    let cancel = move |_| match hc.flow.get_untracked() {
        HubFlow::AskHost { .. } | HubFlow::Confirm { .. } => cancelled(ctx, hc),
        _ => hc.cancel(),
    };
    let step = move || match hc.flow.get() {
        HubFlow::Idle | HubFlow::Parsing => None,
        HubFlow::AskHost { hub, at } => {
            let h = hub::host_of(&hub);
            Some(view! {
                <div class="consent notice warning" data-testid="hub-ask-host" role="group" aria-label="Data host from the link">
                    <p>"The link you opened asks to load " <strong>{at.describe()}</strong> " from "
                        <strong>{h.clone()}</strong> ", which is not Hugging Face. Nothing has been requested from it. \
                        That host would see your address."</p>
                    <button type="button" id="hub-ask-yes" on:click=move |_| {
                        let (hub, at) = (hub.clone(), at.clone());
                        leptos::task::spawn_local(start(ctx, hc, hub, at, true));
                    }>{format!("Look up the files on {h}")}</button>
                    " "
                    <button type="button" class="hub-cancel" on:click=cancel>"Cancel"</button>
                </div>
            }.into_any())
        }
        HubFlow::Listing { host } => Some(
            view! {
                <div class="hub-step" role="status" data-testid="hub-listing">
                    <span>{format!("Asking {host} for the file list…")}</span>
                    " " <button type="button" class="hub-cancel" on:click=cancel>"Cancel"</button>
                </div>
            }
            .into_any(),
        ),
        HubFlow::Confirm { listing, kept } => {
            let total = listing.plan.total();
            let ignored = listing.plan.ignored.clone();
            let l2 = listing.clone();
            let older = kept.filter(|k| k.at != listing.at);
            Some(view! {
                <div class="consent notice" data-testid="hub-confirm" role="group" aria-label="What the link will download">
                    <p>"The link asks to download "<strong>{format!("{} files, {}", listing.plan.files.len(), human_bytes(total))}</strong>
                        " of " {listing.at.describe()} " from " {hub::hub_name(&listing.hub)}
                        ". They are read here, in your browser, and a copy is kept in it."</p>
                    {older.map(|k| view! {
                        <p data-testid="hub-newer">{format!(
                            "This browser keeps {} (saved {}); the Hub now has revision {}.",
                            k.at.describe(), day(&k.saved), pamela_core::hub::short(&listing.at.revision))}</p>
                    })}
                    <ul class="hub-files">
                        {listing.plan.files.iter().map(|f| view! {
                            <li>{f.path.clone()} <span class="muted">{format!(" {}", human_bytes(f.size))}</span></li>
                        }).collect_view()}
                    </ul>
                    {(!ignored.is_empty()).then(|| view! {
                        <p class="muted">{format!("Not PAMELA split files, left alone: {}{}", ignored.iter().take(10).cloned().collect::<Vec<_>>().join(", "),
                            if ignored.len() > 10 { format!(" and {} more", ignored.len() - 10) } else { String::new() })}</p>
                    })}
                    <button type="button" id="hub-download" on:click=move |_| {
                        leptos::task::spawn_local(download(ctx, hc, l2.clone()));
                    }>{format!("Download {}", human_bytes(total))}</button>
                    " "
                    <button type="button" class="hub-cancel" on:click=cancel>"Cancel"</button>
                </div>
            }.into_any())
        }
        HubFlow::Downloading { host, files } => {
            let (done, total) = sum_sizes(&files);
            Some(view! {
                <div class="hub-step" role="status" aria-live="polite" data-testid="hub-progress">
                    <p>{format!("Downloading from {host}: {} of {}", human_bytes(done), human_bytes(total))}
                        <progress max=total.max(1).to_string() value=done.to_string() aria-label="All files"></progress></p>
                    <ul class="hub-files">
                        {files.into_iter().map(|(p, d, t)| view! {
                            <li><span>{p.clone()}</span> " "
                                <progress max=t.max(1).to_string() value=d.to_string() aria-label=p.clone()></progress>
                                <span class="muted">{format!(" {} of {}", human_bytes(d), human_bytes(t))}</span></li>
                        }).collect_view()}
                    </ul>
                    <button type="button" class="hub-cancel" on:click=cancel>"Cancel"</button>
                </div>
            }.into_any())
        }
    };
    let kept = move || {
        let list = hc.saved.get();
        (!list.is_empty()).then(|| view! {
            <div class="hub-kept" data-testid="hub-kept">
                <h4>"Kept in this browser"</h4>
                <ul>
                    {list.into_iter().map(|s| {
                        let (s1, s2) = (s.clone(), s.clone());
                        view! {
                            <li>
                                {format!("{} from {} · {} · saved {}", s.at.describe(), hub::hub_name(&s.hub), human_bytes(s.bytes), day(&s.saved))}
                                " "
                                <button type="button" class="hub-open" on:click=move |_| {
                                    let s = s1.clone();
                                    leptos::task::spawn_local(async move {
                                        match hub::open(&s.hub, &s.at).await {
                                            Some(b) => open_kept(ctx, hc, b, &s.hub, &s.at, None),
                                            None => { ctx.notify(Level::Error, "That copy is no longer in this browser."); hc.refresh_saved(); }
                                        }
                                    });
                                }>"Open"</button>
                                " "
                                <button type="button" class="hub-forget" on:click=move |_| {
                                    let s = s2.clone();
                                    leptos::task::spawn_local(async move {
                                        if let Err(e) = hub::forget(&s).await { ctx.notify(Level::Error, e); }
                                        hc.refresh_saved();
                                    });
                                }>"Forget"</button>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            </div>
        })
    };
    view! {
        <div class="hub-load" data-testid="hub-load">
            <h3>"The real PAMELA"</h3>
            <p>
                <button type="button" id="hub-load" on:click=press disabled=busy>
                    {move || format!("Load the real PAMELA from {}", name())}
                </button>
                " "
                <span class="muted">{move || format!(
                    "Downloads the split files of {} from {}, reads them here and keeps a copy in this browser.",
                    repo().repo, host())}</span>
            </p>
            {move || (!trusted_hub(&hub_addr())).then(|| view! {
                <p class="note warning" data-testid="hub-foreign">{format!(
                    "This address comes from the link you opened, not from this site: pressing the button contacts {}, which would see your address.",
                    host())}</p>
            })}
            {step}
            {kept}
        </div>
    }
}
