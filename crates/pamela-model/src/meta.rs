//! The model's metadata, shipped beside the ONNX file: what it was trained on, its feature
//! encoding (vocabularies included), the priors for the few-shot fit, and its evaluation.

use crate::bootstrap::Intervals;
use crate::metrics::Metrics;
use crate::onnx::ModelError;
use crate::spec::{FeatureSpec, FEATURE_SPEC_VERSION};
use serde::{Deserialize, Serialize};

pub const META_FORMAT: &str = "pamela-model";
pub const META_VERSION: u32 = 2;

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
    /// participant has; `5 chosen`, `10 chosen`, `20 chosen` for the chosen curve.
    pub label: String,
    /// Whether the k fitted ratings are the ones the page would have asked for first
    /// (`model::informative` over the person's pool) rather than k at random (absent, false,
    /// in files written before the chosen curve existed).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub chosen: bool,
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
#[serde(deny_unknown_fields)]
pub struct ModelMeta {
    pub format: String,
    pub format_version: u32,
    pub spec: FeatureSpec,
    /// Rank of the cohort taste.
    pub rank: usize,
    /// Numbers of the personal part (the few-shot fit estimates this many plus a bias): the
    /// personal latent's rank, plus one for the stretch when `stretch` is set.
    pub personal_rank: usize,
    /// Whether the last personal number is a stretch of the profile's score (see
    /// `model::Params`).
    pub stretch: bool,
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
    /// The prior of the personal part for the few-shot fit and the choice of images to rate
    /// (see `model::Prior`), as this model's metadata carries it.
    pub fn prior(&self) -> crate::model::Prior {
        crate::model::Prior::new(
            self.personal_rank,
            self.lambda_z,
            self.lambda_b,
            &self.prior_mean,
            &self.prior_precision,
        )
    }

    /// The metadata of a model's weights and encoding, with nothing yet about its data, date
    /// or evaluation.
    pub fn of(spec: &FeatureSpec, p: &crate::model::Params) -> ModelMeta {
        ModelMeta {
            format: META_FORMAT.into(),
            format_version: META_VERSION,
            spec: spec.clone(),
            rank: p.rank,
            personal_rank: p.personal_dim(),
            stretch: p.stretch,
            lambda_z: p.lambda_z,
            lambda_b: p.lambda_b,
            prior_mean: p.prior_mean.clone(),
            prior_precision: p.prior_precision.clone(),
            data_source: String::new(),
            data_provenance: String::new(),
            seed: 0,
            epochs: 0,
            date: String::new(),
            evaluation: Vec::new(),
            few_shot: Vec::new(),
            notes: Vec::new(),
        }
    }

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
        let latent = self.personal_rank.saturating_sub(usize::from(self.stretch));
        if self.rank == 0 || self.rank > 256 || latent == 0 || self.personal_rank > 64 {
            return Err(ModelError::Corrupt(format!(
                "metadata: `rank` {} and `personal_rank` {} are not plausible (1 to 256 and 1 to 64)",
                self.rank, self.personal_rank
            )));
        }
        self.spec
            .validate()
            .map_err(|e| ModelError::Corrupt(format!("feature encoding: {e}")))?;
        // Numbers that JSON cannot hold (a float too large for f32 reads as infinity) would
        // turn every prediction into NaN and would not survive being written out again.
        for (name, v) in [("lambda_z", self.lambda_z), ("lambda_b", self.lambda_b)] {
            if !v.is_finite() {
                return Err(ModelError::Corrupt(format!(
                    "metadata: `{name}` is {v}, not a finite number"
                )));
            }
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
        let n = self.personal_rank + 1;
        if !(self.prior_mean.is_empty() && self.prior_precision.is_empty())
            && (self.prior_mean.len() != n || self.prior_precision.len() != n * n)
        {
            return Err(ModelError::Corrupt(format!(
                "the few-shot prior must have {n} means and {} precisions (`prior_mean`, \
                 `prior_precision`)",
                n * n
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
    fn unordered_image_ids_and_a_negative_age_scale_are_refused_naming_the_field() {
        let mut v = committed();
        v["spec"]["images"].as_array_mut().unwrap().swap(3, 4);
        let e = parse(&v).unwrap().check().unwrap_err().to_string();
        assert!(
            e.contains("image ids") && e.contains("strictly ascending"),
            "{e}"
        );
        let mut v = committed();
        v["spec"]["age_scale"] = serde_json::json!(-1.0);
        let e = parse(&v).unwrap().check().unwrap_err().to_string();
        assert!(e.contains("`spec.age_scale`"), "{e}");
    }

    #[test]
    fn check_refuses_implausible_sizes_and_priors() {
        let bytes = include_bytes!("../../../www/model/pamela-model.json");
        let good = ModelMeta::from_json(bytes).unwrap();
        good.check().unwrap();
        let refused = |f: &dyn Fn(&mut ModelMeta)| {
            let mut m = good.clone();
            f(&mut m);
            assert!(matches!(m.check(), Err(ModelError::Corrupt(_))), "{m:?}");
        };
        // A stretch and nothing else: no personal latent.
        refused(&|m| {
            m.stretch = true;
            m.personal_rank = 1;
        });
        refused(&|m| m.prior_mean.push(0.0));
        refused(&|m| m.prior_precision.truncate(1));
        refused(&|m| m.spec.term_buckets = 1 << 40);
        refused(&|m| m.spec.images.reverse());
        // Unknown fields are refused, not ignored.
        let mut v: serde_json::Value = serde_json::from_slice(bytes).unwrap();
        v["surprise"] = serde_json::json!(1);
        assert!(ModelMeta::from_json(&serde_json::to_vec(&v).unwrap()).is_err());
        let mut v: serde_json::Value = serde_json::from_slice(bytes).unwrap();
        v["spec"]["vocab"] = serde_json::json!(["fox"]);
        assert!(ModelMeta::from_json(&serde_json::to_vec(&v).unwrap()).is_err());
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
