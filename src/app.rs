//! The page: shared state, loading, URL sync, and the layout of the views.
//!
//! State lives in signals held in [`Ctx`] (provided as context): the loaded data, the view
//! state ([`Ui`]: one signal per field of the [`UiState`] that mirrors the query string),
//! notices, and load progress. The resolved filter,
//! its compiled masks and the one-pass [`Overview`] are memos on top; every view derives what
//! it draws from those.

use crate::components::{
    about::About, ages::AgeHistogram, chips::Chips, cohorts::Cohorts, distribution::Distribution,
    filters::FilterPanel, filters::Target, for_you::ForYou, heatmap::Heatmap, images::Images,
    load_panel::LoadPanel, means::Means, notices::Notices, participants::Participants,
    source_badge::SourceBadge, taste::Taste, teach::PresenterBar, teach::QuestionPanel,
    teach::QuestionsMenu,
};
use crate::data::Loaded;
use crate::state::{FilterSpec, UiState};
use crate::ui::Ui;
use leptos::prelude::*;
use pamela_core::query::{self, Compiled, Filter, Key, Overview};
use std::sync::Arc;

/// An `Arc` compared by identity, so memos of large values change only when recomputed.
#[derive(Debug)]
pub struct Shared<T>(pub Arc<T>);

impl<T> Shared<T> {
    pub fn new(v: T) -> Shared<T> {
        Shared(Arc::new(v))
    }
}

impl<T> Clone for Shared<T> {
    fn clone(&self) -> Self {
        Shared(self.0.clone())
    }
}

impl<T> PartialEq for Shared<T> {
    fn eq(&self, o: &Self) -> bool {
        Arc::ptr_eq(&self.0, &o.0)
    }
}

impl<T> std::ops::Deref for Shared<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Info,
    Warning,
    Error,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    pub id: u32,
    pub level: Level,
    pub text: String,
}

/// Progress of a load in flight.
#[derive(Debug, Clone, PartialEq)]
pub struct Progress {
    pub what: String,
    pub done: u64,
    pub total: u64,
}

/// Everything the components share.
#[derive(Clone, Copy)]
pub struct Ctx {
    pub data: RwSignal<Option<Shared<Loaded>>>,
    pub ui: Ui,
    pub notices: RwSignal<Vec<Notice>>,
    pub progress: RwSignal<Option<Progress>>,
    pub filter: Memo<Shared<Filter>>,
    pub compiled: Memo<Option<Shared<Compiled>>>,
    pub overview: Memo<Option<Shared<Overview>>>,
    /// Whether the load panel is open.
    pub load_open: RwSignal<bool>,
    /// An image host other than the default that the visitor agreed to (or typed) in this
    /// page; a host that only came from a link is never contacted before that.
    pub image_consent: RwSignal<Option<String>>,
    /// The card the address's fragment names (`#cohorts`): the one a link lands on, and the
    /// one presenter mode shows.
    pub card: RwSignal<Option<String>>,
    /// The tooltip of the chart mark under the pointer: its text and the pointer's place in
    /// the viewport. One for the page, drawn outside the cards ([`Tooltip`]): a card skips
    /// layout while off screen (`content-visibility` in `style.css`), which makes it the box
    /// that fixed elements inside it are placed in and clipped to.
    pub tip: RwSignal<Option<(String, f64, f64)>>,
}

impl Ctx {
    pub fn notify(&self, level: Level, text: impl Into<String>) {
        let text = text.into();
        self.notices.update(|n| {
            if n.iter().any(|x| x.text == text) {
                return;
            }
            let id = n.iter().map(|x| x.id).max().unwrap_or(0) + 1;
            n.push(Notice { id, level, text });
        });
    }

    /// Main-filter change (a click on a mark, a chip, a checkbox).
    pub fn edit_filter(&self, f: impl FnOnce(&mut FilterSpec)) {
        self.ui.filter.update(f);
    }

    /// Sets dimension `d` to just `token`, or clears it if it already was (click-to-filter).
    pub fn click_filter(&self, d: pamela_core::Dim, token: &str) {
        self.edit_filter(|f| f.click(d, token));
    }

    /// Replaces the data; what was loaded before stays until this is called. The view's
    /// filters are normalized against the new data first, so every reader sees names that
    /// resolve.
    pub fn set_data(&self, loaded: Loaded) {
        if !loaded.notes.is_empty() {
            let n = loaded.notes.len();
            self.notify(
                Level::Warning,
                format!(
                    "The data loaded with {n} kind{} of inconsistency (kept, not refused): see \u{201c}Data notes\u{201d} in About and in the load panel.",
                    if n == 1 { "" } else { "s" }
                ),
            );
        }
        self.set_ui(self.ui.snapshot_untracked(), Some(&loaded.ds));
        self.data.set(Some(Shared::new(loaded)));
    }

    /// Replaces the whole view state (a link, back or forward), dropping values that the data
    /// (the loaded one, or `ds`) does not hold, with a notice.
    pub fn set_ui(&self, mut u: UiState, ds: Option<&pamela_core::Dataset>) {
        let gone = match ds {
            Some(ds) => normalize(&mut u, ds),
            None => self
                .data
                .with_untracked(|d| d.as_ref().map(|d| normalize(&mut u, &d.ds)))
                .flatten(),
        };
        if let Some(text) = gone {
            self.notify(Level::Warning, text);
        }
        self.ui.set(u);
    }
}

/// Drops the filter values `ds` does not hold from every spec of the state; the notice that
/// says which, if any.
pub fn normalize(u: &mut UiState, ds: &pamela_core::Dataset) -> Option<String> {
    let mut gone = Vec::new();
    for (name, spec) in [
        ("filter", &mut u.filter),
        ("cohort A", &mut u.cohort_a),
        ("cohort B", &mut u.cohort_b),
    ] {
        let dropped = spec.normalize(ds);
        if !dropped.is_empty() {
            let list: Vec<String> = dropped.iter().map(|x| x.to_string()).collect();
            gone.push(format!("{name}: {}", list.join(", ")));
        }
    }
    (!gone.is_empty()).then(|| {
        format!(
            "This data has no {}; {} dropped from the view.",
            gone.join("; "),
            if gone.len() == 1 {
                "it was"
            } else {
                "they were"
            }
        )
    })
}

pub fn use_ctx() -> Ctx {
    expect_context::<Ctx>()
}

/// The shared state, not yet mounted or loaded: [`App`] provides it; component tests build it
/// directly and hand it data with [`Ctx::set_data`].
pub fn new_ctx() -> Ctx {
    let (initial, url_notices) = UiState::from_query(&crate::dom::location_search());
    let data: RwSignal<Option<Shared<Loaded>>> = RwSignal::new(None);
    let ui = Ui::new(initial);
    let notices = RwSignal::new(Vec::new());
    let filter = Memo::new(move |_| {
        let spec = ui.filter.get();
        Shared::new(data.with(|d| match d {
            Some(d) => spec.resolve(&d.ds).0,
            None => Filter::default(),
        }))
    });
    let compiled = Memo::new(move |_| {
        let f = filter.get();
        data.with(|d| d.as_ref().map(|d| Shared::new(Compiled::new(&d.ds, &f))))
    });
    let overview = Memo::new(move |_| {
        let c = compiled.get()?;
        data.with(|d| d.as_ref().map(|d| Shared::new(query::overview(&d.ds, &c))))
    });
    let ctx = Ctx {
        data,
        ui,
        notices,
        progress: RwSignal::new(None),
        filter,
        compiled,
        overview,
        load_open: RwSignal::new(false),
        image_consent: RwSignal::new(None),
        card: RwSignal::new(crate::dom::location_hash()),
        tip: RwSignal::new(None),
    };
    for n in url_notices {
        ctx.notify(Level::Warning, n);
    }
    ctx
}

/// The query string follows the state (a history entry per settled change) and back/forward
/// restore it. The address bar is written a moment after the last change: `pushState` costs a
/// few milliseconds, which a burst of clicks should not pay each time.
fn sync_url(ctx: Ctx) {
    let generation = StoredValue::new(0u64);
    Effect::new(move |_| {
        let q = ctx.ui.snapshot().to_query();
        generation.update_value(|g| *g += 1);
        let mine = generation.get_value();
        let write = move || {
            if generation.try_get_value() != Some(mine) {
                return; // a newer change will write
            }
            let current = crate::dom::location_search();
            if current.strip_prefix('?').unwrap_or(&current) != q {
                crate::dom::push_query(&q);
            }
        };
        crate::dom::after(120, write);
    });
    let on_pop = move |_: web_sys::PopStateEvent| {
        let (s, notices) = UiState::from_query(&crate::dom::location_search());
        for n in notices {
            ctx.notify(Level::Warning, n);
        }
        ctx.set_ui(s, None);
        ctx.card.set(crate::dom::location_hash());
    };
    let handle = window_event_listener(leptos::ev::popstate, on_pop);
    // A card link followed inside the page (`<a href="#taste">`).
    let on_hash = window_event_listener(leptos::ev::hashchange, move |_| {
        ctx.card.set(crate::dom::location_hash())
    });
    on_cleanup(move || {
        handle.remove();
        on_hash.remove();
    });
}

/// Fetches and shows the default bundle (unless other data is shown by the time it arrives).
pub fn load_default(ctx: Ctx) {
    leptos::task::spawn_local(async move {
        let what = "default data".to_string();
        ctx.progress.set(Some(Progress {
            what: what.clone(),
            done: 0,
            total: 0,
        }));
        let (url, origin) = crate::loading::default_bundle();
        let bytes = crate::fetch::fetch_bytes(&url, move |done, total| {
            ctx.progress.set(Some(Progress {
                what: what.clone(),
                done,
                total,
            }))
        })
        .await;
        ctx.progress.set(None);
        let text = crate::loading::default_text();
        let crc = bytes
            .as_ref()
            .ok()
            .and_then(|b| pamela_core::bundle::bundle_crc(b));
        match bytes.and_then(|b| {
            pamela_core::bundle::decode_report(&b)
                .map(|d| (d, b))
                .map_err(|e| e.to_string())
        }) {
            // Data the visitor (or the link) loaded meanwhile stays.
            Ok(_) if ctx.data.with_untracked(|d| d.is_some()) => {}
            Ok(((ds, notes), b)) => {
                let mut loaded = Loaded::new(ds, origin, notes).with_bundle(b);
                loaded.text_pending = text.is_some();
                ctx.set_data(loaded);
                crate::perf::mark("pamela:data-ready");
                if let (Some(url), Some(crc)) = (text, crc) {
                    // After the first chart is drawn (the views update in this task's
                    // microtasks), so that the first view does not wait for it.
                    crate::dom::after(0, move || load_default_text(ctx, url, crc));
                }
            }
            Err(e) => ctx.notify(
                Level::Error,
                format!("The default data could not be loaded: {e}"),
            ),
        }
    });
}

/// Fetches the default data's image paths and prompts and puts them into the data shown, if
/// that is still the default data they belong to (`crc` names its bundle).
fn load_default_text(ctx: Ctx, url: String, crc: u32) {
    leptos::task::spawn_local(async move {
        let got = crate::fetch::fetch_bytes(&url, |_, _| {}).await;
        let Some(current) = ctx.data.get_untracked() else {
            return;
        };
        if !current.text_pending {
            return; // other data was loaded meanwhile
        }
        let merged = got.and_then(|b| {
            pamela_core::bundle::decode_text(&b, crc, current.ds.images.len())
                .map_err(|e| format!("{url}: {e}"))
                .and_then(|t| current.with_text(t, Some(b)))
        });
        match merged {
            Ok(l) => ctx.data.set(Some(Shared::new(l))),
            Err(e) => {
                // The data stays as it is, no longer waiting.
                let none = pamela_core::bundle::ImageText {
                    path: current.ds.images.path.clone(),
                    prompt: current.ds.images.prompt.clone(),
                };
                if let Ok(l) = current.with_text(none, None) {
                    ctx.data.set(Some(Shared::new(l)));
                }
                ctx.notify(
                    Level::Error,
                    format!(
                        "The images' prompts could not be loaded ({e}): the charts work, the \
                         image list and \u{201c}For you\u{201d} show no prompts."
                    ),
                );
            }
        }
    });
}

/// Downloads the selected ratings (CSV with the export's context as `#` lines, or JSON Lines of
/// published records with their split).
fn export_ratings(ctx: Ctx, jsonl: bool) {
    let c = crate::components::card::export_context(ctx, "The selected ratings".into(), false);
    let Some(compiled) = ctx.compiled.get_untracked() else {
        return;
    };
    if ctx
        .data
        .with_untracked(|d| d.as_ref().is_some_and(|d| d.text_pending))
    {
        ctx.notify(
            Level::Info,
            "The images' prompts are still loading: export the ratings in a moment.".to_string(),
        );
        return;
    }
    let Some(text) = ctx.data.with_untracked(|d| {
        d.as_ref().map(|d| {
            if jsonl {
                pamela_core::export::ratings_jsonl(&d.ds, &compiled)
            } else {
                c.csv_preamble() + &pamela_core::export::ratings_csv(&d.ds, &compiled)
            }
        })
    }) else {
        return;
    };
    let (ext, mime) = if jsonl {
        ("jsonl", "application/jsonl")
    } else {
        ("csv", "text/csv")
    };
    if let Err(e) = crate::dom::download(&c.file_name("ratings", ext), mime, text.as_bytes()) {
        ctx.notify(Level::Error, format!("The ratings export failed: {e}"));
    }
}

#[component]
pub fn App() -> impl IntoView {
    let ctx = new_ctx();
    provide_context(ctx);
    provide_context(crate::predictor::PredictorCtx::new());
    let hub = crate::components::hub_load::HubCtl::new();
    provide_context(hub);
    sync_url(ctx);
    // A link naming Hub data opens the copy kept in this browser without the default data;
    // otherwise the default data shows while the Hub flow asks or downloads.
    if ctx.ui.data.get_untracked().is_some() {
        crate::components::hub_load::from_link(ctx, hub);
    } else {
        load_default(ctx);
    }
    // A link to a card (`#cohorts`) lands on it once the first data has drawn the cards.
    Effect::new(move |landed: Option<bool>| {
        if landed == Some(true) || ctx.data.with(|d| d.is_none()) {
            return landed.unwrap_or(false);
        }
        crate::dom::after(0, crate::dom::land_on_hash);
        true
    });

    let copy_link = move |_| {
        leptos::task::spawn_local(async move {
            let href = crate::dom::link_to(&ctx.ui.snapshot_untracked().to_query());
            match crate::dom::copy_text(&href).await {
                Ok(()) => ctx.notify(Level::Info, "Link copied: it restores this exact view."),
                Err(_) => ctx.notify(Level::Info, format!("Copy this link: {href}")),
            }
        });
    };
    let ready = move || ctx.data.with(|d| d.is_some());
    let selected = move || ctx.overview.get().map(|o| o.total.n).unwrap_or(0);
    let people = move || {
        ctx.overview.with(|o| {
            o.as_ref().map_or(0, |o| {
                o.per_participant.iter().filter(|a| a.n > 0).count() as u64
            })
        })
    };
    let total = move || {
        ctx.data
            .with(|d| d.as_ref().map_or(0, |d| d.ds.ratings.len() as u64))
    };
    // On a phone the filters start folded so the charts are one scroll away.
    let narrow = web_sys::window()
        .and_then(|w| w.inner_width().ok())
        .and_then(|v| v.as_f64())
        .is_some_and(|w| w < 820.0);
    let active_filters = move || ctx.ui.filter.with(|f| f.parts().len());
    let filters_open = RwSignal::new(!narrow);
    // On a phone: the active filters in one line that stays at the top and opens the panel.
    let summary_line = move || {
        let f = ctx.ui.filter.get();
        ctx.data.with(|d| {
            let parts: Vec<String> = f
                .described(d.as_ref().map(|d| &d.ds))
                .into_iter()
                .map(|(_, text)| text)
                .collect();
            if parts.is_empty() {
                "No filter: all ratings".to_string()
            } else {
                parts.join(" · ")
            }
        })
    };
    let open_filters = move |_| {
        filters_open.set(true);
        crate::dom::scroll_to("filters-summary");
    };
    // Presenter mode restyles the whole page (type size, one card), from its root element.
    Effect::new(move |_| {
        let on = ctx.ui.present.get();
        if let Some(root) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.document_element())
        {
            let _ = root.class_list().toggle_with_force("present", on);
        }
    });

    view! {
        <a class="skip" href="#views">"Skip to the charts"</a>
        <header class="top">
            <div class="brand">
                <h1>"PAMELA Explorer"</h1>
                <SourceBadge/>
            </div>
            <nav class="actions" aria-label="Page actions">
                <button type="button" on:click=move |_| ctx.load_open.update(|o| *o = !*o)
                    aria-expanded=move || ctx.load_open.get().to_string() aria-controls="load-panel">
                    "Load data"
                </button>
                <button type="button" on:click=copy_link>"Copy link"</button>
                <button type="button" id="present-toggle" aria-pressed=move || ctx.ui.present.get().to_string()
                    on:click=move |_| ctx.ui.present.update(|p| *p = !*p)>"Presenter mode"</button>
                <QuestionsMenu/>
                <a href="#for-you">"For you"</a>
                <a href="#about">"About"</a>
            </nav>
        </header>
        <PresenterBar filters=Signal::derive(summary_line)/>
        <LoadPanel/>
        <Notices/>
        {move || ctx.progress.get().map(|p| {
            let pct = (p.total > 0).then(|| (p.done as f64 / p.total as f64 * 100.0).min(100.0));
            view! {
                <div class="progress" role="status" aria-live="polite">
                    <span>{format!("Loading {}… {} KB", p.what, p.done / 1024)}
                        {p.total.gt(&0).then(|| format!(" of {} KB", p.total / 1024))}</span>
                    <progress max="100" value=pct.map(|v| v.to_string()).unwrap_or_default()></progress>
                </div>
            }
        })}
        <div class="layout" class:filters-closed=move || !filters_open.get()>
            <div class="phone-filters" role="region" aria-label="Active filters">
                <span class="phone-filters-text" data-testid="phone-filters">{summary_line}</span>
                <button type="button" on:click=open_filters aria-controls="filters-panel">"Filters"</button>
            </div>
            <aside class="sidebar" aria-label="Filters">
                <details class="filters-toggle" id="filters-panel" prop:open=move || filters_open.get()
                    on:toggle=move |ev| filters_open.set(event_target::<web_sys::HtmlDetailsElement>(&ev).open())>
                    <summary id="filters-summary">"Filters" {move || match active_filters() { 0 => String::new(), n => format!(" ({n} active)") }}</summary>
                    <Show when=ready fallback=|| view! { <p class="muted">"Waiting for data…"</p> }>
                        <FilterPanel target=Target::Main/>
                    </Show>
                </details>
            </aside>
            <main id="main">
                <QuestionPanel/>
                <Show when=ready fallback=|| ()>
                    <section class="selection" aria-label="Current selection">
                        <p class="count" data-testid="selected-count">
                            <strong>{move || pamela_core::export::thousands(selected())}</strong>
                            " of " {move || pamela_core::export::thousands(total())} " ratings selected · "
                            <span data-testid="selected-people">{move || pamela_core::export::thousands(people())}</span>" people"
                        </p>
                        <p class="ci-mode note">
                            <label class="check">
                                <input type="checkbox" id="ci-independent" prop:checked=move || ctx.ui.independent.get()
                                    on:change=move |ev| ctx.ui.independent.set(event_target_checked(&ev))/>
                                " Treat ratings as independent"
                            </label>
                            <span class="muted">{move || if ctx.ui.independent.get() {
                                " Intervals now treat every rating as a separate draw: too narrow, since each person gave about 350. Shown for teaching."
                            } else {
                                " Intervals count people: 95%, clustered by participant."
                            }}</span>
                        </p>
                        <Chips/>
                        <p class="note export-ratings">"The selected ratings, one row each with the rater and the image: "
                            <button type="button" id="export-ratings-csv" on:click=move |_| export_ratings(ctx, false)>"CSV"</button>" "
                            <button type="button" id="export-ratings-jsonl" on:click=move |_| export_ratings(ctx, true)>"JSON Lines"</button>
                        </p>
                    </section>
                    <div id="views" class="views">
                        <Distribution/>
                        <AgeHistogram/>
                        <Means key=Key::Group/>
                        <Means key=Key::Style/>
                        <Heatmap/>
                        <Cohorts/>
                        <Images/>
                        <Participants/>
                        <Taste/>
                        <ForYou/>
                    </div>
                </Show>
                <About/>
            </main>
            <Tooltip/>
        </div>
    }
}

/// The page's one tooltip (see [`Ctx::tip`]), beside the pointer.
#[component]
fn Tooltip() -> impl IntoView {
    let ctx = use_ctx();
    move || {
        ctx.tip.get().map(|(text, x, y)| {
            let place = format!(
                "left:{}px;top:{}px",
                crate::charts::format::Fixed(x + 14.0, 0),
                crate::charts::format::Fixed(y + 14.0, 0)
            );
            view! { <div class="tooltip" aria-hidden="true" style=place>{text}</div> }
        })
    }
}
