//! The `twisted` generator's taste model: same layout as the default (people, images, prompts,
//! who rates what, all counts), a deliberately different way of turning them into scores.
//!
//! The default generator and the predictor share one structure (linear age, a low-rank
//! personal latent, one affine use of the scale, Gaussian noise), so the predictor's figures on
//! it flatter it. This one breaks each of those assumptions on purpose, so that an evaluation on
//! it says what the model misses. For a rating of image `i` by person `p`, with `x_i` the
//! image's feature set (group, style, subject, prompt attributes, type):
//!
//! ```text
//! u(p, i)     = sum_{f in x_i} (Q_f + T_pf) + I_i + H_i                 utility
//! T_pf        = sum_k phi_k(age_p) A_kf                                non-linear age
//!               + [f is an Art feature] g_p G_f                        gender, Art only
//!               + R_{region(p), f}                                      region
//!               + (L z_p)_f                                             rank-3 latent
//!               + S_pf                                                  sparse likes
//! true(p, i)  = lo_p + (hi_p - lo_p) * sigmoid(stretch_p * (u + offset_p))
//! score(p, i) = lo_p + (hi_p - lo_p) * sigmoid(stretch_p * (u + offset_p + e)) + N(0, 0.08^2)
//!               e ~ 0.25 * Student-t(3);  with probability 2% a lapse: uniform on [lo_p, hi_p]
//! ```
//!
//! Why each part:
//! * **non-linear age** (`phi_0` a bump in the late twenties, `phi_1` a step at 45, `phi_2` a
//!   U over the age range, each centred): one linear age coefficient cannot see a taste that
//!   peaks in one decade or that the young and the old share against the middle;
//! * **per-person scale use** (`offset_p`, `stretch_p`, and for about a third of people a
//!   narrow range `[lo_p, hi_p]` of the 1-5 scale): scale habits are not taste; a model that
//!   mixes the two misreads a person who rates everything between 2 and 3.5. The logistic link
//!   also compresses both ends, so the scale is not affine in the utility;
//! * **sparse personal likes** `S_p` (0-3 visual groups or styles a person loves, +0.5 to +1.0,
//!   and for a third of people one they dislike): strong, individual and rare, the opposite of
//!   the default's dense low-rank latent; a few ratings of the right images reveal them;
//! * **image quality partly visible** (`Q` on metadata features; `I_i`, a random effect for each
//!   pair of features the image combines, visible only to a model with interactions; `H_i`, a
//!   hidden per-image quality no metadata shows): the ceiling for a metadata model lies well
//!   below the oracle, and learning the rest needs the image's own ratings;
//! * **heavy-tailed noise** (Student-t with 3 degrees of freedom inside the link, plus lapses):
//!   squared-error training is pulled by outliers; ranking metrics and robust fits are not.
//!
//! The noise-free `true(p, i)` is the oracle's score (written to the ground truth like the
//! default's). Every draw comes from the generator's seeded streams, so a seed gives the same
//! bytes every time.

use pamela_core::rng::Rng;
use serde::{Deserialize, Serialize};

/// Bump when this generator's output changes for a given seed.
pub const TWISTED_VERSION: u32 = 1;

const LATENT: usize = 3;
const LAPSE: f64 = 0.02;
const NOISE_T: f64 = 0.25;
const NOISE_OUT: f64 = 0.08;

/// What the model needs to know about a participant (drawn by the shared layout).
pub(crate) struct Person {
    pub age: u8,
    pub gender: &'static str,
    pub region: usize,
}

/// One participant's latent parameters under the twisted model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TwistedPerson {
    pub id: String,
    pub offset: f64,
    pub stretch: f64,
    /// The part of the 1-5 scale the person uses.
    pub lo: f64,
    pub hi: f64,
    pub latent: [f64; LATENT],
    /// Sparse likes: (index into `GroundTruth::features`, strength; negative = dislike).
    pub likes: Vec<(u32, f64)>,
}

/// The twisted model's parameters (beside the shared fields of the ground truth).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TwistedTruth {
    pub version: u32,
    /// Names of the age basis functions, in the order of `age_effects`.
    pub age_basis: Vec<String>,
    /// Per age basis function, one effect per feature.
    pub age_effects: Vec<Vec<f64>>,
    /// Rank-3 loadings of the personal latent, one row per feature.
    pub loadings: Vec<[f64; LATENT]>,
    /// Per image (dataset order): the hidden quality `H_i` and the interaction part `I_i`.
    pub hidden_quality: Vec<f64>,
    pub interaction: Vec<f64>,
    /// In the dataset's participant order.
    pub people: Vec<TwistedPerson>,
}

/// The three age basis functions (each roughly centred over the participants' ages).
pub fn age_basis(age: u8) -> [f64; 3] {
    let a = age as f64;
    let bump = libm::exp(-0.5 * ((a - 29.0) / 6.0).powi(2)) - 0.45;
    let step = 1.0 / (1.0 + libm::exp(-(a - 45.0) / 2.5)) - 0.2;
    let u = ((a - 38.0) / 13.0).powi(2) - 0.5;
    [bump, step, u]
}

const AGE_BASIS_NAMES: [&str; 3] = [
    "bump: exp(-((age - 29) / 6)^2 / 2) - 0.45",
    "step: 1 / (1 + exp(-(age - 45) / 2.5)) - 0.2",
    "U: ((age - 38) / 13)^2 - 0.5",
];

/// Hand-set age effects (basis index, feature, effect), on top of the random ones: the late
/// twenties love neon, cinema and pop art; over 45 Baroque, realism and still life; the young
/// and the old share flower paintings and art landscapes against the middle-aged.
const AGE_SHIFTS: [(usize, &str, f64); 12] = [
    (0, "lighting:neon glow", 0.45),
    (0, "group:cinematic/Photorealism", 0.3),
    (0, "style:Pop_Art", 0.4),
    (0, "palette:orange and teal", 0.25),
    (1, "style:Baroque", 0.4),
    (1, "style:Realism", 0.3),
    (1, "group:still life/Art", 0.35),
    (1, "lighting:harsh midday sun", -0.3),
    (2, "group:flower painting/Art", 0.45),
    (2, "group:landscape/Art", 0.3),
    (2, "group:fashion/Photorealism", -0.35),
    (2, "group:automotive/Photorealism", -0.3),
];

/// Hand-set visible quality shifts (different from the default's).
const QUALITY_SHIFTS: [(&str, f64); 6] = [
    ("texture:sharp focus", 0.2),
    ("texture:dreamy soft focus", -0.2),
    ("lighting:dramatic backlight", 0.2),
    ("palette:pastel tones", -0.15),
    ("view:macro detail", 0.15),
    ("mood:melancholic", -0.1),
];

pub(crate) struct Model {
    /// Visible quality per feature.
    pub quality: Vec<f64>,
    pub gender_art: Vec<f64>,
    pub region: Vec<Vec<f64>>,
    pub age_effects: Vec<Vec<f64>>,
    pub loadings: Vec<[f64; LATENT]>,
    /// Per image (layout order).
    pub hidden: Vec<f64>,
    pub interaction: Vec<f64>,
    pub people: Vec<TwistedPerson>,
    /// Per person, per feature: the summed personal taste T_pf.
    taste: Vec<Vec<f64>>,
    image_features: Vec<Vec<u32>>,
}

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + libm::exp(-z))
}

fn student_t3(rng: &mut Rng) -> f64 {
    let z = rng.normal();
    let chi2: f64 = (0..3).map(|_| rng.normal().powi(2)).sum();
    z / (chi2 / 3.0).sqrt().max(1e-6)
}

impl Model {
    /// Draws every parameter from `rng` (the generator's effects stream).
    pub fn draw(
        rng: &mut Rng,
        features: &[String],
        image_features: &[Vec<u32>],
        people: &[Person],
        regions: usize,
        ids: &[String],
    ) -> Model {
        let nf = features.len();
        let find = |name: &str| features.iter().position(|f| f == name);
        let mut quality: Vec<f64> = (0..nf).map(|_| 0.18 * rng.normal()).collect();
        for (name, shift) in QUALITY_SHIFTS {
            if let Some(f) = find(name) {
                quality[f] += shift;
            }
        }
        let mut age_effects: Vec<Vec<f64>> = (0..3)
            .map(|_| (0..nf).map(|_| 0.08 * rng.normal()).collect())
            .collect();
        for (k, name, shift) in AGE_SHIFTS {
            if let Some(f) = find(name) {
                age_effects[k][f] += shift;
            }
        }
        let is_art = |f: &str| f.ends_with("/Art") || f.starts_with("style:") || f == "type:Art";
        let gender_art: Vec<f64> = features
            .iter()
            .map(|f| {
                let g = 0.12 * rng.normal();
                if is_art(f) {
                    g
                } else {
                    0.0
                }
            })
            .collect();
        let region: Vec<Vec<f64>> = (0..regions)
            .map(|_| (0..nf).map(|_| 0.07 * rng.normal()).collect())
            .collect();
        let loadings: Vec<[f64; LATENT]> = (0..nf)
            .map(|_| std::array::from_fn(|_| 0.07 * rng.normal()))
            .collect();
        // Interactions: one effect per unordered pair of features, drawn on demand from a hash
        // of the pair and a per-dataset key (so no nf x nf table is needed and order of use
        // does not matter).
        let pair_key = rng.next_u64();
        let pair_effect = |a: u32, b: u32| -> f64 {
            let (a, b) = if a < b { (a, b) } else { (b, a) };
            let mut r = Rng::new(pair_key ^ ((a as u64) << 32 | b as u64));
            0.045 * r.normal()
        };
        let interaction: Vec<f64> = image_features
            .iter()
            .map(|fs| {
                let mut s = 0.0;
                for x in 0..fs.len() {
                    for y in x + 1..fs.len() {
                        s += pair_effect(fs[x], fs[y]);
                    }
                }
                s
            })
            .collect();
        let hidden: Vec<f64> = image_features.iter().map(|_| 0.3 * rng.normal()).collect();
        // Candidates for likes: the visual groups and the styles.
        let likeable: Vec<u32> = (0..nf as u32)
            .filter(|&f| {
                let n = &features[f as usize];
                n.starts_with("group:") || n.starts_with("style:")
            })
            .collect();
        let mut out_people = Vec::with_capacity(people.len());
        let mut taste = Vec::with_capacity(people.len());
        for (k, p) in people.iter().enumerate() {
            let phi = age_basis(p.age);
            let g = match p.gender {
                "female" => 1.0,
                "male" => -1.0,
                _ => 0.0,
            };
            let latent: [f64; LATENT] = std::array::from_fn(|_| rng.normal());
            let n_likes = rng.weighted(&[0.1, 0.35, 0.35, 0.2]);
            let mut likes: Vec<(u32, f64)> = Vec::new();
            for _ in 0..n_likes {
                let f = likeable[rng.below(likeable.len() as u64) as usize];
                let s = 0.5 + 0.5 * rng.uniform();
                if !likes.iter().any(|l| l.0 == f) {
                    likes.push((f, s));
                }
            }
            if rng.uniform() < 0.35 {
                let f = likeable[rng.below(likeable.len() as u64) as usize];
                let s = -(0.4 + 0.4 * rng.uniform());
                if !likes.iter().any(|l| l.0 == f) {
                    likes.push((f, s));
                }
            }
            let offset = 0.45 * rng.normal();
            let stretch = 1.4 * libm::exp(0.35 * rng.normal());
            let (lo, hi) = if rng.uniform() < 0.35 {
                let width = 1.5 + 1.5 * rng.uniform();
                let lo = 1.0 + (4.0 - width) * rng.uniform();
                (lo, lo + width)
            } else {
                (1.0, 5.0)
            };
            let mut t: Vec<f64> = (0..nf)
                .map(|f| {
                    (0..3).map(|b| phi[b] * age_effects[b][f]).sum::<f64>()
                        + g * gender_art[f]
                        + region[p.region][f]
                        + (0..LATENT).map(|d| loadings[f][d] * latent[d]).sum::<f64>()
                })
                .collect();
            for &(f, s) in &likes {
                t[f as usize] += s;
            }
            taste.push(t);
            out_people.push(TwistedPerson {
                id: ids[k].clone(),
                offset,
                stretch,
                lo,
                hi,
                latent,
                likes,
            });
        }
        Model {
            quality,
            gender_art,
            region,
            age_effects,
            loadings,
            hidden,
            interaction,
            people: out_people,
            taste,
            image_features: image_features.to_vec(),
        }
    }

    fn utility(&self, p: usize, i: usize) -> f64 {
        self.image_features[i]
            .iter()
            .map(|&f| self.quality[f as usize] + self.taste[p][f as usize])
            .sum::<f64>()
            + self.interaction[i]
            + self.hidden[i]
    }

    /// (noise-free score, observed score) of person `p` (layout order) for image `i`. Draws a
    /// fixed number of values from `rng` per call.
    pub fn rate(&self, p: usize, i: usize, rng: &mut Rng) -> (f64, f64) {
        let q = &self.people[p];
        let u = self.utility(p, i) + q.offset;
        let span = q.hi - q.lo;
        let truth = (q.lo + span * sigmoid(q.stretch * u)).clamp(1.0, 5.0);
        let e = NOISE_T * student_t3(rng);
        let out = NOISE_OUT * rng.normal();
        let lapse = rng.uniform() < LAPSE;
        let lapse_at = rng.uniform();
        let observed = if lapse {
            q.lo + span * lapse_at
        } else {
            q.lo + span * sigmoid(q.stretch * (u + e)) + out
        };
        (truth, observed.clamp(1.0, 5.0))
    }

    pub fn truth_parts(&self) -> (Vec<String>, Vec<Vec<f64>>, Vec<[f64; LATENT]>) {
        (
            AGE_BASIS_NAMES.iter().map(|s| s.to_string()).collect(),
            self.age_effects.clone(),
            self.loadings.clone(),
        )
    }
}
