// Starts the file reader's wasm in this worker. A missing or broken wasm would otherwise fail
// silently inside the worker (an unhandled rejection never reaches the page), so say so.
importScripts('../parse-worker.js');
wasm_bindgen('../parse-worker_bg.wasm').catch((e) => postMessage({
  kind: 'error',
  message: `the file reader's code could not load (${e && e.message ? e.message : e})`,
}));
