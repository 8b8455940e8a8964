//! The `pamela` binary: help on every subcommand, exact card numbers, clear errors.

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

fn committed_bundle() -> String {
    concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../www/data/pamela-synthetic.pamb"
    )
    .to_string()
}

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("pamela-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn every_subcommand_has_help() {
    for sub in [
        "synth",
        "ingest",
        "stats",
        "query",
        "compare",
        "agreement",
        "train",
        "eval",
        "bench",
    ] {
        let out = pamela(&[sub, "--help"]);
        assert!(out.status.success(), "{sub} --help");
        assert!(text(&out.stdout).contains("Usage: pamela"), "{sub}");
    }
}

#[test]
fn stats_json_on_the_committed_bundle_gives_the_card_numbers() {
    let out = pamela(&["stats", "--json", &committed_bundle()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["source"], "synthetic");
    assert_eq!(v["ratings"], 69_904);
    assert_eq!(v["participants"], 199);
    assert_eq!(v["images"], 5_077);
    assert_eq!(
        v["splits"],
        serde_json::json!({"pamela_train": 50222, "pamela_val_unseen": 926, "pamela_val_seen": 6551,
                           "pamela_test_unseen": 2470, "pamela_test_seen": 9735})
    );
    assert_eq!(
        v["types"],
        serde_json::json!({"Art": 26237, "Photorealism": 43667})
    );
    assert_eq!(
        v["genders"],
        serde_json::json!({"male": 40525, "female": 29086, "prefer not to say": 293})
    );
    assert_eq!(v["nationalities"], 23);
    assert_eq!(v["groups"], 21);
    assert_eq!(v["group_names"], 19);
    assert_eq!(v["styles"], 26);
    assert_eq!(v["age_min"], 19);
    assert_eq!(v["age_max"], 60);
}

#[test]
fn synth_writes_files_that_stats_and_ingest_read_back_identically() {
    let dir = temp_dir("synth");
    let out = pamela(&["synth", "--out", dir.to_str().unwrap(), "--seed", "42"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    for f in [
        "pamela_train.json",
        "pamela_val_seen.json",
        "pamela_val_unseen.json",
        "pamela_test_seen.json",
        "pamela_test_unseen.json",
        "pamela-synthetic.pamb",
        "ground_truth.json",
        "synthetic-manifest.json",
    ] {
        assert!(dir.join(f).is_file(), "{f} written");
    }
    // The written bundle is the committed one.
    assert_eq!(
        std::fs::read(dir.join("pamela-synthetic.pamb")).unwrap(),
        std::fs::read(committed_bundle()).unwrap()
    );
    // The folder, read through the JSON loader, gives the same card table.
    let from_folder = pamela(&["stats", "--json", dir.to_str().unwrap()]);
    let from_bundle = pamela(&["stats", "--json", &committed_bundle()]);
    assert!(
        from_folder.status.success(),
        "{}",
        text(&from_folder.stderr)
    );
    assert_eq!(text(&from_folder.stdout), text(&from_bundle.stdout));
    // Ingest of the folder gives the same bundle, byte for byte.
    let again = dir.join("again.pamb");
    let out = pamela(&[
        "ingest",
        dir.to_str().unwrap(),
        "--out",
        again.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("69,904 ratings"));
    assert_eq!(
        std::fs::read(&again).unwrap(),
        std::fs::read(committed_bundle()).unwrap()
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn query_filters_and_groups_like_the_core() {
    let out = pamela(&[
        "query",
        &committed_bundle(),
        "--gender",
        "female",
        "--type",
        "Art",
        "--by",
        "age_bin",
        "--csv",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let csv = text(&out.stdout);
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("age_bin,n,people,mean,sd,ci95_lo,ci95_hi,ci95_ind_lo,ci95_ind_hi")
    );
    let total: u64 = lines
        .map(|l| l.split(',').nth(1).unwrap().parse::<u64>().unwrap())
        .sum();
    // Cross-check with the core directly.
    let ds = pamela_core::bundle::decode(&std::fs::read(committed_bundle()).unwrap()).unwrap();
    let f = pamela_core::Filter::default()
        .with(
            pamela_core::Dim::Gender,
            vec![ds.dicts.genders.position("female").unwrap()],
        )
        .with(
            pamela_core::Dim::Type,
            vec![ds.dicts.types.position("Art").unwrap()],
        );
    let c = pamela_core::Compiled::new(&ds, &f);
    assert_eq!(total, pamela_core::query::overview(&ds, &c).total.n);
}

#[test]
fn query_without_by_prints_one_overall_row() {
    let out = pamela(&["query", &committed_bundle(), "--age", "19-60"]);
    assert!(out.status.success());
    let t = text(&out.stdout);
    assert!(t.contains("69904"), "{t}");
    assert!(
        t.contains("synthetic"),
        "the table says the data is synthetic: {t}"
    );
}

#[test]
fn query_json_gives_counts_of_ratings_and_people_and_both_intervals() {
    let out = pamela(&[
        "query",
        &committed_bundle(),
        "--type",
        "Art",
        "--by",
        "gender",
        "--json",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v = json(&out);
    let rows = v["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 3);
    let mut people = 0;
    for r in rows {
        let g = r["key"]["gender"].as_str().unwrap();
        assert!(["female", "male", "prefer not to say"].contains(&g), "{g}");
        let (n, p) = (
            r["n_ratings"].as_u64().unwrap(),
            r["n_people"].as_u64().unwrap(),
        );
        assert!(p > 0 && p < n, "{r}");
        people += p;
        let ci = |k: &str| (r[k][0].as_f64(), r[k][1].as_f64());
        let mean = r["mean"].as_f64().unwrap();
        let (ilo, ihi) = ci("ci_independent");
        let (ilo, ihi) = (ilo.unwrap(), ihi.unwrap());
        assert!(ilo < mean && mean < ihi);
        match ci("ci") {
            // Clustered: wider than the independent one.
            (Some(lo), Some(hi)) => {
                assert!(p >= 5 && lo < ilo && hi > ihi, "{r}");
                assert!(r["no_interval"].is_null());
            }
            // Too few people: null bounds and the reason.
            _ => {
                assert!(p < 5, "{r}");
                assert!(r["no_interval"].as_str().unwrap().contains("at least 5"));
            }
        }
    }
    assert_eq!(
        people, 199,
        "every participant rated Art and has one gender"
    );
}

#[test]
fn query_table_says_ratings_people_and_which_interval() {
    let out = pamela(&["query", &committed_bundle(), "--by", "group"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let t = text(&out.stdout);
    assert!(t.contains("69,904 ratings · 199 people"), "{t}");
    assert!(t.contains("participants as clusters"), "{t}");
    assert!(t.lines().next().unwrap().contains("people"), "{t}");
}

#[test]
fn compare_women_and_men_per_group_with_both_differences_and_the_correction() {
    let out = pamela(&[
        "compare",
        &committed_bundle(),
        "--a",
        "gender=female",
        "--b",
        "gender=male",
        "--per",
        "group",
        "--json",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v = json(&out);
    assert_eq!(v["correction"], "Holm");
    let rows = v["rows"].as_array().unwrap();
    assert_eq!(rows[0]["overall"], true);
    assert_eq!(rows.len(), 22, "overall plus 21 groups");
    assert_eq!(v["tested"], 21);
    for r in rows {
        let d = &r["difference"];
        let (lo, hi) = (d["ci"][0].as_f64().unwrap(), d["ci"][1].as_f64().unwrap());
        let i = &r["difference_independent"];
        let (ilo, ihi) = (i["ci"][0].as_f64().unwrap(), i["ci"][1].as_f64().unwrap());
        assert!(hi - lo > ihi - ilo, "clustered wider: {r}");
        let adj = &r["image_adjusted"];
        assert!(adj["shared_images"].as_u64().unwrap() > 0, "{r}");
        assert!(adj["estimate"].as_f64().is_some(), "{r}");
        if r["overall"] == false {
            let marked = d["marked"].as_bool().unwrap();
            assert_eq!(marked, d["p_adjusted"].as_f64().unwrap() <= 0.05, "{r}");
        }
    }
    // The text form names the interval and the correction.
    let out = pamela(&[
        "compare",
        &committed_bundle(),
        "--a",
        "gender=female,type=Art",
        "--b",
        "gender=male,type=Art",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let t = text(&out.stdout);
    assert!(
        t.contains("participants as clusters") && t.contains("Holm"),
        "{t}"
    );
    assert!(t.contains("All selected"), "{t}");
}

#[test]
fn compare_refuses_unknown_cohort_values_with_the_valid_ones() {
    fails_with(
        &[
            "compare",
            &committed_bundle(),
            "--a",
            "gender=robot",
            "--b",
            "gender=male",
        ],
        "valid values: female, male, prefer not to say",
    );
    fails_with(
        &[
            "compare",
            &committed_bundle(),
            "--a",
            "colour=red",
            "--b",
            "gender=male",
        ],
        "not a filter",
    );
    fails_with(
        &[
            "compare",
            &committed_bundle(),
            "--a",
            "all",
            "--b",
            "all",
            "--per",
            "colour",
        ],
        "unknown key",
    );
}

#[test]
fn agreement_json_names_every_row_and_matches_the_core() {
    let out = pamela(&["agreement", &committed_bundle(), "--type", "Art", "--json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["counts"]["n_ratings"], 26_237, "the Art ratings");
    assert_eq!(v["filter"], "type=Art");
    let c = &v["components"];
    let total = c["image"]["value"].as_f64().unwrap()
        + c["person"]["value"].as_f64().unwrap()
        + c["residual"]["value"].as_f64().unwrap();
    assert!((total - c["total"].as_f64().unwrap()).abs() < 1e-9);
    let (lo, hi) = (
        c["image_share"]["ci"][0].as_f64().unwrap(),
        c["image_share"]["ci"][1].as_f64().unwrap(),
    );
    assert!(lo < c["image_share"]["value"].as_f64().unwrap() && hi < 1.0);
    assert!(v["reliability"]["raters_needed"].as_u64().unwrap() >= 1);
    let keys: Vec<&str> = v["by"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["type", "group", "style"]);
    // Only Art is selected: one type row; every style row carries a token a filter takes.
    let types = v["by"][0]["rows"].as_array().unwrap();
    assert_eq!((types.len(), types[0]["label"].as_str()), (1, Some("Art")));
    let styles = v["by"][2]["rows"].as_array().unwrap();
    assert_eq!(styles.len(), 26);
    let n: u64 = styles
        .iter()
        .map(|r| r["counts"]["n_ratings"].as_u64().unwrap())
        .sum();
    assert_eq!(n, 26_237);
    assert!(styles
        .iter()
        .all(|r| r["token"].as_str().is_some_and(|t| !t.contains(' '))));
    let crowd = &v["crowd"];
    assert_eq!(
        crowd["n_people"].as_u64().unwrap()
            + crowd["n_skipped_few"].as_u64().unwrap()
            + crowd["n_skipped_constant"].as_u64().unwrap(),
        crowd["people"].as_array().unwrap().len() as u64
    );
    assert!(crowd["people"][0]["participant"]
        .as_str()
        .unwrap()
        .starts_with("p_"));
    // The same figure from the core.
    let ds = pamela_core::bundle::decode(&std::fs::read(committed_bundle()).unwrap()).unwrap();
    let f = pamela_core::Filter::default().with(
        pamela_core::Dim::Type,
        vec![ds.dicts.types.position("Art").unwrap()],
    );
    let core =
        pamela_core::agreement::components(&ds, &pamela_core::Compiled::new(&ds, &f)).unwrap();
    assert!((c["image_share"]["value"].as_f64().unwrap() - core.image_share.value).abs() < 1e-12);
}

#[test]
fn agreement_text_says_in_words_where_the_variance_comes_from() {
    let out = pamela(&["agreement", &committed_bundle(), "--gender", "female"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let t = text(&out.stdout);
    for needle in [
        "How personal is taste?",
        "images (people agree on which are good)",
        "people (scale use",
        "taste and noise",
        "Raters an image needs for a reliability of 0.8",
        "Agreement per visual group",
        "Agreement per art style",
        "How well the crowd predicts one person",
        "synthetic",
        "gender=female",
    ] {
        assert!(t.contains(needle), "missing {needle:?} in:\n{t}");
    }
    assert!(!t.contains("NaN"), "{t}");
}

#[test]
fn agreement_on_one_participant_explains_instead_of_printing_numbers() {
    let ds = pamela_core::bundle::decode(&std::fs::read(committed_bundle()).unwrap()).unwrap();
    let id = ds.participants.id[0].clone();
    let out = pamela(&["agreement", &committed_bundle(), "--participant", &id]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let t = text(&out.stdout);
    assert!(t.contains("cannot be split"), "{t}");
    assert!(t.contains("not available"), "{t}");
    assert!(!t.contains("NaN"), "{t}");
    fails_with(
        &["agreement", &committed_bundle(), "--gender", "robot"],
        "valid values: female, male, prefer not to say",
    );
}

fn fails_with(args: &[&str], needle: &str) {
    let out = pamela(args);
    assert!(!out.status.success(), "{args:?} should fail");
    let err = text(&out.stderr);
    assert!(err.contains(needle), "{args:?}: {err}");
    assert!(!err.contains("panicked"), "no panic text: {err}");
    assert!(err.lines().count() <= 3, "one short message: {err}");
}

#[test]
fn errors_are_one_clear_message_and_a_failing_status() {
    fails_with(&["stats", "/no/such/path"], "no such file or folder");
    fails_with(
        &["query", &committed_bundle(), "--gender", "robot"],
        "valid values: female, male, prefer not to say",
    );
    fails_with(
        &["query", &committed_bundle(), "--by", "colour"],
        "unknown key",
    );
    fails_with(
        &["query", &committed_bundle(), "--age", "50-20"],
        "the range is empty",
    );
    fails_with(
        &["query", &committed_bundle(), "--by", "gender,type,split"],
        "at most two keys",
    );
    let dir = temp_dir("bad");
    let bad = dir.join("pamela_train.json");
    std::fs::write(&bad, br#"[{"image_id": "x"}]"#).unwrap();
    fails_with(
        &["stats", bad.to_str().unwrap()],
        "record 0, field `image_id`",
    );
    let truncated = dir.join("cut.pamb");
    let b = std::fs::read(committed_bundle()).unwrap();
    std::fs::write(&truncated, &b[..b.len() / 2]).unwrap();
    fails_with(&["stats", truncated.to_str().unwrap()], "truncated");
    fails_with(
        &[
            "ingest",
            Path::new(&committed_bundle()).to_str().unwrap(),
            bad.to_str().unwrap(),
            "--out",
            "/tmp/x.pamb",
        ],
        "on its own",
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

fn committed_model() -> String {
    concat!(env!("CARGO_MANIFEST_DIR"), "/../../www/model").to_string()
}

fn json(out: &Output) -> serde_json::Value {
    assert!(out.status.success(), "{}", text(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("one JSON object")
}

#[test]
fn eval_of_the_committed_model_meets_the_targets_and_beats_every_baseline() {
    let v = json(&pamela(&[
        "eval",
        &committed_model(),
        &committed_bundle(),
        "--json",
    ]));
    let rows = v["evaluation"].as_array().unwrap();
    for split in [
        "pamela_val_seen",
        "pamela_val_unseen",
        "pamela_test_seen",
        "pamela_test_unseen",
    ] {
        let pairwise = |who: &str| {
            rows.iter()
                .find(|r| r["split"] == split && r["predictor"] == who)
                .unwrap_or_else(|| panic!("{who} on {split}"))["metrics"]["pairwise"]
                .as_f64()
                .unwrap()
        };
        let model = pairwise("model");
        for baseline in [
            "global mean",
            "image metadata mean",
            "demographic cohort mean",
        ] {
            assert!(
                model > pairwise(baseline),
                "{split}: model {model} vs {baseline}"
            );
        }
        assert!(
            model <= pairwise("oracle"),
            "{split}: nothing beats the noise-free scores"
        );
        for m in ["spearman", "rmse", "mae"] {
            let r = rows
                .iter()
                .find(|r| r["split"] == split && r["predictor"] == "model")
                .unwrap();
            assert!(r["metrics"][m].as_f64().is_some(), "{split}: {m}");
        }
    }
    let t = &v["targets"];
    assert!(t["share_of_oracle"].as_f64().unwrap() >= 0.95, "{t}");
    assert_eq!(t["beats_every_baseline"], true);
    assert!(t["gap_closed_by_k10"].as_f64().unwrap() >= 0.5, "{t}");
    // The few-shot curve: k = 0, 5, 10, 20 (and all) for both unseen splits, rising with k.
    let few = v["few_shot"].as_array().unwrap();
    for split in ["pamela_val_unseen", "pamela_test_unseen"] {
        let ks: Vec<(u64, f64)> = few
            .iter()
            .filter(|f| f["split"] == split)
            .map(|f| {
                (
                    f["k"].as_u64().unwrap(),
                    f["metrics"]["pairwise"].as_f64().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            ks.iter().map(|k| k.0).take(4).collect::<Vec<_>>(),
            [0, 5, 10, 20],
            "{split}"
        );
        assert!(ks[2].1 > ks[0].1, "{split}: ten ratings help ({ks:?})");
    }
}

#[test]
fn train_writes_a_model_that_eval_reads_and_reports_progress() {
    let dir = temp_dir("train");
    let out = pamela(&[
        "train",
        &committed_bundle(),
        "--out",
        dir.to_str().unwrap(),
        "--epochs",
        "4",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let log = text(&out.stderr) + &text(&out.stdout);
    assert!(
        log.contains("pamela_val_seen"),
        "per-epoch validation figures: {log}"
    );
    for f in ["pamela-model.onnx", "pamela-model.json", "personal.json"] {
        assert!(dir.join(f).is_file(), "{f} written");
    }
    let meta: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("pamela-model.json")).unwrap()).unwrap();
    assert_eq!(meta["data_source"], "synthetic");
    assert_eq!(meta["epochs"], 4);
    assert!(
        meta["spec"]["vocab"].as_array().unwrap().len() > 50,
        "the vocabulary travels with the model"
    );
    let v = json(&pamela(&[
        "eval",
        dir.to_str().unwrap(),
        &committed_bundle(),
        "--json",
    ]));
    assert!(v["evaluation"].as_array().unwrap().len() >= 20);

    // A damaged model file is refused with one clear message.
    std::fs::write(dir.join("pamela-model.onnx"), b"not a model").unwrap();
    fails_with(
        &["eval", dir.to_str().unwrap(), &committed_bundle()],
        "damaged or not a PAMELA model",
    );
    fails_with(
        &["eval", "/no/such/model", &committed_bundle()],
        "/no/such/model",
    );
}
