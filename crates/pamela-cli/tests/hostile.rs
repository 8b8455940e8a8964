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

// ---- what a path is, and how a file is encoded ----

/// Runs the binary, killing it after 30 s (a hang is a failure, not a stuck test run).
fn pamela_bounded(args: &[&str]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_pamela"))
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let start = std::time::Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        if start.elapsed() > std::time::Duration::from_secs(30) {
            let _ = child.kill();
            panic!("pamela {args:?} hung for 30 s");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

fn mkfifo(p: &Path) {
    let st = Command::new("mkfifo").arg(p).status().expect("mkfifo runs");
    assert!(st.success());
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3];
    out.extend(miniz_oxide::deflate::compress_to_vec(data, 6));
    out.extend(pamela_core::bundle::crc32(data).to_le_bytes());
    out.extend((data.len() as u32).to_le_bytes());
    out
}

fn utf16(text: &[u8], big_endian: bool) -> Vec<u8> {
    let s = std::str::from_utf8(text).unwrap();
    let mut out = if big_endian {
        vec![0xFE, 0xFF]
    } else {
        vec![0xFF, 0xFE]
    };
    for u in s.encode_utf16() {
        out.extend(if big_endian {
            u.to_be_bytes()
        } else {
            u.to_le_bytes()
        });
    }
    out
}

fn ratings_in(stats_json: &str) -> u64 {
    let v: Value = serde_json::from_str(stats_json).unwrap();
    v["ratings"].as_u64().unwrap()
}

#[test]
fn a_named_pipe_given_as_a_file_is_refused_without_opening_it() {
    let d = temp_dir("fifo-file");
    let p = d.join("pamela_train.json");
    mkfifo(&p);
    let out = pamela_bounded(&["stats", s(&p)]);
    assert_refused(
        &out,
        &["pamela_train.json", "named pipe", "not a regular file"],
    );
}

#[test]
fn a_named_pipe_inside_a_folder_is_refused_naming_it() {
    let d = temp_dir("fifo-folder");
    std::fs::write(d.join("pamela_test_seen.json"), array(&good_records())).unwrap();
    mkfifo(&d.join("pamela_train.json"));
    let out = pamela_bounded(&["stats", s(&d)]);
    assert_refused(&out, &["pamela_train.json", "named pipe"]);
}

#[test]
fn a_character_device_is_refused() {
    let out = pamela_bounded(&["stats", "/dev/zero"]);
    assert_refused(&out, &["/dev/zero", "character device"]);
}

#[test]
fn a_symlink_loop_is_reported_as_a_loop() {
    let d = temp_dir("loop");
    let a = d.join("pamela_train.json");
    let b = d.join("other.json");
    std::os::unix::fs::symlink(&b, &a).unwrap();
    std::os::unix::fs::symlink(&a, &b).unwrap();
    let out = pamela_bounded(&["stats", s(&a)]);
    let err = assert_refused(&out, &["pamela_train.json", "symbolic link that loops"]);
    assert!(!err.contains("no such file"), "{err}");
}

#[test]
fn a_symlink_to_itself_inside_a_folder_is_reported_as_a_loop() {
    let d = temp_dir("self-loop");
    let a = d.join("pamela_train.json");
    std::os::unix::fs::symlink("pamela_train.json", &a).unwrap();
    let out = pamela_bounded(&["stats", s(&d)]);
    assert_refused(&out, &["pamela_train.json", "loops"]);
}

#[test]
fn a_dangling_symlink_names_its_missing_target() {
    let d = temp_dir("dangling");
    let a = d.join("pamela_train.json");
    std::os::unix::fs::symlink(d.join("gone.json"), &a).unwrap();
    let out = pamela(&["stats", s(&a)]);
    assert_refused(&out, &["pamela_train.json", "gone.json", "does not exist"]);
}

#[test]
fn a_missing_path_is_named() {
    let d = temp_dir("missing");
    let out = pamela(&["stats", s(&d.join("pamela_train.json"))]);
    assert_refused(&out, &["pamela_train.json", "no such file or folder"]);
}

#[test]
fn a_symlink_to_a_good_file_is_followed() {
    let d = temp_dir("good-link");
    let real = d.join("real.json");
    std::fs::write(&real, array(&good_records())).unwrap();
    let a = d.join("pamela_train.json");
    std::os::unix::fs::symlink(&real, &a).unwrap();
    assert_eq!(
        ratings_in(&assert_ok(&pamela(&["stats", "--json", s(&a)]))),
        3
    );
}

#[test]
fn a_gzip_file_is_read() {
    let d = temp_dir("gzip");
    let p = d.join("pamela_train.json.gz");
    std::fs::write(&p, gzip(&array(&good_records()))).unwrap();
    assert_eq!(
        ratings_in(&assert_ok(&pamela(&["stats", "--json", s(&p)]))),
        3
    );
}

#[test]
fn gzip_json_lines_in_a_folder_are_read() {
    let d = temp_dir("gzip-folder");
    std::fs::write(
        d.join("pamela_train.jsonl.gz"),
        gzip(&lines(&good_records())),
    )
    .unwrap();
    assert_eq!(
        ratings_in(&assert_ok(&pamela(&["stats", "--json", s(&d)]))),
        3
    );
}

#[test]
fn a_gzip_file_with_a_wrong_checksum_is_refused_as_damaged() {
    let d = temp_dir("gzip-crc");
    let p = d.join("pamela_train.json.gz");
    let mut gz = gzip(&array(&good_records()));
    let n = gz.len();
    gz[n - 7] ^= 0x40;
    std::fs::write(&p, gz).unwrap();
    assert_refused(
        &pamela(&["stats", s(&p)]),
        &["pamela_train.json.gz", "gzip", "CRC-32"],
    );
}

#[test]
fn a_cut_gzip_file_is_refused_as_cut_short() {
    let d = temp_dir("gzip-cut");
    let p = d.join("pamela_train.json.gz");
    let gz = gzip(&array(&good_records()));
    std::fs::write(&p, &gz[..gz.len() / 2]).unwrap();
    assert_refused(
        &pamela(&["stats", s(&p)]),
        &["pamela_train.json.gz", "gzip", "cut short"],
    );
}

#[test]
fn a_gzip_bomb_stops_at_the_file_limit() {
    let d = temp_dir("gzip-bomb");
    let p = d.join("pamela_train.json.gz");
    // 64 MiB of spaces compress to about 64 KiB.
    std::fs::write(&p, gzip(&vec![b' '; 64 << 20])).unwrap();
    assert_refused(
        &pamela(&["stats", "--max-file-size", "1MiB", s(&p)]),
        &[
            "pamela_train.json.gz",
            "inflates to more than the limit of 1.0 MiB",
            "--max-file-size",
        ],
    );
}

#[test]
fn a_gzip_file_of_garbage_after_its_header_is_refused() {
    let d = temp_dir("gzip-garbage");
    let p = d.join("pamela_train.json.gz");
    let mut b = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3];
    b.extend([0xFFu8; 40]);
    std::fs::write(&p, b).unwrap();
    assert_refused(
        &pamela(&["stats", s(&p)]),
        &["pamela_train.json.gz", "gzip"],
    );
}

#[test]
fn utf16_little_endian_with_a_mark_is_read() {
    let d = temp_dir("utf16le");
    let p = d.join("pamela_train.json");
    std::fs::write(&p, utf16(&array(&good_records()), false)).unwrap();
    assert_eq!(
        ratings_in(&assert_ok(&pamela(&["stats", "--json", s(&p)]))),
        3
    );
}

#[test]
fn utf16_big_endian_json_lines_with_a_mark_are_read() {
    let d = temp_dir("utf16be");
    let p = d.join("pamela_train.jsonl");
    std::fs::write(&p, utf16(&lines(&good_records()), true)).unwrap();
    assert_eq!(
        ratings_in(&assert_ok(&pamela(&["stats", "--json", s(&p)]))),
        3
    );
}

#[test]
fn utf16_without_a_mark_is_named_with_what_to_do() {
    let d = temp_dir("utf16-nobom");
    let p = d.join("pamela_train.json");
    let t = utf16(&array(&good_records()), false);
    std::fs::write(&p, &t[2..]).unwrap();
    assert_refused(
        &pamela(&["stats", s(&p)]),
        &["pamela_train.json", "UTF-16", "save it as UTF-8"],
    );
}

#[test]
fn a_zip_archive_is_named_as_one() {
    let d = temp_dir("zip");
    let p = d.join("pamela_train.json");
    std::fs::write(&p, b"PK\x03\x04\x14\x00\x00\x00rest of a zip").unwrap();
    assert_refused(
        &pamela(&["stats", s(&p)]),
        &["pamela_train.json", "zip archive", "extract"],
    );
}

#[test]
fn one_split_as_json_and_jsonl_in_one_folder_is_refused_naming_both() {
    let d = temp_dir("json-and-jsonl");
    std::fs::write(d.join("pamela_train.json"), array(&good_records())).unwrap();
    std::fs::write(d.join("pamela_train.jsonl"), lines(&good_records())).unwrap();
    assert_refused(
        &pamela(&["stats", s(&d)]),
        &["pamela_train.json ", "pamela_train.jsonl", "twice"],
    );
}

#[test]
fn one_split_as_json_and_gzip_in_one_folder_is_refused_naming_both() {
    let d = temp_dir("json-and-gz");
    std::fs::write(d.join("pamela_train.json"), array(&good_records())).unwrap();
    std::fs::write(
        d.join("pamela_train.json.gz"),
        gzip(&array(&good_records())),
    )
    .unwrap();
    assert_refused(
        &pamela(&["stats", s(&d)]),
        &["pamela_train.json ", "pamela_train.json.gz"],
    );
}

#[test]
fn the_same_file_given_twice_is_refused() {
    let d = temp_dir("twice");
    let p = d.join("pamela_train.json");
    std::fs::write(&p, array(&good_records())).unwrap();
    let other = d.join(".").join("pamela_train.json");
    assert_refused(
        &pamela(&["stats", s(&p), s(&other)]),
        &["pamela_train.json", "given twice"],
    );
}

#[test]
fn a_folder_named_like_a_split_file_is_refused() {
    let d = temp_dir("dir-named-json");
    std::fs::create_dir_all(d.join("pamela_train.json")).unwrap();
    assert_refused(
        &pamela(&["stats", s(&d)]),
        &["pamela_train.json", "is a folder named like a split file"],
    );
}

#[test]
fn a_file_above_the_size_limit_is_refused_naming_the_limit_and_the_flag() {
    let d = temp_dir("limit");
    let p = d.join("pamela_train.json");
    std::fs::write(&p, array(&good_records())).unwrap();
    assert_refused(
        &pamela(&["stats", "--max-file-size", "100", s(&p)]),
        &[
            "pamela_train.json",
            "more than the limit of 100 bytes",
            "--max-file-size",
        ],
    );
}

#[test]
fn a_bundle_above_the_size_limit_is_refused() {
    let d = temp_dir("limit-bundle");
    let b = make_bundle(&d);
    assert_refused(
        &pamela(&["stats", "--max-file-size", "64", s(&b)]),
        &["small.pamb", "more than the limit of 64 bytes"],
    );
}

#[test]
fn a_nonsense_size_limit_is_a_usage_error() {
    let out = pamela(&["stats", "--max-file-size", "lots", "x"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("expected a size such as 2GiB"));
}

// ---- imperfect data: loaded, with a data-quality report ----

/// Records with one slip of each kind that does not break the schema.
fn imperfect_folder(d: &Path) {
    let mut train = good_records();
    let mut older = record("p_01", 3, 3.0);
    older["user_demographics"]["age"] = json!(29);
    train.push(older);
    let mut photo = record("p_03", 9, 3.0);
    photo["image_metadata"]["type"] = json!("Photorealism");
    train.push(photo);
    let mut label = record("p_03", 10, 4.9);
    label["quality_label"] = json!("fair");
    train.push(label);
    train.push(record("p_02", 1, 3.1)); // the same pair again in one split
    std::fs::write(d.join("pamela_train.json"), array(&train)).unwrap();
    // The pair (p_01, 1) again, in a test split: a leak.
    std::fs::write(
        d.join("pamela_test_seen.jsonl"),
        lines(&[record("p_01", 1, 3.0)]),
    )
    .unwrap();
}

fn kinds(warnings: &Value) -> Vec<String> {
    warnings
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["kind"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn stats_json_lists_every_data_note_with_count_and_placed_examples() {
    let d = temp_dir("notes-json");
    imperfect_folder(&d);
    let v: Value = serde_json::from_str(&assert_ok(&pamela(&["stats", "--json", s(&d)]))).unwrap();
    assert_eq!(v["ratings"], 8, "everything loads");
    let w = &v["warnings"];
    let k = kinds(w);
    for kind in [
        "conflicting_demographics",
        "split_leak",
        "duplicate_pair",
        "style_on_photorealism",
        "label_disagrees_with_score",
        "missing_split",
    ] {
        assert!(k.contains(&kind.to_string()), "{kind} missing in {k:?}");
    }
    let conflict = w
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["kind"] == "conflicting_demographics")
        .unwrap();
    assert_eq!(conflict["count"], 1);
    let e = &conflict["examples"][0];
    assert!(e["file"].as_str().unwrap().ends_with("pamela_train.json"));
    assert_eq!(e["location"], "record 3");
    assert_eq!(e["field"], "user_demographics.age");
    assert!(e["detail"].as_str().unwrap().contains("28 is kept"));
    let leak = w
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["kind"] == "split_leak")
        .unwrap();
    // Files are read in name order (pamela_test_seen before pamela_train): the example sits at
    // the later of the two places and names the earlier.
    let e = &leak["examples"][0];
    assert!(e["file"].as_str().unwrap().ends_with("pamela_train.json"));
    assert_eq!(e["location"], "record 0");
    assert!(e["detail"]
        .as_str()
        .unwrap()
        .contains("pamela_test_seen.jsonl, line 1"));
}

#[test]
fn stats_json_of_clean_data_has_an_empty_warnings_array_apart_from_missing_splits() {
    let d = temp_dir("notes-clean");
    std::fs::write(d.join("pamela_train.json"), array(&good_records())).unwrap();
    let v: Value = serde_json::from_str(&assert_ok(&pamela(&["stats", "--json", s(&d)]))).unwrap();
    assert_eq!(kinds(&v["warnings"]), vec!["missing_split".to_string()]);
}

#[test]
fn stats_prints_the_data_notes_as_a_table_with_places() {
    let d = temp_dir("notes-table");
    imperfect_folder(&d);
    let out = assert_ok(&pamela(&["stats", s(&d)]));
    assert!(out.contains("data notes"), "{out}");
    assert!(out.contains("conflicting_demographics"), "{out}");
    assert!(
        out.contains("pamela_train.json, record 3, field `user_demographics.age`"),
        "{out}"
    );
    assert!(out.contains("split_leak"), "{out}");
}

#[test]
fn ingest_keeps_the_data_notes_in_the_bundle_it_writes() {
    let d = temp_dir("notes-bundle");
    let src = d.join("src");
    std::fs::create_dir_all(&src).unwrap();
    imperfect_folder(&src);
    let direct: Value =
        serde_json::from_str(&assert_ok(&pamela(&["stats", "--json", s(&src)]))).unwrap();
    let b = d.join("data.pamb");
    let log = text(&pamela(&["ingest", s(&src), "--out", s(&b)]).stderr);
    assert!(log.contains("conflicting_demographics"), "{log}");
    let via: Value =
        serde_json::from_str(&assert_ok(&pamela(&["stats", "--json", s(&b)]))).unwrap();
    assert_eq!(via["warnings"], direct["warnings"]);
}

#[test]
fn a_bundle_without_notes_is_written_in_the_old_version() {
    let d = temp_dir("notes-none");
    let src = d.join("src");
    std::fs::create_dir_all(&src).unwrap();
    // All five splits present, nothing odd: no notes at all.
    for (k, stem) in [
        "pamela_train",
        "pamela_val_seen",
        "pamela_val_unseen",
        "pamela_test_seen",
        "pamela_test_unseen",
    ]
    .iter()
    .enumerate()
    {
        let p = format!("p_{k:02}");
        std::fs::write(
            src.join(format!("{stem}.json")),
            array(&[record(&p, k as u64 + 1, 3.0)]),
        )
        .unwrap();
    }
    let b = d.join("data.pamb");
    assert_ok(&pamela(&["ingest", s(&src), "--out", s(&b)]));
    let bytes = std::fs::read(&b).unwrap();
    assert_eq!(u16::from_le_bytes([bytes[8], bytes[9]]), 2);
}

// ---- broken records: each names the file, the record (or line) and the field ----

/// Writes `bytes` as `name` in a fresh folder and runs `stats` on the file.
fn stats_on(case: &str, name: &str, bytes: &[u8]) -> Output {
    let d = temp_dir(case);
    let p = d.join(name);
    std::fs::write(&p, bytes).unwrap();
    pamela(&["stats", s(&p)])
}

/// The good records with the second one edited.
fn second_edited(edit: impl Fn(&mut Value)) -> Vec<u8> {
    let mut r = good_records();
    edit(&mut r[1]);
    array(&r)
}

macro_rules! refused {
    ($name:ident, $file:expr, $bytes:expr, [$($needle:expr),+ $(,)?]) => {
        #[test]
        fn $name() {
            let bytes: Vec<u8> = $bytes.to_vec();
            let out = stats_on(stringify!($name), $file, &bytes);
            assert_refused(&out, &[$file, $($needle),+]);
        }
    };
}

refused!(
    an_empty_file_is_refused_as_empty,
    "pamela_train.json",
    b"",
    ["empty"]
);
refused!(
    a_blank_file_is_refused_as_empty,
    "pamela_train.json",
    b"  \n\t\n",
    ["empty"]
);
refused!(
    a_bare_number_is_not_a_list,
    "pamela_train.json",
    b"42",
    ["expected a JSON array"]
);
refused!(
    a_bare_string_is_not_a_list,
    "pamela_train.json",
    b"\"x\"",
    ["expected a JSON array"]
);
refused!(
    an_unclosed_array_is_truncated,
    "pamela_train.json",
    array(&good_records())[..40].to_vec(),
    ["record 0", "truncated"]
);
refused!(
    a_missing_comma_is_named_at_its_record,
    "pamela_train.json",
    array(&good_records())
        .iter()
        .copied()
        .filter(|&b| b != b',')
        .collect::<Vec<u8>>(),
    ["record 0"]
);
refused!(
    text_after_the_array_is_refused,
    "pamela_train.json",
    [array(&good_records()), b" trailing".to_vec()].concat(),
    ["after the closing"]
);
refused!(
    a_number_in_the_array_is_not_a_record,
    "pamela_train.json",
    b"[1, 2]".to_vec(),
    ["record 0", "expected a rating object"]
);
refused!(
    a_missing_score_is_named,
    "pamela_train.json",
    second_edited(|r| {
        r.as_object_mut().unwrap().remove("original_score");
    }),
    ["record 1", "original_score", "missing"]
);
refused!(
    a_missing_nested_age_is_named_with_its_path,
    "pamela_train.json",
    second_edited(|r| {
        r["user_demographics"]
            .as_object_mut()
            .unwrap()
            .remove("age");
    }),
    ["record 1", "user_demographics.age"]
);
refused!(
    a_missing_style_key_is_named,
    "pamela_train.json",
    second_edited(|r| {
        r["image_metadata"].as_object_mut().unwrap().remove("style");
    }),
    ["record 1", "image_metadata.style"]
);
refused!(
    a_score_as_text_is_a_type_error,
    "pamela_train.json",
    second_edited(|r| r["original_score"] = json!("3.5")),
    ["record 1", "original_score", "a number"]
);
refused!(
    a_null_score_is_a_type_error,
    "pamela_train.json",
    second_edited(|r| r["original_score"] = Value::Null),
    ["record 1", "original_score"]
);
refused!(
    a_score_above_five_is_out_of_range,
    "pamela_train.json",
    second_edited(|r| r["original_score"] = json!(5.01)),
    ["record 1", "original_score", "1.0 to 5.0"]
);
refused!(
    a_score_below_one_is_out_of_range,
    "pamela_train.json",
    second_edited(|r| r["original_score"] = json!(0.99)),
    ["record 1", "original_score", "1.0 to 5.0"]
);
refused!(
    a_negative_score_is_out_of_range,
    "pamela_train.json",
    second_edited(|r| r["original_score"] = json!(-3)),
    ["record 1", "original_score"]
);
refused!(
    a_huge_score_is_refused,
    "pamela_train.json",
    br#"[{"original_score": 1e999}]"#.to_vec(),
    ["record 0"]
);
refused!(
    an_image_id_as_text_is_a_type_error,
    "pamela_train.json",
    second_edited(|r| r["image_id"] = json!("1049071")),
    ["record 1", "image_id"]
);
refused!(
    a_negative_image_id_is_invalid,
    "pamela_train.json",
    second_edited(|r| r["image_id"] = json!(-5)),
    ["record 1", "image_id"]
);
refused!(
    a_fractional_image_id_is_invalid,
    "pamela_train.json",
    second_edited(|r| r["image_id"] = json!(1.5)),
    ["record 1", "image_id"]
);
refused!(
    an_image_id_beyond_u64_is_invalid,
    "pamela_train.json",
    String::from_utf8(second_edited(|r| r["image_id"] = json!(7)))
        .unwrap()
        .replacen(
            "\"image_id\": 7",
            "\"image_id\": 99999999999999999999999",
            1
        )
        .into_bytes(),
    ["record 1", "image_id"]
);
refused!(
    an_age_as_text_is_a_type_error,
    "pamela_train.json",
    second_edited(|r| r["user_demographics"]["age"] = json!("28")),
    ["record 1", "user_demographics.age"]
);
refused!(
    an_age_of_400_is_invalid,
    "pamela_train.json",
    second_edited(|r| r["user_demographics"]["age"] = json!(400)),
    ["record 1", "user_demographics.age"]
);
refused!(
    a_negative_age_is_invalid,
    "pamela_train.json",
    second_edited(|r| r["user_demographics"]["age"] = json!(-1)),
    ["record 1", "user_demographics.age"]
);
refused!(
    an_unknown_label_is_refused,
    "pamela_train.json",
    second_edited(|r| r["quality_label"] = json!("superb")),
    ["record 1", "quality_label", "poor, fair"]
);
refused!(
    a_numeric_label_is_refused,
    "pamela_train.json",
    second_edited(|r| r["quality_label"] = json!(3)),
    ["record 1", "quality_label"]
);
refused!(
    an_empty_participant_id_is_refused,
    "pamela_train.json",
    second_edited(|r| r["participant_id"] = json!("  ")),
    ["record 1", "participant_id"]
);
refused!(
    a_participant_id_as_number_is_a_type_error,
    "pamela_train.json",
    second_edited(|r| r["participant_id"] = json!(17)),
    ["record 1", "participant_id"]
);
refused!(
    metadata_as_a_list_is_a_type_error,
    "pamela_train.json",
    second_edited(|r| r["image_metadata"] = json!([1, 2])),
    ["record 1", "image_metadata"]
);
refused!(
    demographics_as_text_is_a_type_error,
    "pamela_train.json",
    second_edited(|r| r["user_demographics"] = json!("male, 28")),
    ["record 1", "user_demographics"]
);
refused!(
    a_style_as_a_number_is_a_type_error,
    "pamela_train.json",
    second_edited(|r| r["image_metadata"]["style"] = json!(5)),
    ["record 1", "image_metadata.style"]
);
refused!(
    a_prompt_as_an_object_is_a_type_error,
    "pamela_train.json",
    second_edited(|r| r["image_metadata"]["prompt"] = json!({"a": 1})),
    ["record 1", "image_metadata.prompt"]
);
refused!(
    an_image_whose_type_changes_is_refused,
    "pamela_train.json",
    second_edited(|r| {
        r["image_id"] = json!(1);
        r["participant_id"] = json!("p_09");
        r["image_metadata"]["type"] = json!("Photorealism");
    }),
    ["record 1", "image_metadata.type"]
);
refused!(
    an_image_whose_prompt_changes_is_refused,
    "pamela_train.json",
    second_edited(|r| {
        r["image_id"] = json!(1);
        r["participant_id"] = json!("p_09");
        r["image_metadata"]["prompt"] = json!("other");
    }),
    ["record 1", "image_metadata.prompt"]
);
refused!(
    a_broken_json_line_names_its_line,
    "pamela_train.jsonl",
    [lines(&good_records()), b"{\"image_id\": \n".to_vec()].concat(),
    ["line 4"]
);
refused!(
    a_json_line_that_is_a_list_names_its_line,
    "pamela_train.jsonl",
    [lines(&good_records()[..1]), b"[1]\n".to_vec()].concat(),
    ["line 2"]
);
refused!(
    a_wrong_type_on_a_json_line_names_line_and_field,
    "pamela_train.jsonl",
    lines(&[good_records()[0].clone(), {
        let mut r = good_records()[1].clone();
        r["original_score"] = json!(true);
        r
    }]),
    ["line 2", "original_score"]
);
refused!(
    latin1_text_is_refused_as_not_utf8,
    "pamela_train.json",
    {
        let mut b = array(&good_records());
        let p = b.windows(6).position(|w| w == b"palace").unwrap();
        b[p + 3] = 0xE4;
        b
    },
    ["record 0", "UTF-8"]
);
refused!(
    a_repeated_key_is_refused,
    "pamela_train.json",
    br#"[{"image_id": 1, "image_id": 2}]"#.to_vec(),
    ["record 0"]
);
refused!(
    a_name_without_a_split_is_refused,
    "ratings.json",
    array(&good_records()),
    ["cannot tell the split"]
);
refused!(
    a_deeply_nested_record_is_refused_without_a_crash,
    "pamela_train.json",
    [
        b"[".to_vec(),
        vec![b'['; 100_000],
        vec![b']'; 100_000],
        b"]".to_vec()
    ]
    .concat(),
    ["record 0"]
);

// ---- broken bundles ----

fn bundle_case(case: &str, edit: impl Fn(&mut Vec<u8>)) -> Output {
    let d = temp_dir(case);
    let b = make_bundle(&d);
    let mut bytes = std::fs::read(&b).unwrap();
    edit(&mut bytes);
    std::fs::write(&b, &bytes).unwrap();
    pamela(&["stats", s(&b)])
}

#[test]
fn a_bundle_cut_in_its_header_is_truncated() {
    assert_refused(
        &bundle_case("b-header", |b| b.truncate(12)),
        &["small.pamb", "truncated"],
    );
}

#[test]
fn a_bundle_cut_in_its_stream_is_refused() {
    assert_refused(
        &bundle_case("b-stream", |b| {
            let n = b.len();
            b.truncate(n - 10)
        }),
        &["small.pamb"],
    );
}

#[test]
fn a_bundle_of_an_unknown_version_is_named() {
    assert_refused(
        &bundle_case("b-version", |b| b[8] = 99),
        &["small.pamb", "version 99 is not supported"],
    );
}

#[test]
fn a_bundle_declaring_a_huge_size_is_refused_before_allocating() {
    assert_refused(
        &bundle_case("b-huge", |b| {
            b[10..14].copy_from_slice(&u32::MAX.to_le_bytes())
        }),
        &["small.pamb", "declares"],
    );
}

#[test]
fn a_bundle_with_a_flipped_byte_is_damaged() {
    assert_refused(
        &bundle_case("b-flip", |b| {
            let n = b.len();
            b[n / 2] ^= 0x55
        }),
        &["small.pamb"],
    );
}

#[test]
fn a_bundle_with_a_wrong_crc_is_damaged() {
    assert_refused(
        &bundle_case("b-crc", |b| b[14] ^= 1),
        &["small.pamb", "damaged"],
    );
}

#[test]
fn a_bundle_given_with_a_split_file_is_refused() {
    let d = temp_dir("b-with-json");
    let b = make_bundle(&d);
    let j = d.join("pamela_train.json");
    std::fs::write(&j, array(&good_records())).unwrap();
    assert_refused(
        &pamela(&["stats", s(&j), s(&b)]),
        &["small.pamb", "on its own"],
    );
}

#[test]
fn only_the_magic_is_a_truncated_bundle() {
    assert_refused(
        &stats_on("b-magic", "x.pamb", b"PAMELAbd"),
        &["x.pamb", "truncated"],
    );
}

// ---- corrupt models ----

fn eval_on_model(case: &str, onnx: &[u8], meta: Option<&[u8]>) -> Output {
    let d = temp_dir(case);
    let m = d.join("model");
    std::fs::create_dir_all(&m).unwrap();
    std::fs::write(m.join("pamela-model.onnx"), onnx).unwrap();
    if let Some(meta) = meta {
        std::fs::write(m.join("pamela-model.json"), meta).unwrap();
    }
    let b = make_bundle(&d);
    pamela(&["eval", s(&m), s(&b)])
}

#[test]
fn an_onnx_file_of_garbage_is_refused_without_panic() {
    let out = eval_on_model(
        "m-garbage",
        b"not a model at all",
        Some(&std::fs::read(committed_model().join("pamela-model.json")).unwrap()),
    );
    assert_refused(
        &out,
        &["pamela-model.onnx", "damaged or not a PAMELA model"],
    );
    // With metadata that is not a model's, the metadata is named first.
    let out = eval_on_model("m-garbage-meta", b"not a model at all", Some(b"{}"));
    assert_refused(&out, &["pamela-model.json", "missing field `format`"]);
}

#[test]
fn model_metadata_that_is_not_json_is_refused_without_panic() {
    let out = eval_on_model("m-meta", b"\x08\x07", Some(b"{not json"));
    assert_refused(&out, &["pamela-model.json", "line 1 column 2"]);
}

// ---- hostile model folders: the committed model, one thing broken at a time ----

fn committed_model() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../www/model")
}

fn committed(name: &str) -> Vec<u8> {
    std::fs::read(committed_model().join(name)).unwrap()
}

fn committed_meta() -> Value {
    serde_json::from_slice(&committed("pamela-model.json")).unwrap()
}

/// A copy of the committed model folder with `edit` applied to its files, and a small bundle.
fn model_case(
    case: &str,
    onnx: Vec<u8>,
    meta: Option<Vec<u8>>,
    personal: Option<Vec<u8>>,
) -> (PathBuf, PathBuf) {
    let d = temp_dir(case);
    let m = d.join("model");
    std::fs::create_dir_all(&m).unwrap();
    std::fs::write(m.join("pamela-model.onnx"), onnx).unwrap();
    if let Some(meta) = meta {
        std::fs::write(m.join("pamela-model.json"), meta).unwrap();
    }
    if let Some(p) = personal {
        std::fs::write(m.join("personal.json"), p).unwrap();
    }
    (m, make_bundle(&d))
}

fn eval_meta(case: &str, edit: impl Fn(&mut Value)) -> Output {
    let mut v = committed_meta();
    edit(&mut v);
    let (m, b) = model_case(
        case,
        committed("pamela-model.onnx"),
        Some(serde_json::to_vec(&v).unwrap()),
        None,
    );
    pamela(&["eval", s(&m), s(&b)])
}

#[test]
fn the_committed_model_evaluates_on_a_small_bundle() {
    // The baseline of the cases below: the unedited copy works.
    let (m, b) = model_case(
        "mh-good",
        committed("pamela-model.onnx"),
        Some(committed("pamela-model.json")),
        Some(committed("personal.json")),
    );
    assert_ok(&pamela(&["eval", s(&m), s(&b)]));
}

#[test]
fn a_truncated_onnx_file_is_named_as_damaged() {
    let onnx = committed("pamela-model.onnx");
    for (k, cut) in [onnx.len() / 2, 100, 1].into_iter().enumerate() {
        let (m, b) = model_case(
            &format!("mh-cut{k}"),
            onnx[..cut].to_vec(),
            Some(committed("pamela-model.json")),
            None,
        );
        assert_refused(
            &pamela(&["eval", s(&m), s(&b)]),
            &["pamela-model.onnx", "damaged or not a PAMELA model"],
        );
    }
}

#[test]
fn a_truncated_onnx_file_is_named_by_predict_too() {
    let onnx = committed("pamela-model.onnx");
    let (m, b) = model_case(
        "mh-cut-predict",
        onnx[..onnx.len() / 3].to_vec(),
        Some(committed("pamela-model.json")),
        None,
    );
    let out_file = m.parent().unwrap().join("p.csv");
    assert_refused(
        &pamela(&["predict", s(&m), s(&b), "--out", s(&out_file)]),
        &["pamela-model.onnx", "damaged"],
    );
    assert!(!out_file.exists(), "no predictions file is left behind");
}

#[test]
fn a_missing_metadata_file_is_named() {
    let (m, b) = model_case("mh-nometa", committed("pamela-model.onnx"), None, None);
    assert_refused(
        &pamela(&["eval", s(&m), s(&b)]),
        &["pamela-model.json", "cannot read"],
    );
}

#[test]
fn metadata_with_a_wrong_type_names_the_file_and_the_field() {
    let out = eval_meta("mh-type-rank", |v| v["rank"] = json!("twelve"));
    assert_refused(&out, &["pamela-model.json", "`rank`", "invalid type"]);
    let out = eval_meta("mh-type-groups", |v| v["spec"]["groups"][3] = json!(5));
    assert_refused(
        &out,
        &["pamela-model.json", "`spec.groups[3]`", "invalid type"],
    );
    let out = eval_meta("mh-type-prior", |v| v["prior_mean"] = json!({"a": 1}));
    assert_refused(&out, &["pamela-model.json", "`prior_mean`"]);
    let out = eval_meta("mh-type-spec", |v| v["spec"] = json!([]));
    assert_refused(&out, &["pamela-model.json", "`spec`"]);
}

#[test]
fn metadata_missing_a_field_names_it() {
    let out = eval_meta("mh-missing", |v| {
        v.as_object_mut().unwrap().remove("personal_rank");
    });
    assert_refused(&out, &["pamela-model.json", "personal_rank"]);
}

#[test]
fn metadata_of_another_format_is_named_in_the_metadata_file() {
    let out = eval_meta("mh-format", |v| v["format"] = json!("something-else"));
    assert_refused(&out, &["pamela-model.json", "something-else"]);
}

#[test]
fn a_feature_encoding_that_does_not_match_the_onnx_names_both_files_and_the_field() {
    // One prompt-term bucket fewer: the metadata describes one image column fewer than the
    // weight table.
    let out = eval_meta("mh-buckets-short", |v| {
        let n = v["spec"]["term_buckets"].as_u64().unwrap();
        v["spec"]["term_buckets"] = json!(n - 1);
    });
    let err = assert_refused(
        &out,
        &[
            "pamela-model.onnx",
            "pamela-model.json",
            "weight table W",
            "`spec.term_buckets`",
        ],
    );
    assert!(err.contains("image columns"), "{err}");
    // One nationality more: the user input of the graph is narrower than the metadata says.
    let out = eval_meta("mh-nat-extra", |v| {
        v["spec"]["nationalities"]
            .as_array_mut()
            .unwrap()
            .push(json!("Atlantis"));
    });
    assert_refused(&out, &["pamela-model.onnx", "input user", "columns"]);
}

#[test]
fn a_personal_rank_that_does_not_match_the_onnx_is_named() {
    // Without a few-shot prior (whose size the metadata check ties to the rank), the weight
    // table is what disagrees.
    let out = eval_meta("mh-prank", |v| {
        v["personal_rank"] = json!(5);
        v["prior_mean"] = json!([]);
        v["prior_precision"] = json!([]);
    });
    assert_refused(
        &out,
        &["pamela-model.onnx", "`personal_rank`", "weight table W"],
    );
    // With it, the metadata's own check speaks first.
    let out = eval_meta("mh-prank-prior", |v| v["personal_rank"] = json!(5));
    assert_refused(&out, &["pamela-model.json", "few-shot prior"]);
}

#[test]
fn unordered_image_columns_are_refused_naming_the_field() {
    // The encoder looks image columns up by binary search: swapped, images would get the wrong
    // columns without any error.
    let out = eval_meta("mh-images-order", |v| {
        v["spec"]["images"].as_array_mut().unwrap().swap(0, 1);
    });
    assert_refused(
        &out,
        &["pamela-model.json", "image ids", "strictly ascending"],
    );
    let out = eval_meta("mh-knots-order", |v| {
        v["spec"]["age_knots"].as_array_mut().unwrap().swap(0, 1);
    });
    assert_refused(
        &out,
        &["pamela-model.json", "age knots", "strictly ascending"],
    );
}

#[test]
fn huge_declared_ranks_are_refused_before_anything_is_allocated() {
    for (case, field, value) in [
        ("mh-rank-huge", "rank", json!(1_000_000_000u64)),
        ("mh-prank-huge", "personal_rank", json!(u64::MAX)),
        ("mh-rank-zero", "rank", json!(0)),
    ] {
        let out = eval_meta(case, |v| v[field] = value.clone());
        assert_refused(
            &out,
            &["pamela-model.json", &format!("`{field}`"), "not plausible"],
        );
    }
    let out = eval_meta("mh-rank-neg", |v| v["rank"] = json!(-3));
    assert_refused(&out, &["pamela-model.json", "`rank`"]);
    let out = eval_meta("mh-rank-overflow", |v| v["rank"] = json!(1e300));
    assert_refused(&out, &["pamela-model.json", "`rank`"]);
}

#[test]
fn numbers_too_large_for_the_model_are_refused_naming_the_field() {
    // 1e39 does not fit an f32: it would read as infinity and make every prediction NaN.
    let out = eval_meta("mh-lambda-inf", |v| v["lambda_z"] = json!(1e39));
    assert_refused(&out, &["pamela-model.json", "`lambda_z`", "out of range"]);
    let out = eval_meta("mh-prior-inf", |v| v["prior_mean"][1] = json!(-1e39));
    assert_refused(
        &out,
        &["pamela-model.json", "`prior_mean[1]`", "out of range"],
    );
    let out = eval_meta("mh-age-scale", |v| v["spec"]["age_scale"] = json!(0.0));
    assert_refused(&out, &["pamela-model.json", "`spec.age_scale`"]);
}

#[test]
fn an_onnx_weight_table_declaring_a_huge_size_is_refused() {
    use prost::Message;
    let mut proto =
        tract_onnx::pb::ModelProto::decode(&committed("pamela-model.onnx")[..]).unwrap();
    let graph = proto.graph.as_mut().unwrap();
    let w = graph
        .initializer
        .iter_mut()
        .find(|t| t.name == "W")
        .expect("the committed model has W");
    // 2^40 rows declared, the few kilobytes of the real table given.
    w.dims[0] = 1 << 40;
    let (m, b) = model_case(
        "mh-w-huge",
        proto.encode_to_vec(),
        Some(committed("pamela-model.json")),
        None,
    );
    assert_refused(&pamela(&["eval", s(&m), s(&b)]), &["pamela-model.onnx"]);
}

#[test]
fn a_personal_file_that_does_not_fit_the_model_names_the_file_and_entry() {
    let mut v: Value = serde_json::from_slice(&committed("personal.json")).unwrap();
    v[2][1]["z"].as_array_mut().unwrap().push(json!(0.5));
    let (m, b) = model_case(
        "mh-personal-len",
        committed("pamela-model.onnx"),
        Some(committed("pamela-model.json")),
        Some(serde_json::to_vec(&v).unwrap()),
    );
    assert_refused(
        &pamela(&["eval", s(&m), s(&b)]),
        &[
            "personal.json",
            "entry 2",
            "`z` has 4 numbers",
            "`personal_rank` is 3",
        ],
    );
    let (m, b) = model_case(
        "mh-personal-type",
        committed("pamela-model.onnx"),
        Some(committed("pamela-model.json")),
        Some(br#"[["p_01", {"z": "no", "bias": 0}]]"#.to_vec()),
    );
    assert_refused(
        &pamela(&["eval", s(&m), s(&b)]),
        &["personal.json", "invalid type"],
    );
}

#[test]
fn an_onnx_tensor_of_raw_strings_is_refused_not_a_panic() {
    // tract-onnx reads raw bytes only of numeric types; for a string tensor it has
    // `unimplemented!` (a panic, in the browser's worker an abort). Refused before it.
    use prost::Message;
    let mut proto =
        tract_onnx::pb::ModelProto::decode(&committed("pamela-model.onnx")[..]).unwrap();
    let w = proto
        .graph
        .as_mut()
        .unwrap()
        .initializer
        .iter_mut()
        .find(|t| t.name == "W")
        .unwrap();
    w.data_type = 8; // STRING
    let (m, b) = model_case(
        "mh-w-string",
        proto.encode_to_vec(),
        Some(committed("pamela-model.json")),
        None,
    );
    assert_refused(
        &pamela(&["eval", s(&m), s(&b)]),
        &["pamela-model.onnx", "\"W\"", "data type 8"],
    );
}
