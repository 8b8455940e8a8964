//! Per-rating files: what `pamela predict` writes, and the per-rating truth and prediction
//! files `pamela eval` reads.
//!
//! # What `predict` writes
//! One row per rating of the data, in the data's order, with the columns
//! `participant_id, image_id, split, observed_score, predicted_score` (`split` is the file stem,
//! e.g. `pamela_test_unseen`). CSV (a header line, then comma-separated values; a value holding
//! a comma or a quote is quoted) or JSON Lines (one object per line with those keys), chosen by
//! the extension of `--out` (`.csv`, `.jsonl`/`.ndjson`) or by `--format`. Predicted scores are
//! written with enough digits to read back exactly. Participants seen in training get their
//! fitted personal part; everyone else is predicted from the profile alone (k = 0).
//!
//! # What `eval` reads
//! * In place of a model, a predictions file: the same shape (only `participant_id`, `image_id`
//!   and `predicted_score` are read; other columns are ignored), covering every rating of the
//!   validation and test splits.
//! * `--truth FILE`: the noise-free score per rating, for the oracle row: either the
//!   generator's `ground_truth.json`, or a plain per-rating file, CSV or JSON Lines (or a JSON
//!   array of objects), with `participant_id`, `image_id` and `true_score` (also accepted:
//!   `participant`, `image`, `noise_free_score`). Ratings the file does not cover are left out
//!   of the oracle row.

use crate::{CliError, Result};
use pamela_core::{Dataset, Split};
use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

/// Scores by (participant id, image id).
pub type Scores = HashMap<(String, u64), f64>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    JsonLines,
}

impl Format {
    pub fn from_name(name: &str) -> Option<Format> {
        match name {
            "csv" => Some(Format::Csv),
            "jsonl" | "ndjson" | "json-lines" => Some(Format::JsonLines),
            _ => None,
        }
    }

    /// By the file's extension (`.csv`, `.jsonl`, `.ndjson`).
    pub fn of_path(path: &Path) -> Option<Format> {
        path.extension()
            .and_then(|e| e.to_str())
            .and_then(|e| Format::from_name(&e.to_ascii_lowercase()))
    }
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// Splits one CSV line into fields (quotes as RFC 4180; no line breaks inside fields).
fn csv_split(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            ('"', true) => quoted = false,
            ('"', false) if cur.is_empty() => quoted = true,
            (',', false) => out.push(std::mem::take(&mut cur)),
            (c, _) => cur.push(c),
        }
    }
    out.push(cur);
    out
}

/// Writes one row per rating: (participant, image, split, observed, predicted).
pub fn write(
    ds: &Dataset,
    predicted: &[f32],
    format: Format,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    if format == Format::Csv {
        writeln!(
            out,
            "participant_id,image_id,split,observed_score,predicted_score"
        )?;
    }
    for (r, &pred) in predicted.iter().enumerate() {
        let pid = &ds.participants.id[ds.ratings.participant[r] as usize];
        let iid = ds.images.id[ds.ratings.image[r] as usize];
        let split = Split::from_index(ds.ratings.split[r])
            .map(|s| s.file_stem())
            .unwrap_or("unknown");
        let observed = ds.ratings.score[r] as f64 / 1000.0;
        // The f32 as the f64 it equals: reads back exactly.
        let p = f64::from(pred);
        match format {
            Format::Csv => writeln!(out, "{},{iid},{split},{observed:.3},{p}", csv_field(pid))?,
            Format::JsonLines => {
                let v = serde_json::json!({
                    "participant_id": pid,
                    "image_id": iid,
                    "split": split,
                    "observed_score": observed,
                    "predicted_score": p,
                });
                writeln!(out, "{v}")?;
            }
        }
    }
    Ok(())
}

const PARTICIPANT: [&str; 2] = ["participant_id", "participant"];
const IMAGE: [&str; 2] = ["image_id", "image"];
pub const TRUE_SCORE: [&str; 2] = ["true_score", "noise_free_score"];
pub const PREDICTED_SCORE: [&str; 1] = ["predicted_score"];

/// Reads (participant, image) -> value from a CSV, JSON Lines or JSON-array file; `value`
/// names the accepted column names of the value.
pub fn read_scores(path: &Path, value: &[&str]) -> Result<Scores> {
    let shown = path.display();
    let text = std::fs::read_to_string(path)
        .map_err(|e| CliError(format!("{shown}: cannot read: {e}")))?;
    let trimmed = text.trim_start();
    let mut out = Scores::new();
    let bad = |line: usize, what: String| CliError(format!("{shown}: line {line}: {what}"));
    let from_object = |v: &serde_json::Value, line: usize| -> Result<((String, u64), f64)> {
        let get = |names: &[&str]| names.iter().find_map(|n| v.get(*n));
        let pid = get(&PARTICIPANT)
            .and_then(|p| p.as_str())
            .ok_or_else(|| bad(line, "expected a string participant_id".into()))?;
        let iid = get(&IMAGE)
            .and_then(|i| {
                i.as_u64()
                    .or_else(|| i.as_str().and_then(|s| s.parse().ok()))
            })
            .ok_or_else(|| bad(line, "expected a numeric image_id".into()))?;
        let x = get(value)
            .and_then(|x| x.as_f64())
            .ok_or_else(|| bad(line, format!("expected a number {}", value[0])))?;
        Ok(((pid.to_string(), iid), x))
    };
    if trimmed.starts_with('[') {
        let arr: Vec<serde_json::Value> = serde_json::from_str(trimmed)
            .map_err(|e| CliError(format!("{shown}: not a JSON array of objects: {e}")))?;
        for (k, v) in arr.iter().enumerate() {
            let (key, x) = from_object(v, k + 1)?;
            out.insert(key, x);
        }
    } else if trimmed.starts_with('{') {
        for (k, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let v: serde_json::Value = serde_json::from_str(line)
                .map_err(|e| bad(k + 1, format!("not a JSON object: {e}")))?;
            let (key, x) = from_object(&v, k + 1)?;
            out.insert(key, x);
        }
    } else {
        let mut lines = text.lines().enumerate();
        let header = lines
            .next()
            .map(|(_, h)| csv_split(h.trim_end_matches('\r')))
            .ok_or_else(|| CliError(format!("{shown}: empty file")))?;
        let col = |names: &[&str]| -> Result<usize> {
            header
                .iter()
                .position(|h| names.contains(&h.trim()))
                .ok_or_else(|| {
                    CliError(format!(
                        "{shown}: the header needs a column {} (it has: {})",
                        names.join(" or "),
                        header.join(", ")
                    ))
                })
        };
        let (cp, ci, cv) = (col(&PARTICIPANT)?, col(&IMAGE)?, col(value)?);
        for (k, line) in lines {
            let line = line.trim_end_matches('\r');
            if line.is_empty() {
                continue;
            }
            let f = csv_split(line);
            let field = |c: usize| {
                f.get(c)
                    .ok_or_else(|| bad(k + 1, format!("expected {} fields", header.len())))
            };
            let iid: u64 = field(ci)?
                .trim()
                .parse()
                .map_err(|_| bad(k + 1, "image_id is not a number".into()))?;
            let x: f64 = field(cv)?
                .trim()
                .parse()
                .map_err(|_| bad(k + 1, format!("{} is not a number", header[cv])))?;
            out.insert((field(cp)?.clone(), iid), x);
        }
    }
    if out.is_empty() {
        return Err(CliError(format!("{shown}: no rows")));
    }
    Ok(out)
}

/// The predictions of a file for every rating of the evaluation splits (NaN elsewhere); an
/// error names the first rating the file misses.
pub fn for_ratings(ds: &Dataset, scores: &Scores, what: &Path) -> Result<Vec<f64>> {
    let mut out = vec![f64::NAN; ds.ratings.len()];
    for s in pamela_model::eval::EVAL_SPLITS {
        for r in ds.split_range(s) {
            let pid = &ds.participants.id[ds.ratings.participant[r] as usize];
            let iid = ds.images.id[ds.ratings.image[r] as usize];
            match scores.get(&(pid.clone(), iid)) {
                Some(&x) => out[r] = x,
                None => {
                    return Err(CliError(format!(
                        "{}: no prediction for participant {pid}, image {iid} ({}); a \
                         predictions file must cover every rating of the validation and test \
                         splits",
                        what.display(),
                        s.file_stem()
                    )))
                }
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_with_commas_and_quotes_round_trip() {
        let line = [csv_field("p_1"), csv_field("a,b"), csv_field("say \"hi\"")].join(",");
        assert_eq!(csv_split(&line), ["p_1", "a,b", "say \"hi\""]);
    }

    #[test]
    fn formats_follow_the_extension() {
        assert_eq!(Format::of_path(Path::new("x/p.csv")), Some(Format::Csv));
        assert_eq!(
            Format::of_path(Path::new("p.JSONL")),
            Some(Format::JsonLines)
        );
        assert_eq!(Format::of_path(Path::new("p.txt")), None);
    }
}
