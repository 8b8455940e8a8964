//! The predictor worker: tract-onnx in its own wasm, off the page's first paint and off its
//! main thread. It loads and optimizes the model once, encodes the loaded images once, and then
//! answers predictions for a profile (and a visitor's ratings) in a few milliseconds.
//!
//! Protocol (plain objects; every reply carries `kind`):
//! * out `ready` once running;
//! * in `{kind: "load", model, meta}` (URLs) -> out `loaded {meta (JSON text), ms_fetch, ms_load}`;
//! * in `{kind: "items", images: [{kind, group, style, prompt}]}` -> out `items {n, ms}`;
//! * in `{kind: "predict", id, profile: {age, gender, nationality}, ratings: [[image, score]]}`
//!   -> out `predicted {id, scores: Float32Array (clamped to 1..5), suggest: [image], personal, ms_base, ms_fit, ms_suggest,
//!   ms_predict}`;
//! * any failure -> out `error {stage, message}`.

#[cfg(target_arch = "wasm32")]
mod worker {
    use js_sys::{Float32Array, Reflect, Uint8Array};
    use pamela_model::model::Prior;
    use pamela_model::onnx::ItemVectors;
    use pamela_model::{
        FeatureSpec, ImageInfo, ItemBatch, ModelMeta, Personal, Predictor, Profile,
    };
    use serde::{Deserialize, Serialize};
    use std::cell::RefCell;
    use std::rc::Rc;
    use wasm_bindgen::JsCast;
    use wasm_bindgen_futures::JsFuture;
    use web_sys::DedicatedWorkerGlobalScope;

    #[derive(Default)]
    struct State {
        predictor: Option<Predictor>,
        /// The loaded images through the model's image side, once.
        items: Option<ItemVectors>,
        /// Base scores and personal embeddings for the last profile.
        cache: Option<(String, Vec<f32>, Vec<f32>)>,
    }

    #[derive(Deserialize)]
    struct Load {
        model: String,
        meta: String,
    }

    #[derive(Deserialize)]
    struct Items {
        images: Vec<ImageInfo>,
    }

    #[derive(Deserialize)]
    struct Predict {
        id: u32,
        profile: Profile,
        #[serde(default)]
        ratings: Vec<(usize, f32)>,
    }

    #[derive(Serialize)]
    #[serde(tag = "kind", rename_all = "lowercase")]
    enum Out {
        Loaded {
            meta: String,
            ms_fetch: f64,
            ms_load: f64,
        },
        Items {
            n: usize,
            ms: f64,
        },
        Predicted {
            id: u32,
            suggest: Vec<usize>,
            personal: Personal,
            ms_base: f64,
            ms_fit: f64,
            ms_suggest: f64,
            ms_predict: f64,
        },
        Error {
            stage: String,
            message: String,
        },
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
        worker_io::post(msg, scores.as_ref().map(|a| ("scores", a.as_ref())));
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

    async fn load(state: Rc<RefCell<State>>, req: Load) {
        let t0 = now();
        let (model, meta) = match (fetch(&req.model).await, fetch(&req.meta).await) {
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

    fn items(state: &Rc<RefCell<State>>, req: Items) {
        let t0 = now();
        let mut s = state.borrow_mut();
        let Some(p) = &s.predictor else {
            return fail("items", "the model is not loaded");
        };
        let spec = &p.meta.spec;
        let rows: Vec<_> = req.images.iter().map(|im| spec.item(im)).collect();
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

    fn predict(state: &Rc<RefCell<State>>, req: Predict) {
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
        let user = FeatureSpec::dense(&spec.user(&req.profile), spec.user_dim());
        let key = serde_json::to_string(&req.profile).unwrap_or_default();
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
        let obs: Vec<(f32, Vec<f32>, f32)> = req
            .ratings
            .iter()
            .filter(|(i, y)| *i < *n && y.is_finite())
            .map(|&(i, y)| (base[i], emb[i * q..(i + 1) * q].to_vec(), y.clamp(1.0, 5.0)))
            .collect();
        let personal = prior.fit(&obs);
        let t_fit = now();
        let rated: Vec<usize> = req.ratings.iter().map(|r| r.0).collect();
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
                id: req.id,
                suggest,
                personal,
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
        worker_io::listen(move |data| {
            let kind = Reflect::get(&data, &"kind".into())
                .ok()
                .and_then(|k| k.as_string())
                .unwrap_or_default();
            let state = state.clone();
            match kind.as_str() {
                "load" => match serde_wasm_bindgen::from_value::<Load>(data) {
                    Ok(req) => wasm_bindgen_futures::spawn_local(load(state, req)),
                    Err(e) => fail("load", format!("bad request: {e}")),
                },
                "items" => match serde_wasm_bindgen::from_value::<Items>(data) {
                    Ok(req) => items(&state, req),
                    Err(e) => fail("items", format!("bad request: {e}")),
                },
                "predict" => match serde_wasm_bindgen::from_value::<Predict>(data) {
                    Ok(req) => predict(&state, req),
                    Err(e) => fail("predict", format!("bad request: {e}")),
                },
                other => fail("request", format!("unknown request “{other}”")),
            }
        });
    }
}

fn main() {
    #[cfg(target_arch = "wasm32")]
    worker::start();
}
