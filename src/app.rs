//! The page: loads the default bundle and shows the dataset's headline counts.

use leptos::prelude::*;
use pamela_core::summary::CardStats;
use pamela_core::{bundle, SourceKind};
use std::sync::Arc;

/// Where the default data is served from (relative: works from any sub-path).
pub const DEFAULT_BUNDLE: &str = "data/pamela-synthetic.pamb";

#[derive(Clone)]
enum Load {
    Loading { received: u64, total: u64 },
    Ready(Arc<CardStats>, SourceKind),
    Failed(String),
}

#[component]
pub fn App() -> impl IntoView {
    let state = RwSignal::new(Load::Loading { received: 0, total: 0 });
    leptos::task::spawn_local(async move {
        let bytes = crate::fetch::fetch_bytes(DEFAULT_BUNDLE, move |received, total| {
            state.set(Load::Loading { received, total })
        })
        .await;
        let next = match bytes.and_then(|b| bundle::decode(&b).map_err(|e| e.to_string())) {
            Ok(ds) => Load::Ready(Arc::new(CardStats::of(&ds)), ds.source.kind),
            Err(e) => Load::Failed(format!("The default data could not be loaded: {e}")),
        };
        state.set(next);
    });
    view! {
        <header class="top">
            <h1>"PAMELA Explorer"</h1>
        </header>
        <main id="main">
            {move || match state.get() {
                Load::Loading { received, total } => view! {
                    <p class="loading" role="status">
                        "Loading ratings… " {(received / 1024).to_string()} " KB"
                        {(total > 0).then(|| format!(" of {} KB", total / 1024))}
                    </p>
                }.into_any(),
                Load::Failed(e) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
                Load::Ready(s, kind) => view! { <Headline stats=s kind=kind/> }.into_any(),
            }}
        </main>
    }
}

#[component]
fn Headline(stats: Arc<CardStats>, kind: SourceKind) -> impl IntoView {
    let badge = match kind {
        SourceKind::Synthetic => "Synthetic sample generated to the PAMELA card's counts",
        SourceKind::Pamela => "PAMELA ratings",
    };
    let n = |v: u64| pamela_core::export::thousands(v);
    view! {
        <p class="badge" data-source=stats.source>{badge}</p>
        <dl class="headline">
            <div><dt>"Ratings"</dt><dd data-count="ratings">{n(stats.ratings)}</dd></div>
            <div><dt>"Images"</dt><dd data-count="images">{n(stats.images)}</dd></div>
            <div><dt>"Participants"</dt><dd data-count="participants">{n(stats.participants)}</dd></div>
            <div><dt>"Nationalities"</dt><dd data-count="nationalities">{n(stats.nationalities)}</dd></div>
            <div><dt>"Visual groups"</dt><dd data-count="groups">{n(stats.groups)}</dd></div>
            <div><dt>"Styles"</dt><dd data-count="styles">{n(stats.styles)}</dd></div>
        </dl>
    }
}
