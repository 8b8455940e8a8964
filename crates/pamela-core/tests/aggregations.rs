//! Aggregations agree with a naive reference on random data, and 95% intervals cover 95%.

use pamela_core::dataset::{Dict, Dicts, Images, Participants, Ratings, NO_STYLE};
use pamela_core::query::{self, Compiled, Dim, Filter, ImageOrder, Key};
use pamela_core::rng::Rng;
use pamela_core::stats::{Acc, Clustered, Difference};
use pamela_core::{Dataset, Source, SourceKind};
use proptest::prelude::*;
use std::collections::BTreeMap;

fn dict(prefix: &str, n: usize) -> Dict {
    Dict::from_sorted((0..n).map(|k| format!("{prefix}{k:02}")).collect()).unwrap()
}

/// A random store with small dictionaries so that every combination occurs.
fn random_store(seed: u64, np: usize, ni: usize, nr: usize) -> Dataset {
    let mut g = Rng::new(seed);
    let mut b = |n: usize| g.below(n as u64) as u16;
    let dicts = Dicts {
        group_names: dict("g", 3),
        styles: dict("s", 3),
        types: dict("t", 2),
        categories: dict("c", 1),
        genders: dict("x", 3),
        nationalities: dict("n", 4),
        age_bins: dict("a", 3),
    };
    let mut images = Images::default();
    for i in 0..ni {
        images.id.push(100 + i as u64 * 7);
        images.path.push(format!("img{i}"));
        images.group_name.push(b(3));
        let kind = b(2);
        images.kind.push(kind);
        images.style.push(if kind == 0 { b(3) } else { NO_STYLE });
        images.category.push(0);
        images.prompt.push(String::new());
    }
    let mut parts = Participants::default();
    for p in 0..np {
        parts.id.push(format!("p_{p:04}"));
        parts.age.push(18 + b(50) as u8);
        parts.age_bin.push(b(3));
        parts.gender.push(b(3));
        parts.nationality.push(b(4));
    }
    let mut r = Ratings::default();
    for _ in 0..nr {
        r.participant.push(b(np) as u32);
        r.image.push(b(ni) as u32);
        r.score.push(1000 + b(4001));
        r.label.push(b(5) as u8);
        r.split.push(b(5) as u8);
    }
    Dataset::new(
        Source {
            kind: SourceKind::Synthetic,
            provenance: "test".into(),
        },
        dicts,
        images,
        parts,
        r,
    )
    .unwrap()
}

fn random_filter(ds: &Dataset, seed: u64) -> Filter {
    let mut g = Rng::new(seed);
    let mut f = Filter::default();
    for d in Dim::ALL {
        if g.below(3) == 0 {
            let dom = d.key().domain(ds) as u16;
            let set: Vec<u16> = (0..dom).filter(|_| g.below(2) == 0).collect();
            f.set_values(d, Some(set));
        }
    }
    if g.below(3) == 0 {
        let lo = 18 + g.below(40) as u8;
        f.age = Some((lo, lo + g.below(30) as u8));
    }
    if g.below(3) == 0 {
        let lo = 1000 + g.below(4001) as u16;
        f.score = Some((lo, lo + g.below((5001 - lo) as u64) as u16));
    }
    if g.below(8) == 0 {
        f.participant = Some(g.below(ds.participants.len() as u64) as u32);
    }
    if g.below(8) == 0 {
        f.image = Some(g.below(ds.images.len() as u64) as u32);
    }
    f
}

/// The value of a dimension for rating r, computed the obvious way.
fn value(ds: &Dataset, d: Dim, r: usize) -> u16 {
    let p = ds.ratings.participant[r] as usize;
    let i = ds.ratings.image[r] as usize;
    match d {
        Dim::AgeBin => ds.participants.age_bin[p],
        Dim::Gender => ds.participants.gender[p],
        Dim::Nationality => ds.participants.nationality[p],
        Dim::Type => ds.images.kind[i],
        Dim::Group => ds.image_group()[i],
        Dim::Style => {
            let s = ds.images.style[i];
            if s == NO_STYLE {
                ds.dicts.styles.len() as u16
            } else {
                s
            }
        }
        Dim::Split => ds.ratings.split[r] as u16,
        Dim::Label => ds.ratings.label[r] as u16,
    }
}

/// Naive: does rating r pass every part of the filter except `skip` (and the age or score
/// range when asked)?
fn passes(ds: &Dataset, f: &Filter, r: usize, skip: Option<Dim>, skip_age: bool) -> bool {
    passes_but(ds, f, r, skip, skip_age, false)
}

fn passes_but(
    ds: &Dataset,
    f: &Filter,
    r: usize,
    skip: Option<Dim>,
    skip_age: bool,
    skip_score: bool,
) -> bool {
    let p = ds.ratings.participant[r] as usize;
    if !skip_score {
        if let Some((lo, hi)) = f.score {
            let x = ds.ratings.score[r];
            if x < lo || x > hi {
                return false;
            }
        }
    }
    for d in Dim::ALL {
        if Some(d) == skip {
            continue;
        }
        if let Some(set) = f.set(d) {
            if !set.contains(&value(ds, d, r)) {
                return false;
            }
        }
    }
    if !skip_age {
        if let Some((lo, hi)) = f.age {
            let a = ds.participants.age[p];
            if a < lo || a > hi {
                return false;
            }
        }
    }
    f.participant.is_none_or(|x| x as usize == p)
        && f.image.is_none_or(|x| x == ds.ratings.image[r])
}

fn naive_acc(ds: &Dataset, rs: impl Iterator<Item = usize>) -> Acc {
    let mut a = Acc::default();
    for r in rs {
        a.push(ds.ratings.score[r]);
    }
    a
}

/// Naive: the ratings as a cell with people as clusters (each person's sums gathered in a map).
fn naive_clustered(ds: &Dataset, rs: impl Iterator<Item = usize>) -> Clustered {
    let mut acc = Acc::default();
    let mut people: BTreeMap<u32, (u64, u64)> = BTreeMap::new();
    for r in rs {
        let x = ds.ratings.score[r];
        acc.push(x);
        let e = people.entry(ds.ratings.participant[r]).or_default();
        e.0 += 1;
        e.1 += x as u64;
    }
    Clustered::of_people(&acc, people.into_values())
}

fn assert_same_cell(got: &Clustered, want: &Clustered, what: &str) {
    assert_eq!((got.n, got.people), (want.n, want.people), "{what}");
    if want.n == 0 {
        return;
    }
    let close = |x: f64, y: f64| (x - y).abs() <= 1e-9 * (1.0 + x.abs().max(y.abs()));
    assert!(
        close(got.mean, want.mean),
        "{what}: mean {} vs {}",
        got.mean,
        want.mean
    );
    assert!(
        close(got.ss, want.ss),
        "{what}: ss {} vs {}",
        got.ss,
        want.ss
    );
    assert!(
        close(got.meat, want.meat),
        "{what}: meat {} vs {}",
        got.meat,
        want.meat
    );
}

fn check_everything(ds: &Dataset, f: &Filter) {
    let n = ds.ratings.len();
    let c = Compiled::new(ds, f);
    let ov = query::overview(ds, &c);
    let sel: Vec<usize> = (0..n).filter(|&r| passes(ds, f, r, None, false)).collect();
    for r in 0..n {
        assert_eq!(c.keeps(ds, r), sel.binary_search(&r).is_ok());
    }
    assert_eq!(ov.total, naive_acc(ds, sel.iter().copied()));
    // Score counts, labels, histogram.
    let mut sc = vec![0u64; 4001];
    let mut labels = [0u64; 5];
    for &r in &sel {
        sc[(ds.ratings.score[r] - 1000) as usize] += 1;
        labels[ds.ratings.label[r] as usize] += 1;
    }
    assert_eq!(ov.score_counts, sc);
    assert_eq!(ov.labels, labels);
    for bins in [1usize, 4, 7, 40] {
        let mut h = vec![0u64; bins];
        for &r in &sel {
            // Bin k spans [1 + 4k/bins, 1 + 4(k+1)/bins), compared exactly in thousandths;
            // 5.0 belongs to the last bin.
            let v = (ds.ratings.score[r] - 1000) as usize;
            let k = (0..bins).rev().find(|&k| v * bins >= 4000 * k).unwrap();
            h[k] += 1;
        }
        assert_eq!(query::histogram(&ov.score_counts, bins), h, "bins {bins}");
    }
    // Per image and per participant.
    for i in 0..ds.images.len() {
        let a = naive_acc(
            ds,
            sel.iter()
                .copied()
                .filter(|&r| ds.ratings.image[r] as usize == i),
        );
        assert_eq!(ov.per_image[i], a);
    }
    for p in 0..ds.participants.len() {
        let a = naive_acc(
            ds,
            sel.iter()
                .copied()
                .filter(|&r| ds.ratings.participant[r] as usize == p),
        );
        assert_eq!(ov.per_participant[p], a);
    }
    // Facets: each value's count under all other filters.
    for d in Dim::ALL {
        let dom = d.key().domain(ds);
        let mut want = vec![0u64; dom];
        for r in 0..n {
            if passes(ds, f, r, Some(d), false) {
                want[value(ds, d, r) as usize] += 1;
            }
        }
        assert_eq!(ov.facets.of(d), &want[..], "facet {d:?}");
    }
    let mut age = vec![0u64; 151];
    for r in 0..n {
        if passes(ds, f, r, None, true) {
            age[ds.participants.age[ds.ratings.participant[r] as usize] as usize] += 1;
        }
    }
    assert_eq!(ov.facets.age, age);
    // People per age under the same filters: those with at least one such rating.
    let mut people = std::collections::BTreeSet::new();
    for r in 0..n {
        if passes(ds, f, r, None, true) {
            people.insert(ds.ratings.participant[r] as usize);
        }
    }
    let mut age_people = vec![0u64; 151];
    for p in people {
        age_people[ds.participants.age[p] as usize] += 1;
    }
    assert_eq!(ov.facets.age_people, age_people);
    let mut score_facet = vec![0u64; 4001];
    for r in 0..n {
        if passes_but(ds, f, r, None, false, true) {
            score_facet[(ds.ratings.score[r] - 1000) as usize] += 1;
        }
    }
    assert_eq!(ov.score_facet, score_facet);
    // Group-by on every pair of keys (and single keys), and regroup where it applies.
    let keys = [
        Key::AgeBin,
        Key::Gender,
        Key::Nationality,
        Key::Age,
        Key::Type,
        Key::Group,
        Key::Style,
        Key::Split,
        Key::Label,
        Key::Participant,
    ];
    let key_value = |k: Key, r: usize| -> usize {
        let p = ds.ratings.participant[r] as usize;
        match k {
            Key::Age => ds.participants.age[p] as usize,
            Key::Participant => p,
            Key::Image => ds.ratings.image[r] as usize,
            _ => value(ds, Dim::ALL.into_iter().find(|d| d.key() == k).unwrap(), r) as usize,
        }
    };
    for &a in &keys {
        let t = query::cross(ds, &c, a, None);
        let mut want = vec![Acc::default(); a.domain(ds)];
        for &r in &sel {
            want[key_value(a, r)].push(ds.ratings.score[r]);
        }
        assert_eq!(t.cells, want, "{a:?}");
        let naive: Vec<Clustered> = (0..a.domain(ds))
            .map(|v| naive_clustered(ds, sel.iter().copied().filter(|&r| key_value(a, r) == v)))
            .collect();
        for (v, want) in naive.iter().enumerate() {
            assert_same_cell(t.cell(v, 0), want, &format!("cross {a:?} = {v}"));
            assert_same_cell(&t.row_totals()[v], want, &format!("row {a:?} = {v}"));
        }
        if let Some(re) = query::regroup(ds, &ov, a) {
            for v in 0..a.domain(ds) {
                if a == Key::Image {
                    // By image, raters are taken as distinct (a repeat rating counts twice).
                    assert_eq!((re[v].n, re[v].people), (want[v].n, want[v].n));
                    continue;
                }
                assert_same_cell(&re[v], &naive[v], &format!("regroup {a:?} = {v}"));
            }
        }
        for &b in &keys {
            let t = query::cross(ds, &c, a, Some(b));
            let cols = b.domain(ds);
            let mut want = vec![Acc::default(); a.domain(ds) * cols];
            for &r in &sel {
                want[key_value(a, r) * cols + key_value(b, r)].push(ds.ratings.score[r]);
            }
            assert_eq!(t.cells, want, "{a:?} x {b:?}");
            for (v, w) in [(0usize, 0usize), (a.domain(ds) - 1, cols - 1)] {
                let naive = naive_clustered(
                    ds,
                    sel.iter()
                        .copied()
                        .filter(|&r| key_value(a, r) == v && key_value(b, r) == w),
                );
                assert_same_cell(t.cell(v, w), &naive, &format!("{a:?}={v} x {b:?}={w}"));
            }
        }
    }
    // Image rankings.
    for (order, min_n) in [
        (ImageOrder::Top, 1),
        (ImageOrder::Bottom, 2),
        (ImageOrder::Disputed, 2),
    ] {
        let mut all: Vec<(f64, u32)> = (0..ds.images.len())
            .filter(|&i| ov.per_image[i].n >= min_n)
            .map(|i| {
                let s = ov.per_image[i].as_distinct_people().summary();
                let k = match order {
                    ImageOrder::Top => -s.mean,
                    ImageOrder::Bottom => s.mean,
                    ImageOrder::Disputed => -s.sd,
                };
                (k, i as u32)
            })
            .collect();
        all.sort_by(|x, y| x.0.total_cmp(&y.0).then(x.1.cmp(&y.1)));
        let got: Vec<u32> = query::rank_images(&ov, order, 5, min_n)
            .iter()
            .map(|s| s.image)
            .collect();
        let want: Vec<u32> = all.iter().take(5).map(|x| x.1).collect();
        // sd ties computed two ways may order differently only when exactly equal
        if order != ImageOrder::Disputed {
            assert_eq!(got, want, "{order:?}");
        } else {
            assert_eq!(got.len(), want.len());
        }
    }
    // Participant offsets: own score minus the image's selection mean, averaged.
    let offs = query::participant_offsets(ds, &c, &ov);
    for s in &offs {
        let p = s.participant as usize;
        let mine: Vec<usize> = sel
            .iter()
            .copied()
            .filter(|&r| ds.ratings.participant[r] as usize == p)
            .collect();
        let want = mine
            .iter()
            .map(|&r| {
                let a = ov.per_image[ds.ratings.image[r] as usize];
                ds.ratings.score[r] as f64 / 1000.0 - a.sum as f64 / a.n as f64 / 1000.0
            })
            .sum::<f64>()
            / mine.len() as f64;
        assert!((s.offset - want).abs() < 1e-9, "participant {p}");
    }
    assert_eq!(
        offs.len(),
        ov.per_participant.iter().filter(|a| a.n > 0).count()
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn aggregations_match_a_naive_reference(seed in any::<u64>(), np in 1usize..12, ni in 1usize..15, nr in 0usize..300, fseed in any::<u64>()) {
        let ds = random_store(seed, np, ni, nr);
        check_everything(&ds, &random_filter(&ds, fseed));
        check_everything(&ds, &Filter::default());
    }

    #[test]
    fn cohort_comparison_matches_two_separate_selections(seed in any::<u64>(), fa in any::<u64>(), fb in any::<u64>()) {
        let ds = random_store(seed, 8, 10, 250);
        let (a, b) = (random_filter(&ds, fa), random_filter(&ds, fb));
        let rows = query::compare(&ds, &Compiled::new(&ds, &a), &Compiled::new(&ds, &b), Key::Group);
        let total = |f: &Filter, g: Option<u16>| naive_acc(&ds, (0..ds.ratings.len()).filter(|&r| passes(&ds, f, r, None, false) && g.is_none_or(|g| value(&ds, Dim::Group, r) == g)));
        prop_assert_eq!(rows[0].a.n, total(&a, None).n);
        prop_assert_eq!(rows[0].b.n, total(&b, None).n);
        for row in &rows[1..] {
            let (sa, sb) = (total(&a, Some(row.value as u16)).as_distinct_people().summary(), total(&b, Some(row.value as u16)).as_distinct_people().summary());
            prop_assert_eq!(row.a.n, sa.n);
            prop_assert_eq!(row.b.n, sb.n);
            prop_assert_eq!(row.diff_ind.map(|d| d.diff), Difference::welch(&sa, &sb).map(|d| d.diff));
            prop_assert_eq!(row.diff_ind.map(|d| d.hi), Difference::welch(&sa, &sb).map(|d| d.hi));
            if let Some(d) = row.diff {
                prop_assert!((d.diff - (sa.mean - sb.mean)).abs() < 1e-12);
            }
        }
    }
}

#[test]
fn the_95_percent_interval_covers_the_mean_95_percent_of_the_time() {
    let mut g = Rng::new(2024);
    for n in [3usize, 10, 40, 300] {
        let trials = 6000;
        let mut covered = 0;
        for _ in 0..trials {
            let mut a = Acc::default();
            for _ in 0..n {
                a.push((3000.0 + 500.0 * g.normal()).round().clamp(1000.0, 5000.0) as u16);
            }
            let s = a.as_distinct_people().summary();
            if s.lo_ind <= 3.0 && 3.0 <= s.hi_ind {
                covered += 1;
            }
        }
        let rate = covered as f64 / trials as f64;
        // Binomial sd at 6000 trials is 0.28%: 0.94..0.96 is over 3 sd wide.
        assert!((0.94..=0.96).contains(&rate), "n {n}: coverage {rate}");
    }
}

#[test]
fn the_welch_interval_covers_the_difference_95_percent_of_the_time() {
    let mut g = Rng::new(77);
    let trials = 6000;
    let mut covered = 0;
    for _ in 0..trials {
        let mut a = Acc::default();
        let mut b = Acc::default();
        for _ in 0..12 {
            a.push((3500.0 + 300.0 * g.normal()).round() as u16);
        }
        for _ in 0..30 {
            b.push((3000.0 + 700.0 * g.normal()).round().clamp(1000.0, 5000.0) as u16);
        }
        let d = Difference::welch(
            &a.as_distinct_people().summary(),
            &b.as_distinct_people().summary(),
        )
        .unwrap();
        if d.lo <= 0.5 && 0.5 <= d.hi {
            covered += 1;
        }
    }
    let rate = covered as f64 / trials as f64;
    assert!((0.94..=0.96).contains(&rate), "coverage {rate}");
}
