//! Hyper-parameter exploration on the validation splits:
//! `cargo run --release -p pamela-model --example tune -- gen=twisted rank=12 q=2 buckets=2048 ...`
//!
//! Prints the validation figures (val_seen, val_unseen, the val_unseen few-shot curve), each
//! relative to the oracle; the test splits only with `test=1` (for the final report, never for
//! choosing).
use pamela_model::eval::{evaluate_model, EvalOptions};
use pamela_model::meta::ModelMeta;
use pamela_model::train::{train, TrainConfig};
use pamela_model::{onnx, Predictor};
use std::collections::HashMap;

fn main() {
    let args: HashMap<String, String> = std::env::args()
        .skip(1)
        .filter_map(|a| {
            a.split_once('=')
                .map(|(k, v)| (k.to_string(), v.to_string()))
        })
        .collect();
    let num = |k: &str, d: f64| args.get(k).map_or(d, |v| v.parse().expect(k));
    let generator = args.get("gen").map_or("default", String::as_str);
    let seed = num("data_seed", 42.0) as u64;
    let s = pamela_synth::generate_by(
        pamela_synth::Generator::from_name(generator).expect("gen"),
        seed,
    )
    .unwrap();
    let ds = &s.dataset;
    let truth: HashMap<(String, u64), f64> = s
        .truth
        .ratings
        .iter()
        .map(|r| ((r.participant_id.clone(), r.image_id), r.true_score))
        .collect();
    let d = TrainConfig::default();
    let mut cfg = TrainConfig {
        seed: num("seed", d.seed as f64) as u64,
        rank: num("rank", d.rank as f64) as usize,
        personal_rank: num("q", d.personal_rank as f64) as usize,
        epochs: num("epochs", d.epochs as f64) as usize,
        learning_rate: num("lr", d.learning_rate),
        lambda_linear: num("lin", d.lambda_linear),
        lambda_embedding: num("emb", d.lambda_embedding),
        lambda_personal_embedding: num("pemb", d.lambda_personal_embedding),
        lambda_z: num("lz", d.lambda_z),
        lambda_b: num("lb", d.lambda_b),
        lambda_s: num("ls", d.lambda_s),
        lambda_image: num("limg", d.lambda_image),
        lambda_image_embedding: num("limgemb", d.lambda_image_embedding),
        huber: num("huber", d.huber),
        stretch: num("stretch", d.stretch as u8 as f64) != 0.0,
        ..d
    };
    cfg.spec.term_buckets = num("buckets", cfg.spec.term_buckets as f64) as usize;
    cfg.spec.age_knots = num("knots", cfg.spec.age_knots as f64) as usize;
    cfg.spec.image_columns = num("images", cfg.spec.image_columns as u8 as f64) != 0.0;
    let t0 = std::time::Instant::now();
    let t = train(ds, &cfg, &mut |_, _| {}).unwrap();
    let secs = t0.elapsed().as_secs_f64();
    let meta = ModelMeta::of(&t.spec, &t.params);
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
    let best_base = |sp: &str| {
        [
            "global mean",
            "image metadata mean",
            "demographic cohort mean",
        ]
        .iter()
        .map(|b| g(b, sp))
        .fold(f64::NEG_INFINITY, f64::max)
    };
    let f = |l: &str, sp: &str| {
        few.iter()
            .find(|p| p.label.starts_with(l) && p.split == sp)
            .unwrap()
            .metrics
            .pairwise
    };
    let o = |sp: &str| {
        few.iter()
            .find(|p| p.split == sp)
            .unwrap()
            .oracle
            .unwrap()
            .pairwise
    };
    let mut splits = vec![
        ("val_seen", "pamela_val_seen"),
        ("val_unseen", "pamela_val_unseen"),
    ];
    if num("test", 0.0) != 0.0 {
        splits.push(("test_seen", "pamela_test_seen"));
        splits.push(("test_unseen", "pamela_test_unseen"));
    }
    let mut line = format!(
        "{generator} {:?} epoch {} ({secs:.0} s):",
        args.iter()
            .filter(|(k, _)| *k != "gen")
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<std::collections::BTreeSet<_>>(),
        t.best_epoch
    );
    for (name, sp) in &splits {
        let (m, or, b) = (g("model", sp), g("oracle", sp), best_base(sp));
        line += &format!(
            " {name} {m:.4} ({:.1}% of oracle, gap {:.1}%)",
            100.0 * m / or,
            100.0 * (m - b) / (or - b)
        );
    }
    let mut few_sp = vec!["pamela_val_unseen"];
    if num("test", 0.0) != 0.0 {
        few_sp.push("pamela_test_unseen");
    }
    for sp in few_sp {
        let seen_rel = if sp.contains("val") {
            g("model", "pamela_val_seen") / g("oracle", "pamela_val_seen")
        } else {
            g("model", "pamela_test_seen") / g("oracle", "pamela_test_seen")
        };
        let (k0, k10, all) = (
            f("0", sp) / o(sp),
            f("10", sp) / o(sp),
            f("all", sp) / o(sp),
        );
        line += &format!(
            " | {sp} few-shot k0 {:.4} k10 {:.4} all {:.4} closes {:.0}%",
            f("0", sp),
            f("10", sp),
            f("all", sp),
            100.0 * (k10 - k0) / (seen_rel - k0)
        );
        let _ = all;
    }
    println!("{line}");
}
