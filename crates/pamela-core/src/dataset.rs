//! The columnar store: an images table, a participants table and rating columns.
//!
//! Every categorical value (group, style, type, category, gender, nationality, age bin) is an
//! index into a [`Dict`] whose entries were read from the data, sorted so that the same ratings
//! give the same store whatever the order of the input files. Ratings are kept in a canonical
//! order (split, participant, image, score, label): a store holds a *set* of ratings, and that
//! order is what makes bundles byte-reproducible and their rating columns compress well.

use crate::schema::{Demographics, ImageMetadata, Label, Record, Split};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Marks a Photorealism image's absent style in [`Images::style`].
pub const NO_STYLE: u16 = u16::MAX;

/// Distinct strings of one categorical field, in sorted order.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Dict {
    values: Vec<String>,
}

impl Dict {
    /// Builds a dictionary from already sorted, distinct values (checked).
    pub fn from_sorted(values: Vec<String>) -> Option<Dict> {
        values
            .windows(2)
            .all(|w| w[0] < w[1])
            .then_some(Dict { values })
    }

    pub fn get(&self, i: u16) -> &str {
        &self.values[i as usize]
    }

    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    pub fn position(&self, s: &str) -> Option<u16> {
        self.values
            .binary_search_by(|v| v.as_str().cmp(s))
            .ok()
            .map(|i| i as u16)
    }

    pub fn values(&self) -> &[String] {
        &self.values
    }
}

/// Where the data came from: shown wherever the data is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SourceKind {
    /// Made by `pamela synth` to the card's counts: not real ratings.
    Synthetic,
    /// Read from the published PAMELA files.
    Pamela,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source {
    pub kind: SourceKind,
    /// One line: how and from what this data was made.
    pub provenance: String,
}

impl Source {
    /// The phrase the UI and the command line show for this source.
    pub fn headline(&self) -> &'static str {
        match self.kind {
            SourceKind::Synthetic => "synthetic sample generated to the PAMELA card's counts",
            SourceKind::Pamela => "PAMELA ratings",
        }
    }
}

/// The dictionaries of the categorical fields.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Dicts {
    pub group_names: Dict,
    pub styles: Dict,
    pub types: Dict,
    pub categories: Dict,
    pub genders: Dict,
    pub nationalities: Dict,
    pub age_bins: Dict,
}

/// One row per image, sorted by image id.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Images {
    pub id: Vec<u64>,
    pub path: Vec<String>,
    pub group_name: Vec<u16>,
    /// Index into `Dicts::styles`, or [`NO_STYLE`].
    pub style: Vec<u16>,
    pub kind: Vec<u16>,
    pub category: Vec<u16>,
    pub prompt: Vec<String>,
}

impl Images {
    pub fn len(&self) -> usize {
        self.id.len()
    }
    pub fn is_empty(&self) -> bool {
        self.id.is_empty()
    }
}

/// One row per participant, sorted by participant id.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Participants {
    pub id: Vec<String>,
    pub age: Vec<u8>,
    pub age_bin: Vec<u16>,
    pub gender: Vec<u16>,
    pub nationality: Vec<u16>,
}

impl Participants {
    pub fn len(&self) -> usize {
        self.id.len()
    }
    pub fn is_empty(&self) -> bool {
        self.id.is_empty()
    }
}

/// The rating columns, in canonical order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Ratings {
    pub participant: Vec<u32>,
    pub image: Vec<u32>,
    /// Score in thousandths: 1000 ..= 5000.
    pub score: Vec<u16>,
    /// [`Label::index`].
    pub label: Vec<u8>,
    /// [`Split::index`].
    pub split: Vec<u8>,
}

impl Ratings {
    pub fn len(&self) -> usize {
        self.score.len()
    }
    pub fn is_empty(&self) -> bool {
        self.score.is_empty()
    }
    fn key(&self, r: usize) -> (u8, u32, u32, u16, u8) {
        (
            self.split[r],
            self.participant[r],
            self.image[r],
            self.score[r],
            self.label[r],
        )
    }
}

/// A visual group as the card counts them: a group name under one image type. `landscape` and
/// `portrait` occur under both types, so 19 names make 21 groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GroupKey {
    pub name: u16,
    pub kind: u16,
}

/// The whole store. Build it with [`Dataset::new`] (which checks and canonicalizes) or decode it
/// from a bundle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dataset {
    pub source: Source,
    pub dicts: Dicts,
    pub images: Images,
    pub participants: Participants,
    pub ratings: Ratings,
    /// Derived: the distinct (name, type) groups, sorted, and each image's index into them.
    groups: Vec<GroupKey>,
    image_group: Vec<u16>,
    /// Derived: maximal runs of ratings of one (split, participant).
    runs: Vec<Run>,
}

/// Ratings `start..end` share one split and one participant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Run {
    pub start: u32,
    pub end: u32,
}

/// A structural inconsistency in a store (out-of-range index, unsorted dictionary, ...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidStore(pub String);

impl std::fmt::Display for InvalidStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for InvalidStore {}

impl Dataset {
    /// Checks every index and value, sorts the ratings into canonical order and derives the
    /// visual groups. Tables must already be sorted by id (the loader and the decoder do this).
    pub fn new(
        source: Source,
        dicts: Dicts,
        images: Images,
        participants: Participants,
        mut ratings: Ratings,
    ) -> Result<Dataset, InvalidStore> {
        validate(&dicts, &images, &participants, &ratings)?;
        let n = ratings.len();
        let sorted = (1..n).all(|r| ratings.key(r - 1) <= ratings.key(r));
        if !sorted {
            let mut order: Vec<u32> = (0..n as u32).collect();
            order.sort_unstable_by_key(|&r| ratings.key(r as usize));
            ratings = Ratings {
                participant: order
                    .iter()
                    .map(|&r| ratings.participant[r as usize])
                    .collect(),
                image: order.iter().map(|&r| ratings.image[r as usize]).collect(),
                score: order.iter().map(|&r| ratings.score[r as usize]).collect(),
                label: order.iter().map(|&r| ratings.label[r as usize]).collect(),
                split: order.iter().map(|&r| ratings.split[r as usize]).collect(),
            };
        }
        let mut groups: Vec<GroupKey> = images
            .group_name
            .iter()
            .zip(&images.kind)
            .map(|(&name, &kind)| GroupKey { name, kind })
            .collect();
        groups.sort_unstable();
        groups.dedup();
        let image_group = images
            .group_name
            .iter()
            .zip(&images.kind)
            .map(|(&name, &kind)| {
                groups.binary_search(&GroupKey { name, kind }).unwrap_or(0) as u16
            })
            .collect();
        let mut runs: Vec<Run> = Vec::new();
        for r in 0..n {
            let same = r > 0
                && ratings.split[r] == ratings.split[r - 1]
                && ratings.participant[r] == ratings.participant[r - 1];
            match runs.last_mut() {
                Some(run) if same => run.end = r as u32 + 1,
                _ => runs.push(Run {
                    start: r as u32,
                    end: r as u32 + 1,
                }),
            }
        }
        Ok(Dataset {
            source,
            dicts,
            images,
            participants,
            ratings,
            groups,
            image_group,
            runs,
        })
    }

    /// Maximal runs of ratings sharing one (split, participant), in order.
    pub fn runs(&self) -> &[Run] {
        &self.runs
    }

    /// The visual groups (name under type), sorted by name then type.
    pub fn groups(&self) -> &[GroupKey] {
        &self.groups
    }

    /// Each image's index into [`Dataset::groups`].
    pub fn image_group(&self) -> &[u16] {
        &self.image_group
    }

    /// `landscape` when the name is used by one type only, `landscape · Art` when by several.
    pub fn group_label(&self, g: u16) -> String {
        let key = self.groups[g as usize];
        let name = self.dicts.group_names.get(key.name);
        let shared = self.groups.iter().filter(|k| k.name == key.name).count() > 1;
        if shared {
            format!("{name} · {}", self.dicts.types.get(key.kind))
        } else {
            name.to_string()
        }
    }

    /// `name/Type`: a visual group named unambiguously (what the predictor's features use).
    pub fn group_token(&self, g: u16) -> String {
        let key = self.groups[g as usize];
        format!(
            "{}/{}",
            self.dicts.group_names.get(key.name),
            self.dicts.types.get(key.kind)
        )
    }

    /// Style name, or `None` for an image without style.
    pub fn style_name(&self, style: u16) -> Option<&str> {
        (style != NO_STYLE).then(|| self.dicts.styles.get(style))
    }

    /// Age bins ordered by the youngest age that carries them (teens, twenties, ...), which is
    /// how people read them; the dictionary itself is alphabetical.
    pub fn age_bin_order(&self) -> Vec<u16> {
        let mut youngest = vec![u8::MAX; self.dicts.age_bins.len()];
        for (&b, &a) in self.participants.age_bin.iter().zip(&self.participants.age) {
            youngest[b as usize] = youngest[b as usize].min(a);
        }
        let mut order: Vec<u16> = (0..youngest.len() as u16).collect();
        order.sort_by_key(|&b| (youngest[b as usize], b));
        order
    }

    /// Participant `p`'s age, age group, gender and nationality, as published.
    pub fn demographics(&self, p: usize) -> Demographics {
        let (pa, d) = (&self.participants, &self.dicts);
        Demographics {
            age: pa.age[p] as i64,
            age_binned: d.age_bins.get(pa.age_bin[p]).to_string(),
            gender: d.genders.get(pa.gender[p]).to_string(),
            nationality: d.nationalities.get(pa.nationality[p]).to_string(),
        }
    }

    /// The rating `r` as a published record.
    pub fn record(&self, r: usize) -> Record {
        let p = self.ratings.participant[r] as usize;
        let i = self.ratings.image[r] as usize;
        let (im, pa, d) = (&self.images, &self.participants, &self.dicts);
        Record {
            image_path: im.path[i].clone(),
            image_id: im.id[i],
            participant_id: pa.id[p].clone(),
            image_metadata: ImageMetadata {
                group: d.group_names.get(im.group_name[i]).to_string(),
                style: self.style_name(im.style[i]).map(str::to_string),
                category: d.categories.get(im.category[i]).to_string(),
                prompt: im.prompt[i].clone(),
                kind: d.types.get(im.kind[i]).to_string(),
            },
            user_demographics: self.demographics(p),
            quality_label: Label::from_index(self.ratings.label[r]).unwrap_or(Label::Poor),
            original_score: crate::schema::milli_to_score(self.ratings.score[r]),
        }
    }

    /// Indices of the ratings of one split, a contiguous range thanks to the canonical order.
    pub fn split_range(&self, split: Split) -> std::ops::Range<usize> {
        let s = split.index();
        let lo = self.ratings.split.partition_point(|&x| x < s);
        let hi = self.ratings.split.partition_point(|&x| x <= s);
        lo..hi
    }

    /// Image index of an image id.
    pub fn image_index(&self, id: u64) -> Option<u32> {
        self.images.id.binary_search(&id).ok().map(|i| i as u32)
    }

    /// Participant index of a participant id.
    pub fn participant_index(&self, id: &str) -> Option<u32> {
        self.participants
            .id
            .binary_search_by(|p| p.as_str().cmp(id))
            .ok()
            .map(|i| i as u32)
    }
}

fn validate(d: &Dicts, im: &Images, pa: &Participants, ra: &Ratings) -> Result<(), InvalidStore> {
    let bad = |m: String| Err(InvalidStore(m));
    let ni = im.id.len();
    if [
        im.path.len(),
        im.group_name.len(),
        im.style.len(),
        im.kind.len(),
        im.category.len(),
        im.prompt.len(),
    ]
    .iter()
    .any(|&l| l != ni)
    {
        return bad("image columns differ in length".into());
    }
    let np = pa.id.len();
    if [
        pa.age.len(),
        pa.age_bin.len(),
        pa.gender.len(),
        pa.nationality.len(),
    ]
    .iter()
    .any(|&l| l != np)
    {
        return bad("participant columns differ in length".into());
    }
    let nr = ra.score.len();
    if [
        ra.participant.len(),
        ra.image.len(),
        ra.label.len(),
        ra.split.len(),
    ]
    .iter()
    .any(|&l| l != nr)
    {
        return bad("rating columns differ in length".into());
    }
    if ni >= u32::MAX as usize || np >= u32::MAX as usize || nr >= u32::MAX as usize {
        return bad("too many images, participants or ratings".into());
    }
    if !im.id.windows(2).all(|w| w[0] < w[1]) {
        return bad("image ids are not sorted and distinct".into());
    }
    if !pa.id.windows(2).all(|w| w[0] < w[1]) {
        return bad("participant ids are not sorted and distinct".into());
    }
    let within = |col: &[u16], dict: &Dict, name: &str| -> Result<(), InvalidStore> {
        match col.iter().find(|&&v| v as usize >= dict.len()) {
            Some(v) => Err(InvalidStore(format!(
                "{name} index {v} outside its dictionary of {}",
                dict.len()
            ))),
            None => Ok(()),
        }
    };
    within(&im.group_name, &d.group_names, "group")?;
    within(&im.kind, &d.types, "type")?;
    within(&im.category, &d.categories, "category")?;
    within(&pa.age_bin, &d.age_bins, "age bin")?;
    within(&pa.gender, &d.genders, "gender")?;
    within(&pa.nationality, &d.nationalities, "nationality")?;
    if let Some(s) = im
        .style
        .iter()
        .find(|&&s| s != NO_STYLE && s as usize >= d.styles.len())
    {
        return bad(format!("style index {s} outside its dictionary"));
    }
    if ra.participant.iter().any(|&p| p as usize >= np) {
        return bad("a rating names a participant that does not exist".into());
    }
    if ra.image.iter().any(|&i| i as usize >= ni) {
        return bad("a rating names an image that does not exist".into());
    }
    if let Some(s) = ra.score.iter().find(|&&s| !(1000..=5000).contains(&s)) {
        return bad(format!("score {s} thousandths outside 1 to 5"));
    }
    if ra.label.iter().any(|&l| l >= 5) {
        return bad("label index outside the five levels".into());
    }
    if ra.split.iter().any(|&s| s >= 5) {
        return bad("split index outside the five splits".into());
    }
    Ok(())
}

/// Interns strings while loading, then produces a sorted [`Dict`] and the old-to-new remap.
///
/// Public for the synthetic generator (`pamela-synth`), which assembles its store through the
/// same dictionaries as the loader: the same values give the same [`Dict`] and indices whichever
/// builds them. Only building is public ([`Interner::intern`], [`Interner::finish`]).
#[derive(Debug, Default)]
pub struct Interner {
    index: HashMap<String, u32>,
    values: Vec<String>,
}

impl Interner {
    /// The id of `s`, interning it if new (ids count up from 0 in order of first appearance).
    pub fn intern(&mut self, s: &str) -> u32 {
        if let Some(&i) = self.index.get(s) {
            return i;
        }
        let i = self.values.len() as u32;
        self.values.push(s.to_string());
        self.index.insert(s.to_string(), i);
        i
    }

    pub(crate) fn len(&self) -> usize {
        self.values.len()
    }

    pub(crate) fn value(&self, v: u32) -> &str {
        &self.values[v as usize]
    }

    /// Sorted dictionary and, for each interned id, its index in that dictionary.
    pub fn finish(self) -> (Dict, Vec<u16>) {
        let mut order: Vec<u32> = (0..self.values.len() as u32).collect();
        order.sort_by(|&a, &b| self.values[a as usize].cmp(&self.values[b as usize]));
        let mut remap = vec![0u16; self.values.len()];
        for (new, &old) in order.iter().enumerate() {
            remap[old as usize] = new as u16;
        }
        let mut values = self.values;
        let sorted = order
            .iter()
            .map(|&o| std::mem::take(&mut values[o as usize]))
            .collect();
        (Dict { values: sorted }, remap)
    }
}
