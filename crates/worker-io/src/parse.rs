//! The parsing worker's messages: files in, a bundle (or a failure that names its place) out.

use serde::{Deserialize, Serialize};

/// The field of [`ToParser::Parse`] holding an array with, per name, the file's bytes: a
/// `Uint8Array`, or an array of `Uint8Array` chunks in order (a download as it arrived).
pub const FILES: &str = "bytes";
/// The field of [`FromParser::Done`] holding the bundle as a `Uint8Array`.
pub const BUNDLE: &str = "bundle";

/// Page to worker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ToParser {
    /// Parse these files (their bytes attached under [`FILES`], in the same order).
    Parse { names: Vec<String> },
}

/// Worker to page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FromParser {
    Ready,
    /// Bytes of `file` read so far.
    Progress {
        file: String,
        done: u64,
        total: u64,
    },
    /// The data as a bundle (attached under [`BUNDLE`]); its data notes travel inside it, as
    /// structure (`bundle::decode_report`).
    Done,
    Failed(LoadFailure),
}

/// Why data could not be loaded, with its place: which file, where in it, which field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoadFailure {
    /// The whole message, as the loader words it (it names the place too).
    pub message: String,
    /// The file (empty when the failure is not about one file).
    pub file: String,
    /// Where in the file: `record 12`, `line 3`, or empty for the file as a whole.
    pub location: String,
    pub field: Option<String>,
}

impl LoadFailure {
    /// A failure that is not about the data (the worker could not start, a message was lost).
    pub fn other(message: impl Into<String>) -> LoadFailure {
        LoadFailure {
            message: message.into(),
            file: String::new(),
            location: String::new(),
            field: None,
        }
    }
}

impl From<&pamela_core::LoadError> for LoadFailure {
    fn from(e: &pamela_core::LoadError) -> LoadFailure {
        LoadFailure {
            message: e.to_string(),
            file: e.file.clone(),
            location: match e.location {
                pamela_core::Location::File => String::new(),
                ref l => l.to_string(),
            },
            field: e.field.clone(),
        }
    }
}

impl std::fmt::Display for LoadFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_named_by_their_variant() {
        let v = serde_json::to_value(FromParser::Progress {
            file: "a.json".into(),
            done: 1,
            total: 2,
        })
        .unwrap();
        assert_eq!(
            v,
            serde_json::json!({"progress": {"file": "a.json", "done": 1, "total": 2}})
        );
        let failed = FromParser::Failed(LoadFailure {
            message: "a.json, record 3, field `score`: out of range".into(),
            file: "a.json".into(),
            location: "record 3".into(),
            field: Some("score".into()),
        });
        let v = serde_json::to_value(&failed).unwrap();
        assert_eq!(v["failed"]["field"], "score");
        assert_eq!(serde_json::from_value::<FromParser>(v).unwrap(), failed);
        // Every worker's first word, from the shared `Ready`.
        let ready = serde_json::to_string(&crate::Ready::Ready).unwrap();
        assert_eq!(ready, r#""ready""#);
        assert_eq!(
            serde_json::from_str::<FromParser>(&ready).unwrap(),
            FromParser::Ready
        );
        // What the start script posts (in its envelope) when the wasm cannot start.
        let start: FromParser = serde_json::from_str(
            r#"{"failed":{"message":"the file reader's code could not load (x)","file":"","location":"","field":null}}"#,
        )
        .unwrap();
        assert!(matches!(start, FromParser::Failed(f) if f.message.contains("could not load")));
        assert!(serde_json::from_str::<FromParser>(r#"{"nonsense":{}}"#).is_err());
        let req = ToParser::Parse {
            names: vec!["pamela_train.json".into()],
        };
        let text = serde_json::to_string(&req).unwrap();
        assert_eq!(text, r#"{"parse":{"names":["pamela_train.json"]}}"#);
    }

    #[test]
    fn a_load_error_keeps_its_place() {
        let e = pamela_core::LoadError::new(
            pamela_core::ErrorKind::InvalidValue,
            "pamela_train.json",
            pamela_core::Location::Record(7),
            "not a score",
        )
        .with_field("score");
        let f = LoadFailure::from(&e);
        assert_eq!(f.file, "pamela_train.json");
        assert_eq!(f.field.as_deref(), Some("score"));
        assert!(f.location.contains('7'), "{}", f.location);
        assert_eq!(f.message, e.to_string());
    }
}
