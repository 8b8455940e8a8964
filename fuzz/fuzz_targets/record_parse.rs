//! Any bytes as an annotation file (both as JSON array / JSON Lines): an error with a location
//! or a store, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pamela_core::bundle::{decode, encode_with, Effort};
use pamela_core::{Loader, Source, SourceKind};

fuzz_target!(|data: &[u8]| {
    let mut l = Loader::new();
    if l.add_file("pamela_train.json", data, &mut |_, _| {}).is_ok() {
        let source = Source { kind: SourceKind::Pamela, provenance: "fuzz".into() };
        if let Ok((ds, _)) = l.finish(source) {
            // Every loaded store survives the bundle round trip (the fast compression: zopfli
            // would spend most of each execution compressing).
            let back = decode(&encode_with(&ds, Effort::Fast)).expect("round trip");
            assert!(back == ds);
        }
    }
});
