//! Training: full-batch Adam on squared error (or the Huber loss, which heavy-tailed rating noise
//! pulls less) with Gaussian (L2) priors, on `pamela_train`;
//! the epoch with the best validation pairwise accuracy (val_seen and val_unseen pooled) is
//! kept. Full batch makes a run depend on the seed alone (the initial weights): no shuffling, no
//! threads, the same bits on every run.

use crate::metrics::{evaluate, Metrics};
use crate::model::{Params, Personal};
use crate::spec::{FeatureSpec, Sparse, SpecConfig};
use pamela_core::profile::{ImageInfo, Profile};
use pamela_core::rng::Rng;
use pamela_core::{Dataset, Split};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainConfig {
    // (see `Default` for the values `pamela train` uses, chosen on the validation splits)
    pub seed: u64,
    pub rank: usize,
    pub personal_rank: usize,
    pub epochs: usize,
    pub learning_rate: f64,
    /// Prior precisions (sum-of-squares form): linear weights, embeddings, personal latent,
    /// personal bias.
    pub lambda_linear: f64,
    pub lambda_embedding: f64,
    /// Prior precision of the personal embedding C.
    pub lambda_personal_embedding: f64,
    pub lambda_z: f64,
    pub lambda_b: f64,
    /// Validate every this many epochs.
    pub validate_every: usize,
    /// The feature encoding's sizes (hash buckets, age knots, image columns).
    pub spec: SpecConfig,
    /// A per-person stretch of the profile's score (the use of the scale, apart from taste),
    /// and its prior precision.
    pub stretch: bool,
    pub lambda_s: f64,
    /// Prior precisions of the images' own columns: their linear weight and their rows of the
    /// embeddings.
    pub lambda_image: f64,
    pub lambda_image_embedding: f64,
    /// The Huber loss's threshold (in rating points); 0: squared error.
    pub huber: f64,
}

impl Default for TrainConfig {
    fn default() -> TrainConfig {
        TrainConfig {
            seed: 7,
            rank: 12,
            personal_rank: 2,
            epochs: 600,
            learning_rate: 0.03,
            lambda_linear: 40.0,
            lambda_embedding: 60.0,
            lambda_personal_embedding: 60.0,
            lambda_z: 5.0,
            lambda_b: 5.0,
            validate_every: 20,
            spec: SpecConfig::default(),
            stretch: true,
            lambda_s: 5.0,
            lambda_image: 10.0,
            lambda_image_embedding: 40.0,
            huber: 0.0,
        }
    }
}

/// What the training produced.
pub struct Trained {
    pub spec: FeatureSpec,
    pub params: Params,
    /// Personal parts of the participants seen in training, by participant id.
    pub personal: Vec<(String, Personal)>,
    pub best_epoch: usize,
    pub history: Vec<(usize, Metrics)>,
}

/// Encoded inputs of a dataset under a spec.
pub struct Encoded {
    pub items: Vec<Sparse>,
    pub users: Vec<Sparse>,
}

impl Encoded {
    pub fn new(ds: &Dataset, spec: &FeatureSpec) -> Encoded {
        Encoded {
            items: (0..ds.images.len())
                .map(|i| spec.item(&ImageInfo::of(ds, i)))
                .collect(),
            users: (0..ds.participants.len())
                .map(|p| spec.user(&Profile::of(ds, p)))
                .collect(),
        }
    }
}

struct Layout {
    di: usize,
    du: usize,
    r: usize,
    q: usize,
    np: usize,
    /// The first image column (the images' own columns run from here to `di`).
    i0: usize,
    /// 1 with a stretch, else 0.
    st: usize,
}

impl Layout {
    fn w(&self) -> usize {
        1
    }
    fn v(&self) -> usize {
        self.w() + self.di
    }
    fn a(&self) -> usize {
        self.v() + self.du
    }
    fn b(&self) -> usize {
        self.a() + self.du * self.r
    }
    fn c(&self) -> usize {
        self.b() + self.di * self.r
    }
    fn z(&self) -> usize {
        self.c() + self.di * self.q
    }
    fn pb(&self) -> usize {
        self.z() + self.np * self.q
    }
    fn ps(&self) -> usize {
        self.pb() + self.np
    }
    fn len(&self) -> usize {
        self.ps() + self.np * self.st
    }
}

fn to_params(x: &[f64], l: &Layout, cfg: &TrainConfig) -> Params {
    let f = |s: &[f64]| s.iter().map(|&v| v as f32).collect::<Vec<f32>>();
    Params {
        rank: l.r,
        personal_rank: l.q,
        stretch: l.st == 1,
        user_dim: l.du,
        item_dim: l.di,
        mu: x[0] as f32,
        w: f(&x[l.w()..l.v()]),
        v: f(&x[l.v()..l.a()]),
        a: f(&x[l.a()..l.b()]),
        b: f(&x[l.b()..l.c()]),
        c: f(&x[l.c()..l.z()]),
        lambda_z: cfg.lambda_z as f32,
        lambda_b: cfg.lambda_b as f32,
        prior_mean: Vec::new(),
        prior_precision: Vec::new(),
    }
}

/// Predictions for the ratings `range` of a dataset, grouped by participant, with personal
/// parts for seen participants (`slot`) and zero for others.
fn grouped(
    ds: &Dataset,
    enc: &Encoded,
    p: &Params,
    personal: &[Personal],
    slot: &[Option<usize>],
    splits: &[Split],
) -> Vec<Vec<(f64, f64)>> {
    let mut groups: Vec<Vec<(f64, f64)>> = Vec::new();
    for &s in splits {
        let range = ds.split_range(s);
        let mut last = u32::MAX;
        for r in range {
            let pi = ds.ratings.participant[r];
            if pi != last {
                groups.push(Vec::new());
                last = pi;
            }
            let zero = Personal::zero(p.personal_dim());
            let pers = slot[pi as usize].map_or(&zero, |k| &personal[k]);
            let pred = p.predict(
                &enc.users[pi as usize],
                &enc.items[ds.ratings.image[r] as usize],
                pers,
            );
            if let Some(g) = groups.last_mut() {
                g.push((pred as f64, ds.ratings.score[r] as f64 / 1000.0));
            }
        }
    }
    groups
}

/// Trains on `pamela_train`, keeping the epoch with the best validation pairwise accuracy.
/// `progress(epoch, validation)` is called after every epoch, with the validation figures at
/// every validation.
pub fn train(
    ds: &Dataset,
    cfg: &TrainConfig,
    progress: &mut dyn FnMut(usize, Option<&Metrics>),
) -> Result<Trained, String> {
    let spec = FeatureSpec::fit(ds, &cfg.spec);
    let enc = Encoded::new(ds, &spec);
    let train = ds.split_range(Split::Train);
    if train.is_empty() {
        return Err("the data has no pamela_train ratings to train on".into());
    }
    if cfg.personal_rank == 0 {
        return Err("the personal rank must be at least 1".into());
    }
    // Participants with training ratings get a personal slot.
    let mut slot: Vec<Option<usize>> = vec![None; ds.participants.len()];
    let mut ids = Vec::new();
    for r in train.clone() {
        let p = ds.ratings.participant[r] as usize;
        if slot[p].is_none() {
            slot[p] = Some(ids.len());
            ids.push(p);
        }
    }
    let l = Layout {
        di: spec.item_dim(),
        du: spec.user_dim(),
        r: cfg.rank,
        q: cfg.personal_rank,
        np: ids.len(),
        i0: spec.item_dim() - spec.images.len(),
        st: usize::from(cfg.stretch),
    };
    let mut rng = Rng::new(cfg.seed);
    let mut x = vec![0f64; l.len()];
    let n = train.len() as f64;
    x[0] = train
        .clone()
        .map(|r| ds.ratings.score[r] as f64 / 1000.0)
        .sum::<f64>()
        / n;
    for v in &mut x[l.a()..l.z()] {
        *v = 0.05 * rng.normal();
    }
    for v in &mut x[l.z()..l.pb()] {
        *v = 0.05 * rng.normal();
    }
    let (mut m1, mut m2) = (vec![0f64; l.len()], vec![0f64; l.len()]);
    let (beta1, beta2, eps): (f64, f64, f64) = (0.9, 0.999, 1e-8);
    let mut grad = vec![0f64; l.len()];
    let val_splits = [Split::ValSeen, Split::ValUnseen];
    let has_val = val_splits.iter().any(|s| !ds.split_range(*s).is_empty());
    let mut best: Option<(f64, usize, Vec<f64>)> = None;
    let mut history = Vec::new();
    let (r, q) = (l.r, l.q);
    // The model is bilinear in an image's and a person's encodings, so each epoch first maps
    // every image and every person of the training split through the weights once (the sparse
    // products), then visits the ratings with those dense vectors (r + q numbers each), and
    // finally sends each image's and person's summed gradient back through its sparse
    // encoding once. Per rating that costs O(r + q) instead of O((r + q) x the encoding's
    // non-zeros): about ten times faster on the default data, the same gradient up to the
    // order of its sums.
    let (ni, nu) = (ds.images.len(), ds.participants.len());
    let mut images: Vec<usize> = train
        .clone()
        .map(|k| ds.ratings.image[k] as usize)
        .collect();
    images.sort_unstable();
    images.dedup();
    let people: Vec<usize> = ids.clone();
    // Per image: its linear part, its taste embedding (r), its personal embedding (q); per
    // person: linear part and taste embedding. Then the gradients with respect to each.
    let (mut ig, mut ie, mut iq) = (vec![0f64; ni], vec![0f64; ni * r], vec![0f64; ni * q]);
    let (mut ug, mut ut) = (vec![0f64; nu], vec![0f64; nu * r]);
    let (mut dig, mut die, mut diq) = (vec![0f64; ni], vec![0f64; ni * r], vec![0f64; ni * q]);
    let (mut dug, mut dut) = (vec![0f64; nu], vec![0f64; nu * r]);
    for epoch in 1..=cfg.epochs {
        grad.iter_mut().for_each(|g| *g = 0.0);
        for &i in &images {
            let (e, f) = (&mut ie[i * r..(i + 1) * r], &mut iq[i * q..(i + 1) * q]);
            e.iter_mut().for_each(|v| *v = 0.0);
            f.iter_mut().for_each(|v| *v = 0.0);
            let mut g = 0.0;
            for &(j, v) in &enc.items[i] {
                let (j, v) = (j as usize, v as f64);
                g += x[l.w() + j] * v;
                for d in 0..r {
                    e[d] += x[l.b() + j * r + d] * v;
                }
                for d in 0..q {
                    f[d] += x[l.c() + j * q + d] * v;
                }
            }
            ig[i] = g;
            dig[i] = 0.0;
            die[i * r..(i + 1) * r].iter_mut().for_each(|v| *v = 0.0);
            diq[i * q..(i + 1) * q].iter_mut().for_each(|v| *v = 0.0);
        }
        for &u in &people {
            let t = &mut ut[u * r..(u + 1) * r];
            t.iter_mut().for_each(|v| *v = 0.0);
            let mut g = 0.0;
            for &(j, v) in &enc.users[u] {
                let (j, v) = (j as usize, v as f64);
                g += x[l.v() + j] * v;
                for d in 0..r {
                    t[d] += x[l.a() + j * r + d] * v;
                }
            }
            ug[u] = g;
            dug[u] = 0.0;
            dut[u * r..(u + 1) * r].iter_mut().for_each(|v| *v = 0.0);
        }
        for k in train.clone() {
            let p = ds.ratings.participant[k] as usize;
            let i = ds.ratings.image[k] as usize;
            let s = slot[p].expect("train participants have slots");
            let (e, f, t) = (
                &ie[i * r..(i + 1) * r],
                &iq[i * q..(i + 1) * q],
                &ut[p * r..(p + 1) * r],
            );
            // g: what the profile predicts around mu; the stretch scales it.
            let mut g = ig[i] + ug[p];
            for d in 0..r {
                g += t[d] * e[d];
            }
            let z0 = l.z() + s * q;
            let stretch = if l.st == 1 { x[l.ps() + s] } else { 0.0 };
            let mut pred = x[0] + x[l.pb() + s] + (1.0 + stretch) * g;
            for d in 0..q {
                pred += x[z0 + d] * f[d];
            }
            let resid = pred - ds.ratings.score[k] as f64 / 1000.0;
            // d loss / d pred: squared error, or Huber (linear beyond the threshold).
            let dl = if cfg.huber > 0.0 {
                2.0 * resid.clamp(-cfg.huber, cfg.huber)
            } else {
                2.0 * resid
            } / n;
            grad[0] += dl;
            grad[l.pb() + s] += dl;
            if l.st == 1 {
                grad[l.ps() + s] += dl * g;
            }
            let dg = dl * (1.0 + stretch);
            dig[i] += dg;
            dug[p] += dg;
            for d in 0..r {
                die[i * r + d] += dg * t[d];
                dut[p * r + d] += dg * e[d];
            }
            for d in 0..q {
                diq[i * q + d] += dl * x[z0 + d];
                grad[z0 + d] += dl * f[d];
            }
        }
        // Back through the sparse encodings, once per image and person.
        for &i in &images {
            for &(j, v) in &enc.items[i] {
                let (j, v) = (j as usize, v as f64);
                grad[l.w() + j] += dig[i] * v;
                for d in 0..r {
                    grad[l.b() + j * r + d] += die[i * r + d] * v;
                }
                for d in 0..q {
                    grad[l.c() + j * q + d] += diq[i * q + d] * v;
                }
            }
        }
        for &u in &people {
            for &(j, v) in &enc.users[u] {
                let (j, v) = (j as usize, v as f64);
                grad[l.v() + j] += dug[u] * v;
                for d in 0..r {
                    grad[l.a() + j * r + d] += dut[u * r + d] * v;
                }
            }
        }
        // Priors, in the same per-rating scale.
        let prior = |range: std::ops::Range<usize>, lambda: f64, grad: &mut [f64]| {
            for i in range {
                grad[i] += 2.0 * lambda * x[i] / n;
            }
        };
        prior(l.w()..l.w() + l.i0, cfg.lambda_linear, &mut grad);
        prior(l.w() + l.i0..l.v(), cfg.lambda_image, &mut grad);
        prior(l.v()..l.a(), cfg.lambda_linear, &mut grad);
        prior(l.a()..l.b() + l.i0 * r, cfg.lambda_embedding, &mut grad);
        prior(
            l.b() + l.i0 * r..l.c(),
            cfg.lambda_image_embedding,
            &mut grad,
        );
        prior(
            l.c()..l.c() + l.i0 * q,
            cfg.lambda_personal_embedding,
            &mut grad,
        );
        prior(
            l.c() + l.i0 * q..l.z(),
            cfg.lambda_image_embedding,
            &mut grad,
        );
        prior(l.z()..l.pb(), cfg.lambda_z, &mut grad);
        prior(l.pb()..l.ps(), cfg.lambda_b, &mut grad);
        prior(l.ps()..l.len(), cfg.lambda_s, &mut grad);
        let lr = cfg.learning_rate;
        let (c1, c2) = (
            1.0 - beta1.powi(epoch as i32),
            1.0 - beta2.powi(epoch as i32),
        );
        for i in 0..l.len() {
            m1[i] = beta1 * m1[i] + (1.0 - beta1) * grad[i];
            m2[i] = beta2 * m2[i] + (1.0 - beta2) * grad[i] * grad[i];
            x[i] -= lr * (m1[i] / c1) / ((m2[i] / c2).sqrt() + eps);
        }
        if epoch % cfg.validate_every == 0 || epoch == cfg.epochs {
            let params = to_params(&x, &l, cfg);
            let personal = personal_of(&x, &l);
            let metrics = has_val
                .then(|| evaluate(&grouped(ds, &enc, &params, &personal, &slot, &val_splits)));
            if let Some(m) = &metrics {
                history.push((epoch, *m));
                if best.as_ref().is_none_or(|b| m.pairwise > b.0) {
                    best = Some((m.pairwise, epoch, x.clone()));
                }
            }
            progress(epoch, metrics.as_ref());
        } else {
            progress(epoch, None);
        }
    }
    let (best_epoch, xb) = match best {
        Some((_, e, xb)) => (e, xb),
        None => (cfg.epochs, x),
    };
    let mut params = to_params(&xb, &l, cfg);
    // Finish the personal parts in closed form, and learn their prior from the seen
    // participants (empirical Bayes): fit each seen participant's MAP personal part given the
    // final embeddings, estimate the mean and covariance of those parts and the rating noise,
    // refit under that prior, estimate again. The few-shot fit then uses the same prior.
    let mut obs: Vec<Vec<(f32, Vec<f32>, f32)>> = vec![Vec::new(); ids.len()];
    for k in train {
        let p = ds.ratings.participant[k] as usize;
        let s = slot[p].expect("train participants have slots");
        let (base, f) = params.base(&enc.users[p], &enc.items[ds.ratings.image[k] as usize]);
        obs[s].push((base, f, ds.ratings.score[k] as f32 / 1000.0));
    }
    let mut personal: Vec<Personal> = obs.iter().map(|o| params.fit_personal(o)).collect();
    for _ in 0..2 {
        if let Some((mean, precision)) = estimate_prior(&personal, &obs) {
            params.prior_mean = mean;
            params.prior_precision = precision;
        }
        personal = obs.iter().map(|o| params.fit_personal(o)).collect();
    }
    let personal = personal
        .into_iter()
        .zip(&ids)
        .map(|(pp, &p)| (ds.participants.id[p].clone(), pp))
        .collect();
    Ok(Trained {
        spec,
        params,
        personal,
        best_epoch,
        history,
    })
}

/// The personal parts in `x`: z, then the stretch when there is one.
fn personal_of(x: &[f64], l: &Layout) -> Vec<Personal> {
    (0..l.np)
        .map(|s| {
            let mut z: Vec<f32> = x[l.z() + s * l.q..l.z() + (s + 1) * l.q]
                .iter()
                .map(|&v| v as f32)
                .collect();
            if l.st == 1 {
                z.push(x[l.ps() + s] as f32);
            }
            Personal {
                z,
                bias: x[l.pb() + s] as f32,
            }
        })
        .collect()
}

/// Mean and precision (in units of the rating noise variance) of the personal parts, from the
/// seen participants' fitted parts and their residuals. `None` when there are too few
/// participants or the covariance is singular.
fn estimate_prior(
    personal: &[Personal],
    obs: &[Vec<(f32, Vec<f32>, f32)>],
) -> Option<(Vec<f32>, Vec<f32>)> {
    let q = personal.first()?.z.len();
    let n = q + 1;
    if personal.len() < 2 * n + 2 {
        return None;
    }
    let theta: Vec<Vec<f64>> = personal
        .iter()
        .map(|p| {
            p.z.iter()
                .map(|&x| x as f64)
                .chain(std::iter::once(p.bias as f64))
                .collect()
        })
        .collect();
    let count = theta.len() as f64;
    let mean: Vec<f64> = (0..n)
        .map(|d| theta.iter().map(|t| t[d]).sum::<f64>() / count)
        .collect();
    let mut cov = vec![0f64; n * n];
    for t in &theta {
        for a in 0..n {
            for b in 0..n {
                cov[a * n + b] += (t[a] - mean[a]) * (t[b] - mean[b]) / (count - 1.0);
            }
        }
    }
    // Rating noise: the residual variance under the fitted personal parts.
    let (mut sq, mut m) = (0f64, 0usize);
    for (p, o) in personal.iter().zip(obs) {
        for (base, f, y) in o {
            let pred = *base as f64
                + p.bias as f64
                + p.z
                    .iter()
                    .zip(f)
                    .map(|(a, b)| (*a * *b) as f64)
                    .sum::<f64>();
            sq += (*y as f64 - pred).powi(2);
            m += 1;
        }
    }
    let noise = sq / m.max(1) as f64;
    // The fitted parts scatter by their estimation error too: take the average posterior
    // covariance, noise * (E'E)^-1, off the empirical covariance (when what remains is still
    // positive definite), so the prior is not wider than the real spread of tastes.
    let mut err = vec![0f64; n * n];
    let mut counted: f64 = 0.0;
    for o in obs {
        let mut g = vec![0f64; n * n];
        for (_, f, _) in o {
            let row: Vec<f64> = f
                .iter()
                .map(|&x| x as f64)
                .chain(std::iter::once(1.0))
                .collect();
            for a in 0..n {
                for b in 0..n {
                    g[a * n + b] += row[a] * row[b];
                }
            }
        }
        for col in 0..n {
            let mut e = vec![0f64; n];
            e[col] = 1.0;
            let mut gc = g.clone();
            let x = crate::model::solve_spd(&mut gc, &mut e, n);
            for row in 0..n {
                err[row * n + col] += noise * x[row];
            }
        }
        counted += 1.0;
    }
    let shrunk: Vec<f64> = cov
        .iter()
        .zip(&err)
        .map(|(c, e)| c - e / counted.max(1.0))
        .collect();
    let mut probe = shrunk.clone();
    let positive = !crate::model::solve_spd(&mut probe, &mut vec![1.0; n], n)
        .iter()
        .all(|v| *v == 0.0);
    if positive {
        cov = shrunk;
    }
    for d in 0..n {
        cov[d * n + d] += 1e-6;
    }
    // precision = noise * cov^-1, column by column.
    let mut precision = vec![0f32; n * n];
    for col in 0..n {
        let mut e = vec![0f64; n];
        e[col] = 1.0;
        let mut c = cov.clone();
        let x = crate::model::solve_spd(&mut c, &mut e, n);
        if x.iter().all(|v| *v == 0.0) {
            return None;
        }
        for row in 0..n {
            precision[row * n + col] = (noise * x[row]) as f32;
        }
    }
    Some((mean.iter().map(|&v| v as f32).collect(), precision))
}
