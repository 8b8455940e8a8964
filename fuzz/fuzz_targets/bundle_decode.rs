//! Any bytes given to the bundle decoder: an error or a valid store, never a panic or a
//! runaway allocation. A decoded store must re-encode and decode to itself.
//!
//! Mutated bytes rarely get past the two checksums (Adler-32 and CRC-32), so this target mostly
//! exercises the header and the inflater; `bundle_body` reaches the content decoder below them.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pamela_core::bundle::{decode, encode_with, Effort};

fuzz_target!(|data: &[u8]| {
    if let Ok(ds) = decode(data) {
        // The fast effort: zopfli would spend seconds on every valid input.
        let again = decode(&encode_with(&ds, Effort::Fast)).expect("a re-encoded store decodes");
        assert!(again == ds);
    }
});
