//! `pamela train` and `pamela eval`.

use crate::input;
use crate::predictions::{self, Format};
use crate::{CliError, Result};
use indicatif::{ProgressBar, ProgressStyle};
use pamela_core::{Dataset, SourceKind, Split};
use pamela_model::bootstrap::{self, Bootstrap, Intervals};
use pamela_model::eval::{self, EvalOptions, SplitStats, Truth};
use pamela_model::meta::ModelMeta;
use pamela_model::pipeline;
use pamela_model::train::TrainConfig;
use pamela_model::{Personal, Predictor};
use pamela_synth as synth;
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

pub const MODEL_FILE: &str = "pamela-model.onnx";
pub const META_FILE: &str = "pamela-model.json";
pub const PERSONAL_FILE: &str = "personal.json";

/// Today's date (UTC) as YYYY-MM-DD, from the system clock (civil-from-days).
pub fn today() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let z = (secs / 86_400) as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// The noise-free scores of synthetic data: from a ground-truth file, or regenerated from the
/// seed in the data's provenance when the generator version matches.
pub fn truth_for(ds: &Dataset, file: Option<&Path>) -> Result<Option<Truth>> {
    if let Some(f) = file {
        let bytes =
            std::fs::read(f).map_err(|e| CliError(format!("{}: cannot read: {e}", f.display())))?;
        // The generator's ground_truth.json: one JSON object with `ratings`.
        let head = bytes.iter().find(|b| !b.is_ascii_whitespace());
        if head == Some(&b'{') {
            if let Ok(gt) = serde_json::from_slice::<synth::GroundTruth>(&bytes) {
                return Ok(Some(
                    gt.ratings
                        .into_iter()
                        .map(|r| ((r.participant_id, r.image_id), r.true_score))
                        .collect(),
                ));
            }
        }
        // Otherwise a plain per-rating file (CSV, JSON Lines or a JSON array).
        return predictions::read_scores(f, &predictions::TRUE_SCORE).map(Some);
    }
    if ds.source.kind != SourceKind::Synthetic {
        return Ok(None);
    }
    match synth::from_provenance(&ds.source.provenance) {
        Some((generator, seed)) => {
            let s = synth::generate_by(generator, seed)
                .map_err(|e| CliError(format!("regenerating the ground truth failed: {e}")))?;
            Ok(Some(
                s.truth
                    .ratings
                    .into_iter()
                    .map(|r| ((r.participant_id, r.image_id), r.true_score))
                    .collect(),
            ))
        }
        None => Ok(None),
    }
}

fn bar(len: u64) -> ProgressBar {
    let b = ProgressBar::new(len);
    b.set_style(
        ProgressStyle::with_template("{msg:28!} {bar:40} {pos}/{len} epochs {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    b
}

/// `pamela train PATH --out DIR`.
pub fn train_cmd(
    paths: &[PathBuf],
    out: &Path,
    cfg: &TrainConfig,
    log: &mut dyn Write,
) -> Result<()> {
    let data = input::read(paths)?;
    let ds = &data.dataset;
    for s in [
        Split::Train,
        Split::ValSeen,
        Split::ValUnseen,
        Split::TestSeen,
        Split::TestUnseen,
    ] {
        let _ = writeln!(
            log,
            "{:<20} {:>7} ratings",
            s.file_stem(),
            ds.split_range(s).len()
        );
    }
    let b = bar(cfg.epochs as u64);
    b.set_message("training");
    let truth = truth_for(ds, None)?;
    let fitted = pipeline::fit(ds, cfg, truth.as_ref(), today(), &mut |epoch, m| {
        b.set_position(epoch as u64);
        if let Some(m) = m {
            b.println(format!(
                "epoch {epoch:>4}: validation pairwise {:.4}, Spearman {:.4}, RMSE {:.4}",
                m.pairwise, m.spearman, m.rmse
            ));
        }
    })
    .map_err(CliError)?;
    b.finish_and_clear();
    let _ = writeln!(
        log,
        "kept epoch {} (best validation pairwise accuracy)",
        fitted.best_epoch
    );
    let pipeline::Fitted {
        onnx: onnx_bytes,
        meta,
        personal,
        ..
    } = fitted;
    std::fs::create_dir_all(out).map_err(|e| CliError(format!("{}: {e}", out.display())))?;
    let write = |name: &str, bytes: &[u8]| {
        let p = out.join(name);
        std::fs::write(&p, bytes)
            .map_err(|e| CliError(format!("{}: cannot write: {e}", p.display())))
    };
    write(MODEL_FILE, &onnx_bytes)?;
    write(
        META_FILE,
        &serde_json::to_vec_pretty(&meta).map_err(|e| CliError(e.to_string()))?,
    )?;
    write(
        PERSONAL_FILE,
        &serde_json::to_vec(&personal).map_err(|e| CliError(e.to_string()))?,
    )?;
    let _ = writeln!(
        log,
        "wrote {} ({} bytes), {} and {}",
        out.join(MODEL_FILE).display(),
        onnx_bytes.len(),
        META_FILE,
        PERSONAL_FILE
    );
    print_report(
        &Report {
            evaluation: meta.evaluation.clone(),
            few_shot: meta.few_shot.clone(),
        },
        log,
    );
    Ok(())
}

/// Reads a model directory (or the .onnx file inside one).
pub fn load_model(path: &Path) -> Result<(Predictor, HashMap<String, Personal>)> {
    if !path.exists() {
        return Err(CliError(format!(
            "{}: no such model folder or file (give the folder `pamela train --out` wrote)",
            path.display()
        )));
    }
    let dir = if path.is_dir() {
        path.to_path_buf()
    } else {
        path.parent().map(Path::to_path_buf).unwrap_or_default()
    };
    let onnx_path = if path.is_dir() {
        dir.join(MODEL_FILE)
    } else {
        path.to_path_buf()
    };
    let read = |p: &Path| {
        std::fs::read(p).map_err(|e| CliError(format!("{}: cannot read: {e}", p.display())))
    };
    let meta_path = dir.join(META_FILE);
    // The metadata's own checks first, so that their message names the metadata file.
    let meta = ModelMeta::from_json(&read(&meta_path)?)
        .and_then(|m| m.check().map(|()| m))
        .map_err(|e| CliError(format!("{}: {e}", meta_path.display())))?;
    let predictor = Predictor::load(&read(&onnx_path)?, meta).map_err(|e| {
        CliError(format!(
            "{} (with {}): {e}",
            onnx_path.display(),
            meta_path.display()
        ))
    })?;
    let personal_path = dir.join(PERSONAL_FILE);
    let personal: Vec<(String, Personal)> = match std::fs::read(&personal_path) {
        Ok(b) => serde_json::from_slice(&b)
            .map_err(|e| CliError(format!("{}: {e}", personal_path.display())))?,
        Err(_) => Vec::new(),
    };
    // Each seen participant's personal part must fit the model, or scoring them fails later
    // with a message that names neither the file nor the participant.
    let q = predictor.meta.personal_rank;
    for (k, (id, p)) in personal.iter().enumerate() {
        if p.z.len() != q {
            return Err(CliError(format!(
                "{}: entry {k} (participant {id}): `z` has {} numbers, the model's \
                 `personal_rank` is {q}",
                personal_path.display(),
                p.z.len()
            )));
        }
        if !p.bias.is_finite() || p.z.iter().any(|x| !x.is_finite()) {
            return Err(CliError(format!(
                "{}: entry {k} (participant {id}): `z` or `bias` is not a finite number",
                personal_path.display()
            )));
        }
    }
    Ok((predictor, personal.into_iter().collect()))
}

/// An evaluation: the per-split table and the few-shot curve.
pub struct Report {
    pub evaluation: Vec<pamela_model::meta::EvalRow>,
    pub few_shot: Vec<pamela_model::meta::FewShotPoint>,
}

/// What `eval` evaluates: a trained model, or a file of per-rating predictions.
pub enum Source {
    Model(Box<Predictor>, HashMap<String, Personal>),
    File(PathBuf, predictions::Scores),
}

impl Source {
    /// A predictions file by its extension (.csv, .jsonl, .ndjson), else a model folder/file.
    pub fn load(path: &Path) -> Result<Source> {
        if path.is_file() && Format::of_path(path).is_some() {
            let scores = predictions::read_scores(path, &predictions::PREDICTED_SCORE)?;
            return Ok(Source::File(path.to_path_buf(), scores));
        }
        let (p, seen) = load_model(path)?;
        Ok(Source::Model(Box::new(p), seen))
    }

    /// Predictions of every rating of the evaluation splits.
    pub fn predict(&self, ds: &Dataset) -> Result<Vec<f64>> {
        match self {
            Source::Model(p, seen) => Ok(eval::predict_ratings(ds, p, seen)
                .map_err(|e| CliError(e.to_string()))?
                .into_iter()
                .map(f64::from)
                .collect()),
            Source::File(path, scores) => predictions::for_ratings(ds, scores, path),
        }
    }
}

/// Options of `pamela eval` beyond the model and the data.
pub struct EvalArgs<'a> {
    pub truth: Option<&'a Path>,
    pub compare: Option<&'a Path>,
    pub bootstrap: usize,
    pub json: bool,
}

/// `pamela eval MODEL PATH`.
pub fn eval_cmd(
    model: &Path,
    paths: &[PathBuf],
    args: &EvalArgs,
    out: &mut dyn Write,
) -> Result<()> {
    let source = Source::load(model)?;
    let data = input::read(paths)?;
    let ds = &data.dataset;
    let truth = truth_for(ds, args.truth)?;
    let opts = EvalOptions {
        bootstrap: Bootstrap {
            replicates: args.bootstrap.max(1),
            ..Bootstrap::default()
        },
        ..EvalOptions::default()
    };
    let predicted = source.predict(ds)?;
    let (rows, stats) = eval::evaluate_predictions(ds, &predicted, truth.as_ref(), &opts);
    let few = match &source {
        Source::Model(p, _) => {
            eval::few_shot(ds, p, truth.as_ref(), &opts).map_err(|e| CliError(e.to_string()))?
        }
        // The few-shot fit needs the model itself.
        Source::File(..) => Vec::new(),
    };
    let comparison = match args.compare {
        Some(b) => {
            let other = Source::load(b)?.predict(ds)?;
            let (_, stats_b) = eval::evaluate_predictions(ds, &other, truth.as_ref(), &opts);
            Some(compare(&stats, &stats_b, &opts.bootstrap))
        }
        None => None,
    };
    let meta = Report {
        evaluation: rows,
        few_shot: few,
    };
    let people: serde_json::Map<String, serde_json::Value> = stats
        .iter()
        .map(|s| (s.split.file_stem().to_string(), s.people.len().into()))
        .collect();
    let target_ci = target_intervals(&stats, &opts.bootstrap);
    if args.json {
        let mut v = serde_json::json!({
            "evaluation": meta.evaluation,
            "few_shot": meta.few_shot,
            "targets": targets(&meta),
            "target_intervals": target_ci,
            "people": people,
            "bootstrap": {"replicates": opts.bootstrap.replicates, "level": opts.bootstrap.level, "seed": opts.bootstrap.seed, "unit": "participant"},
        });
        if let Some(c) = &comparison {
            v["comparison"] = c.clone();
        }
        writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&v).map_err(|e| CliError(e.to_string()))?
        )
        .map_err(|e| CliError(e.to_string()))?;
    } else {
        print_report(&meta, out);
        let _ = writeln!(
            out,
            "target intervals (95%, paired over the same resampled people): {}",
            serde_json::to_string_pretty(&target_ci).unwrap_or_default()
        );
        if let Some(c) = &comparison {
            print_comparison(c, model, args.compare.unwrap_or(Path::new("")), out);
        }
    }
    Ok(())
}

/// Paired bootstrap of A minus B, per evaluation split and metric, on the model rows.
pub fn compare(a: &[SplitStats], b: &[SplitStats], opts: &Bootstrap) -> serde_json::Value {
    let rows: Vec<serde_json::Value> = a
        .iter()
        .zip(b)
        .filter_map(|(sa, sb)| {
            let (pa, pb) = (sa.of("model")?, sb.of("model")?);
            let d = bootstrap::paired(pa, pb, opts);
            Some(serde_json::json!({
                "split": sa.split.file_stem(),
                "people": sa.people.len(),
                "differences": d,
            }))
        })
        .collect();
    serde_json::json!({
        "what": "A minus B on the same ratings; 95% paired bootstrap over participants (the same resampled people for both)",
        "splits": rows,
    })
}

fn print_comparison(c: &serde_json::Value, a: &Path, b: &Path, out: &mut dyn Write) {
    let _ = writeln!(
        out,
        "\ncomparison: A = {}, B = {} (A minus B; 95% paired bootstrap over participants)",
        a.display(),
        b.display()
    );
    let _ = writeln!(
        out,
        "{:<20} {:>6} {:<9} {:>9} {:>9} {:>9}  {:<22}",
        "split", "people", "metric", "A", "B", "A - B", "95% interval"
    );
    for s in c["splits"].as_array().into_iter().flatten() {
        for d in s["differences"].as_array().into_iter().flatten() {
            let f = |v: &serde_json::Value| v.as_f64().map_or("–".into(), |x| format!("{x:.4}"));
            let ci = d["interval"]
                .as_array()
                .map_or("–".into(), |v| format!("[{}, {}]", f(&v[0]), f(&v[1])));
            let _ = writeln!(
                out,
                "{:<20} {:>6} {:<9} {:>9} {:>9} {:>9}  {:<22}",
                s["split"].as_str().unwrap_or(""),
                s["people"],
                d["metric"].as_str().unwrap_or(""),
                f(&d["a"]),
                f(&d["b"]),
                f(&d["difference"]),
                ci
            );
        }
    }
}

/// Intervals of the target ratios per test split, each ratio computed on the same
/// resampled people: the model's share of the oracle's pairwise accuracy, and the share of the
/// gap between the best baseline (chosen on the full split) and the oracle that it captures.
pub fn target_intervals(stats: &[SplitStats], opts: &Bootstrap) -> serde_json::Value {
    let mut out = serde_json::Map::new();
    for s in stats {
        let (Some(model), Some(oracle)) = (s.of("model"), s.of("oracle")) else {
            continue;
        };
        let ones = vec![1.0; s.people.len()];
        let pw = |p: &[pamela_model::metrics::PersonStats], w: &[f64]| {
            pamela_model::metrics::combine(p, w).pairwise
        };
        let best = [
            "global mean",
            "image metadata mean",
            "demographic cohort mean",
        ]
        .iter()
        .filter_map(|n| s.of(n).map(|p| (*n, pw(p, &ones), p)))
        .max_by(|a, b| a.1.total_cmp(&b.1));
        let draws = bootstrap::weights(s.people.len(), opts);
        let share = bootstrap::interval_of(&draws, opts, |w| pw(model, w) / pw(oracle, w));
        let mut v = serde_json::json!({
            "people": s.people.len(),
            "share_of_oracle": pw(model, &ones) / pw(oracle, &ones),
            "share_of_oracle_ci": share,
        });
        if let Some((name, _, base)) = best {
            let gap = |w: &[f64]| {
                let b = pw(base, w);
                (pw(model, w) - b) / (pw(oracle, w) - b)
            };
            v["best_baseline"] = name.into();
            v["gap_captured"] = gap(&ones).into();
            v["gap_captured_ci"] = serde_json::json!(bootstrap::interval_of(&draws, opts, gap));
            v["model_minus_best_baseline"] =
                serde_json::json!(bootstrap::paired(model, base, opts)
                    .into_iter()
                    .find(|d| d.metric == "pairwise"));
        }
        out.insert(s.split.file_stem().to_string(), v);
    }
    serde_json::Value::Object(out)
}

/// `pamela predict MODEL PATH --out FILE`.
pub fn predict_cmd(
    model: &Path,
    paths: &[PathBuf],
    out_path: &Path,
    format: Option<Format>,
    log: &mut dyn Write,
) -> Result<()> {
    let format = format.or_else(|| Format::of_path(out_path)).ok_or_else(|| {
        CliError(format!(
            "{}: say the format with --format csv|jsonl or give the file a .csv or .jsonl extension",
            out_path.display()
        ))
    })?;
    let (predictor, seen) = load_model(model)?;
    let data = input::read(paths)?;
    let ds = &data.dataset;
    let predicted =
        eval::predict_ratings(ds, &predictor, &seen).map_err(|e| CliError(e.to_string()))?;
    let file = std::fs::File::create(out_path)
        .map_err(|e| CliError(format!("{}: cannot write: {e}", out_path.display())))?;
    let mut w = std::io::BufWriter::new(file);
    predictions::write(ds, &predicted, format, &mut w)
        .and_then(|()| w.flush())
        .map_err(|e| CliError(format!("{}: cannot write: {e}", out_path.display())))?;
    let _ = writeln!(
        log,
        "wrote {} ({} ratings: participant_id, image_id, split, observed_score, predicted_score)",
        out_path.display(),
        crate::thousands(predicted.len() as u64)
    );
    Ok(())
}

fn fmt_ci(ci: Option<[f64; 2]>) -> String {
    ci.map_or(String::new(), |[a, b]| format!("[{a:.3}, {b:.3}]"))
}

fn ci_of(ci: &Option<Intervals>, f: impl Fn(&Intervals) -> Option<[f64; 2]>) -> String {
    fmt_ci(ci.as_ref().and_then(f))
}

/// The targets, computed from an evaluation: test_unseen pairwise accuracy at least 95%
/// of the oracle's and above every baseline; k = 10 closing at least half the gap between
/// unseen (k = 0) and seen accuracy (each relative to the oracle on the same ratings).
pub fn targets(meta: &Report) -> serde_json::Value {
    let get = |p: &str, s: Split| eval::row(&meta.evaluation, p, s).map(|m| m.pairwise);
    let model = get("model", Split::TestUnseen);
    let oracle = get("oracle", Split::TestUnseen);
    let best_baseline = [
        "global mean",
        "image metadata mean",
        "demographic cohort mean",
    ]
    .iter()
    .filter_map(|b| get(b, Split::TestUnseen))
    .fold(f64::NEG_INFINITY, f64::max);
    let fs = |k: usize, chosen: bool| {
        meta.few_shot
            .iter()
            .find(|p| p.k == k && p.chosen == chosen && p.split == "pamela_test_unseen")
    };
    let seen_rel = match (
        get("model", Split::TestSeen),
        get("oracle", Split::TestSeen),
    ) {
        (Some(m), Some(o)) => Some(m / o),
        _ => None,
    };
    let rel_of = |k: usize, chosen: bool| {
        fs(k, chosen).and_then(|p| p.oracle.map(|o| p.metrics.pairwise / o.pairwise))
    };
    let rel = |k: usize| rel_of(k, false);
    let closed_by = |k10: Option<f64>| match (rel(0), k10, seen_rel) {
        (Some(a), Some(b), Some(s)) if s > a => Some((b - a) / (s - a)),
        _ => None,
    };
    let closed = closed_by(rel(10));
    // The same with the ten images the page would ask for (the chosen curve).
    let closed_chosen = closed_by(rel_of(10, true));
    // The stricter reading: the same people, fitted on all their ratings but the held-out ones.
    // Labels are exact (`10`, `10 chosen`) but for `all (~n)`.
    let own_of = |label: &str| {
        meta.few_shot
            .iter()
            .filter(|p| p.split == "pamela_test_unseen")
            .find(|p| p.label == label || (label == "all" && p.label.starts_with("all")))
            .map(|p| p.metrics.pairwise)
    };
    let closed_own_by = |k10: &str| match (own_of("0"), own_of(k10), own_of("all")) {
        (Some(a), Some(b), Some(s)) if s > a => Some((b - a) / (s - a)),
        _ => None,
    };
    let closed_own = closed_own_by("10");
    serde_json::json!({
        "test_unseen_pairwise": model,
        "test_unseen_oracle_pairwise": oracle,
        "share_of_oracle": model.zip(oracle).map(|(m, o)| m / o),
        "best_baseline_pairwise": best_baseline.is_finite().then_some(best_baseline),
        "beats_every_baseline": model.map(|m| m > best_baseline),
        "few_shot_relative_to_oracle": {"k0": rel(0), "k10": rel(10), "k10_chosen": rel_of(10, true), "seen": seen_rel},
        "gap_closed_by_k10": closed,
        "gap_closed_by_k10_chosen": closed_chosen,
        "gap_closed_by_k10_vs_all_own_ratings": closed_own,
        "gap_closed_by_k10_chosen_vs_all_own_ratings": closed_own_by("10 chosen"),
    })
}

pub fn print_report(meta: &Report, out: &mut dyn Write) {
    let _ = writeln!(
        out,
        "\n{:<24} {:<19} {:>6} {:>8} {:<16} {:>8} {:<16} {:>6} {:<16} {:>8}",
        "predictor",
        "split",
        "people",
        "pairwise",
        "95% interval",
        "Spearman",
        "95% interval",
        "RMSE",
        "95% interval",
        "ratings"
    );
    for r in &meta.evaluation {
        let m = &r.metrics;
        let _ = writeln!(
            out,
            "{:<24} {:<19} {:>6} {:>8.4} {:<16} {:>8.4} {:<16} {:>6.4} {:<16} {:>8}",
            r.predictor,
            r.split,
            r.ci.as_ref().map_or(m.participants, |c| c.people),
            m.pairwise,
            ci_of(&r.ci, |c| c.pairwise),
            m.spearman,
            ci_of(&r.ci, |c| c.spearman),
            m.rmse,
            ci_of(&r.ci, |c| c.rmse),
            m.ratings
        );
    }
    if let Some(c) = meta.evaluation.iter().find_map(|r| r.ci.as_ref()) {
        let _ = writeln!(
            out,
            "(95% intervals: percentile bootstrap over each split's participants, {} resamples)",
            c.replicates
        );
    }
    if !meta.few_shot.is_empty() {
        let _ = writeln!(out, "\nfew-shot (unseen participants; k of their ratings fit the personal part, the rest evaluate)");
        let _ = writeln!(
            out,
            "{:<20} {:>6} {:>10} {:>9} {:<16} {:>9} {:>7} {:>15}",
            "split",
            "people",
            "k",
            "pairwise",
            "95% interval",
            "Spearman",
            "RMSE",
            "oracle pairwise"
        );
        for p in &meta.few_shot {
            let _ = writeln!(
                out,
                "{:<20} {:>6} {:>10} {:>9.4} {:<16} {:>9.4} {:>7.4} {:>15}",
                p.split,
                p.ci.as_ref()
                    .map_or(String::new(), |c| c.people.to_string()),
                p.label,
                p.metrics.pairwise,
                ci_of(&p.ci, |c| c.pairwise),
                p.metrics.spearman,
                p.metrics.rmse,
                p.oracle
                    .map_or("–".to_string(), |o| format!("{:.4}", o.pairwise))
            );
        }
    }
    let _ = writeln!(
        out,
        "\ntargets: {}",
        serde_json::to_string_pretty(&targets(meta)).unwrap_or_default()
    );
}
