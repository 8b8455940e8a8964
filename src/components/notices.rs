//! Dismissable messages: dropped link parameters, load warnings and errors, confirmations.

use crate::app::{use_ctx, Level};
use leptos::prelude::*;

#[component]
pub fn Notices() -> impl IntoView {
    let ctx = use_ctx();
    view! {
        <div class="notices" aria-live="polite">
            <For each=move || ctx.notices.get() key=|n| n.id let:n>
                {
                    let id = n.id;
                    let (class, role) = match n.level {
                        Level::Info => ("notice info", "status"),
                        Level::Warning => ("notice warning", "status"),
                        Level::Error => ("notice error", "alert"),
                    };
                    let label = match n.level {
                        Level::Info => "Note",
                        Level::Warning => "Warning",
                        Level::Error => "Error",
                    };
                    view! {
                        <div class=class role=role data-level=label.to_ascii_lowercase()>
                            <strong>{label}": "</strong>
                            <span class="notice-text">{n.text.clone()}</span>
                            <button type="button" class="dismiss" aria-label="Dismiss this message"
                                on:click=move |_| ctx.notices.update(|v| v.retain(|x| x.id != id))>"×"</button>
                        </div>
                    }
                }
            </For>
        </div>
    }
}
