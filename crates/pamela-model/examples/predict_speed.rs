//! How long one prediction over every image of the default data takes natively (the browser
//! benchmark measures the same in the worker).
use pamela_core::profile::ImageInfo;
use pamela_model::{FeatureSpec, ItemBatch, ModelMeta, Personal, Predictor, Profile};
use std::time::Instant;

fn main() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../www");
    let ds = pamela_core::bundle::decode(
        &std::fs::read(format!("{root}/data/pamela-synthetic.pamb")).unwrap(),
    )
    .unwrap();
    let meta =
        ModelMeta::from_json(&std::fs::read(format!("{root}/model/pamela-model.json")).unwrap())
            .unwrap();
    let t = Instant::now();
    let p = Predictor::load(
        &std::fs::read(format!("{root}/model/pamela-model.onnx")).unwrap(),
        meta,
    )
    .unwrap();
    println!(
        "load and optimize: {:.1} ms",
        t.elapsed().as_secs_f64() * 1e3
    );
    let spec = &p.meta.spec;
    let rows: Vec<_> = (0..ds.images.len())
        .map(|i| spec.item(&ImageInfo::of(&ds, i)))
        .collect();
    let batch = ItemBatch::new(&rows, spec.item_dim());
    println!(
        "images {}, K {} (mean non-zeros {:.1})",
        batch.n,
        batch.k,
        rows.iter().map(|r| r.len()).sum::<usize>() as f64 / rows.len() as f64
    );
    let user = FeatureSpec::dense(
        &spec.user(&Profile {
            age: 30.0,
            gender: "female".into(),
            nationality: "Germany".into(),
        }),
        spec.user_dim(),
    );
    let t = Instant::now();
    let vectors = p.encode_items(&batch).unwrap();
    println!(
        "encode the images (once): {:.2} ms",
        t.elapsed().as_secs_f64() * 1e3
    );
    let mut times = vec![];
    for _ in 0..30 {
        let t = Instant::now();
        let _ = p
            .score(&vectors, &user, &Personal::zero(p.meta.personal_rank))
            .unwrap();
        times.push(t.elapsed().as_secs_f64() * 1e3);
    }
    times.sort_by(f64::total_cmp);
    println!(
        "score all (per profile or refit): median {:.2} ms",
        times[15]
    );
    for n in [10usize, 100, 1000] {
        let small = ItemBatch::new(&rows[..n], spec.item_dim());
        let mut times = vec![];
        for _ in 0..30 {
            let t = Instant::now();
            let _ = p
                .run(&small, &user, &Personal::zero(p.meta.personal_rank))
                .unwrap();
            times.push(t.elapsed().as_secs_f64() * 1e3);
        }
        times.sort_by(f64::total_cmp);
        println!("encode and score {n}: median {:.2} ms", times[15]);
    }
}
