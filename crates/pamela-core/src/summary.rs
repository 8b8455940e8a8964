//! The dataset card's table, computed from the data: what `pamela stats` prints and the
//! explorer's header shows.

use crate::dataset::Dataset;
use crate::query::{cross, Compiled, Filter, Key};
use crate::schema::Split;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CardStats {
    /// `synthetic` or `pamela`.
    pub source: &'static str,
    pub provenance: String,
    pub ratings: u64,
    pub participants: u64,
    pub images: u64,
    /// Published split file stem -> ratings (all five, zero when absent).
    pub splits: BTreeMap<String, u64>,
    /// Image type -> ratings.
    pub types: BTreeMap<String, u64>,
    /// Gender -> ratings.
    pub genders: BTreeMap<String, u64>,
    pub nationalities: u64,
    /// Visual groups as the card counts them (a name under one type).
    pub groups: u64,
    /// Distinct group names.
    pub group_names: u64,
    pub styles: u64,
    pub age_min: Option<u8>,
    pub age_max: Option<u8>,
    pub raters_per_image_min: u64,
    pub raters_per_image_max: u64,
    pub raters_per_image_mean: f64,
}

fn counts(ds: &Dataset, key: Key) -> BTreeMap<String, u64> {
    let t = cross(ds, &Compiled::new(ds, &Filter::default()), key, None);
    (0..t.rows)
        .filter(|&v| t.cells[v].n > 0)
        .map(|v| (key.label(ds, v as u32), t.cells[v].n))
        .collect()
}

impl CardStats {
    pub fn of(ds: &Dataset) -> CardStats {
        let mut raters = vec![0u64; ds.images.len()];
        for &i in &ds.ratings.image {
            raters[i as usize] += 1;
        }
        CardStats {
            source: match ds.source.kind {
                crate::SourceKind::Synthetic => "synthetic",
                crate::SourceKind::Pamela => "pamela",
            },
            provenance: ds.source.provenance.clone(),
            ratings: ds.ratings.len() as u64,
            participants: ds.participants.len() as u64,
            images: ds.images.len() as u64,
            splits: Split::ALL
                .iter()
                .map(|&s| (s.file_stem().to_string(), ds.split_range(s).len() as u64))
                .collect(),
            types: counts(ds, Key::Type),
            genders: counts(ds, Key::Gender),
            nationalities: ds.dicts.nationalities.len() as u64,
            groups: ds.groups().len() as u64,
            group_names: ds.dicts.group_names.len() as u64,
            styles: ds.dicts.styles.len() as u64,
            age_min: ds.participants.age.iter().min().copied(),
            age_max: ds.participants.age.iter().max().copied(),
            raters_per_image_min: raters.iter().min().copied().unwrap_or(0),
            raters_per_image_max: raters.iter().max().copied().unwrap_or(0),
            raters_per_image_mean: if raters.is_empty() {
                0.0
            } else {
                ds.ratings.len() as f64 / raters.len() as f64
            },
        }
    }
}
