//! The loaded data and what is derived from it once per load.

use pamela_core::query::{self, Compiled, Filter, Overview};
use pamela_core::{Dataset, SourceKind};

/// A dataset ready for the views.
pub struct Loaded {
    pub ds: Dataset,
    /// The whole dataset's overview (the "overall" reference in the charts).
    pub overall: Overview,
    /// Rating indices grouped by image: image i's ratings are `by_image[offsets[i]..offsets[i+1]]`.
    by_image: Vec<u32>,
    offsets: Vec<u32>,
    /// Where it came from, for the badge: "the default bundle", file names, a URL.
    pub origin: String,
    /// The data notes: inconsistencies that were loaded rather than refused (conflicting
    /// demographics, split leaks, ...), each with its count and first places.
    pub notes: Vec<pamela_core::Warning>,
    /// The Hub repository and commit the data was downloaded from, if it was.
    pub hub: Option<HubSource>,
    /// The images' paths and prompts are still on their way (the default data's first view
    /// comes without them, see `pamela_core::bundle::encode_apart`).
    pub text_pending: bool,
    /// The bytes it was decoded from, kept for "Train on this data" (the training worker
    /// decodes them itself); none for data built in place (the tests).
    pub raw: Option<Raw>,
}

/// A bundle's bytes, and the default data's text file apart when the bundle came without it.
#[derive(Clone)]
pub struct Raw {
    pub bundle: std::sync::Arc<[u8]>,
    pub text: Option<std::sync::Arc<[u8]>>,
}

/// Data downloaded from a Hub: its address, and the repository at the commit read.
#[derive(Debug, Clone, PartialEq)]
pub struct HubSource {
    pub hub: String,
    pub at: pamela_core::hub::HubRef,
}

impl Loaded {
    pub fn new(ds: Dataset, origin: String, notes: Vec<pamela_core::Warning>) -> Loaded {
        let overall = query::overview(&ds, &Compiled::new(&ds, &Filter::default()));
        let ni = ds.images.len();
        let mut offsets = vec![0u32; ni + 1];
        for &i in &ds.ratings.image {
            offsets[i as usize + 1] += 1;
        }
        for i in 0..ni {
            offsets[i + 1] += offsets[i];
        }
        let mut fill = offsets.clone();
        let mut by_image = vec![0u32; ds.ratings.len()];
        for (r, &i) in ds.ratings.image.iter().enumerate() {
            by_image[fill[i as usize] as usize] = r as u32;
            fill[i as usize] += 1;
        }
        Loaded {
            ds,
            overall,
            by_image,
            offsets,
            origin,
            notes,
            hub: None,
            text_pending: false,
            raw: None,
        }
    }

    /// The same data, with the bundle it was decoded from.
    pub fn with_bundle(mut self, bundle: Vec<u8>) -> Loaded {
        self.raw = Some(Raw {
            bundle: bundle.into(),
            text: None,
        });
        self
    }

    /// The same data with its images' paths and prompts put in (`bytes`: the file they came
    /// from).
    pub fn with_text(
        &self,
        t: pamela_core::bundle::ImageText,
        bytes: Option<Vec<u8>>,
    ) -> Result<Loaded, String> {
        let mut ds = self.ds.clone();
        t.put_into(&mut ds).map_err(|e| e.to_string())?;
        Ok(Loaded {
            ds,
            overall: self.overall.clone(),
            by_image: self.by_image.clone(),
            offsets: self.offsets.clone(),
            origin: self.origin.clone(),
            notes: self.notes.clone(),
            hub: self.hub.clone(),
            text_pending: false,
            raw: self.raw.clone().map(|r| Raw {
                text: bytes.map(Into::into).or(r.text),
                ..r
            }),
        })
    }

    /// The same data, marked as downloaded from `hub` (its origin reads so).
    pub fn from_hub(mut self, hub: HubSource) -> Loaded {
        self.origin = format!("{}, {}", crate::hub::hub_name(&hub.hub), hub.at.describe());
        self.hub = Some(hub);
        self
    }

    /// Where this data's images are when it came from a Hub: the same repository and commit.
    pub fn image_base(&self) -> Option<String> {
        self.hub
            .as_ref()
            .map(|h| pamela_core::hub::image_base(&h.hub, &h.at.repo, &h.at.revision))
    }

    /// The ratings of one image (all of them; callers apply the filter).
    pub fn ratings_of(&self, image: u32) -> &[u32] {
        let i = image as usize;
        &self.by_image[self.offsets[i] as usize..self.offsets[i + 1] as usize]
    }

    pub fn is_synthetic(&self) -> bool {
        self.ds.source.kind == SourceKind::Synthetic
    }

    /// The badge's words.
    pub fn badge(&self) -> String {
        match self.ds.source.kind {
            SourceKind::Synthetic => {
                "Synthetic sample generated to the PAMELA card's counts".to_string()
            }
            SourceKind::Pamela if self.hub.is_some() => format!("PAMELA ({})", self.origin),
            SourceKind::Pamela => format!("PAMELA, loaded from {}", self.origin),
        }
    }
}
