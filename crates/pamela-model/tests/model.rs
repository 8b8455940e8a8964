//! Training is reproducible, the ONNX export computes what the Rust forward pass computes, a
//! model of another feature encoding is refused, and the few-shot fit recovers a planted taste.

use pamela_core::rng::Rng;
use pamela_model::meta::ModelMeta;
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
    let mut m = ModelMeta::of(spec, p);
    m.data_source = "synthetic".into();
    m.data_provenance = "test".into();
    m.date = "2026-11-26".into();
    m
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
    // With and without the stretch (the graph differs by one Concat).
    for stretch in [true, false] {
        let t = train(
            data(),
            &TrainConfig {
                seed: 1,
                epochs: 12,
                validate_every: 6,
                rank: 4,
                stretch,
                ..Default::default()
            },
            &mut |_, _| {},
        )
        .unwrap();
        let p = &t.params;
        assert_eq!(p.stretch, stretch);
        let d = p.personal_dim();
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
                z: (0..d).map(|_| rng.normal() as f32 * 0.5).collect(),
                bias: rng.normal() as f32,
            };
            let items: Vec<Sparse> = (0..100).map(|_| random_sparse(&mut rng, di, 12)).collect();
            let packed = ItemBatch::new(&items, di);
            let (scores, emb) = pred
                .run(&packed, &FeatureSpec::dense(&user, du), &personal)
                .unwrap();
            assert_eq!(emb.len(), 100 * d, "batch {batch}");
            for (k, x) in items.iter().enumerate() {
                let want = p.predict(&user, x, &personal);
                worst = worst.max((scores[k] - want).abs());
                let (_, f) = p.base(&user, x);
                assert_eq!(f.len(), d);
                for j in 0..d {
                    worst = worst.max((emb[k * d + j] - f[j]).abs());
                }
            }
            assert_eq!(scores.len(), 100, "batch {batch}");
        }
        assert!(
            worst < 1e-5,
            "stretch {stretch}: largest difference {worst}"
        );
    }
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
    // Metadata whose term buckets do not match the file's input width.
    let mut meta = meta_for(&t.spec, &t.params);
    meta.spec.term_buckets += 1;
    let e = Predictor::load(&bytes, meta).err().expect("refused");
    assert!(matches!(e, ModelError::SpecMismatch(_)), "{e}");
    assert!(e.to_string().contains("image columns"), "{e}");
    // A personal rank that differs: its few-shot prior no longer fits it (the metadata's own
    // check), and with a prior of that size the weight table does not.
    let mut meta = meta_for(&t.spec, &t.params);
    meta.personal_rank += 1;
    assert!(matches!(
        Predictor::load(&bytes, meta.clone()),
        Err(ModelError::Corrupt(_))
    ));
    meta.prior_mean.clear();
    meta.prior_precision.clear();
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

#[test]
fn a_short_training_beats_every_baseline_on_both_generators() {
    use pamela_model::bootstrap::Bootstrap;
    use pamela_model::eval::{evaluate_model, EvalOptions};
    for generator in pamela_synth::Generator::ALL {
        let s = pamela_synth::generate_by(generator, 42).unwrap();
        let cfg = TrainConfig {
            epochs: 60,
            validate_every: 20,
            rank: 4,
            ..Default::default()
        };
        let t = train(&s.dataset, &cfg, &mut |_, _| {}).unwrap();
        let pred = Predictor::load(&onnx::export(&t.params), meta_for(&t.spec, &t.params)).unwrap();
        let seen = t.personal.iter().cloned().collect();
        let truth = s
            .truth
            .ratings
            .iter()
            .map(|r| ((r.participant_id.clone(), r.image_id), r.true_score))
            .collect();
        let opts = EvalOptions {
            repeats: 2,
            bootstrap: Bootstrap {
                replicates: 20,
                ..Default::default()
            },
            ..Default::default()
        };
        let (rows, _) = evaluate_model(&s.dataset, &pred, &seen, Some(&truth), &opts).unwrap();
        for split in ["pamela_test_seen", "pamela_test_unseen"] {
            let get = |who: &str| {
                rows.iter()
                    .find(|r| r.split == split && r.predictor == who)
                    .unwrap_or_else(|| panic!("{who} on {split}"))
                    .metrics
                    .pairwise
            };
            let model = get("model");
            for baseline in [
                "global mean",
                "image metadata mean",
                "demographic cohort mean",
            ] {
                assert!(
                    model > get(baseline) + 0.02,
                    "{generator:?} {split}: model {model} vs {baseline} {}",
                    get(baseline)
                );
            }
            assert!(model < get("oracle"), "{generator:?} {split}");
        }
    }
}
