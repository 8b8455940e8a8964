//! The cohort comparison as it was written first (two passes, the first keeping the selected
//! ratings in a buffer for the second), kept verbatim as the reference the faster
//! [`super::compare_with`] must reproduce bit for bit (the equivalence test in `cohort.rs`).

use super::{CohortRow, MAX_ADJUSTED_CELLS};
use crate::dataset::Dataset;
use crate::query::{runs_by_person, Compiled, Key, KeyFn, Level};
use crate::stats::{Acc, Clustered, Correction, Difference, MIN_PEOPLE};

/// Per-side sums of a cell space for the image-adjusted difference.
struct Cells {
    na: Vec<u32>,
    sa: Vec<u64>,
    nb: Vec<u32>,
    sb: Vec<u64>,
}

impl Cells {
    fn new(n: usize) -> Cells {
        Cells {
            na: vec![0; n],
            sa: vec![0; n],
            nb: vec![0; n],
            sb: vec![0; n],
        }
    }
}

/// A cell's constants for the adjusted difference: stacked mean (thousandths), n_B/n, −n_A/n,
/// 1/√m, 1/m; all zero (and `shared` false) for a cell only one cohort rated, which then adds
/// nothing to the sums.
#[derive(Clone, Copy, Default)]
struct Prep {
    mean: f64,
    ua: f64,
    ub: f64,
    isq: f64,
    im: f64,
    shared: bool,
}
/// One row's fixed-effects estimate: Σ w, δ (thousandths), shared images.
#[derive(Clone, Copy, Default)]
struct Fe {
    s: f64,
    delta: f64,
    shared: u64,
}

/// One person's sums for one row. The adjusted sums leave the row's δ out (it enters at the
/// end: Σ u e/√m = a1 − δ·a2 and Σ u e/m = a3 − δ·a4, e = ỹ − δu), so one rating's terms are
/// the same for its row and for the overall row whenever both use the image as the cell.
#[derive(Clone, Copy, Default)]
struct Local {
    na: u64,
    sa: u64,
    nb: u64,
    sb: u64,
    /// Σ u ỹ/√m, Σ u²/√m, Σ u ỹ/m, Σ u²/m (ỹ = x − the image's stacked mean).
    a1: f64,
    a2: f64,
    a3: f64,
    a4: f64,
    /// Whether they rated shared images in A, in B.
    sha: bool,
    shb: bool,
}

impl Local {
    #[inline]
    fn add(&mut self, q: &Prep, x: u16, in_a: bool, in_b: bool) {
        let y = x as f64 - q.mean;
        if in_a {
            self.na += 1;
            self.sa += x as u64;
            self.side(q.ua, y, q);
            self.sha |= q.shared;
        }
        if in_b {
            self.nb += 1;
            self.sb += x as u64;
            self.side(q.ub, y, q);
            self.shb |= q.shared;
        }
    }

    #[inline]
    fn side(&mut self, u: f64, y: f64, q: &Prep) {
        let (uy, uu) = (u * y, u * u);
        self.a1 += uy * q.isq;
        self.a2 += uu * q.isq;
        self.a3 += uy * q.im;
        self.a4 += uu * q.im;
    }

    fn merge(&mut self, o: &Local) {
        self.na += o.na;
        self.sa += o.sa;
        self.nb += o.nb;
        self.sb += o.sb;
        self.a1 += o.a1;
        self.a2 += o.a2;
        self.a3 += o.a3;
        self.a4 += o.a4;
        self.sha |= o.sha;
        self.shb |= o.shb;
    }
}

/// Per-row totals over people.
#[derive(Clone, Copy, Default)]
struct Row {
    acc_a: Acc,
    acc_b: Acc,
    meat_a: f64,
    meat_b: f64,
    people_a: u64,
    people_b: u64,
    var: f64,
    var_adj: f64,
    adj_a: u64,
    adj_b: u64,
    adj_ok: bool,
}

/// [`super::compare_with`] as it was before the single-selection rewrite: pass 1 keeps the
/// selected ratings in a buffer that pass 2 reads back.
pub(super) fn compare_with(
    ds: &Dataset,
    a: &Compiled,
    b: &Compiled,
    key: Key,
    correction: Correction,
) -> Vec<CohortRow> {
    let dom = key.domain(ds);
    let ni = ds.images.len();
    let kf = KeyFn::new(ds, key);
    let image_level = key.level() == Level::Image;
    // Cells of the per-value adjusted difference: the image (an image-level key's value is the
    // image's), or (value, image).
    let per_value_cells = if image_level {
        ni
    } else {
        dom.saturating_mul(ni)
    };
    let adjust_values = per_value_cells <= MAX_ADJUSTED_CELLS;
    let cell_of = |v: usize, i: usize| if image_level { i } else { v * ni + i };
    let ra = &ds.ratings;
    let runs = runs_by_person(ds, &[a, b]);
    let overall = dom; // the overall row's index

    // Pass 1: each side's accumulators per row and sums per cell.
    let mut rows = vec![Row::default(); dom + 1];
    let mut cv = Cells::new(if adjust_values && !image_level {
        per_value_cells
    } else {
        0
    });
    let mut ci = Cells::new(ni);
    // The selected ratings in person order, for pass 2: (image, value, score, in A | 2·in B),
    // and where each person's end.
    let mut sel: Vec<(u32, u32, u16, u8)> = Vec::with_capacity(runs.iter().map(|r| r.len()).sum());
    let mut person_end: Vec<usize> = Vec::new();
    let mut last: Option<u32> = None;
    for run in &runs {
        let (p, s) = (ra.participant[run.start], ra.split[run.start]);
        if last != Some(p) {
            if last.is_some() {
                person_end.push(sel.len());
            }
            last = Some(p);
        }
        let (live_a, live_b) = (a.run_live(p, s), b.run_live(p, s));
        for r in run.clone() {
            let (i, l, x) = (ra.image[r], ra.label[r], ra.score[r]);
            let in_a = live_a && a.passes_within_run(i, l, x);
            let in_b = live_b && b.passes_within_run(i, l, x);
            if !(in_a || in_b) {
                continue;
            }
            let v = kf.in_run(p, s, i, l) as usize;
            sel.push((i, v as u32, x, u8::from(in_a) | (u8::from(in_b) << 1)));
            let (iu, xu) = (i as usize, x as u64);
            if in_a {
                rows[v].acc_a.push(x);
                ci.na[iu] += 1;
                ci.sa[iu] += xu;
                if !cv.na.is_empty() {
                    let c = cell_of(v, iu);
                    cv.na[c] += 1;
                    cv.sa[c] += xu;
                }
            }
            if in_b {
                rows[v].acc_b.push(x);
                ci.nb[iu] += 1;
                ci.sb[iu] += xu;
                if !cv.nb.is_empty() {
                    let c = cell_of(v, iu);
                    cv.nb[c] += 1;
                    cv.sb[c] += xu;
                }
            }
        }
    }
    person_end.push(sel.len());

    // Each rating has one value: the overall accumulators are the rows'.
    let (mut all_a, mut all_b) = (Acc::default(), Acc::default());
    for row in &rows[..dom] {
        all_a.merge(&row.acc_a);
        all_b.merge(&row.acc_b);
    }
    rows[overall].acc_a = all_a;
    rows[overall].acc_b = all_b;

    // The fixed-effects estimates: per row over its cells, overall over images.
    let prep = |c: &Cells, k: usize| -> Prep {
        let (na, nb) = (c.na[k] as f64, c.nb[k] as f64);
        if na == 0.0 || nb == 0.0 {
            return Prep::default();
        }
        let n = na + nb;
        let m = 1.0 - 1.0 / n;
        Prep {
            mean: (c.sa[k] + c.sb[k]) as f64 / n,
            ua: nb / n,
            ub: -na / n,
            isq: 1.0 / m.sqrt(),
            im: 1.0 / m,
            shared: true,
        }
    };
    let prep_i: Vec<Prep> = (0..ni).map(|k| prep(&ci, k)).collect();
    let prep_v: Vec<Prep> = (0..cv.na.len()).map(|k| prep(&cv, k)).collect();
    let mut fe = vec![Fe::default(); dom + 1];
    let add_fe = |f: &mut Fe, c: &Cells, k: usize| {
        let (na, nb) = (c.na[k] as f64, c.nb[k] as f64);
        let w = na * nb / (na + nb);
        f.s += w;
        f.delta += w * (c.sa[k] as f64 / na - c.sb[k] as f64 / nb);
        f.shared += 1;
    };
    for k in 0..ni {
        if prep_i[k].shared {
            add_fe(&mut fe[overall], &ci, k);
            if image_level {
                add_fe(&mut fe[kf.in_run(0, 0, k as u32, 0) as usize], &ci, k);
            }
        }
    }
    if !image_level {
        for (k, p) in prep_v.iter().enumerate() {
            if p.shared {
                add_fe(&mut fe[k / ni], &cv, k);
            }
        }
    }
    for f in &mut fe {
        if f.s > 0.0 {
            f.delta /= f.s;
        }
    }

    // Pass 2: person by person, each row's CR2 terms.
    let mut local = vec![Local::default(); dom + 1];
    let mut touched: Vec<usize> = Vec::new();
    for k in 0..=dom {
        rows[k].adj_ok = fe[k].shared > 0;
    }
    let flush = |local: &mut Vec<Local>, touched: &mut Vec<usize>, rows: &mut Vec<Row>| {
        if image_level && !touched.is_empty() {
            // The overall row's sums are the person's rows' (one cell space: the image).
            let mut all = Local::default();
            for &k in touched.iter() {
                all.merge(&local[k]);
            }
            local[overall] = all;
            touched.push(overall);
        }
        for &k in touched.iter() {
            let x = std::mem::take(&mut local[k]);
            let row = &mut rows[k];
            let mut psi = 0.0;
            for (n_g, s_g, acc, meat, people, sign) in [
                (
                    x.na,
                    x.sa,
                    row.acc_a,
                    &mut row.meat_a,
                    &mut row.people_a,
                    1.0,
                ),
                (
                    x.nb,
                    x.sb,
                    row.acc_b,
                    &mut row.meat_b,
                    &mut row.people_b,
                    -1.0,
                ),
            ] {
                if n_g == 0 {
                    continue;
                }
                let (n, ng) = (acc.n as f64, n_g as f64);
                let e = s_g as f64 - acc.sum as f64 / n * ng;
                let h = ng / n;
                *people += 1;
                if h < 1.0 {
                    *meat += e * e / (1.0 - h);
                    psi += sign * e / (n * (1.0 - h).sqrt());
                }
            }
            row.var += psi * psi;
            if x.sha || x.shb {
                let (s, delta) = (fe[k].s, fe[k].delta);
                let (p1, vw, v2, u2m) = (x.a1 - delta * x.a2, x.a3 - delta * x.a4, x.a4, x.a2);
                let rest = 1.0 - v2 / s;
                if rest <= 1e-12 {
                    row.adj_ok = false;
                } else {
                    let c = 1.0 / rest.sqrt() - 1.0;
                    let lean = if v2 > 0.0 { vw / v2 * u2m } else { 0.0 };
                    let psi = (p1 + c * lean) / s;
                    row.var_adj += psi * psi;
                }
                row.adj_a += u64::from(x.sha);
                row.adj_b += u64::from(x.shb);
            }
        }
        touched.clear();
    };
    let mut start = 0;
    for &end in &person_end {
        for &(i, v, x, sides) in &sel[start..end] {
            let (in_a, in_b) = (sides & 1 != 0, sides & 2 != 0);
            let (v, iu) = (v as usize, i as usize);
            if local[v].na == 0 && local[v].nb == 0 {
                touched.push(v);
            }
            if image_level {
                local[v].add(&prep_i[iu], x, in_a, in_b);
            } else {
                let q = prep_v.get(cell_of(v, iu)).copied().unwrap_or_default();
                local[v].add(&q, x, in_a, in_b);
                if local[overall].na == 0 && local[overall].nb == 0 {
                    touched.push(overall);
                }
                local[overall].add(&prep_i[iu], x, in_a, in_b);
            }
        }
        flush(&mut local, &mut touched, &mut rows);
        start = end;
    }

    // Rows: summaries, differences, then the family's marks.
    let summary =
        |acc: &Acc, people: u64, meat: f64| Clustered::from_parts(acc, people, meat).summary();
    let mut out: Vec<CohortRow> = Vec::new();
    for k in std::iter::once(overall).chain(0..dom) {
        let row = &rows[k];
        if k != overall && row.acc_a.n == 0 && row.acc_b.n == 0 {
            continue;
        }
        let sa = summary(&row.acc_a, row.people_a, row.meat_a);
        let sb = summary(&row.acc_b, row.people_b, row.meat_b);
        let enough = |ga: u64, gb: u64| ga.min(gb) >= MIN_PEOPLE;
        let diff = (row.acc_a.n > 0 && row.acc_b.n > 0).then(|| {
            let (ga, gb) = (row.people_a, row.people_b);
            let var = if enough(ga, gb) {
                row.var / 1e6
            } else {
                f64::NAN
            };
            Difference::with_variance(
                sa.mean - sb.mean,
                var,
                (ga.min(gb) as f64 - 1.0).max(0.0),
                (sa.n, sb.n),
                (ga, gb),
            )
        });
        let has_adj = (k == overall || adjust_values) && fe[k].shared > 0;
        let adjusted = has_adj.then(|| {
            let (ga, gb) = (row.adj_a, row.adj_b);
            let var = if enough(ga, gb) && row.adj_ok {
                row.var_adj / 1e6
            } else {
                f64::NAN
            };
            Difference::with_variance(
                fe[k].delta / 1000.0,
                var,
                (ga.min(gb) as f64 - 1.0).max(0.0),
                (sa.n, sb.n),
                (ga, gb),
            )
        });
        out.push(CohortRow {
            value: k as u32,
            a: sa,
            b: sb,
            diff,
            diff_ind: Difference::welch(&sa, &sb),
            adjusted,
            shared_images: if has_adj { fe[k].shared } else { 0 },
            ..CohortRow::empty(k as u32)
        });
    }
    // The overall row is always first (it is pushed whatever the counts).
    super::mark(&mut out[1..], correction);
    let tested = out.get(1).map_or(0, |r| r.tested);
    out[0].tested = tested;
    out
}
