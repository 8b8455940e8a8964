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
                "ranks {} and {} are not plausible",
                self.rank, self.personal_rank
            )));
        }
        Ok(())
    }

    pub fn from_json(bytes: &[u8]) -> Result<ModelMeta, ModelError> {
        serde_json::from_slice(bytes).map_err(|e| ModelError::Corrupt(format!("metadata: {e}")))
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
