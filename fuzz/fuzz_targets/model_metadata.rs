//! Any bytes as a model's metadata file (`pamela-model.json`), taken as far as a stranger's
//! model file reaches in the predictor worker (crates/predict-worker) and in `pamela eval` /
//! `pamela predict`: `ModelMeta::from_json`, `check`, the feature encoding built from its
//! vocabularies, the few-shot prior, and `Predictor::load` against the committed ONNX file (the
//! check of the metadata's dimensions against the weight table and the graph's inputs), then
//! one prediction. Never a panic; metadata that passes `check` prints and parses back to the
//! same metadata.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pamela_model::model::{informative, Prior};
use pamela_model::{FeatureSpec, ImageInfo, ItemBatch, ModelMeta, Personal, Predictor, Profile};

static ONNX: &[u8] = include_bytes!("../../www/model/pamela-model.onnx");

fuzz_target!(|data: &[u8]| {
    let Ok(meta) = ModelMeta::from_json(data) else {
        return;
    };
    if meta.check().is_err() {
        // The worker and the CLI stop here with the message.
        let _ = Predictor::load(ONNX, meta);
        return;
    }
    // Round trip: printed (as `pamela train` writes it) and read again, the same metadata.
    // Compared as JSON values: the metrics hold NaN (written as null), and NaN != NaN.
    let printed = serde_json::to_vec_pretty(&meta).expect("checked metadata prints");
    let back = ModelMeta::from_json(&printed).expect("printed metadata parses");
    assert_eq!(
        serde_json::to_value(&back).unwrap(),
        serde_json::to_value(&meta).unwrap(),
        "parse(print(x)) == x"
    );
    back.check()
        .expect("printed metadata still passes the check");

    // The feature encoding from its vocabularies, for values it holds and values it does not.
    let spec = &meta.spec;
    let first = |l: &[String]| l.first().cloned().unwrap_or_default();
    let profiles = [
        Profile {
            age: 30.0,
            gender: first(&spec.genders),
            nationality: first(&spec.nationalities),
        },
        Profile {
            age: f64::NAN,
            gender: "nobody".into(),
            nationality: String::new(),
        },
    ];
    let images = [
        ImageInfo {
            kind: first(&spec.types),
            group: first(&spec.groups),
            style: spec.styles.first().cloned(),
            prompt: "A quiet lake at dawn, oil painting, soft light".into(),
            id: spec.images.first().copied(),
        },
        ImageInfo {
            kind: "x".into(),
            group: "y".into(),
            style: Some("z".into()),
            prompt: String::new(),
            id: Some(u64::MAX),
        },
    ];
    let (du, di) = (spec.user_dim(), spec.item_dim());
    for p in &profiles {
        let u = spec.user(p);
        assert!(
            u.iter().all(|(c, _)| (*c as usize) < du),
            "user column out of range"
        );
        assert_eq!(FeatureSpec::dense(&u, du).len(), du);
    }
    let rows: Vec<_> = images.iter().map(|im| spec.item(im)).collect();
    for r in &rows {
        assert!(
            r.iter().all(|(c, _)| (*c as usize) < di),
            "image column out of range"
        );
    }

    // The few-shot prior and the choice of images to rate, as the worker runs them.
    let q = meta.personal_rank;
    let prior = Prior::new(
        q,
        meta.lambda_z,
        meta.lambda_b,
        &meta.prior_mean,
        &meta.prior_precision,
    );
    let emb: Vec<f32> = (0..3 * q).map(|k| k as f32 * 0.1).collect();
    let obs = vec![(3.0f32, emb[..q].to_vec(), 4.0f32)];
    let personal = prior.fit(&obs);
    assert_eq!(personal.z.len(), q);
    let _ = informative(&emb, q, &prior, 2, &[0, 7]);

    // Against the committed ONNX: its dimensions are checked, then it must run.
    let Ok(predictor) = Predictor::load(ONNX, meta) else {
        return;
    };
    let items = predictor
        .encode_items(&ItemBatch::new(&rows, di))
        .expect("a loaded model encodes images");
    let user = FeatureSpec::dense(&spec_user(&predictor, &profiles[0]), du);
    let (scores, emb) = predictor
        .score(&items, &user, &personal)
        .expect("a loaded model scores");
    assert_eq!(scores.len(), images.len());
    assert_eq!(emb.len(), images.len() * q);
    let _ = predictor.score(&items, &user, &Personal::zero(q + 1));
});

fn spec_user(p: &Predictor, profile: &Profile) -> pamela_model::spec::Sparse {
    p.meta.spec.user(profile)
}
