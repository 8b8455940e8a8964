//! The predictor worker: tract-onnx in its own wasm, off the page's first paint and off its
//! main thread. It loads and optimizes the model once, encodes the loaded images once, and then
//! answers predictions for a profile (and a visitor's ratings) in a few milliseconds.
//!
//! Protocol: [`worker_io::predict`] (`Load` -> `Loaded`, `Items` -> `Items`, `Predict` ->
//! `Predicted` with the scores attached, clamped to 1..5; any failure -> `Error` with its stage).
//!
//! Training ("Train on this data") runs in a second instance of this worker: `Train` ->
//! `Progress` after every epoch -> `Trained` with the ONNX file attached, made by
//! [`pamela_model::pipeline::fit`], the function `pamela train` runs. The page cancels by
//! terminating that instance (a training loop does not read messages), and hands the result to
//! the predicting instance with `Use`. `Keep` puts the model in use, when it was trained here,
//! into the browser's Cache Storage (bucket [`KEPT`]), where `Load` looks first; `Forget`
//! removes it.

#[cfg(target_arch = "wasm32")]
mod worker {
    use js_sys::{Float32Array, Uint8Array};
    use pamela_model::onnx::ItemVectors;
    use pamela_model::pipeline;
    use pamela_model::train::TrainConfig;
    use pamela_model::{
        FeatureSpec, ImageInfo, ItemBatch, ModelMeta, Personal, Predictor, Profile,
    };
    use std::cell::RefCell;
    use std::rc::Rc;
    use wasm_bindgen::JsCast;
    use wasm_bindgen_futures::JsFuture;
    use web_sys::DedicatedWorkerGlobalScope;
    use worker_io::predict::{FromPredictor as Out, ToPredictor, DATA, MODEL, SCORES, TEXT};

    /// The Cache Storage bucket of a model a visitor trained and asked to keep.
    pub const KEPT: &str = "pamela-trained-model";
    const KEPT_MODEL: &str = "kept/pamela-model.onnx";
    const KEPT_META: &str = "kept/pamela-model.json";
    const KEPT_ORIGIN: &str = "kept/origin.txt";

    #[derive(Default)]
    struct State {
        predictor: Option<Predictor>,
        /// The model in use when it was trained in this page: its file, its metadata (JSON)
        /// and where its data came from (what `Keep` keeps).
        trained: Option<(Vec<u8>, String, String)>,
        /// The loaded images through the model's image side, once.
        items: Option<ItemVectors>,
        /// Base scores and personal embeddings for the last profile.
        cache: Option<(String, Vec<f32>, Vec<f32>)>,
    }

    fn now() -> f64 {
        js_sys::global()
            .dyn_into::<web_sys::WorkerGlobalScope>()
            .ok()
            .and_then(|g| g.performance())
            .map(|p| p.now())
            .unwrap_or(0.0)
    }

    /// Posts `msg`, with the scores (if any) moved to the page as `scores`.
    fn post(msg: &Out, scores: Option<&[f32]>) {
        let scores = scores.map(Float32Array::from);
        worker_io::worker::post(msg, scores.as_ref().map(|a| (SCORES, a.as_ref())));
    }

    fn fail(stage: &str, message: impl Into<String>) {
        post(
            &Out::Error {
                stage: stage.into(),
                message: message.into(),
            },
            None,
        );
    }

    async fn fetch(url: &str) -> Result<Vec<u8>, String> {
        let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
        let resp: web_sys::Response = JsFuture::from(scope.fetch_with_str(url))
            .await
            .map_err(|_| format!("{url} could not be fetched"))?
            .dyn_into()
            .map_err(|_| format!("{url}: not a response"))?;
        if !resp.ok() {
            return Err(format!("{url}: HTTP {}", resp.status()));
        }
        let buf = JsFuture::from(resp.array_buffer().map_err(|_| format!("{url}: no body"))?)
            .await
            .map_err(|_| format!("{url}: reading failed"))?;
        Ok(Uint8Array::new(&buf).to_vec())
    }

    async fn load(state: Rc<RefCell<State>>, model: String, meta: String) {
        let t0 = now();
        // A model the visitor trained and asked to keep comes first.
        if let Some((model, meta, origin)) = kept().await {
            match install(&state, model, meta, Some(origin), true, now() - t0) {
                Ok(()) => return,
                // A kept copy that no longer loads (another version, a damaged cache) is
                // removed, said, and the published model loads instead.
                Err(e) => {
                    let _ = drop_kept().await;
                    fail(
                        "keep",
                        format!(
                            "The model kept in this browser could not be loaded ({e}); it was \
                             removed, and the published model is used"
                        ),
                    );
                }
            }
        }
        let (model, meta) = match (fetch(&model).await, fetch(&meta).await) {
            (Ok(m), Ok(j)) => (m, j),
            (Err(e), _) | (_, Err(e)) => return fail("load", format!("the model is missing: {e}")),
        };
        let meta = String::from_utf8_lossy(&meta).into_owned();
        if let Err(e) = install(&state, model, meta, None, false, now() - t0) {
            fail("load", e);
        }
    }

    /// Loads `model` with its metadata `meta` as the model in use, and says so; on failure the
    /// model in use stays.
    fn install(
        state: &Rc<RefCell<State>>,
        model: Vec<u8>,
        meta: String,
        trained_on: Option<String>,
        kept: bool,
        ms_fetch: f64,
    ) -> Result<(), String> {
        let t1 = now();
        let loaded = ModelMeta::from_json(meta.as_bytes()).and_then(|m| Predictor::load(&model, m));
        match loaded {
            Ok(p) => {
                let ms_load = now() - t1;
                let mut s = state.borrow_mut();
                s.predictor = Some(p);
                s.cache = None;
                s.items = None;
                s.trained = trained_on.clone().map(|o| (model, meta.clone(), o));
                drop(s);
                post(
                    &Out::Loaded {
                        meta,
                        ms_fetch,
                        ms_load,
                        trained_on,
                        kept,
                    },
                    None,
                );
                Ok(())
            }
            Err(e) => Err(e.to_string()),
        }
    }

    /// Today (UTC) as `YYYY-MM-DD`, for the model card.
    fn today() -> String {
        let iso = js_sys::Date::new_0().to_iso_string();
        String::from(iso).chars().take(10).collect()
    }

    /// Trains on the data attached to `raw` (see [`worker_io::predict::ToPredictor::Train`]).
    fn train(raw: &wasm_bindgen::JsValue, seed: u64, origin: String) {
        let t0 = now();
        let Some(data) = worker_io::attached::<Uint8Array>(raw, DATA).map(|a| a.to_vec()) else {
            return fail("train", "the request came without data to train on");
        };
        let mut ds = match pamela_core::bundle::decode_report(&data) {
            Ok((ds, _)) => ds,
            Err(e) => return fail("train", format!("the data could not be read: {e}")),
        };
        if let Some(text) = worker_io::attached::<Uint8Array>(raw, TEXT) {
            let put = pamela_core::bundle::bundle_crc(&data)
                .ok_or_else(|| "the bundle has no checksum".to_string())
                .and_then(|crc| {
                    pamela_core::bundle::decode_text(&text.to_vec(), crc, ds.images.len())
                        .map_err(|e| e.to_string())
                })
                .and_then(|t| t.put_into(&mut ds).map_err(|e| e.to_string()));
            if let Err(e) = put {
                return fail(
                    "train",
                    format!("the images' prompts could not be read: {e}"),
                );
            }
        }
        let cfg = TrainConfig {
            seed,
            ..TrainConfig::default()
        };
        let epochs = cfg.epochs;
        let fitted = pipeline::fit(&ds, &cfg, None, today(), &mut |epoch, m| {
            post(
                &Out::Progress {
                    epoch,
                    epochs,
                    pairwise: m.map(|m| m.pairwise),
                },
                None,
            )
        });
        match fitted {
            Ok(f) => {
                let mut meta = f.meta;
                meta.notes.insert(
                    0,
                    format!(
                        "Trained in this browser on {origin} ({} ratings, {} of them in pamela_train), seed {seed}.",
                        ds.ratings.len(),
                        ds.split_range(pamela_core::Split::Train).len()
                    ),
                );
                match serde_json::to_string(&meta) {
                    Ok(text) => {
                        let model = Uint8Array::from(&f.onnx[..]);
                        worker_io::worker::post(
                            &Out::Trained {
                                meta: text,
                                ms: now() - t0,
                            },
                            Some((MODEL, model.as_ref())),
                        );
                    }
                    Err(e) => fail("train", e.to_string()),
                }
            }
            Err(e) => fail("train", e),
        }
    }

    /// The worker's Cache Storage (absent outside a secure context).
    fn caches() -> Result<web_sys::CacheStorage, String> {
        let scope: web_sys::WorkerGlobalScope = js_sys::global().unchecked_into();
        scope
            .caches()
            .map_err(|_| "this browser keeps no cache for this page".to_string())
    }

    async fn bucket() -> Result<web_sys::Cache, String> {
        JsFuture::from(caches()?.open(KEPT))
            .await
            .map_err(|e| {
                format!(
                    "the browser's cache cannot be opened: {}",
                    worker_io::js_text(&e)
                )
            })?
            .dyn_into()
            .map_err(|_| "the browser's cache cannot be opened".to_string())
    }

    async fn get(c: &web_sys::Cache, key: &str) -> Option<Vec<u8>> {
        let found = JsFuture::from(c.match_with_str(key)).await.ok()?;
        let resp: web_sys::Response = found.dyn_into().ok()?;
        let buf = JsFuture::from(resp.array_buffer().ok()?).await.ok()?;
        Some(Uint8Array::new(&buf).to_vec())
    }

    /// The kept model (file, metadata, origin), if the visitor kept one.
    async fn kept() -> Option<(Vec<u8>, String, String)> {
        let c = bucket().await.ok()?;
        let model = get(&c, KEPT_MODEL).await?;
        let meta = String::from_utf8(get(&c, KEPT_META).await?).ok()?;
        let origin = String::from_utf8(get(&c, KEPT_ORIGIN).await?).ok()?;
        Some((model, meta, origin))
    }

    async fn keep(state: Rc<RefCell<State>>) {
        let Some((model, meta, origin)) = state.borrow().trained.clone() else {
            return fail(
                "keep",
                "The model in use is the published one: there is nothing to keep",
            );
        };
        let put = async {
            let c = bucket().await?;
            for (key, body) in [
                (KEPT_MODEL, model),
                (KEPT_META, meta.into_bytes()),
                (KEPT_ORIGIN, origin.into_bytes()),
            ] {
                let body = Uint8Array::from(&body[..]);
                let resp = web_sys::Response::new_with_opt_buffer_source(Some(&body))
                    .map_err(|_| "the copy could not be prepared".to_string())?;
                JsFuture::from(c.put_with_str(key, &resp))
                    .await
                    .map_err(|e| worker_io::js_text(&e))?;
            }
            Ok::<(), String>(())
        };
        match put.await {
            Ok(()) => post(&Out::Kept { kept: true }, None),
            Err(e) => fail(
                "keep",
                format!(
                    "The model could not be kept in this browser ({e}); it stays in use for \
                     this visit"
                ),
            ),
        }
    }

    /// Removes the kept model, if any.
    async fn drop_kept() -> Result<(), String> {
        JsFuture::from(caches()?.delete(KEPT))
            .await
            .map(|_| ())
            .map_err(|e| worker_io::js_text(&e))
    }

    async fn forget() {
        match drop_kept().await {
            Ok(_) => post(&Out::Kept { kept: false }, None),
            Err(e) => fail(
                "keep",
                format!("The kept model could not be removed ({e}); it is still kept"),
            ),
        }
    }

    fn items(state: &Rc<RefCell<State>>, images: Vec<ImageInfo>) {
        let t0 = now();
        let mut s = state.borrow_mut();
        let Some(p) = &s.predictor else {
            return fail("items", "the model is not loaded");
        };
        let spec = &p.meta.spec;
        let rows: Vec<_> = images.iter().map(|im| spec.item(im)).collect();
        let encoded = match p.encode_items(&ItemBatch::new(&rows, spec.item_dim())) {
            Ok(v) => v,
            Err(e) => return fail("items", e.to_string()),
        };
        let n = encoded.n;
        s.items = Some(encoded);
        s.cache = None;
        drop(s);
        post(&Out::Items { n, ms: now() - t0 }, None);
    }

    fn predict(state: &Rc<RefCell<State>>, id: u32, profile: Profile, ratings: Vec<(usize, f32)>) {
        let mut s = state.borrow_mut();
        let State {
            predictor,
            items,
            cache,
            ..
        } = &mut *s;
        let Some(items) = items.as_ref() else {
            return fail("predict", "no images to score");
        };
        let n = &items.n;
        let Some(p) = predictor.as_ref() else {
            return fail("predict", "the model is not loaded");
        };
        if *n == 0 {
            return fail("predict", "no images to score");
        }
        let spec = &p.meta.spec;
        let q = p.meta.personal_rank;
        let user = FeatureSpec::dense(&spec.user(&profile), spec.user_dim());
        let key = serde_json::to_string(&profile).unwrap_or_default();
        let t0 = now();
        if cache.as_ref().is_none_or(|c| c.0 != key) {
            match p.score(items, &user, &Personal::zero(q)) {
                Ok((base, emb)) => *cache = Some((key, base, emb)),
                Err(e) => return fail("predict", e.to_string()),
            }
        }
        let t1 = now();
        let Some((_, base, emb)) = cache.as_ref() else {
            return;
        };
        let prior = p.meta.prior();
        let obs: Vec<(f32, Vec<f32>, f32)> = ratings
            .iter()
            .filter(|(i, y)| *i < *n && y.is_finite())
            .map(|&(i, y)| (base[i], emb[i * q..(i + 1) * q].to_vec(), y.clamp(1.0, 5.0)))
            .collect();
        let personal = prior.fit(&obs);
        let t_fit = now();
        let rated: Vec<usize> = ratings.iter().map(|r| r.0).collect();
        let suggest = pamela_model::model::informative(emb, q, &prior, 12, &rated);
        let t2 = now();
        let scores = match p.score(items, &user, &personal) {
            // The model is linear: far from the data it can leave the rating scale.
            Ok((sc, _)) => sc
                .into_iter()
                .map(|s| s.clamp(1.0, 5.0))
                .collect::<Vec<f32>>(),
            Err(e) => return fail("predict", e.to_string()),
        };
        let t3 = now();
        post(
            &Out::Predicted {
                id,
                suggest,
                ms_base: t1 - t0,
                ms_fit: t_fit - t1,
                ms_suggest: t2 - t_fit,
                ms_predict: t3 - t2,
            },
            Some(&scores),
        );
    }

    pub fn start() {
        let state = Rc::new(RefCell::new(State::default()));
        worker_io::worker::listen(move |msg: Result<ToPredictor, String>, raw| {
            let state = state.clone();
            match msg {
                Ok(ToPredictor::Load { model, meta }) => {
                    wasm_bindgen_futures::spawn_local(load(state, model, meta))
                }
                Ok(ToPredictor::Items { images }) => items(&state, images),
                Ok(ToPredictor::Predict {
                    id,
                    profile,
                    ratings,
                }) => predict(&state, id, profile, ratings),
                Ok(ToPredictor::Train { seed, origin }) => train(&raw, seed, origin),
                Ok(ToPredictor::Use { meta, origin }) => {
                    match worker_io::attached::<Uint8Array>(&raw, MODEL) {
                        Some(m) => {
                            if let Err(e) =
                                install(&state, m.to_vec(), meta, Some(origin), false, 0.0)
                            {
                                fail("use", format!("the trained model could not be loaded: {e}"))
                            }
                        }
                        None => fail("use", "the trained model came without its file"),
                    }
                }
                Ok(ToPredictor::Keep) => wasm_bindgen_futures::spawn_local(keep(state)),
                Ok(ToPredictor::Forget) => wasm_bindgen_futures::spawn_local(forget()),
                Err(e) => fail("request", format!("bad request: {e}")),
            }
        });
    }
}

fn main() {
    #[cfg(target_arch = "wasm32")]
    worker::start();
}
