//! The frame every view shares: title, export buttons (CSV, SVG, PNG), a live line describing
//! the focused mark, and the view's numbers as a table (the screen-reader alternative).

use crate::app::{use_ctx, Ctx, Level};
use crate::exports::Context;
use crate::state::UiState;
use leptos::prelude::*;

/// A view's numbers: what the table shows and the CSV holds.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TableData {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// What an export of this view says about itself (see [`crate::exports`]): read from the page
/// when the visitor exports, not kept up to date.
pub fn export_context(ctx: Ctx, title: String, compares: bool) -> Context {
    let filter = ctx.ui.filter.get_untracked();
    let filter_query = UiState {
        filter: filter.clone(),
        ..UiState::default()
    }
    .to_query();
    let (ratings, people) = ctx.overview.with_untracked(|o| {
        o.as_ref().map_or((0, 0), |o| {
            (
                o.total.n,
                o.per_participant.iter().filter(|a| a.n > 0).count() as u64,
            )
        })
    });
    ctx.data.with_untracked(|d| {
        let ds = d.as_ref().map(|d| &d.ds);
        let words = |f: &pamela_core::FilterSpec| {
            let parts: Vec<String> = f.described(ds).into_iter().map(|(_, t)| t).collect();
            if parts.is_empty() {
                "all ratings".to_string()
            } else {
                parts.join("; ")
            }
        };
        Context {
            title,
            filters: filter.described(ds).into_iter().map(|(_, t)| t).collect(),
            cohorts: compares.then(|| {
                (
                    words(&ctx.ui.cohort_a.get_untracked()),
                    words(&ctx.ui.cohort_b.get_untracked()),
                )
            }),
            ratings,
            people,
            interval: if ctx.ui.independent.get_untracked() {
                "95%, treating every rating as an independent draw (too narrow: each person gave \
                 about 350; shown for teaching)"
                    .into()
            } else {
                "95%, counting people (participants as clusters, cluster-robust CR2, t with G − 1 \
                 degrees of freedom)"
                    .into()
            },
            source: d.as_ref().map(|d| d.badge()).unwrap_or_default(),
            synthetic: d.as_ref().is_some_and(|d| d.is_synthetic()),
            filter_query,
        }
    })
}

#[component]
pub fn Card(
    id: &'static str,
    #[prop(into)] title: Signal<String>,
    table: Memo<TableData>,
    detail: RwSignal<String>,
    /// The view compares cohorts A and B: its exports say who they are.
    #[prop(optional)]
    compares: bool,
    children: Children,
) -> impl IntoView {
    let ctx = use_ctx();
    let fail = move |what: &str, e: String| ctx.notify(Level::Error, format!("{what} failed: {e}"));
    let context = move || export_context(ctx, title.get_untracked(), compares);
    let csv = move |_| {
        let t = table.get_untracked();
        let c = context();
        let text = c.csv_preamble() + &pamela_core::export::csv(&t.header, &t.rows);
        if let Err(e) = crate::dom::download(&c.file_name(id, "csv"), "text/csv", text.as_bytes()) {
            fail("CSV export", e);
        }
    };
    let svg = move |_| {
        let c = context();
        if let Err(e) = crate::dom::export_svg(id, &c.file_name(id, "svg"), &c) {
            fail("SVG export", e);
        }
    };
    let png = move |_| {
        let c = context();
        if let Err(e) = crate::dom::export_png(id, &c.file_name(id, "png"), &c) {
            fail("PNG export", e);
        }
    };
    let title_id = format!("{id}-title");
    // The table is built only while it is open: hidden tables would be rebuilt on every change.
    let table_open = RwSignal::new(false);
    let labelled_by = title_id.clone();
    // Presenter mode shows one card: the one the address names, or the first.
    let current = move || {
        ctx.ui.present.get()
            && ctx
                .card
                .with(|c| crate::guide::card_or_first(c.as_deref()) == id)
    };
    view! {
        <section class="card" class:current=current id=id aria-labelledby=labelled_by>
            <header class="card-head">
                <h2 id=title_id>{move || title.get()}</h2>
                <div class="export" role="group" aria-label=move || format!("Export {}", title.get())>
                    <button type="button" on:click=csv data-export="csv">"CSV"</button>
                    <button type="button" on:click=svg data-export="svg">"SVG"</button>
                    <button type="button" on:click=png data-export="png">"PNG"</button>
                </div>
            </header>
            {children()}
            <p class="detail" aria-live="polite">{move || detail.get()}</p>
            <details class="table-alt" on:toggle=move |ev| {
                let open = ev.target()
                    .and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlDetailsElement>(t).ok())
                    .is_some_and(|d| d.open());
                table_open.set(open);
            }>
                <summary>"Table of these numbers"</summary>
                {move || table_open.get().then(|| view! { <DataTable data=table/> })}
            </details>
        </section>
    }
}

#[component]
pub fn DataTable(data: Memo<TableData>) -> impl IntoView {
    view! {
        <div class="table-wrap">
            <table>
                <thead>
                    <tr>{move || data.with(|t| t.header.iter().map(|h| view! { <th scope="col">{h.clone()}</th> }).collect_view())}</tr>
                </thead>
                <tbody>
                    {move || data.with(|t| t.rows.iter().map(|r| view! {
                        <tr>{r.iter().enumerate().map(|(k, c)| if k == 0 {
                            view! { <th scope="row">{c.clone()}</th> }.into_any()
                        } else {
                            view! { <td>{c.clone()}</td> }.into_any()
                        }).collect_view()}</tr>
                    }).collect_view())}
                </tbody>
            </table>
        </div>
    }
}

/// Keyboard activation for a chart mark: Enter or Space acts like a click.
pub fn on_activate(f: impl Fn() + 'static) -> impl Fn(web_sys::KeyboardEvent) + 'static {
    move |ev: web_sys::KeyboardEvent| {
        let k = ev.key();
        if k == "Enter" || k == " " {
            ev.prevent_default();
            f();
        }
    }
}
