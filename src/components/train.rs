//! "Train on this data": the predictor trained in this browser on the data shown, in a second
//! instance of the predictor worker (see [`crate::predictor::PredictorCtx::train`]); what it
//! says at each step is [`Training::describe`].

use crate::app::use_ctx;
use crate::charts::format::Fixed;
use crate::predictor::{PredictorCtx, Training};
use leptos::prelude::*;

#[component]
pub fn TrainSection() -> impl IntoView {
    let ctx = use_ctx();
    let pred = expect_context::<PredictorCtx>();
    let running = move || {
        matches!(
            pred.training.get(),
            Training::Starting | Training::Running { .. }
        )
    };
    let start = move |_| {
        if let Some(d) = ctx.data.get_untracked() {
            pred.train(&d);
        }
    };
    let trained = move || pred.trained_on.get().is_some();
    let progress = move || match pred.training.get() {
        Training::Running { epoch, epochs, .. } => Some((epoch, epochs)),
        _ => None,
    };
    view! {
        <section class="train" aria-labelledby="train-title">
            <h3 class="sub" id="train-title">"Train on this data"</h3>
            <p class="note muted">"Trains the same model on the data shown, here in your browser, with the command line's settings and seed ("
                <code>"pamela train"</code>" on the same data gives the same model), in a background worker: the page stays usable, and nothing leaves it."</p>
            {move || pred.trained_on.get().map(|o| view! {
                <p data-testid="trained-on">{format!(
                    "The predictor in use was trained in this browser on {o}{}.",
                    if pred.kept.get() { ", and is kept in this browser for your next visits" } else { "" }
                )}</p>
            })}
            <div class="train-actions">
                <button type="button" id="train-start" on:click=start disabled=running>"Train on this data"</button>
                <Show when=running>
                    <button type="button" id="train-cancel" on:click=move |_| pred.cancel_training()>"Cancel"</button>
                </Show>
                <Show when=move || trained() && !pred.kept.get() && !running()>
                    <button type="button" id="train-keep" on:click=move |_| pred.keep(true)>"Keep it in this browser"</button>
                </Show>
                <Show when=move || trained() && !running() && pred.training.with(|_| pred.has_trained_files())>
                    <button type="button" id="train-download" on:click=move |_| {
                        if let Err(e) = pred.download_trained() {
                            ctx.notify(crate::app::Level::Error, format!("The model could not be downloaded: {e}"));
                        }
                    }>"Download it"</button>
                </Show>
                <Show when=move || trained() && !running()>
                    <button type="button" id="train-forget" on:click=move |_| pred.keep(false)>"Forget it: back to the published model"</button>
                </Show>
            </div>
            {move || progress().map(|(e, n)| view! {
                <progress id="train-progress" max=n.max(1) value=e aria-label="Training progress"></progress>
            })}
            <p id="train-status" role="status" class:error=move || matches!(pred.training.get(), Training::Failed(_) | Training::NotKept(_))
                data-state=move || pred.training.with(Training::state)
                data-ms=move || match pred.training.get() { Training::Done { ms } => Fixed(ms, 0).to_string(), _ => String::new() }>
                {move || pred.training.with(Training::describe)}
            </p>
        </section>
    }
}
