//! Any bytes as the *content* of a bundle: the input is sealed in a well-formed header and zlib
//! stream with correct checksums (`bundle::seal`, as the encoder does), so every mutation reaches
//! the body decoder (postcard and the store's validation) instead of stopping at a checksum.
//! Same promise as `bundle_decode`: an error or a valid store that round-trips, never a panic or
//! a runaway allocation.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pamela_core::bundle::{decode, encode_with, seal, Effort};

fuzz_target!(|body: &[u8]| {
    if let Ok(ds) = decode(&seal(body, Effort::Fast)) {
        let again = decode(&encode_with(&ds, Effort::Fast)).expect("a re-encoded store decodes");
        assert!(again == ds);
    }
});
