// Starts the file reader's wasm in this worker. A missing or broken wasm would otherwise fail
// silently inside the worker (an unhandled rejection never reaches the page), so say so.
importScripts('../parse-worker.js');
// The message travels in the protocol's envelope (crates/worker-io: `{ msg }`).
wasm_bindgen('../parse-worker_bg.wasm').catch((e) => postMessage({
  msg: {
    failed: {
      message: `the file reader's code could not load (${e && e.message ? e.message : e})`,
      file: '',
      location: '',
      field: null,
    },
  },
}));
