//! Summary statistics with exact integer accumulation and t-based confidence intervals.
//!
//! Scores are accumulated as integer thousandths (count, sum, sum of squares), so sums are exact
//! and independent of order: the same selection always gives the same bits, and merging two
//! accumulators is addition. Intervals use Student's t with n - 1 degrees of freedom for a mean
//! and Welch's approximation for a difference of two means.
//!
//! What the intervals assume: ratings are independent draws. Ratings by one person are
//! correlated, so for selections dominated by a few raters the true uncertainty is larger than
//! shown; the UI says so beside every interval.

use serde::{Deserialize, Serialize};

/// Count, sum and sum of squares of scores in thousandths.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Acc {
    pub n: u64,
    pub sum: u64,
    pub sumsq: u64,
}

impl Acc {
    #[inline]
    pub fn push(&mut self, milli: u16) {
        let x = milli as u64;
        self.n += 1;
        self.sum += x;
        self.sumsq += x * x;
    }

    #[inline]
    pub fn merge(&mut self, o: &Acc) {
        self.n += o.n;
        self.sum += o.sum;
        self.sumsq += o.sumsq;
    }

    pub fn summary(&self) -> Summary {
        Summary::from_acc(self)
    }
}

/// A mean with its spread and 95% interval, in score units.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub n: u64,
    pub mean: f64,
    /// Sample standard deviation (n - 1); 0 when n < 2.
    pub sd: f64,
    /// Lower and upper 95% bounds of the mean; equal to the mean when n < 2.
    pub lo: f64,
    pub hi: f64,
}

impl Summary {
    pub fn from_acc(a: &Acc) -> Summary {
        if a.n == 0 {
            return Summary {
                n: 0,
                mean: f64::NAN,
                sd: f64::NAN,
                lo: f64::NAN,
                hi: f64::NAN,
            };
        }
        let n = a.n as f64;
        let mean = a.sum as f64 / n / 1000.0;
        if a.n < 2 {
            return Summary {
                n: a.n,
                mean,
                sd: 0.0,
                lo: mean,
                hi: mean,
            };
        }
        // n * sumsq - sum^2 exactly, in i128, then scaled: no cancellation error.
        let ss = (a.n as i128) * (a.sumsq as i128) - (a.sum as i128) * (a.sum as i128);
        let var = (ss.max(0) as f64) / (n * (n - 1.0)) / 1e6;
        let sd = var.sqrt();
        let half = t975(a.n - 1) * sd / n.sqrt();
        Summary {
            n: a.n,
            mean,
            sd,
            lo: mean - half,
            hi: mean + half,
        }
    }

    /// The sample variance of the mean (sd² / n).
    fn var_of_mean(&self) -> f64 {
        self.sd * self.sd / self.n as f64
    }
}

/// Difference of two independent means (A - B) with Welch's 95% interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Difference {
    pub diff: f64,
    pub lo: f64,
    pub hi: f64,
    /// Welch-Satterthwaite degrees of freedom.
    pub df: f64,
    pub n_a: u64,
    pub n_b: u64,
}

impl Difference {
    /// `None` when either side has fewer than 2 ratings.
    pub fn welch(a: &Summary, b: &Summary) -> Option<Difference> {
        if a.n < 2 || b.n < 2 {
            return None;
        }
        let (va, vb) = (a.var_of_mean(), b.var_of_mean());
        let diff = a.mean - b.mean;
        let se2 = va + vb;
        let (df, half) = if se2 == 0.0 {
            ((a.n + b.n - 2) as f64, 0.0)
        } else {
            let df = se2 * se2 / (va * va / (a.n as f64 - 1.0) + vb * vb / (b.n as f64 - 1.0));
            (df, t_quantile(0.975, df) * se2.sqrt())
        };
        Some(Difference {
            diff,
            lo: diff - half,
            hi: diff + half,
            df,
            n_a: a.n,
            n_b: b.n,
        })
    }

    /// Whether the interval excludes zero.
    pub fn excludes_zero(&self) -> bool {
        self.lo > 0.0 || self.hi < 0.0
    }
}

/// Median score (in score units) from counts per thousandth above 1.0 (as in
/// [`crate::query::Overview::score_counts`]); NaN when empty. For an even count, the lower middle.
pub fn median_from_counts(counts: &[u64]) -> f64 {
    let n: u64 = counts.iter().sum();
    if n == 0 {
        return f64::NAN;
    }
    let half = n.div_ceil(2);
    let mut seen = 0u64;
    for (v, &c) in counts.iter().enumerate() {
        seen += c;
        if seen >= half {
            return (v as f64 + 1000.0) / 1000.0;
        }
    }
    f64::NAN
}

/// Natural log of the gamma function (libm's, which is portable and deterministic).
fn ln_gamma(x: f64) -> f64 {
    libm::lgamma(x)
}

/// Regularized incomplete beta function I_x(a, b), by Lentz's continued fraction.
pub fn incomplete_beta(a: f64, b: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let ln_front = ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b) + a * x.ln() + b * (1.0 - x).ln();
    let front = ln_front.exp();
    if x < (a + 1.0) / (a + b + 2.0) {
        front * beta_cf(a, b, x) / a
    } else {
        1.0 - front * beta_cf(b, a, 1.0 - x) / b
    }
}

fn beta_cf(a: f64, b: f64, x: f64) -> f64 {
    const TINY: f64 = 1e-300;
    const EPS: f64 = 1e-15;
    let (qab, qap, qam) = (a + b, a + 1.0, a - 1.0);
    let mut c = 1.0;
    let mut d = 1.0 - qab * x / qap;
    if d.abs() < TINY {
        d = TINY;
    }
    d = 1.0 / d;
    let mut h = d;
    for m in 1..=300 {
        let m = m as f64;
        let m2 = 2.0 * m;
        let aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 + aa * d;
        if d.abs() < TINY {
            d = TINY;
        }
        c = 1.0 + aa / c;
        if c.abs() < TINY {
            c = TINY;
        }
        d = 1.0 / d;
        h *= d * c;
        let aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 + aa * d;
        if d.abs() < TINY {
            d = TINY;
        }
        c = 1.0 + aa / c;
        if c.abs() < TINY {
            c = TINY;
        }
        d = 1.0 / d;
        let del = d * c;
        h *= del;
        if (del - 1.0).abs() < EPS {
            break;
        }
    }
    h
}

/// Student's t cumulative distribution function.
pub fn t_cdf(t: f64, df: f64) -> f64 {
    let x = df / (df + t * t);
    let tail = 0.5 * incomplete_beta(df / 2.0, 0.5, x);
    if t > 0.0 {
        1.0 - tail
    } else {
        tail
    }
}

fn t_pdf(t: f64, df: f64) -> f64 {
    let ln = ln_gamma((df + 1.0) / 2.0)
        - ln_gamma(df / 2.0)
        - 0.5 * (df * std::f64::consts::PI).ln()
        - (df + 1.0) / 2.0 * (1.0 + t * t / df).ln();
    ln.exp()
}

/// Standard normal quantile (Newton's method on erfc from a rational start).
pub fn normal_quantile(p: f64) -> f64 {
    if p <= 0.0 {
        return f64::NEG_INFINITY;
    }
    if p >= 1.0 {
        return f64::INFINITY;
    }
    if p < 0.5 {
        return -normal_quantile(1.0 - p);
    }
    // Start: a logistic-type approximation, then Newton steps on Phi(z) = p.
    let q = 1.0 - p;
    let t = (-2.0 * q.ln()).sqrt();
    let mut z = t
        - (2.515517 + 0.802853 * t + 0.010328 * t * t)
            / (1.0 + 1.432788 * t + 0.189269 * t * t + 0.001308 * t * t * t);
    for _ in 0..4 {
        let cdf = 0.5 * libm::erfc(-z / std::f64::consts::SQRT_2);
        let pdf = (-0.5 * z * z).exp() / (2.0 * std::f64::consts::PI).sqrt();
        z -= (cdf - p) / pdf;
    }
    z
}

/// The 97.5% quantile of Student's t for integer degrees of freedom, memoized: a view computes
/// thousands of intervals (one per image) per filter change.
pub fn t975(df: u64) -> f64 {
    const MEMO: usize = 4096;
    if df as usize >= MEMO {
        // Cornish-Fisher to 1/df^3: error below 1e-12 at this size.
        let z = 1.959_963_984_540_054_f64;
        let d = df as f64;
        let g1 = (z.powi(3) + z) / 4.0;
        let g2 = (5.0 * z.powi(5) + 16.0 * z.powi(3) + 3.0 * z) / 96.0;
        let g3 = (3.0 * z.powi(7) + 19.0 * z.powi(5) + 17.0 * z.powi(3) - 15.0 * z) / 384.0;
        return z + g1 / d + g2 / (d * d) + g3 / (d * d * d);
    }
    thread_local! {
        static TABLE: std::cell::RefCell<Vec<f64>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    TABLE.with(|t| {
        let mut t = t.borrow_mut();
        if t.is_empty() {
            t.resize(MEMO, f64::NAN);
        }
        let v = t[df as usize];
        if v.is_nan() {
            let q = t_quantile(0.975, df as f64);
            t[df as usize] = q;
            q
        } else {
            v
        }
    })
}

/// Quantile of Student's t with `df` (possibly fractional) degrees of freedom, for p in (0, 1).
pub fn t_quantile(p: f64, df: f64) -> f64 {
    if df.is_nan() || df <= 0.0 {
        return f64::NAN;
    }
    if p < 0.5 {
        return -t_quantile(1.0 - p, df);
    }
    let z = normal_quantile(p);
    if df > 1e7 {
        return z;
    }
    if (df - 1.0).abs() < 1e-12 {
        return (std::f64::consts::PI * (p - 0.5)).tan();
    }
    // Cornish-Fisher start, then Newton steps on the exact CDF.
    let g1 = (z.powi(3) + z) / 4.0;
    let g2 = (5.0 * z.powi(5) + 16.0 * z.powi(3) + 3.0 * z) / 96.0;
    let mut t = z + g1 / df + g2 / (df * df);
    if !t.is_finite() || t <= 0.0 {
        t = z;
    }
    for _ in 0..30 {
        let step = (t_cdf(t, df) - p) / t_pdf(t, df);
        let next = (t - step).max(t / 2.0);
        if (next - t).abs() < 1e-12 * t.abs().max(1.0) {
            t = next;
            break;
        }
        t = next;
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t_quantiles_match_published_tables() {
        let cases = [
            (1.0, 12.706_204_736),
            (2.0, 4.302_652_730),
            (5.0, 2.570_581_836),
            (10.0, 2.228_138_852),
            (30.0, 2.042_272_456),
            (100.0, 1.983_971_519),
            (1e9, 1.959_963_985),
        ];
        for (df, want) in cases {
            let got = t_quantile(0.975, df);
            assert!((got - want).abs() < 1e-6, "df {df}: {got} vs {want}");
        }
    }

    #[test]
    fn memoized_t975_equals_the_direct_computation() {
        for df in [1u64, 2, 7, 30, 999, 4095, 4096, 10_000, 1_000_000] {
            let direct = t_quantile(0.975, df as f64);
            assert!((t975(df) - direct).abs() < 1e-9, "df {df}");
            assert!((t975(df) - direct).abs() < 1e-9, "memo hit, df {df}");
        }
    }

    #[test]
    fn normal_quantile_is_accurate() {
        assert!((normal_quantile(0.975) - 1.959_963_984_540).abs() < 1e-9);
        assert!((normal_quantile(0.5)).abs() < 1e-12);
        assert!((normal_quantile(0.001) + 3.090_232_306_168).abs() < 1e-8);
    }

    #[test]
    fn median_of_counts() {
        let mut c = vec![0u64; 4001];
        assert!(median_from_counts(&c).is_nan());
        c[0] = 1; // 1.000
        c[2497] = 1; // 3.497
        c[4000] = 1; // 5.000
        assert_eq!(median_from_counts(&c), 3.497);
        c[4000] = 2;
        assert_eq!(median_from_counts(&c), 3.497);
    }

    #[test]
    fn summary_of_known_values() {
        let mut a = Acc::default();
        for s in [1000u16, 2000, 3000, 4000, 5000] {
            a.push(s);
        }
        let s = a.summary();
        assert_eq!(s.n, 5);
        assert!((s.mean - 3.0).abs() < 1e-12);
        assert!((s.sd - 2.5f64.sqrt()).abs() < 1e-12);
        let half = 2.776_445_105 * 2.5f64.sqrt() / 5f64.sqrt();
        assert!((s.hi - 3.0 - half).abs() < 1e-6);
    }

    #[test]
    fn welch_difference_of_known_groups() {
        // Two samples whose Welch interval is easy to check by hand.
        let mut a = Acc::default();
        let mut b = Acc::default();
        for s in [3000u16, 3500, 4000, 4500] {
            a.push(s);
        }
        for s in [2000u16, 2500, 3000, 3500] {
            b.push(s);
        }
        let d = Difference::welch(&a.summary(), &b.summary()).unwrap();
        assert!((d.diff - 1.0).abs() < 1e-12);
        assert!((d.df - 6.0).abs() < 1e-9);
        let se = (2.0 * (0.416_666_666_7f64 / 4.0)).sqrt();
        assert!((d.hi - 1.0 - 2.446_911_851 * se).abs() < 1e-6);
        // 1.0 +- 1.117: the interval still holds zero.
        assert!(!d.excludes_zero());
    }

    #[test]
    fn empty_and_single_selections_do_not_divide_by_zero() {
        assert_eq!(Acc::default().summary().n, 0);
        let mut a = Acc::default();
        a.push(3497);
        let s = a.summary();
        assert_eq!((s.mean, s.sd, s.lo, s.hi), (3.497, 0.0, 3.497, 3.497));
        assert!(Difference::welch(&s, &s).is_none());
    }
}
