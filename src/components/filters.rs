//! The filter panel: age and score ranges and one group of options per dimension, each option
//! with the number of ratings it would keep under the other filters. Used for the main filter
//! (with counts) and for the two cohorts of the comparison view (without).

use crate::app::use_ctx;
use crate::charts::format::thousands;
use crate::charts::format::Fixed;
use crate::state::FilterSpec;
use crate::ui::Ui;
use leptos::prelude::*;
use pamela_core::Dim;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Main,
    CohortA,
    CohortB,
}

impl Target {
    /// The spec this panel edits.
    pub fn signal(self, ui: Ui) -> RwSignal<FilterSpec> {
        match self {
            Target::Main => ui.filter,
            Target::CohortA => ui.cohort_a,
            Target::CohortB => ui.cohort_b,
        }
    }

    fn prefix(self) -> &'static str {
        match self {
            Target::Main => "f",
            Target::CohortA => "ca",
            Target::CohortB => "cb",
        }
    }
}

/// Dimensions with many values get a search box.
fn searchable(d: Dim) -> bool {
    matches!(d, Dim::Nationality | Dim::Group | Dim::Style)
}

#[component]
pub fn FilterPanel(target: Target) -> impl IntoView {
    let ctx = use_ctx();
    let dims = if target == Target::Main {
        Dim::ALL.to_vec()
    } else {
        // Cohorts are about people (and, if wanted, the split).
        vec![Dim::AgeBin, Dim::Gender, Dim::Nationality, Dim::Split]
    };
    let groups = dims
        .into_iter()
        .map(|d| view! { <FacetGroup dim=d target=target/> })
        .collect_view();
    let clear_all = move |_| target.signal(ctx.ui).set(FilterSpec::default());
    view! {
        <div class="filter-panel" data-target=target.prefix()>
            <AgeRange target=target/>
            {(target == Target::Main).then(|| view! { <ScoreRange/> })}
            {groups}
            <button type="button" class="clear-all" on:click=clear_all>
                {if target == Target::Main { "Clear all filters" } else { "Clear this cohort" }}
            </button>
        </div>
    }
}

/// Options of a dimension in reading order: age bins by age, the rest as the data sorts them.
fn options(d: Dim, ds: &pamela_core::Dataset) -> Vec<(u32, String, String)> {
    let key = d.key();
    key.reading_order(ds)
        .into_iter()
        .map(|v| (v, key.token(ds, v), key.label(ds, v)))
        .collect()
}

#[component]
fn FacetGroup(dim: Dim, target: Target) -> impl IntoView {
    let ctx = use_ctx();
    let search = RwSignal::new(String::new());
    let all = Memo::new(move |_| {
        ctx.data
            .with(|d| d.as_ref().map(|d| options(dim, &d.ds)).unwrap_or_default())
    });
    let shown = Memo::new(move |_| {
        let q = search.get();
        all.get()
            .into_iter()
            .filter(|(_, _, label)| pamela_core::vocab::search_finds(label, &q))
            .collect::<Vec<_>>()
    });
    // This dimension's chosen values: options re-check only when these change, not on every
    // change of the state.
    let chosen = Memo::new(move |_| {
        target
            .signal(ctx.ui)
            .with(|s| s.values(dim).map(|v| v.to_vec()).unwrap_or_default())
    });
    let active = move || chosen.with(|v| v.len());
    let id = format!("{}-{}", target.prefix(), dim.name());
    let title = dim.key().title();
    let clear = move |_| target.signal(ctx.ui).update(|s| s.clear(dim));
    view! {
        <fieldset class="facet" id=id.clone() data-dim=dim.name()>
            <legend>
                {title}
                {move || (active() > 0).then(|| view! { <span class="badge-small">{format!("{} selected", active())}</span> })}
            </legend>
            {searchable(dim).then(|| view! {
                <input type="search" class="facet-search" placeholder=format!("Search {}", title.to_ascii_lowercase())
                    aria-label=format!("Search {}", title.to_ascii_lowercase())
                    prop:value=move || search.get()
                    on:input=move |ev| search.set(event_target_value(&ev))/>
            })}
            <ul class=if searchable(dim) { "options scroll" } else { "options" }>
                <For each=move || shown.get() key=|o| o.0 let:o>
                    <FacetOption dim=dim target=target value=o.0 token=o.1 label=o.2 chosen=chosen/>
                </For>
            </ul>
            {move || (shown.with(|s| s.is_empty()) && !search.get().is_empty()).then(|| view! { <p class="muted">"No match."</p> })}
            <button type="button" class="clear" on:click=clear
                hidden=move || active() == 0
                aria-label=format!("Clear the {} filter", title.to_ascii_lowercase())>"Clear"</button>
        </fieldset>
    }
}

#[component]
fn FacetOption(
    dim: Dim,
    target: Target,
    value: u32,
    token: String,
    label: String,
    chosen: Memo<Vec<String>>,
) -> impl IntoView {
    let ctx = use_ctx();
    let t2 = token.clone();
    let checked = move || chosen.with(|v| v.contains(&t2));
    // A plain closure, not a memo: the counts change with almost every filter change, so a
    // memo per option (92 on the default data) would only add a node to run and compare.
    let count = move || {
        if target != Target::Main {
            return None;
        }
        ctx.overview.with(|o| {
            o.as_ref()
                .and_then(|o| o.facets.of(dim).get(value as usize).copied())
        })
    };
    let t3 = token.clone();
    let toggle = move |_| target.signal(ctx.ui).update(|s| s.toggle(dim, &t3));
    view! {
        <li class:empty=move || count() == Some(0)>
            <label>
                <input type="checkbox" prop:checked=checked on:change=toggle data-token=token.clone()/>
                <span class="opt-label">{label}</span>
                {(target == Target::Main).then(|| view! {
                    <span class="n">{move || count().map(thousands).unwrap_or_default()}</span>
                })}
            </label>
        </li>
    }
}

#[component]
fn AgeRange(target: Target) -> impl IntoView {
    let ctx = use_ctx();
    let bounds = Memo::new(move |_| {
        ctx.data.with(|d| {
            d.as_ref()
                .map(|d| {
                    let a = &d.ds.participants.age;
                    (
                        a.iter().copied().min().unwrap_or(0),
                        a.iter().copied().max().unwrap_or(150),
                    )
                })
                .unwrap_or((0, 150))
        })
    });
    let current = move || target.signal(ctx.ui).with(|s| s.age);
    let set = move |lo: Option<u8>, hi: Option<u8>| {
        let (bl, bh) = bounds.get_untracked();
        target.signal(ctx.ui).update(|spec| {
            let (cl, ch) = spec.age.unwrap_or((bl, bh));
            let (mut l, mut h) = (lo.unwrap_or(cl), hi.unwrap_or(ch));
            if l > h {
                std::mem::swap(&mut l, &mut h);
            }
            spec.age = if l <= bl && h >= bh {
                None
            } else {
                Some((l, h))
            };
        })
    };
    let id = target.prefix();
    let counts = move || {
        if target != Target::Main {
            return None;
        }
        ctx.overview.with(|o| {
            o.as_ref().map(|o| {
                let (lo, hi) = current().unwrap_or(bounds.get());
                o.facets.age[lo as usize..=hi as usize].iter().sum::<u64>()
            })
        })
    };
    view! {
        <fieldset class="facet range" data-dim="age">
            <legend>"Age"</legend>
            <div class="range-inputs">
                <label>"from "
                    <input type="number" inputmode="numeric" id=format!("{id}-age-lo")
                        min=move || bounds.get().0 max=move || bounds.get().1
                        prop:value=move || current().map_or(bounds.get().0, |r| r.0).to_string()
                        on:change=move |ev| set(event_target_value(&ev).parse().ok(), None)/>
                </label>
                <label>" to "
                    <input type="number" inputmode="numeric" id=format!("{id}-age-hi")
                        min=move || bounds.get().0 max=move || bounds.get().1
                        prop:value=move || current().map_or(bounds.get().1, |r| r.1).to_string()
                        on:change=move |ev| set(None, event_target_value(&ev).parse().ok())/>
                </label>
            </div>
            {move || counts().map(|n| view! { <p class="n">{thousands(n)}" ratings in this range"</p> })}
            <button type="button" class="clear" hidden=move || current().is_none()
                on:click=move |_| target.signal(ctx.ui).update(|s| s.age = None)
                aria-label="Clear the age filter">"Clear"</button>
        </fieldset>
    }
}

#[component]
fn ScoreRange() -> impl IntoView {
    let ctx = use_ctx();
    let current = move || ctx.ui.filter.with(|f| f.score);
    let set = move |lo: Option<f64>, hi: Option<f64>| {
        ctx.ui.update(|u| {
            let (cl, ch) = u.filter.score.unwrap_or((1000, 5000));
            let m = |x: f64| (x.clamp(1.0, 5.0) * 1000.0).round() as u16;
            let (mut l, mut h) = (lo.map_or(cl, m), hi.map_or(ch, m));
            if l > h {
                std::mem::swap(&mut l, &mut h);
            }
            u.filter.score = if l <= 1000 && h >= 5000 {
                None
            } else {
                Some((l, h))
            };
        })
    };
    let shown = |m: u16| Fixed(m as f64 / 1000.0, 2).to_string();
    view! {
        <fieldset class="facet range" data-dim="score">
            <legend>"Score"</legend>
            <div class="range-inputs">
                <label>"from "
                    <input type="number" step="0.25" min="1" max="5" id="f-score-lo"
                        prop:value=move || shown(current().map_or(1000, |r| r.0))
                        on:change=move |ev| set(event_target_value(&ev).parse().ok(), None)/>
                </label>
                <label>" to "
                    <input type="number" step="0.25" min="1" max="5" id="f-score-hi"
                        prop:value=move || shown(current().map_or(5000, |r| r.1))
                        on:change=move |ev| set(None, event_target_value(&ev).parse().ok())/>
                </label>
            </div>
            <button type="button" class="clear" hidden=move || current().is_none()
                on:click=move |_| ctx.ui.update(|u| u.filter.score = None)
                aria-label="Clear the score filter">"Clear"</button>
        </fieldset>
    }
}
