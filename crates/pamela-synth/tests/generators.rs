//! The generators: reproducible from a seed, distinct from each other, and the twisted one has
//! the structure its documentation promises.

use pamela_core::Split;
use pamela_synth::{from_provenance, generate_by, split_file, Generator, Synthetic};

fn bytes(s: &Synthetic) -> Vec<u8> {
    let mut out = Vec::new();
    for split in Split::ALL {
        out.extend(split_file(&s.dataset, split));
    }
    out.extend(serde_json::to_vec(&s.truth).unwrap());
    out
}

#[test]
fn each_generator_gives_identical_bytes_for_the_same_seed() {
    for g in Generator::ALL {
        let a = generate_by(g, 5).unwrap();
        let b = generate_by(g, 5).unwrap();
        assert!(bytes(&a) == bytes(&b), "{g:?}: split files and truth equal");
        let c = generate_by(g, 6).unwrap();
        assert!(a.dataset != c.dataset, "{g:?}: another seed, other data");
    }
}

#[test]
fn the_generators_share_the_layout_but_not_the_scores() {
    let d = generate_by(Generator::Default, 9).unwrap();
    let t = generate_by(Generator::Twisted, 9).unwrap();
    // Same people, images, prompts and who-rates-what (the layout is shared) ...
    assert_eq!(d.dataset.participants.id, t.dataset.participants.id);
    assert_eq!(d.dataset.images.prompt, t.dataset.images.prompt);
    assert_eq!(d.dataset.ratings.split, t.dataset.ratings.split);
    // ... different scores.
    let same = d
        .dataset
        .ratings
        .score
        .iter()
        .zip(&t.dataset.ratings.score)
        .filter(|(a, b)| a == b)
        .count();
    assert!(same < d.dataset.ratings.len() / 50, "{same} equal scores");
    assert_eq!(d.truth.generator, "default");
    assert_eq!(t.truth.generator, "twisted");
    assert!(d.truth.twisted.is_none() && t.truth.twisted.is_some());
}

#[test]
fn the_provenance_names_generator_and_seed_and_round_trips() {
    let d = generate_by(Generator::Default, 42).unwrap();
    assert_eq!(
        d.dataset.source.provenance, "pamela synth --seed 42 (generator v1); not real ratings",
        "the default's line is what the committed bundle holds"
    );
    let t = generate_by(Generator::Twisted, 42).unwrap();
    assert!(t.dataset.source.provenance.contains("--generator twisted"));
    assert_eq!(
        from_provenance(&d.dataset.source.provenance),
        Some((Generator::Default, 42))
    );
    assert_eq!(
        from_provenance(&t.dataset.source.provenance),
        Some((Generator::Twisted, 42))
    );
    assert_eq!(
        from_provenance("pamela synth --seed 42 (generator v999)"),
        None
    );
    assert_eq!(from_provenance("PAMELA files: a.json"), None);
}

#[test]
fn the_ground_truth_gives_every_rating_a_noise_free_score_in_range() {
    for g in Generator::ALL {
        let s = generate_by(g, 3).unwrap();
        assert_eq!(s.truth.ratings.len(), s.dataset.ratings.len());
        for (r, t) in s.truth.ratings.iter().enumerate() {
            let p = s.dataset.ratings.participant[r] as usize;
            assert_eq!(t.participant_id, s.dataset.participants.id[p]);
            assert_eq!(
                t.image_id,
                s.dataset.images.id[s.dataset.ratings.image[r] as usize]
            );
            assert!(
                (1.0..=5.0).contains(&t.true_score),
                "{g:?}: {}",
                t.true_score
            );
        }
    }
}

/// Pearson correlation.
fn corr(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len() as f64;
    let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
    let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for (x, y) in a.iter().zip(b) {
        sab += (x - ma) * (y - mb);
        saa += (x - ma).powi(2);
        sbb += (y - mb).powi(2);
    }
    sab / (saa * sbb).sqrt()
}

#[test]
fn twisted_people_use_their_own_part_of_the_scale_and_like_few_things() {
    let s = generate_by(Generator::Twisted, 42).unwrap();
    let tw = s.truth.twisted.as_ref().unwrap();
    let ds = &s.dataset;
    assert_eq!(tw.people.len(), ds.participants.len());
    let partial: Vec<usize> = (0..tw.people.len())
        .filter(|&p| tw.people[p].hi - tw.people[p].lo < 3.5)
        .collect();
    assert!(
        (30..=110).contains(&partial.len()),
        "about a third use part of the scale: {}",
        partial.len()
    );
    // A partial-scale person's noise-free scores stay inside their range, and most of their
    // observed ones too (noise and lapses stay inside it; only the small outer noise leaves).
    for &p in &partial {
        let q = &tw.people[p];
        assert_eq!(q.id, ds.participants.id[p]);
        let (mut inside, mut n) = (0, 0);
        for r in 0..ds.ratings.len() {
            if ds.ratings.participant[r] as usize != p {
                continue;
            }
            let t = s.truth.ratings[r].true_score;
            assert!(t >= q.lo - 1e-3 && t <= q.hi + 1e-3);
            let y = ds.ratings.score[r] as f64 / 1000.0;
            n += 1;
            inside += usize::from(y >= q.lo - 0.25 && y <= q.hi + 0.25);
        }
        assert!(inside * 100 >= n * 97, "{inside} of {n} inside");
    }
    // Sparse likes: at most four strong ones per person, most people have some.
    assert!(tw.people.iter().all(|p| p.likes.len() <= 4));
    let with = tw.people.iter().filter(|p| !p.likes.is_empty()).count();
    assert!(with * 10 >= tw.people.len() * 8, "{with}");
    for p in &tw.people {
        for &(f, w) in &p.likes {
            let name = &s.truth.features[f as usize];
            assert!(name.starts_with("group:") || name.starts_with("style:"));
            assert!((0.4..=1.0).contains(&w.abs()));
        }
    }
}

#[test]
fn twisted_noise_is_heavy_tailed_and_quality_is_partly_hidden() {
    let s = generate_by(Generator::Twisted, 42).unwrap();
    let ds = &s.dataset;
    let resid: Vec<f64> = (0..ds.ratings.len())
        .map(|r| ds.ratings.score[r] as f64 / 1000.0 - s.truth.ratings[r].true_score)
        .collect();
    let n = resid.len() as f64;
    let m = resid.iter().sum::<f64>() / n;
    let var = resid.iter().map(|e| (e - m).powi(2)).sum::<f64>() / n;
    let kurt = resid.iter().map(|e| (e - m).powi(4)).sum::<f64>() / n / (var * var);
    assert!(kurt > 4.0, "excess kurtosis expected, got kurtosis {kurt}");
    // The hidden quality matters: it correlates with the image's mean noise-free score, but
    // the visible main effects do not explain that mean alone.
    let tw = s.truth.twisted.as_ref().unwrap();
    let mut sum = vec![0.0; ds.images.len()];
    let mut cnt = vec![0.0; ds.images.len()];
    for r in 0..ds.ratings.len() {
        let i = ds.ratings.image[r] as usize;
        sum[i] += s.truth.ratings[r].true_score;
        cnt[i] += 1.0;
    }
    let mean: Vec<f64> = sum.iter().zip(&cnt).map(|(s, c)| s / c).collect();
    let visible: Vec<f64> = s
        .truth
        .images
        .iter()
        .map(|im| {
            im.features
                .iter()
                .map(|&f| s.truth.quality_effect[f as usize])
                .sum()
        })
        .collect();
    let c_hidden = corr(&tw.hidden_quality, &mean);
    let c_visible = corr(&visible, &mean);
    assert!(
        c_hidden > 0.3,
        "hidden quality shows in the scores: {c_hidden}"
    );
    assert!(
        (0.3..0.9).contains(&c_visible),
        "metadata shows part of the quality: {c_visible}"
    );
}

#[test]
fn twisted_age_effects_are_not_linear() {
    let s = generate_by(Generator::Twisted, 42).unwrap();
    let tw = s.truth.twisted.as_ref().unwrap();
    let curve = |f: usize| -> Vec<f64> {
        (19u8..=60)
            .map(|age| {
                let phi = pamela_synth::age_basis(age);
                (0..3).map(|b| phi[b] * tw.age_effects[b][f]).sum::<f64>()
            })
            .collect()
    };
    // What a straight line in age leaves unexplained, per feature.
    let misfit = |c: &[f64]| -> f64 {
        let ages: Vec<f64> = (19..=60).map(f64::from).collect();
        let n = ages.len() as f64;
        let (ma, mc) = (ages.iter().sum::<f64>() / n, c.iter().sum::<f64>() / n);
        let sxy: f64 = ages.iter().zip(c).map(|(a, y)| (a - ma) * (y - mc)).sum();
        let sxx: f64 = ages.iter().map(|a| (a - ma).powi(2)).sum();
        let b = sxy / sxx;
        (ages
            .iter()
            .zip(c)
            .map(|(a, y)| (y - mc - b * (a - ma)).powi(2))
            .sum::<f64>()
            / n)
            .sqrt()
    };
    let bent = (0..s.truth.features.len())
        .filter(|&f| misfit(&curve(f)) > 0.05)
        .count();
    assert!(
        bent >= 20,
        "{bent} features with a clearly non-linear age curve"
    );
    // The late-twenties bump: neon light peaks inside the age range, not at an end.
    let f = s
        .truth
        .features
        .iter()
        .position(|f| f == "lighting:neon glow")
        .unwrap();
    let c = curve(f);
    let peak = 19 + (0..c.len()).max_by(|&a, &b| c[a].total_cmp(&c[b])).unwrap();
    assert!((23..=36).contains(&peak), "neon peaks at {peak}");
    assert!(misfit(&c) > 0.1);
}
