//! Any bytes as a message between the page and its workers (crates/worker-io, the message
//! enums included by path: they need only serde and pamela-core): each enum decodes from JSON
//! or fails, never panics, and what decodes encodes and decodes back to itself.
#![no_main]
use libfuzzer_sys::fuzz_target;
use serde::{de::DeserializeOwned, Serialize};

#[path = "../../crates/worker-io/src/parse.rs"]
#[allow(dead_code)]
mod parse;
#[path = "../../crates/worker-io/src/predict.rs"]
#[allow(dead_code)]
mod predict;

fn round_trip<T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug>(data: &[u8]) {
    if let Ok(m) = serde_json::from_slice::<T>(data) {
        let text = serde_json::to_vec(&m).expect("a decoded message encodes");
        let back: T = serde_json::from_slice(&text).expect("an encoded message decodes");
        assert_eq!(back, m);
    }
}

fuzz_target!(|data: &[u8]| {
    round_trip::<parse::ToParser>(data);
    round_trip::<parse::FromParser>(data);
    round_trip::<predict::ToPredictor>(data);
    round_trip::<predict::FromPredictor>(data);
});
