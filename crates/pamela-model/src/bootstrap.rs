//! Bootstrap intervals over participants.
//!
//! The unit of a resample is a participant, not a rating: ratings of one person are not
//! independent (one person's taste and use of the scale run through all of them), and the
//! test_unseen split has only 7 people. A resample draws as many participants as the split has,
//! with replacement, and recomputes the metric from their [`PersonStats`] (weights = how often
//! each was drawn); the 95% interval is the 2.5th and 97.5th percentile of the resampled values
//! (percentile bootstrap). A difference between two predictors uses the same resampled people
//! for both (paired), so what the two share (who happened to be in the split) cancels.
//!
//! With few people the percentile interval is too narrow rather than too wide (it cannot know
//! of tastes no one in the sample had): with 7 people read it as a lower bound on the
//! uncertainty. The coverage test in this module checks ~95% coverage on a known value.

use crate::metrics::{combine, Metrics, PersonStats};
use pamela_core::rng::Rng;
use serde::{Deserialize, Serialize};

/// How to bootstrap.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bootstrap {
    pub replicates: usize,
    pub seed: u64,
    /// Coverage of the interval (0.95).
    pub level: f64,
}

impl Default for Bootstrap {
    fn default() -> Bootstrap {
        Bootstrap {
            replicates: 1000,
            seed: 20_260_413,
            level: 0.95,
        }
    }
}

/// 95% intervals of each metric (`None` where the metric is undefined in too many
/// resamples), with the number of people resampled.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Intervals {
    pub pairwise: Option<[f64; 2]>,
    pub spearman: Option<[f64; 2]>,
    pub rmse: Option<[f64; 2]>,
    pub mae: Option<[f64; 2]>,
    /// Participants in the split (each resample draws this many).
    pub people: usize,
    pub replicates: usize,
    pub level: f64,
}

/// The percentile of sorted values (linear between order statistics).
pub fn percentile(sorted: &[f64], q: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * q;
    let lo = h.floor() as usize;
    let hi = h.ceil() as usize;
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

/// The resampling weights of every replicate: for each, how often each of `n` people was drawn.
/// The same `(n, opts)` gives the same draws, so two runs (or two predictors) share them.
pub fn weights(n: usize, opts: &Bootstrap) -> Vec<Vec<f64>> {
    let mut rng = Rng::new(opts.seed ^ (n as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    (0..opts.replicates)
        .map(|_| {
            let mut w = vec![0.0; n];
            for _ in 0..n {
                w[rng.below(n as u64) as usize] += 1.0;
            }
            w
        })
        .collect()
}

/// The percentile interval of any statistic of the resampled weights. `None` if fewer than
/// 90% of the replicates give a finite value (or no people).
pub fn interval_of(
    draws: &[Vec<f64>],
    opts: &Bootstrap,
    mut stat: impl FnMut(&[f64]) -> f64,
) -> Option<[f64; 2]> {
    let mut vals: Vec<f64> = draws
        .iter()
        .map(|w| stat(w))
        .filter(|v| v.is_finite())
        .collect();
    if vals.is_empty() || (vals.len() as f64) < 0.9 * draws.len() as f64 {
        return None;
    }
    vals.sort_by(f64::total_cmp);
    let a = (1.0 - opts.level) / 2.0;
    Some([percentile(&vals, a), percentile(&vals, 1.0 - a)])
}

fn metric(m: &Metrics, which: usize) -> f64 {
    match which {
        0 => m.pairwise,
        1 => m.spearman,
        2 => m.rmse,
        _ => m.mae,
    }
}

/// Intervals of every metric of these people.
pub fn intervals(people: &[PersonStats], opts: &Bootstrap) -> Intervals {
    let draws = weights(people.len(), opts);
    let combined: Vec<Metrics> = draws.iter().map(|w| combine(people, w)).collect();
    let ci = |which: usize| {
        let mut k = 0;
        interval_of(&draws, opts, |_| {
            k += 1;
            metric(&combined[k - 1], which)
        })
    };
    Intervals {
        pairwise: ci(0),
        spearman: ci(1),
        rmse: ci(2),
        mae: ci(3),
        people: people.len(),
        replicates: opts.replicates,
        level: opts.level,
    }
}

/// A paired difference `a - b` of one metric on the same people.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Difference {
    pub metric: String,
    pub a: f64,
    pub b: f64,
    pub difference: f64,
    pub interval: Option<[f64; 2]>,
}

pub const METRIC_NAMES: [&str; 4] = ["pairwise", "spearman", "rmse", "mae"];

/// Paired bootstrap of `a - b` for every metric: `a[k]` and `b[k]` are the same participant.
pub fn paired(a: &[PersonStats], b: &[PersonStats], opts: &Bootstrap) -> Vec<Difference> {
    assert_eq!(a.len(), b.len(), "paired: the same people on both sides");
    let ones = vec![1.0; a.len()];
    let (ma, mb) = (combine(a, &ones), combine(b, &ones));
    let draws = weights(a.len(), opts);
    let both: Vec<(Metrics, Metrics)> = draws
        .iter()
        .map(|w| (combine(a, w), combine(b, w)))
        .collect();
    METRIC_NAMES
        .iter()
        .enumerate()
        .map(|(which, name)| {
            let mut k = 0;
            let interval = interval_of(&draws, opts, |_| {
                k += 1;
                let (x, y) = &both[k - 1];
                metric(x, which) - metric(y, which)
            });
            Difference {
                metric: name.to_string(),
                a: metric(&ma, which),
                b: metric(&mb, which),
                difference: metric(&ma, which) - metric(&mb, which),
                interval,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_interpolate_between_order_statistics() {
        let v = [1.0, 2.0, 3.0, 4.0, 5.0];
        assert_eq!(percentile(&v, 0.0), 1.0);
        assert_eq!(percentile(&v, 1.0), 5.0);
        assert_eq!(percentile(&v, 0.5), 3.0);
        assert!((percentile(&v, 0.1) - 1.4).abs() < 1e-12);
    }

    #[test]
    fn every_resample_draws_as_many_people_as_the_split_has() {
        let opts = Bootstrap {
            replicates: 50,
            ..Default::default()
        };
        let d = weights(7, &opts);
        assert_eq!(d.len(), 50);
        assert!(d
            .iter()
            .all(|w| w.len() == 7 && w.iter().sum::<f64>() == 7.0));
        assert_eq!(
            d,
            weights(7, &opts),
            "the same draws for the same split size"
        );
        assert!(d.iter().any(|w| w.contains(&0.0)), "with replacement");
    }

    /// A simulation where the true value is known: people's values are drawn from a skewed
    /// distribution with mean 1 (exponential); the bootstrap interval of the mean of 40 people
    /// should cover 1 in about 95% of 200 replicated studies. (The percentile bootstrap is a
    /// little narrow for small samples; 200 replicates give a standard error of 1.5 points.)
    #[test]
    fn bootstrap_intervals_cover_a_known_mean_near_95_percent() {
        let opts = Bootstrap {
            replicates: 400,
            ..Default::default()
        };
        let mut rng = Rng::new(99);
        let studies = 200;
        let mut covered = 0;
        for study in 0..studies {
            let values: Vec<f64> = (0..40).map(|_| -(1.0 - rng.uniform()).ln()).collect();
            let o = Bootstrap {
                seed: opts.seed + study,
                ..opts
            };
            let draws = weights(values.len(), &o);
            let ci = interval_of(&draws, &o, |w| {
                values.iter().zip(w).map(|(v, w)| v * w).sum::<f64>() / w.iter().sum::<f64>()
            })
            .unwrap();
            if ci[0] <= 1.0 && 1.0 <= ci[1] {
                covered += 1;
            }
        }
        let rate = covered as f64 / studies as f64;
        assert!((0.89..=0.985).contains(&rate), "coverage {rate}");
    }

    /// The same for the pooled pairwise accuracy the evaluation reports: each person has a true
    /// accuracy drawn around 0.8 and 45 pairs; the population value is 0.8.
    #[test]
    fn pairwise_intervals_over_people_cover_the_population_accuracy() {
        let opts = Bootstrap {
            replicates: 400,
            ..Default::default()
        };
        let mut rng = Rng::new(7);
        let studies = 200;
        let mut covered = 0;
        for study in 0..studies {
            let people: Vec<PersonStats> = (0..30)
                .map(|_| {
                    let q = 0.8 + 0.1 * (rng.uniform() - 0.5) * 2.0;
                    let good = (0..45).filter(|_| rng.uniform() < q).count();
                    PersonStats {
                        good: good as f64,
                        pairs: 45,
                        n: 10,
                        ..Default::default()
                    }
                })
                .collect();
            let ci = intervals(
                &people,
                &Bootstrap {
                    seed: opts.seed + study,
                    ..opts
                },
            );
            let [lo, hi] = ci.pairwise.unwrap();
            if lo <= 0.8 && 0.8 <= hi {
                covered += 1;
            }
            assert_eq!(ci.people, 30);
        }
        let rate = covered as f64 / studies as f64;
        assert!((0.89..=0.985).contains(&rate), "coverage {rate}");
    }

    #[test]
    fn a_paired_difference_of_a_predictor_with_itself_is_exactly_zero() {
        let people: Vec<PersonStats> = (0..12)
            .map(|k| PersonStats::of(&[&[(k as f64, 1.0), (1.0, 2.0), (2.0, 3.5)]]))
            .collect();
        let d = paired(&people, &people, &Bootstrap::default());
        for x in &d {
            assert_eq!(x.difference, 0.0);
            if let Some(ci) = x.interval {
                assert_eq!(ci, [0.0, 0.0], "{}", x.metric);
            }
        }
    }

    #[test]
    fn a_consistently_better_predictor_has_a_positive_paired_interval() {
        // b orders every person's two ratings wrong, a right: the difference is +1 for everyone.
        let a: Vec<PersonStats> = (0..10)
            .map(|_| PersonStats::of(&[&[(1.0, 1.0), (2.0, 2.0)]]))
            .collect();
        let b: Vec<PersonStats> = (0..10)
            .map(|_| PersonStats::of(&[&[(2.0, 1.0), (1.0, 2.0)]]))
            .collect();
        let d = paired(&a, &b, &Bootstrap::default());
        let pw = d.iter().find(|x| x.metric == "pairwise").unwrap();
        assert_eq!(pw.difference, 1.0);
        assert_eq!(pw.interval, Some([1.0, 1.0]));
    }
}
