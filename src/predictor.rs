//! The page's side of the predictor worker (`crates/predict-worker`): started on first use, so
//! tract's wasm never delays the explorer; every answer lands in signals the "For you" panel
//! reads; every failure becomes a message there, and the rest of the page carries on.

use crate::app::Shared;
use crate::charts::format::Fixed;
use crate::fetch::js_text;
use crate::summaries::GroupMiss;
use js_sys::{Array, Float32Array};
use leptos::prelude::*;
use pamela_core::profile::{ImageInfo, Profile};
use pamela_core::query::Key;
use pamela_core::Dataset;
use serde::Deserialize;
use std::cell::RefCell;
use worker_io::page::Connection;
use worker_io::predict::{FromPredictor, ToPredictor, DATA, MODEL, SCORES, TEXT};

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
    /// Ratings of their own each held-out person gave the model (absent in older files).
    #[serde(default)]
    pub k: Option<usize>,
    pub label: String,
    /// Fitted on the images the page would have suggested first, not k at random (absent,
    /// false, in older files).
    #[serde(default)]
    pub chosen: bool,
    pub split: String,
    pub metrics: CardMetrics,
    pub oracle: Option<CardMetrics>,
    #[serde(default)]
    pub ci: Option<CardIntervals>,
}

/// How far the model's predicted score typically misses one rating by a person it has never
/// seen, given `k` of their ratings: the root mean square error on the held-out people of
/// `test_unseen`, as the model file reports it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Miss {
    pub rmse: f64,
    pub k: usize,
    /// People in the split the figure comes from (0 when the file does not say).
    pub people: usize,
}

impl Miss {
    /// The plain range shown beside a predicted score: give or take one typical miss, inside
    /// the scale. Not a 95% interval: about two ratings in three fall inside it when misses are
    /// roughly normal, which the page says.
    pub fn range(&self, predicted: f64) -> (f64, f64) {
        (
            (predicted - self.rmse).max(1.0),
            (predicted + self.rmse).min(5.0),
        )
    }
}

impl Card {
    /// The split that stands for a visitor: people the model was not trained on.
    pub const UNSEEN: &'static str = "pamela_test_unseen";

    /// The typical miss for a visitor who has rated `ratings` images: the few-shot row with
    /// the most ratings not above theirs, else the profile-only evaluation.
    pub fn typical_miss(&self, ratings: usize) -> Option<Miss> {
        let people = |ci: &Option<CardIntervals>| ci.as_ref().map_or(0, |c| c.people);
        self.few_shot
            .iter()
            // k at random: a visitor may rate images of their own choosing too.
            .filter(|f| f.split == Self::UNSEEN && !f.chosen)
            .filter_map(|f| Some((f.k?, f.metrics.rmse?, people(&f.ci))))
            .filter(|&(k, _, _)| k <= ratings)
            .max_by_key(|&(k, _, _)| k)
            .map(|(k, rmse, people)| Miss { rmse, k, people })
            .or_else(|| {
                let r = self.model_row()?;
                Some(Miss {
                    rmse: r.metrics.rmse?,
                    k: 0,
                    people: people(&r.ci),
                })
            })
    }

    fn model_row(&self) -> Option<&CardRow> {
        self.row("model")
    }

    fn row(&self, predictor: &str) -> Option<&CardRow> {
        self.evaluation
            .iter()
            .find(|r| r.split == Self::UNSEEN && r.predictor == predictor)
    }

    /// The model card in plain words, for a class: what it was trained on, how often it puts
    /// two images in a new person's order (against guessing and the best simple rule), and by
    /// how much its scores miss. The technical table stays below for those who want it.
    pub fn plain_words(&self) -> Vec<String> {
        let pct = |x: f64| Fixed(x * 100.0, 0).to_string();
        let mut out = vec![format!(
            "It was trained on {} data ({}), {}.",
            self.data_source, self.data_provenance, self.date
        )];
        if let Some(m) = self
            .model_row()
            .and_then(|r| Some((r, r.metrics.pairwise?)))
        {
            let (row, p) = m;
            let people = row.ci.as_ref().map_or(0, |c| c.people);
            let best = self
                .evaluation
                .iter()
                .filter(|r| r.split == Self::UNSEEN && r.predictor != "model")
                .filter(|r| r.predictor != "oracle")
                .filter_map(|r| Some((r.predictor.as_str(), r.metrics.pairwise?)))
                .max_by(|a, b| a.1.total_cmp(&b.1));
            let mut s = format!(
                "It was tested on {} it never saw. Shown two images that one of them rated, it put them in that person's order {} times in 100; guessing gets 50",
                match people {
                    0 => "people".to_string(),
                    1 => "1 person".to_string(),
                    n => format!("{n} people"),
                },
                pct(p)
            );
            if let Some((name, b)) = best {
                s.push_str(&format!(", the best simple rule ({name}) {}", pct(b)));
            }
            if let Some(o) = self.row("oracle").and_then(|r| r.metrics.pairwise) {
                s.push_str(&format!(
                    ", and the best any model could do {} (known here because the data were generated)",
                    pct(o)
                ));
            }
            s.push('.');
            out.push(s);
        }
        if let Some(m0) = self.typical_miss(0) {
            let mut s = format!(
                "Its predicted score misses one of a new person's ratings by about {} points on the 1-to-5 scale",Fixed(m0.rmse, 2));
            if let Some(m10) = self.typical_miss(10).filter(|m| m.k == 10) {
                s.push_str(&format!(
                    ", and by about {} once they have rated 10 images",
                    Fixed(m10.rmse, 2)
                ));
            }
            s.push_str(
                ". The ranges beside your scores are give or take that much: about two of your ratings in three would fall inside.",
            );
            out.push(s);
        }
        if let Some(p) = self
            .model_row()
            .and_then(|r| r.ci.as_ref())
            .map(|c| c.people)
        {
            if p < 30 {
                out.push(format!(
                    "With {p} people to test on, these figures are rough: the technical details below give their 95% intervals."
                ));
            }
        }
        out
    }
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

/// Training in the page ("Train on this data"), as its section shows it.
#[derive(Debug, Clone, PartialEq)]
pub enum Training {
    Idle,
    /// Starting the training worker and reading the data.
    Starting,
    /// `epoch` of `epochs` done; the latest validation pairwise accuracy. Past the last epoch,
    /// the exported model is being evaluated.
    Running {
        epoch: usize,
        epochs: usize,
        pairwise: Option<f64>,
    },
    /// Trained in `ms` and handed to the predictor.
    Done {
        ms: f64,
    },
    Cancelled,
    Failed(String),
    /// Keeping, forgetting or opening the kept model failed (the worker's sentence says what
    /// stays in use).
    NotKept(String),
}

impl Training {
    /// What the training section says.
    pub fn describe(&self) -> String {
        match self {
            Training::Idle => String::new(),
            Training::Starting => "Starting the training…".into(),
            Training::Running { epoch, epochs, .. } if epoch >= epochs => {
                "Trained; evaluating the model on the test splits…".into()
            }
            Training::Running {
                epoch,
                epochs,
                pairwise,
            } => format!(
                "Epoch {epoch} of {epochs}{}.",
                pairwise.map_or(String::new(), |p| format!(
                    "; validation pairwise accuracy {p_3}",
                    p_3 = Fixed(p, 3)
                ))
            ),
            Training::Done { ms } => format!(
                "Trained in {} s. The predictions and the model card now use it.",
                Fixed(ms / 1000.0, 1)
            ),
            Training::Cancelled => "Training cancelled; the model in use is unchanged.".into(),
            Training::Failed(e) => format!("Training failed: {e}. The model in use is unchanged."),
            Training::NotKept(e) => format!("{e}."),
        }
    }

    /// A one-word name of the state, for tests and benchmarks (`data-state`).
    pub fn state(&self) -> &'static str {
        match self {
            Training::Idle => "idle",
            Training::Starting => "starting",
            Training::Running { .. } => "running",
            Training::Done { .. } => "done",
            Training::Cancelled => "cancelled",
            Training::Failed(_) | Training::NotKept(_) => "failed",
        }
    }
}

/// The seed of a model trained in the page: the command line's default, so that `pamela
/// train` on the same data gives the same model.
pub const TRAIN_SEED: u64 = 7;

/// Request ids from here up are the calibration's (one per held-out person), never the panel's.
const CALIBRATION: u32 = 1 << 30;
/// The most held-out people the calibration asks about.
const CALIBRATION_PEOPLE: usize = 40;

/// The calibration of the "For you" charts' ranges, in progress: the held-out people asked
/// about, and the misses of those who have been answered.
#[derive(Default)]
struct Calibration {
    started: bool,
    people: Vec<u32>,
    range: std::ops::Range<usize>,
    groups: Vec<Vec<f64>>,
    styles: Vec<Vec<f64>>,
    answered: usize,
}

#[derive(Clone, Copy)]
pub struct PredictorCtx {
    pub status: RwSignal<Status>,
    pub card: RwSignal<Option<Shared<Card>>>,
    pub prediction: RwSignal<Option<Shared<Prediction>>>,
    /// How far predicted group and style means miss the own means of the loaded data's
    /// held-out people (see [`GroupMiss`]), once measured: the ranges of the "For you" charts.
    pub group_miss: RwSignal<Option<(Option<GroupMiss>, Option<GroupMiss>)>>,
    calibration: StoredValue<Calibration>,
    pub timings: RwSignal<Timings>,
    /// Training in the page, and where the data of the model in use came from when it was
    /// trained here (none: the published model); `kept`: it is the copy kept in this browser.
    pub training: RwSignal<Training>,
    pub trained_on: RwSignal<Option<String>>,
    pub kept: RwSignal<bool>,
    /// The files of the model trained in this visit (ONNX, metadata JSON), for "Download it".
    trained_files: StoredValue<Option<(Vec<u8>, String)>>,
    /// Which request the current prediction answers (newer ones win).
    next_id: StoredValue<u32>,
    pending_ratings: StoredValue<usize>,
}

thread_local! {
    /// The predictor worker, once started (it lives as long as the page).
    static WORKER: RefCell<Option<Connection>> = const { RefCell::new(None) };
    /// A second instance of it while it trains (dropping it terminates the training).
    static TRAINER: RefCell<Option<Connection>> = const { RefCell::new(None) };
}

/// Stops the training worker, after the message being handled (its listener is the one
/// running).
fn stop_trainer() {
    crate::dom::after(0, || TRAINER.with(|t| drop(t.borrow_mut().take())));
}

impl PredictorCtx {
    pub fn new() -> PredictorCtx {
        PredictorCtx {
            status: RwSignal::new(Status::Idle),
            card: RwSignal::new(None),
            prediction: RwSignal::new(None),
            group_miss: RwSignal::new(None),
            calibration: StoredValue::new(Calibration::default()),
            timings: RwSignal::new(Timings::default()),
            training: RwSignal::new(Training::Idle),
            trained_on: RwSignal::new(None),
            kept: RwSignal::new(false),
            trained_files: StoredValue::new(None),
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

    /// Asks the worker for the published model (or the one the visitor kept, which it looks
    /// for first).
    fn load_published(&self) {
        self.post(&ToPredictor::Load {
            model: page_url(MODEL_URL),
            meta: page_url(META_URL),
        });
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
                Ok(FromPredictor::Ready) => this.load_published(),
                Ok(FromPredictor::Loaded {
                    meta,
                    ms_fetch,
                    ms_load,
                    trained_on,
                    kept,
                }) => {
                    this.trained_on.set(trained_on);
                    this.kept.set(kept);
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
                    // The images go in a task of their own, after the card is drawn: two short
                    // tasks rather than one long one.
                    crate::dom::after(0, move || {
                        if let Some(d) = items_data() {
                            this.send_items(&d.ds);
                        }
                    });
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
                    let Some(scores) = worker_io::attached::<Float32Array>(raw, SCORES) else {
                        return this.fail("the predictor answered without scores");
                    };
                    if id >= CALIBRATION {
                        return this.calibrated((id - CALIBRATION) as usize, &scores.to_vec());
                    }
                    if id + 1 != this.next_id.get_value() {
                        return; // an older answer: a newer request is on its way
                    }
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
                    // After the visitor's first answer (so theirs never waits for it).
                    this.calibrate();
                }
                Ok(FromPredictor::Kept { kept }) => {
                    this.kept.set(kept);
                    if !kept && this.trained_on.get_untracked().is_some() {
                        // Forgotten: back to the published model.
                        this.status.set(Status::Loading);
                        this.load_published();
                    }
                }
                // Keeping is an extra: the model in use stays, the training section says why.
                Ok(FromPredictor::Error { stage, message }) if stage == "keep" => {
                    this.training.set(Training::NotKept(message))
                }
                // A trained model that does not load: the one in use answers on.
                Ok(FromPredictor::Error { stage, message }) if stage == "use" => {
                    this.training.set(Training::Failed(message));
                    this.status.set(Status::Ready);
                }
                Ok(FromPredictor::Error { message, .. }) => this.fail(message),
                Ok(FromPredictor::Progress { .. } | FromPredictor::Trained { .. }) => {}
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

    /// Asks for the held-out people's predictions from their profiles alone, once per data.
    fn calibrate(&self) {
        if self.calibration.with_value(|c| c.started) {
            return;
        }
        let Some(d) = items_data() else { return };
        let (mut people, range) = crate::summaries::held_out(&d.ds);
        people.truncate(CALIBRATION_PEOPLE);
        if people.is_empty() {
            self.group_miss.set(Some((None, None)));
        }
        for (k, &p) in people.iter().enumerate() {
            self.post(&ToPredictor::Predict {
                id: CALIBRATION + k as u32,
                profile: Profile::of(&d.ds, p as usize),
                ratings: Vec::new(),
            });
        }
        self.calibration.set_value(Calibration {
            started: true,
            people,
            range,
            ..Calibration::default()
        });
    }

    /// The answer for held-out person `k`: their misses, and the pooled figures once all are in.
    fn calibrated(&self, k: usize, scores: &[f32]) {
        let Some(d) = items_data() else { return };
        let done = self.calibration.try_update_value(|c| {
            let p = *c.people.get(k)?;
            c.groups.push(GroupMiss::person(
                &d.ds,
                c.range.clone(),
                p,
                Key::Group,
                scores,
            ));
            c.styles.push(GroupMiss::person(
                &d.ds,
                c.range.clone(),
                p,
                Key::Style,
                scores,
            ));
            c.answered += 1;
            (c.answered == c.people.len())
                .then(|| (GroupMiss::pool(&c.groups), GroupMiss::pool(&c.styles)))
        });
        if let Some(Some(pooled)) = done {
            self.group_miss.set(Some(pooled));
        }
    }

    /// Sends the images of `ds` to the worker (after a load, or when other data is loaded).
    pub fn send_items(&self, ds: &Dataset) {
        let images: Vec<ImageInfo> = (0..ds.images.len()).map(|i| ImageInfo::of(ds, i)).collect();
        self.prediction.set(None);
        // Other data: other held-out people (answers still on their way belong to the old data
        // and find an empty list).
        self.calibration.set_value(Calibration::default());
        self.group_miss.set(None);
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

    /// Trains the model on `data` in a second instance of the worker; the predictor keeps
    /// answering meanwhile, and uses the new model once it is evaluated.
    pub fn train(&self, data: &crate::data::Loaded) {
        let Some(raw) = data.raw.clone() else {
            return self.training.set(Training::Failed(
                "these data were not loaded from a file or a bundle, so there is nothing to hand \
                 the training"
                    .into(),
            ));
        };
        if data.text_pending {
            return self.training.set(Training::Failed(
                "the images' prompts are still loading; try again in a moment".into(),
            ));
        }
        let origin = data.origin.clone();
        self.training.set(Training::Starting);
        crate::perf::mark("pamela:train-start");
        let this = *self;
        let on_message = move |msg: Result<FromPredictor, String>, env: &wasm_bindgen::JsValue| {
            match msg {
                Ok(FromPredictor::Ready) => {
                    // Copies for the worker (the page keeps its own), moved rather than copied
                    // again on the way.
                    let bundle = js_sys::Uint8Array::from(&raw.bundle[..]);
                    let text = raw.text.as_ref().map(|t| js_sys::Uint8Array::from(&t[..]));
                    let transfer = Array::of1(&bundle.buffer());
                    let mut attach: Vec<(&str, &wasm_bindgen::JsValue)> = vec![(DATA, &bundle)];
                    if let Some(t) = &text {
                        transfer.push(&t.buffer());
                        attach.push((TEXT, t));
                    }
                    let msg = ToPredictor::Train {
                        seed: TRAIN_SEED,
                        origin: origin.clone(),
                    };
                    let sent = TRAINER.with(|t| match &*t.borrow() {
                        Some(c) => c.send(&msg, &attach, &transfer),
                        None => Err("the training worker is not running".into()),
                    });
                    if let Err(e) = sent {
                        this.training.set(Training::Failed(e));
                        stop_trainer();
                    }
                }
                Ok(FromPredictor::Progress {
                    epoch,
                    epochs,
                    pairwise,
                }) => this.training.update(|t| {
                    let before = match t {
                        Training::Running { pairwise, .. } => *pairwise,
                        _ => None,
                    };
                    *t = Training::Running {
                        epoch,
                        epochs,
                        pairwise: pairwise.or(before),
                    };
                }),
                Ok(FromPredictor::Trained { meta, ms }) => {
                    stop_trainer();
                    let Some(model) = worker_io::attached::<js_sys::Uint8Array>(env, MODEL) else {
                        return this.training.set(Training::Failed(
                            "the training answered without the model".into(),
                        ));
                    };
                    crate::perf::mark("pamela:trained");
                    this.trained_files
                        .set_value(Some((model.to_vec(), meta.clone())));
                    this.training.set(Training::Done { ms });
                    this.status.set(Status::Loading);
                    let sent = WORKER.with(|w| match &*w.borrow() {
                        Some(c) => c.send(
                            &ToPredictor::Use {
                                meta,
                                origin: origin.clone(),
                            },
                            &[(MODEL, &model)],
                            &Array::of1(&model.buffer()),
                        ),
                        None => Err("the predictor is not running".into()),
                    });
                    if let Err(e) = sent {
                        this.fail(format!("the trained model could not be handed over: {e}"));
                    }
                }
                Ok(FromPredictor::Error { message, .. }) => {
                    stop_trainer();
                    this.training.set(Training::Failed(message));
                }
                Ok(_) => {}
                Err(e) => {
                    stop_trainer();
                    this.training.set(Training::Failed(format!(
                        "the training's answer could not be read: {e}"
                    )));
                }
            }
        };
        let on_error = move || {
            stop_trainer();
            this.training.set(Training::Failed(
                "the training stopped unexpectedly (out of memory, or its code could not load)"
                    .into(),
            ));
        };
        match Connection::start(PREDICT_WORKER, on_message, on_error) {
            Ok(c) => TRAINER.with(|t| *t.borrow_mut() = Some(c)),
            Err(e) => self.training.set(Training::Failed(format!(
                "the training could not start: {e}"
            ))),
        }
    }

    /// Stops a training in progress; the model in use stays.
    pub fn cancel_training(&self) {
        TRAINER.with(|t| drop(t.borrow_mut().take()));
        self.training.set(Training::Cancelled);
    }

    /// Keeps the model in use (trained here) in this browser, or forgets the kept one and goes
    /// back to the published model.
    pub fn keep(&self, keep: bool) {
        self.post(if keep {
            &ToPredictor::Keep
        } else {
            &ToPredictor::Forget
        });
    }

    /// Offers the files of the model trained in this visit as downloads (the folder `pamela
    /// predict` and `pamela eval` read, without the seen participants' `personal.json`).
    pub fn download_trained(&self) -> Result<(), String> {
        let files = self.trained_files.get_value();
        let (model, meta) = files.ok_or("no model was trained in this visit")?;
        crate::dom::download("pamela-model.onnx", "application/octet-stream", &model)?;
        crate::dom::download("pamela-model.json", "application/json", meta.as_bytes())
    }

    /// Whether a model was trained in this visit (its files can be downloaded).
    pub fn has_trained_files(&self) -> bool {
        self.trained_files.with_value(|f| f.is_some())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn training_says_the_epoch_then_the_evaluation_then_the_time() {
        let running = |epoch, pairwise| Training::Running {
            epoch,
            epochs: 600,
            pairwise,
        };
        assert_eq!(running(3, None).describe(), "Epoch 3 of 600.");
        assert_eq!(
            running(40, Some(0.85678)).describe(),
            "Epoch 40 of 600; validation pairwise accuracy 0.857."
        );
        assert!(running(600, Some(0.86)).describe().contains("evaluating"));
        assert!(Training::Done { ms: 31_420.0 }
            .describe()
            .starts_with("Trained in 31.4 s."));
        assert!(Training::Cancelled.describe().contains("unchanged"));
        assert!(Training::Failed("no data".into())
            .describe()
            .contains("no data"));
        assert_eq!(Training::NotKept("x".into()).state(), "failed");
        assert_eq!(Training::Idle.describe(), "");
    }

    fn metrics(pairwise: f64, rmse: f64) -> CardMetrics {
        CardMetrics {
            pairwise: Some(pairwise),
            spearman: None,
            rmse: Some(rmse),
            mae: None,
            ratings: 100,
        }
    }

    fn ci(people: usize) -> Option<CardIntervals> {
        Some(CardIntervals {
            pairwise: Some([0.8, 0.9]),
            people,
        })
    }

    fn card() -> Card {
        let row = |predictor: &str, split: &str, p: f64, rmse: f64| CardRow {
            predictor: predictor.into(),
            split: split.into(),
            metrics: metrics(p, rmse),
            ci: ci(7),
        };
        let few = |k: usize, rmse: f64, split: &str| CardFewShot {
            k: Some(k),
            label: k.to_string(),
            chosen: false,
            split: split.into(),
            metrics: metrics(0.85, rmse),
            oracle: None,
            ci: ci(7),
        };
        Card {
            data_source: "synthetic".into(),
            data_provenance: "generated".into(),
            date: "2026-11-30".into(),
            rank: 8,
            personal_rank: 4,
            evaluation: vec![
                row("model", "pamela_val_unseen", 0.99, 0.1),
                row("model", Card::UNSEEN, 0.849, 0.55),
                row("global mean", Card::UNSEEN, 0.5, 1.0),
                row("image metadata mean", Card::UNSEEN, 0.641, 0.9),
                row("oracle", Card::UNSEEN, 0.88, 0.37),
            ],
            few_shot: vec![
                few(0, 0.546, Card::UNSEEN),
                few(5, 0.491, Card::UNSEEN),
                few(10, 0.463, Card::UNSEEN),
                few(20, 0.441, Card::UNSEEN),
                few(10, 0.2, "pamela_val_unseen"),
                // The chosen curve misses less, but a visitor may rate images of their own.
                CardFewShot {
                    chosen: true,
                    label: "10 chosen".into(),
                    ..few(10, 0.3, Card::UNSEEN)
                },
            ],
            notes: vec![],
        }
    }

    #[test]
    fn the_typical_miss_follows_the_ratings_a_visitor_has_given() {
        let c = card();
        assert_eq!(c.typical_miss(0).unwrap().rmse, 0.546);
        assert_eq!(c.typical_miss(4).unwrap().k, 0);
        assert_eq!(c.typical_miss(7).unwrap().rmse, 0.491);
        assert_eq!(
            c.typical_miss(12).unwrap(),
            Miss {
                rmse: 0.463,
                k: 10,
                people: 7
            }
        );
        assert_eq!(c.typical_miss(500).unwrap().k, 20);
        // Without few-shot rows: the profile-only evaluation.
        let mut old = c.clone();
        old.few_shot.clear();
        assert_eq!(
            old.typical_miss(30).unwrap(),
            Miss {
                rmse: 0.55,
                k: 0,
                people: 7
            }
        );
        old.evaluation.clear();
        assert!(old.typical_miss(0).is_none());
    }

    #[test]
    fn a_range_stays_on_the_scale() {
        let m = Miss {
            rmse: 0.5,
            k: 0,
            people: 7,
        };
        assert_eq!(m.range(3.0), (2.5, 3.5));
        assert_eq!(m.range(4.8), (4.3, 5.0));
        assert_eq!(m.range(1.2), (1.0, 1.7));
    }

    #[test]
    fn the_model_card_speaks_plainly_to_a_class() {
        let w = card().plain_words().join(" ");
        assert!(
            w.contains("trained on synthetic data (generated), 2026-11-30"),
            "{w}"
        );
        assert!(w.contains("tested on 7 people it never saw"), "{w}");
        assert!(w.contains("order 85 times in 100; guessing gets 50"), "{w}");
        assert!(
            w.contains("best simple rule (image metadata mean) 64"),
            "{w}"
        );
        assert!(w.contains("best any model could do 88"), "{w}");
        assert!(
            w.contains("about 0.55 points") && w.contains("by about 0.46 once they have rated 10"),
            "{w}"
        );
        assert!(
            w.contains("With 7 people to test on, these figures are rough"),
            "{w}"
        );
        assert!(!w.contains("  "), "no runs of spaces: {w}");
        for jargon in ["RMSE", "oracle", "taste rank", "pairwise"] {
            assert!(!w.contains(jargon), "no “{jargon}” in plain words: {w}");
        }
    }
}
