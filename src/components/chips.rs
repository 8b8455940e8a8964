//! The active main-filter restrictions as removable chips, and "clear all".

use crate::app::use_ctx;
use crate::charts::format::humanize;
use leptos::prelude::*;
use pamela_core::Dim;

#[derive(Clone, PartialEq)]
enum Part {
    Age,
    Score,
    Value(Dim, String),
    Participant,
    Image,
}

#[component]
pub fn Chips() -> impl IntoView {
    let ctx = use_ctx();
    let chips = move || {
        let u = ctx.ui.get();
        let f = &u.filter;
        let mut out: Vec<(Part, String)> = Vec::new();
        if let Some((a, b)) = f.age {
            out.push((Part::Age, format!("age {a}–{b}")));
        }
        if let Some((a, b)) = f.score {
            out.push((
                Part::Score,
                format!("score {:.2}–{:.2}", a as f64 / 1000.0, b as f64 / 1000.0),
            ));
        }
        for (d, tokens) in &f.sets {
            for t in tokens {
                let name = d.key().title().to_lowercase();
                out.push((
                    Part::Value(*d, t.clone()),
                    format!("{name}: {}", humanize(t)),
                ));
            }
        }
        if let Some(p) = &f.participant {
            out.push((Part::Participant, format!("participant {p}")));
        }
        if let Some(i) = f.image {
            out.push((Part::Image, format!("image {i}")));
        }
        out
    };
    let remove = move |p: Part| {
        ctx.edit_filter(|f| match p {
            Part::Age => f.age = None,
            Part::Score => f.score = None,
            Part::Value(d, t) => f.toggle(d, &t),
            Part::Participant => f.participant = None,
            Part::Image => f.image = None,
        })
    };
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
