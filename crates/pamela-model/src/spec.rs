//! The feature encoding: how a participant profile and an image become the model's inputs.
//!
//! This is the only encoding. Training (native), evaluation (native) and the browser's
//! predictor (wasm) all call [`FeatureSpec::user`] and [`FeatureSpec::item`], and the
//! vocabularies travel with the model in its metadata, so a model never sees features built by
//! different rules than it was trained on.
//!
//! * participant side: age (centred and scaled), gender one-hot, nationality one-hot; each
//!   one-hot has an extra slot for values the training data did not have;
//! * image side: type, visual group (name under type) and style one-hots (style has a slot for
//!   "no style"), and a bag of prompt words and word pairs from a vocabulary chosen on the
//!   training images (terms in at least `MIN_DF` of them, at most `MAX_VOCAB`).

pub use pamela_core::profile::{ImageInfo, Profile};
use pamela_core::{Dataset, Key, Split};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Bump when the meaning of any input column changes: older models are then refused.
pub const FEATURE_SPEC_VERSION: u32 = 1;
pub const MIN_DF: usize = 5;
pub const MAX_VOCAB: usize = 600;

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

/// Sparse features: (column, value), columns ascending.
pub type Sparse = Vec<(u32, f32)>;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureSpec {
    pub version: u32,
    pub age_center: f64,
    pub age_scale: f64,
    pub genders: Vec<String>,
    pub nationalities: Vec<String>,
    pub types: Vec<String>,
    pub groups: Vec<String>,
    pub styles: Vec<String>,
    pub vocab: Vec<String>,
}

fn slot(list: &[String], v: &str) -> usize {
    list.iter().position(|x| x == v).unwrap_or(list.len())
}

impl FeatureSpec {
    /// Chooses vocabularies from the training split of a dataset.
    pub fn fit(ds: &Dataset) -> FeatureSpec {
        let train = ds.split_range(Split::Train);
        let mut seen_images = vec![false; ds.images.len()];
        let mut seen_people = vec![false; ds.participants.len()];
        for r in train {
            seen_images[ds.ratings.image[r] as usize] = true;
            seen_people[ds.ratings.participant[r] as usize] = true;
        }
        let mut df: BTreeMap<String, usize> = BTreeMap::new();
        for (i, _) in seen_images.iter().enumerate().filter(|(_, s)| **s) {
            for t in terms(&ds.images.prompt[i]) {
                *df.entry(t).or_default() += 1;
            }
        }
        let mut vocab: Vec<(String, usize)> =
            df.into_iter().filter(|(_, n)| *n >= MIN_DF).collect();
        vocab.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        vocab.truncate(MAX_VOCAB);
        let mut vocab: Vec<String> = vocab.into_iter().map(|v| v.0).collect();
        vocab.sort();
        let ages: Vec<f64> = (0..ds.participants.len())
            .filter(|&p| seen_people[p])
            .map(|p| ds.participants.age[p] as f64)
            .collect();
        let n = ages.len().max(1) as f64;
        let mean = ages.iter().sum::<f64>() / n;
        let sd = (ages.iter().map(|a| (a - mean).powi(2)).sum::<f64>() / n)
            .sqrt()
            .max(1.0);
        let values =
            |k: Key| -> Vec<String> { (0..k.domain(ds) as u32).map(|v| k.token(ds, v)).collect() };
        FeatureSpec {
            version: FEATURE_SPEC_VERSION,
            age_center: mean,
            age_scale: sd,
            genders: values(Key::Gender),
            nationalities: values(Key::Nationality),
            types: values(Key::Type),
            groups: (0..ds.groups().len() as u32)
                .map(|g| ds.group_token(g as u16))
                .collect(),
            styles: ds.dicts.styles.values().to_vec(),
            vocab,
        }
    }

    pub fn user_dim(&self) -> usize {
        1 + (self.genders.len() + 1) + (self.nationalities.len() + 1)
    }

    pub fn item_dim(&self) -> usize {
        (self.types.len() + 1)
            + (self.groups.len() + 1)
            + (self.styles.len() + 2)
            + self.vocab.len()
    }

    pub fn user(&self, p: &Profile) -> Sparse {
        let age = if p.age.is_finite() {
            (p.age - self.age_center) / self.age_scale
        } else {
            0.0
        };
        let g0 = 1;
        let n0 = g0 + self.genders.len() + 1;
        vec![
            (0, age as f32),
            ((g0 + slot(&self.genders, &p.gender)) as u32, 1.0),
            ((n0 + slot(&self.nationalities, &p.nationality)) as u32, 1.0),
        ]
    }

    pub fn item(&self, im: &ImageInfo) -> Sparse {
        let t0 = 0;
        let g0 = t0 + self.types.len() + 1;
        let s0 = g0 + self.groups.len() + 1;
        let v0 = s0 + self.styles.len() + 2;
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
        for t in terms(&im.prompt) {
            if let Ok(k) = self.vocab.binary_search(&t) {
                out.push(((v0 + k) as u32, 1.0));
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
    fn unknown_values_get_their_own_slot() {
        let spec = FeatureSpec {
            version: FEATURE_SPEC_VERSION,
            age_center: 30.0,
            age_scale: 10.0,
            genders: vec!["female".into(), "male".into()],
            nationalities: vec!["Germany".into()],
            types: vec!["Art".into()],
            groups: vec!["landscape/Art".into()],
            styles: vec!["Baroque".into()],
            vocab: vec!["fox".into(), "golden hour".into()],
        };
        assert_eq!(spec.user_dim(), 1 + 3 + 2);
        let u = spec.user(&Profile {
            age: 40.0,
            gender: "robot".into(),
            nationality: "Germany".into(),
        });
        assert_eq!(u, vec![(0, 1.0), (3, 1.0), (4, 1.0)]);
        let i = spec.item(&ImageInfo {
            kind: "Art".into(),
            group: "x/Art".into(),
            style: None,
            prompt: "golden hour fox".into(),
        });
        // type 0; group unknown = 2 + 1 = 3; style "none" = 4 + 1 = 5; vocab from 4 + 3 = 7.
        assert_eq!(i, vec![(0, 1.0), (3, 1.0), (5, 1.0), (7, 1.0), (8, 1.0)]);
        assert_eq!(spec.item_dim(), 2 + 2 + 3 + 2);
        assert_eq!(
            FeatureSpec::dense(&i, spec.item_dim()),
            vec![1.0, 0.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 1.0]
        );
    }
}
