//! The teaching layer: the question a link carries (a guided one, or one its author wrote),
//! the list of guided questions with a form to write one's own, and presenter mode's bar (one
//! card at a time, next and previous, the filters in one line). The questions themselves and
//! the order of the cards are plain data in [`crate::guide`].

use crate::app::{use_ctx, Ctx, Level};
use crate::guide::{self, Question, QUESTIONS};
use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// Shows card `id`: in the address's fragment, in presenter mode, and on screen.
pub fn go_to_card(ctx: Ctx, id: &str) {
    ctx.card.set(Some(id.to_string()));
    crate::dom::set_hash(id);
    if ctx.ui.present.get_untracked() {
        crate::dom::scroll_top();
    } else {
        crate::dom::after(0, crate::dom::land_on_hash);
    }
}

/// Sets the view a guided question needs (keeping the data and presenter mode) and lands on
/// its card.
fn follow(ctx: Ctx, q: &'static Question) {
    ctx.set_ui(q.state_from(&ctx.ui.snapshot_untracked()), None);
    go_to_card(ctx, q.card);
}

/// A guided question's link, which the page follows in place (no reload: loaded data stays).
#[component]
fn QuestionLink(q: &'static Question) -> impl IntoView {
    let ctx = use_ctx();
    let (query, hash) = q.link();
    let href = crate::dom::with_query("", &query, &hash);
    view! {
        <a href=href data-guide=q.id on:click=move |ev: web_sys::MouseEvent| {
            if ev.ctrl_key() || ev.meta_key() || ev.shift_key() || ev.button() != 0 {
                return; // a new tab or window: the browser opens the link
            }
            ev.prevent_default();
            follow(ctx, q);
        }>{q.title}</a>
    }
}

/// The question the link carries, above the views.
#[component]
pub fn QuestionPanel() -> impl IntoView {
    let ctx = use_ctx();
    let guided = Memo::new(move |_| ctx.ui.guide.get().and_then(|g| guide::question(&g)));
    let ask = Memo::new(move |_| ctx.ui.ask.get());
    let shown = move || guided.get().is_some() || !ask.with(String::is_empty);
    let close = move |_| {
        ctx.ui.update(|u| {
            u.guide = None;
            u.ask = String::new();
        })
    };
    let next = move || {
        let g = guided.get()?;
        let at = QUESTIONS.iter().position(|q| q.id == g.id)?;
        QUESTIONS.get(at + 1)
    };
    view! {
        <Show when=shown>
            <section class="question" role="region" aria-labelledby="question-title" data-testid="question">
                {move || guided.get().map(|q| view! {
                    <p class="question-kind">"Guided question"</p>
                    <h2 id="question-title">{q.title}</h2>
                    {q.text.iter().map(|t| view! { <p>{*t}</p> }).collect_view()}
                    <p class="question-go">
                        <button type="button" on:click=move |_| go_to_card(ctx, q.card)>"Show me the view"</button>
                        {move || next().map(|n| view! { " Next: " <QuestionLink q=n/> })}
                    </p>
                })}
                {move || (!ask.with(String::is_empty)).then(|| view! {
                    <p class="question-kind">"A question from whoever made this link"</p>
                    // A text node: whatever the link holds is shown as text, never as markup.
                    <p class="question-asked" data-testid="question-asked"
                        id=move || guided.get().is_none().then_some("question-title")>{move || ask.get()}</p>
                })}
                <button type="button" class="link question-close" on:click=close>"Close the question"</button>
            </section>
        </Show>
    }
}

/// The guided questions, and a form to put one's own question in a link.
#[component]
pub fn QuestionsMenu() -> impl IntoView {
    let ctx = use_ctx();
    let draft = RwSignal::new(String::new());
    let copy = move |ev: web_sys::SubmitEvent| {
        ev.prevent_default();
        let (text, cut) = guide::clean_ask(&draft.get_untracked());
        if text.is_empty() {
            ctx.notify(Level::Info, "Write a question first.");
            return;
        }
        if cut {
            ctx.notify(
                Level::Warning,
                format!(
                    "Questions are kept to {} characters: yours is shortened.",
                    guide::ASK_MAX
                ),
            );
        }
        ctx.ui.update(|u| u.ask = text);
        leptos::task::spawn_local(async move {
            let href = crate::dom::link_to(&ctx.ui.snapshot_untracked().to_query());
            match crate::dom::copy_text(&href).await {
                Ok(()) => ctx.notify(
                    Level::Info,
                    "Link copied: it opens this view with your question above it.",
                ),
                Err(_) => ctx.notify(Level::Info, format!("Copy this link: {href}")),
            }
        });
    };
    view! {
        <details class="questions-menu" id="questions">
            <summary>"Questions"</summary>
            <div class="questions-panel">
                <p class="note muted">"Each question sets the view it needs and says what to look at. They are about method, so they hold on any data."</p>
                <ol class="question-list">
                    {QUESTIONS.iter().map(|q| view! { <li><QuestionLink q=q/></li> }).collect_view()}
                </ol>
                <form class="ask-form" on:submit=copy>
                    <label for="ask-text">"Your own question, for this view"</label>
                    <textarea id="ask-text" rows="2" maxlength=guide::ASK_MAX.to_string()
                        prop:value=move || draft.get() on:input=move |ev| draft.set(event_target_value(&ev))></textarea>
                    <button type="submit">"Copy a link with this question"</button>
                </form>
            </div>
        </details>
    }
}

/// Whether a key press belongs to a control that uses the arrow keys itself.
fn in_own_control(ev: &web_sys::KeyboardEvent) -> bool {
    ev.target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .and_then(|e| {
            e.closest("svg, input, select, textarea, [contenteditable]")
                .ok()
                .flatten()
        })
        .is_some()
}

/// Presenter mode's bar: which card of how many, previous and next (also Page Up and Page
/// Down, which presentation remotes send, and the arrow keys outside charts and fields), the
/// filters in one line, and the way out.
#[component]
pub fn PresenterBar(
    /// The active filters in one line.
    #[prop(into)]
    filters: Signal<String>,
) -> impl IntoView {
    let ctx = use_ctx();
    let current = Memo::new(move |_| ctx.card.with(|c| guide::card_or_first(c.as_deref())));
    let go = move |delta: i32| {
        let to = guide::step(Some(current.get_untracked()), delta);
        go_to_card(ctx, to);
    };
    let keys = window_event_listener(leptos::ev::keydown, move |ev| {
        if !ctx.ui.present.get_untracked() || ev.alt_key() || ev.ctrl_key() || ev.meta_key() {
            return;
        }
        let delta = match ev.key().as_str() {
            "PageDown" => 1,
            "PageUp" => -1,
            "ArrowRight" if !in_own_control(&ev) => 1,
            "ArrowLeft" if !in_own_control(&ev) => -1,
            _ => return,
        };
        ev.prevent_default();
        go(delta);
    });
    on_cleanup(move || keys.remove());
    let place = move || {
        let id = current.get();
        guide::place(id).map_or(String::new(), |(k, title)| {
            format!("{k} of {}: {title}", guide::CARDS.len())
        })
    };
    view! {
        <Show when=move || ctx.ui.present.get()>
            <div class="presenter-bar" role="region" aria-label="Presenter mode">
                <button type="button" id="present-prev" on:click=move |_| go(-1)
                    disabled=move || current.get() == guide::CARDS[0].0>"◀ Previous"</button>
                <span class="presenter-place" data-testid="presenter-place" aria-live="polite">{place}</span>
                <button type="button" id="present-next" on:click=move |_| go(1)
                    disabled=move || current.get() == guide::CARDS[guide::CARDS.len() - 1].0>"Next ▶"</button>
                <span class="presenter-filters" data-testid="presenter-filters">{move || filters.get()}</span>
                <button type="button" id="present-exit" on:click=move |_| ctx.ui.present.set(false)>"Exit presenter mode"</button>
            </div>
        </Show>
    }
}
