//! Per-step timing of one filter change (a profiling aid; `pamela bench` prints the totals).
use pamela_core::query::{self, Compiled, Dim, Filter, ImageOrder, Key};
use std::time::Instant;
fn main() {
    let ds = pamela_synth::generate(42).unwrap().dataset;
    let f = Filter::default().with(Dim::Gender, vec![0]);
    let women = Filter::default().with(Dim::Gender, vec![0]);
    let men = Filter::default().with(Dim::Gender, vec![1]);
    let n = 200;
    macro_rules! t { ($name:expr, $e:expr) => {{ let t0 = Instant::now(); let mut x = 0usize; for _ in 0..n { x += std::hint::black_box($e); } println!("{:<20} {:.3} ms ({x})", $name, t0.elapsed().as_secs_f64()*1e3/n as f64); }} }
    let c = Compiled::new(&ds, &f);
    let ov = query::overview(&ds, &c);
    t!("compile", Compiled::new(&ds, &f).keeps(&ds, 0) as usize);
    t!("overview", query::overview(&ds, &c).total.n as usize);
    t!("histogram", query::histogram(&ov.score_counts, 40).len());
    t!(
        "regroup x4",
        [Key::Group, Key::Style, Key::AgeBin, Key::Gender]
            .iter()
            .map(|&k| query::regroup(&ds, &ov, k).unwrap().len())
            .sum::<usize>()
    );
    t!(
        "heatmap",
        query::cross(&ds, &c, Key::AgeBin, Some(Key::Group))
            .cells
            .len()
    );
    t!(
        "rank x3",
        [ImageOrder::Top, ImageOrder::Bottom, ImageOrder::Disputed]
            .iter()
            .map(|&o| query::rank_images(&ov, o, 12, 3).len())
            .sum::<usize>()
    );
    t!("offsets", query::participant_offsets(&ds, &c, &ov).len());
    let (a, b) = (Compiled::new(&ds, &women), Compiled::new(&ds, &men));
    t!("compare", query::compare(&ds, &a, &b, Key::Group).len());
}
