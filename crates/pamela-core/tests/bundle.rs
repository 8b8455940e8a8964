//! The bundle keeps a store exactly, stays small, and refuses damaged bytes without panicking.

use pamela_core::bundle::{self, BundleError, MAGIC, VERSION};
use pamela_core::{Dataset, Loader, Source, SourceKind};
use std::sync::OnceLock;

fn default_sample() -> &'static Dataset {
    static DS: OnceLock<Dataset> = OnceLock::new();
    DS.get_or_init(|| {
        pamela_synth::generate(pamela_synth::DEFAULT_SEED)
            .unwrap()
            .dataset
    })
}

/// A small store (a few dozen ratings) for exhaustive corruption tests.
fn small() -> Dataset {
    let full = default_sample();
    let mut l = Loader::new();
    let recs: Vec<_> = (0..60).map(|r| full.record(r * 1000)).collect();
    let bytes = serde_json::to_vec(&recs).unwrap();
    l.add_file("pamela_train.json", &bytes, &mut |_, _| {})
        .unwrap();
    l.finish(Source {
        kind: SourceKind::Pamela,
        provenance: "small".into(),
    })
    .unwrap()
    .0
}

#[test]
fn a_bundle_round_trips_exactly() {
    let ds = default_sample();
    let bytes = bundle::encode(ds);
    let back = bundle::decode(&bytes).unwrap();
    assert!(back == *ds);
    assert_eq!(
        bundle::encode(&back),
        bytes,
        "re-encoding gives the same bytes"
    );
    for r in (0..ds.ratings.len()).step_by(997) {
        assert_eq!(
            back.record(r),
            ds.record(r),
            "rating {r} keeps its 3 decimals"
        );
    }
}

#[test]
fn non_uuid_paths_and_odd_values_round_trip() {
    let mut recs: Vec<_> = (0..5).map(|r| default_sample().record(r)).collect();
    recs[0].image_path = "images/Not A UUID.PNG".into();
    recs[1].image_metadata.prompt = "<script>alert(1)</script> ünïcödé ✓".into();
    recs[2].original_score = 5.0;
    recs[3].original_score = 1.0;
    let mut l = Loader::new();
    l.add_file(
        "pamela_val_seen.json",
        &serde_json::to_vec(&recs).unwrap(),
        &mut |_, _| {},
    )
    .unwrap();
    let (ds, _) = l
        .finish(Source {
            kind: SourceKind::Pamela,
            provenance: "odd".into(),
        })
        .unwrap();
    let back = bundle::decode(&bundle::encode(&ds)).unwrap();
    assert!(back == ds);
}

#[test]
fn rating_columns_take_at_most_8_bytes_per_rating() {
    let ds = default_sample();
    let per = bundle::rating_column_bytes(ds) as f64 / ds.ratings.len() as f64;
    assert!(per <= 8.0, "{per:.2} bytes per rating");
}

#[test]
fn the_default_bundle_is_under_600_kb_gzip() {
    let bytes = bundle::encode(default_sample());
    // gzip = deflate stream + 18 bytes of header and trailer.
    let gz = miniz_oxide::deflate::compress_to_vec(&bytes, 9).len() + 18;
    assert!(gz < 600 * 1024, "{gz} bytes gzip");
}

#[test]
fn crc32_matches_the_standard_check_value() {
    // The check value of CRC-32/ISO-HDLC for the nine ASCII digits.
    assert_eq!(bundle::crc32(b"123456789"), 0xCBF4_3926);
    assert_eq!(bundle::crc32(b""), 0);
}

#[test]
fn crc32_eight_bytes_a_step_equals_the_bytewise_definition_at_every_length_and_offset() {
    let mut x = 0x9E37_79B9u32;
    let bytes: Vec<u8> = (0..300)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            (x >> 24) as u8
        })
        .collect();
    for start in 0..9 {
        for end in start..bytes.len() {
            let b = &bytes[start..end];
            assert_eq!(
                bundle::crc32(b),
                bundle::crc32_bytewise(b),
                "{start}..{end}"
            );
        }
    }
    assert_eq!(bundle::crc32_bytewise(b"123456789"), 0xCBF4_3926);
}

#[test]
fn every_truncation_is_refused() {
    let bytes = bundle::encode(&small());
    for len in 0..bytes.len() {
        let r = bundle::decode(&bytes[..len]);
        assert!(r.is_err(), "prefix of {len} bytes decoded");
    }
}

#[test]
fn every_flipped_bit_is_refused_or_harmless() {
    let ds = small();
    let bytes = bundle::encode(&ds);
    let mut harmless = 0;
    for at in 0..bytes.len() {
        for bit in 0..8 {
            let mut b = bytes.clone();
            b[at] ^= 1 << bit;
            match bundle::decode(&b) {
                Err(_) => {}
                // Padding bits after deflate's last block do not change the content.
                Ok(back) => {
                    assert!(
                        back == ds,
                        "bit {bit} of byte {at} changed the data unnoticed"
                    );
                    harmless += 1;
                }
            }
        }
    }
    // Only bits that carry no content (deflate padding, zlib's compression-level hint) may go
    // unnoticed: a tiny share of all flips.
    assert!(
        harmless * 100 < bytes.len() * 8,
        "{harmless} flips went unnoticed"
    );
}

#[test]
fn an_unknown_version_is_named() {
    let mut b = bundle::encode(&small());
    b[8..10].copy_from_slice(&(VERSION + 1).to_le_bytes());
    assert_eq!(
        bundle::decode(&b).unwrap_err(),
        BundleError::UnsupportedVersion(VERSION + 1)
    );
    assert!(BundleError::UnsupportedVersion(VERSION + 1)
        .to_string()
        .contains(&format!("version {} is not supported", VERSION + 1)));
}

fn forged(payload: &[u8], declared: u32) -> Vec<u8> {
    let mut b = MAGIC.to_vec();
    b.extend_from_slice(&VERSION.to_le_bytes());
    b.extend_from_slice(&declared.to_le_bytes());
    b.extend_from_slice(&bundle::crc32(payload).to_le_bytes());
    b.extend_from_slice(&miniz_oxide::deflate::compress_to_vec_zlib(payload, 6));
    b
}

#[test]
fn a_declared_size_beyond_what_deflate_allows_is_refused_before_inflating() {
    let b = forged(b"\x00\x00", u32::MAX);
    assert!(matches!(bundle::decode(&b), Err(BundleError::TooLarge(_))));
    let b = forged(b"\x00\x00", 10_000_000);
    assert!(matches!(bundle::decode(&b), Err(BundleError::TooLarge(_))));
}

#[test]
fn a_lying_length_prefix_inside_the_content_is_refused() {
    // Source::Synthetic, then a provenance string claiming 4 GiB.
    let payload = [0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F];
    let b = forged(&payload, payload.len() as u32);
    assert!(matches!(bundle::decode(&b), Err(BundleError::Corrupt(_))));
    // Source, provenance "", then a dictionary claiming 2^32 - 1 strings.
    let payload = [0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F];
    let b = forged(&payload, payload.len() as u32);
    assert!(matches!(bundle::decode(&b), Err(BundleError::Corrupt(_))));
}

#[test]
fn a_content_length_that_disagrees_with_the_header_is_refused() {
    let good = bundle::encode(&small());
    let declared = u32::from_le_bytes(good[10..14].try_into().unwrap());
    let mut shorter = good.clone();
    shorter[10..14].copy_from_slice(&(declared - 1).to_le_bytes());
    assert!(matches!(
        bundle::decode(&shorter),
        Err(BundleError::Corrupt(_))
    ));
    let mut longer = good;
    longer[10..14].copy_from_slice(&(declared + 1).to_le_bytes());
    assert!(matches!(
        bundle::decode(&longer),
        Err(BundleError::Corrupt(_))
    ));
}

#[test]
fn the_committed_default_bundle_is_what_the_generator_makes() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../www/data/pamela-synthetic.pamb"
    );
    let committed = std::fs::read(path).expect("www/data/pamela-synthetic.pamb is committed");
    let regenerated = bundle::encode(default_sample());
    assert!(
        committed == regenerated,
        "the committed bundle differs from `pamela synth --seed {}`; regenerate it with \
         `cargo run --release --bin pamela -- synth --out www/data`",
        pamela_synth::DEFAULT_SEED
    );
}

#[test]
fn bytes_after_the_end_of_a_bundle_are_refused_with_their_count() {
    let mut b = bundle::encode(&small());
    b.extend_from_slice(b"extra!!");
    let e = bundle::decode(&b).unwrap_err();
    assert_eq!(e, BundleError::TrailingBytes(7));
    assert!(e.to_string().contains("7 unexpected bytes"), "{e}");
}

#[test]
fn a_single_trailing_zero_byte_is_refused() {
    let mut b = bundle::encode(&small());
    b.push(0);
    assert_eq!(
        bundle::decode(&b).unwrap_err(),
        BundleError::TrailingBytes(1)
    );
}

#[test]
fn a_bundle_followed_by_a_copy_of_itself_is_refused() {
    let one = bundle::encode(&small());
    let two = [one.clone(), one.clone()].concat();
    assert_eq!(
        bundle::decode(&two).unwrap_err(),
        BundleError::TrailingBytes(one.len())
    );
}

#[test]
fn data_notes_survive_a_bundle_round_trip() {
    use pamela_core::error::{Example, Warning, WarningKind};
    use pamela_core::Location;
    let notes = vec![Warning {
        kind: WarningKind::ConflictingDemographics,
        count: 3,
        examples: vec![Example {
            file: "pamela_train.json".into(),
            location: Location::Record(4),
            field: Some("user_demographics.age".into()),
            detail: "participant p_1 has age 29 here but 28 in pamela_train.json, record 0".into(),
        }],
        message: "1 participant has demographics that differ".into(),
    }];
    let b = bundle::encode_report(&small(), &notes);
    assert_eq!(u16::from_le_bytes([b[8], b[9]]), bundle::VERSION);
    let (ds, back) = bundle::decode_report(&b).unwrap();
    assert_eq!(back, notes);
    assert_eq!(ds.ratings.len(), small().ratings.len());
}

#[test]
fn a_store_without_notes_is_written_as_version_2_exactly_as_before() {
    let b = bundle::encode(&small());
    assert_eq!(
        u16::from_le_bytes([b[8], b[9]]),
        bundle::VERSION_WITHOUT_NOTES
    );
    assert_eq!(bundle::encode_report(&small(), &[]), b);
    assert!(bundle::decode_report(&b).unwrap().1.is_empty());
}

#[test]
fn a_bundle_and_its_image_text_apart_give_back_the_whole_store() {
    let ds = small();
    let (bare, text) = bundle::encode_apart(&ds, &[], bundle::Effort::Fast);
    let mut back = bundle::decode(&bare).unwrap();
    assert!(
        back.images.path.iter().all(|p| p.is_empty()),
        "the bundle holds no paths"
    );
    assert!(
        back.images.prompt.iter().all(|p| p.is_empty()),
        "nor prompts"
    );
    let crc = bundle::bundle_crc(&bare).unwrap();
    let t = bundle::decode_text(&text, crc, back.images.len()).unwrap();
    t.put_into(&mut back).unwrap();
    assert!(back == ds);
}

#[test]
fn the_default_data_apart_moves_paths_and_prompts_out_of_the_first_file() {
    let ds = default_sample();
    let whole = bundle::encode_with(ds, bundle::Effort::Fast);
    let (bare, text) = bundle::encode_apart(ds, &[], bundle::Effort::Fast);
    // Paths (uuids) and prompts are the bulk the first view does not need.
    assert!(
        bare.len() * 10 < whole.len() * 7,
        "{} of {}",
        bare.len(),
        whole.len()
    );
    assert!(bare.len() + text.len() < whole.len() + 2048);
}

#[test]
fn an_image_text_file_of_other_data_or_damaged_is_refused_by_name() {
    let ds = small();
    let (bare, text) = bundle::encode_apart(&ds, &[], bundle::Effort::Fast);
    let crc = bundle::bundle_crc(&bare).unwrap();
    let n = ds.images.len();
    let msg = |r: Result<bundle::ImageText, BundleError>| r.unwrap_err().to_string();
    assert!(msg(bundle::decode_text(&text, crc ^ 1, n)).contains("belongs to other data"));
    assert!(msg(bundle::decode_text(&text, crc, n + 1)).contains(&format!("for {} images", n + 1)));
    assert!(msg(bundle::decode_text(&bare, crc, n)).contains("not an image text file"));
    assert!(msg(bundle::decode_text(b"[]", crc, n)).contains("not an image text file"));
    assert_eq!(
        bundle::decode_text(&text[..text.len() - 3], crc, n).unwrap_err(),
        BundleError::Truncated
    );
    let mut longer = text.clone();
    longer.push(0);
    assert_eq!(
        bundle::decode_text(&longer, crc, n).unwrap_err(),
        BundleError::TrailingBytes(1)
    );
    for k in (bundle::MAGIC.len()..text.len()).step_by(7) {
        let mut t = text.clone();
        t[k] ^= 0x10;
        // Refused, or (a flip in a place no check covers) harmless: never a panic.
        if let Ok(x) = bundle::decode_text(&t, crc, n) {
            assert_eq!(x.path.len(), n);
        }
    }
    assert_eq!(bundle::bundle_crc(b"PAMELAbd"), None);
}
