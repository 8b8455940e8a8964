//! The predictor: a factorization model with demographic-conditioned taste and a small personal
//! latent.
//!
//! ```text
//! e_i   = B x_i      image taste embedding (rank r), from type, group, style, prompt terms
//!                    and the image's own column
//! f_i   = C x_i      image personal embedding (rank q, small)
//! t_p   = A x_p      the taste of the rater's demographic cohort (age spline, gender,
//!                    nationality)
//! g_pi  = w . x_i + v . x_p + t_p . e_i       what the profile alone predicts, around mu
//! score = mu + g_pi + b_p + z_p . f_i + s_p g_pi
//! ```
//!
//! `b_p` and `s_p` are the person's use of the scale (offset and stretch: someone who rates
//! everything between 2 and 3.5 has a negative stretch), apart from their taste `z_p`. With
//! `stretch` off, `s_p` is absent. The personal part is linear in `(z_p, s_p, b_p)` with the
//! "personal embedding" `[f_i, g_pi]`, so everything below treats it as one vector: `z` of a
//! [`Personal`] holds `z_p` then `s_p`, and [`Params::personal_dim`] counts them.
//!
//! The personal part is learned for the participants of the training split. For anyone else
//! (the unseen participants, a visitor) it starts at the prior mean, and a few ratings fit it in
//! closed form ([`fit_personal`]): a ridge regression of the residuals on `[f_i, g_pi, 1]`, the
//! MAP estimate under the Gaussian prior estimated from the seen participants. Why this shape: it is small (a
//! few thousand weights, a few kilobytes of ONNX), fast in a browser (matrix products for all
//! images at once), the cohort taste can use a generous rank, and the personal part stays
//! small enough (q + 1 numbers) to be fitted well from ten ratings.

use serde::{Deserialize, Serialize};

use crate::spec::Sparse;

/// Weights (f32, as exported).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Params {
    /// Rank of the cohort taste (r).
    pub rank: usize,
    /// Rank of the personal latent (q, the width of C).
    pub personal_rank: usize,
    /// Whether the personal part has a stretch `s_p` (one more number after `z_p`).
    pub stretch: bool,
    pub user_dim: usize,
    pub item_dim: usize,
    pub mu: f32,
    /// Item linear weights (item_dim).
    pub w: Vec<f32>,
    /// User linear weights (user_dim).
    pub v: Vec<f32>,
    /// User to taste, row-major user_dim x rank.
    pub a: Vec<f32>,
    /// Item to taste embedding, row-major item_dim x rank.
    pub b: Vec<f32>,
    /// Item to personal embedding, row-major item_dim x personal_rank.
    pub c: Vec<f32>,
    /// Ridge strengths of the personal latent (and stretch) and personal bias used in training.
    pub lambda_z: f32,
    pub lambda_b: f32,
    /// The few-shot prior over (z, bias), estimated from the seen participants (empirical
    /// Bayes): its mean (d + 1, d = [`Params::personal_dim`]) and precision matrix ((d + 1)²,
    /// row-major) in units of the
    /// rating noise. Empty: the isotropic ridge (lambda_z, lambda_b) around zero.
    pub prior_mean: Vec<f32>,
    pub prior_precision: Vec<f32>,
}

/// A participant's personal part: latent z (the personal latent, then the stretch when the
/// model has one: [`Params::personal_dim`] numbers) and bias.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Personal {
    pub z: Vec<f32>,
    pub bias: f32,
}

impl Personal {
    pub fn zero(rank: usize) -> Personal {
        Personal {
            z: vec![0.0; rank],
            bias: 0.0,
        }
    }
}

fn project(m: &[f32], r: usize, x: &Sparse) -> Vec<f32> {
    let mut e = vec![0f32; r];
    for &(j, v) in x {
        let row = &m[j as usize * r..(j as usize + 1) * r];
        for d in 0..r {
            e[d] += row[d] * v;
        }
    }
    e
}

impl Params {
    /// How many numbers `z` of a [`Personal`] has: q, plus one for the stretch.
    pub fn personal_dim(&self) -> usize {
        self.personal_rank + usize::from(self.stretch)
    }

    /// Image taste embedding e_i.
    pub fn embed(&self, x: &Sparse) -> Vec<f32> {
        project(&self.b, self.rank, x)
    }

    /// Image personal embedding f_i (without the stretch's column; see [`Params::base`]).
    pub fn personal_embed(&self, x: &Sparse) -> Vec<f32> {
        project(&self.c, self.personal_rank, x)
    }

    /// Demographic taste A x_p.
    pub fn taste(&self, x: &Sparse) -> Vec<f32> {
        project(&self.a, self.rank, x)
    }

    fn dot_sparse(w: &[f32], x: &Sparse) -> f32 {
        x.iter().map(|&(j, v)| w[j as usize] * v).sum()
    }

    /// The score without the personal part (mu + g), and the personal embedding `[f_i, g]`
    /// (`g` only with a stretch): what the few-shot fit needs.
    pub fn base(&self, user: &Sparse, item: &Sparse) -> (f32, Vec<f32>) {
        let e = self.embed(item);
        let t = self.taste(user);
        let g = Self::dot_sparse(&self.w, item)
            + Self::dot_sparse(&self.v, user)
            + t.iter().zip(&e).map(|(a, b)| a * b).sum::<f32>();
        let mut f = self.personal_embed(item);
        if self.stretch {
            f.push(g);
        }
        (self.mu + g, f)
    }

    /// The full forward pass (the reference the ONNX export is checked against).
    pub fn predict(&self, user: &Sparse, item: &Sparse, personal: &Personal) -> f32 {
        let (base, f) = self.base(user, item);
        base + personal.bias + personal.z.iter().zip(&f).map(|(a, b)| a * b).sum::<f32>()
    }

    /// The few-shot fit with this model's prior (see [`Prior`]).
    pub fn fit_personal(&self, obs: &[(f32, Vec<f32>, f32)]) -> Personal {
        self.prior().fit(obs)
    }

    pub fn prior(&self) -> Prior {
        Prior::new(
            self.personal_dim(),
            self.lambda_z,
            self.lambda_b,
            &self.prior_mean,
            &self.prior_precision,
        )
    }
}

/// The Gaussian prior of the personal part (z, bias) for the few-shot fit.
#[derive(Debug, Clone, PartialEq)]
pub struct Prior {
    pub rank: usize,
    /// q + 1 numbers.
    pub mean: Vec<f64>,
    /// (q + 1)², row-major, in units of the rating noise variance.
    pub precision: Vec<f64>,
}

impl Prior {
    /// From an estimated mean and precision; falls back to the isotropic ridge around zero
    /// when they are missing or of the wrong size.
    pub fn new(
        rank: usize,
        lambda_z: f32,
        lambda_b: f32,
        mean: &[f32],
        precision: &[f32],
    ) -> Prior {
        let n = rank + 1;
        if mean.len() == n && precision.len() == n * n && precision.iter().all(|x| x.is_finite()) {
            return Prior {
                rank,
                mean: mean.iter().map(|&x| x as f64).collect(),
                precision: precision.iter().map(|&x| x as f64).collect(),
            };
        }
        let mut p = vec![0f64; n * n];
        for d in 0..rank {
            p[d * n + d] = lambda_z as f64;
        }
        p[rank * n + rank] = lambda_b as f64;
        Prior {
            rank,
            mean: vec![0.0; n],
            precision: p,
        }
    }

    /// The MAP personal part from `(base, personal embedding, observed)` triples:
    /// theta = (E'E + P)^-1 (E'(y - base) + P m), E's rows [f_i, 1]. No ratings give the mean.
    pub fn fit(&self, obs: &[(f32, Vec<f32>, f32)]) -> Personal {
        let r = self.rank;
        let n = r + 1;
        let mut m = self.precision.clone();
        let mut rhs: Vec<f64> = (0..n)
            .map(|a| {
                (0..n)
                    .map(|b| self.precision[a * n + b] * self.mean[b])
                    .sum()
            })
            .collect();
        for (base, e, y) in obs {
            let row: Vec<f64> = e
                .iter()
                .take(r)
                .map(|&x| x as f64)
                .chain(std::iter::once(1.0))
                .collect();
            if row.len() != n {
                continue;
            }
            let resid = (*y - *base) as f64;
            for a in 0..n {
                rhs[a] += row[a] * resid;
                for b in 0..n {
                    m[a * n + b] += row[a] * row[b];
                }
            }
        }
        let theta = solve_spd(&mut m, &mut rhs, n);
        Personal {
            z: theta[..r].iter().map(|&x| x as f32).collect(),
            bias: theta[r] as f32,
        }
    }
}

/// Which images to ask a visitor to rate next: greedily, the image whose rating would shrink
/// the uncertainty of their personal part the most (the largest x' A^-1 x, with x = [f_i, 1]
/// and A the prior precision plus the images already chosen or `rated`). Returns up to `k`
/// image indices, most informative first.
pub fn informative(
    embeddings: &[f32],
    q: usize,
    prior: &Prior,
    k: usize,
    rated: &[usize],
) -> Vec<usize> {
    let n = q + 1;
    let count = embeddings.len().checked_div(q).unwrap_or(0);
    let row = |i: usize| -> Vec<f64> {
        embeddings[i * q..(i + 1) * q]
            .iter()
            .map(|&x| x as f64)
            .chain(std::iter::once(1.0))
            .collect()
    };
    let mut a = prior.precision.clone();
    let add = |a: &mut Vec<f64>, x: &[f64]| {
        for r in 0..n {
            for c in 0..n {
                a[r * n + c] += x[r] * x[c];
            }
        }
    };
    let mut taken = vec![false; count];
    for &i in rated {
        if i < count && !taken[i] {
            taken[i] = true;
            add(&mut a, &row(i));
        }
    }
    let mut out = Vec::with_capacity(k);
    for _ in 0..k {
        // A^-1 column by column.
        let mut inv = vec![0f64; n * n];
        for col in 0..n {
            let mut e = vec![0f64; n];
            e[col] = 1.0;
            let x = solve_spd(&mut a.clone(), &mut e, n);
            for r in 0..n {
                inv[r * n + col] = x[r];
            }
        }
        let mut best: Option<(f64, usize)> = None;
        // One buffer for every candidate: allocating per image dominated the time in wasm.
        let mut x = vec![1f64; n];
        for i in 0..count {
            if taken[i] {
                continue;
            }
            for (slot, &e) in x.iter_mut().zip(&embeddings[i * q..(i + 1) * q]) {
                *slot = e as f64;
            }
            let gain: f64 = (0..n)
                .map(|r| x[r] * (0..n).map(|c| inv[r * n + c] * x[c]).sum::<f64>())
                .sum();
            if gain.is_finite() && best.is_none_or(|b| gain > b.0) {
                best = Some((gain, i));
            }
        }
        let Some((_, i)) = best else { break };
        taken[i] = true;
        add(&mut a, &row(i));
        out.push(i);
    }
    out
}

/// The isotropic ridge fit around zero (used when no prior was estimated).
pub fn fit_personal(
    rank: usize,
    lambda_z: f32,
    lambda_b: f32,
    obs: &[(f32, Vec<f32>, f32)],
) -> Personal {
    Prior::new(rank, lambda_z, lambda_b, &[], &[]).fit(obs)
}

/// Solves a small symmetric positive definite system by Cholesky (in place). The ridge terms
/// make the matrix positive definite; a non-positive pivot (a broken model) gives zeros.
pub(crate) fn solve_spd(m: &mut [f64], b: &mut [f64], n: usize) -> Vec<f64> {
    for j in 0..n {
        let mut d = m[j * n + j];
        for k in 0..j {
            d -= m[j * n + k] * m[j * n + k];
        }
        if d <= 0.0 || !d.is_finite() {
            return vec![0.0; n];
        }
        let d = d.sqrt();
        m[j * n + j] = d;
        for i in j + 1..n {
            let mut s = m[i * n + j];
            for k in 0..j {
                s -= m[i * n + k] * m[j * n + k];
            }
            m[i * n + j] = s / d;
        }
    }
    // Forward then backward substitution with L and L'.
    let mut y = vec![0f64; n];
    for i in 0..n {
        let mut s = b[i];
        for k in 0..i {
            s -= m[i * n + k] * y[k];
        }
        y[i] = s / m[i * n + i];
    }
    let mut x = vec![0f64; n];
    for i in (0..n).rev() {
        let mut s = y[i];
        for k in i + 1..n {
            s -= m[k * n + i] * x[k];
        }
        x[i] = s / m[i * n + i];
    }
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny() -> Params {
        Params {
            rank: 2,
            personal_rank: 2,
            stretch: false,
            user_dim: 2,
            item_dim: 3,
            mu: 3.0,
            w: vec![0.1, -0.2, 0.3],
            v: vec![0.5, 0.0],
            a: vec![1.0, 0.0, 0.0, 1.0],
            b: vec![1.0, 0.0, 0.0, 1.0, 1.0, 1.0],
            c: vec![0.0, 1.0, 1.0, 0.0, 0.5, 0.5],
            lambda_z: 1.0,
            lambda_b: 1.0,
            prior_mean: Vec::new(),
            prior_precision: Vec::new(),
        }
    }

    #[test]
    fn forward_pass_by_hand() {
        let p = tiny();
        let user: Sparse = vec![(0, 2.0)];
        let item: Sparse = vec![(0, 1.0), (2, 1.0)];
        // e = B row0 + B row2 = (1,0) + (1,1) = (2,1); t = A row0 * 2 = (2,0)
        // base = 3 + (0.1 + 0.3) + 0.5*2 + (2*2 + 0*1) = 8.4
        let (base, f) = p.base(&user, &item);
        assert_eq!(p.embed(&item), vec![2.0, 1.0]);
        // f = C row0 + C row2 = (0,1) + (0.5,0.5) = (0.5, 1.5)
        assert_eq!(f, vec![0.5, 1.5]);
        assert!((base - 8.4).abs() < 1e-6);
        let personal = Personal {
            z: vec![0.5, -1.0],
            bias: 0.25,
        };
        assert!((p.predict(&user, &item, &personal) - (8.4 + 0.25 + 0.25 - 1.5)).abs() < 1e-6);
    }

    #[test]
    fn the_stretch_scales_what_the_profile_predicts() {
        let mut p = tiny();
        p.stretch = true;
        assert_eq!(p.personal_dim(), 3);
        let user: Sparse = vec![(0, 2.0)];
        let item: Sparse = vec![(0, 1.0), (2, 1.0)];
        // As above: base 8.4, so g = 8.4 - mu = 5.4, appended to f = (0.5, 1.5).
        let (base, f) = p.base(&user, &item);
        assert!((base - 8.4).abs() < 1e-5);
        assert_eq!(f.len(), 3);
        assert!((f[2] - 5.4).abs() < 1e-5 && f[..2] == [0.5, 1.5], "{f:?}");
        // A stretch of -0.5 halves the deviation from mu: 3 + 5.4 / 2 = 5.7.
        let personal = Personal {
            z: vec![0.0, 0.0, -0.5],
            bias: 0.0,
        };
        assert!((p.predict(&user, &item, &personal) - 5.7).abs() < 1e-5);
        assert_eq!(p.prior().precision.len(), 16, "(z, s, b) is 4 numbers");
    }

    #[test]
    fn ridge_fit_matches_the_closed_form_of_a_one_dimensional_case() {
        let mut p = tiny();
        p.personal_rank = 1;
        p.lambda_z = 2.0;
        p.lambda_b = 1e9; // bias pinned at zero
                          // residuals y - base = 2 * e for e = 1, 2: z = sum(e*r) / (sum(e^2) + lambda) = 10 / 7
        let obs = vec![(0.0, vec![1.0], 2.0), (0.0, vec![2.0], 4.0)];
        let f = p.fit_personal(&obs);
        assert!((f.z[0] - 10.0 / 7.0).abs() < 1e-5, "{f:?}");
        assert!(f.bias.abs() < 1e-6);
        assert_eq!(
            p.fit_personal(&[]),
            Personal {
                z: vec![0.0],
                bias: 0.0
            }
        );
    }

    #[test]
    fn informative_images_spread_over_the_embedding() {
        let prior = Prior::new(1, 1.0, 1.0, &[], &[]);
        // Embeddings along one axis: -2, -1, 0, 1, 2. The extremes carry the most information;
        // after one extreme, the other side is worth more than its neighbour.
        let emb = [-2.0, -1.0, 0.0, 1.0, 2.0];
        let pick = informative(&emb, 1, &prior, 2, &[]);
        assert!(pick[0] == 0 || pick[0] == 4, "{pick:?}");
        assert_eq!(pick[1], 4 - pick[0], "{pick:?}");
        let after = informative(&emb, 1, &prior, 5, &[0, 4]);
        assert!(
            !after.contains(&0) && !after.contains(&4) && after.len() == 3,
            "{after:?}"
        );
    }

    #[test]
    fn an_estimated_prior_pulls_towards_its_mean() {
        // Prior mean z = 1, bias = 0.5, precision 4 on z and 1e9 on the bias.
        let prior = Prior::new(1, 0.0, 0.0, &[1.0, 0.5], &[4.0, 0.0, 0.0, 1e9]);
        assert_eq!(
            prior.fit(&[]),
            Personal {
                z: vec![1.0],
                bias: 0.5
            }
        );
        // One observation with e = 1, residual 3.5 (= y - base, of which the pinned bias takes
        // 0.5): z = (1 * 3 + 4 * 1) / (1 + 4) = 1.4
        let f = prior.fit(&[(0.0, vec![1.0], 3.5)]);
        assert!((f.z[0] - 1.4).abs() < 1e-5, "{f:?}");
        // A broken prior falls back to the ridge.
        assert_eq!(
            Prior::new(1, 2.0, 3.0, &[1.0], &[]).precision,
            vec![2.0, 0.0, 0.0, 3.0]
        );
    }

    #[test]
    fn cholesky_solves_a_known_system() {
        let mut m = vec![4.0, 2.0, 2.0, 3.0];
        let mut b = vec![2.0, 1.0];
        let x = solve_spd(&mut m, &mut b, 2);
        assert!((x[0] - 0.5).abs() < 1e-12 && x[1].abs() < 1e-12, "{x:?}");
        let mut bad = vec![-1.0, 0.0, 0.0, 1.0];
        assert_eq!(solve_spd(&mut bad, &mut [1.0, 1.0], 2), vec![0.0, 0.0]);
    }
}
