//! Benchmarks that print figures (never pass/fail on time): the work of one filter change in
//! the explorer, at the dataset's size and at 1 M and 10 M ratings, plus bundle decoding and
//! memory per rating. Run with `cargo bench -p pamela-cli` or `pamela bench`.

use crate::{thousands, Result};
use pamela_core::dataset::{Participants, Ratings};
use pamela_core::query::{self, Compiled, Dim, Filter, ImageOrder, Key};
use pamela_core::{agreement, bundle, Dataset};
use pamela_synth as synth;
use std::io::Write;
use std::time::Instant;

/// The synthetic sample with every participant copied `copies` times (new ids, same ratings):
/// a store of the same shape at a larger scale.
pub fn replicate(ds: &Dataset, copies: u32) -> Dataset {
    let c = copies.max(1);
    let pa = &ds.participants;
    let mut parts = Participants::default();
    for p in 0..pa.len() {
        for k in 0..c {
            parts.id.push(format!("{}_{k:05}", pa.id[p]));
            parts.age.push(pa.age[p]);
            parts.age_bin.push(pa.age_bin[p]);
            parts.gender.push(pa.gender[p]);
            parts.nationality.push(pa.nationality[p]);
        }
    }
    let n = ds.ratings.len() * c as usize;
    let mut r = Ratings {
        participant: Vec::with_capacity(n),
        image: Vec::with_capacity(n),
        score: Vec::with_capacity(n),
        label: Vec::with_capacity(n),
        split: Vec::with_capacity(n),
    };
    for x in 0..ds.ratings.len() {
        for k in 0..c {
            r.participant.push(ds.ratings.participant[x] * c + k);
            r.image.push(ds.ratings.image[x]);
            r.score.push(ds.ratings.score[x]);
            r.label.push(ds.ratings.label[x]);
            r.split.push(ds.ratings.split[x]);
        }
    }
    Dataset::new(
        ds.source.clone(),
        ds.dicts.clone(),
        ds.images.clone(),
        parts,
        r,
    )
    .expect("a replicated valid store is valid")
}

/// The sample at about `target` ratings (whole copies of every participant), and the copies.
fn at_scale(base: &Dataset, target: u64) -> (u32, Dataset) {
    let copies = (target as f64 / base.ratings.len() as f64).round().max(1.0) as u32;
    let ds = if copies == 1 {
        base.clone()
    } else {
        replicate(base, copies)
    };
    (copies, ds)
}

/// A sequence of filter states like a visitor clicking through the explorer.
pub fn filter_walk(ds: &Dataset) -> Vec<Filter> {
    let pick = |k: Key, name: &str| -> Vec<u16> {
        k.parse(ds, name).into_iter().map(|v| v as u16).collect()
    };
    let women = pick(Key::Gender, "female");
    let landscape = pick(Key::Group, "landscape");
    let art = pick(Key::Type, "Art");
    let train = pick(Key::Split, "train");
    let good = pick(Key::Label, "good");
    let first_nats: Vec<u16> = (0..ds.dicts.nationalities.len().min(3) as u16).collect();
    let mut walk = vec![
        Filter::default(),
        Filter::default().with(Dim::Gender, women.clone()),
        Filter {
            age: Some((20, 39)),
            ..Filter::default()
        }
        .with(Dim::Gender, women.clone()),
        Filter::default().with(Dim::Nationality, first_nats.clone()),
        Filter::default().with(Dim::Group, landscape.clone()),
        Filter::default().with(Dim::Type, art.clone()),
        Filter::default().with(Dim::Split, train.clone()),
        Filter::default().with(Dim::Label, good.clone()),
        Filter {
            age: Some((40, 60)),
            ..Filter::default()
        }
        .with(Dim::Type, art)
        .with(Dim::Split, train),
    ];
    let styles = ds.dicts.styles.len() as u16;
    if styles > 0 {
        walk.push(Filter::default().with(Dim::Style, vec![0, styles / 2]));
    }
    walk.push(
        Filter::default()
            .with(Dim::Gender, women)
            .with(Dim::Group, landscape)
            .with(Dim::Label, good),
    );
    walk
}

/// Everything the explorer recomputes when the filter changes. Returns a checksum so the work
/// cannot be optimized away.
pub fn every_view(ds: &Dataset, f: &Filter, cohort_a: &Filter, cohort_b: &Filter) -> u64 {
    let c = Compiled::new(ds, f);
    let ov = query::overview(ds, &c);
    let mut check = ov.total.n;
    check += query::histogram(&ov.score_counts, 40).iter().sum::<u64>();
    for k in [Key::Group, Key::Style, Key::AgeBin, Key::Gender] {
        check += query::regroup(ds, &ov, k).map_or(0, |v| v.len() as u64);
    }
    let heat = query::cross(ds, &c, Key::AgeBin, Some(Key::Group));
    check += heat.cells.iter().map(|a| a.n).sum::<u64>();
    for o in [ImageOrder::Top, ImageOrder::Bottom, ImageOrder::Disputed] {
        check += query::rank_images(&ov, o, 12, 3).len() as u64;
    }
    check += query::participant_offsets(ds, &c, &ov).len() as u64;
    let (a, b) = (Compiled::new(ds, cohort_a), Compiled::new(ds, cohort_b));
    check += query::compare(ds, &a, &b, Key::Group).len() as u64;
    check
}

/// The parts of [`every_view`], each timed on its own over the filter walk (its inputs, such as
/// the compiled filter and the overview, made beforehand): where a filter change's time goes.
/// Returns (name, median ms, p95 ms).
pub fn view_breakdown(ds: &Dataset, reps: usize) -> Vec<(&'static str, f64, f64)> {
    let walk = filter_walk(ds);
    let gender = |name: &str| {
        Filter::default().with(
            Dim::Gender,
            Key::Gender
                .parse(ds, name)
                .into_iter()
                .map(|v| v as u16)
                .collect(),
        )
    };
    let (women, men) = (gender("female"), gender("male"));
    let compiled: Vec<Compiled> = walk.iter().map(|f| Compiled::new(ds, f)).collect();
    let overviews: Vec<_> = compiled.iter().map(|c| query::overview(ds, c)).collect();
    let n = walk.len();
    let mut out = Vec::new();
    let mut part = |name: &'static str, f: &mut dyn FnMut(usize) -> u64| {
        let mut k = 0usize;
        let (t, _) = time_ms(reps * n, || {
            k += 1;
            f(k % n)
        });
        out.push((name, percentile(&t, 0.5), percentile(&t, 0.95)));
    };
    part("compile filter", &mut |k| {
        u64::from(Compiled::new(ds, &walk[k]).keeps(ds, 0))
    });
    part("overview (facets, per image, per person)", &mut |k| {
        query::overview(ds, &compiled[k]).total.n
    });
    part("histogram + means by 4 keys", &mut |k| {
        let ov = &overviews[k];
        let mut check = query::histogram(&ov.score_counts, 40).iter().sum::<u64>();
        for key in [Key::Group, Key::Style, Key::AgeBin, Key::Gender] {
            check += query::regroup(ds, ov, key).map_or(0, |v| v.len() as u64);
        }
        check
    });
    part("heatmap (age bin x group)", &mut |k| {
        let heat = query::cross(ds, &compiled[k], Key::AgeBin, Some(Key::Group));
        heat.cells.iter().map(|a| a.n).sum()
    });
    part("top / bottom / disputed images", &mut |k| {
        [ImageOrder::Top, ImageOrder::Bottom, ImageOrder::Disputed]
            .into_iter()
            .map(|o| query::rank_images(&overviews[k], o, 12, 3).len() as u64)
            .sum()
    });
    part("participant offsets", &mut |k| {
        query::participant_offsets(ds, &compiled[k], &overviews[k]).len() as u64
    });
    part(
        "cohort comparison (compile 2 + compare by group)",
        &mut |_| {
            let (a, b) = (Compiled::new(ds, &women), Compiled::new(ds, &men));
            query::compare(ds, &a, &b, Key::Group).len() as u64
        },
    );
    out
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let k = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[k]
}

fn time_ms<F: FnMut() -> u64>(reps: usize, mut f: F) -> (Vec<f64>, u64) {
    let mut times = Vec::with_capacity(reps);
    let mut check = 0u64;
    for _ in 0..reps {
        let t = Instant::now();
        check = check.wrapping_add(f());
        times.push(t.elapsed().as_secs_f64() * 1e3);
    }
    times.sort_by(|a, b| a.total_cmp(b));
    (times, check)
}

/// Bytes the store keeps per rating: the rating columns plus the derived runs, with the
/// participant and image tables spread over the ratings.
pub fn bytes_per_rating(ds: &Dataset) -> f64 {
    let n = ds.ratings.len().max(1) as f64;
    let columns = ds.ratings.len() * (4 + 4 + 2 + 1 + 1);
    let runs = ds.runs().len() * 8;
    let parts: usize = ds
        .participants
        .id
        .iter()
        .map(|s| s.capacity() + 24 + 1 + 2 + 2 + 2)
        .sum();
    let images: usize = (0..ds.images.len())
        .map(|i| ds.images.path[i].capacity() + ds.images.prompt[i].capacity() + 48 + 8 + 8 + 2 * 5)
        .sum();
    (columns + runs + parts + images) as f64 / n
}

pub fn run(max: u64, out: &mut dyn Write) -> Result<()> {
    let io = |e: std::io::Error| crate::CliError(format!("cannot write: {e}"));
    let base = synth::generate(synth::DEFAULT_SEED)
        .map_err(|e| crate::CliError(format!("generator failed: {e}")))?
        .dataset;
    writeln!(
        out,
        "PAMELA Explorer core benchmark (synthetic data; times in ms; median and p95)"
    )
    .map_err(io)?;

    let bytes = bundle::encode(&base);
    let (t, _) = time_ms(20, || {
        bundle::decode(&bytes)
            .map(|d| d.ratings.len() as u64)
            .unwrap_or(0)
    });
    writeln!(
        out,
        "bundle decode, {} ratings, {} bytes: median {:.2} ms, p95 {:.2} ms",
        thousands(base.ratings.len() as u64),
        thousands(bytes.len() as u64),
        percentile(&t, 0.5),
        percentile(&t, 0.95)
    )
    .map_err(io)?;
    writeln!(
        out,
        "bundle rating columns: {:.2} bytes per rating (before compression); whole bundle {:.2} bytes per rating",
        bundle::rating_column_bytes(&base) as f64 / base.ratings.len() as f64,
        bytes.len() as f64 / base.ratings.len() as f64
    )
    .map_err(io)?;

    writeln!(
        out,
        "\n{:>12} {:>10} {:>26} {:>26} {:>14}",
        "ratings", "bytes/rtg", "overview (1 pass) med/p95", "all views med/p95", "views per s"
    )
    .map_err(io)?;
    for target in [base.ratings.len() as u64, 1_000_000, 10_000_000] {
        if target > max {
            continue;
        }
        let (copies, ds) = at_scale(&base, target);
        let walk = filter_walk(&ds);
        let women = Filter::default().with(
            Dim::Gender,
            Key::Gender
                .parse(&ds, "female")
                .into_iter()
                .map(|v| v as u16)
                .collect(),
        );
        let men = Filter::default().with(
            Dim::Gender,
            Key::Gender
                .parse(&ds, "male")
                .into_iter()
                .map(|v| v as u16)
                .collect(),
        );
        let reps = if copies == 1 {
            40
        } else if copies < 50 {
            8
        } else {
            3
        };
        let mut k = 0usize;
        let (t_over, _) = time_ms(reps * walk.len(), || {
            k += 1;
            let f = &walk[k % walk.len()];
            let c = Compiled::new(&ds, f);
            query::overview(&ds, &c).total.n
        });
        let (t_all, _) = time_ms(reps * walk.len(), || {
            k += 1;
            every_view(&ds, &walk[k % walk.len()], &women, &men)
        });
        writeln!(
            out,
            "{:>12} {:>10.1} {:>12.2} / {:>10.2} {:>12.2} / {:>10.2} {:>14.0}",
            thousands(ds.ratings.len() as u64),
            bytes_per_rating(&ds),
            percentile(&t_over, 0.5),
            percentile(&t_over, 0.95),
            percentile(&t_all, 0.5),
            percentile(&t_all, 0.95),
            1e3 / percentile(&t_all, 0.5)
        )
        .map_err(io)?;
    }
    // Where the time of one filter change goes, at the dataset's size.
    writeln!(
        out,
        "\n{:<50} {:>20}",
        format!(
            "parts of 'all views', {} ratings",
            thousands(base.ratings.len() as u64)
        ),
        "med/p95"
    )
    .map_err(io)?;
    for (name, med, p95) in view_breakdown(&base, 40) {
        writeln!(out, "{name:<50} {med:>9.3} / {p95:>8.3}").map_err(io)?;
    }
    // The "How personal is taste?" view: its own budget (the next frame, < 50 ms in wasm).
    writeln!(
        out,
        "\n{:>12} {:>26} {:>18}",
        "ratings", "agreement med/p95", "fit passes"
    )
    .map_err(io)?;
    for target in [base.ratings.len() as u64, 1_000_000] {
        if target > max {
            continue;
        }
        let (copies, ds) = at_scale(&base, target);
        let walk = filter_walk(&ds);
        let reps = if copies == 1 { 10 } else { 1 };
        let mut k = 0usize;
        let mut passes = (u32::MAX, 0u32);
        let (t, _) = time_ms(reps * walk.len(), || {
            k += 1;
            let c = Compiled::new(&ds, &walk[k % walk.len()]);
            let a = agreement::agreement(&ds, &c);
            for it in a.components.iter().map(|c| c.iterations) {
                passes = (passes.0.min(it), passes.1.max(it));
            }
            a.counts.n_ratings
        });
        writeln!(
            out,
            "{:>12} {:>12.2} / {:>10.2} {:>18}",
            thousands(ds.ratings.len() as u64),
            percentile(&t, 0.5),
            percentile(&t, 0.95),
            format!("{}-{}", passes.0, passes.1)
        )
        .map_err(io)?;
    }
    writeln!(
        out,
        "\n'agreement' = variance components with intervals overall and per type, visual group \
         and style, reliability, and the crowd-vs-person correlation (pamela_core::agreement), \
         over the same filter walk.\n\n'all views' = compile filter + facet counts + histogram + means by group, style, age \
         bin, gender + age bin x group heatmap + top/bottom/disputed images + participant \
         offsets + a women-vs-men cohort comparison by group."
    )
    .map_err(io)?;
    Ok(())
}
