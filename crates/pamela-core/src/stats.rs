//! Summary statistics with exact integer accumulation, and 95% intervals that count people.
//!
//! Scores are accumulated as integer thousandths (count, sum, sum of squares, [`Acc`]), so sums
//! are exact and independent of order: the same selection always gives the same bits, and
//! merging two accumulators is addition.
//!
//! # Why intervals count people
//!
//! PAMELA has 69,904 ratings by 199 people (about 351 each). Ratings by one person share that
//! person's scale use and taste, so they are not independent draws: the number of independent
//! units behind a mean is closer to the number of people than to the number of ratings. An
//! interval that treats ratings as independent is several times too narrow on this data (a
//! participant bootstrap puts the standard error of women-minus-men at 4 to 5 times the Welch
//! one). So the default interval of every mean and difference here treats *participants as
//! clusters*; the independent-ratings interval is kept beside it ([`Summary::lo_ind`],
//! [`Difference::welch`]) for teaching the difference.
//!
//! # A mean: cluster-robust variance with the CR2 correction
//!
//! A selection's mean is the ratio mean ȳ = Σ_g S_g / N over people g, with S_g the sum of
//! person g's n_g scores and N = Σ n_g. As a regression of the scores on an intercept, the
//! cluster-robust ("sandwich") variance is V = (X'X)⁻¹ Σ_g X_g' A_g e_g e_g' A_g X_g (X'X)⁻¹,
//! with e_g person g's residuals (x − ȳ) and X = 1. Plain CR0 (A_g = I) is biased down when
//! a few people hold a large share of the ratings. CR2 (Bell and McCaffrey 2002) takes
//! A_g = (I − H_gg)^(−1/2), H_gg person g's block of the hat matrix, which makes V unbiased
//! when errors are independent with equal variance, and is the small-sample correction
//! recommended by Imbens and Kolesár (2016) and Pustejovsky and Tipton (2018).
//!
//! For the intercept-only model it is closed-form. H = 1(1'1)⁻¹1' = (1/N)11', so H_gg is the
//! n_g × n_g matrix (1/N)11'. Its only non-zero eigenvalue is h_g = n_g/N, with eigenvector 1
//! (since 11'·1 = n_g·1); every vector orthogonal to 1 has eigenvalue 0. So
//! (I − H_gg)^(−1/2) = I + ((1 − h_g)^(−1/2) − 1)·11'/n_g, and 1'A_g e_g = 1'e_g / √(1 − h_g).
//! With e_g = 1'e_g = S_g − ȳ·n_g (the person's summed residual):
//!
//! ```text
//! meat = Σ_g e_g² / (1 − n_g/N)        V = meat / N²
//! ```
//!
//! The interval is ȳ ± t(0.975, G − 1)·√V, G the number of people in the selection: Student t
//! with G − 1 degrees of freedom, the usual reference for a cluster-robust mean (and the
//! Bell-McCaffrey degrees of freedom when people rate equally often; with unequal n_g those are
//! somewhat fewer, so G − 1 errs a little on the narrow side; the simulation test measures the
//! result). With fewer than [`MIN_PEOPLE`] people there is no interval at all
//! ([`NoInterval::TooFewPeople`]): a variance estimated from four clusters is not worth drawing.
//!
//! Two special cases keep old results where they were right: when every rating is by a
//! different person (one image's raters, [`Acc::as_distinct_people`]) n_g = 1, the meat is
//! Σ(x − ȳ)²·N/(N − 1) and V = s²/N, exactly the classic t interval with N − 1 degrees of
//! freedom. One person's own ratings ([`Acc::as_one_person`]) have G = 1 and no clustered
//! interval; their independent interval is the one that describes them.
//!
//! What this does *not* count: images. Images are crossed with people (each image has ~14
//! raters), and an interval for "the population of images" would need two-way clustering. The
//! intervals here are for the images in the data, people as the sampled units; with 5,077
//! images the image part of the variance of a mean is small beside the person part.
//!
//! # Accumulation
//!
//! The meat needs each person's sum within a cell, and the terms depend on the cell's N and ȳ,
//! which are known only at the end. So a cell is finished, not merged: the query engine adds up
//! per (cell, person) counts and sums during its pass and turns them into a [`Clustered`]
//! (n, people, mean, Σ(x − ȳ)², meat) at the end; [`Clustered::summary`] gives the intervals.
//! A [`Clustered`] cannot be merged with another (a person in both would be counted twice).
//!
//! Differences and the image-adjusted comparison are in [`crate::compare`]; the corrections for
//! many comparisons ([`holm`], [`benjamini_hochberg`]) are below.

use serde::{Deserialize, Serialize};

/// Fewest people for an interval that counts people.
pub const MIN_PEOPLE: u64 = 5;

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

    /// The mean in score units (NaN when empty).
    pub fn mean(&self) -> f64 {
        if self.n == 0 {
            f64::NAN
        } else {
            self.sum as f64 / self.n as f64 / 1000.0
        }
    }

    /// Σ (x − mean)² in score units², exactly from the integers.
    pub fn sum_sq_dev(&self) -> f64 {
        if self.n == 0 {
            return 0.0;
        }
        let ss = (self.n as i128) * (self.sumsq as i128) - (self.sum as i128) * (self.sum as i128);
        ss.max(0) as f64 / self.n as f64 / 1e6
    }

    /// These ratings as a cell in which every rating is by a different person (one image's
    /// raters): G = n, and the clustered interval is the classic t interval (module docs).
    pub fn as_distinct_people(&self) -> Clustered {
        let ss = self.sum_sq_dev();
        let n = self.n as f64;
        Clustered {
            n: self.n,
            people: self.n,
            mean: self.mean(),
            ss,
            meat: if self.n > 1 { ss * n / (n - 1.0) } else { 0.0 },
        }
    }

    /// These ratings as one person's: G = 1, so no clustered interval; the independent one
    /// describes that person's ratings.
    pub fn as_one_person(&self) -> Clustered {
        Clustered {
            n: self.n,
            people: u64::from(self.n > 0),
            mean: self.mean(),
            ss: self.sum_sq_dev(),
            meat: 0.0,
        }
    }
}

/// A finished cell: what its intervals need. Values in score units.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Clustered {
    /// Ratings.
    pub n: u64,
    /// People with at least one rating in the cell (G).
    pub people: u64,
    /// Mean score (NaN when empty).
    pub mean: f64,
    /// Σ (x − mean)² over the ratings.
    pub ss: f64,
    /// CR2 meat Σ_g e_g² / (1 − n_g/N) (module docs).
    pub meat: f64,
}

/// One person's contribution to a cell's CR2 meat: (S_g − ȳ·n_g)² / (1 − n_g/N). `n_g`, `s_g`,
/// `n` and `mean` in one unit system. Zero when the person holds the whole cell (then G = 1 and
/// there is no interval anyway).
#[inline]
pub fn cr2_term(n_g: f64, s_g: f64, n: f64, mean: f64) -> f64 {
    let h = n_g / n;
    if h >= 1.0 {
        return 0.0;
    }
    let e = s_g - mean * n_g;
    e * e / (1.0 - h)
}

impl Clustered {
    /// A cell from its exact accumulator, its number of people and its CR2 meat in
    /// thousandths² (as summed from [`cr2_term`]s of scores in thousandths).
    pub fn from_parts(acc: &Acc, people: u64, meat_milli: f64) -> Clustered {
        Clustered {
            n: acc.n,
            people,
            mean: acc.mean(),
            ss: acc.sum_sq_dev(),
            meat: meat_milli / 1e6,
        }
    }

    /// A cell from each person's (count, sum) of scores in thousandths and the cell's exact
    /// accumulator (whose n and sum must be the people's totals).
    pub fn of_people(acc: &Acc, people: impl IntoIterator<Item = (u64, u64)>) -> Clustered {
        let (n, mean_milli) = (acc.n as f64, acc.sum as f64 / acc.n.max(1) as f64);
        let mut meat = 0.0;
        let mut g = 0;
        for (n_g, s_g) in people {
            if n_g == 0 {
                continue;
            }
            g += 1;
            meat += cr2_term(n_g as f64, s_g as f64, n, mean_milli);
        }
        Clustered::from_parts(acc, g, meat)
    }

    /// The summary with both intervals.
    pub fn summary(&self) -> Summary {
        Summary::from_clustered(self)
    }
}

/// Why a figure has no clustered interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum NoInterval {
    /// No ratings.
    Empty,
    /// Fewer than [`MIN_PEOPLE`] people (the number they are).
    TooFewPeople(u64),
    /// Enough people, but one of them holds (nearly) all of the information, so the variance
    /// cannot be estimated (the CR2 adjustment divides by zero).
    OneDominates,
}

impl std::fmt::Display for NoInterval {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NoInterval::Empty => write!(f, "no ratings"),
            NoInterval::TooFewPeople(g) => write!(
                f,
                "{g} {} rated these: an interval needs at least {MIN_PEOPLE} people",
                if *g == 1 { "person" } else { "people" }
            ),
            NoInterval::OneDominates => {
                write!(
                    f,
                    "one person holds nearly all of these ratings: no interval"
                )
            }
        }
    }
}

fn no_interval(n: u64, people: u64) -> Option<NoInterval> {
    if n == 0 {
        Some(NoInterval::Empty)
    } else if people < MIN_PEOPLE {
        Some(NoInterval::TooFewPeople(people))
    } else {
        None
    }
}

/// A mean with its spread and 95% intervals, in score units.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Ratings.
    pub n: u64,
    /// People who gave them.
    pub people: u64,
    pub mean: f64,
    /// Sample standard deviation of the ratings (n - 1); 0 when n < 2.
    pub sd: f64,
    /// Clustered standard error of the mean (people as clusters, CR2); NaN without an interval.
    pub se: f64,
    /// The default 95% interval: people as clusters, t with people − 1 degrees of freedom. NaN
    /// with fewer than [`MIN_PEOPLE`] people ([`Summary::no_interval`] says why).
    pub lo: f64,
    pub hi: f64,
    /// The 95% interval that treats ratings as independent (t with n − 1 degrees of freedom);
    /// equal to the mean when n < 2.
    pub lo_ind: f64,
    pub hi_ind: f64,
}

impl Summary {
    /// No ratings.
    pub fn empty() -> Summary {
        Clustered::default().summary()
    }

    pub fn from_clustered(c: &Clustered) -> Summary {
        let nan = f64::NAN;
        if c.n == 0 {
            return Summary {
                n: 0,
                people: 0,
                mean: nan,
                sd: nan,
                se: nan,
                lo: nan,
                hi: nan,
                lo_ind: nan,
                hi_ind: nan,
            };
        }
        let n = c.n as f64;
        let mean = c.mean;
        let (sd, half_ind) = if c.n < 2 {
            (0.0, 0.0)
        } else {
            let sd = (c.ss.max(0.0) / (n - 1.0)).sqrt();
            (sd, t975(c.n - 1) * sd / n.sqrt())
        };
        let (se, lo, hi) = if no_interval(c.n, c.people).is_some() || !c.meat.is_finite() {
            (nan, nan, nan)
        } else {
            let se = c.meat.max(0.0).sqrt() / n;
            let half = t975(c.people - 1) * se;
            (se, mean - half, mean + half)
        };
        Summary {
            n: c.n,
            people: c.people,
            mean,
            sd,
            se,
            lo,
            hi,
            lo_ind: mean - half_ind,
            hi_ind: mean + half_ind,
        }
    }

    /// Why there is no clustered interval, if there is none.
    pub fn no_interval(&self) -> Option<NoInterval> {
        no_interval(self.n, self.people)
    }

    /// The interval shown: clustered by default, the independent one when asked.
    pub fn interval(&self, independent: bool) -> (f64, f64) {
        if independent {
            (self.lo_ind, self.hi_ind)
        } else {
            (self.lo, self.hi)
        }
    }

    /// Two-sided p-value of "the mean is zero" on the clustered standard error, t with
    /// people − 1 degrees of freedom; NaN without a clustered interval. Meant for centred scores
    /// (a rating minus its image's mean), where zero says "as everyone on the same images".
    pub fn p_zero(&self) -> f64 {
        if self.no_interval().is_some() || !self.se.is_finite() {
            return f64::NAN;
        }
        two_sided_p(self.mean, self.se, (self.people - 1) as f64)
    }

    /// The sample variance of the mean under independence (sd² / n).
    fn var_of_mean_ind(&self) -> f64 {
        self.sd * self.sd / self.n as f64
    }
}

/// Difference of two means (A − B) with a 95% interval and a two-sided test of zero.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Difference {
    pub diff: f64,
    /// 95% bounds; NaN when there is no interval ([`Difference::no_interval`]).
    pub lo: f64,
    pub hi: f64,
    /// Degrees of freedom of the t reference.
    pub df: f64,
    /// Standard error; NaN without an interval.
    pub se: f64,
    /// Two-sided p-value of "no difference"; NaN without an interval.
    pub p: f64,
    /// Ratings on each side.
    pub n_a: u64,
    pub n_b: u64,
    /// People on each side.
    pub people_a: u64,
    pub people_b: u64,
}

impl Difference {
    /// The independent-ratings difference: Welch's interval (Welch-Satterthwaite degrees of
    /// freedom). `None` when either side has fewer than 2 ratings.
    pub fn welch(a: &Summary, b: &Summary) -> Option<Difference> {
        if a.n < 2 || b.n < 2 {
            return None;
        }
        let (va, vb) = (a.var_of_mean_ind(), b.var_of_mean_ind());
        let se2 = va + vb;
        let df = if se2 == 0.0 {
            (a.n + b.n - 2) as f64
        } else {
            se2 * se2 / (va * va / (a.n as f64 - 1.0) + vb * vb / (b.n as f64 - 1.0))
        };
        Some(Difference::with_variance(
            a.mean - b.mean,
            se2,
            df,
            (a.n, b.n),
            (a.people, b.people),
        ))
    }

    /// A difference from its variance and degrees of freedom (NaN bounds when either is not a
    /// finite positive number or its square root).
    pub fn with_variance(
        diff: f64,
        var: f64,
        df: f64,
        (n_a, n_b): (u64, u64),
        (people_a, people_b): (u64, u64),
    ) -> Difference {
        let nan = f64::NAN;
        let (se, lo, hi, p) = if var.is_finite() && var >= 0.0 && df.is_finite() && df > 0.0 {
            let se = var.sqrt();
            // Clustered degrees of freedom are whole numbers: the memoized quantile.
            let q = if df.fract() == 0.0 && df < 1e15 {
                t975(df as u64)
            } else {
                t_quantile(0.975, df)
            };
            let half = q * se;
            (se, diff - half, diff + half, two_sided_p(diff, se, df))
        } else {
            (nan, nan, nan, nan)
        };
        Difference {
            diff,
            lo,
            hi,
            df,
            se,
            p,
            n_a,
            n_b,
            people_a,
            people_b,
        }
    }

    /// Why there is no interval, if there is none (counted on the side with fewer people).
    pub fn no_interval(&self) -> Option<NoInterval> {
        if self.n_a == 0 || self.n_b == 0 {
            return Some(NoInterval::Empty);
        }
        no_interval(1, self.people_a.min(self.people_b))
            .or_else(|| (!self.lo.is_finite()).then_some(NoInterval::OneDominates))
    }

    /// Whether the interval excludes zero (false without an interval).
    pub fn excludes_zero(&self) -> bool {
        self.lo > 0.0 || self.hi < 0.0
    }
}

/// Two-sided p-value of `est / se` under Student's t with `df` degrees of freedom (an estimate
/// of exactly zero with no spread is no evidence; any other with no spread is certain).
fn two_sided_p(est: f64, se: f64, df: f64) -> f64 {
    if se == 0.0 {
        if est == 0.0 {
            1.0
        } else {
            0.0
        }
    } else {
        (2.0 * t_cdf(-(est / se).abs(), df)).min(1.0)
    }
}

/// How a set of tests is corrected for being many.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Correction {
    /// Holm's step-down: controls the chance of any false mark (family-wise error) under any
    /// dependence between the tests. The default (see [`Correction::DEFAULT`]).
    Holm,
    /// Benjamini-Hochberg: controls the expected share of false marks among the marked (false
    /// discovery rate) for independent or positively dependent tests; marks more.
    BenjaminiHochberg,
}

impl Correction {
    /// Holm. The rows of a comparison share their people (the same person rates landscapes and
    /// portraits), so the tests are dependent in ways nobody can state; Holm is valid whatever
    /// the dependence, Benjamini-Hochberg only under positive dependence, which two-sided tests
    /// on shared people do not guarantee. And Holm's promise reads row by row: a marked row is a
    /// difference on its own, whatever else is marked, which is how a reader takes a mark.
    pub const DEFAULT: Correction = Correction::Holm;

    /// Adjusted p-values (NaN stays NaN and is not counted as a test).
    pub fn adjust(self, p: &[f64]) -> Vec<f64> {
        match self {
            Correction::Holm => holm(p),
            Correction::BenjaminiHochberg => benjamini_hochberg(p),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Correction::Holm => "Holm",
            Correction::BenjaminiHochberg => "Benjamini-Hochberg",
        }
    }
}

/// Indices of the finite p-values, smallest p first (ties by index).
fn ascending(p: &[f64]) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..p.len()).filter(|&i| p[i].is_finite()).collect();
    idx.sort_by(|&a, &b| p[a].total_cmp(&p[b]).then(a.cmp(&b)));
    idx
}

/// Holm-adjusted p-values: with m finite p-values sorted p₍₁₎ ≤ … ≤ p₍ₘ₎, the adjusted p₍ᵢ₎ is
/// max over j ≤ i of min(1, (m − j + 1)·p₍ⱼ₎). A test is marked at level α when its adjusted p
/// is at most α. NaN entries stay NaN.
pub fn holm(p: &[f64]) -> Vec<f64> {
    let idx = ascending(p);
    let m = idx.len();
    let mut out = vec![f64::NAN; p.len()];
    let mut running = 0.0f64;
    for (j, &i) in idx.iter().enumerate() {
        running = running.max(((m - j) as f64 * p[i]).min(1.0));
        out[i] = running;
    }
    out
}

/// Benjamini-Hochberg adjusted p-values (q-values): the adjusted p₍ᵢ₎ is min over j ≥ i of
/// min(1, m·p₍ⱼ₎ / j). NaN entries stay NaN.
pub fn benjamini_hochberg(p: &[f64]) -> Vec<f64> {
    let idx = ascending(p);
    let m = idx.len();
    let mut out = vec![f64::NAN; p.len()];
    let mut running = 1.0f64;
    for (j, &i) in idx.iter().enumerate().rev() {
        running = running.min((m as f64 * p[i] / (j + 1) as f64).min(1.0));
        out[i] = running;
    }
    out
}

/// How many of these p-values are tests (finite).
pub fn tests_counted(p: &[f64]) -> usize {
    p.iter().filter(|x| x.is_finite()).count()
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
    fn p_zero_agrees_with_the_interval_and_needs_five_people() {
        let s = |mean: f64, se: f64, people: u64| Summary {
            n: 100,
            people,
            mean,
            sd: 1.0,
            se,
            lo: mean - t975(people - 1) * se,
            hi: mean + t975(people - 1) * se,
            lo_ind: mean,
            hi_ind: mean,
        };
        // The 95% interval just touches zero: p is 0.05.
        let edge = s(t975(9) * 0.1, 0.1, 10);
        assert!((edge.p_zero() - 0.05).abs() < 1e-9, "{}", edge.p_zero());
        // t = 1 with 9 df: two-sided p = 0.3434 (tables).
        assert!((s(0.1, 0.1, 10).p_zero() - 0.343_436).abs() < 1e-5);
        assert!(s(0.0, 0.1, 10).p_zero() == 1.0);
        assert!(s(0.5, 0.1, 4).p_zero().is_nan(), "four people: no test");
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
        let s = a.as_distinct_people().summary();
        assert_eq!(s.n, 5);
        assert!((s.mean - 3.0).abs() < 1e-12);
        assert!((s.sd - 2.5f64.sqrt()).abs() < 1e-12);
        let half = 2.776_445_105 * 2.5f64.sqrt() / 5f64.sqrt();
        assert!((s.hi - 3.0 - half).abs() < 1e-6);
        // Every rating by a different person: the clustered interval is the classic one.
        assert!((s.lo - s.lo_ind).abs() < 1e-12 && (s.hi - s.hi_ind).abs() < 1e-12);
        assert_eq!(s.people, 5);
    }

    /// The closed form rests on A = I + ((1 - h)^(-1/2) - 1)·11'/n being (I - H)^(-1/2) for
    /// H = (1/N)·11' (n × n): check A·(I - H)·A = I and that 1'A e = 1'e / sqrt(1 - h).
    #[test]
    fn the_cr2_adjustment_of_a_mean_is_the_closed_form() {
        let (n, big_n) = (4usize, 11.0f64);
        let h = n as f64 / big_n;
        let c = (1.0 - h).powf(-0.5) - 1.0;
        let a = |i: usize, j: usize| f64::from(u8::from(i == j)) + c / n as f64;
        let m = |i: usize, j: usize| f64::from(u8::from(i == j)) - 1.0 / big_n;
        for i in 0..n {
            for j in 0..n {
                let mut x = 0.0;
                for k in 0..n {
                    for l in 0..n {
                        x += a(i, k) * m(k, l) * a(l, j);
                    }
                }
                assert!(
                    (x - f64::from(u8::from(i == j))).abs() < 1e-12,
                    "({i},{j}) {x}"
                );
            }
        }
        let e = [0.3, -1.2, 0.5, 2.0];
        let one_a_e: f64 = (0..n)
            .map(|j| (0..n).map(|i| a(i, j)).sum::<f64>() * e[j])
            .sum();
        let sum_e: f64 = e.iter().sum();
        assert!((one_a_e - sum_e / (1.0 - h).sqrt()).abs() < 1e-12);
    }

    #[test]
    fn a_clustered_mean_by_hand() {
        // Six people; person k gave k + 1 ratings, all equal to 1 + k/2 (scores 1.0 .. 3.5).
        let mut acc = Acc::default();
        let mut people = Vec::new();
        for k in 0..6u64 {
            let x = 1000 + 500 * k as u16;
            for _ in 0..=k {
                acc.push(x);
            }
            people.push((k + 1, (k + 1) * x as u64));
        }
        let c = Clustered::of_people(&acc, people.iter().copied());
        let (big_n, mean) = (21.0, acc.sum as f64 / 21.0 / 1000.0);
        let mut meat = 0.0;
        for k in 0..6 {
            let (n_g, x) = ((k + 1) as f64, 1.0 + 0.5 * k as f64);
            meat += (n_g * (x - mean)).powi(2) / (1.0 - n_g / big_n);
        }
        assert_eq!((c.n, c.people), (21, 6));
        assert!((c.meat - meat).abs() < 1e-9);
        let s = c.summary();
        let half = 2.570_581_836 * meat.sqrt() / big_n; // t(0.975, 5)
        assert!((s.hi - mean - half).abs() < 1e-6 && (mean - s.lo - half).abs() < 1e-6);
        // Far wider than the independent interval: each person's ratings are one unit.
        assert!(s.hi - s.lo > 2.0 * (s.hi_ind - s.lo_ind));
        // Four people: no interval, and the reason.
        let four = Clustered { people: 4, ..c }.summary();
        assert!(four.lo.is_nan() && four.hi_ind.is_finite());
        assert_eq!(four.no_interval(), Some(NoInterval::TooFewPeople(4)));
        assert!(four
            .no_interval()
            .unwrap()
            .to_string()
            .contains("at least 5"));
    }

    #[test]
    fn holm_and_benjamini_hochberg_by_hand() {
        // m = 4 (the NaN is not a test). Sorted: 0.01 (i=1), 0.02 (3), 0.03 (0), 0.5 (4).
        let p = [0.03, 0.01, f64::NAN, 0.02, 0.5];
        // Holm: 4·0.01 = 0.04; max(0.04, 3·0.02 = 0.06); max(0.06, 2·0.03 = 0.06); 1·0.5.
        let h = holm(&p);
        let want_h = [0.06, 0.04, f64::NAN, 0.06, 0.5];
        // BH: from the top, min(0.5·4/4 = 0.5); min(0.5, 0.03·4/3 = 0.04);
        // min(0.04, 0.02·4/2 = 0.04); min(0.04, 0.01·4/1 = 0.04).
        let b = benjamini_hochberg(&p);
        let want_b = [0.04, 0.04, f64::NAN, 0.04, 0.5];
        for i in 0..5 {
            if i == 2 {
                assert!(h[i].is_nan() && b[i].is_nan());
                continue;
            }
            assert!((h[i] - want_h[i]).abs() < 1e-12, "holm {i}: {}", h[i]);
            assert!((b[i] - want_b[i]).abs() < 1e-12, "bh {i}: {}", b[i]);
        }
        assert_eq!(tests_counted(&p), 4);
        // At 0.05 Holm marks one, BH three: BH marks more, as it should.
        assert_eq!(h.iter().filter(|&&x| x <= 0.05).count(), 1);
        assert_eq!(b.iter().filter(|&&x| x <= 0.05).count(), 3);
        // Capped at 1, and nothing to adjust is nothing.
        assert_eq!(holm(&[0.9, 0.8]), vec![1.0, 1.0]);
        assert!(benjamini_hochberg(&[]).is_empty());
    }

    #[test]
    fn a_difference_tests_zero_with_its_t_reference() {
        let d = Difference::with_variance(0.5, 0.04, 10.0, (100, 100), (11, 11));
        assert!((d.se - 0.2).abs() < 1e-12);
        assert!((d.hi - 0.5 - 2.228_138_852 * 0.2).abs() < 1e-6);
        // t = 2.5 at 10 df: two-sided p = 0.0314.
        assert!((d.p - 0.031_446).abs() < 1e-4, "{}", d.p);
        assert!(d.excludes_zero() && d.no_interval().is_none());
        let few = Difference::with_variance(0.5, f64::NAN, 3.0, (100, 100), (4, 11));
        assert_eq!(few.no_interval(), Some(NoInterval::TooFewPeople(4)));
        assert!(!few.excludes_zero());
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
        let d = Difference::welch(
            &a.as_distinct_people().summary(),
            &b.as_distinct_people().summary(),
        )
        .unwrap();
        assert!((d.diff - 1.0).abs() < 1e-12);
        assert!((d.df - 6.0).abs() < 1e-9);
        let se = (2.0 * (0.416_666_666_7f64 / 4.0)).sqrt();
        assert!((d.hi - 1.0 - 2.446_911_851 * se).abs() < 1e-6);
        // 1.0 +- 1.117: the interval still holds zero.
        assert!(!d.excludes_zero());
    }

    #[test]
    fn empty_and_single_selections_do_not_divide_by_zero() {
        assert_eq!(Summary::empty().n, 0);
        let mut a = Acc::default();
        a.push(3497);
        let s = a.as_distinct_people().summary();
        assert_eq!(
            (s.mean, s.sd, s.lo_ind, s.hi_ind),
            (3.497, 0.0, 3.497, 3.497)
        );
        assert_eq!(s.no_interval(), Some(NoInterval::TooFewPeople(1)));
        assert!(s.lo.is_nan() && s.hi.is_nan());
        assert!(Difference::welch(&s, &s).is_none());
    }
}
