//! Component tests in a real browser (wasm-bindgen-test, headless Chromium).
#![cfg(target_arch = "wasm32")]

use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn the_default_bundle_decodes_in_the_browser_to_the_card_counts() {
    // The bytes the app fetches, decoded by the same code path, in wasm.
    let bytes = include_bytes!("../www/data/pamela-synthetic.pamb");
    let ds = pamela_core::bundle::decode(bytes).expect("the default bundle decodes");
    let s = pamela_core::summary::CardStats::of(&ds);
    assert_eq!(s.ratings, 69_904);
    assert_eq!(s.images, 5_077);
    assert_eq!(s.participants, 199);
    assert_eq!(s.source, "synthetic");
}
