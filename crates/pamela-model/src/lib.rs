//! # pamela-model
//!
//! The personalized predictor, shared by training (native, `pamela train`), evaluation
//! (`pamela eval`) and the browser's predictor worker (wasm, tract):
//!
//! * [`spec`]: the one feature encoding (participant and image side; what it depends on travels with
//!   the model);
//! * [`model`]: weights, the reference forward pass, the closed-form few-shot fit;
//! * [`train`]: deterministic full-batch training with validation-based selection;
//! * [`onnx`]: ONNX export with prost, loading and running with tract;
//! * [`metrics`]: pairwise accuracy, Spearman, RMSE, MAE;
//! * [`bootstrap`]: 95% intervals over participants, and paired differences;
//! * [`eval`]: baselines, per-split evaluation and the few-shot curve;
//! * [`pipeline`]: one training run (train, export, describe, evaluate the export), the same
//!   for `pamela train` and for training in the page's worker.

pub mod bootstrap;
pub mod eval;
pub mod meta;
pub mod metrics;
pub mod model;
pub mod onnx;
pub mod pipeline;
pub mod spec;
pub mod train;

pub use meta::ModelMeta;
pub use model::{Params, Personal};
pub use onnx::{ItemBatch, ModelError, Predictor};
pub use spec::{FeatureSpec, ImageInfo, Profile};
