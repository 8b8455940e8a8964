//! Which parts of the default bundle take the bytes (deflate level 9 of each part alone).
fn main() {
    let ds = pamela_synth::generate(42).unwrap().dataset;
    let z = |b: &[u8]| miniz_oxide::deflate::compress_to_vec(b, 9).len();
    let r = &ds.ratings;
    let scores: Vec<u8> = r
        .score
        .iter()
        .flat_map(|s| (s - 1000).to_le_bytes())
        .collect();
    let planes: Vec<u8> = r
        .score
        .iter()
        .map(|s| ((s - 1000) >> 8) as u8)
        .chain(r.score.iter().map(|s| ((s - 1000) & 0xff) as u8))
        .collect();
    let varints: Vec<u8> =
        postcard::to_allocvec(&r.score.iter().map(|s| s - 1000).collect::<Vec<u16>>()).unwrap();
    let labels = r.label.clone();
    let derived: Vec<u8> = (0..r.len())
        .map(|k| {
            (r.label[k] as i16
                - pamela_core::Label::nearest_to_score(r.score[k] as f64 / 1000.0).index() as i16)
                as u8
        })
        .collect();
    let mut deltas = Vec::new();
    for k in 0..r.len() {
        let d = if k > 0 && r.participant[k] == r.participant[k - 1] && r.split[k] == r.split[k - 1]
        {
            r.image[k] - r.image[k - 1]
        } else {
            r.image[k]
        };
        deltas.extend(postcard::to_allocvec(&d).unwrap());
    }
    let prompts: Vec<u8> = ds.images.prompt.join("\n").into_bytes();
    let paths: Vec<u8> = ds.images.path.join("\n").into_bytes();
    for (n, b) in [
        ("scores", &scores),
        ("scores as varints (v1)", &varints),
        ("scores as byte planes", &planes),
        ("labels", &labels),
        ("labels as delta to rounding", &derived),
        ("image deltas", &deltas),
        ("prompts", &prompts),
        ("paths (text)", &paths),
    ] {
        println!("{n:<30} raw {:>8} deflate {:>8}", b.len(), z(b));
    }
}
