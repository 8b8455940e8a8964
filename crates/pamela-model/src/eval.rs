//! Evaluation per split of the exported model (run through tract, the artifact the browser
//! runs), the baselines, the oracle (synthetic data), and the few-shot curve.
//!
//! Baselines, all fitted on `pamela_train`:
//! * global mean: one number for everyone and everything (orders nothing: pairwise 0.5);
//! * image metadata mean: the mean of the image's (visual group, style) cell;
//! * demographic cohort mean: the mean of the rater's (age bin, gender) cohort on that cell,
//!   when the cohort has at least 10 ratings there, else the metadata mean;
//! * oracle: the generator's noise-free scores (synthetic data only) — the ceiling.

use crate::bootstrap::{intervals, Bootstrap};
use crate::meta::{EvalRow, FewShotPoint};
use crate::metrics::{evaluate, Metrics, PersonStats};
use crate::model::Personal;
use crate::onnx::{ItemBatch, ModelError, Predictor};
use crate::spec::{FeatureSpec, Sparse};
use pamela_core::profile::{ImageInfo, Profile};
use pamela_core::rng::Rng;
use pamela_core::{Dataset, Split};
use std::collections::HashMap;

/// Noise-free scores by (participant id, image id).
pub type Truth = HashMap<(String, u64), f64>;

pub const EVAL_SPLITS: [Split; 4] = [
    Split::ValSeen,
    Split::ValUnseen,
    Split::TestSeen,
    Split::TestUnseen,
];
pub const FEW_SHOT_KS: [usize; 4] = [0, 5, 10, 20];

/// The runs of one split: (participant index, rating indices).
fn runs(ds: &Dataset, s: Split) -> Vec<(usize, Vec<usize>)> {
    let mut out: Vec<(usize, Vec<usize>)> = Vec::new();
    for r in ds.split_range(s) {
        let p = ds.ratings.participant[r] as usize;
        match out.last_mut() {
            Some((q, v)) if *q == p => v.push(r),
            _ => out.push((p, vec![r])),
        }
    }
    out
}

/// Runs the model for one participant over some of their ratings: (scores, embeddings).
fn run_for(
    pred: &Predictor,
    items: &[Sparse],
    user: &Sparse,
    rs: &[usize],
    ds: &Dataset,
    personal: &Personal,
) -> Result<(Vec<f32>, Vec<f32>), ModelError> {
    let spec = &pred.meta.spec;
    let batch = ItemBatch::new(
        rs.iter().map(|&r| &items[ds.ratings.image[r] as usize]),
        spec.item_dim(),
    );
    let u = FeatureSpec::dense(user, spec.user_dim());
    pred.run(&batch, &u, personal)
}

struct Baselines {
    global: f64,
    meta: HashMap<(u16, u16), (f64, u64)>,
    cohort: HashMap<(u16, u16, u16, u16), (f64, u64)>,
}

impl Baselines {
    fn fit(ds: &Dataset) -> Baselines {
        let mut sum = 0.0;
        let mut n = 0u64;
        let mut meta: HashMap<(u16, u16), (f64, u64)> = HashMap::new();
        let mut cohort: HashMap<(u16, u16, u16, u16), (f64, u64)> = HashMap::new();
        for r in ds.split_range(Split::Train) {
            let y = ds.ratings.score[r] as f64 / 1000.0;
            let (i, p) = (
                ds.ratings.image[r] as usize,
                ds.ratings.participant[r] as usize,
            );
            let cell = (ds.image_group()[i], ds.images.style[i]);
            let who = (ds.participants.age_bin[p], ds.participants.gender[p]);
            sum += y;
            n += 1;
            let e = meta.entry(cell).or_default();
            e.0 += y;
            e.1 += 1;
            let c = cohort.entry((who.0, who.1, cell.0, cell.1)).or_default();
            c.0 += y;
            c.1 += 1;
        }
        Baselines {
            global: sum / n.max(1) as f64,
            meta,
            cohort,
        }
    }

    fn meta_mean(&self, ds: &Dataset, i: usize) -> f64 {
        match self.meta.get(&(ds.image_group()[i], ds.images.style[i])) {
            Some(&(s, n)) if n > 0 => s / n as f64,
            _ => self.global,
        }
    }

    fn cohort_mean(&self, ds: &Dataset, p: usize, i: usize) -> f64 {
        let key = (
            ds.participants.age_bin[p],
            ds.participants.gender[p],
            ds.image_group()[i],
            ds.images.style[i],
        );
        match self.cohort.get(&key) {
            Some(&(s, n)) if n >= 10 => s / n as f64,
            _ => self.meta_mean(ds, i),
        }
    }
}

pub struct EvalOptions {
    pub repeats: usize,
    pub seed: u64,
    /// Intervals: a bootstrap over each split's participants.
    pub bootstrap: Bootstrap,
}

impl Default for EvalOptions {
    fn default() -> EvalOptions {
        EvalOptions {
            repeats: 50,
            seed: 11,
            bootstrap: Bootstrap::default(),
        }
    }
}

/// The model's prediction of every rating of the data, in rating order (f32, as tract gives
/// it): with the fitted personal part for participants seen in training, with none (k = 0)
/// for everyone else.
pub fn predict_ratings(
    ds: &Dataset,
    pred: &Predictor,
    seen: &HashMap<String, Personal>,
) -> Result<Vec<f32>, ModelError> {
    let spec = &pred.meta.spec;
    let items: Vec<Sparse> = (0..ds.images.len())
        .map(|i| spec.item(&ImageInfo::of(ds, i)))
        .collect();
    let zero = Personal::zero(pred.meta.personal_rank);
    let mut out = vec![f32::NAN; ds.ratings.len()];
    for s in Split::ALL {
        for (p, list) in runs(ds, s) {
            let user = spec.user(&Profile::of(ds, p));
            let personal = seen.get(&ds.participants.id[p]).unwrap_or(&zero);
            let (scores, _) = run_for(pred, &items, &user, &list, ds, personal)?;
            for (&r, &sc) in list.iter().zip(&scores) {
                out[r] = sc;
            }
        }
    }
    Ok(out)
}

/// One split's per-participant statistics of every predictor (same people, same order), for
/// intervals and paired comparisons.
pub struct SplitStats {
    pub split: Split,
    /// Participant indices, in the order of every `stats` vector.
    pub people: Vec<usize>,
    /// (predictor name, one entry per participant).
    pub stats: Vec<(String, Vec<PersonStats>)>,
}

impl SplitStats {
    pub fn of(&self, predictor: &str) -> Option<&[PersonStats]> {
        self.stats
            .iter()
            .find(|(n, _)| n == predictor)
            .map(|(_, v)| v.as_slice())
    }
}

/// The per-split table (model, baselines, oracle) from predictions of every rating of the
/// evaluation splits (`predicted[r]` for rating `r`; other splits are not read), with intervals.
pub fn evaluate_predictions(
    ds: &Dataset,
    predicted: &[f64],
    truth: Option<&Truth>,
    opts: &EvalOptions,
) -> (Vec<EvalRow>, Vec<SplitStats>) {
    let base = Baselines::fit(ds);
    let obs = |r: usize| ds.ratings.score[r] as f64 / 1000.0;
    let truth_of = |r: usize| truth_score(ds, truth, r);
    let mut rows = Vec::new();
    let mut all = Vec::new();
    for s in EVAL_SPLITS {
        let rs = runs(ds, s);
        if rs.is_empty() {
            continue;
        }
        let mut model = Vec::new();
        let (mut global, mut meta, mut cohort, mut oracle) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for (p, list) in &rs {
            model.push(
                list.iter()
                    .map(|&r| (predicted[r], obs(r)))
                    .collect::<Vec<_>>(),
            );
            global.push(
                list.iter()
                    .map(|&r| (base.global, obs(r)))
                    .collect::<Vec<_>>(),
            );
            meta.push(
                list.iter()
                    .map(|&r| (base.meta_mean(ds, ds.ratings.image[r] as usize), obs(r)))
                    .collect::<Vec<_>>(),
            );
            cohort.push(
                list.iter()
                    .map(|&r| {
                        (
                            base.cohort_mean(ds, *p, ds.ratings.image[r] as usize),
                            obs(r),
                        )
                    })
                    .collect::<Vec<_>>(),
            );
            if truth.is_some() {
                oracle.push(
                    list.iter()
                        .filter_map(|&r| truth_of(r).map(|t| (t, obs(r))))
                        .collect::<Vec<_>>(),
                );
            }
        }
        let stem = s.file_stem().to_string();
        let mut split_stats = SplitStats {
            split: s,
            people: rs.iter().map(|(p, _)| *p).collect(),
            stats: Vec::new(),
        };
        for (name, groups) in [
            ("model", &model),
            ("global mean", &global),
            ("image metadata mean", &meta),
            ("demographic cohort mean", &cohort),
            ("oracle", &oracle),
        ] {
            if !groups.is_empty() {
                let people: Vec<PersonStats> =
                    groups.iter().map(|g| PersonStats::of(&[g])).collect();
                rows.push(EvalRow {
                    predictor: name.into(),
                    split: stem.clone(),
                    metrics: evaluate(groups),
                    ci: Some(intervals(&people, &opts.bootstrap)),
                });
                split_stats.stats.push((name.to_string(), people));
            }
        }
        all.push(split_stats);
    }
    (rows, all)
}

fn truth_score(ds: &Dataset, truth: Option<&Truth>, r: usize) -> Option<f64> {
    let t = truth?;
    let key = (
        ds.participants.id[ds.ratings.participant[r] as usize].clone(),
        ds.images.id[ds.ratings.image[r] as usize],
    );
    t.get(&key).copied()
}

/// Everything `pamela eval` reports.
pub fn evaluate_model(
    ds: &Dataset,
    pred: &Predictor,
    seen: &HashMap<String, Personal>,
    truth: Option<&Truth>,
    opts: &EvalOptions,
) -> Result<(Vec<EvalRow>, Vec<FewShotPoint>), ModelError> {
    let predicted: Vec<f64> = predict_ratings(ds, pred, seen)?
        .into_iter()
        .map(f64::from)
        .collect();
    let (rows, _) = evaluate_predictions(ds, &predicted, truth, opts);
    Ok((rows, few_shot(ds, pred, truth, opts)?))
}

/// The few-shot curve of the unseen splits, with intervals over their participants.
pub fn few_shot(
    ds: &Dataset,
    pred: &Predictor,
    truth: Option<&Truth>,
    opts: &EvalOptions,
) -> Result<Vec<FewShotPoint>, ModelError> {
    let spec = &pred.meta.spec;
    let items: Vec<Sparse> = (0..ds.images.len())
        .map(|i| spec.item(&ImageInfo::of(ds, i)))
        .collect();
    let users: Vec<Sparse> = (0..ds.participants.len())
        .map(|p| spec.user(&Profile::of(ds, p)))
        .collect();
    let zero = Personal::zero(pred.meta.personal_rank);
    let obs = |r: usize| ds.ratings.score[r] as f64 / 1000.0;
    let truth_of = |r: usize| truth_score(ds, truth, r);
    // Few-shot: each unseen participant's ratings are split at random (repeatedly) into a held-out
    // third for evaluation and a pool; the personal part is fitted on the first k of the pool
    // (k = 0, 5, 10, 20) and on the whole pool ("all": as much as a seen participant has), and
    // every k is scored on the same held-out ratings. A second curve ("k chosen") fits on the k
    // images of the pool that the page's own choice (`model::informative`, which looks at the
    // images' embeddings only, never at the ratings) would have asked for first: what a visitor
    // who rates the suggested images gives the model, within the images this person rated.
    let prior = pred.meta.prior();
    let chosen_ks: Vec<usize> = FEW_SHOT_KS.iter().copied().filter(|&k| k > 0).collect();
    let mut few = Vec::new();
    for s in [Split::ValUnseen, Split::TestUnseen] {
        let rs = runs(ds, s);
        let kmax = *FEW_SHOT_KS.iter().max().unwrap_or(&0);
        let mut rng = Rng::new(opts.seed ^ s.index() as u64);
        let mut by_k: Vec<Vec<Vec<(f64, f64)>>> = vec![Vec::new(); FEW_SHOT_KS.len() + 1];
        let mut by_chosen: Vec<Vec<Vec<(f64, f64)>>> = vec![Vec::new(); chosen_ks.len()];
        let mut pool_sizes = Vec::new();
        let mut oracle_groups: Vec<Vec<(f64, f64)>> = Vec::new();
        // Which participant (index into `people`) each group belongs to.
        let mut group_person: Vec<usize> = Vec::new();
        let mut people = 0usize;
        for (p, list) in &rs {
            let held_n = list.len() / 3;
            if list.len() - held_n < kmax + 1 || held_n < 10 {
                continue; // too few ratings to hold some out
            }
            // Base scores and embeddings of all their ratings, once.
            let (base_scores, emb) = run_for(pred, &items, &users[*p], list, ds, &zero)?;
            let r = pred.meta.personal_rank;
            people += 1;
            for _ in 0..opts.repeats {
                group_person.push(people - 1);
                let mut order: Vec<usize> = (0..list.len()).collect();
                rng.shuffle(&mut order);
                let (held, pool) = order.split_at(held_n);
                pool_sizes.push(pool.len());
                let held_rs: Vec<usize> = held.iter().map(|&j| list[j]).collect();
                let sizes = FEW_SHOT_KS
                    .iter()
                    .copied()
                    .chain(std::iter::once(pool.len()));
                // Fits the personal part on `fit` (indices into `list`) and scores the held-out.
                let score_held = |fit: &[usize]| -> Result<Vec<(f64, f64)>, ModelError> {
                    let fit_obs: Vec<(f32, Vec<f32>, f32)> = fit
                        .iter()
                        .map(|&j| {
                            (
                                base_scores[j],
                                emb[j * r..(j + 1) * r].to_vec(),
                                obs(list[j]) as f32,
                            )
                        })
                        .collect();
                    let personal = prior.fit(&fit_obs);
                    let (scores, _) = run_for(pred, &items, &users[*p], &held_rs, ds, &personal)?;
                    Ok(held_rs
                        .iter()
                        .zip(&scores)
                        .map(|(&rr, &sc)| (sc as f64, obs(rr)))
                        .collect())
                };
                for (ki, k) in sizes.enumerate() {
                    by_k[ki].push(score_held(&pool[..k])?);
                }
                // The greedy choice is nested: its first k are the choice of k.
                let pool_emb: Vec<f32> = pool
                    .iter()
                    .flat_map(|&j| emb[j * r..(j + 1) * r].iter().copied())
                    .collect();
                let picked: Vec<usize> = crate::model::informative(&pool_emb, r, &prior, kmax, &[])
                    .into_iter()
                    .map(|i| pool[i])
                    .collect();
                for (ci, &k) in chosen_ks.iter().enumerate() {
                    by_chosen[ci].push(score_held(&picked[..k.min(picked.len())])?);
                }
                if truth.is_some() {
                    oracle_groups.push(
                        held_rs
                            .iter()
                            .filter_map(|&rr| truth_of(rr).map(|t| (t, obs(rr))))
                            .collect(),
                    );
                }
            }
        }
        if by_k[0].is_empty() {
            continue;
        }
        let oracle = (!oracle_groups.is_empty()).then(|| evaluate(&oracle_groups));
        let per_person = |groups: &[Vec<(f64, f64)>]| -> Vec<PersonStats> {
            let mut v = vec![PersonStats::default(); people];
            for (g, &who) in groups.iter().zip(&group_person) {
                v[who].add_group(g);
            }
            v
        };
        let oracle_ci = (!oracle_groups.is_empty())
            .then(|| intervals(&per_person(&oracle_groups), &opts.bootstrap));
        let mean_pool = pool_sizes.iter().sum::<usize>() / pool_sizes.len().max(1);
        let random = by_k
            .iter()
            .enumerate()
            .map(|(ki, groups)| match FEW_SHOT_KS.get(ki) {
                Some(&k) => (k, k.to_string(), false, groups),
                None => (mean_pool, format!("all (~{mean_pool})"), false, groups),
            });
        let chosen = (by_chosen.iter().zip(&chosen_ks))
            .map(|(groups, &k)| (k, format!("{k} chosen"), true, groups));
        for (k, label, chosen, groups) in random.chain(chosen) {
            few.push(FewShotPoint {
                k,
                label,
                chosen,
                split: s.file_stem().to_string(),
                metrics: evaluate(groups),
                oracle,
                ci: Some(intervals(&per_person(groups), &opts.bootstrap)),
                oracle_ci,
            });
        }
    }
    Ok(few)
}

/// Finds a row of an evaluation table.
pub fn row<'a>(rows: &'a [EvalRow], predictor: &str, split: Split) -> Option<&'a Metrics> {
    rows.iter()
        .find(|r| r.predictor == predictor && r.split == split.file_stem())
        .map(|r| &r.metrics)
}
