//! The published PAMELA record, exactly as the dataset card describes it.
//!
//! One annotation file is a list of [`Record`]s. The types here are strict where the card is
//! definite (every field present and of its type, `quality_label` one of five levels, scores
//! finite and within 1 to 5) and open where it is not: groups, styles, types, genders and
//! nationalities are free strings whose vocabularies are read from the data. Fields the card does
//! not list are ignored, so a later revision that adds a column still loads.

use serde::{Deserialize, Deserializer, Serialize};
use std::fmt;

/// One rating joined with its image's metadata and its rater's demographics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    pub image_path: String,
    pub image_id: u64,
    pub participant_id: String,
    pub image_metadata: ImageMetadata,
    pub user_demographics: Demographics,
    #[serde(deserialize_with = "label_by_name")]
    pub quality_label: Label,
    pub original_score: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImageMetadata {
    pub group: String,
    /// `null` on Photorealism images. The key itself must be present.
    #[serde(deserialize_with = "present_but_nullable")]
    pub style: Option<String>,
    pub category: String,
    pub prompt: String,
    #[serde(rename = "type")]
    pub kind: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Demographics {
    pub age: i64,
    pub age_binned: String,
    pub gender: String,
    pub nationality: String,
}

/// `deserialize_with` turns off serde's habit of reading a missing `Option` field as `None`:
/// the card's files always carry `style`, so its absence is an error, while `null` is valid.
fn present_but_nullable<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Option::<String>::deserialize(d)
}

/// Reads a label from its name, so that a number or an unknown word gets a message that lists
/// the five names (serde's enum path reports a number as broken JSON).
fn label_by_name<'de, D: Deserializer<'de>>(d: D) -> Result<Label, D::Error> {
    let s = String::deserialize(d)?;
    Label::from_name(&s).ok_or_else(|| {
        serde::de::Error::unknown_variant(&s, &["poor", "fair", "good", "great", "excellent"])
    })
}

/// The five quality levels, in order. Unknown levels are an error, never guessed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Label {
    Poor,
    Fair,
    Good,
    Great,
    Excellent,
}

impl Label {
    pub const ALL: [Label; 5] = [
        Label::Poor,
        Label::Fair,
        Label::Good,
        Label::Great,
        Label::Excellent,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Label::Poor => "poor",
            Label::Fair => "fair",
            Label::Good => "good",
            Label::Great => "great",
            Label::Excellent => "excellent",
        }
    }

    pub fn index(self) -> u8 {
        self as u8
    }

    pub fn from_index(i: u8) -> Option<Label> {
        Label::ALL.get(i as usize).copied()
    }

    pub fn from_name(s: &str) -> Option<Label> {
        Label::ALL.into_iter().find(|l| l.name() == s)
    }

    /// The rule the card's one example fits (nearest integer, halves up: 1 poor ... 5
    /// excellent). The generator labels by it; the bundle stores each label as its offset from
    /// it (so that labels cost almost nothing); labels of loaded files are always read, never
    /// re-derived.
    pub fn nearest_to_score(score: f64) -> Label {
        let r = score.round().clamp(1.0, 5.0) as u8;
        Label::ALL[(r - 1) as usize]
    }

    /// [`Label::nearest_to_score`] on a score in thousandths, in exact integer arithmetic.
    pub fn nearest_to_milli(milli: u16) -> Label {
        let r = ((milli as u32 + 500) / 1000).clamp(1, 5) as usize;
        Label::ALL[r - 1]
    }
}

impl fmt::Display for Label {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The five published splits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Split {
    Train,
    ValSeen,
    ValUnseen,
    TestSeen,
    TestUnseen,
}

impl Split {
    pub const ALL: [Split; 5] = [
        Split::Train,
        Split::ValSeen,
        Split::ValUnseen,
        Split::TestSeen,
        Split::TestUnseen,
    ];

    /// The published file stem, e.g. `pamela_val_unseen`.
    pub fn file_stem(self) -> &'static str {
        match self {
            Split::Train => "pamela_train",
            Split::ValSeen => "pamela_val_seen",
            Split::ValUnseen => "pamela_val_unseen",
            Split::TestSeen => "pamela_test_seen",
            Split::TestUnseen => "pamela_test_unseen",
        }
    }

    /// Short name used in the UI, URLs and the command line: `train`, `val_seen`, ...
    pub fn name(self) -> &'static str {
        &self.file_stem()["pamela_".len()..]
    }

    pub fn from_name(s: &str) -> Option<Split> {
        Split::ALL
            .into_iter()
            .find(|x| x.name() == s || x.file_stem() == s)
    }

    pub fn index(self) -> u8 {
        self as u8
    }

    pub fn from_index(i: u8) -> Option<Split> {
        Split::ALL.get(i as usize).copied()
    }

    pub fn is_unseen(self) -> bool {
        matches!(self, Split::ValUnseen | Split::TestUnseen)
    }

    /// The split a file holds, from its name: the base name must start with a published stem
    /// (`pamela_train.json`, `pamela_train-00000-of-00002.jsonl`, `data/pamela_test_seen.json`).
    pub fn from_file_name(path: &str) -> Option<Split> {
        let base = path.rsplit(['/', '\\']).next().unwrap_or(path);
        // Longest stems first so that no stem shadows another one that extends it.
        let mut all = Split::ALL;
        all.sort_by_key(|s| std::cmp::Reverse(s.file_stem().len()));
        all.into_iter().find(|s| {
            base.strip_prefix(s.file_stem())
                .is_some_and(|rest| rest.is_empty() || rest.starts_with(['.', '-', '_']))
        })
    }
}

impl fmt::Display for Split {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Scores are kept as integer thousandths (the card's 3 decimals): exact sums, 2 bytes each.
pub fn score_to_milli(score: f64) -> u16 {
    (score * 1000.0).round() as u16
}

pub fn milli_to_score(milli: u16) -> f64 {
    milli as f64 / 1000.0
}

/// The decade bucket the card's example uses (`28` -> `twenties`). Used by the generator and to
/// order age bins for display; loaded files keep the `age_binned` they carry.
pub fn decade_name(age: u8) -> &'static str {
    match age {
        0..=9 => "children",
        10..=19 => "teens",
        20..=29 => "twenties",
        30..=39 => "thirties",
        40..=49 => "forties",
        50..=59 => "fifties",
        60..=69 => "sixties",
        70..=79 => "seventies",
        80..=89 => "eighties",
        _ => "nineties+",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_is_read_from_the_file_name() {
        assert_eq!(
            Split::from_file_name("pamela_train.json"),
            Some(Split::Train)
        );
        assert_eq!(
            Split::from_file_name("/data/x/pamela_val_unseen.jsonl"),
            Some(Split::ValUnseen)
        );
        assert_eq!(
            Split::from_file_name("pamela_test_seen-00000-of-00001.json"),
            Some(Split::TestSeen)
        );
        assert_eq!(Split::from_file_name("pamela_trainer.json"), None);
        assert_eq!(Split::from_file_name("train.json"), None);
    }

    #[test]
    fn label_from_index_round_trips() {
        for l in Label::ALL {
            assert_eq!(Label::from_index(l.index()), Some(l));
            assert_eq!(Label::from_name(l.name()), Some(l));
        }
    }

    #[test]
    fn nearest_integer_label_fits_the_card_example() {
        assert_eq!(Label::nearest_to_score(3.497), Label::Good);
        assert_eq!(Label::nearest_to_score(1.0), Label::Poor);
        assert_eq!(Label::nearest_to_score(4.5), Label::Excellent);
        assert_eq!(Label::nearest_to_score(4.499), Label::Great);
        for milli in 1000..=5000u16 {
            assert_eq!(
                Label::nearest_to_milli(milli),
                Label::nearest_to_score(milli as f64 / 1000.0),
                "{milli}"
            );
        }
    }
}
