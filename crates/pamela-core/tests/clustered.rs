//! Intervals that count people, on data generated with known person and image effects: they
//! cover the truth 95% of the time where the independent-ratings ones do not; the
//! image-adjusted difference is free of which images a cohort saw; the marks follow Holm.

use pamela_core::cohort::{self, CohortRow};
use pamela_core::dataset::{Dict, Dicts, Images, Participants, Ratings};
use pamela_core::query::{self, Compiled, Dim, Filter, Key};
use pamela_core::rng::Rng;
use pamela_core::stats::NoInterval;
use pamela_core::{Dataset, Source, SourceKind};

fn dict(prefix: &str, n: usize) -> Dict {
    Dict::from_sorted((0..n).map(|k| format!("{prefix}{k:02}")).collect()).unwrap()
}

/// How the generated ratings are made: x = mu + image effect + person effect + shift (cohort A,
/// gender 0) + noise, in score units, each person rating distinct images.
#[derive(Clone, Copy)]
struct Model {
    /// People in cohort A and in cohort B.
    people: (usize, usize),
    images: usize,
    /// Ratings per person drawn uniformly from this range.
    per_person: (u64, u64),
    sd_image: f64,
    sd_person: f64,
    sd_noise: f64,
    /// True A − B.
    shift: f64,
    /// Share of A's ratings drawn from the better-liked half of the images (0.5: no bias), and
    /// the same for B.
    liked_share: (f64, f64),
}

const MU: f64 = 3.0;

impl Model {
    fn plain() -> Model {
        Model {
            people: (30, 30),
            images: 200,
            per_person: (10, 60),
            sd_image: 0.3,
            sd_person: 0.3,
            sd_noise: 0.3,
            shift: 0.2,
            liked_share: (0.5, 0.5),
        }
    }
}

/// A generated store and the truth: the mean of A's ratings' expectation (image pool mean plus
/// shift), and the image effects.
struct Sample {
    ds: Dataset,
    truth_mean_a: f64,
}

fn generate(m: &Model, seed: u64) -> Sample {
    let mut g = Rng::new(seed);
    let ni = m.images;
    // Image effects, sorted so that the first half is the better-liked one.
    let mut alpha: Vec<f64> = (0..ni).map(|_| m.sd_image * g.normal()).collect();
    alpha.sort_by(|a, b| b.total_cmp(a));
    let mut images = Images::default();
    for i in 0..ni {
        images.id.push(1000 + i as u64);
        images.path.push(format!("img{i}"));
        images.group_name.push((i % 3) as u16);
        images.kind.push(0);
        images.style.push((i % 2) as u16);
        images.category.push(0);
        images.prompt.push(String::new());
    }
    let np = m.people.0 + m.people.1;
    let mut parts = Participants::default();
    let mut r = Ratings::default();
    for p in 0..np {
        let in_a = p < m.people.0;
        parts.id.push(format!("p_{p:04}"));
        parts.age.push(30);
        parts.age_bin.push(0);
        parts.gender.push(if in_a { 0 } else { 1 });
        parts.nationality.push(0);
        let beta = m.sd_person * g.normal() + if in_a { m.shift } else { 0.0 };
        let liked = if in_a {
            m.liked_share.0
        } else {
            m.liked_share.1
        };
        let k = m.per_person.0 + g.below(m.per_person.1 - m.per_person.0 + 1);
        let mut seen = vec![false; ni];
        let mut made = 0;
        while made < k {
            let half = ni / 2;
            let i = if (g.below(1_000_000) as f64) < liked * 1e6 {
                g.below(half as u64) as usize
            } else {
                half + g.below((ni - half) as u64) as usize
            };
            if seen[i] {
                continue;
            }
            seen[i] = true;
            made += 1;
            let x = MU + alpha[i] + beta + m.sd_noise * g.normal();
            r.participant.push(p as u32);
            r.image.push(i as u32);
            r.score
                .push((x * 1000.0).round().clamp(1000.0, 5000.0) as u16);
            r.label.push(0);
            r.split.push(0);
        }
    }
    let dicts = Dicts {
        group_names: dict("g", 3),
        styles: dict("s", 2),
        types: dict("t", 1),
        categories: dict("c", 1),
        genders: dict("x", 2),
        nationalities: dict("n", 1),
        age_bins: dict("a", 1),
    };
    let source = Source {
        kind: SourceKind::Synthetic,
        provenance: "clustered test".into(),
    };
    let ds = Dataset::new(source, dicts, images, parts, r).unwrap();
    // The pool's image mean (A draws uniformly when liked_share is 0.5).
    let pool = alpha.iter().sum::<f64>() / ni as f64;
    Sample {
        ds,
        truth_mean_a: MU + pool + m.shift,
    }
}

fn cohorts(ds: &Dataset) -> (Compiled, Compiled) {
    (
        Compiled::new(ds, &Filter::default().with(Dim::Gender, vec![0])),
        Compiled::new(ds, &Filter::default().with(Dim::Gender, vec![1])),
    )
}

fn covers(lo: f64, hi: f64, x: f64) -> bool {
    lo <= x && x <= hi
}

/// Coverage of A's mean, of the raw A − B and of the image-adjusted A − B, clustered and
/// independent, over `reps` replicates of the plain model.
fn coverage(reps: u64) -> [f64; 5] {
    let m = Model::plain();
    let mut hits = [0u64; 5];
    for rep in 0..reps {
        let s = generate(&m, 9000 + rep);
        let (a, b) = cohorts(&s.ds);
        let mean = query::overview(&s.ds, &a).summary();
        let row = &cohort::compare(&s.ds, &a, &b, Key::Group)[0];
        let (d, di, adj) = (
            row.diff.unwrap(),
            row.diff_ind.unwrap(),
            row.adjusted.unwrap(),
        );
        for (k, hit) in [
            covers(mean.lo, mean.hi, s.truth_mean_a),
            covers(mean.lo_ind, mean.hi_ind, s.truth_mean_a),
            covers(d.lo, d.hi, m.shift),
            covers(di.lo, di.hi, m.shift),
            covers(adj.lo, adj.hi, m.shift),
        ]
        .into_iter()
        .enumerate()
        {
            hits[k] += u64::from(hit);
        }
    }
    hits.map(|h| h as f64 / reps as f64)
}

fn report(reps: u64, c: &[f64; 5]) {
    eprintln!(
        "{reps} replicates, 30 + 30 people, 10-60 ratings each: coverage of the 95% intervals\n  \
         mean of A:          clustered {:.1}%   independent {:.1}%\n  \
         A - B raw:          clustered {:.1}%   independent {:.1}%\n  \
         A - B image-adj.:   clustered {:.1}%",
        100.0 * c[0],
        100.0 * c[1],
        100.0 * c[2],
        100.0 * c[3],
        100.0 * c[4]
    );
}

#[test]
fn clustered_intervals_cover_95_percent_where_independent_ones_do_not() {
    let reps = 2000;
    let t = std::time::Instant::now();
    let c = coverage(reps);
    report(reps, &c);
    eprintln!("  ({:.1} s)", t.elapsed().as_secs_f64());
    for (what, k) in [
        ("mean", 0),
        ("raw difference", 2),
        ("adjusted difference", 4),
    ] {
        assert!(
            (0.93..=0.97).contains(&c[k]),
            "{what}: clustered coverage {}",
            c[k]
        );
    }
    // The point: ratings are not independent, so those intervals are far too narrow.
    assert!(c[1] < 0.8, "independent mean coverage {}", c[1]);
    assert!(c[3] < 0.8, "independent difference coverage {}", c[3]);
}

#[test]
fn the_image_adjusted_difference_is_free_of_which_images_a_cohort_saw() {
    // No taste difference at all, but A rated mostly the well-liked images and B mostly the
    // others.
    let m = Model {
        shift: 0.0,
        sd_image: 0.6,
        liked_share: (0.85, 0.15),
        ..Model::plain()
    };
    let s = generate(&m, 4242);
    let (a, b) = cohorts(&s.ds);
    let row = &cohort::compare(&s.ds, &a, &b, Key::Group)[0];
    let (raw, adj) = (row.diff.unwrap(), row.adjusted.unwrap());
    assert!(raw.diff > 0.4 && raw.excludes_zero(), "raw {raw:?}");
    assert!(adj.diff.abs() < 0.1, "adjusted {adj:?}");
    assert!(covers(adj.lo, adj.hi, 0.0), "adjusted {adj:?}");

    // The estimate by hand: over images both rated, (A's mean - B's mean) weighted by
    // nA·nB/(nA + nB).
    let ds = &s.ds;
    let mut cell = vec![(0u64, 0u64, 0u64, 0u64); ds.images.len()];
    for r in 0..ds.ratings.len() {
        let (i, x) = (ds.ratings.image[r] as usize, ds.ratings.score[r] as u64);
        let c = &mut cell[i];
        if ds.participants.gender[ds.ratings.participant[r] as usize] == 0 {
            c.0 += 1;
            c.1 += x;
        } else {
            c.2 += 1;
            c.3 += x;
        }
    }
    let (mut num, mut den, mut shared) = (0.0, 0.0, 0);
    for &(na, sa, nb, sb) in &cell {
        if na > 0 && nb > 0 {
            let w = (na * nb) as f64 / (na + nb) as f64;
            num += w * (sa as f64 / na as f64 - sb as f64 / nb as f64) / 1000.0;
            den += w;
            shared += 1;
        }
    }
    assert_eq!(row.shared_images, shared);
    assert!(
        (adj.diff - num / den).abs() < 1e-9,
        "{} vs {}",
        adj.diff,
        num / den
    );
}

#[test]
fn disjoint_cohorts_add_their_clustered_variances() {
    let s = generate(&Model::plain(), 77);
    let (a, b) = cohorts(&s.ds);
    let row = &cohort::compare(&s.ds, &a, &b, Key::Group)[0];
    let d = row.diff.unwrap();
    let sum = row.a.se.powi(2) + row.b.se.powi(2);
    assert!(
        (d.se.powi(2) - sum).abs() < 1e-12 * (1.0 + sum),
        "{} vs {sum}",
        d.se.powi(2)
    );
    assert_eq!((d.people_a, d.people_b), (30, 30));
    assert_eq!(d.df, 29.0);
    // The clustered interval is the wider one.
    let di = row.diff_ind.unwrap();
    assert!(d.hi - d.lo > 2.0 * (di.hi - di.lo));
}

#[test]
fn a_person_in_both_cohorts_is_one_cluster() {
    // A: everyone on group g00's images; B: everyone on g01's. Every person is in both.
    let s = generate(&Model::plain(), 5);
    let ds = &s.ds;
    let a = Compiled::new(ds, &Filter::default().with(Dim::Group, vec![0]));
    let b = Compiled::new(ds, &Filter::default().with(Dim::Group, vec![1]));
    let row = &cohort::compare(ds, &a, &b, Key::Gender)[0];
    let d = row.diff.unwrap();
    assert_eq!((d.people_a, d.people_b), (60, 60));
    // Person effects cancel within a person, so pairing narrows the interval below the
    // sum-of-variances one.
    assert!(d.se.powi(2) < row.a.se.powi(2) + row.b.se.powi(2));
    // No image is in both groups: nothing to adjust on.
    assert!(row.adjusted.is_none() && row.shared_images == 0);
}

#[test]
fn fewer_than_five_people_get_no_interval_and_a_reason() {
    let m = Model {
        people: (4, 30),
        ..Model::plain()
    };
    let s = generate(&m, 11);
    let (a, b) = cohorts(&s.ds);
    let row = &cohort::compare(&s.ds, &a, &b, Key::Group)[0];
    assert_eq!(row.a.people, 4);
    assert_eq!(row.a.no_interval(), Some(NoInterval::TooFewPeople(4)));
    assert!(row.a.lo.is_nan() && row.a.lo_ind.is_finite());
    let d = row.diff.unwrap();
    assert!(d.lo.is_nan() && !d.excludes_zero());
    assert_eq!(d.no_interval(), Some(NoInterval::TooFewPeople(4)));
    assert!(row.adjusted.unwrap().lo.is_nan());
    assert!(!row.marked);
}

#[test]
fn marks_follow_holm_over_the_rows_with_a_test() {
    let s = generate(&Model::plain(), 3);
    let (a, b) = cohorts(&s.ds);
    let rows: Vec<CohortRow> = cohort::compare(&s.ds, &a, &b, Key::Group);
    let per: &[CohortRow] = &rows[1..];
    assert_eq!(per.len(), 3);
    let p: Vec<f64> = per.iter().map(|r| r.diff.unwrap().p).collect();
    let holm = pamela_core::stats::holm(&p);
    for (r, q) in per.iter().zip(&holm) {
        assert_eq!(r.tested, 3);
        assert!((r.p_adjusted - q).abs() < 1e-15);
        assert_eq!(r.marked, *q <= cohort::ALPHA);
    }
    assert_eq!(rows[0].tested, 3);
    // The Benjamini-Hochberg choice marks at least as many.
    let bh = cohort::compare_with(
        &s.ds,
        &a,
        &b,
        Key::Group,
        pamela_core::stats::Correction::BenjaminiHochberg,
    );
    let count = |rs: &[CohortRow]| rs.iter().filter(|r| r.marked).count();
    assert!(count(&bh) >= count(&rows));
}

#[test]
fn image_centred_cells_remove_the_images_a_cell_holds() {
    // Cohort A saw the liked images, with no taste difference: raw cell means differ by
    // gender, image-centred ones hardly.
    let m = Model {
        shift: 0.0,
        sd_image: 0.6,
        liked_share: (0.85, 0.15),
        ..Model::plain()
    };
    let s = generate(&m, 8);
    let c = Compiled::new(&s.ds, &Filter::default());
    let raw = query::cross(&s.ds, &c, Key::Gender, Some(Key::Group));
    let cen = query::cross_with(
        &s.ds,
        &c,
        Key::Gender,
        Some(Key::Group),
        query::Scores::ImageCentred,
    );
    assert_eq!(
        raw.cells, cen.cells,
        "the exact raw accumulators are the same"
    );
    let gap = |t: &query::Table2| t.row_totals()[0].mean - t.row_totals()[1].mean;
    assert!(gap(&raw) > 0.4, "raw gap {}", gap(&raw));
    assert!(gap(&cen).abs() < 0.15, "centred gap {}", gap(&cen));
    // The image means taken from the selection's overview give the same table, bit for bit,
    // here and under a filter.
    let ov = query::overview(&s.ds, &c);
    let from_ov = query::cross_centred(&s.ds, &c, &ov, Key::Gender, Some(Key::Group));
    assert_eq!(format!("{from_ov:?}"), format!("{cen:?}"));
    let mut f = Filter::default();
    f.score = Some((2000, 4500));
    let cf = Compiled::new(&s.ds, &f);
    let ovf = query::overview(&s.ds, &cf);
    assert_eq!(
        format!(
            "{:?}",
            query::cross_centred(&s.ds, &cf, &ovf, Key::AgeBin, Some(Key::Style))
        ),
        format!(
            "{:?}",
            query::cross_with(
                &s.ds,
                &cf,
                Key::AgeBin,
                Some(Key::Style),
                query::Scores::ImageCentred
            )
        )
    );
    // Over the whole selection, centred scores average to zero.
    let all = query::cross_with(&s.ds, &c, Key::Type, None, query::Scores::ImageCentred);
    assert!(all.cell(0, 0).mean.abs() < 1e-9);
    let sm = all.cell(0, 0).summary();
    assert_eq!(sm.people, 60);
    assert!(sm.lo < 0.0 && 0.0 < sm.hi);
}
