//! # PAMELA Explorer (the app)
//!
//! The leptos single-page app: UI only. Data work (filters, statistics, the bundle) lives in
//! `pamela-core` and is reached through plain function calls; chart geometry and the URL
//! state are pure modules tested natively ([`charts`], [`state`]); components are thin, one per
//! file under [`components`].

pub mod app;
pub mod charts;
pub mod components;
pub mod data;
pub mod dom;
pub mod exports;
pub mod fetch;
pub mod guide;
pub mod hub;
pub mod loading;
pub mod perf;
pub mod predictor;
pub mod state;
pub mod summaries;
pub mod ui;

/// Mounts the app on the page's body.
pub fn start() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
}
