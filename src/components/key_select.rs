//! A drop-down of keys (heatmap rows and columns, the comparison's "per", the raters' marks):
//! one component, so every such menu lists keys by their titles and writes the URL's names.

use crate::app::use_ctx;
use crate::state::UiState;
use leptos::prelude::*;
use pamela_core::Key;

#[component]
pub fn KeySelect(
    /// The keys offered, in menu order.
    keys: &'static [Key],
    /// The key chosen now.
    #[prop(into)]
    current: Signal<Key>,
    /// Writes a choice into the state.
    set: fn(&mut UiState, Key),
) -> impl IntoView {
    let ctx = use_ctx();
    view! {
        <select prop:value=move || current.get().name() on:change=move |ev| {
            if let Some(k) = Key::from_name(&event_target_value(&ev)).filter(|k| keys.contains(k)) {
                ctx.ui.update(|u| set(u, k));
            }
        }>
            {keys.iter().map(|k| view! { <option value=k.name()>{k.title()}</option> }).collect_view()}
        </select>
    }
}
