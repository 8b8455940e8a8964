//! The active main-filter restrictions as removable chips, and "clear all".

use crate::app::use_ctx;
use leptos::prelude::*;
use pamela_core::vocab::Part;

#[component]
pub fn Chips() -> impl IntoView {
    let ctx = use_ctx();
    let chips = move || {
        let f = ctx.ui.filter.get();
        ctx.data.with(|d| f.described(d.as_ref().map(|d| &d.ds)))
    };
    let remove = move |p: Part| ctx.edit_filter(|f| f.remove(&p));
    view! {
        <ul class="chips" aria-label="Active filters">
            {move || {
                let list = chips();
                if list.is_empty() {
                    return view! { <li class="muted">"No filter: all ratings."</li> }.into_any();
                }
                let items = list.into_iter().map(|(part, text)| {
                    let label = format!("Remove filter {text}");
                    view! {
                        <li class="chip">
                            <span>{text}</span>
                            <button type="button" aria-label=label on:click=move |_| remove(part.clone())>"×"</button>
                        </li>
                    }
                }).collect_view();
                view! {
                    {items}
                    <li><button type="button" class="clear-all" on:click=move |_| ctx.edit_filter(|f| *f = Default::default())>
                        "Clear all filters"
                    </button></li>
                }.into_any()
            }}
        </ul>
    }
}
