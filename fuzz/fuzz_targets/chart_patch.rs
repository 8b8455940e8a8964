//! Any bytes as two chart markups (split at the first 0x00): the patcher's parser and diff
//! answer a patch list or `None` (redraw in full), never a panic, and every patch names an
//! element that exists in the old markup.
//!
//! The module is included by path: it depends on nothing but `std`, so the fuzz build does not
//! compile the app and leptos around it.
#![no_main]
use libfuzzer_sys::fuzz_target;

#[path = "../../src/charts/patch.rs"]
#[allow(dead_code)]
mod patch;

fuzz_target!(|data: &[u8]| {
    let (a, b) = match data.iter().position(|&c| c == 0) {
        Some(k) => (&data[..k], &data[k + 1..]),
        None => (data, data),
    };
    let (Ok(old), Ok(new)) = (std::str::from_utf8(a), std::str::from_utf8(b)) else {
        return;
    };
    if let Some(patches) = patch::diff(old, new) {
        // Elements counted the plain way: every `<` not followed by `/` opens one.
        let elements = old.matches('<').count() - old.matches("</").count();
        for p in &patches {
            assert!(p.index() < elements.max(1), "patch for element {} of {elements}", p.index());
        }
    }
});
