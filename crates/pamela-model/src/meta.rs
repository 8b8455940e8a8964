//! The model's metadata, shipped beside the ONNX file: what it was trained on, its feature
//! encoding (vocabularies included), the priors for the few-shot fit, and its evaluation.

use crate::bootstrap::Intervals;
use crate::metrics::Metrics;
use crate::onnx::ModelError;
use crate::spec::{FeatureSpec, FEATURE_SPEC_VERSION};
use serde::{Deserialize, Serialize};

pub const META_FORMAT: &str = "pamela-model";
pub const META_VERSION: u32 = 1;

/// One row of the evaluation table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvalRow {
    /// `model`, `global mean`, `image metadata mean`, `demographic cohort mean`, `oracle`.
    pub predictor: String,
    /// Split file stem.
    pub split: String,
    pub metrics: Metrics,
    /// 95% bootstrap intervals over the split's participants (absent in model files written
    /// before intervals existed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ci: Option<Intervals>,
}

/// The few-shot curve: unseen participants with k of their ratings used to fit the personal
/// part, evaluated on the rest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FewShotPoint {
    /// Ratings used for the fit (for "all", the mean pool size).
    pub k: usize,
    /// `0`, `5`, `10`, `20`, or `all (~n)`: every rating not held out, as much as a seen
    /// participant has.
    pub label: String,
    pub split: String,
    pub metrics: Metrics,
    /// The oracle on the same held-out ratings (synthetic data only).
    pub oracle: Option<Metrics>,
    /// 95% bootstrap intervals over the split's participants, of the model and of the oracle
    /// (absent in model files written before intervals existed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ci: Option<Intervals>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oracle_ci: Option<Intervals>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelMeta {
    pub format: String,
    pub format_version: u32,
    pub spec: FeatureSpec,
    /// Rank of the cohort taste.
    pub rank: usize,
    /// Rank of the personal latent (the few-shot fit estimates this many numbers plus a bias).
    pub personal_rank: usize,
    pub lambda_z: f32,
    pub lambda_b: f32,
    /// The few-shot prior (see `model::Prior`).
    pub prior_mean: Vec<f32>,
    pub prior_precision: Vec<f32>,
    /// `synthetic` or `pamela`, and the data's provenance line.
    pub data_source: String,
    pub data_provenance: String,
    pub seed: u64,
    pub epochs: usize,
    /// When it was trained (UTC, `YYYY-MM-DD`).
    pub date: String,
    pub evaluation: Vec<EvalRow>,
    pub few_shot: Vec<FewShotPoint>,
    /// What the model sees and what it cannot, in words for the model card.
    pub notes: Vec<String>,
}

impl ModelMeta {
    /// Refuses metadata of another format or feature encoding.
    pub fn check(&self) -> Result<(), ModelError> {
        if self.format != META_FORMAT || self.format_version != META_VERSION {
            return Err(ModelError::Corrupt(format!(
                "metadata of format {} v{}, expected {META_FORMAT} v{META_VERSION}",
                self.format, self.format_version
            )));
        }
        if self.spec.version != FEATURE_SPEC_VERSION {
            return Err(ModelError::SpecMismatch(format!(
                "it uses feature encoding {}, this app uses {FEATURE_SPEC_VERSION}",
                self.spec.version
            )));
        }
        if self.rank == 0 || self.rank > 256 || self.personal_rank == 0 || self.personal_rank > 64 {
            return Err(ModelError::Corrupt(format!(
                "metadata: `rank` {} and `personal_rank` {} are not plausible (1 to 256 and 1 to 64)",
                self.rank, self.personal_rank
            )));
        }
        // Numbers that JSON cannot hold (a float too large for f32 reads as infinity) would
        // turn every prediction into NaN, and would not survive being written out again.
        let finite = [
            ("lambda_z", self.lambda_z as f64),
            ("lambda_b", self.lambda_b as f64),
            ("spec.age_center", self.spec.age_center),
            ("spec.age_scale", self.spec.age_scale),
        ];
        if let Some((name, v)) = finite.iter().find(|(_, v)| !v.is_finite()) {
            return Err(ModelError::Corrupt(format!(
                "metadata: `{name}` is {v}, not a finite number"
            )));
        }
        for (name, list) in [
            ("prior_mean", &self.prior_mean),
            ("prior_precision", &self.prior_precision),
        ] {
            if let Some(k) = list.iter().position(|v| !v.is_finite()) {
                return Err(ModelError::Corrupt(format!(
                    "metadata: `{name}[{k}]` is not a finite number"
                )));
            }
        }
        if self.spec.age_scale <= 0.0 {
            return Err(ModelError::Corrupt(format!(
                "metadata: `spec.age_scale` is {}, it must be above 0",
                self.spec.age_scale
            )));
        }
        // The encoder looks prompt terms up by binary search: an unsorted vocabulary would
        // silently give images the wrong columns.
        if let Some(k) = self.spec.vocab.windows(2).position(|w| w[0] >= w[1]) {
            return Err(ModelError::Corrupt(format!(
                "metadata: `spec.vocab` must be sorted and distinct, but entry {} ({:?}) is not \
                 before entry {} ({:?})",
                k,
                self.spec.vocab[k],
                k + 1,
                self.spec.vocab[k + 1]
            )));
        }
        Ok(())
    }

    /// Parses the metadata file; an error names the field (`spec.vocab[3]`) and the line.
    pub fn from_json(bytes: &[u8]) -> Result<ModelMeta, ModelError> {
        let mut de = serde_json::Deserializer::from_slice(bytes);
        let meta: ModelMeta = serde_path_to_error::deserialize(&mut de).map_err(|e| {
            let path = e.path().to_string();
            let inner = e.into_inner();
            if path.is_empty() || path == "." {
                ModelError::Corrupt(format!("metadata: {inner}"))
            } else {
                ModelError::Corrupt(format!("metadata: field `{path}`: {inner}"))
            }
        })?;
        de.end()
            .map_err(|e| ModelError::Corrupt(format!("metadata: {e}")))?;
        Ok(meta)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strip(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::Object(m) => {
                m.remove("ci");
                m.remove("oracle_ci");
                m.values_mut().for_each(strip);
            }
            serde_json::Value::Array(a) => a.iter_mut().for_each(strip),
            _ => {}
        }
    }

    fn committed() -> serde_json::Value {
        serde_json::from_slice(include_bytes!("../../../www/model/pamela-model.json")).unwrap()
    }

    fn parse(v: &serde_json::Value) -> Result<ModelMeta, ModelError> {
        ModelMeta::from_json(&serde_json::to_vec(v).unwrap())
    }

    #[test]
    fn a_float_too_large_for_f32_is_refused_by_the_check_not_carried_as_infinity() {
        // 1e39 reads as f32 infinity, which prints as `null` and then no longer parses: the
        // check refuses it, so checked metadata always survives a round trip.
        // (serde_json's `float_roundtrip`, which the CLI turns on, refuses it already when
        // parsing: either way the message names the field.)
        let refused = |v: &serde_json::Value| match parse(v) {
            Ok(m) => m.check().unwrap_err().to_string(),
            Err(e) => e.to_string(),
        };
        let mut v = committed();
        v["lambda_b"] = serde_json::json!(1e39);
        let e = refused(&v);
        assert!(e.contains("`lambda_b`"), "{e}");
        assert!(e.contains("finite") || e.contains("out of range"), "{e}");
        let mut v = committed();
        v["prior_precision"][4] = serde_json::json!(-3e38 * 10.0);
        let e = refused(&v);
        assert!(e.contains("`prior_precision[4]`"), "{e}");
        // The committed metadata prints and reads back to itself.
        let m = parse(&committed()).unwrap();
        m.check().unwrap();
        let back = ModelMeta::from_json(&serde_json::to_vec_pretty(&m).unwrap()).unwrap();
        assert_eq!(
            serde_json::to_value(&back).unwrap(),
            serde_json::to_value(&m).unwrap()
        );
    }

    #[test]
    fn errors_name_the_field_and_bytes_after_the_object_are_refused() {
        let mut v = committed();
        v["spec"]["genders"][1] = serde_json::json!(false);
        let e = parse(&v).unwrap_err().to_string();
        assert!(e.contains("field `spec.genders[1]`"), "{e}");
        let mut bytes = include_bytes!("../../../www/model/pamela-model.json").to_vec();
        bytes.extend_from_slice(b" {}");
        let e = ModelMeta::from_json(&bytes).unwrap_err().to_string();
        assert!(e.contains("trailing characters"), "{e}");
    }

    #[test]
    fn an_unsorted_or_repeated_vocabulary_and_a_zero_age_scale_are_refused() {
        let mut v = committed();
        v["spec"]["vocab"].as_array_mut().unwrap().swap(3, 4);
        let e = parse(&v).unwrap().check().unwrap_err().to_string();
        assert!(e.contains("`spec.vocab`") && e.contains("entry 3"), "{e}");
        let mut v = committed();
        v["spec"]["age_scale"] = serde_json::json!(-1.0);
        let e = parse(&v).unwrap().check().unwrap_err().to_string();
        assert!(e.contains("`spec.age_scale`"), "{e}");
    }

    #[test]
    fn metadata_with_and_without_intervals_loads() {
        let bytes = include_bytes!("../../../www/model/pamela-model.json");
        let with = ModelMeta::from_json(bytes).unwrap();
        with.check().unwrap();
        assert!(with.evaluation.iter().all(|r| r.ci.is_some()));
        assert!(with.few_shot.iter().all(|p| p.ci.is_some()));
        // A file written before intervals existed: the same without `ci` and `oracle_ci`.
        let mut old: serde_json::Value = serde_json::from_slice(bytes).unwrap();
        strip(&mut old);
        let without = ModelMeta::from_json(&serde_json::to_vec(&old).unwrap()).unwrap();
        without.check().unwrap();
        assert!(without.evaluation.iter().all(|r| r.ci.is_none()));
        assert_eq!(without.evaluation.len(), with.evaluation.len());
        // And written again, it does not gain empty interval fields.
        let again = serde_json::to_string(&without).unwrap();
        assert!(!again.contains("\"ci\""));
    }
}
