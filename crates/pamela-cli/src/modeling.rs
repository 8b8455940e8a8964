//! `pamela train` and `pamela eval`.

use crate::input;
use crate::{CliError, Result};
use indicatif::{ProgressBar, ProgressStyle};
use pamela_core::{Dataset, SourceKind, Split};
use pamela_model::eval::{self, EvalOptions, Truth};
use pamela_model::meta::{ModelMeta, META_FORMAT, META_VERSION};
use pamela_model::train::{train, TrainConfig};
use pamela_model::{onnx, Personal, Predictor};
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
        let gt: synth::GroundTruth = serde_json::from_slice(&bytes)
            .map_err(|e| CliError(format!("{}: not a ground-truth file: {e}", f.display())))?;
        return Ok(Some(
            gt.ratings
                .into_iter()
                .map(|r| ((r.participant_id, r.image_id), r.true_score))
                .collect(),
        ));
    }
    if ds.source.kind != SourceKind::Synthetic {
        return Ok(None);
    }
    let p = &ds.source.provenance;
    let seed = p
        .split("--seed ")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .and_then(|s| s.parse::<u64>().ok());
    let version_ok = p.contains(&format!("(generator v{})", synth::GENERATOR_VERSION));
    match (seed, version_ok) {
        (Some(seed), true) => {
            let s = synth::generate(seed)
                .map_err(|e| CliError(format!("regenerating the ground truth failed: {e}")))?;
            Ok(Some(
                s.truth
                    .ratings
                    .into_iter()
                    .map(|r| ((r.participant_id, r.image_id), r.true_score))
                    .collect(),
            ))
        }
        _ => Ok(None),
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
    let trained = train(ds, cfg, &mut |epoch, m| {
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
        trained.best_epoch
    );
    let onnx_bytes = onnx::export(&trained.params);
    let mut meta = ModelMeta {
        format: META_FORMAT.into(),
        format_version: META_VERSION,
        spec: trained.spec.clone(),
        rank: trained.params.rank,
        personal_rank: trained.params.personal_rank,
        lambda_z: trained.params.lambda_z,
        lambda_b: trained.params.lambda_b,
        prior_mean: trained.params.prior_mean.clone(),
        prior_precision: trained.params.prior_precision.clone(),
        data_source: match ds.source.kind {
            SourceKind::Synthetic => "synthetic".into(),
            SourceKind::Pamela => "pamela".into(),
        },
        data_provenance: ds.source.provenance.clone(),
        seed: cfg.seed,
        epochs: trained.best_epoch,
        date: today(),
        evaluation: Vec::new(),
        few_shot: Vec::new(),
        notes: vec![
            "Sees: the rater's age, gender and nationality; the image's type, visual group, style and prompt words; and, once you rate some images, a small personal taste vector fitted to your ratings.".into(),
            "Does not see: the pixels of the images (the published model does; this one runs in your browser on metadata alone), your ratings' context, or anything about you beyond the three profile fields.".into(),
            "Trained on pamela_train, selected on the validation splits, reported on the test splits.".into(),
        ],
    };
    // Evaluate the exported file itself, through tract.
    let seen: HashMap<String, Personal> = trained.personal.iter().cloned().collect();
    let predictor =
        Predictor::load(&onnx_bytes, meta.clone()).map_err(|e| CliError(e.to_string()))?;
    let truth = truth_for(ds, None)?;
    let (rows, few) = eval::evaluate_model(
        ds,
        &predictor,
        &seen,
        truth.as_ref(),
        &EvalOptions::default(),
    )
    .map_err(|e| CliError(e.to_string()))?;
    meta.evaluation = rows;
    meta.few_shot = few;
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
        &serde_json::to_vec(&trained.personal).map_err(|e| CliError(e.to_string()))?,
    )?;
    let _ = writeln!(
        log,
        "wrote {} ({} bytes), {} and {}",
        out.join(MODEL_FILE).display(),
        onnx_bytes.len(),
        META_FILE,
        PERSONAL_FILE
    );
    print_report(&meta, log);
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
    let meta = ModelMeta::from_json(&read(&dir.join(META_FILE))?)
        .map_err(|e| CliError(format!("{}: {e}", dir.join(META_FILE).display())))?;
    let predictor = Predictor::load(&read(&onnx_path)?, meta)
        .map_err(|e| CliError(format!("{}: {e}", onnx_path.display())))?;
    let personal: HashMap<String, Personal> = match std::fs::read(dir.join(PERSONAL_FILE)) {
        Ok(b) => serde_json::from_slice::<Vec<(String, Personal)>>(&b)
            .map_err(|e| CliError(format!("{}: {e}", dir.join(PERSONAL_FILE).display())))?
            .into_iter()
            .collect(),
        Err(_) => HashMap::new(),
    };
    Ok((predictor, personal))
}

/// `pamela eval MODEL PATH`.
pub fn eval_cmd(
    model: &Path,
    paths: &[PathBuf],
    truth_file: Option<&Path>,
    json: bool,
    out: &mut dyn Write,
) -> Result<()> {
    let (predictor, seen) = load_model(model)?;
    let data = input::read(paths)?;
    let truth = truth_for(&data.dataset, truth_file)?;
    let (rows, few) = eval::evaluate_model(
        &data.dataset,
        &predictor,
        &seen,
        truth.as_ref(),
        &EvalOptions::default(),
    )
    .map_err(|e| CliError(e.to_string()))?;
    let mut meta = predictor.meta.clone();
    meta.evaluation = rows;
    meta.few_shot = few;
    if json {
        let v = serde_json::json!({ "evaluation": meta.evaluation, "few_shot": meta.few_shot, "targets": targets(&meta) });
        writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&v).map_err(|e| CliError(e.to_string()))?
        )
        .map_err(|e| CliError(e.to_string()))?;
    } else {
        print_report(&meta, out);
    }
    Ok(())
}

/// The targets, computed from an evaluation: test_unseen pairwise accuracy at least 95%
/// of the oracle's and above every baseline; k = 10 closing at least half the gap between
/// unseen (k = 0) and seen accuracy (each relative to the oracle on the same ratings).
pub fn targets(meta: &ModelMeta) -> serde_json::Value {
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
    let fs = |k: usize| {
        meta.few_shot
            .iter()
            .find(|p| p.k == k && p.split == "pamela_test_unseen")
    };
    let seen_rel = match (
        get("model", Split::TestSeen),
        get("oracle", Split::TestSeen),
    ) {
        (Some(m), Some(o)) => Some(m / o),
        _ => None,
    };
    let rel = |k: usize| fs(k).and_then(|p| p.oracle.map(|o| p.metrics.pairwise / o.pairwise));
    let closed = match (rel(0), rel(10), seen_rel) {
        (Some(a), Some(b), Some(s)) if s > a => Some((b - a) / (s - a)),
        _ => None,
    };
    // The stricter reading: the same people, fitted on all their ratings but the held-out ones.
    let own = |label: &str| {
        meta.few_shot
            .iter()
            .find(|p| p.label.starts_with(label) && p.split == "pamela_test_unseen")
            .map(|p| p.metrics.pairwise)
    };
    let closed_own = match (own("0"), own("10"), own("all")) {
        (Some(a), Some(b), Some(s)) if s > a => Some((b - a) / (s - a)),
        _ => None,
    };
    serde_json::json!({
        "test_unseen_pairwise": model,
        "test_unseen_oracle_pairwise": oracle,
        "share_of_oracle": model.zip(oracle).map(|(m, o)| m / o),
        "best_baseline_pairwise": best_baseline.is_finite().then_some(best_baseline),
        "beats_every_baseline": model.map(|m| m > best_baseline),
        "few_shot_relative_to_oracle": {"k0": rel(0), "k10": rel(10), "seen": seen_rel},
        "gap_closed_by_k10": closed,
        "gap_closed_by_k10_vs_all_own_ratings": closed_own,
    })
}

pub fn print_report(meta: &ModelMeta, out: &mut dyn Write) {
    let _ = writeln!(
        out,
        "\n{:<26} {:<20} {:>9} {:>9} {:>7} {:>7} {:>8}",
        "predictor", "split", "pairwise", "Spearman", "RMSE", "MAE", "ratings"
    );
    for r in &meta.evaluation {
        let m = &r.metrics;
        let _ = writeln!(
            out,
            "{:<26} {:<20} {:>9.4} {:>9.4} {:>7.4} {:>7.4} {:>8}",
            r.predictor, r.split, m.pairwise, m.spearman, m.rmse, m.mae, m.ratings
        );
    }
    if !meta.few_shot.is_empty() {
        let _ = writeln!(out, "\nfew-shot (unseen participants; k of their ratings fit the personal part, the rest evaluate)");
        let _ = writeln!(
            out,
            "{:<20} {:>10} {:>9} {:>9} {:>7} {:>15}",
            "split", "k", "pairwise", "Spearman", "RMSE", "oracle pairwise"
        );
        for p in &meta.few_shot {
            let _ = writeln!(
                out,
                "{:<20} {:>10} {:>9.4} {:>9.4} {:>7.4} {:>15}",
                p.split,
                p.label,
                p.metrics.pairwise,
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
