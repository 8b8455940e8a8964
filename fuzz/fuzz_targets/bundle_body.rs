//! Any bytes as the *content* of a bundle: the input is wrapped in a well-formed header and zlib
//! stream with correct checksums, so every mutation reaches the body decoder (postcard and the
//! store's validation) instead of stopping at a checksum. Same promise as `bundle_decode`: an
//! error or a valid store that round-trips, never a panic or a runaway allocation.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pamela_core::bundle::{crc32, decode, encode_with, Effort, HEADER, MAGIC, VERSION};

fuzz_target!(|body: &[u8]| {
    let mut bytes = Vec::with_capacity(HEADER + body.len());
    bytes.extend_from_slice(&MAGIC);
    bytes.extend_from_slice(&VERSION.to_le_bytes());
    bytes.extend_from_slice(&(body.len() as u32).to_le_bytes());
    bytes.extend_from_slice(&crc32(body).to_le_bytes());
    bytes.extend_from_slice(&miniz_oxide::deflate::compress_to_vec_zlib(body, 1));
    if let Ok(ds) = decode(&bytes) {
        let again = decode(&encode_with(&ds, Effort::Fast)).expect("a re-encoded store decodes");
        assert!(again == ds);
    }
});
