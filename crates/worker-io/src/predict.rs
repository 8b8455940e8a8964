//! The predictor worker's messages: a model to load, images to encode once, profiles to score;
//! and training. A second instance of the same worker trains on the data shown ("Train on this
//! data"), so that the running predictor keeps answering and a cancel is the end of that
//! instance; the model it trained then goes to the predictor with `Use`.

use pamela_core::profile::{ImageInfo, Profile};
use serde::{Deserialize, Serialize};

/// The field of [`FromPredictor::Predicted`] holding a `Float32Array` with one score per image.
pub const SCORES: &str = "scores";

/// The field holding a bundle's bytes (a `Uint8Array`) beside [`ToPredictor::Train`].
pub const DATA: &str = "data";
/// The field holding the default data's text file apart (prompts, paths) beside
/// [`ToPredictor::Train`], when the bundle comes without them.
pub const TEXT: &str = "text";
/// The field holding an ONNX file's bytes beside [`FromPredictor::Trained`] and
/// [`ToPredictor::Use`].
pub const MODEL: &str = "model";

/// Page to worker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ToPredictor {
    /// Fetch and optimize the model (addresses of the ONNX file and its metadata).
    Load {
        model: String,
        meta: String,
    },
    /// The loaded data's images, encoded once by the model's image side.
    Items {
        images: Vec<ImageInfo>,
    },
    /// Score every image for a profile; `ratings` (image, score) fit the personal part.
    Predict {
        id: u32,
        profile: Profile,
        #[serde(default)]
        ratings: Vec<(usize, f32)>,
    },
    /// Train the model on the data attached under [`DATA`] (and [`TEXT`]) with the command
    /// line's settings and `seed`; `origin` (where the data came from) goes into the model card.
    Train {
        seed: u64,
        origin: String,
    },
    /// Use the model attached under [`MODEL`] with its metadata `meta` (JSON), trained in this
    /// page on `origin`.
    Use {
        meta: String,
        origin: String,
    },
    /// Keep the model in use (one trained here) in this browser for the next visits, or forget
    /// the kept one.
    Keep,
    Forget,
}

/// Worker to page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FromPredictor {
    Ready,
    /// The model is loaded; `meta` is its metadata as JSON text (the model card reads it).
    Loaded {
        meta: String,
        ms_fetch: f64,
        ms_load: f64,
        /// Where the data it was trained on came from, for a model trained in this page (also
        /// one kept from an earlier visit); none for the published model.
        #[serde(default)]
        trained_on: Option<String>,
        /// It is the copy kept in this browser.
        #[serde(default)]
        kept: bool,
    },
    /// `n` images encoded.
    Items {
        n: usize,
        ms: f64,
    },
    /// The scores of request `id` (attached under [`SCORES`], clamped to 1..5) and the images
    /// worth rating next, most informative first.
    Predicted {
        id: u32,
        suggest: Vec<usize>,
        ms_base: f64,
        ms_fit: f64,
        ms_suggest: f64,
        ms_predict: f64,
    },
    /// Training: `epoch` of `epochs` done; the pooled validation pairwise accuracy every
    /// validation.
    Progress {
        epoch: usize,
        epochs: usize,
        pairwise: Option<f64>,
    },
    /// Trained: the ONNX file is attached under [`MODEL`]; `meta` is its metadata (JSON, the
    /// evaluation included); `ms` the time from the request.
    Trained {
        meta: String,
        ms: f64,
    },
    /// The model in use is kept in this browser (`true`), or no model is (`false`).
    Kept {
        kept: bool,
    },
    /// A request failed at `stage` (load, items, predict, train, use, keep, request). After
    /// `use` and `keep` the model in use stays.
    Error {
        stage: String,
        message: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_and_answers_round_trip_through_their_object_form() {
        let req = ToPredictor::Predict {
            id: 3,
            profile: Profile {
                age: 30.0,
                gender: "female".into(),
                nationality: "Germany".into(),
            },
            ratings: vec![(7, 4.5)],
        };
        let v = serde_json::to_value(&req).unwrap();
        assert_eq!(v["predict"]["profile"]["gender"], "female");
        assert_eq!(serde_json::from_value::<ToPredictor>(v).unwrap(), req);
        // Ratings may be left out.
        let bare: ToPredictor = serde_json::from_str(
            r#"{"predict":{"id":1,"profile":{"age":20,"gender":"male","nationality":"x"}}}"#,
        )
        .unwrap();
        assert!(matches!(bare, ToPredictor::Predict { ratings, .. } if ratings.is_empty()));
        let items = ToPredictor::Items {
            images: vec![ImageInfo {
                kind: "Art".into(),
                group: "landscape/Art".into(),
                style: None,
                prompt: "a hill".into(),
                id: Some(1_012_288),
            }],
        };
        let text = serde_json::to_string(&items).unwrap();
        assert!(
            text.starts_with(r#"{"items":{"images":[{"kind":"Art""#),
            "{text}"
        );
        assert_eq!(serde_json::from_str::<ToPredictor>(&text).unwrap(), items);
        // Also what the start script posts (in its envelope) when the wasm cannot start.
        let err: FromPredictor =
            serde_json::from_str(r#"{"error":{"stage":"load","message":"gone"}}"#).unwrap();
        assert_eq!(
            err,
            FromPredictor::Error {
                stage: "load".into(),
                message: "gone".into()
            }
        );
    }
}
