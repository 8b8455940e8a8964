//! The permanent badge naming the data shown, linking to how to load the real files.

use crate::app::use_ctx;
use leptos::prelude::*;

#[component]
pub fn SourceBadge() -> impl IntoView {
    let ctx = use_ctx();
    let text = move || {
        ctx.data.with(|d| {
            d.as_ref()
                .map(|d| d.badge())
                .unwrap_or_else(|| "Loading data…".into())
        })
    };
    let kind = move || {
        ctx.data.with(|d| match d {
            Some(d) if d.is_synthetic() => "synthetic",
            Some(_) => "pamela",
            None => "none",
        })
    };
    view! {
        <a class="badge" href="#about-data" data-source=kind title="What data is this, and how to load the real files">
            {text}
        </a>
    }
}
