//! How personal is taste? Variance components, reliability, agreement per subject and how well
//! the crowd predicts one person, on any selection (a [`Compiled`] filter).
//!
//! # The model
//!
//! A score is modelled as `y = mu + a_person + b_image + e`, with the person effects (scale use:
//! some people rate everything higher), the image effects (what people agree on) and the rest
//! independent, of variances `person`, `image` and `residual`. The residual holds a person's
//! *taste* for an image (person x image interaction) and the noise of a single rating together:
//! without people rating the same image twice they cannot be told apart, and PAMELA has no such
//! repeats. The design is crossed, unbalanced and incomplete: each person rates a few hundred of
//! five thousand images and each image has about 14 raters, different ones for each image.
//!
//! # Estimator: Henderson's method III (fitting constants)
//!
//! Three sums of squares, each with an exact expectation under the model whatever the design:
//!
//! * `S`, the residual sum of squares of the additive fit `mu + a_p + b_i` (both sets of effects
//!   fixed, least squares): `E[S] = (N - P - I + c) residual`, with `c` the connected parts of
//!   the person-image graph (1 on PAMELA);
//! * `W_P`, the sum of squares within persons (around each person's mean): a person's own
//!   effect cancels, and the images one person rated are different images, so
//!   `E[W_P] = (N - P) (image + residual)`;
//! * `W_I`, the sum of squares within images: `E[W_I] = (N - I) (person + residual)`.
//!
//! Equating them to their expectations gives `residual = S / (N - P - I + c)`,
//! `image = W_P / (N - P) - residual`, `person = W_I / (N - I) - residual` (Searle, Casella and
//! McCulloch, *Variance Components*, 1992, ch. 5: these are the two "adjusted" reductions
//! `R(b | mu, a)` and `R(a | mu, b)` of method III). They are unbiased on any unbalanced design,
//! need no distributional assumption, and cost one least-squares fit. The fit is backfitting
//! (Gauss-Seidel on the normal equations: person effects given image effects, then image
//! effects given person effects), which on a design as well connected as PAMELA's converges to
//! 1e-7 of `S` in a handful of passes over the ratings.
//!
//! Trade-offs considered:
//!
//! * REML is more efficient, but each of its iterations needs a factorization of a
//!   (people + images)-sized matrix; far too slow to redo on every filter change in the browser,
//!   and with 14 raters per image and hundreds of images per person the efficiency lost by
//!   method III is small.
//! * Henderson's method I (or the U-statistics of Gao and Owen, 2017) needs no fit at all, but
//!   its residual equation uses the total sum of squares, which carries the between-person
//!   spread of only 199 people: its residual estimate is several times noisier. Method III's
//!   `S` has both sets of effects projected out.
//! * Estimates below zero (possible for any unbiased estimator) are shown as 0; their intervals
//!   start at 0.
//! * A person who rated one image twice (the loader warns about it) counts as two different
//!   images in `W_P`'s expectation; a handful of such repeats changes nothing visible.
//! * A score-range or label filter selects on the outcome itself and shrinks every component;
//!   the figures then describe the truncated scores.
//!
//! # Intervals: one-step jackknife over people and over images, combined two-way
//!
//! In a crossed design there are two sources of sampling error, the people and the images, and
//! no resampling scheme is exact (McCullagh, 2000). The variance of an estimate is taken as
//! its jackknife variance over people plus its jackknife variance over images minus its
//! jackknife variance over single ratings (the intersections of a person and an image): the
//! two-way combination of Cameron, Gelbach and Miller (2011), which removes the noise that the
//! two one-way variances both count (Owen's "pigeonhole" argument, 2007); it is never taken
//! below either one-way variance. Each delete-one replicate removes one person's (one image's,
//! one rating's) contributions from `N, P, I, W_P, W_I, S` without refitting: the changes of
//! `W_P` and `W_I` are exact (removing one value from a group changes its sum of squares by
//! `n / (n - 1) (y - mean)^2`), the change of `S` is the one-step deletion formula with the
//! other effects held at the full fit (`e^2 / (1 - 1/n)`, and `e^2 / (1 - h)` for one rating
//! of leverage `h = 1/n_person + 1/n_image - 1/N`), first-order exact because `S` is a minimum
//! (the envelope theorem). So an interval costs two more passes over the ratings and no refit:
//! a participant bootstrap with even 50 replicates would cost 50 fits, and would miss the
//! images' share of the error. Jackknifing variance components goes back to Arvesen (1969) and
//! Arvesen and Schmitz (1970).
//!
//! The interval is Student t with Satterthwaite's degrees of freedom for the sum of the two
//! variances (people - 1 and images - 1 each), on the log scale for a variance component and on
//! the logit scale for a share (both are bounded, and small components are skewed), falling
//! back to a clipped symmetric interval when the estimate is at the boundary. It assumes people
//! and images are independent draws from their populations, and it is not drawn with fewer
//! than [`MIN_PEOPLE_FOR_INTERVAL`] people or images. Measured by simulation (200 designs of
//! 60 people and 600 images, a test below): coverage 97% (image), 94.5% (person), 95.5%
//! (residual), 95.5% (image share).
//!
//! # Reliability
//!
//! The single-rater reliability of an image's score is the image share
//! `image / (image + person + residual)`: each image has its own raters, so their scale use is
//! error too (Shrout and Fleiss's ICC(1)). The mean of `k` raters has the Spearman-Brown
//! reliability `k r / (1 + (k - 1) r)`, and reaching a target `T` takes
//! `k = T (1 - r) / (r (1 - T))` raters, rounded up. Both are increasing in `r`, so their
//! intervals are the images of `r`'s interval.
//!
//! # Agreement per subject
//!
//! For each value of a key (image type, visual group, style, or any other key but participant
//! and image) the components are estimated on that value's ratings alone, all values in one fit:
//! a person has one effect per value (scale use may differ by subject). A high image share means
//! people agree on which images of that subject are good; a high residual share means they split.
//!
//! # How well the crowd predicts one person
//!
//! For each person, the Pearson correlation between their own scores and the leave-one-out crowd
//! mean of the same images (the mean of the image's other ratings in the selection; images with
//! no other rater are skipped). People with fewer than [`MIN_IMAGES_PER_PERSON`] such images are
//! skipped, and so are those whose own or crowd scores are constant (no correlation exists); both
//! are counted. The summary is the plain mean of the per-person correlations, with a Student t
//! interval over people (G - 1 degrees of freedom). The target is the average person's
//! correlation, which is what the figure claims; the Fisher-z average would estimate a common
//! correlation that people do not share (they differ in how mainstream their taste is) and its
//! back-transform is not a mean. Correlations are bounded, so the t interval over 199 people is
//! accurate. The correlation is attenuated by the noise of a mean of ~13 other raters: it is what
//! the crowd, as observed, predicts.

use crate::dataset::Dataset;
use crate::query::{Compiled, Key};
use crate::stats::t_quantile;
use serde::Serialize;

/// People with fewer images (that someone else also rated) are left out of the crowd figure.
pub const MIN_IMAGES_PER_PERSON: u32 = 10;
/// Below this many people (or images), no interval is given.
pub const MIN_PEOPLE_FOR_INTERVAL: u32 = 5;
/// The reliability an image's mean should reach.
pub const TARGET_RELIABILITY: f64 = 0.8;
/// The keys the agreement view breaks down by.
pub const AGREEMENT_KEYS: [Key; 3] = [Key::Type, Key::Group, Key::Style];

/// Backfitting stops when a pass lowers the residual sum of squares by less than this fraction,
/// or after [`MAX_ITERATIONS`] passes.
const TOLERANCE: f64 = 1e-7;
const MAX_ITERATIONS: u32 = 200;

/// A figure with its 95% interval (`None` when too few people or images to give one).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Estimate {
    pub value: f64,
    pub ci: Option<(f64, f64)>,
}

/// How much a figure rests on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub n_ratings: u64,
    pub n_people: u32,
    pub n_images: u32,
}

/// The variance of the scores split into image, person and residual (taste + noise), in score
/// units squared, and each as a share of the total.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Components {
    /// Mean score.
    pub mean: f64,
    /// Between images: what people agree on.
    pub image: Estimate,
    /// Between people: scale use (some rate everything higher).
    pub person: Estimate,
    /// Person x image (taste) plus the noise of one rating.
    pub residual: Estimate,
    /// image + person + residual.
    pub total: f64,
    /// image / total: the intra-class correlation of two ratings of one image, and the
    /// reliability of a single rating of an image.
    pub image_share: Estimate,
    /// person / total: the intra-class correlation of two ratings by one person.
    pub person_share: Estimate,
    pub residual_share: Estimate,
    /// Degrees of freedom of the intervals' t (Satterthwaite), when there are intervals.
    pub df: Option<f64>,
    /// Connected parts of the person-image graph.
    pub parts: u32,
    /// Backfitting passes the fit took.
    pub iterations: u32,
}

/// How reliable an image's mean is, and how many raters it needs.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Reliability {
    /// One rater (the image share).
    pub single: Estimate,
    /// Mean raters per image in the selection.
    pub raters_per_image: f64,
    /// The mean of that many raters (Spearman-Brown).
    pub at_raters_per_image: Estimate,
    /// [`TARGET_RELIABILITY`].
    pub target: f64,
    /// Raters an image needs for the target; `None` when no number suffices (no agreement).
    pub raters_needed: Option<u32>,
    /// The interval of that count; its upper end is `None` when the interval of the
    /// single-rater reliability reaches 0.
    pub raters_needed_ci: Option<(u32, Option<u32>)>,
}

/// One value of a key in the agreement view.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct AgreementRow {
    /// The key's value index ([`Key::label`], [`Key::token`] name it).
    pub value: u32,
    pub counts: Counts,
    /// `None` when the value's ratings cannot separate the components (fewer than two people
    /// or images, or no degrees of freedom left).
    pub components: Option<Components>,
}

/// The agreement view of one key.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KeyAgreement {
    pub key: Key,
    /// Values with ratings in the selection, highest image share first; values without
    /// components last (by value).
    pub rows: Vec<AgreementRow>,
}

/// One person's agreement with the crowd.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PersonFit {
    pub participant: u32,
    /// Images of this person that someone else in the selection also rated.
    pub n_images: u32,
    /// Correlation with the leave-one-out crowd mean; `None` when skipped.
    pub r: Option<f64>,
}

/// How well the crowd predicts one person.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CrowdFit {
    /// Mean over people of the within-person correlation, with a t interval over people.
    pub mean_r: Option<Estimate>,
    pub median_r: Option<f64>,
    /// People whose correlation is counted.
    pub n_people: u32,
    /// People skipped for having fewer than [`MIN_IMAGES_PER_PERSON`] images with other raters.
    pub n_skipped_few: u32,
    /// People skipped because their own or their crowd scores are constant.
    pub n_skipped_constant: u32,
    pub min_images: u32,
    /// Every person in the selection, by participant index.
    pub people: Vec<PersonFit>,
}

/// Everything the "How personal is taste?" view shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Agreement {
    pub counts: Counts,
    pub components: Option<Components>,
    pub reliability: Option<Reliability>,
    /// One entry per key of [`AGREEMENT_KEYS`].
    pub by: Vec<KeyAgreement>,
    pub crowd: CrowdFit,
}

/// All figures of the view for a selection: [`overall`] and [`by_key`] for every key of
/// [`AGREEMENT_KEYS`], in one call (the command line's way).
pub fn agreement(ds: &Dataset, c: &Compiled) -> Agreement {
    let sel = Selection::gather(ds, c);
    let o = overall_of(ds, &sel);
    let by = AGREEMENT_KEYS
        .iter()
        .map(|&key| KeyAgreement {
            key,
            rows: rows_by(ds, &sel, key, Some(&o.warm)),
        })
        .collect();
    Agreement {
        counts: o.counts,
        components: o.components,
        reliability: o.reliability,
        by,
        crowd: o.crowd,
    }
}

/// The view's figures for the whole selection, without the per-subject rows: what a page
/// computes first. [`by_key`] then gives one key's rows.
///
/// Why in parts: in the page's wasm the whole view on all 69,904 ratings took about 50 ms of
/// the main thread in one task (four designs fitted: the overall one and one per key of
/// [`AGREEMENT_KEYS`]), at the 50 ms a task may take without the page feeling stuck, while
/// the page shows one key at a time. Computed in parts, each part is a task of its own, and a
/// key no one looks at is never fitted. The parts give exactly what [`agreement`] gives (a
/// test checks it).
#[derive(Debug, Clone, PartialEq)]
pub struct Overall {
    pub counts: Counts,
    pub components: Option<Components>,
    pub reliability: Option<Reliability>,
    pub crowd: CrowdFit,
    /// The overall fit's image effects by dataset image: the subjects' fits start from them
    /// (a few passes fewer).
    warm: Vec<f64>,
}

/// The overall figures of a selection (see [`Overall`]).
pub fn overall(ds: &Dataset, c: &Compiled) -> Overall {
    overall_of(ds, &Selection::gather(ds, c))
}

/// One key's rows of the view, for the selection `c` whose [`overall`] figures `o` are (the
/// same selection: the rows start from its fit). It gathers the selection again (one pass over
/// the ratings) rather than keep it in [`Overall`], which would hold 20 bytes a selected
/// rating for as long as the page shows the figures.
pub fn by_key(ds: &Dataset, c: &Compiled, o: &Overall, key: Key) -> KeyAgreement {
    KeyAgreement {
        key,
        rows: rows_by(ds, &Selection::gather(ds, c), key, Some(&o.warm)),
    }
}

fn overall_of(ds: &Dataset, sel: &Selection) -> Overall {
    let design = Design::build(ds, sel, None);
    let fit = design.fit(None);
    let (counts, components) = design.components(&fit).pop().unwrap_or_default();
    Overall {
        counts,
        components,
        reliability: components.map(|c| reliability(&c, counts, TARGET_RELIABILITY)),
        crowd: crowd_fit(ds, sel),
        warm: design.image_effects(&fit, ds.images.len()),
    }
}

/// The variance components of a selection (`None` when they cannot be separated).
pub fn components(ds: &Dataset, c: &Compiled) -> Option<Components> {
    let d = Design::build(ds, &Selection::gather(ds, c), None);
    d.components(&d.fit(None)).pop()?.1
}

/// The components per value of `key`. Empty for [`Key::Participant`] and [`Key::Image`] (a
/// value must hold several people and several images).
pub fn agreement_by(ds: &Dataset, c: &Compiled, key: Key) -> Vec<AgreementRow> {
    rows_by(ds, &Selection::gather(ds, c), key, None)
}

/// How well the leave-one-out crowd mean predicts each person of a selection.
pub fn crowd_prediction(ds: &Dataset, c: &Compiled) -> CrowdFit {
    crowd_fit(ds, &Selection::gather(ds, c))
}

/// Spearman-Brown: the reliability of the mean of `k` raters from that of one.
pub fn spearman_brown(single: f64, k: f64) -> f64 {
    let d = 1.0 + (k - 1.0) * single;
    if d <= 0.0 {
        return f64::NAN;
    }
    k * single / d
}

/// The fewest raters whose mean reaches reliability `target` (in (0, 1)); `None` when the
/// single-rater reliability is 0 or below (no number of raters suffices).
pub fn raters_needed(single: f64, target: f64) -> Option<u32> {
    if single <= 0.0 || !(0.0..1.0).contains(&target) || single.is_nan() {
        return None;
    }
    if single >= target {
        return Some(1);
    }
    let k = target * (1.0 - single) / (single * (1.0 - target));
    // A hair below an integer is that integer (0.8 from r = 0.5 is 4 raters, not 5).
    let k = (k - 1e-9).ceil();
    (k <= u32::MAX as f64).then_some(k as u32)
}

/// Reliability of an image's mean from the components of a selection.
pub fn reliability(c: &Components, counts: Counts, target: f64) -> Reliability {
    let k = if counts.n_images > 0 {
        counts.n_ratings as f64 / counts.n_images as f64
    } else {
        0.0
    };
    let r = c.image_share;
    let map = |f: &dyn Fn(f64) -> f64| Estimate {
        value: f(r.value),
        ci: r.ci.map(|(lo, hi)| (f(lo), f(hi))),
    };
    Reliability {
        single: r,
        raters_per_image: k,
        at_raters_per_image: map(&|x| spearman_brown(x, k)),
        target,
        raters_needed: raters_needed(r.value, target),
        raters_needed_ci: r
            .ci
            .and_then(|(lo, hi)| Some((raters_needed(hi, target)?, raters_needed(lo, target)))),
    }
}

// ---------------------------------------------------------------------------------------------

/// The kept ratings of a selection, gathered once for all figures.
struct Selection {
    participant: Vec<u32>,
    image: Vec<u32>,
    rating: Vec<u32>,
    y: Vec<f64>,
}

impl Selection {
    fn gather(ds: &Dataset, c: &Compiled) -> Selection {
        let ra = &ds.ratings;
        let n = ra.len();
        let mut s = Selection {
            participant: Vec::with_capacity(n),
            image: Vec::with_capacity(n),
            rating: Vec::with_capacity(n),
            y: Vec::with_capacity(n),
        };
        for r in 0..ra.len() {
            if c.keeps(ds, r) {
                s.participant.push(ra.participant[r]);
                s.image.push(ra.image[r]);
                s.rating.push(r as u32);
                s.y.push(ra.score[r] as f64 / 1000.0);
            }
        }
        s
    }
}

fn rows_by(ds: &Dataset, sel: &Selection, key: Key, warm: Option<&[f64]>) -> Vec<AgreementRow> {
    if matches!(key, Key::Participant | Key::Image) {
        return Vec::new();
    }
    let d = Design::build(ds, sel, Some(key));
    let mut rows: Vec<AgreementRow> = d
        .components(&d.fit(warm))
        .into_iter()
        .enumerate()
        .filter(|(_, (n, _))| n.n_ratings > 0)
        .map(|(v, (counts, components))| AgreementRow {
            value: v as u32,
            counts,
            components,
        })
        .collect();
    let share = |r: &AgreementRow| r.components.map(|c| c.image_share.value);
    rows.sort_by(|a, b| match (share(a), share(b)) {
        (Some(x), Some(y)) => y.total_cmp(&x).then(a.value.cmp(&b.value)),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => a.value.cmp(&b.value),
    });
    rows
}

/// The selection as a two-way design: dense person and image units (one per person or image
/// and stratum), each unit's stratum, and the ratings ordered by person unit (`start[p] ..
/// start[p + 1]`), so that a person's sums stay in registers.
struct Design {
    start: Vec<u32>,
    iu: Vec<u32>,
    y: Vec<f64>,
    n_p: Vec<f64>,
    n_i: Vec<f64>,
    mean_p: Vec<f64>,
    mean_i: Vec<f64>,
    strat_p: Vec<u32>,
    strat_i: Vec<u32>,
    /// The dataset image of each image unit.
    image: Vec<u32>,
    strata: usize,
}

impl Design {
    fn build(ds: &Dataset, sel: &Selection, key: Option<Key>) -> Design {
        let strata = key.map_or(1, |k| k.domain(ds)).max(1);
        let n = sel.y.len();
        let mut pmap = vec![u32::MAX; ds.participants.len() * strata];
        let mut imap = vec![u32::MAX; ds.images.len() * strata];
        // Image-level keys (the common case) are looked up per image, once.
        let image_col: Option<Vec<u32>> = key.filter(|_| !ds.images.is_empty()).and_then(|k| {
            k.of_image(ds, 0).map(|_| {
                (0..ds.images.len())
                    .map(|i| k.of_image(ds, i).unwrap_or(0))
                    .collect()
            })
        });
        let mut strat_p = Vec::new();
        let mut strat_i = Vec::new();
        let mut image = Vec::new();
        let mut counts: Vec<u32> = Vec::new();
        let mut pu = Vec::with_capacity(n);
        let mut iu = Vec::with_capacity(n);
        for k in 0..n {
            let (p, i) = (sel.participant[k] as usize, sel.image[k] as usize);
            let s = match (&image_col, key) {
                (Some(col), _) => col[i] as usize,
                (None, Some(key)) => key.of_rating(ds, sel.rating[k] as usize) as usize,
                (None, None) => 0,
            };
            let slot = &mut pmap[p * strata + s];
            if *slot == u32::MAX {
                *slot = strat_p.len() as u32;
                strat_p.push(s as u32);
                counts.push(0);
            }
            counts[*slot as usize] += 1;
            pu.push(*slot);
            let slot = &mut imap[i * strata + s];
            if *slot == u32::MAX {
                *slot = strat_i.len() as u32;
                strat_i.push(s as u32);
                image.push(i as u32);
            }
            iu.push(*slot);
        }
        // Counting sort by person unit.
        let mut start = Vec::with_capacity(counts.len() + 1);
        start.push(0u32);
        for &c in &counts {
            start.push(start.last().copied().unwrap_or(0) + c);
        }
        let mut next = start.clone();
        let mut d = Design {
            iu: vec![0; n],
            y: vec![0.0; n],
            n_p: counts.iter().map(|&c| c as f64).collect(),
            n_i: vec![0.0; strat_i.len()],
            mean_p: vec![0.0; strat_p.len()],
            mean_i: vec![0.0; strat_i.len()],
            start,
            strat_p,
            strat_i,
            image,
            strata,
        };
        for k in 0..n {
            let (p, i) = (pu[k] as usize, iu[k]);
            let at = next[p] as usize;
            next[p] += 1;
            d.iu[at] = i;
            d.y[at] = sel.y[k];
            d.mean_p[p] += sel.y[k];
            d.n_i[i as usize] += 1.0;
            d.mean_i[i as usize] += sel.y[k];
        }
        for (m, n) in d.mean_p.iter_mut().zip(&d.n_p) {
            *m /= n;
        }
        for (m, n) in d.mean_i.iter_mut().zip(&d.n_i) {
            *m /= n;
        }
        d
    }

    fn people(&self) -> usize {
        self.n_p.len()
    }

    /// Person unit `p`'s ratings: image units and scores.
    #[inline]
    fn of(&self, p: usize) -> (&[u32], &[f64]) {
        let r = self.start[p] as usize..self.start[p + 1] as usize;
        (&self.iu[r.clone()], &self.y[r])
    }

    /// Connected parts of the person-image graph, per stratum (union-find).
    fn parts(&self) -> Vec<u32> {
        let np = self.people();
        let mut parent: Vec<u32> = (0..(np + self.n_i.len()) as u32).collect();
        fn find(parent: &mut [u32], mut x: u32) -> u32 {
            while parent[x as usize] != x {
                let up = parent[parent[x as usize] as usize];
                parent[x as usize] = up;
                x = up;
            }
            x
        }
        for p in 0..np {
            for &i in self.of(p).0 {
                let (a, b) = (
                    find(&mut parent, p as u32),
                    find(&mut parent, np as u32 + i),
                );
                if a != b {
                    parent[a.max(b) as usize] = a.min(b);
                }
            }
        }
        let mut out = vec![0u32; self.strata];
        for x in 0..np {
            if find(&mut parent, x as u32) == x as u32 {
                out[self.strat_p[x] as usize] += 1;
            }
        }
        out
    }

    /// Least-squares person and image effects by backfitting, from image effects `b` (indexed
    /// by dataset image; the image means when `None`), and the passes it took.
    fn fit(&self, warm: Option<&[f64]>) -> Fit {
        let inv_i: Vec<f64> = self.n_i.iter().map(|&n| 1.0 / n).collect();
        let mut a = vec![0.0; self.people()];
        let mut b = match warm {
            Some(w) => self.image.iter().map(|&i| w[i as usize]).collect(),
            None => self.mean_i.clone(),
        };
        let mut acc_i = vec![0.0; b.len()];
        let mut prev = f64::INFINITY;
        let mut iterations = 0;
        while iterations < MAX_ITERATIONS {
            iterations += 1;
            // Person effects given image effects; the residual sum of squares of the previous
            // effects on the way (meaningless on the first pass, when `a` is still 0).
            let mut s = 0.0;
            for (p, ap) in a.iter_mut().enumerate() {
                let (iu, y) = self.of(p);
                let (mut sr, mut se) = (0.0, 0.0);
                for (&i, &y) in iu.iter().zip(y) {
                    let r = y - b[i as usize];
                    sr += r;
                    se += (r - *ap) * (r - *ap);
                }
                *ap = sr / self.n_p[p];
                s += se;
            }
            acc_i.iter_mut().for_each(|x| *x = 0.0);
            for (p, &ap) in a.iter().enumerate() {
                let (iu, y) = self.of(p);
                for (&i, &y) in iu.iter().zip(y) {
                    acc_i[i as usize] += y - ap;
                }
            }
            for ((b, acc), inv) in b.iter_mut().zip(&acc_i).zip(&inv_i) {
                *b = acc * inv;
            }
            if prev - s <= TOLERANCE * s {
                break;
            }
            prev = s;
        }
        Fit { a, b, iterations }
    }

    /// Image effects by dataset image (0 for images not in the design), to warm-start another
    /// design's fit on the same selection.
    fn image_effects(&self, fit: &Fit, images: usize) -> Vec<f64> {
        let mut out = vec![0.0; images];
        for (&i, &b) in self.image.iter().zip(&fit.b) {
            out[i as usize] = b;
        }
        out
    }

    /// Counts and components per stratum.
    fn components(&self, fit: &Fit) -> Vec<(Counts, Option<Components>)> {
        let (a, b) = (&fit.a, &fit.b);
        let parts = self.parts();
        let (np, ni) = (self.people(), self.n_i.len());
        let mut big_n = vec![0.0; self.strata];
        for (&s, &n) in self.strat_p.iter().zip(&self.n_p) {
            big_n[s as usize] += n;
        }
        // Per image unit: 1 / m, and m / (m - 1) (0 for an image of one rating).
        let inv_m: Vec<f64> = self.n_i.iter().map(|&m| 1.0 / m).collect();
        let grow = |m: f64| if m > 1.0 { m / (m - 1.0) } else { 0.0 };
        let grow_m: Vec<f64> = self.n_i.iter().map(|&m| grow(m)).collect();
        // What deleting each person, each image removes from the sums; the moments of what
        // deleting each single rating removes.
        let mut del_p = vec![Totals::default(); np];
        let mut del_i = vec![Totals::default(); ni];
        let mut moments = vec![Moments::default(); self.strata];
        let mut tot = vec![Totals::default(); self.strata];
        let mut sum_y = vec![0.0; self.strata];
        for (p, &ap) in a.iter().enumerate() {
            let (iu, ys) = self.of(p);
            let n = self.n_p[p];
            let grow_n = grow(n);
            let s = self.strat_p[p] as usize;
            let mut dp_ = Totals {
                n,
                people: 1.0,
                ..Totals::default()
            };
            let mom = &mut moments[s];
            let single_person = (n == 1.0) as u8 as f64;
            let keep_n = 1.0 - 1.0 / n + 1.0 / big_n[s];
            let mut s_p = 0.0;
            for (&i, &y) in iu.iter().zip(ys) {
                let i = i as usize;
                let e = y - ap - b[i];
                let (dp, di) = (y - self.mean_p[p], y - self.mean_i[i]);
                let (dp2, di2, e2) = (dp * dp, di * di, e * e);
                s_p += e2;
                dp_.w_p += dp2;
                // Deleting person p: this rating leaves image i's group (an image of one
                // rating leaves with it).
                dp_.w_i += di2 * grow_m[i];
                dp_.s += e2 * grow_m[i];
                dp_.images += (grow_m[i] == 0.0) as u8 as f64;
                // Deleting image i: this rating leaves person p's group.
                let di_ = &mut del_i[i];
                di_.w_i += di2;
                di_.w_p += dp2 * grow_n;
                di_.s += e2 * grow_n;
                di_.people += single_person;
                // Deleting this rating alone; its leverage in the additive fit as in a
                // complete table, 1/n + 1/m - 1/N.
                let keep = keep_n - inv_m[i];
                mom.add([
                    1.0,
                    single_person,
                    (grow_m[i] == 0.0) as u8 as f64,
                    dp2 * grow_n,
                    di2 * grow_m[i],
                    if keep > 0.0 { e2 / keep } else { 0.0 },
                ]);
            }
            let t = &mut tot[s];
            t.n += n;
            t.people += 1.0;
            t.w_p += dp_.w_p;
            t.s += s_p;
            sum_y[s] += self.mean_p[p] * n;
            del_p[p] = dp_;
        }
        for i in 0..ni {
            let t = &mut tot[self.strat_i[i] as usize];
            t.images += 1.0;
            t.w_i += del_i[i].w_i;
            del_i[i].n += self.n_i[i];
            del_i[i].images += 1.0;
        }
        for (t, &c) in tot.iter_mut().zip(&parts) {
            t.parts = c as f64;
        }
        let full: Vec<Option<Raw>> = tot.iter().map(Totals::solve).collect();
        let mut jack_p = vec![Jack::default(); self.strata];
        let mut jack_i = vec![Jack::default(); self.strata];
        for (strat, del, jack) in [
            (&self.strat_p, &del_p, &mut jack_p),
            (&self.strat_i, &del_i, &mut jack_i),
        ] {
            for (&s, d) in strat.iter().zip(del) {
                let s = s as usize;
                if let Some(f) = &full[s] {
                    jack[s].add(f, tot[s].minus(d).solve());
                }
            }
        }
        (0..self.strata)
            .map(|s| {
                let t = &tot[s];
                let counts = Counts {
                    n_ratings: t.n as u64,
                    n_people: t.people as u32,
                    n_images: t.images as u32,
                };
                let comps = full[s].as_ref().map(|f| {
                    let var_r = moments[s].jackknife(&t.gradient());
                    f.summarize(
                        sum_y[s] / t.n,
                        [&jack_p[s], &jack_i[s]],
                        var_r,
                        counts,
                        parts[s],
                        fit.iterations,
                    )
                });
                (counts, comps)
            })
            .collect()
    }
}

/// Least-squares effects of a design: per person unit, per image unit.
struct Fit {
    a: Vec<f64>,
    b: Vec<f64>,
    iterations: u32,
}

/// The sums the estimator needs (per stratum), or what deleting one unit removes from them.
#[derive(Debug, Clone, Copy, Default)]
struct Totals {
    n: f64,
    people: f64,
    images: f64,
    parts: f64,
    w_p: f64,
    w_i: f64,
    s: f64,
}

impl Totals {
    fn minus(&self, d: &Totals) -> Totals {
        Totals {
            n: self.n - d.n,
            people: self.people - d.people,
            images: self.images - d.images,
            parts: self.parts,
            w_p: self.w_p - d.w_p,
            w_i: self.w_i - d.w_i,
            s: self.s - d.s,
        }
    }

    /// Method III's equations (module docs); `None` without degrees of freedom for any of them.
    fn solve(&self) -> Option<Raw> {
        let df_s = self.n - self.people - self.images + self.parts;
        let (df_p, df_i) = (self.n - self.people, self.n - self.images);
        if df_s < 0.5 || df_p < 0.5 || df_i < 0.5 || self.people < 2.0 || self.images < 2.0 {
            return None;
        }
        let residual = self.s.max(0.0) / df_s;
        let image = self.w_p / df_p - residual;
        let person = self.w_i / df_i - residual;
        let total = image + person + residual;
        (total > 0.0).then_some(Raw([
            image,
            person,
            residual,
            image / total,
            person / total,
            residual / total,
        ]))
    }
}

impl Totals {
    /// The derivatives of [`Totals::solve`]'s six figures by `n, people, images, w_p, w_i, s`
    /// (where it is defined).
    fn gradient(&self) -> [[f64; 6]; 6] {
        let t = self;
        let (a, b, c) = (
            t.n - t.people - t.images + t.parts,
            t.n - t.people,
            t.n - t.images,
        );
        let r = t.s / (a * a);
        let d_res = [-r, r, r, 0.0, 0.0, 1.0 / a];
        let (pb, ic) = (t.w_p / (b * b), t.w_i / (c * c));
        let mut d_img = [-pb, pb, 0.0, 1.0 / b, 0.0, 0.0];
        let mut d_per = [-ic, 0.0, ic, 0.0, 1.0 / c, 0.0];
        for j in 0..6 {
            d_img[j] -= d_res[j];
            d_per[j] -= d_res[j];
        }
        let res = t.s / a;
        let (img, per) = (t.w_p / b - res, t.w_i / c - res);
        let total = img + per + res;
        let share = |x: f64, dx: &[f64; 6]| -> [f64; 6] {
            std::array::from_fn(|j| {
                let d_tot = d_img[j] + d_per[j] + d_res[j];
                (dx[j] * total - x * d_tot) / (total * total)
            })
        };
        [
            d_img,
            d_per,
            d_res,
            share(img, &d_img),
            share(per, &d_per),
            share(res, &d_res),
        ]
    }
}

/// Sums and cross-products of what deleting single ratings removes from the sums
/// (`n, people, images, w_p, w_i, s`): the linearized jackknife over ratings (deleting one of
/// tens of thousands of ratings is a small step, so first order is exact enough), in one pass.
#[derive(Debug, Clone, Copy, Default)]
struct Moments {
    count: f64,
    sum: [f64; 6],
    cross: [[f64; 6]; 6],
}

impl Moments {
    #[inline]
    fn add(&mut self, c: [f64; 6]) {
        self.count += 1.0;
        for j in 0..6 {
            self.sum[j] += c[j];
            for k in j..6 {
                self.cross[j][k] += c[j] * c[k];
            }
        }
    }

    /// Jackknife variances of the six figures from their gradients.
    fn jackknife(&self, grad: &[[f64; 6]; 6]) -> [f64; 6] {
        let g = self.count;
        if g < 2.0 {
            return [0.0; 6];
        }
        std::array::from_fn(|f| {
            let d = &grad[f];
            let mut v = 0.0;
            for j in 0..6 {
                for k in 0..6 {
                    let (lo, hi) = (j.min(k), j.max(k));
                    let centred = self.cross[lo][hi] - self.sum[j] * self.sum[k] / g;
                    v += d[j] * d[k] * centred;
                }
            }
            ((g - 1.0) / g * v).max(0.0)
        })
    }
}

/// Untruncated estimates: image, person, residual, and their shares.
#[derive(Debug, Clone, Copy)]
struct Raw([f64; 6]);

/// Delete-one replicates' deviations from the full estimate.
#[derive(Debug, Clone, Copy, Default)]
struct Jack {
    units: f64,
    undefined: bool,
    sum: [f64; 6],
    sumsq: [f64; 6],
}

impl Jack {
    fn add(&mut self, full: &Raw, rep: Option<Raw>) {
        self.units += 1.0;
        match rep {
            Some(r) => {
                for k in 0..6 {
                    let d = r.0[k] - full.0[k];
                    self.sum[k] += d;
                    self.sumsq[k] += d * d;
                }
            }
            None => self.undefined = true,
        }
    }

    /// Jackknife variance of figure `k`.
    fn var(&self, k: usize) -> f64 {
        let g = self.units;
        ((g - 1.0) / g * (self.sumsq[k] - self.sum[k] * self.sum[k] / g)).max(0.0)
    }
}

impl Raw {
    fn summarize(
        &self,
        mean: f64,
        [jp, ji]: [&Jack; 2],
        var_r: [f64; 6],
        counts: Counts,
        parts: u32,
        iterations: u32,
    ) -> Components {
        let [image, person, residual] = [self.0[0], self.0[1], self.0[2]].map(|v| v.max(0.0));
        let total = image + person + residual;
        let shown = [
            image,
            person,
            residual,
            image / total,
            person / total,
            residual / total,
        ];
        let enough = counts.n_people >= MIN_PEOPLE_FOR_INTERVAL
            && counts.n_images >= MIN_PEOPLE_FOR_INTERVAL
            && !jp.undefined
            && !ji.undefined;
        // Satterthwaite's degrees of freedom of a variance made of two jackknife parts, taken
        // for the image share (the headline figure) and used for all six.
        let df = enough.then(|| {
            let (vp, vi) = (jp.var(3), ji.var(3));
            let (gp, gi) = (jp.units - 1.0, ji.units - 1.0);
            let den = vp * vp / gp + vi * vi / gi;
            if den > 0.0 {
                ((vp + vi) * (vp + vi) / den).clamp(gp.min(gi), gp + gi)
            } else {
                gp.min(gi)
            }
        });
        let t = df.map(|df| t_quantile(0.975, df));
        let est = |k: usize| Estimate {
            value: shown[k],
            ci: t.map(|t| {
                // Two-way: people + images - their intersection (single ratings), never below
                // either one-way variance.
                let (vp, vi) = (jp.var(k), ji.var(k));
                let se = (vp + vi - var_r[k]).max(vp.max(vi)).sqrt();
                interval(shown[k], se, t, k >= 3)
            }),
        };
        Components {
            mean,
            image: est(0),
            person: est(1),
            residual: est(2),
            total,
            image_share: est(3),
            person_share: est(4),
            residual_share: est(5),
            df,
            parts,
            iterations,
        }
    }
}

/// A 95% interval for a variance (log scale) or a share (logit scale, `share`), symmetric and
/// clipped at the boundary.
fn interval(x: f64, se: f64, t: f64, share: bool) -> (f64, f64) {
    let hi_cap = if share { 1.0 } else { f64::INFINITY };
    if se == 0.0 {
        return (x, x);
    }
    if x > 0.0 && x < hi_cap {
        if share {
            let z = (x / (1.0 - x)).ln();
            let h = t * se / (x * (1.0 - x));
            let back = |z: f64| 1.0 / (1.0 + (-z).exp());
            return (back(z - h), back(z + h));
        }
        let h = t * se / x;
        return (x * (-h).exp(), x * h.exp());
    }
    ((x - t * se).max(0.0), (x + t * se).min(hi_cap))
}

fn crowd_fit(ds: &Dataset, sel: &Selection) -> CrowdFit {
    let (np, ni) = (ds.participants.len(), ds.images.len());
    let mut m = vec![0u32; ni];
    let mut sum = vec![0f64; ni];
    for (&i, &y) in sel.image.iter().zip(&sel.y) {
        m[i as usize] += 1;
        sum[i as usize] += y;
    }
    // Two passes per person (means, then centred products): a constant series is detected
    // exactly enough, and nothing cancels.
    let crowd = |k: usize| {
        let i = sel.image[k] as usize;
        (m[i] > 1).then(|| (sum[i] - sel.y[k]) / (m[i] - 1) as f64)
    };
    let mut n = vec![0u32; np];
    let mut sx = vec![0f64; np];
    let mut sc = vec![0f64; np];
    let mut rated = vec![false; np];
    for k in 0..sel.y.len() {
        let p = sel.participant[k] as usize;
        rated[p] = true;
        if let Some(c) = crowd(k) {
            n[p] += 1;
            sx[p] += sel.y[k];
            sc[p] += c;
        }
    }
    let mut cxx = vec![0f64; np];
    let mut ccc = vec![0f64; np];
    let mut cxc = vec![0f64; np];
    for k in 0..sel.y.len() {
        let p = sel.participant[k] as usize;
        if let Some(c) = crowd(k) {
            let dx = sel.y[k] - sx[p] / n[p] as f64;
            let dc = c - sc[p] / n[p] as f64;
            cxx[p] += dx * dx;
            ccc[p] += dc * dc;
            cxc[p] += dx * dc;
        }
    }
    let mut out = CrowdFit {
        mean_r: None,
        median_r: None,
        n_people: 0,
        n_skipped_few: 0,
        n_skipped_constant: 0,
        min_images: MIN_IMAGES_PER_PERSON,
        people: Vec::new(),
    };
    // Scores come in thousandths: a real spread is far above this.
    const CONSTANT: f64 = 1e-12;
    let mut rs = Vec::new();
    for p in (0..np).filter(|&p| rated[p]) {
        let r = if n[p] < MIN_IMAGES_PER_PERSON {
            out.n_skipped_few += 1;
            None
        } else if cxx[p] / (n[p] as f64) < CONSTANT || ccc[p] / (n[p] as f64) < CONSTANT {
            out.n_skipped_constant += 1;
            None
        } else {
            let r = (cxc[p] / (cxx[p] * ccc[p]).sqrt()).clamp(-1.0, 1.0);
            rs.push(r);
            Some(r)
        };
        out.people.push(PersonFit {
            participant: p as u32,
            n_images: n[p],
            r,
        });
    }
    out.n_people = rs.len() as u32;
    if rs.is_empty() {
        return out;
    }
    let g = rs.len() as f64;
    let mean = rs.iter().sum::<f64>() / g;
    let ci = (rs.len() as u32 >= MIN_PEOPLE_FOR_INTERVAL).then(|| {
        let var = rs.iter().map(|r| (r - mean) * (r - mean)).sum::<f64>() / (g - 1.0);
        let h = t_quantile(0.975, g - 1.0) * (var / g).sqrt();
        ((mean - h).max(-1.0), (mean + h).min(1.0))
    });
    out.mean_r = Some(Estimate { value: mean, ci });
    rs.sort_by(f64::total_cmp);
    let h = rs.len() / 2;
    out.median_r = Some(if rs.len() % 2 == 1 {
        rs[h]
    } else {
        (rs[h - 1] + rs[h]) / 2.0
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataset::{
        Dict, Dicts, Images, Participants, Ratings, Source, SourceKind, NO_STYLE,
    };
    use crate::query::{Dim, Filter};
    use crate::rng::Rng;

    fn dict(prefix: &str, n: usize) -> Dict {
        Dict::from_sorted((0..n).map(|k| format!("{prefix}{k:02}")).collect()).unwrap()
    }

    /// A store of the given ratings (person, image, score in thousandths). Images are Art
    /// (type 0) when `art(i)`, else Photorealism; three groups, two styles on Art.
    fn store(
        np: usize,
        ni: usize,
        ratings: &[(u32, u32, u16)],
        art: &dyn Fn(usize) -> bool,
    ) -> Dataset {
        let dicts = Dicts {
            group_names: dict("g", 3),
            styles: dict("s", 2),
            types: Dict::from_sorted(vec!["Art".into(), "Photorealism".into()]).unwrap(),
            categories: dict("c", 1),
            genders: dict("x", 2),
            nationalities: dict("n", 1),
            age_bins: dict("a", 1),
        };
        let mut images = Images::default();
        for i in 0..ni {
            images.id.push(1000 + i as u64);
            images.path.push(format!("img{i}"));
            images.group_name.push((i % 3) as u16);
            let is_art = art(i);
            images.kind.push(if is_art { 0 } else { 1 });
            images
                .style
                .push(if is_art { (i % 2) as u16 } else { NO_STYLE });
            images.category.push(0);
            images.prompt.push(String::new());
        }
        let mut parts = Participants::default();
        for p in 0..np {
            parts.id.push(format!("p_{p:05}"));
            parts.age.push(30);
            parts.age_bin.push(0);
            parts.gender.push((p % 2) as u16);
            parts.nationality.push(0);
        }
        let mut r = Ratings::default();
        for &(p, i, s) in ratings {
            r.participant.push(p);
            r.image.push(i);
            r.score.push(s);
            r.label.push(((s as u32 + 500) / 1000 - 1).min(4) as u8);
            r.split.push(0);
        }
        let source = Source {
            kind: SourceKind::Synthetic,
            provenance: "test".into(),
        };
        Dataset::new(source, dicts, images, parts, r).unwrap()
    }

    fn milli(x: f64) -> u16 {
        (x.clamp(1.0, 5.0) * 1000.0).round() as u16
    }

    /// Known components.
    #[derive(Clone, Copy)]
    struct Truth {
        person: f64,
        image: f64,
        residual: f64,
    }

    /// `y = 3 + a_p + b_i + e` on a crossed, unbalanced, incomplete design like PAMELA's: each
    /// person rates a different number of images (`mean_n` on average, from 0.3 to 1.7 times),
    /// drawn at random, so images get unequal numbers of raters too.
    fn crossed(seed: u64, np: usize, ni: usize, mean_n: usize, t: Truth) -> Dataset {
        let mut g = Rng::new(seed);
        let b: Vec<f64> = (0..ni).map(|_| t.image.sqrt() * g.normal()).collect();
        let mut order: Vec<u32> = (0..ni as u32).collect();
        let mut ratings = Vec::new();
        for p in 0..np {
            let a = t.person.sqrt() * g.normal();
            let n = ((mean_n as f64 * (0.3 + 1.4 * g.uniform())) as usize).clamp(2, ni);
            // A partial shuffle picks n distinct images.
            for k in 0..n {
                let j = k + g.below((ni - k) as u64) as usize;
                order.swap(k, j);
                let i = order[k] as usize;
                let y = 3.0 + a + b[i] + t.residual.sqrt() * g.normal();
                ratings.push((p as u32, i as u32, milli(y)));
            }
        }
        store(np, ni, &ratings, &|i| i % 2 == 0)
    }

    fn everything(ds: &Dataset) -> Compiled {
        Compiled::new(ds, &Filter::default())
    }

    fn rel_err(est: f64, truth: f64) -> f64 {
        (est - truth).abs() / truth
    }

    const PAMELA_LIKE: Truth = Truth {
        person: 0.09,
        image: 0.16,
        residual: 0.2025,
    };

    #[test]
    fn variance_components_are_recovered_on_a_pamela_shaped_design() {
        // 199 people, ~351 images each of 5,077, ~14 raters per image. Tolerances are about
        // three standard errors: the person variance rests on 199 people (relative standard
        // error ~ sqrt(2 / 198) = 10%), the image variance on 5,077 images, the residual on
        // ~65,000 degrees of freedom.
        for seed in 1..=4 {
            let ds = crossed(seed, 199, 5077, 351, PAMELA_LIKE);
            let c = components(&ds, &everything(&ds)).expect("identifiable");
            let t = PAMELA_LIKE;
            let (ep, ei, er) = (
                rel_err(c.person.value, t.person),
                rel_err(c.image.value, t.image),
                rel_err(c.residual.value, t.residual),
            );
            eprintln!("seed {seed}: relative errors person {ep:.3} image {ei:.3} residual {er:.4}");
            assert!(
                ep < 0.30,
                "seed {seed}: person {} vs {}",
                c.person.value,
                t.person
            );
            assert!(
                ei < 0.08,
                "seed {seed}: image {} vs {}",
                c.image.value,
                t.image
            );
            assert!(
                er < 0.02,
                "seed {seed}: residual {} vs {}",
                c.residual.value,
                t.residual
            );
            let share = t.image / (t.image + t.person + t.residual);
            assert!((c.image_share.value - share).abs() < 0.03, "seed {seed}");
            assert_eq!(c.parts, 1);
            let (lo, hi) = c.image_share.ci.unwrap();
            assert!(lo < c.image_share.value && c.image_share.value < hi);
        }
    }

    #[test]
    fn many_people_with_few_ratings_pin_the_person_variance_down() {
        // 2,000 people with ~35 ratings each: the person variance within 10% now.
        let t = Truth {
            person: 0.12,
            image: 0.10,
            residual: 0.25,
        };
        for seed in 11..=13 {
            let ds = crossed(seed, 2000, 5000, 35, t);
            let c = components(&ds, &everything(&ds)).unwrap();
            let (ep, ei, er) = (
                rel_err(c.person.value, t.person),
                rel_err(c.image.value, t.image),
                rel_err(c.residual.value, t.residual),
            );
            eprintln!("seed {seed}: relative errors person {ep:.3} image {ei:.3} residual {er:.4}");
            assert!(ep < 0.10 && ei < 0.12 && er < 0.03, "seed {seed}");
        }
    }

    #[test]
    fn intervals_cover_the_true_components_about_95_percent_of_the_time() {
        // 200 small designs (60 people, 600 images, ~60 ratings per person, ~6 raters per
        // image): the honest test of both the estimator and its jackknife intervals.
        let t = Truth {
            person: 0.1,
            image: 0.15,
            residual: 0.2,
        };
        let total = t.person + t.image + t.residual;
        let truth = [t.image, t.person, t.residual, t.image / total];
        let reps = 200;
        let mut covered = [0u32; 4];
        for seed in 0..reps {
            let ds = crossed(1000 + seed, 60, 600, 60, t);
            let c = components(&ds, &everything(&ds)).unwrap();
            for (k, e) in [c.image, c.person, c.residual, c.image_share]
                .iter()
                .enumerate()
            {
                let (lo, hi) = e.ci.unwrap();
                covered[k] += (lo <= truth[k] && truth[k] <= hi) as u32;
            }
        }
        let rate = covered.map(|c| c as f64 / reps as f64);
        eprintln!(
            "coverage image {} person {} residual {} image share {}",
            rate[0], rate[1], rate[2], rate[3]
        );
        for (k, r) in rate.iter().enumerate() {
            assert!((0.90..=0.995).contains(r), "figure {k}: coverage {r}");
        }
    }

    #[test]
    fn spearman_brown_matches_hand_computed_values() {
        // k r / (1 + (k - 1) r)
        assert!((spearman_brown(0.5, 2.0) - 2.0 / 3.0).abs() < 1e-12);
        assert!((spearman_brown(0.2, 4.0) - 0.5).abs() < 1e-12);
        assert!((spearman_brown(0.25, 12.0) - 0.8).abs() < 1e-12);
        assert!((spearman_brown(0.3, 1.0) - 0.3).abs() < 1e-12);
        assert_eq!(spearman_brown(0.0, 10.0), 0.0);
        // k = T (1 - r) / (r (1 - T)), rounded up.
        assert_eq!(raters_needed(0.25, 0.8), Some(12));
        assert_eq!(raters_needed(0.2, 0.8), Some(16));
        assert_eq!(raters_needed(0.5, 0.8), Some(4));
        assert_eq!(raters_needed(0.3, 0.8), Some(10)); // 9.33
        assert_eq!(raters_needed(0.9, 0.8), Some(1));
        assert_eq!(raters_needed(0.0, 0.8), None);
        assert_eq!(raters_needed(f64::NAN, 0.8), None);
    }

    #[test]
    fn reliability_maps_the_image_share_interval_through_spearman_brown() {
        let ds = crossed(5, 199, 5077, 351, PAMELA_LIKE);
        let c = components(&ds, &everything(&ds)).unwrap();
        let counts = Counts {
            n_ratings: 1400,
            n_people: 199,
            n_images: 100,
        };
        let shares = Estimate {
            value: 0.25,
            ci: Some((0.2, 0.5)),
        };
        let r = reliability(
            &Components {
                image_share: shares,
                ..c
            },
            counts,
            0.8,
        );
        assert_eq!(r.raters_per_image, 14.0);
        assert!((r.at_raters_per_image.value - 14.0 * 0.25 / (1.0 + 13.0 * 0.25)).abs() < 1e-12);
        let (lo, hi) = r.at_raters_per_image.ci.unwrap();
        assert!((lo - 14.0 * 0.2 / (1.0 + 13.0 * 0.2)).abs() < 1e-12);
        assert!((hi - 14.0 * 0.5 / (1.0 + 13.0 * 0.5)).abs() < 1e-12);
        assert_eq!(r.raters_needed, Some(12));
        assert_eq!(r.raters_needed_ci, Some((4, Some(16))));
        let none = Estimate {
            value: 0.1,
            ci: Some((0.0, 0.3)),
        };
        let r = reliability(
            &Components {
                image_share: none,
                ..c
            },
            counts,
            0.8,
        );
        assert_eq!(r.raters_needed, Some(36));
        assert_eq!(
            r.raters_needed_ci,
            Some((10, None)),
            "no upper bound when 0 is possible"
        );
    }

    /// Pearson correlation, written out.
    fn pearson(x: &[f64], y: &[f64]) -> f64 {
        let n = x.len() as f64;
        let (mx, my) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
        let sxy: f64 = x.iter().zip(y).map(|(a, b)| (a - mx) * (b - my)).sum();
        let sxx: f64 = x.iter().map(|a| (a - mx) * (a - mx)).sum();
        let syy: f64 = y.iter().map(|b| (b - my) * (b - my)).sum();
        sxy / (sxx * syy).sqrt()
    }

    #[test]
    fn the_crowd_of_two_people_is_the_other_person() {
        // A and B share 12 images; A also rated 3 images nobody else rated (skipped); C rated 5
        // of the shared images only (too few). Each of A and B has the other (and C, on 5
        // images) as crowd.
        let xa = [1.5, 2.0, 2.2, 3.1, 3.3, 3.9, 4.0, 4.4, 2.7, 1.2, 4.9, 3.0];
        let xb = [2.0, 1.8, 3.0, 2.9, 4.1, 3.5, 4.6, 3.8, 2.1, 1.9, 4.2, 3.3];
        let xc = [3.0, 3.0, 3.0, 3.0, 3.0];
        let mut ratings = Vec::new();
        for i in 0..12 {
            ratings.push((0, i as u32, milli(xa[i])));
            ratings.push((1, i as u32, milli(xb[i])));
        }
        for i in 12..15 {
            ratings.push((0, i, 3000));
        }
        // C rates the last five shared images, all 3.0: it shifts A's and B's crowd there.
        for (k, &x) in xc.iter().enumerate() {
            ratings.push((2, 7 + k as u32, milli(x)));
        }
        let ds = store(3, 15, &ratings, &|_| true);
        let fit = crowd_prediction(&ds, &everything(&ds));
        let crowd = |other: &[f64; 12], i: usize| {
            if i >= 7 {
                (other[i] + 3.0) / 2.0
            } else {
                other[i]
            }
        };
        let ca: Vec<f64> = (0..12).map(|i| crowd(&xb, i)).collect();
        let cb: Vec<f64> = (0..12).map(|i| crowd(&xa, i)).collect();
        let (ra, rb) = (pearson(&xa, &ca), pearson(&xb, &cb));
        assert_eq!(fit.people.len(), 3);
        assert_eq!(
            fit.people[0].n_images, 12,
            "A's three own images have no crowd"
        );
        assert!((fit.people[0].r.unwrap() - ra).abs() < 1e-9);
        assert!((fit.people[1].r.unwrap() - rb).abs() < 1e-9);
        assert_eq!((fit.people[2].n_images, fit.people[2].r), (5, None));
        assert_eq!(
            (fit.n_people, fit.n_skipped_few, fit.n_skipped_constant),
            (2, 1, 0)
        );
        let m = fit.mean_r.unwrap();
        assert!((m.value - (ra + rb) / 2.0).abs() < 1e-9);
        assert_eq!(m.ci, None, "two people give no interval");
        assert!((fit.median_r.unwrap() - (ra + rb) / 2.0).abs() < 1e-9);
    }

    #[test]
    fn a_person_opposite_to_the_crowd_scores_minus_one_and_constant_crowds_are_skipped() {
        // A and B rate x, C rates 6 - x. For C the crowd is x (r = -1); for A and B the crowd
        // is (x + 6 - x) / 2 = 3, constant: skipped, and counted.
        let x = [1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5.0, 2.2, 3.3, 4.4];
        let mut ratings = Vec::new();
        for (i, &v) in x.iter().enumerate() {
            ratings.push((0, i as u32, milli(v)));
            ratings.push((1, i as u32, milli(v)));
            ratings.push((2, i as u32, milli(6.0 - v)));
        }
        let ds = store(3, 12, &ratings, &|_| false);
        let fit = crowd_prediction(&ds, &everything(&ds));
        assert_eq!((fit.n_people, fit.n_skipped_constant), (1, 2));
        assert!((fit.mean_r.unwrap().value + 1.0).abs() < 1e-12);
    }

    #[test]
    fn the_crowd_interval_is_a_t_interval_over_people() {
        let ds = crossed(21, 6, 40, 30, PAMELA_LIKE);
        let fit = crowd_prediction(&ds, &everything(&ds));
        // An independent computation: per person, own scores against the mean of the image's
        // other ratings.
        let ra = &ds.ratings;
        let mut rs = Vec::new();
        for p in 0..6u32 {
            let (mut own, mut crowd) = (Vec::new(), Vec::new());
            for r in (0..ra.len()).filter(|&r| ra.participant[r] == p) {
                let others: Vec<f64> = (0..ra.len())
                    .filter(|&s| ra.image[s] == ra.image[r] && ra.participant[s] != p)
                    .map(|s| ra.score[s] as f64 / 1000.0)
                    .collect();
                if !others.is_empty() {
                    own.push(ra.score[r] as f64 / 1000.0);
                    crowd.push(others.iter().sum::<f64>() / others.len() as f64);
                }
            }
            if own.len() >= MIN_IMAGES_PER_PERSON as usize {
                rs.push(pearson(&own, &crowd));
            }
        }
        assert_eq!(rs.len(), 6);
        let mean = rs.iter().sum::<f64>() / 6.0;
        let sd = (rs.iter().map(|r| (r - mean).powi(2)).sum::<f64>() / 5.0).sqrt();
        let half = 2.570_581_836 * sd / 6f64.sqrt(); // t(0.975, 5)
        let m = fit.mean_r.unwrap();
        assert!((m.value - mean).abs() < 1e-9);
        let (lo, hi) = m.ci.unwrap();
        assert!(
            (lo - (mean - half).max(-1.0)).abs() < 1e-6
                && (hi - (mean + half).min(1.0)).abs() < 1e-6
        );
    }

    #[test]
    fn empty_one_person_and_one_image_selections_give_none_not_nan() {
        let ds = crossed(3, 30, 200, 40, PAMELA_LIKE);
        let nobody = Compiled::new(&ds, &Filter::default().with(Dim::Gender, vec![]));
        let a = agreement(&ds, &nobody);
        assert_eq!(a.counts, Counts::default());
        assert!(a.components.is_none() && a.reliability.is_none());
        assert!(a.by.iter().all(|k| k.rows.is_empty()));
        assert_eq!(
            (a.crowd.n_people, a.crowd.mean_r, a.crowd.median_r),
            (0, None, None)
        );
        assert!(a.crowd.people.is_empty());

        let one_person = Compiled::new(
            &ds,
            &Filter {
                participant: Some(4),
                ..Filter::default()
            },
        );
        let a = agreement(&ds, &one_person);
        assert_eq!(a.counts.n_people, 1);
        assert!(a.counts.n_images > 1);
        assert!(
            a.components.is_none(),
            "one person cannot separate person from image"
        );
        assert!(a
            .by
            .iter()
            .flat_map(|k| &k.rows)
            .all(|r| r.components.is_none()));
        assert_eq!(a.crowd.n_people, 0);
        assert_eq!(a.crowd.n_skipped_few, 1);
        assert!(a.crowd.mean_r.is_none());

        let one_image = Compiled::new(
            &ds,
            &Filter {
                image: Some(7),
                ..Filter::default()
            },
        );
        let a = agreement(&ds, &one_image);
        assert_eq!(a.counts.n_images, 1);
        assert!(a.components.is_none());
        assert!(a.crowd.mean_r.is_none());
        let json = serde_json::to_string(&a).unwrap();
        assert!(!json.contains("NaN") && !json.contains("inf"), "{json}");
    }

    #[test]
    fn two_people_and_two_images_give_hand_computed_figures_without_intervals() {
        // y = [[2, 4], [3, 4.5]] (rows people, columns images). The additive fit leaves the
        // interaction, +-0.125: S = 0.0625 on 4 - 2 - 2 + 1 = 1 df. W_P = 2 + 1.125 on 2 df,
        // W_I = 0.5 + 0.125 on 2 df. So residual 0.0625, image 1.5625 - 0.0625 = 1.5, person
        // 0.3125 - 0.0625 = 0.25.
        let ratings = [(0, 0, 2000), (0, 1, 4000), (1, 0, 3000), (1, 1, 4500)];
        let ds = store(2, 2, &ratings, &|_| true);
        let a = agreement(&ds, &everything(&ds));
        let c = a.components.unwrap();
        assert!((c.residual.value - 0.0625).abs() < 1e-9);
        assert!((c.image.value - 1.5).abs() < 1e-9);
        assert!((c.person.value - 0.25).abs() < 1e-9);
        assert!((c.image_share.value - 1.5 / 1.8125).abs() < 1e-9);
        assert!((c.mean - 3.375).abs() < 1e-12);
        for e in [
            c.image,
            c.person,
            c.residual,
            c.image_share,
            c.person_share,
            c.residual_share,
        ] {
            assert_eq!(e.ci, None, "fewer than {MIN_PEOPLE_FOR_INTERVAL} people");
        }
        assert!(!serde_json::to_string(&a).unwrap().contains("NaN"));
    }

    #[test]
    fn negative_estimates_are_shown_as_zero() {
        // y = [[2, 4], [4.2, 2.2]]: mostly interaction. Residual 4 / 1; image
        // (2 + 2) / 2 - 4 < 0; person (2.42 + 1.62) / 2 - 4 < 0.
        let ratings = [(0, 0, 2000), (0, 1, 4000), (1, 0, 4200), (1, 1, 2200)];
        let ds = store(2, 2, &ratings, &|_| true);
        let c = components(&ds, &everything(&ds)).unwrap();
        assert_eq!((c.image.value, c.person.value), (0.0, 0.0));
        assert!((c.residual.value - 4.0).abs() < 1e-9);
        assert_eq!((c.image_share.value, c.residual_share.value), (0.0, 1.0));
    }

    #[test]
    fn agreement_per_type_puts_the_subject_people_agree_on_first() {
        // Art images differ a lot (image variance 0.3), Photorealism ones little (0.02);
        // the same people and noise.
        let mut g = Rng::new(9);
        let (np, ni) = (80, 800);
        let b: Vec<f64> = (0..ni)
            .map(|i| if i % 2 == 0 { 0.3f64 } else { 0.02 }.sqrt() * g.normal())
            .collect();
        let a: Vec<f64> = (0..np).map(|_| 0.3 * g.normal()).collect();
        let mut ratings = Vec::new();
        for (p, ap) in a.iter().enumerate() {
            for (i, bi) in b.iter().enumerate() {
                if g.below(8) == 0 {
                    let y = 3.0 + ap + bi + 0.45 * g.normal();
                    ratings.push((p as u32, i as u32, milli(y)));
                }
            }
        }
        let ds = store(np, ni, &ratings, &|i| i % 2 == 0);
        let rows = agreement_by(&ds, &everything(&ds), Key::Type);
        assert_eq!(rows.len(), 2);
        assert_eq!(Key::Type.label(&ds, rows[0].value), "Art");
        let (art, photo) = (rows[0].components.unwrap(), rows[1].components.unwrap());
        assert!(art.image_share.ci.unwrap().0 > photo.image_share.ci.unwrap().1);
        assert!(photo.residual_share.value > art.residual_share.value);
        assert_eq!(
            rows[0].counts.n_ratings + rows[1].counts.n_ratings,
            ratings.len() as u64
        );
        assert_eq!(rows[0].counts.n_images + rows[1].counts.n_images, ni as u32);
        assert_eq!(rows[0].counts.n_people, np as u32);
    }

    #[test]
    fn the_parts_of_the_view_give_exactly_what_the_whole_view_gives() {
        let ds = crossed(
            11,
            40,
            120,
            18,
            Truth {
                image: 0.3,
                person: 0.2,
                residual: 0.5,
            },
        );
        let c = everything(&ds);
        let whole = agreement(&ds, &c);
        let o = overall(&ds, &c);
        assert_eq!(o.counts, whole.counts);
        assert_eq!(o.components, whole.components);
        assert_eq!(o.reliability, whole.reliability);
        assert_eq!(o.crowd, whole.crowd);
        assert!(o.components.is_some());
        assert!(whole.by.iter().any(|k| k.rows.len() > 1));
        for (k, &key) in AGREEMENT_KEYS.iter().enumerate() {
            assert_eq!(by_key(&ds, &c, &o, key), whole.by[k]);
        }
    }

    #[test]
    fn a_row_of_the_agreement_view_equals_the_components_of_that_filter() {
        let ds = crossed(17, 120, 1500, 80, PAMELA_LIKE);
        let all = agreement(&ds, &everything(&ds));
        let groups = &all.by.iter().find(|k| k.key == Key::Group).unwrap().rows;
        assert_eq!(groups.len(), 6, "three names under two types");
        for row in groups {
            let only = Filter::default().with(Dim::Group, vec![row.value as u16]);
            let direct = components(&ds, &Compiled::new(&ds, &only)).unwrap();
            let via = row.components.unwrap();
            for (x, y) in [
                (via.image, direct.image),
                (via.person, direct.person),
                (via.residual, direct.residual),
                (via.image_share, direct.image_share),
            ] {
                assert!(
                    (x.value - y.value).abs() < 1e-6,
                    "{} vs {}",
                    x.value,
                    y.value
                );
                let ((a, b), (c, d)) = (x.ci.unwrap(), y.ci.unwrap());
                assert!((a - c).abs() < 1e-6 && (b - d).abs() < 1e-6);
            }
        }
        // Sorted by image share, highest first.
        let shares: Vec<f64> = groups
            .iter()
            .map(|r| r.components.unwrap().image_share.value)
            .collect();
        assert!(shares.windows(2).all(|w| w[0] >= w[1]));
    }
}
