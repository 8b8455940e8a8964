//! The teaching layer: the question a link carries (a guided one, or one its author wrote),
//! the list of guided questions with a form to write one's own, and presenter mode's bar (one
//! card at a time, next and previous, the filters in one line). The questions themselves and
//! the order of the cards are plain data in [`crate::guide`].

use crate::app::{use_ctx, Ctx, Level};
use crate::guide::{self, Kept, Question, QUESTIONS};
use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// Shows card `id` once the current update is drawn: on screen (in presenter mode at the top,
/// focused) and marked. The fragment is the caller's to write.
fn show(ctx: Ctx, id: &'static str) {
    ctx.card.set(Some(id.to_string()));
    if ctx.ui.present.get_untracked() {
        crate::dom::after(0, move || crate::dom::show_card(id));
    } else {
        crate::dom::after(0, crate::dom::land_on_hash);
    }
}

/// Moves to card `id` in place of the current one (presenter mode's steps: no history entry
/// per card).
pub fn go_to_card(ctx: Ctx, id: &'static str) {
    crate::dom::set_hash(id);
    show(ctx, id);
}

/// Sets the view a guided question needs (keeping the data and presenter mode), as a new
/// history entry (Back returns to the view before), lands on its card and moves focus to the
/// question.
fn follow(ctx: Ctx, q: &'static Question) {
    let s = q.state_from(&ctx.ui.snapshot_untracked());
    crate::dom::push_url(&s.to_query(), q.card);
    ctx.set_ui(s, None);
    show(ctx, q.card);
    crate::dom::refocus("question-title");
}

/// A guided question's link, which the page follows in place (no reload: loaded data stays).
#[component]
fn QuestionLink(
    q: &'static Question,
    /// What the link keeps of the current view (see [`Kept`]).
    kept: Memo<Kept>,
    /// Called once the page has followed it (the menu closes).
    #[prop(optional)]
    followed: Option<Callback<()>>,
) -> impl IntoView {
    let ctx = use_ctx();
    let href = move || {
        let (query, hash) = kept.with(|k| q.link_keeping(k));
        crate::dom::with_query("", &query, &hash)
    };
    view! {
        <a href=href data-guide=q.id on:click=move |ev: web_sys::MouseEvent| {
            if ev.ctrl_key() || ev.meta_key() || ev.shift_key() || ev.button() != 0 {
                return; // a new tab or window: the browser opens the link
            }
            ev.prevent_default();
            follow(ctx, q);
            if let Some(f) = followed {
                f.run(());
            }
        }>{q.title}</a>
    }
}

/// The question the link carries, in a box that stays in a corner of the screen (so it is in
/// view beside whatever card the question lands on), folded to its title on request.
#[component]
pub fn QuestionPanel() -> impl IntoView {
    let ctx = use_ctx();
    let guided = Memo::new(move |_| ctx.ui.guide.get().and_then(|g| guide::question(&g)));
    let ask = Memo::new(move |_| ctx.ui.ask.get());
    let folded = RwSignal::new(false);
    let kept = Memo::new(move |_| Kept::of(&ctx.ui.snapshot()));
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
    let title = move || match guided.get() {
        Some(q) => q.title.to_string(),
        None => ask.get(),
    };
    view! {
        <Show when=shown>
            <aside class="question" class:folded=move || folded.get() aria-labelledby="question-title" data-testid="question">
                <div class="question-head">
                    <p class="question-kind">{move || if guided.get().is_some() { "Guided question" } else { "A question from whoever made this link" }}</p>
                    <button type="button" class="link" aria-expanded=move || (!folded.get()).to_string() aria-controls="question-body"
                        on:click=move |_| folded.update(|f| *f = !*f)>{move || if folded.get() { "Show" } else { "Fold" }}</button>
                    <button type="button" class="link question-close" on:click=close>"Close"</button>
                </div>
                // Text nodes only: whatever the link holds is shown as text, never as markup.
                <h2 id="question-title" tabindex="-1" data-testid="question-asked">{title}</h2>
                <div id="question-body" hidden=move || folded.get()>
                    {move || guided.get().map(|q| view! {
                        {q.text.iter().map(|t| view! { <p>{*t}</p> }).collect_view()}
                        <p class="question-go">
                            <button type="button" on:click=move |_| show(ctx, q.card)>"Show me the view"</button>
                            {move || next().map(|n| view! { " Next: " <QuestionLink q=n kept=kept/> })}
                        </p>
                    })}
                    {move || (guided.get().is_some() && !ask.with(String::is_empty)).then(|| view! {
                        <p class="question-kind">"And a question from whoever made this link"</p>
                        <p class="question-asked">{move || ask.get()}</p>
                    })}
                </div>
            </aside>
        </Show>
    }
}

/// The guided questions, and a form to put one's own question in a link.
#[component]
pub fn QuestionsMenu() -> impl IntoView {
    let ctx = use_ctx();
    let draft = RwSignal::new(String::new());
    let open = RwSignal::new(false);
    let close = Callback::new(move |_| open.set(false));
    let kept = Memo::new(move |_| Kept::of(&ctx.ui.snapshot()));
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
        open.set(false);
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
        <details class="questions-menu" id="questions" prop:open=move || open.get()
            on:toggle=move |ev| open.set(event_target::<web_sys::HtmlDetailsElement>(&ev).open())>
            <summary>"Questions"</summary>
            <div class="questions-panel">
                <p class="note muted">"Each question sets the view it needs and says what to look at. They are about method, so they hold on any data."</p>
                <ol class="question-list">
                    {QUESTIONS.iter().map(|q| view! { <li><QuestionLink q=q kept=kept followed=close/></li> }).collect_view()}
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

/// Whether a key press happened inside an element matching `selector` (a control that uses
/// the key itself).
fn inside(ev: &web_sys::KeyboardEvent, selector: &str) -> bool {
    ev.target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .and_then(|e| e.closest(selector).ok().flatten())
        .is_some()
}

/// Fields use every key; charts use the arrow keys (between marks).
const FIELDS: &str = "input, select, textarea, [contenteditable]";

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
    // Page Down and Page Up (what presentation remotes send) first scroll a card taller than
    // the screen, then step; the arrow keys step at once.
    let keys = window_event_listener(leptos::ev::keydown, move |ev| {
        if !ctx.ui.present.get_untracked()
            || ev.default_prevented()
            || ev.alt_key()
            || ev.ctrl_key()
            || ev.meta_key()
            || inside(&ev, FIELDS)
        {
            return;
        }
        let key = ev.key();
        let delta = match key.as_str() {
            "PageDown" => 1,
            "PageUp" => -1,
            "ArrowRight" if !inside(&ev, "svg") => 1,
            "ArrowLeft" if !inside(&ev, "svg") => -1,
            _ => return,
        };
        ev.prevent_default();
        if key.starts_with("Page") && crate::dom::scroll_within(current.get_untracked(), delta > 0)
        {
            return;
        }
        go(delta);
    });
    on_cleanup(move || keys.remove());
    // Entering presenter mode (or opening a link in it) shows the current card at the top.
    Effect::new(move |_| {
        if ctx.ui.present.get() && ctx.data.with(|d| d.is_some()) {
            let id = current.get_untracked();
            crate::dom::after(0, move || crate::dom::show_card(id));
        }
    });
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
                    disabled=move || current.get() == guide::CARDS[0].0><span aria-hidden="true">"◀ "</span>"Previous card"</button>
                <span class="presenter-place" data-testid="presenter-place" aria-live="polite">{place}</span>
                <button type="button" id="present-next" on:click=move |_| go(1)
                    disabled=move || current.get() == guide::CARDS[guide::CARDS.len() - 1].0>"Next card"<span aria-hidden="true">" ▶"</span></button>
                <span class="presenter-filters" data-testid="presenter-filters">{move || filters.get()}</span>
                <button type="button" id="present-exit" on:click=move |_| ctx.ui.present.set(false)>"Exit presenter mode"</button>
            </div>
        </Show>
    }
}
