//! Any bytes as the link's query string (`UiState::from_query`, src/state.rs, included here by
//! path: it needs only pamela-core): a state and notices, never a panic; the notices are folded
//! (at most one per reason); and the state's own link reads back to the same link.
#![no_main]
use libfuzzer_sys::fuzz_target;

#[path = "../../src/state.rs"]
#[allow(dead_code)]
mod state;

fuzz_target!(|data: &[u8]| {
    let Ok(q) = std::str::from_utf8(data) else { return };
    let (s, notices) = state::UiState::from_query(q);
    let mut seen = std::collections::HashSet::new();
    for n in &notices {
        assert!(seen.insert(n.clone()), "a repeated notice: {n}");
    }
    let link = s.to_query();
    let (back, _) = state::UiState::from_query(&link);
    assert_eq!(back.to_query(), link, "the link of a parsed state reads back to itself");
});
