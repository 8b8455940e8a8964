//! # PAMELA Explorer (the app)
//!
//! The leptos single-page app: UI only. Data work (filters, statistics, the bundle) lives in
//! `pamela-core` and is reached through plain function calls; chart geometry lives in pure,
//! natively tested modules; components are thin.

pub mod app;
pub mod fetch;

/// Mounts the app on the page's body.
pub fn start() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
}
