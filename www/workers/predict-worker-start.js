// Starts the predictor's wasm (tract-onnx) in this worker. A missing or broken wasm would
// otherwise fail silently inside the worker (an unhandled rejection never reaches the page),
// so say so.
importScripts('../predict-worker.js');
// The message travels in the protocol's envelope (crates/worker-io: `{ msg }`).
wasm_bindgen('../predict-worker_bg.wasm').catch((e) => postMessage({
  msg: {
    error: {
      stage: 'start',
      message: `the predictor's code could not load (${e && e.message ? e.message : e})`,
    },
  },
}));
