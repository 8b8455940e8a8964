//! Any bytes given to the bundle decoder: an error or a valid store, never a panic or a
//! runaway allocation. A decoded store must re-encode and decode to itself.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(ds) = pamela_core::bundle::decode(data) {
        let again = pamela_core::bundle::decode(&pamela_core::bundle::encode(&ds))
            .expect("a re-encoded store decodes");
        assert!(again == ds);
    }
});
