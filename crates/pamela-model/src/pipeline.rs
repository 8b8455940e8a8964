//! One training run, as the command line (`pamela train`) and the page ("Train on this data",
//! in the predictor worker) both make it: train, export the ONNX file, describe it (the model
//! card's metadata), then evaluate the *exported file* through tract, so the card's figures are
//! those of the model that will be served, not of the weights before export.
//!
//! One function for both, so that a model trained in the browser and one trained on the command
//! line with the same seed are the same model (the predictions agree to 1e-4; see
//! `tests/native_and_wasm.rs`): training is full batch and single-threaded, so nothing but the
//! floating-point library can tell the two builds apart.

use crate::eval::{self, EvalOptions, Truth};
use crate::meta::ModelMeta;
use crate::metrics::Metrics;
use crate::model::Personal;
use crate::onnx::{self, Predictor};
use crate::train::{train, TrainConfig};
use pamela_core::{Dataset, SourceKind};
use std::collections::HashMap;

/// What the model card says the model sees and does not, and how it was selected.
pub fn notes() -> Vec<String> {
    vec![
        "Sees: the rater's age (as a curve, not one slope), gender and nationality; the image's type, visual group, style, every word and word pair of its prompt, and its own ratings in training (a quality no metadata shows); and, once you rate some images, a small personal taste vector and how you use the scale (offset and stretch), fitted to your ratings.".into(),
        "Does not see: the pixels of the images (the published model does; this one runs in your browser on metadata alone), your ratings' context, or anything about you beyond the three profile fields.".into(),
        "Trained on pamela_train, selected on the validation splits, reported on the test splits.".into(),
    ]
}

/// A trained, exported and evaluated model.
pub struct Fitted {
    /// The ONNX file.
    pub onnx: Vec<u8>,
    /// Its metadata, evaluation included.
    pub meta: ModelMeta,
    /// The personal parts of the participants seen in training, by participant id.
    pub personal: Vec<(String, Personal)>,
    /// The validation epoch kept (the best pooled validation pairwise accuracy).
    pub best_epoch: usize,
}

/// Trains on `ds` with `cfg`, exports, and evaluates the export (with the oracle rows when
/// `truth` is given). `date` is the day written in the card (`YYYY-MM-DD`); `progress(epoch,
/// validation)` is called after every epoch, with the validation figures every
/// `cfg.validate_every` epochs.
pub fn fit(
    ds: &Dataset,
    cfg: &TrainConfig,
    truth: Option<&Truth>,
    date: String,
    progress: &mut dyn FnMut(usize, Option<&Metrics>),
) -> Result<Fitted, String> {
    let trained = train(ds, cfg, progress)?;
    let onnx_bytes = onnx::export(&trained.params);
    let mut meta = ModelMeta {
        data_source: match ds.source.kind {
            SourceKind::Synthetic => "synthetic".into(),
            SourceKind::Pamela => "pamela".into(),
        },
        data_provenance: ds.source.provenance.clone(),
        seed: cfg.seed,
        epochs: trained.best_epoch,
        date,
        notes: notes(),
        ..ModelMeta::of(&trained.spec, &trained.params)
    };
    let seen: HashMap<String, Personal> = trained.personal.iter().cloned().collect();
    let predictor = Predictor::load(&onnx_bytes, meta.clone()).map_err(|e| e.to_string())?;
    let (rows, few) = eval::evaluate_model(ds, &predictor, &seen, truth, &EvalOptions::default())
        .map_err(|e| e.to_string())?;
    meta.evaluation = rows;
    meta.few_shot = few;
    Ok(Fitted {
        onnx: onnx_bytes,
        meta,
        personal: trained.personal,
        best_epoch: trained.best_epoch,
    })
}
