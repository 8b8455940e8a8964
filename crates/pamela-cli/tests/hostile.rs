//! Hostile and imperfect inputs on the command line: every case must end with a message that
//! names the place (file, and record, line or field where there is one), the right exit status,
//! and never panic text.

use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn pamela(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pamela"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("pamela-hostile-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// One valid rating (the card's example), for participant `p` and image `i`.
fn record(p: &str, i: u64, score: f64) -> Value {
    json!({
        "image_path": "./images/2f8e75f4-da55-4074-9328-052199f7cfb0.png",
        "image_id": i,
        "participant_id": p,
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

fn good_records() -> Vec<Value> {
    vec![
        record("p_01", 1, 3.0),
        record("p_01", 2, 3.2),
        record("p_02", 1, 2.9),
    ]
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

/// The run failed with exit status 1, a message starting `pamela: ` holding every `needle`,
/// nothing on stdout and no panic text.
fn assert_refused(out: &Output, needles: &[&str]) -> String {
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "exit status; stderr: {err}");
    assert!(err.starts_with("pamela: "), "message form: {err}");
    assert!(!err.contains("panicked"), "panic text: {err}");
    assert!(!err.contains("RUST_BACKTRACE"), "panic text: {err}");
    for n in needles {
        assert!(err.contains(n), "expected {n:?} in: {err}");
    }
    err
}

fn assert_ok(out: &Output) -> String {
    let err = text(&out.stderr);
    assert!(out.status.success(), "stderr: {err}");
    assert!(!err.contains("panicked"), "panic text: {err}");
    text(&out.stdout)
}

// ---- ingest must not destroy its input ----

#[test]
fn ingest_refuses_to_overwrite_a_split_file_of_the_folder_it_reads() {
    let d = temp_dir("own-input-folder");
    let input = d.join("pamela_train.json");
    let original = array(&good_records());
    std::fs::write(&input, &original).unwrap();
    let out = pamela(&["ingest", s(&d), "--out", s(&input)]);
    assert_refused(&out, &["pamela_train.json", "is one of the inputs"]);
    assert_eq!(
        std::fs::read(&input).unwrap(),
        original,
        "the input is intact"
    );
}

#[test]
fn ingest_refuses_to_overwrite_a_split_file_given_by_another_spelling() {
    let d = temp_dir("own-input-file");
    std::fs::create_dir_all(d.join("sub")).unwrap();
    let input = d.join("pamela_train.json");
    let original = array(&good_records());
    std::fs::write(&input, &original).unwrap();
    let other = d.join("sub/../pamela_train.json");
    let out = pamela(&["ingest", s(&input), "--out", s(&other)]);
    assert_refused(&out, &["pamela_train.json", "is one of the inputs"]);
    assert_eq!(std::fs::read(&input).unwrap(), original);
}

#[test]
fn ingest_refuses_to_overwrite_an_input_through_a_hard_link() {
    let d = temp_dir("own-input-link");
    let input = d.join("pamela_train.json");
    let original = array(&good_records());
    std::fs::write(&input, &original).unwrap();
    let link = d.join("out.pamb");
    std::fs::hard_link(&input, &link).unwrap();
    let out = pamela(&["ingest", s(&input), "--out", s(&link)]);
    assert_refused(&out, &["out.pamb", "is one of the inputs"]);
    assert_eq!(std::fs::read(&input).unwrap(), original);
}

#[test]
fn ingest_writes_beside_its_inputs_when_the_name_differs() {
    let d = temp_dir("beside-input");
    std::fs::write(d.join("pamela_train.json"), array(&good_records())).unwrap();
    let out = pamela(&["ingest", s(&d), "--out", s(&d.join("data.pamb"))]);
    assert_ok(&out);
    assert!(d.join("data.pamb").is_file());
}

// ---- bundles ----

/// A small valid bundle written by `ingest`, in `d`.
fn make_bundle(d: &Path) -> PathBuf {
    let src = d.join("src");
    std::fs::create_dir_all(&src).unwrap();
    std::fs::write(src.join("pamela_train.json"), array(&good_records())).unwrap();
    let out = d.join("small.pamb");
    assert_ok(&pamela(&["ingest", s(&src), "--out", s(&out)]));
    out
}

#[test]
fn stats_refuses_a_bundle_with_trailing_bytes_naming_the_file_and_count() {
    let d = temp_dir("bundle-trailing");
    let b = make_bundle(&d);
    let mut bytes = std::fs::read(&b).unwrap();
    bytes.extend_from_slice(b"0123456789");
    std::fs::write(&b, &bytes).unwrap();
    assert_refused(
        &pamela(&["stats", s(&b)]),
        &["small.pamb", "10 unexpected bytes"],
    );
}
