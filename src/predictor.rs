//! The page's side of the predictor worker (`crates/predict-worker`): started on first use, so
//! tract's wasm never delays the explorer; every answer lands in signals the "For you" panel
//! reads; every failure becomes a message there, and the rest of the page carries on.

use crate::app::Shared;
use crate::fetch::js_text;
use js_sys::{Array, Float32Array};
use leptos::prelude::*;
use pamela_core::profile::{ImageInfo, Profile};
use pamela_core::Dataset;
use serde::Deserialize;
use std::cell::RefCell;
use worker_io::page::Connection;
use worker_io::predict::{FromPredictor, ToPredictor, SCORES};

/// The worker's start script (`www/workers/`; the wasm is built by trunk from
/// `crates/predict-worker`, `data-type="worker"`).
pub const PREDICT_WORKER: &str = "workers/predict-worker-start.js";
pub const MODEL_URL: &str = "model/pamela-model.onnx";
pub const META_URL: &str = "model/pamela-model.json";

#[derive(Debug, Clone, PartialEq)]
pub enum Status {
    Idle,
    /// Starting the worker, fetching and optimizing the model.
    Loading,
    /// Encoding the loaded images.
    Preparing,
    Ready,
    Failed(String),
}

/// What the model card shows (read from the model's metadata; unknown fields ignored).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Card {
    pub data_source: String,
    pub data_provenance: String,
    pub date: String,
    pub rank: usize,
    pub personal_rank: usize,
    pub evaluation: Vec<CardRow>,
    pub few_shot: Vec<CardFewShot>,
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct CardMetrics {
    pub pairwise: Option<f64>,
    pub spearman: Option<f64>,
    pub rmse: Option<f64>,
    pub mae: Option<f64>,
    pub ratings: usize,
}

/// 95% bootstrap intervals over the split's participants (absent in older model files).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct CardIntervals {
    pub pairwise: Option<[f64; 2]>,
    pub people: usize,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct CardRow {
    pub predictor: String,
    pub split: String,
    pub metrics: CardMetrics,
    #[serde(default)]
    pub ci: Option<CardIntervals>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct CardFewShot {
    pub label: String,
    pub split: String,
    pub metrics: CardMetrics,
    pub oracle: Option<CardMetrics>,
    #[serde(default)]
    pub ci: Option<CardIntervals>,
}

/// A prediction for every image of the loaded data.
#[derive(Debug, Clone, PartialEq)]
pub struct Prediction {
    pub scores: Vec<f32>,
    /// Images worth rating next, most informative first.
    pub suggest: Vec<usize>,
    pub ratings_used: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Timings {
    pub fetch_ms: f64,
    pub load_ms: f64,
    pub items_ms: f64,
    pub base_ms: f64,
    pub fit_ms: f64,
    pub suggest_ms: f64,
    pub predict_ms: f64,
}

#[derive(Clone, Copy)]
pub struct PredictorCtx {
    pub status: RwSignal<Status>,
    pub card: RwSignal<Option<Shared<Card>>>,
    pub prediction: RwSignal<Option<Shared<Prediction>>>,
    pub timings: RwSignal<Timings>,
    /// Which request the current prediction answers (newer ones win).
    next_id: StoredValue<u32>,
    pending_ratings: StoredValue<usize>,
}

thread_local! {
    /// The predictor worker, once started (it lives as long as the page).
    static WORKER: RefCell<Option<Connection>> = const { RefCell::new(None) };
}

impl PredictorCtx {
    pub fn new() -> PredictorCtx {
        PredictorCtx {
            status: RwSignal::new(Status::Idle),
            card: RwSignal::new(None),
            prediction: RwSignal::new(None),
            timings: RwSignal::new(Timings::default()),
            next_id: StoredValue::new(0),
            pending_ratings: StoredValue::new(0),
        }
    }

    fn post(&self, msg: &ToPredictor) {
        let sent = WORKER.with(|w| match &*w.borrow() {
            Some(worker) => worker.send(msg, &[], &Array::new()),
            None => Err("the predictor is not running".into()),
        });
        if let Err(e) = sent {
            self.fail(format!("could not send the request: {e}"));
        }
    }

    fn fail(&self, message: impl Into<String>) {
        self.status.set(Status::Failed(message.into()));
    }

    /// Starts the worker and loads the model, once.
    pub fn start(&self, data: Option<Shared<crate::data::Loaded>>) {
        if matches!(
            self.status.get_untracked(),
            Status::Loading | Status::Preparing | Status::Ready
        ) {
            return;
        }
        self.status.set(Status::Loading);
        crate::perf::mark("pamela:predictor-start");
        let this = *self;
        let on_message = move |msg: Result<FromPredictor, String>, raw: &wasm_bindgen::JsValue| {
            match msg {
                Ok(FromPredictor::Ready) => this.post(&ToPredictor::Load {
                    model: page_url(MODEL_URL),
                    meta: page_url(META_URL),
                }),
                Ok(FromPredictor::Loaded {
                    meta,
                    ms_fetch,
                    ms_load,
                }) => {
                    match parse_card(&meta) {
                        Ok(card) => this.card.set(Some(Shared::new(card))),
                        Err(e) => {
                            return this
                                .fail(format!("the model's description could not be read: {e}"))
                        }
                    }
                    this.timings.update(|t| {
                        t.fetch_ms = ms_fetch;
                        t.load_ms = ms_load;
                    });
                    crate::perf::mark("pamela:model-loaded");
                    this.status.set(Status::Preparing);
                    if let Some(d) = items_data() {
                        this.send_items(&d.ds);
                    }
                }
                Ok(FromPredictor::Items { ms, .. }) => {
                    this.timings.update(|t| t.items_ms = ms);
                    this.status.set(Status::Ready);
                }
                Ok(FromPredictor::Predicted {
                    id,
                    suggest,
                    ms_base,
                    ms_fit,
                    ms_suggest,
                    ms_predict,
                }) => {
                    if id + 1 != this.next_id.get_value() {
                        return; // an older answer: a newer request is on its way
                    }
                    let Some(scores) = worker_io::attached::<Float32Array>(raw, SCORES) else {
                        return this.fail("the predictor answered without scores");
                    };
                    this.timings.update(|t| {
                        t.base_ms = ms_base;
                        t.fit_ms = ms_fit;
                        t.suggest_ms = ms_suggest;
                        t.predict_ms = ms_predict;
                    });
                    let used = this.pending_ratings.get_value();
                    this.prediction.set(Some(Shared::new(Prediction {
                        scores: scores.to_vec(),
                        suggest,
                        ratings_used: used,
                    })));
                    crate::perf::mark("pamela:predicted");
                }
                Ok(FromPredictor::Error { message, .. }) => this.fail(message),
                Err(e) => this.fail(format!("the predictor's answer could not be read: {e}")),
            }
        };
        let on_error = move || {
            this.fail("the predictor stopped unexpectedly (its code could not load or crashed)")
        };
        match Connection::start(PREDICT_WORKER, on_message, on_error) {
            Ok(c) => {
                set_items_data(data);
                WORKER.with(|w| *w.borrow_mut() = Some(c));
            }
            Err(e) => self.fail(format!("the predictor could not start: {e}")),
        }
    }

    /// Sends the images of `ds` to the worker (after a load, or when other data is loaded).
    pub fn send_items(&self, ds: &Dataset) {
        let images: Vec<ImageInfo> = (0..ds.images.len()).map(|i| ImageInfo::of(ds, i)).collect();
        self.prediction.set(None);
        self.post(&ToPredictor::Items { images });
    }

    /// Called when other data is loaded while the predictor runs.
    pub fn data_changed(&self, data: Option<Shared<crate::data::Loaded>>) {
        set_items_data(data.clone());
        if matches!(
            self.status.get_untracked(),
            Status::Ready | Status::Preparing
        ) {
            if let Some(d) = data {
                self.status.set(Status::Preparing);
                self.send_items(&d.ds);
            }
        }
    }

    /// Asks for scores of every image for a profile and the visitor's ratings (image index,
    /// score).
    pub fn predict(&self, age: f64, gender: &str, nationality: &str, ratings: &[(usize, f32)]) {
        if self.status.get_untracked() != Status::Ready {
            return;
        }
        let id = self.next_id.get_value();
        self.next_id.set_value(id + 1);
        self.pending_ratings.set_value(ratings.len());
        self.post(&ToPredictor::Predict {
            id,
            profile: Profile {
                age,
                gender: gender.to_string(),
                nationality: nationality.to_string(),
            },
            ratings: ratings.to_vec(),
        });
    }
}

impl Default for PredictorCtx {
    fn default() -> Self {
        PredictorCtx::new()
    }
}

thread_local! {
    /// The data whose images the worker scores (kept outside the reactive graph: the worker's
    /// message handler reads it when the model has loaded).
    static ITEMS_DATA: RefCell<Option<Shared<crate::data::Loaded>>> = const { RefCell::new(None) };
}

fn set_items_data(d: Option<Shared<crate::data::Loaded>>) {
    ITEMS_DATA.with(|s| *s.borrow_mut() = d);
}

fn items_data() -> Option<Shared<crate::data::Loaded>> {
    ITEMS_DATA.with(|s| s.borrow().clone())
}

/// `path` relative to the page, as an absolute address (the worker resolves relative addresses
/// against its own script, which lives in another folder).
fn page_url(path: &str) -> String {
    web_sys::window()
        .and_then(|w| w.location().href().ok())
        .and_then(|base| web_sys::Url::new_with_base(path, &base).ok())
        .map(|u| u.href())
        .unwrap_or_else(|| path.to_string())
}

/// Reads the model card from the metadata's JSON text with the browser's JSON parser (the app
/// carries no JSON library of its own).
fn parse_card(text: &str) -> Result<Card, String> {
    let v = js_sys::JSON::parse(text).map_err(|e| js_text(&e))?;
    serde_wasm_bindgen::from_value(v).map_err(|e| e.to_string())
}
