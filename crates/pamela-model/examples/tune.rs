//! Hyper-parameter exploration: `cargo run --release -p pamela-model --example tune -- RANK EPOCHS LR LIN EMB LZ LB`
use pamela_model::eval::{evaluate_model, EvalOptions};
use pamela_model::meta::{ModelMeta, META_FORMAT, META_VERSION};
use pamela_model::train::{train, TrainConfig};
use pamela_model::{onnx, Predictor};
use std::collections::HashMap;

fn main() {
    let a: Vec<f64> = std::env::args()
        .skip(1)
        .map(|s| s.parse().unwrap())
        .collect();
    let s = pamela_synth::generate(42).unwrap();
    let ds = &s.dataset;
    let truth: HashMap<(String, u64), f64> = s
        .truth
        .ratings
        .iter()
        .map(|r| ((r.participant_id.clone(), r.image_id), r.true_score))
        .collect();
    let cfg = TrainConfig {
        rank: a[0] as usize,
        epochs: a[1] as usize,
        learning_rate: a[2],
        lambda_linear: a[3],
        lambda_embedding: a[4],
        lambda_z: a[5],
        lambda_b: a[6],
        personal_rank: a.get(7).map_or(2, |v| *v as usize),
        lambda_personal_embedding: a.get(8).copied().unwrap_or(a[4]),
        ..Default::default()
    };
    let t = train(ds, &cfg, &mut |_, _| {}).unwrap();
    let meta = ModelMeta {
        format: META_FORMAT.into(),
        format_version: META_VERSION,
        spec: t.spec.clone(),
        rank: t.params.rank,
        personal_rank: t.params.personal_rank,
        lambda_z: t.params.lambda_z,
        lambda_b: t.params.lambda_b,
        prior_mean: t.params.prior_mean.clone(),
        prior_precision: t.params.prior_precision.clone(),
        data_source: "synthetic".into(),
        data_provenance: String::new(),
        seed: cfg.seed,
        epochs: t.best_epoch,
        date: String::new(),
        evaluation: vec![],
        few_shot: vec![],
        notes: vec![],
    };
    let p = Predictor::load(&onnx::export(&t.params), meta).unwrap();
    let seen = t.personal.iter().cloned().collect();
    let (rows, few) = evaluate_model(ds, &p, &seen, Some(&truth), &EvalOptions::default()).unwrap();
    let g = |pr: &str, sp: &str| {
        rows.iter()
            .find(|r| r.predictor == pr && r.split == sp)
            .unwrap()
            .metrics
            .pairwise
    };
    let ts = g("model", "pamela_test_seen") / g("oracle", "pamela_test_seen");
    let tu = g("model", "pamela_test_unseen") / g("oracle", "pamela_test_unseen");
    let vs = g("model", "pamela_val_seen") / g("oracle", "pamela_val_seen");
    let f = |l: &str, sp: &str| {
        let p = few
            .iter()
            .find(|p| p.label.starts_with(l) && p.split == sp)
            .unwrap();
        p.metrics.pairwise
    };
    let o = |sp: &str| {
        few.iter()
            .find(|p| p.split == sp)
            .unwrap()
            .oracle
            .unwrap()
            .pairwise
    };
    let (k0, k10, all) = (
        f("0", "pamela_test_unseen"),
        f("10", "pamela_test_unseen"),
        f("all", "pamela_test_unseen"),
    );
    println!("{a:?} best {} | val_seen {vs:.4} test_seen {ts:.4} test_unseen {tu:.4} | fs test oracle {:.4} k0 {k0:.4} k5 {:.4} k10 {k10:.4} k20 {:.4} all {all:.4} closed {:.2} | fs val k0 {:.4} k10 {:.4} all {:.4}",
        t.best_epoch, o("pamela_test_unseen"), f("5", "pamela_test_unseen"), f("20", "pamela_test_unseen"), (k10 - k0) / (all - k0), f("0", "pamela_val_unseen"), f("10", "pamela_val_unseen"), f("all", "pamela_val_unseen"));
}
