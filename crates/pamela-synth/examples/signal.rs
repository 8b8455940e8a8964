//! Diagnostic: how much of the synthetic ratings' within-participant order is predictable from
//! image features and demographics alone, compared with the generator's noise-free scores.
//! `cargo run --release -p pamela-synth --example signal [seed]` (env INDIVIDUAL_SD, NOISE_SD and
//! QUALITY_SD override the defaults, to explore the generator's trade-offs).

use pamela_core::Split;

fn pairwise(scores: &[(u32, f64, f64)]) -> f64 {
    // (participant, predicted, observed); pairs within participant with different observed.
    let mut good = 0.0;
    let mut n = 0.0;
    let mut k = 0;
    while k < scores.len() {
        let mut e = k;
        while e < scores.len() && scores[e].0 == scores[k].0 {
            e += 1;
        }
        for a in k..e {
            for b in a + 1..e {
                let (pa, oa) = (scores[a].1, scores[a].2);
                let (pb, ob) = (scores[b].1, scores[b].2);
                if oa == ob {
                    continue;
                }
                n += 1.0;
                let d = (pa - pb) * (oa - ob);
                if d > 0.0 {
                    good += 1.0;
                } else if d == 0.0 {
                    good += 0.5;
                }
            }
        }
        k = e;
    }
    good / n
}

fn main() {
    let seed = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(pamela_synth::DEFAULT_SEED);
    let mut params = pamela_synth::Params::default();
    if let Ok(v) = std::env::var("INDIVIDUAL_SD") {
        params.individual_sd = v.parse().unwrap();
    }
    if let Ok(v) = std::env::var("NOISE_SD") {
        params.noise_sd = v.parse().unwrap();
    }
    if let Ok(v) = std::env::var("QUALITY_SD") {
        params.quality_sd = v.parse().unwrap();
    }
    let s = pamela_synth::generate_with(seed, params).unwrap();
    let (ds, t) = (&s.dataset, &s.truth);
    let region_of = |name: &str| t.regions.iter().position(|r| r == name).unwrap();
    let nat_names = ds.dicts.nationalities.values();
    // country index in truth.country_effect is the generator's COUNTRIES order; recover it by
    // matching the loadings is not possible, so use region-level taste only (a lower bound).
    let _ = nat_names;
    for split in Split::ALL {
        let mut oracle = Vec::new();
        let mut known = Vec::new();
        let mut quality = Vec::new();
        for r in ds.split_range(split) {
            let p = ds.ratings.participant[r] as usize;
            let i = ds.ratings.image[r] as usize;
            let obs = ds.ratings.score[r] as f64;
            let pt = &t.participants[p];
            let age_z = (ds.participants.age[p] as f64 - 35.0) / 12.0;
            let g = match ds.dicts.genders.get(ds.participants.gender[p]) {
                "female" => 1.0,
                "male" => -1.0,
                _ => 0.0,
            };
            let reg = region_of(&pt.region);
            let mut q = 0.0;
            let mut cohort = 0.0;
            for &f in &t.images[i].features {
                let f = f as usize;
                q += t.quality_effect[f];
                cohort += age_z * t.age_effect[f]
                    + g * t.gender_effect[f] / 2.0
                    + t.region_effect[reg][f];
            }
            oracle.push((p as u32, t.ratings[r].true_score, obs));
            known.push((p as u32, q + cohort, obs));
            quality.push((p as u32, q, obs));
        }
        println!(
            "{:<12} oracle {:.4}  features+cohort {:.4} ({:.1}% of oracle)  features only {:.4}",
            split.name(),
            pairwise(&oracle),
            pairwise(&known),
            100.0 * pairwise(&known) / pairwise(&oracle),
            pairwise(&quality)
        );
    }
}
