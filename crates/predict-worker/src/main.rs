//! The predictor worker: tract-onnx in its own wasm, off the page's first paint and off its
//! main thread. It loads and optimizes the model once, encodes the loaded images once, and then
//! answers predictions for a profile (and a visitor's ratings) in a few milliseconds.
//!
//! Protocol: [`worker_io::predict`] (`Load` -> `Loaded`, `Items` -> `Items`, `Predict` ->
//! `Predicted` with the scores attached, clamped to 1..5; any failure -> `Error` with its stage).

#[cfg(target_arch = "wasm32")]
mod worker {
    use js_sys::{Float32Array, Uint8Array};
    use pamela_model::model::Prior;
    use pamela_model::onnx::ItemVectors;
    use pamela_model::{
        FeatureSpec, ImageInfo, ItemBatch, ModelMeta, Personal, Predictor, Profile,
    };
    use std::cell::RefCell;
    use std::rc::Rc;
    use wasm_bindgen::JsCast;
    use wasm_bindgen_futures::JsFuture;
    use web_sys::DedicatedWorkerGlobalScope;
    use worker_io::predict::{FromPredictor as Out, ToPredictor, SCORES};

    #[derive(Default)]
    struct State {
        predictor: Option<Predictor>,
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
        let (model, meta) = match (fetch(&model).await, fetch(&meta).await) {
            (Ok(m), Ok(j)) => (m, j),
            (Err(e), _) | (_, Err(e)) => return fail("load", format!("the model is missing: {e}")),
        };
        let t1 = now();
        let meta_text = String::from_utf8_lossy(&meta).into_owned();
        let loaded = ModelMeta::from_json(&meta).and_then(|m| Predictor::load(&model, m));
        match loaded {
            Ok(p) => {
                let ms_load = now() - t1;
                let mut s = state.borrow_mut();
                s.predictor = Some(p);
                s.cache = None;
                drop(s);
                post(
                    &Out::Loaded {
                        meta: meta_text,
                        ms_fetch: t1 - t0,
                        ms_load,
                    },
                    None,
                );
            }
            Err(e) => fail("load", e.to_string()),
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
        let m = &p.meta;
        let prior = Prior::new(q, m.lambda_z, m.lambda_b, &m.prior_mean, &m.prior_precision);
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
        worker_io::worker::listen(move |msg: Result<ToPredictor, String>, _raw| {
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
                Err(e) => fail("request", format!("bad request: {e}")),
            }
        });
    }
}

fn main() {
    #[cfg(target_arch = "wasm32")]
    worker::start();
}
