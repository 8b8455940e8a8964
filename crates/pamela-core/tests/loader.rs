//! The loader reads the published layout (JSON arrays and JSON Lines) and names every problem.

use pamela_core::loader::{Loader, SYNTHETIC_MANIFEST};
use pamela_core::{
    bundle, load_any, Dataset, ErrorKind, LoadError, Location, Source, SourceKind, Split,
    WarningKind,
};
use serde_json::{json, Value};

fn record(participant: &str, image: u64, score: f64) -> Value {
    json!({
        "image_path": "./images/2f8e75f4-da55-4074-9328-052199f7cfb0.png",
        "image_id": image,
        "participant_id": participant,
        "image_metadata": {
            "group": "landscape",
            "style": "Art_Nouveau_Modern",
            "category": "AI image",
            "prompt": "A grand palace, rendered in muted greens and greys",
            "type": "Art"
        },
        "user_demographics": {
            "age": 28,
            "age_binned": "twenties",
            "gender": "male",
            "nationality": "United States"
        },
        "quality_label": "good",
        "original_score": score
    })
}

fn array(records: &[Value]) -> Vec<u8> {
    serde_json::to_vec_pretty(&Value::Array(records.to_vec())).unwrap()
}

fn lines(records: &[Value]) -> Vec<u8> {
    records
        .iter()
        .map(|r| serde_json::to_string(r).unwrap() + "\n")
        .collect::<String>()
        .into_bytes()
}

fn source() -> Source {
    Source {
        kind: SourceKind::Pamela,
        provenance: "test".into(),
    }
}

fn load(files: &[(&str, Vec<u8>)]) -> Result<(Dataset, Vec<pamela_core::Warning>), LoadError> {
    let mut l = Loader::new();
    for (name, bytes) in files {
        l.add_file(name, bytes, &mut |_, _| {})?;
    }
    l.finish(source())
}

fn err(name: &str, bytes: Vec<u8>) -> LoadError {
    load(&[(name, bytes)]).expect_err("this input must be refused")
}

/// Three valid records, then `bad` replacing the second one.
fn with_bad_second(edit: impl Fn(&mut Value)) -> Vec<Value> {
    let mut v = vec![
        record("p_00000001", 1_000_001, 3.497),
        record("p_00000001", 1_000_002, 2.0),
        record("p_00000002", 1_000_001, 4.25),
    ];
    edit(&mut v[1]);
    v
}

fn assert_err(e: &LoadError, kind: ErrorKind, location: Location, field: Option<&str>) {
    assert_eq!(e.kind, kind, "{e}");
    assert_eq!(e.location, location, "{e}");
    assert_eq!(e.field.as_deref(), field, "{e}");
    let shown = e.to_string();
    assert!(shown.contains(&e.file), "message names the file: {shown}");
}

// ---------- valid input ------------------------------------------------------------------

#[test]
fn the_card_example_record_loads() {
    let (ds, warnings) = load(&[(
        "pamela_train.json",
        array(&[record("p_5d2aeb40", 1_049_071, 3.497)]),
    )])
    .unwrap();
    assert_eq!(ds.ratings.len(), 1);
    let r = ds.record(0);
    assert_eq!(
        r,
        serde_json::from_value(record("p_5d2aeb40", 1_049_071, 3.497)).unwrap()
    );
    assert!(warnings.iter().any(|w| w.kind == WarningKind::Splits));
}

#[test]
fn style_null_is_valid() {
    let mut r = record("p_1", 5, 2.5);
    r["image_metadata"]["style"] = Value::Null;
    r["image_metadata"]["type"] = json!("Photorealism");
    let (ds, _) = load(&[("pamela_test_seen.jsonl", lines(&[r]))]).unwrap();
    assert_eq!(ds.record(0).image_metadata.style, None);
    assert_eq!(ds.ratings.split[0], Split::TestSeen.index());
}

#[test]
fn unknown_fields_are_ignored() {
    let mut r = record("p_1", 5, 2.5);
    r["extra"] = json!({"anything": [1, 2]});
    assert!(load(&[("pamela_train.json", array(&[r]))]).is_ok());
}

#[test]
fn synthetic_files_load_back_to_the_generated_store_as_arrays_and_as_lines() {
    let s = pamela_synth::generate(3).unwrap();
    let ds = &s.dataset;
    let manifest = pamela_synth::manifest(ds);
    for as_lines in [false, true] {
        let mut files: Vec<(String, Vec<u8>)> =
            vec![(SYNTHETIC_MANIFEST.to_string(), manifest.clone())];
        // Files in reverse order: the store must not depend on it.
        for split in Split::ALL.iter().rev() {
            let bytes = pamela_synth::split_file(ds, *split);
            let (name, bytes) = if as_lines {
                let v: Vec<Value> = serde_json::from_slice(&bytes).unwrap();
                (format!("{}.jsonl", split.file_stem()), lines(&v))
            } else {
                (format!("{}.json", split.file_stem()), bytes)
            };
            files.push((name, bytes));
        }
        let (loaded, warnings) = load_any(&files, &mut |_, _, _| {}).unwrap();
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(loaded.source.kind, SourceKind::Synthetic);
        assert!(
            loaded == *ds,
            "loaded store equals the generated one (lines: {as_lines})"
        );
        assert_eq!(bundle::encode(&loaded), bundle::encode(ds));
    }
}

#[test]
fn without_the_manifest_files_are_labelled_pamela() {
    let (ds, _) = load_any(
        &[("pamela_train.json".into(), array(&[record("p_1", 1, 3.0)]))],
        &mut |_, _, _| {},
    )
    .unwrap();
    assert_eq!(ds.source.kind, SourceKind::Pamela);
    assert!(ds.source.provenance.contains("pamela_train.json"));
}

#[test]
fn progress_reaches_the_end_of_each_file() {
    let recs: Vec<Value> = (0..10_000)
        .map(|k| record(&format!("p_{k}"), k, 3.0))
        .collect();
    let bytes = array(&recs);
    let mut last = (0, 0);
    let mut calls = 0;
    Loader::new()
        .add_file("pamela_train.json", &bytes, &mut |d, t| {
            assert!(d >= last.0, "progress never goes back");
            last = (d, t);
            calls += 1;
        })
        .unwrap();
    assert_eq!(last, (bytes.len(), bytes.len()));
    assert!(calls >= 3);
}

// ---------- bad input: at least 25 kinds, each with its location ----------------------

#[test]
fn an_empty_file_is_refused() {
    assert_err(
        &err("pamela_train.json", vec![]),
        ErrorKind::Empty,
        Location::File,
        None,
    );
    assert_err(
        &err("pamela_train.json", b" \n\t ".to_vec()),
        ErrorKind::Empty,
        Location::File,
        None,
    );
}

#[test]
fn a_file_that_is_not_a_list_is_refused() {
    assert_err(
        &err("pamela_train.json", b"\"hello\"".to_vec()),
        ErrorKind::NotAList,
        Location::File,
        None,
    );
    assert_err(
        &err("pamela_train.json", b"42".to_vec()),
        ErrorKind::NotAList,
        Location::File,
        None,
    );
}

#[test]
fn a_file_name_without_a_split_is_refused() {
    let e = err("ratings.json", array(&[record("p_1", 1, 3.0)]));
    assert_err(&e, ErrorKind::UnknownSplit, Location::File, None);
    assert!(e.to_string().contains("pamela_train"));
}

#[test]
fn a_truncated_array_names_the_last_record() {
    let mut b = array(&[record("p_1", 1, 3.0), record("p_1", 2, 3.0)]);
    b.truncate(b.len() - 1); // drop the closing bracket
    assert_err(
        &err("pamela_train.json", b.clone()),
        ErrorKind::Syntax,
        Location::Record(1),
        None,
    );
    b.truncate(b.len() - 40); // now inside the second record
    assert_err(
        &err("pamela_train.json", b),
        ErrorKind::Syntax,
        Location::Record(1),
        None,
    );
}

#[test]
fn a_missing_comma_between_records_is_a_syntax_error() {
    let a = serde_json::to_string(&record("p_1", 1, 3.0)).unwrap();
    let b = format!("[{a}\n{a}]");
    assert_err(
        &err("pamela_train.json", b.into_bytes()),
        ErrorKind::Syntax,
        Location::Record(0),
        None,
    );
}

#[test]
fn text_after_the_closing_bracket_is_refused_with_line_and_column() {
    let mut b = array(&[record("p_1", 1, 3.0)]);
    b.extend_from_slice(b"\n]");
    let e = err("pamela_train.json", b);
    assert_eq!(e.kind, ErrorKind::Syntax);
    assert!(
        matches!(e.location, Location::Text { column: 1, .. }),
        "{e}"
    );
}

#[test]
fn a_broken_record_is_a_syntax_error_at_its_index() {
    let a = serde_json::to_string(&record("p_1", 1, 3.0)).unwrap();
    let broken = a.replace("\"group\":", "\"group\" ");
    let b = format!("[{a},\n{broken}]");
    let e = err("pamela_train.json", b.into_bytes());
    // The field being read when the text broke is named too.
    assert_err(
        &e,
        ErrorKind::Syntax,
        Location::Record(1),
        Some("image_metadata"),
    );
    assert!(e.detail.contains("line 2"), "{e}");
}

#[test]
fn a_record_that_is_not_an_object_is_refused() {
    let a = serde_json::to_string(&record("p_1", 1, 3.0)).unwrap();
    let b = format!("[{a}, 17]");
    assert_err(
        &err("pamela_train.json", b.into_bytes()),
        ErrorKind::WrongType,
        Location::Record(1),
        None,
    );
}

#[test]
fn a_missing_top_level_field_is_named() {
    let v = with_bad_second(|r| {
        r.as_object_mut().unwrap().remove("image_id");
    });
    assert_err(
        &err("pamela_train.json", array(&v)),
        ErrorKind::MissingField,
        Location::Record(1),
        Some("image_id"),
    );
}

#[test]
fn a_missing_nested_field_is_named_with_its_path() {
    let v = with_bad_second(|r| {
        r["image_metadata"].as_object_mut().unwrap().remove("group");
    });
    assert_err(
        &err("pamela_train.json", array(&v)),
        ErrorKind::MissingField,
        Location::Record(1),
        Some("image_metadata.group"),
    );
}

#[test]
fn a_missing_style_key_is_an_error_though_null_is_valid() {
    let v = with_bad_second(|r| {
        r["image_metadata"].as_object_mut().unwrap().remove("style");
    });
    assert_err(
        &err("pamela_train.json", array(&v)),
        ErrorKind::MissingField,
        Location::Record(1),
        Some("image_metadata.style"),
    );
}

#[test]
fn an_image_id_given_as_text_is_a_type_error() {
    let v = with_bad_second(|r| r["image_id"] = json!("1049071"));
    let e = err("pamela_train.json", array(&v));
    assert_err(
        &e,
        ErrorKind::WrongType,
        Location::Record(1),
        Some("image_id"),
    );
    assert!(e.detail.contains("integer"), "{e}");
}

#[test]
fn an_age_given_as_text_is_a_type_error() {
    let v = with_bad_second(|r| r["user_demographics"]["age"] = json!("28"));
    assert_err(
        &err("pamela_train.json", array(&v)),
        ErrorKind::WrongType,
        Location::Record(1),
        Some("user_demographics.age"),
    );
}

#[test]
fn a_negative_image_id_is_an_invalid_value() {
    let v = with_bad_second(|r| r["image_id"] = json!(-5));
    assert_err(
        &err("pamela_train.json", array(&v)),
        ErrorKind::InvalidValue,
        Location::Record(1),
        Some("image_id"),
    );
}

#[test]
fn an_impossible_age_is_an_invalid_value() {
    let v = with_bad_second(|r| r["user_demographics"]["age"] = json!(200));
    assert_err(
        &err("pamela_train.json", array(&v)),
        ErrorKind::InvalidValue,
        Location::Record(1),
        Some("user_demographics.age"),
    );
}

#[test]
fn a_score_above_five_is_out_of_range() {
    let v = with_bad_second(|r| r["original_score"] = json!(5.5));
    let e = err("pamela_train.json", array(&v));
    assert_err(
        &e,
        ErrorKind::ScoreOutOfRange,
        Location::Record(1),
        Some("original_score"),
    );
    assert!(e.detail.contains("5.5"));
}

#[test]
fn a_score_below_one_is_out_of_range() {
    let v = with_bad_second(|r| r["original_score"] = json!(0.2));
    assert_err(
        &err("pamela_train.json", array(&v)),
        ErrorKind::ScoreOutOfRange,
        Location::Record(1),
        Some("original_score"),
    );
}

#[test]
fn a_score_too_large_for_a_float_is_refused() {
    let a = serde_json::to_string(&record("p_1", 1, 3.0)).unwrap();
    let b = a.replace("\"original_score\":3.0", "\"original_score\":1e400");
    assert_ne!(a, b);
    let e = err("pamela_train.jsonl", b.into_bytes());
    assert_eq!(e.location, Location::Line(1), "{e}");
    assert_eq!(e.kind, ErrorKind::Syntax, "{e}");
}

#[test]
fn a_score_given_as_text_or_null_is_a_type_error() {
    for bad in [json!("3.4"), Value::Null] {
        let v = with_bad_second(|r| r["original_score"] = bad.clone());
        assert_err(
            &err("pamela_train.json", array(&v)),
            ErrorKind::WrongType,
            Location::Record(1),
            Some("original_score"),
        );
    }
}

#[test]
fn an_unknown_label_is_refused() {
    let v = with_bad_second(|r| r["quality_label"] = json!("superb"));
    let e = err("pamela_train.json", array(&v));
    assert_err(
        &e,
        ErrorKind::UnknownLabel,
        Location::Record(1),
        Some("quality_label"),
    );
    assert!(
        e.detail.contains("superb") && e.detail.contains("excellent"),
        "{e}"
    );
}

#[test]
fn a_numeric_label_is_refused_as_unknown() {
    let v = with_bad_second(|r| r["quality_label"] = json!(3));
    assert_err(
        &err("pamela_train.json", array(&v)),
        ErrorKind::UnknownLabel,
        Location::Record(1),
        Some("quality_label"),
    );
}

#[test]
fn an_empty_participant_id_is_refused() {
    let v = with_bad_second(|r| r["participant_id"] = json!("  "));
    assert_err(
        &err("pamela_train.json", array(&v)),
        ErrorKind::InvalidValue,
        Location::Record(1),
        Some("participant_id"),
    );
}

#[test]
fn metadata_that_is_not_an_object_is_a_type_error() {
    let v = with_bad_second(|r| r["image_metadata"] = json!("landscape"));
    assert_err(
        &err("pamela_train.json", array(&v)),
        ErrorKind::WrongType,
        Location::Record(1),
        Some("image_metadata"),
    );
}

#[test]
fn a_style_that_is_a_number_is_a_type_error() {
    let v = with_bad_second(|r| r["image_metadata"]["style"] = json!(7));
    assert_err(
        &err("pamela_train.json", array(&v)),
        ErrorKind::WrongType,
        Location::Record(1),
        Some("image_metadata.style"),
    );
}

#[test]
fn a_repeated_key_is_refused() {
    let a = serde_json::to_string(&record("p_1", 1, 3.0)).unwrap();
    let b = a.replacen("\"image_id\":1,", "\"image_id\":1,\"image_id\":2,", 1);
    assert_ne!(a, b);
    let e = err("pamela_train.jsonl", b.into_bytes());
    assert_eq!(e.location, Location::Line(1));
    assert_eq!(e.kind, ErrorKind::InvalidValue, "{e}");
}

#[test]
fn json_lines_errors_name_the_line() {
    let v = vec![
        record("p_1", 1, 3.0),
        record("p_1", 2, 3.0),
        record("p_1", 3, 3.0),
    ];
    let mut text = String::from_utf8(lines(&v)).unwrap();
    text = text.replacen("\n", "\n\n", 1); // a blank line: the third record is now on line 4
    let broken = text.replace("\"image_id\":3", "\"image_id\":");
    assert_err(
        &err("pamela_val_seen.jsonl", broken.into_bytes()),
        ErrorKind::Syntax,
        Location::Line(4),
        Some("image_id"),
    );
    let mut v2 = v.clone();
    v2[1].as_object_mut().unwrap().remove("original_score");
    assert_err(
        &err("pamela_val_seen.jsonl", lines(&v2)),
        ErrorKind::MissingField,
        Location::Line(2),
        Some("original_score"),
    );
}

#[test]
fn text_that_is_not_utf8_is_refused() {
    let mut b = array(&[record("p_1", 1, 3.0)]);
    let at = b.windows(5).position(|w| w == b"grand").unwrap();
    b[at] = 0xFF;
    assert_err(
        &err("pamela_train.json", b),
        ErrorKind::Encoding,
        Location::Record(0),
        None,
    );
}

#[test]
fn one_image_with_two_metadata_is_refused_naming_both_places() {
    let a = record("p_1", 7, 3.0);
    let mut b = record("p_2", 7, 3.0);
    b["image_metadata"]["group"] = json!("portrait");
    let e = load(&[
        ("pamela_train.json", array(&[a])),
        ("pamela_test_seen.json", array(&[b])),
    ])
    .unwrap_err();
    assert_err(
        &e,
        ErrorKind::ConflictingImage,
        Location::Record(0),
        Some("image_metadata.group"),
    );
    assert_eq!(e.file, "pamela_test_seen.json");
    assert!(e.detail.contains("pamela_train.json, record 0"), "{e}");
}

fn note(w: &[pamela_core::Warning], kind: WarningKind) -> &pamela_core::Warning {
    w.iter()
        .find(|w| w.kind == kind)
        .unwrap_or_else(|| panic!("no {kind:?} note in {w:?}"))
}

#[test]
fn a_participant_with_two_demographics_loads_keeping_the_first_and_noting_the_conflict() {
    let a = record("p_1", 7, 3.0);
    let mut b = record("p_1", 8, 3.0);
    b["user_demographics"]["nationality"] = json!("Germany");
    let mut c = record("p_1", 9, 3.0);
    c["user_demographics"]["age"] = json!(29);
    let (ds, w) = load(&[("pamela_train.jsonl", lines(&[a, b, c]))]).unwrap();
    assert_eq!(ds.ratings.len(), 3);
    assert_eq!(ds.participants.age[0], 28);
    let nat = ds.participants.nationality[0];
    assert_eq!(ds.dicts.nationalities.get(nat), "United States");
    let n = note(&w, WarningKind::ConflictingDemographics);
    assert_eq!(n.count, 2);
    assert_eq!(n.examples.len(), 2);
    let e = &n.examples[0];
    assert_eq!(e.file, "pamela_train.jsonl");
    assert_eq!(e.location, Location::Line(2));
    assert_eq!(e.field.as_deref(), Some("user_demographics.nationality"));
    assert!(e.detail.contains("\"Germany\"") && e.detail.contains("\"United States\""));
    assert!(e.detail.contains("pamela_train.jsonl, line 1"), "{e}");
    assert_eq!(
        n.examples[1].field.as_deref(),
        Some("user_demographics.age")
    );
    assert!(
        n.message.starts_with("1 participant has demographics"),
        "{}",
        n.message
    );
}

#[test]
fn conflict_examples_stop_at_the_maximum_but_the_count_does_not() {
    let mut recs = vec![record("p_1", 1, 3.0)];
    for k in 0..12 {
        let mut r = record("p_1", 100 + k, 3.0);
        r["user_demographics"]["gender"] = json!("female");
        recs.push(r);
    }
    let (_, w) = load(&[("pamela_train.json", array(&recs))]).unwrap();
    let n = note(&w, WarningKind::ConflictingDemographics);
    assert_eq!(n.count, 12);
    assert_eq!(n.examples.len(), pamela_core::error::MAX_EXAMPLES);
    assert_eq!(n.examples[0].location, Location::Record(1));
}

#[test]
fn a_style_on_a_photorealism_image_is_kept_and_noted_once_per_image() {
    let mut a = record("p_1", 5, 3.0);
    a["image_metadata"]["type"] = json!("Photorealism");
    let mut b = a.clone();
    b["participant_id"] = json!("p_2");
    let (ds, w) = load(&[("pamela_train.json", array(&[a, b]))]).unwrap();
    assert_eq!(ds.ratings.len(), 2);
    let n = note(&w, WarningKind::StyleOnPhotorealism);
    assert_eq!(n.count, 1);
    assert_eq!(n.examples[0].field.as_deref(), Some("image_metadata.style"));
    assert_eq!(n.examples[0].location, Location::Record(0));
}

#[test]
fn a_label_that_disagrees_with_the_score_is_kept_and_noted() {
    let mut a = record("p_1", 5, 4.8);
    a["quality_label"] = json!("poor");
    let (ds, w) = load(&[("pamela_train.json", array(&[record("p_1", 4, 3.0), a]))]).unwrap();
    assert_eq!(
        ds.ratings.label.iter().filter(|&&l| l == 0).count(),
        1,
        "poor kept"
    );
    let n = note(&w, WarningKind::LabelDisagreesWithScore);
    assert_eq!(n.count, 1);
    assert_eq!(n.examples[0].location, Location::Record(1));
    assert!(n.examples[0].detail.contains("poor") && n.examples[0].detail.contains("excellent"));
}

#[test]
fn a_pair_in_two_splits_is_a_split_leak_naming_both_places() {
    let (ds, w) = load(&[
        ("pamela_train.json", array(&[record("p_1", 1, 3.0)])),
        (
            "pamela_test_seen.jsonl",
            lines(&[record("p_2", 2, 3.0), record("p_1", 1, 3.0)]),
        ),
    ])
    .unwrap();
    assert_eq!(ds.ratings.len(), 3);
    let n = note(&w, WarningKind::SplitLeak);
    assert_eq!(n.count, 1);
    let e = &n.examples[0];
    assert_eq!(e.file, "pamela_test_seen.jsonl");
    assert_eq!(e.location, Location::Line(2));
    assert!(e.detail.contains("pamela_train.json, record 0"), "{e}");
    assert!(
        !w.iter().any(|w| w.kind == WarningKind::RepeatedPair),
        "{w:?}"
    );
}

#[test]
fn a_repeated_pair_names_where_it_repeats() {
    let (_, w) = load(&[(
        "pamela_train.json",
        array(&[
            record("p_1", 1, 3.0),
            record("p_2", 1, 3.0),
            record("p_1", 1, 3.0),
        ]),
    )])
    .unwrap();
    let n = note(&w, WarningKind::RepeatedPair);
    assert_eq!(n.count, 1);
    assert_eq!(n.examples[0].location, Location::Record(2));
    assert!(n.examples[0].detail.contains("record 0"));
}

#[test]
fn two_files_for_one_split_are_both_read_and_noted() {
    let (ds, w) = load(&[
        ("pamela_train_1.json", array(&[record("p_1", 1, 3.0)])),
        ("pamela_train_2.json", array(&[record("p_1", 2, 3.0)])),
    ])
    .unwrap();
    assert_eq!(ds.ratings.len(), 2);
    let n = note(&w, WarningKind::DuplicateSplitFile);
    assert_eq!(n.count, 1);
    assert_eq!(n.examples[0].file, "pamela_train_2.json");
    assert!(n.message.contains("pamela_train_1.json"));
}

#[test]
fn an_image_whose_type_changes_is_still_refused() {
    let a = record("p_1", 7, 3.0);
    let mut b = record("p_2", 7, 3.0);
    b["image_metadata"]["type"] = json!("Photorealism");
    let e = load(&[("pamela_train.json", array(&[a, b]))]).unwrap_err();
    assert_err(
        &e,
        ErrorKind::ConflictingImage,
        Location::Record(1),
        Some("image_metadata.type"),
    );
}

#[test]
fn no_ratings_at_all_is_an_error() {
    let e = load(&[("pamela_train.json", b"[]".to_vec())]).unwrap_err();
    assert_eq!(e.kind, ErrorKind::NoData);
    assert_eq!(
        Loader::new().finish(source()).unwrap_err().kind,
        ErrorKind::NoData
    );
}

#[test]
fn a_bundle_among_json_files_is_refused() {
    let ds = pamela_synth::generate(1).unwrap().dataset;
    let files = vec![
        (
            "pamela_train.json".to_string(),
            array(&[record("p_1", 1, 3.0)]),
        ),
        ("x.pamb".to_string(), bundle::encode(&ds)),
    ];
    let e = load_any(&files, &mut |_, _, _| {}).unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotAList);
    assert_eq!(e.file, "x.pamb");
}

#[test]
fn a_file_named_pamb_that_is_no_bundle_is_told_so() {
    let files = vec![("noise.pamb".to_string(), vec![7u8; 4096])];
    let e = load_any(&files, &mut |_, _, _| {}).unwrap_err();
    assert_eq!(e.file, "noise.pamb");
    assert!(e.to_string().contains("not a PAMELA bundle"), "{e}");
}

// ---------- cross-record warnings --------------------------------------------------------

#[test]
fn a_repeated_pair_is_a_warning_and_both_ratings_are_kept() {
    let (ds, w) = load(&[(
        "pamela_train.json",
        array(&[record("p_1", 1, 3.0), record("p_1", 1, 4.0)]),
    )])
    .unwrap();
    assert_eq!(ds.ratings.len(), 2);
    assert!(
        w.iter()
            .any(|w| w.kind == WarningKind::RepeatedPair && w.message.contains("p_1")),
        "{w:?}"
    );
}

#[test]
fn an_unseen_participant_found_in_train_is_a_warning() {
    let (_, w) = load(&[
        ("pamela_train.json", array(&[record("p_1", 1, 3.0)])),
        ("pamela_test_unseen.json", array(&[record("p_1", 2, 3.0)])),
    ])
    .unwrap();
    assert!(
        w.iter()
            .any(|w| w.kind == WarningKind::UnseenParticipantInTrain),
        "{w:?}"
    );
}

#[test]
fn scores_with_more_decimals_are_rounded_with_a_warning() {
    let (ds, w) = load(&[("pamela_train.json", array(&[record("p_1", 1, 3.4966)]))]).unwrap();
    assert_eq!(ds.ratings.score[0], 3497);
    assert!(w.iter().any(|w| w.kind == WarningKind::ScoreRounded));
}
