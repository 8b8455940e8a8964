//! The evaluation metrics, one implementation for every caller.
//!
//! * pairwise accuracy: over every pair of images rated by the same participant with different
//!   observed scores, the share the prediction orders the same way (a tie in the prediction
//!   counts one half), pooled over all such pairs;
//! * Spearman: rank correlation of prediction and observation within each participant (ties
//!   get average ranks), averaged over participants with at least 3 ratings and some spread;
//! * RMSE and MAE over all ratings.

use serde::{Deserialize, Serialize};

/// JSON has no NaN: an undefined metric (Spearman of constant predictions) is written as
/// `null` and read back as NaN.
mod nan_as_null {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(x: &f64, s: S) -> Result<S::Ok, S::Error> {
        if x.is_finite() {
            s.serialize_f64(*x)
        } else {
            s.serialize_none()
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        Ok(Option::<f64>::deserialize(d)?.unwrap_or(f64::NAN))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    #[serde(with = "nan_as_null")]
    pub pairwise: f64,
    #[serde(with = "nan_as_null")]
    pub spearman: f64,
    #[serde(with = "nan_as_null")]
    pub rmse: f64,
    #[serde(with = "nan_as_null")]
    pub mae: f64,
    pub ratings: usize,
    pub pairs: u64,
    pub participants: usize,
}

/// Correctly ordered pairs (ties in prediction count 0.5) and the number of pairs with
/// different observations, within one participant's (prediction, observation) list.
pub fn pairwise(group: &[(f64, f64)]) -> (f64, u64) {
    let mut good = 0.0;
    let mut pairs = 0u64;
    for a in 0..group.len() {
        for b in a + 1..group.len() {
            let (pa, oa) = group[a];
            let (pb, ob) = group[b];
            if oa == ob {
                continue;
            }
            pairs += 1;
            let d = (pa - pb) * (oa - ob);
            if d > 0.0 {
                good += 1.0;
            } else if d == 0.0 {
                good += 0.5;
            }
        }
    }
    (good, pairs)
}

/// Average ranks (1-based), ties sharing the mean of their positions.
pub fn ranks(xs: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..xs.len()).collect();
    order.sort_by(|&a, &b| xs[a].total_cmp(&xs[b]));
    let mut out = vec![0.0; xs.len()];
    let mut k = 0;
    while k < order.len() {
        let mut e = k;
        while e + 1 < order.len() && xs[order[e + 1]] == xs[order[k]] {
            e += 1;
        }
        let rank = (k + e) as f64 / 2.0 + 1.0;
        for &i in &order[k..=e] {
            out[i] = rank;
        }
        k = e + 1;
    }
    out
}

fn pearson(a: &[f64], b: &[f64]) -> Option<f64> {
    let n = a.len() as f64;
    let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
    let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for (x, y) in a.iter().zip(b) {
        sab += (x - ma) * (y - mb);
        saa += (x - ma) * (x - ma);
        sbb += (y - mb) * (y - mb);
    }
    (saa > 0.0 && sbb > 0.0).then(|| sab / (saa * sbb).sqrt())
}

/// Spearman rank correlation of one participant's predictions and observations.
pub fn spearman(group: &[(f64, f64)]) -> Option<f64> {
    if group.len() < 3 {
        return None;
    }
    let p: Vec<f64> = group.iter().map(|g| g.0).collect();
    let o: Vec<f64> = group.iter().map(|g| g.1).collect();
    pearson(&ranks(&p), &ranks(&o))
}

/// All metrics over per-participant groups of (prediction, observation).
pub fn evaluate(groups: &[Vec<(f64, f64)>]) -> Metrics {
    let (mut good, mut pairs) = (0.0, 0u64);
    let (mut sq, mut abs, mut n) = (0.0, 0.0, 0usize);
    let (mut rho, mut rho_n) = (0.0, 0usize);
    for g in groups {
        let (gd, pr) = pairwise(g);
        good += gd;
        pairs += pr;
        for &(p, o) in g {
            sq += (p - o) * (p - o);
            abs += (p - o).abs();
            n += 1;
        }
        if let Some(r) = spearman(g) {
            rho += r;
            rho_n += 1;
        }
    }
    let nf = n.max(1) as f64;
    Metrics {
        pairwise: if pairs > 0 {
            good / pairs as f64
        } else {
            f64::NAN
        },
        spearman: if rho_n > 0 {
            rho / rho_n as f64
        } else {
            f64::NAN
        },
        rmse: (sq / nf).sqrt(),
        mae: abs / nf,
        ratings: n,
        pairs,
        participants: groups.iter().filter(|g| !g.is_empty()).count(),
    }
}

/// One participant's contribution to every metric, so that a bootstrap over participants can
/// recompute the metrics of any resample by weighted sums (no pass over the ratings).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct PersonStats {
    /// Correctly ordered pairs (ties count a half) and pairs with different observations.
    pub good: f64,
    pub pairs: u64,
    /// Sum and number of defined Spearman correlations (one per group).
    pub rho_sum: f64,
    pub rho_n: usize,
    /// Sums of squared and absolute errors, and the ratings.
    pub sq: f64,
    pub abs: f64,
    pub n: usize,
}

impl PersonStats {
    /// Adds one group of (prediction, observation) of this participant (the few-shot curve
    /// holds several per participant, one per random split).
    pub fn add_group(&mut self, g: &[(f64, f64)]) {
        let (gd, pr) = pairwise(g);
        self.good += gd;
        self.pairs += pr;
        for &(p, o) in g {
            self.sq += (p - o) * (p - o);
            self.abs += (p - o).abs();
            self.n += 1;
        }
        if let Some(r) = spearman(g) {
            self.rho_sum += r;
            self.rho_n += 1;
        }
    }

    pub fn of(groups: &[&[(f64, f64)]]) -> PersonStats {
        let mut s = PersonStats::default();
        for g in groups {
            s.add_group(g);
        }
        s
    }
}

/// The metrics of participants taken with weights (a bootstrap resample: how often each was
/// drawn). With all weights 1 this is [`evaluate`] of their groups, up to rounding.
pub fn combine(people: &[PersonStats], weights: &[f64]) -> Metrics {
    let (mut good, mut pairs, mut rho, mut rho_n, mut sq, mut abs, mut n) =
        (0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
    let mut participants = 0usize;
    for (s, &w) in people.iter().zip(weights) {
        if w == 0.0 {
            continue;
        }
        good += w * s.good;
        pairs += w * s.pairs as f64;
        rho += w * s.rho_sum;
        rho_n += w * s.rho_n as f64;
        sq += w * s.sq;
        abs += w * s.abs;
        n += w * s.n as f64;
        if s.n > 0 {
            participants += w as usize;
        }
    }
    let div = |a: f64, b: f64| if b > 0.0 { a / b } else { f64::NAN };
    Metrics {
        pairwise: div(good, pairs),
        spearman: div(rho, rho_n),
        rmse: div(sq, n).sqrt(),
        mae: div(abs, n),
        ratings: n as usize,
        pairs: pairs as u64,
        participants,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairwise_counts_hand_made_cases() {
        // Observed 1 < 2 < 3; predictions order (a, c) right, (a, b) tied, (b, c) wrong.
        let g = [(1.0, 1.0), (1.0, 2.0), (0.5, 3.0)];
        // pairs: (a,b): pred tie -> 0.5; (a,c): 1.0 vs 0.5 opposite -> 0; (b,c): 1.0 vs 0.5 opposite -> 0
        assert_eq!(pairwise(&g), (0.5, 3));
        // Equal observations are not pairs.
        assert_eq!(pairwise(&[(1.0, 2.0), (3.0, 2.0)]), (0.0, 0));
        assert_eq!(pairwise(&[(1.0, 1.0), (2.0, 2.0), (3.0, 3.0)]), (3.0, 3));
    }

    #[test]
    fn ranks_average_ties() {
        assert_eq!(ranks(&[10.0, 20.0, 20.0, 5.0]), vec![2.0, 3.5, 3.5, 1.0]);
    }

    #[test]
    fn spearman_of_monotone_and_reversed_orders() {
        let up: Vec<(f64, f64)> = (0..5).map(|k| ((k * k) as f64, k as f64)).collect();
        assert!((spearman(&up).unwrap() - 1.0).abs() < 1e-12);
        let down: Vec<(f64, f64)> = (0..5).map(|k| (-(k as f64), k as f64)).collect();
        assert!((spearman(&down).unwrap() + 1.0).abs() < 1e-12);
        assert_eq!(spearman(&[(1.0, 1.0), (2.0, 2.0)]), None);
        assert_eq!(
            spearman(&[(1.0, 1.0), (1.0, 2.0), (1.0, 3.0)]),
            None,
            "no spread in predictions"
        );
        // A hand-computed case with a tie: ranks p = (1, 2.5, 2.5), o = (1, 2, 3): r = 0.866...
        let r = spearman(&[(0.0, 1.0), (1.0, 2.0), (1.0, 3.0)]).unwrap();
        assert!((r - 0.866_025_403_8).abs() < 1e-9, "{r}");
    }

    #[test]
    fn undefined_metrics_survive_json() {
        let m = evaluate(&[vec![(1.0, 2.0), (1.0, 3.0), (1.0, 4.0)]]);
        assert!(m.spearman.is_nan());
        let back: Metrics = serde_json::from_str(&serde_json::to_string(&m).unwrap()).unwrap();
        assert!(back.spearman.is_nan());
        assert_eq!(back.pairwise, m.pairwise);
    }

    #[test]
    fn errors_and_pooled_accuracy() {
        let m = evaluate(&[vec![(1.0, 2.0), (3.0, 3.0)], vec![(2.0, 2.0), (2.0, 4.0)]]);
        assert_eq!(m.ratings, 4);
        assert_eq!(m.pairs, 2);
        assert!((m.pairwise - 0.75).abs() < 1e-12); // 1 right + 1 tie
        assert!((m.mae - 0.75).abs() < 1e-12);
        assert!((m.rmse - (5.0f64 / 4.0).sqrt()).abs() < 1e-12);
        assert_eq!(m.participants, 2);
    }

    #[test]
    fn combining_people_with_unit_weights_equals_evaluating_their_ratings() {
        let groups = vec![
            vec![(1.0, 2.0), (3.0, 3.0), (2.0, 4.5), (0.5, 1.0)],
            vec![(2.0, 2.0), (2.0, 4.0), (1.0, 1.5)],
            vec![(4.0, 3.0), (1.0, 2.0), (3.5, 5.0), (2.0, 1.0), (2.5, 2.5)],
        ];
        let direct = evaluate(&groups);
        let people: Vec<PersonStats> = groups.iter().map(|g| PersonStats::of(&[g])).collect();
        let c = combine(&people, &[1.0; 3]);
        assert_eq!(c.pairs, direct.pairs);
        assert_eq!(c.ratings, direct.ratings);
        assert_eq!(c.participants, direct.participants);
        for (a, b) in [
            (c.pairwise, direct.pairwise),
            (c.spearman, direct.spearman),
            (c.rmse, direct.rmse),
            (c.mae, direct.mae),
        ] {
            assert!((a - b).abs() < 1e-12, "{a} vs {b}");
        }
        // Drawing the first person twice counts their pairs twice.
        let twice = combine(&people, &[2.0, 1.0, 0.0]);
        assert_eq!(twice.pairs, 2 * people[0].pairs + people[1].pairs);
        assert_eq!(twice.participants, 3);
    }
}
