//! What a predictor takes: a person's profile and an image's metadata, as plain serde types.
//! They live in the data core, not in the model crate, because three parties speak them: the
//! model (training and inference), the predictor worker, and the page that sends them to the
//! worker. The page must not compile the model crate (it would pull in tract-onnx), so the
//! shared words sit here.

use crate::dataset::Dataset;
use serde::{Deserialize, Serialize};

/// A profile as the visitor enters it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    pub age: f64,
    pub gender: String,
    pub nationality: String,
}

impl Profile {
    /// Participant `p` of a dataset as a profile.
    pub fn of(ds: &Dataset, p: usize) -> Profile {
        let pa = &ds.participants;
        Profile {
            age: pa.age[p] as f64,
            gender: ds.dicts.genders.get(pa.gender[p]).to_string(),
            nationality: ds.dicts.nationalities.get(pa.nationality[p]).to_string(),
        }
    }
}

/// An image's metadata as the model sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImageInfo {
    pub kind: String,
    /// The group token, `name/Type` (the card's "visual group").
    pub group: String,
    pub style: Option<String>,
    pub prompt: String,
    /// The image's id: the model gives images it was trained on a column of their own
    /// (absent for an image known only by its metadata).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<u64>,
}

impl ImageInfo {
    /// Image `i` of a dataset.
    pub fn of(ds: &Dataset, i: usize) -> ImageInfo {
        ImageInfo {
            kind: ds.dicts.types.get(ds.images.kind[i]).to_string(),
            group: ds.group_token(ds.image_group()[i]),
            style: ds.style_name(ds.images.style[i]).map(str::to_string),
            prompt: ds.images.prompt[i].clone(),
            id: Some(ds.images.id[i]),
        }
    }
}
