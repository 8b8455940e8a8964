//! Training is reproducible, the ONNX export computes what the Rust forward pass computes, a
//! model of another feature encoding is refused, and the few-shot fit recovers a planted taste.

use pamela_core::rng::Rng;
use pamela_model::meta::{ModelMeta, META_FORMAT, META_VERSION};
use pamela_model::model::Prior;
use pamela_model::spec::{FeatureSpec, Sparse};
use pamela_model::train::{train, TrainConfig};
use pamela_model::{onnx, ItemBatch, ModelError, Params, Personal, Predictor};
use std::sync::OnceLock;

fn data() -> &'static pamela_core::Dataset {
    static DS: OnceLock<pamela_core::Dataset> = OnceLock::new();
    DS.get_or_init(|| pamela_synth::generate(5).unwrap().dataset)
}

fn quick(seed: u64) -> pamela_model::train::Trained {
    let cfg = TrainConfig {
        seed,
        epochs: 12,
        validate_every: 6,
        rank: 4,
        ..Default::default()
    };
    train(data(), &cfg, &mut |_, _| {}).unwrap()
}

fn meta_for(spec: &FeatureSpec, p: &Params) -> ModelMeta {
    ModelMeta {
        format: META_FORMAT.into(),
        format_version: META_VERSION,
        spec: spec.clone(),
        rank: p.rank,
        personal_rank: p.personal_rank,
        lambda_z: p.lambda_z,
        lambda_b: p.lambda_b,
        prior_mean: p.prior_mean.clone(),
        prior_precision: p.prior_precision.clone(),
        data_source: "synthetic".into(),
        data_provenance: "test".into(),
        seed: 0,
        epochs: 0,
        date: "2026-11-26".into(),
        evaluation: vec![],
        few_shot: vec![],
        notes: vec![],
    }
}

#[test]
fn training_is_reproducible_for_a_seed() {
    let (a, b) = (quick(3), quick(3));
    assert_eq!(a.params, b.params);
    assert_eq!(a.personal, b.personal);
    assert_eq!(
        onnx::export(&a.params),
        onnx::export(&b.params),
        "byte-identical ONNX"
    );
    assert_ne!(quick(4).params, a.params, "another seed, another model");
}

#[test]
fn onnx_outputs_equal_the_rust_forward_pass_on_1000_random_inputs() {
    let t = quick(1);
    let p = &t.params;
    let pred = Predictor::load(&onnx::export(p), meta_for(&t.spec, p)).unwrap();
    let mut rng = Rng::new(99);
    let (di, du) = (p.item_dim, p.user_dim);
    let random_sparse = |rng: &mut Rng, dim: usize, k: usize| -> Sparse {
        let mut v: Vec<(u32, f32)> = (0..k)
            .map(|_| {
                (
                    rng.below(dim as u64) as u32,
                    (rng.normal() as f32).abs() + 0.1,
                )
            })
            .collect();
        v.sort_by_key(|x| x.0);
        v.dedup_by_key(|x| x.0);
        v
    };
    let mut worst = 0f32;
    for batch in 0..10 {
        let user = random_sparse(&mut rng, du, 3);
        let personal = Personal {
            z: (0..p.personal_rank).map(|_| rng.normal() as f32).collect(),
            bias: rng.normal() as f32,
        };
        let items: Vec<Sparse> = (0..100).map(|_| random_sparse(&mut rng, di, 12)).collect();
        let packed = ItemBatch::new(&items, di);
        let (scores, emb) = pred
            .run(&packed, &FeatureSpec::dense(&user, du), &personal)
            .unwrap();
        for (k, x) in items.iter().enumerate() {
            let want = p.predict(&user, x, &personal);
            worst = worst.max((scores[k] - want).abs());
            let f = p.personal_embed(x);
            for d in 0..p.personal_rank {
                worst = worst.max((emb[k * p.personal_rank + d] - f[d]).abs());
            }
        }
        assert_eq!(scores.len(), 100, "batch {batch}");
    }
    assert!(worst < 1e-5, "largest difference {worst}");
}

#[test]
fn a_model_of_another_feature_encoding_is_refused() {
    let t = quick(1);
    let bytes = onnx::export(&t.params);
    let mut meta = meta_for(&t.spec, &t.params);
    meta.spec.version += 1;
    assert!(matches!(
        Predictor::load(&bytes, meta),
        Err(ModelError::SpecMismatch(_))
    ));
    // Metadata whose vocabulary does not match the file's input width.
    let mut meta = meta_for(&t.spec, &t.params);
    meta.spec.vocab.push("zzz extra".into());
    let e = Predictor::load(&bytes, meta).err().expect("refused");
    assert!(matches!(e, ModelError::SpecMismatch(_)), "{e}");
    assert!(e.to_string().contains("image columns"), "{e}");
    // A personal rank that differs.
    let mut meta = meta_for(&t.spec, &t.params);
    meta.personal_rank += 1;
    assert!(matches!(
        Predictor::load(&bytes, meta),
        Err(ModelError::SpecMismatch(_))
    ));
}

#[test]
fn damaged_model_bytes_are_refused_with_a_message() {
    let t = quick(1);
    let meta = meta_for(&t.spec, &t.params);
    for bad in [
        &b""[..],
        b"not an onnx file at all",
        &onnx::export(&t.params)[..100],
    ] {
        let e = Predictor::load(bad, meta.clone()).err().expect("refused");
        assert!(
            matches!(e, ModelError::Corrupt(_) | ModelError::SpecMismatch(_)),
            "{e}"
        );
        assert!(!e.to_string().is_empty());
    }
    let mut wrong = meta.clone();
    wrong.format = "something else".into();
    assert!(matches!(
        Predictor::load(&onnx::export(&t.params), wrong),
        Err(ModelError::Corrupt(_))
    ));
}

#[test]
fn the_few_shot_fit_recovers_a_planted_personal_part() {
    let prior = Prior::new(2, 1.0, 1.0, &[], &[]);
    let truth = Personal {
        z: vec![0.8, -0.5],
        bias: 0.3,
    };
    let mut rng = Rng::new(5);
    let obs: Vec<(f32, Vec<f32>, f32)> = (0..400)
        .map(|_| {
            let f = vec![rng.normal() as f32, rng.normal() as f32];
            let base = 3.0 + rng.normal() as f32 * 0.2;
            let y = base
                + truth.bias
                + truth.z[0] * f[0]
                + truth.z[1] * f[1]
                + 0.05 * rng.normal() as f32;
            (base, f, y)
        })
        .collect();
    let fit = prior.fit(&obs);
    assert!(
        (fit.z[0] - 0.8).abs() < 0.02
            && (fit.z[1] + 0.5).abs() < 0.02
            && (fit.bias - 0.3).abs() < 0.02,
        "{fit:?}"
    );
    // From 5 observations the estimate is shrunk towards the prior mean (zero), not past it.
    let few = prior.fit(&obs[..5]);
    assert!(few.z[0].abs() < 1.2 && few.z[0] > 0.0, "{few:?}");
}

#[test]
fn the_committed_default_model_is_what_training_makes() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../www/model");
    let committed = std::fs::read(format!("{dir}/pamela-model.onnx"))
        .expect("www/model/pamela-model.onnx is committed");
    let meta =
        ModelMeta::from_json(&std::fs::read(format!("{dir}/pamela-model.json")).unwrap()).unwrap();
    // The committed file loads and agrees with its metadata.
    let pred = Predictor::load(&committed, meta.clone()).unwrap();
    assert_eq!(pred.meta.data_source, "synthetic");
    // Retraining with the recorded seed on the default data gives the same bytes.
    let ds = pamela_core::bundle::decode(
        &std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../www/data/pamela-synthetic.pamb"
        ))
        .unwrap(),
    )
    .unwrap();
    let cfg = TrainConfig {
        seed: meta.seed,
        ..Default::default()
    };
    let t = train(&ds, &cfg, &mut |_, _| {}).unwrap();
    assert!(
        onnx::export(&t.params) == committed,
        "retrain with `pamela train www/data/pamela-synthetic.pamb --out www/model`"
    );
}
