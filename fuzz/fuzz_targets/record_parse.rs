//! Any bytes as an annotation file (both as JSON array / JSON Lines): an error with a location
//! or a store, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pamela_core::{Loader, Source, SourceKind};

fuzz_target!(|data: &[u8]| {
    let mut l = Loader::new();
    if l.add_file("pamela_train.json", data, &mut |_, _| {}).is_ok() {
        if let Ok((ds, _)) = l.finish(Source { kind: SourceKind::Pamela, provenance: "fuzz".into() }) {
            // Every loaded store survives the bundle round trip.
            let back = pamela_core::bundle::decode(&pamela_core::bundle::encode(&ds)).expect("round trip");
            assert!(back == ds);
        }
    }
});
