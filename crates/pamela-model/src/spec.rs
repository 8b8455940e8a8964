//! The feature encoding: how a participant profile and an image become the model's inputs.
//!
//! This is the only encoding. Training (native), evaluation (native) and the browser's
//! predictor (wasm) all call [`FeatureSpec::user`] and [`FeatureSpec::item`], and everything the
//! encoding depends on travels with the model in its metadata, so a model never sees features
//! built by different rules than it was trained on.
//!
//! * participant side: age (centred and scaled) and a piecewise-linear spline of age (hat
//!   functions on knots at quantiles of the training participants' ages: taste that peaks in
//!   one decade or that the young and the old share), gender one-hot, nationality one-hot; each
//!   one-hot has an extra slot for values the training data did not have;
//! * image side: type, visual group (name under type) and style one-hots (style has a slot for
//!   "no style"); the prompt's words and adjacent word pairs, hashed (FNV-1a) into
//!   `term_buckets` columns, so no term is dropped for being rare (a collision shares a
//!   column; the number of buckets is chosen on the validation splits); and the image's own
//!   column when it was rated in training (`images`: its quality that no metadata shows, learnt
//!   from its ratings; an image the model never saw simply has none).

pub use pamela_core::profile::{ImageInfo, Profile};
use pamela_core::{Dataset, Key, Split};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Bump when the meaning of any input column changes: older models are then refused.
/// 1: linear age, a capped prompt vocabulary. 2: age spline, hashed terms, image columns.
pub const FEATURE_SPEC_VERSION: u32 = 2;
/// The default number of hash buckets for prompt terms (chosen on the validation splits).
pub const TERM_BUCKETS: usize = 2048;
/// The default number of age knots (at quantiles of the training participants' ages).
pub const AGE_KNOTS: usize = 7;
/// Limits a model file must respect (hostile metadata cannot make the encoder allocate more).
pub const MAX_TERM_BUCKETS: usize = 1 << 16;
pub const MAX_AGE_KNOTS: usize = 32;
pub const MAX_IMAGES: usize = 1 << 20;
pub const MAX_VALUES: usize = 1 << 12;

const STOP: [&str; 16] = [
    "a", "an", "the", "of", "in", "on", "at", "by", "to", "and", "with", "its", "is", "for",
    "from", "into",
];

/// Words and adjacent word pairs of a prompt, lower-cased, stop words dropped.
pub fn terms(prompt: &str) -> Vec<String> {
    let words: Vec<String> = prompt
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 2)
        .map(|w| w.to_lowercase())
        .filter(|w| !STOP.contains(&w.as_str()))
        .collect();
    let mut out = words.clone();
    for pair in words.windows(2) {
        out.push(format!("{} {}", pair[0], pair[1]));
    }
    out.sort();
    out.dedup();
    out
}

/// FNV-1a (64 bit) of a term's UTF-8 bytes: the same on every platform and build.
pub fn term_hash(term: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in term.as_bytes() {
        h ^= *b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// Sparse features: (column, value), columns ascending.
pub type Sparse = Vec<(u32, f32)>;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeatureSpec {
    pub version: u32,
    pub age_center: f64,
    pub age_scale: f64,
    /// Knots of the age spline, strictly ascending (one hat function per knot).
    pub age_knots: Vec<f64>,
    pub genders: Vec<String>,
    pub nationalities: Vec<String>,
    pub types: Vec<String>,
    pub groups: Vec<String>,
    pub styles: Vec<String>,
    /// Hash buckets for prompt terms.
    pub term_buckets: usize,
    /// Ids of the images with their own column, strictly ascending.
    pub images: Vec<u64>,
}

fn slot(list: &[String], v: &str) -> usize {
    list.iter().position(|x| x == v).unwrap_or(list.len())
}

/// How the encoding is fitted (the sizes chosen on the validation splits).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SpecConfig {
    pub term_buckets: usize,
    pub age_knots: usize,
    /// Give images rated in training their own column.
    pub image_columns: bool,
}

impl Default for SpecConfig {
    fn default() -> SpecConfig {
        SpecConfig {
            term_buckets: TERM_BUCKETS,
            age_knots: AGE_KNOTS,
            image_columns: true,
        }
    }
}

impl FeatureSpec {
    /// Fits the encoding on the training split of a dataset.
    pub fn fit(ds: &Dataset, cfg: &SpecConfig) -> FeatureSpec {
        let train = ds.split_range(Split::Train);
        let mut seen_images = vec![false; ds.images.len()];
        let mut seen_people = vec![false; ds.participants.len()];
        for r in train {
            seen_images[ds.ratings.image[r] as usize] = true;
            seen_people[ds.ratings.participant[r] as usize] = true;
        }
        let mut ages: Vec<f64> = (0..ds.participants.len())
            .filter(|&p| seen_people[p])
            .map(|p| ds.participants.age[p] as f64)
            .filter(|a| a.is_finite())
            .collect();
        let n = ages.len().max(1) as f64;
        let mean = ages.iter().sum::<f64>() / n;
        let sd = (ages.iter().map(|a| (a - mean).powi(2)).sum::<f64>() / n)
            .sqrt()
            .max(1.0);
        ages.sort_by(f64::total_cmp);
        let k = cfg.age_knots.min(MAX_AGE_KNOTS);
        let mut knots: Vec<f64> = Vec::new();
        if k >= 2 && !ages.is_empty() {
            for j in 0..k {
                let at = (j as f64 / (k - 1) as f64 * (ages.len() - 1) as f64).round() as usize;
                let a = ages[at];
                if knots.last().is_none_or(|l| a > *l) {
                    knots.push(a);
                }
            }
        }
        let mut images: Vec<u64> = if cfg.image_columns {
            (0..ds.images.len())
                .filter(|&i| seen_images[i])
                .map(|i| ds.images.id[i])
                .collect()
        } else {
            Vec::new()
        };
        images.sort_unstable();
        images.dedup();
        let values =
            |k: Key| -> Vec<String> { (0..k.domain(ds) as u32).map(|v| k.token(ds, v)).collect() };
        FeatureSpec {
            version: FEATURE_SPEC_VERSION,
            age_center: mean,
            age_scale: sd,
            age_knots: knots,
            genders: values(Key::Gender),
            nationalities: values(Key::Nationality),
            types: values(Key::Type),
            groups: (0..ds.groups().len() as u32)
                .map(|g| ds.group_token(g as u16))
                .collect(),
            styles: ds.dicts.styles.values().to_vec(),
            term_buckets: cfg.term_buckets.min(MAX_TERM_BUCKETS),
            images,
        }
    }

    /// Checks what a model file says about its encoding: sizes within limits, knots and image
    /// ids strictly ascending, age centre and scale finite.
    pub fn validate(&self) -> Result<(), String> {
        if !self.age_center.is_finite() || !self.age_scale.is_finite() || self.age_scale <= 0.0 {
            return Err(format!(
                "`spec.age_center` ({}) and `spec.age_scale` ({}) must be finite, the scale above 0",
                self.age_center, self.age_scale
            ));
        }
        if self.age_knots.len() > MAX_AGE_KNOTS
            || self.age_knots.iter().any(|k| !k.is_finite())
            || self.age_knots.windows(2).any(|w| w[0] >= w[1])
        {
            return Err(format!(
                "the age knots must be at most {MAX_AGE_KNOTS} finite numbers, strictly ascending"
            ));
        }
        if self.term_buckets > MAX_TERM_BUCKETS {
            return Err(format!(
                "{} term buckets (at most {MAX_TERM_BUCKETS})",
                self.term_buckets
            ));
        }
        if self.images.len() > MAX_IMAGES || self.images.windows(2).any(|w| w[0] >= w[1]) {
            return Err(format!(
                "the image ids must be at most {MAX_IMAGES}, strictly ascending"
            ));
        }
        for (name, list) in [
            ("genders", &self.genders),
            ("nationalities", &self.nationalities),
            ("types", &self.types),
            ("groups", &self.groups),
            ("styles", &self.styles),
        ] {
            if list.len() > MAX_VALUES {
                return Err(format!("{} {name} (at most {MAX_VALUES})", list.len()));
            }
        }
        Ok(())
    }

    pub fn user_dim(&self) -> usize {
        1 + self.age_knots.len() + (self.genders.len() + 1) + (self.nationalities.len() + 1)
    }

    pub fn item_dim(&self) -> usize {
        (self.types.len() + 1)
            + (self.groups.len() + 1)
            + (self.styles.len() + 2)
            + self.term_buckets
            + self.images.len()
    }

    /// The age spline's non-zero hat functions at `age`: (knot index, weight), weights summing
    /// to one (clamped to the end knots outside their range).
    fn age_hats(&self, age: f64) -> Vec<(usize, f32)> {
        let k = &self.age_knots;
        if !age.is_finite() || k.is_empty() {
            return Vec::new();
        }
        if age <= k[0] {
            return vec![(0, 1.0)];
        }
        if age >= k[k.len() - 1] {
            return vec![(k.len() - 1, 1.0)];
        }
        let j = k.partition_point(|x| *x <= age) - 1;
        let t = (age - k[j]) / (k[j + 1] - k[j]);
        let mut out = Vec::new();
        if t < 1.0 {
            out.push((j, (1.0 - t) as f32));
        }
        if t > 0.0 {
            out.push((j + 1, t as f32));
        }
        out
    }

    pub fn user(&self, p: &Profile) -> Sparse {
        let age = if p.age.is_finite() {
            (p.age - self.age_center) / self.age_scale
        } else {
            0.0
        };
        let a0 = 1;
        let g0 = a0 + self.age_knots.len();
        let n0 = g0 + self.genders.len() + 1;
        let mut out = vec![(0, age as f32)];
        for (j, w) in self.age_hats(p.age) {
            out.push(((a0 + j) as u32, w));
        }
        out.push(((g0 + slot(&self.genders, &p.gender)) as u32, 1.0));
        out.push(((n0 + slot(&self.nationalities, &p.nationality)) as u32, 1.0));
        out
    }

    pub fn item(&self, im: &ImageInfo) -> Sparse {
        let t0 = 0;
        let g0 = t0 + self.types.len() + 1;
        let s0 = g0 + self.groups.len() + 1;
        let h0 = s0 + self.styles.len() + 2;
        let i0 = h0 + self.term_buckets;
        let style = match &im.style {
            None => self.styles.len(),
            Some(s) => match self.styles.iter().position(|x| x == s) {
                Some(k) => k,
                None => self.styles.len() + 1,
            },
        };
        let mut out: Sparse = vec![
            ((t0 + slot(&self.types, &im.kind)) as u32, 1.0),
            ((g0 + slot(&self.groups, &im.group)) as u32, 1.0),
            ((s0 + style) as u32, 1.0),
        ];
        if self.term_buckets > 0 {
            let mut buckets: BTreeMap<u32, f32> = BTreeMap::new();
            for t in terms(&im.prompt) {
                let b = (term_hash(&t) % self.term_buckets as u64) as usize;
                *buckets.entry((h0 + b) as u32).or_default() += 1.0;
            }
            out.extend(buckets);
        }
        if let Some(id) = im.id {
            if let Ok(k) = self.images.binary_search(&id) {
                out.push(((i0 + k) as u32, 1.0));
            }
        }
        out
    }

    /// Dense rows for the ONNX model.
    pub fn dense(sparse: &Sparse, dim: usize) -> Vec<f32> {
        let mut v = vec![0f32; dim];
        for &(k, x) in sparse {
            if let Some(slot) = v.get_mut(k as usize) {
                *slot = x;
            }
        }
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_are_words_and_pairs_without_stop_words() {
        let t = terms("A photograph of a red fox, golden hour light.");
        assert!(t.contains(&"golden hour".to_string()));
        assert!(t.contains(&"fox".to_string()));
        assert!(!t.iter().any(|x| x == "a" || x == "of"));
        assert!(t.windows(2).all(|w| w[0] < w[1]), "sorted and distinct");
    }

    #[test]
    fn the_term_hash_is_fnv1a() {
        // Reference values of 64-bit FNV-1a.
        assert_eq!(term_hash(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(term_hash("a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(term_hash("foobar"), 0x8594_4171_f739_67e8);
    }

    fn spec() -> FeatureSpec {
        FeatureSpec {
            version: FEATURE_SPEC_VERSION,
            age_center: 30.0,
            age_scale: 10.0,
            age_knots: vec![20.0, 40.0],
            genders: vec!["female".into(), "male".into()],
            nationalities: vec!["Germany".into()],
            types: vec!["Art".into()],
            groups: vec!["landscape/Art".into()],
            styles: vec!["Baroque".into()],
            term_buckets: 4,
            images: vec![7, 11],
        }
    }

    #[test]
    fn unknown_values_get_their_own_slot_and_age_is_a_spline() {
        let spec = spec();
        assert_eq!(spec.user_dim(), 1 + 2 + 3 + 2);
        let u = spec.user(&Profile {
            age: 25.0,
            gender: "robot".into(),
            nationality: "Germany".into(),
        });
        // age (25 - 30) / 10; hats at 20 and 40: 0.75 and 0.25; gender unknown = 3 + 2;
        // Germany = 6 + 0.
        assert_eq!(u, vec![(0, -0.5), (1, 0.75), (2, 0.25), (5, 1.0), (6, 1.0)]);
        let old = spec.user(&Profile {
            age: 90.0,
            gender: "male".into(),
            nationality: "Peru".into(),
        });
        assert_eq!(old, vec![(0, 6.0), (2, 1.0), (4, 1.0), (7, 1.0)]);
        let nan = spec.user(&Profile {
            age: f64::NAN,
            gender: "female".into(),
            nationality: "Germany".into(),
        });
        assert_eq!(nan, vec![(0, 0.0), (3, 1.0), (6, 1.0)]);
    }

    #[test]
    fn images_get_hashed_terms_and_their_own_column_when_known() {
        let spec = spec();
        assert_eq!(spec.item_dim(), 2 + 2 + 3 + 4 + 2);
        let im = |id| ImageInfo {
            kind: "Art".into(),
            group: "x/Art".into(),
            style: None,
            prompt: "golden hour fox".into(),
            id,
        };
        let i = spec.item(&im(Some(11)));
        // type 0; group unknown = 2 + 1 = 3; style "none" = 4 + 1 = 5; buckets from 7; image
        // 11 is the second known image: 7 + 4 + 1 = 12.
        assert_eq!(&i[..3], &[(0, 1.0), (3, 1.0), (5, 1.0)]);
        assert_eq!(*i.last().unwrap(), (12, 1.0));
        let words = &i[3..i.len() - 1];
        // Five terms (golden, hour, fox, golden hour, hour fox) in buckets 7..11.
        assert_eq!(words.iter().map(|w| w.1).sum::<f32>(), 5.0);
        assert!(words.iter().all(|w| (7..11).contains(&w.0)));
        assert!(i.windows(2).all(|w| w[0].0 < w[1].0), "columns ascending");
        for (id, expect_extra) in [(None, 0), (Some(8), 0), (Some(7), 1)] {
            assert_eq!(spec.item(&im(id)).len(), 3 + words.len() + expect_extra);
        }
        let dense = FeatureSpec::dense(&i, spec.item_dim());
        assert_eq!(dense.len(), 13);
        assert_eq!(dense[12], 1.0);
    }

    #[test]
    fn validation_refuses_hostile_sizes_and_orders() {
        assert!(spec().validate().is_ok());
        let mut s = spec();
        s.term_buckets = usize::MAX;
        assert!(s.validate().is_err());
        let mut s = spec();
        s.age_knots = vec![40.0, 20.0];
        assert!(s.validate().is_err());
        let mut s = spec();
        s.age_knots = vec![f64::NAN];
        assert!(s.validate().is_err());
        let mut s = spec();
        s.images = vec![11, 7];
        assert!(s.validate().is_err());
        let mut s = spec();
        s.age_scale = 0.0;
        assert!(s.validate().is_err());
    }
}
