//! The page side: a worker started from a script, typed messages to it, typed answers from it.

use js_sys::Array;
use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{MessageEvent, Worker};

/// A running worker and the page's listeners on it. Dropping it removes the listeners, frees
/// their closures and terminates the worker.
pub struct Connection {
    worker: Worker,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_error: Closure<dyn FnMut(web_sys::Event)>,
}

impl Connection {
    /// Starts the worker at `script`. Each answer is decoded as `M` and handed to `on_message`
    /// with the raw object (for attached arrays); an answer that is not an `M` arrives as `Err`.
    /// `on_error` hears that the worker failed to start or crashed.
    pub fn start<M: DeserializeOwned + 'static>(
        script: &str,
        mut on_message: impl FnMut(Result<M, String>, &JsValue) + 'static,
        mut on_error: impl FnMut() + 'static,
    ) -> Result<Connection, String> {
        let worker = Worker::new(script).map_err(|e| crate::js_text(&e))?;
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
            let data = ev.data();
            on_message(crate::open::<M>(&data), &data)
        });
        let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| on_error());
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        Ok(Connection {
            worker,
            _on_message: on_message,
            _on_error: on_error,
        })
    }

    /// Sends `msg` in its envelope with arrays beside it under field names; `transfer` lists the
    /// buffers that
    /// move to the worker (they are empty on the page afterwards).
    pub fn send<T: Serialize + ?Sized>(
        &self,
        msg: &T,
        attach: &[(&str, &JsValue)],
        transfer: &Array,
    ) -> Result<(), String> {
        let v = crate::envelope(msg, attach)?;
        self.worker
            .post_message_with_transfer(&v, transfer)
            .map_err(|e| crate::js_text(&e))
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        self.worker.set_onmessage(None);
        self.worker.set_onerror(None);
        self.worker.terminate();
    }
}
