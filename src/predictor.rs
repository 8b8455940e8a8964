//! The page's side of the predictor worker (`crates/predict-worker`): started on first use, so
//! tract's wasm never delays the explorer; every answer lands in signals the "For you" panel
//! reads; every failure becomes a message there, and the rest of the page carries on.

use crate::app::Shared;
use crate::fetch::{js_field_number, js_field_text, js_text};
use js_sys::{Float32Array, Reflect};
use leptos::prelude::*;
use pamela_core::dataset::NO_STYLE;
use pamela_core::Dataset;
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{MessageEvent, Worker};

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

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct CardRow {
    pub predictor: String,
    pub split: String,
    pub metrics: CardMetrics,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct CardFewShot {
    pub label: String,
    pub split: String,
    pub metrics: CardMetrics,
    pub oracle: Option<CardMetrics>,
}

/// An image as the worker wants it (the model crate's `ImageInfo`).
#[derive(Serialize)]
struct ImageMsg<'a> {
    kind: &'a str,
    group: String,
    style: Option<&'a str>,
    prompt: &'a str,
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
    static WORKER: RefCell<Option<Worker>> = const { RefCell::new(None) };
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

    fn post(&self, msg: &JsValue) -> Result<(), String> {
        WORKER.with(|w| match &*w.borrow() {
            Some(worker) => worker.post_message(msg).map_err(|e| js_text(&e)),
            None => Err("the predictor is not running".into()),
        })
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
        let worker = match Worker::new(PREDICT_WORKER) {
            Ok(w) => w,
            Err(e) => return self.fail(format!("the predictor could not start: {}", js_text(&e))),
        };
        let this = *self;
        let on_message = Closure::<dyn Fn(MessageEvent)>::new(move |ev: MessageEvent| {
            let data = ev.data();
            let kind = js_field_text(&data, "kind").unwrap_or_default();
            match kind.as_str() {
                "ready" => {
                    let msg =
                        serde_wasm_bindgen::to_value(&load_request()).unwrap_or(JsValue::NULL);
                    if let Err(e) = this.post(&msg) {
                        this.fail(e);
                    }
                }
                "loaded" => {
                    let meta = js_field_text(&data, "meta").unwrap_or_default();
                    match parse_card(&meta) {
                        Ok(card) => this.card.set(Some(Shared::new(card))),
                        Err(e) => {
                            return this
                                .fail(format!("the model's description could not be read: {e}"))
                        }
                    }
                    this.timings.update(|t| {
                        t.fetch_ms = js_field_number(&data, "ms_fetch");
                        t.load_ms = js_field_number(&data, "ms_load");
                    });
                    crate::perf::mark("pamela:model-loaded");
                    this.status.set(Status::Preparing);
                    if let Some(d) = items_data() {
                        this.send_items(&d.ds);
                    }
                }
                "items" => {
                    this.timings
                        .update(|t| t.items_ms = js_field_number(&data, "ms"));
                    this.status.set(Status::Ready);
                }
                "predicted" => {
                    let id = js_field_number(&data, "id") as u32;
                    if id + 1 != this.next_id.get_value() {
                        return; // an older answer: a newer request is on its way
                    }
                    let scores = Reflect::get(&data, &"scores".into())
                        .ok()
                        .and_then(|s| s.dyn_into::<Float32Array>().ok())
                        .map(|a| a.to_vec())
                        .unwrap_or_default();
                    let suggest: Vec<usize> = Reflect::get(&data, &"suggest".into())
                        .ok()
                        .and_then(|s| serde_wasm_bindgen::from_value(s).ok())
                        .unwrap_or_default();
                    this.timings.update(|t| {
                        t.base_ms = js_field_number(&data, "ms_base");
                        t.fit_ms = js_field_number(&data, "ms_fit");
                        t.suggest_ms = js_field_number(&data, "ms_suggest");
                        t.predict_ms = js_field_number(&data, "ms_predict");
                    });
                    let used = this.pending_ratings.get_value();
                    this.prediction.set(Some(Shared::new(Prediction {
                        scores,
                        suggest,
                        ratings_used: used,
                    })));
                    crate::perf::mark("pamela:predicted");
                }
                _ => {
                    let message =
                        js_field_text(&data, "message").unwrap_or_else(|| "unknown error".into());
                    this.fail(message);
                }
            }
        });
        let on_error = Closure::<dyn Fn(JsValue)>::new(move |_e: JsValue| {
            this.fail("the predictor stopped unexpectedly (its code could not load or crashed)");
        });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        on_message.forget();
        on_error.forget();
        set_items_data(data);
        WORKER.with(|w| *w.borrow_mut() = Some(worker));
    }

    /// Sends the images of `ds` to the worker (after a load, or when other data is loaded).
    pub fn send_items(&self, ds: &Dataset) {
        let images: Vec<ImageMsg> = (0..ds.images.len())
            .map(|i| ImageMsg {
                kind: ds.dicts.types.get(ds.images.kind[i]),
                group: ds.group_token(ds.image_group()[i]),
                style: (ds.images.style[i] != NO_STYLE)
                    .then(|| ds.dicts.styles.get(ds.images.style[i])),
                prompt: &ds.images.prompt[i],
            })
            .collect();
        let msg = js_sys::Object::new();
        let _ = Reflect::set(&msg, &"kind".into(), &"items".into());
        let _ = Reflect::set(
            &msg,
            &"images".into(),
            &serde_wasm_bindgen::to_value(&images).unwrap_or(JsValue::NULL),
        );
        self.prediction.set(None);
        if let Err(e) = self.post(&msg) {
            self.fail(e);
        }
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
        #[derive(Serialize)]
        struct Profile<'a> {
            age: f64,
            gender: &'a str,
            nationality: &'a str,
        }
        #[derive(Serialize)]
        struct Req<'a> {
            kind: &'static str,
            id: u32,
            profile: Profile<'a>,
            ratings: &'a [(usize, f32)],
        }
        let req = Req {
            kind: "predict",
            id,
            profile: Profile {
                age,
                gender,
                nationality,
            },
            ratings,
        };
        let ser = serde_wasm_bindgen::Serializer::new().serialize_maps_as_objects(true);
        match req.serialize(&ser) {
            Ok(msg) => {
                if let Err(e) = self.post(&msg) {
                    self.fail(e);
                }
            }
            Err(e) => self.fail(format!("could not send the request: {e}")),
        }
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

fn load_request() -> impl Serialize {
    #[derive(Serialize)]
    struct Load {
        kind: &'static str,
        model: String,
        meta: String,
    }
    Load {
        kind: "load",
        model: page_url(MODEL_URL),
        meta: page_url(META_URL),
    }
}

/// Reads the model card from the metadata's JSON text with the browser's JSON parser (the app
/// carries no JSON library of its own).
fn parse_card(text: &str) -> Result<Card, String> {
    let v = js_sys::JSON::parse(text).map_err(|e| js_text(&e))?;
    serde_wasm_bindgen::from_value(v).map_err(|e| e.to_string())
}
