//! Reads the published annotation files (JSON arrays or JSON Lines) into a [`Dataset`].
//!
//! Each file's split comes from its name (`pamela_train*.json`, ...). A file is first cut into
//! records by a byte scanner (so every error knows its record index or line, and progress can be
//! reported per record), then each record is parsed by serde with its field path tracked.
//!
//! Checks and how they are reported:
//!
//! | check | outcome |
//! |---|---|
//! | broken JSON, missing or mistyped field, unknown label, score outside 1..5, age outside 0..150, empty id | error |
//! | one image id with two different metadata (type, group, style, prompt, path, category) | error: the images table cannot hold both, and an image's type decides what it is |
//! | one participant with two different demographics (age, age bin, gender, nationality) | note; the first values are kept, every conflicting record counted and the first listed |
//! | one participant rating one image twice in one split | note; every rating is kept |
//! | one (participant, image) pair in two splits | note (split leak); every rating is kept |
//! | a participant of an `_unseen` split who also rated in `pamela_train` | note; the split then does not mean what its name says |
//! | a `Photorealism` image with a style | note; the style is kept |
//! | a label other than the nearest-integer rule gives the score | note; the label is kept as given (the card does not state the rule) |
//! | a score with more than 3 decimals | note; rounded to thousandths, the store's resolution |
//! | a split with no file, or with more than one file | note |
//!
//! An error stops the load: the caller keeps whatever it had loaded before. The notes (the
//! data-quality report, [`Warning`]s with a count and the first [`MAX_EXAMPLES`] places) come
//! with the data: real collections have slips, and a researcher needs the data loaded and the
//! slips reported, not 69,904 ratings refused for one participant's two ages. What stays an
//! error is what breaks the schema or the store: wrong types, values out of range, unknown
//! structure, an image whose metadata changes.

use crate::dataset::{Dataset, Dicts, Images, Interner, Participants, Ratings, Source, NO_STYLE};
use crate::error::{ErrorKind, Example, LoadError, Location, Warning, WarningKind, MAX_EXAMPLES};
use crate::schema::{Record, Split};
use std::collections::HashMap;

/// The file whose presence beside the split files marks them as the synthetic sample.
pub const SYNTHETIC_MANIFEST: &str = "synthetic-manifest.json";

/// How a file was laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    JsonArray,
    JsonLines,
}

/// What one file contributed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileSummary {
    pub name: String,
    pub split: Split,
    pub format: Format,
    pub records: usize,
}

#[derive(Debug, Clone, Copy)]
struct Origin {
    file: u32,
    at: usize,
    lines: bool,
}

#[derive(Debug)]
struct ImageRow {
    path: String,
    group: u32,
    style: Option<u32>,
    kind: u32,
    category: u32,
    prompt: String,
    origin: Origin,
}

#[derive(Debug)]
struct ParticipantRow {
    age: u8,
    age_bin: u32,
    gender: u32,
    nationality: u32,
    origin: Origin,
}

/// A count and its first examples.
#[derive(Debug, Default)]
struct Tally {
    count: u64,
    examples: Vec<Example>,
}

impl Tally {
    fn add(&mut self, example: impl FnOnce() -> Example) {
        self.count += 1;
        if self.examples.len() < MAX_EXAMPLES {
            self.examples.push(example());
        }
    }

    fn into_warning(self, kind: WarningKind, message: String) -> Option<Warning> {
        (self.count > 0).then_some(Warning {
            kind,
            count: self.count,
            examples: self.examples,
            message,
        })
    }
}

/// Accumulates files, then [`Loader::finish`]es into a canonical [`Dataset`].
#[derive(Debug, Default)]
pub struct Loader {
    groups: Interner,
    styles: Interner,
    types: Interner,
    categories: Interner,
    genders: Interner,
    nationalities: Interner,
    age_bins: Interner,
    image_ids: HashMap<u64, u32>,
    images: Vec<(u64, ImageRow)>,
    participant_ids: HashMap<String, u32>,
    participants: Vec<(String, ParticipantRow)>,
    ratings: Vec<(u32, u32, u16, u8, u8)>,
    /// Where each rating was read: (file, record index or line).
    rating_origin: Vec<(u32, u32)>,
    files: Vec<FileSummary>,
    conflicts: Tally,
    conflicting_people: std::collections::HashSet<u32>,
    styled_photos: Tally,
    label_mismatch: Tally,
    rounded: usize,
    synthetic: Option<String>,
    /// Bound on one file's text (after inflating gzip); `None` is
    /// [`crate::intake::DEFAULT_MAX_FILE_SIZE`].
    max_file_size: Option<u64>,
}

impl Loader {
    pub fn new() -> Loader {
        Loader::default()
    }

    /// Bounds one file's text (what a gzip file inflates to, a UTF-16 file decodes to); the
    /// default is [`crate::intake::DEFAULT_MAX_FILE_SIZE`].
    pub fn set_max_file_size(&mut self, max: u64) {
        self.max_file_size = Some(max);
    }

    fn max_file_size(&self) -> u64 {
        self.max_file_size
            .unwrap_or(crate::intake::DEFAULT_MAX_FILE_SIZE)
    }

    /// The files added so far.
    pub fn files(&self) -> &[FileSummary] {
        &self.files
    }

    /// Ratings read so far.
    pub fn len(&self) -> usize {
        self.ratings.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ratings.is_empty()
    }

    /// Reads the synthetic generator's manifest: the data will be labelled synthetic.
    pub fn add_synthetic_manifest(&mut self, name: &str, bytes: &[u8]) -> Result<(), LoadError> {
        let v: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| {
            LoadError::new(
                ErrorKind::Syntax,
                name,
                Location::File,
                format!("the synthetic manifest is not valid JSON: {e}"),
            )
        })?;
        let provenance = v
            .get("provenance")
            .and_then(|p| p.as_str())
            .ok_or_else(|| {
                LoadError::new(
                    ErrorKind::MissingField,
                    name,
                    Location::File,
                    "expected a string `provenance` in the synthetic manifest",
                )
                .with_field("provenance")
            })?;
        self.synthetic = Some(provenance.to_string());
        Ok(())
    }

    /// Adds one file given its name (which tells the split) and its bytes. `progress` is called
    /// with (bytes read, total bytes) every few thousand records.
    pub fn add_file(
        &mut self,
        name: &str,
        bytes: &[u8],
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<FileSummary, LoadError> {
        let split = Split::from_file_name(name).ok_or_else(|| {
            LoadError::new(
                ErrorKind::UnknownSplit,
                name,
                Location::File,
                "cannot tell the split from the file name: expected a name starting with \
                 pamela_train, pamela_val_seen, pamela_val_unseen, pamela_test_seen or \
                 pamela_test_unseen",
            )
        })?;
        let decoded = crate::intake::decode_text(name, bytes, self.max_file_size())?;
        let text = strip_bom(&decoded);
        let (format, items) = split_records(name, text)?;
        let file = self.files.len() as u32;
        let total = text.len();
        for (n, item) in items.iter().enumerate() {
            let (at, lines) = match format {
                Format::JsonArray => (n, false),
                Format::JsonLines => (item.line, true),
            };
            let origin = Origin { file, at, lines };
            let loc = origin.location();
            let rec = parse_record(name, text, item, loc.clone())?;
            self.add_record(name, rec, origin, split)?;
            if n % 4096 == 4095 {
                progress(item.end, total);
            }
        }
        progress(total, total);
        let summary = FileSummary {
            name: name.to_string(),
            split,
            format,
            records: items.len(),
        };
        self.files.push(summary.clone());
        Ok(summary)
    }

    fn add_record(
        &mut self,
        name: &str,
        rec: Record,
        origin: Origin,
        split: Split,
    ) -> Result<(), LoadError> {
        let loc = origin.location();
        let err = |kind, field: &str, detail: String| {
            Err(LoadError::new(kind, name, loc.clone(), detail).with_field(field))
        };
        let s = rec.original_score;
        if !s.is_finite() {
            return err(
                ErrorKind::ScoreOutOfRange,
                "original_score",
                format!("expected a finite score from 1.0 to 5.0, found {s}"),
            );
        }
        if !(1.0..=5.0).contains(&s) {
            return err(
                ErrorKind::ScoreOutOfRange,
                "original_score",
                format!("expected a score from 1.0 to 5.0, found {s}"),
            );
        }
        let milli = crate::schema::score_to_milli(s);
        if (s * 1000.0 - milli as f64).abs() > 1e-6 {
            self.rounded += 1;
        }
        let age = rec.user_demographics.age;
        if !(0..=150).contains(&age) {
            return err(
                ErrorKind::InvalidValue,
                "user_demographics.age",
                format!("expected an age in years from 0 to 150, found {age}"),
            );
        }
        if rec.participant_id.trim().is_empty() {
            return err(
                ErrorKind::InvalidValue,
                "participant_id",
                "expected a non-empty participant id".into(),
            );
        }

        let files = &self.files;
        let where_ = |o: &Origin| o.describe(files, name);

        // Participant: first sighting defines it; later ones must agree.
        let d = &rec.user_demographics;
        let prow = ParticipantRow {
            age: age as u8,
            age_bin: self.age_bins.intern(&d.age_binned),
            gender: self.genders.intern(&d.gender),
            nationality: self.nationalities.intern(&d.nationality),
            origin,
        };
        let p = match self.participant_ids.get(&rec.participant_id) {
            Some(&p) => {
                let (_, old) = &self.participants[p as usize];
                let fields = [
                    ("age", old.age as u32, prow.age as u32, None),
                    (
                        "age_binned",
                        old.age_bin,
                        prow.age_bin,
                        Some(&self.age_bins),
                    ),
                    ("gender", old.gender, prow.gender, Some(&self.genders)),
                    (
                        "nationality",
                        old.nationality,
                        prow.nationality,
                        Some(&self.nationalities),
                    ),
                ];
                let mut differs = Vec::new();
                for (field, a, b, dict) in fields {
                    if a != b {
                        let show = |v: u32| match dict {
                            Some(d) => format!("{:?}", d_value(d, v)),
                            None => v.to_string(),
                        };
                        differs.push((field, show(b), show(a)));
                    }
                }
                if let Some((field, here, kept)) = differs.first() {
                    let more = match differs.len() {
                        1 => String::new(),
                        n => format!(
                            " (and {} more field{})",
                            n - 1,
                            if n > 2 { "s" } else { "" }
                        ),
                    };
                    let detail = format!(
                        "participant {} has {field} {here} here but {kept} in {}; {kept} is kept{more}",
                        rec.participant_id,
                        where_(&old.origin)
                    );
                    self.conflicts.add(|| Example {
                        file: name.to_string(),
                        location: loc.clone(),
                        field: Some(format!("user_demographics.{field}")),
                        detail,
                    });
                    self.conflicting_people.insert(p);
                }
                p
            }
            None => {
                let p = self.participants.len() as u32;
                self.participant_ids.insert(rec.participant_id.clone(), p);
                self.participants.push((rec.participant_id, prow));
                p
            }
        };

        // Image: same rule.
        let m = &rec.image_metadata;
        let irow = ImageRow {
            path: rec.image_path,
            group: self.groups.intern(&m.group),
            style: m.style.as_deref().map(|s| self.styles.intern(s)),
            kind: self.types.intern(&m.kind),
            category: self.categories.intern(&m.category),
            prompt: m.prompt.clone(),
            origin,
        };
        let i = match self.image_ids.get(&rec.image_id) {
            Some(&i) => {
                let (_, old) = &self.images[i as usize];
                let differs = [
                    ("image_path", old.path != irow.path),
                    ("image_metadata.group", old.group != irow.group),
                    ("image_metadata.style", old.style != irow.style),
                    ("image_metadata.type", old.kind != irow.kind),
                    ("image_metadata.category", old.category != irow.category),
                    ("image_metadata.prompt", old.prompt != irow.prompt),
                ];
                if let Some((field, _)) = differs.iter().find(|(_, d)| *d) {
                    return err(
                        ErrorKind::ConflictingImage,
                        field,
                        format!(
                            "image {} has a different {} here than in {}",
                            rec.image_id,
                            field.rsplit('.').next().unwrap_or(field),
                            where_(&old.origin)
                        ),
                    );
                }
                i
            }
            None => {
                if m.kind == "Photorealism" {
                    if let Some(style) = &m.style {
                        self.styled_photos.add(|| Example {
                            file: name.to_string(),
                            location: loc.clone(),
                            field: Some("image_metadata.style".into()),
                            detail: format!(
                                "image {} is Photorealism but has style {style:?}; kept",
                                rec.image_id
                            ),
                        });
                    }
                }
                let i = self.images.len() as u32;
                self.image_ids.insert(rec.image_id, i);
                self.images.push((rec.image_id, irow));
                i
            }
        };
        for (dict, what) in [
            (&self.groups, "groups"),
            (&self.styles, "styles"),
            (&self.types, "types"),
            (&self.categories, "categories"),
            (&self.genders, "genders"),
            (&self.nationalities, "nationalities"),
            (&self.age_bins, "age bins"),
        ] {
            if dict.len() >= NO_STYLE as usize {
                return Err(LoadError::new(
                    ErrorKind::TooLarge,
                    name,
                    loc.clone(),
                    format!("more than 65,534 distinct {what}"),
                ));
            }
        }
        if self.ratings.len() >= u32::MAX as usize {
            return Err(LoadError::new(
                ErrorKind::TooLarge,
                name,
                loc,
                "more than 4,294,967,294 ratings",
            ));
        }
        let nearest = crate::schema::Label::nearest_to_milli(milli);
        if nearest != rec.quality_label {
            self.label_mismatch.add(|| Example {
                file: name.to_string(),
                location: loc.clone(),
                field: Some("quality_label".into()),
                detail: format!(
                    "label {} with score {s}, where the nearest-integer rule gives {}; kept",
                    rec.quality_label.name(),
                    nearest.name()
                ),
            });
        }
        self.ratings
            .push((p, i, milli, rec.quality_label.index(), split.index()));
        self.rating_origin
            .push((origin.file, u32::try_from(origin.at).unwrap_or(u32::MAX)));
        Ok(())
    }

    /// Builds the store and reports the cross-record warnings.
    pub fn finish(mut self, default_source: Source) -> Result<(Dataset, Vec<Warning>), LoadError> {
        if self.ratings.is_empty() {
            let names: Vec<&str> = self.files.iter().map(|f| f.name.as_str()).collect();
            let name = if names.is_empty() {
                "(no files)".to_string()
            } else {
                names.join(", ")
            };
            return Err(LoadError::new(
                ErrorKind::NoData,
                &name,
                Location::File,
                "no ratings were found",
            ));
        }
        let mut warnings = self.record_notes();
        let source = match self.synthetic {
            Some(provenance) => Source {
                kind: crate::dataset::SourceKind::Synthetic,
                provenance,
            },
            None => default_source,
        };

        let (group_names, group_map) = self.groups.finish();
        let (styles, style_map) = self.styles.finish();
        let (types, type_map) = self.types.finish();
        let (categories, category_map) = self.categories.finish();
        let (genders, gender_map) = self.genders.finish();
        let (nationalities, nat_map) = self.nationalities.finish();
        let (age_bins, bin_map) = self.age_bins.finish();

        let mut image_order: Vec<u32> = (0..self.images.len() as u32).collect();
        image_order.sort_unstable_by_key(|&i| self.images[i as usize].0);
        let mut image_rank = vec![0u32; image_order.len()];
        for (rank, &i) in image_order.iter().enumerate() {
            image_rank[i as usize] = rank as u32;
        }
        let mut images = Images::default();
        let mut raw_images: Vec<Option<(u64, ImageRow)>> =
            self.images.into_iter().map(Some).collect();
        for &i in &image_order {
            let (id, row) = raw_images[i as usize].take().expect("each image once");
            images.id.push(id);
            images.path.push(row.path);
            images.group_name.push(group_map[row.group as usize]);
            images
                .style
                .push(row.style.map_or(NO_STYLE, |s| style_map[s as usize]));
            images.kind.push(type_map[row.kind as usize]);
            images.category.push(category_map[row.category as usize]);
            images.prompt.push(row.prompt);
        }

        let mut part_order: Vec<u32> = (0..self.participants.len() as u32).collect();
        part_order.sort_unstable_by(|&a, &b| {
            self.participants[a as usize]
                .0
                .cmp(&self.participants[b as usize].0)
        });
        let mut part_rank = vec![0u32; part_order.len()];
        for (rank, &p) in part_order.iter().enumerate() {
            part_rank[p as usize] = rank as u32;
        }
        let mut participants = Participants::default();
        let mut raw_parts: Vec<Option<(String, ParticipantRow)>> =
            self.participants.into_iter().map(Some).collect();
        for &p in &part_order {
            let (id, row) = raw_parts[p as usize].take().expect("each participant once");
            participants.id.push(id);
            participants.age.push(row.age);
            participants.age_bin.push(bin_map[row.age_bin as usize]);
            participants.gender.push(gender_map[row.gender as usize]);
            participants
                .nationality
                .push(nat_map[row.nationality as usize]);
        }

        let mut ratings = Ratings::default();
        for &(p, i, score, label, split) in &self.ratings {
            ratings.participant.push(part_rank[p as usize]);
            ratings.image.push(image_rank[i as usize]);
            ratings.score.push(score);
            ratings.label.push(label);
            ratings.split.push(split);
        }

        let dicts = Dicts {
            group_names,
            styles,
            types,
            categories,
            genders,
            nationalities,
            age_bins,
        };
        let ds = Dataset::new(source, dicts, images, participants, ratings).map_err(|e| {
            LoadError::new(ErrorKind::InvalidValue, "(all files)", Location::File, e.0)
        })?;
        warnings.extend(cross_record_warnings(&ds));
        if self.rounded > 0 {
            warnings.push(Warning::new(
                WarningKind::ScoreRounded,
                self.rounded as u64,
                format!(
                    "{} scores had more than 3 decimals and were rounded to thousandths",
                    self.rounded
                ),
            ));
        }
        let missing: Vec<&str> = Split::ALL
            .iter()
            .filter(|s| !self.files.iter().any(|f| f.split == **s))
            .map(|s| s.file_stem())
            .collect();
        if !missing.is_empty() {
            let mut w = Warning::new(
                WarningKind::Splits,
                missing.len() as u64,
                format!("no file was given for {}", missing.join(", ")),
            );
            w.examples = missing
                .iter()
                .map(|m| Example {
                    file: String::new(),
                    location: Location::File,
                    field: None,
                    detail: format!("no file for {m}"),
                })
                .collect();
            warnings.push(w);
        }
        let order = |w: &Warning| WarningKind::ALL.iter().position(|k| *k == w.kind);
        warnings.sort_by_key(order);
        Ok((ds, warnings))
    }
}

impl Loader {
    fn place(&self, (file, at): (u32, u32)) -> (String, Location) {
        let f = &self.files[file as usize];
        let at = at as usize;
        let loc = match f.format {
            Format::JsonLines => Location::Line(at),
            Format::JsonArray => Location::Record(at),
        };
        (f.name.clone(), loc)
    }

    /// The notes found record by record, and those on pairs and files, before the store is
    /// built (they need the records' places).
    fn record_notes(&mut self) -> Vec<Warning> {
        let mut out = Vec::new();
        let people = self.conflicting_people.len();
        let records = self.conflicts.count;
        out.extend(std::mem::take(&mut self.conflicts).into_warning(
            WarningKind::ConflictingDemographics,
            format!(
                "{} participant{} demographics that differ between records; the first \
                 values are kept ({} records disagree with them)",
                people,
                if people == 1 { " has" } else { "s have" },
                records
            ),
        ));
        let styled = std::mem::take(&mut self.styled_photos);
        let n = styled.count;
        out.extend(styled.into_warning(
            WarningKind::StyleOnPhotorealism,
            format!("{n} Photorealism images carry a style (the card says only Art images do); the styles are kept"),
        ));
        let labels = std::mem::take(&mut self.label_mismatch);
        let n = labels.count;
        out.extend(labels.into_warning(
            WarningKind::LabelDisagreesWithScore,
            format!(
                "{n} ratings have a label other than the nearest-integer rule gives their score; \
                 the labels are kept as given"
            ),
        ));
        out.extend(self.pair_notes());
        for split in Split::ALL {
            let of: Vec<&FileSummary> = self.files.iter().filter(|f| f.split == split).collect();
            if of.len() > 1 {
                let names: Vec<&str> = of.iter().map(|f| f.name.as_str()).collect();
                out.push(Warning {
                    kind: WarningKind::DuplicateSplitFile,
                    count: of.len() as u64 - 1,
                    examples: of[1..]
                        .iter()
                        .take(MAX_EXAMPLES)
                        .map(|f| Example {
                            file: f.name.clone(),
                            location: Location::File,
                            field: None,
                            detail: format!(
                                "another file for {} (first: {}); its {} ratings are added",
                                split.file_stem(),
                                of[0].name,
                                f.records
                            ),
                        })
                        .collect(),
                    message: format!(
                        "{} is given by {} files ({}); all are read",
                        split.file_stem(),
                        of.len(),
                        names.join(", ")
                    ),
                });
            }
        }
        out
    }

    /// Pairs rated twice: within one split (repeated) or across splits (a leak).
    fn pair_notes(&self) -> Vec<Warning> {
        let r = &self.ratings;
        let mut idx: Vec<u32> = (0..r.len() as u32).collect();
        idx.sort_unstable_by_key(|&k| (r[k as usize].0, r[k as usize].1, k));
        let mut repeated = Tally::default();
        let mut leaks = Tally::default();
        let mut start = 0;
        while start < idx.len() {
            let key = |k: u32| (r[k as usize].0, r[k as usize].1);
            let mut end = start + 1;
            while end < idx.len() && key(idx[end]) == key(idx[start]) {
                end += 1;
            }
            if end - start > 1 {
                let group = &idx[start..end];
                let (p, i) = key(group[0]);
                let pid = &self.participants[p as usize].0;
                let iid = self.images[i as usize].0;
                let split_of = |k: u32| Split::ALL[r[k as usize].4 as usize];
                let first = group[0];
                let (ffile, floc) = self.place(self.rating_origin[first as usize]);
                if group.iter().any(|&k| split_of(k) != split_of(first)) {
                    let other = *group
                        .iter()
                        .find(|&&k| split_of(k) != split_of(first))
                        .expect("a second split");
                    let (file, location) = self.place(self.rating_origin[other as usize]);
                    leaks.add(|| Example {
                        file,
                        location,
                        field: None,
                        detail: format!(
                            "participant {pid} rates image {iid} in {} here and in {} ({ffile}, {floc})",
                            split_of(other).file_stem(),
                            split_of(first).file_stem()
                        ),
                    });
                }
                for (n, &k) in group.iter().enumerate().skip(1) {
                    if group[..n].iter().any(|&j| split_of(j) == split_of(k)) {
                        let (file, location) = self.place(self.rating_origin[k as usize]);
                        let (ffile, floc) = (ffile.clone(), floc.clone());
                        repeated.add(|| Example {
                            file,
                            location,
                            field: None,
                            detail: format!(
                                "participant {pid} rates image {iid} again (first in {ffile}, {floc})"
                            ),
                        });
                    }
                }
            }
            start = end;
        }
        let mut out = Vec::new();
        let n = leaks.count;
        out.extend(leaks.into_warning(
            WarningKind::SplitLeak,
            format!(
                "{n} (participant, image) pairs are rated in two splits, so those splits leak \
                 into each other; all ratings are kept"
            ),
        ));
        let n = repeated.count;
        let first = repeated
            .examples
            .first()
            .map(|e| e.detail.clone())
            .unwrap_or_default();
        out.extend(repeated.into_warning(
            WarningKind::RepeatedPair,
            format!(
                "{n} ratings repeat a (participant, image) pair already rated in the same split, \
                 e.g. {first}; all are kept"
            ),
        ));
        out
    }
}

fn d_value(d: &Interner, v: u32) -> String {
    d.value(v).to_string()
}

impl Origin {
    fn location(&self) -> Location {
        if self.lines {
            Location::Line(self.at)
        } else {
            Location::Record(self.at)
        }
    }

    fn describe(&self, files: &[FileSummary], current: &str) -> String {
        let name = files
            .get(self.file as usize)
            .map_or(current, |f| f.name.as_str());
        format!("{name}, {}", self.location())
    }
}

/// Participants of an unseen split found in train (the pair notes come from the loader, which
/// knows each rating's place).
pub fn cross_record_warnings(ds: &Dataset) -> Vec<Warning> {
    let mut out = Vec::new();
    let r = &ds.ratings;
    let mut in_train = vec![false; ds.participants.len()];
    for k in ds.split_range(Split::Train) {
        in_train[r.participant[k] as usize] = true;
    }
    let mut leaked: Vec<u32> = Vec::new();
    for s in [Split::ValUnseen, Split::TestUnseen] {
        for k in ds.split_range(s) {
            let p = r.participant[k];
            if in_train[p as usize] && leaked.last() != Some(&p) && !leaked.contains(&p) {
                leaked.push(p);
            }
        }
    }
    if let Some(&p) = leaked.first() {
        let mut w = Warning::new(
            WarningKind::UnseenParticipantInTrain,
            leaked.len() as u64,
            format!(
                "{} participants of an unseen split also rate in pamela_train (e.g. {}), so \
                 those splits are not fully unseen",
                leaked.len(),
                ds.participants.id[p as usize]
            ),
        );
        w.examples = leaked
            .iter()
            .take(MAX_EXAMPLES)
            .map(|&p| Example {
                file: String::new(),
                location: Location::File,
                field: None,
                detail: format!(
                    "participant {} rates in an unseen split and in pamela_train",
                    ds.participants.id[p as usize]
                ),
            })
            .collect();
        out.push(w);
    }
    out
}

/// One record's bytes within the file.
#[derive(Debug, Clone, Copy)]
struct Item {
    start: usize,
    end: usize,
    /// 1-based line of the record's first byte.
    line: usize,
}

fn strip_bom(b: &[u8]) -> &[u8] {
    b.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(b)
}

fn line_col(text: &[u8], pos: usize) -> (usize, usize) {
    let before = &text[..pos.min(text.len())];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let col = before.len()
        - before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |p| p + 1)
        + 1;
    (line, col)
}

fn syntax(name: &str, text: &[u8], pos: usize, location: Location, what: &str) -> LoadError {
    let (line, column) = line_col(text, pos);
    let location = match location {
        Location::File => Location::Text { line, column },
        other => other,
    };
    LoadError::new(
        ErrorKind::Syntax,
        name,
        location,
        format!("broken JSON at line {line}, column {column}: {what}"),
    )
}

/// Cuts a file into record byte ranges: a JSON array of values, or one value per line.
fn split_records(name: &str, text: &[u8]) -> Result<(Format, Vec<Item>), LoadError> {
    let first = text.iter().position(|b| !b.is_ascii_whitespace());
    match first.map(|p| (p, text[p])) {
        None => Err(LoadError::new(
            ErrorKind::Empty,
            name,
            Location::File,
            "the file is empty: expected a JSON array of ratings or one rating object per line",
        )),
        Some((p, b'[')) => split_array(name, text, p).map(|v| (Format::JsonArray, v)),
        Some((_, b'{')) => Ok((Format::JsonLines, split_lines(text))),
        Some((p, _)) => Err(LoadError::new(ErrorKind::NotAList, name, Location::File, {
            let (line, column) = line_col(text, p);
            format!(
                "expected a JSON array (`[`) or JSON Lines (`{{` on each line), found \
                     something else at line {line}, column {column}"
            )
        })),
    }
}

fn split_lines(text: &[u8]) -> Vec<Item> {
    let mut items = Vec::new();
    let mut start = 0;
    let mut line = 1;
    while start < text.len() {
        let end = text[start..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(text.len(), |p| start + p);
        if text[start..end].iter().any(|b| !b.is_ascii_whitespace()) {
            items.push(Item { start, end, line });
        }
        start = end + 1;
        line += 1;
    }
    items
}

fn split_array(name: &str, text: &[u8], open: usize) -> Result<Vec<Item>, LoadError> {
    let mut items = Vec::new();
    let mut line = 1 + text[..open].iter().filter(|&&b| b == b'\n').count();
    let mut pos = open + 1;
    let skip_ws = |pos: &mut usize, line: &mut usize| {
        while *pos < text.len() && text[*pos].is_ascii_whitespace() {
            if text[*pos] == b'\n' {
                *line += 1;
            }
            *pos += 1;
        }
    };
    skip_ws(&mut pos, &mut line);
    if text.get(pos) == Some(&b']') {
        pos += 1;
    } else {
        loop {
            let idx = items.len();
            let start = pos;
            let start_line = line;
            let mut depth = 0usize;
            let mut in_str = false;
            let mut esc = false;
            while pos < text.len() {
                let b = text[pos];
                if b == b'\n' {
                    line += 1;
                }
                if in_str {
                    if esc {
                        esc = false;
                    } else if b == b'\\' {
                        esc = true;
                    } else if b == b'"' {
                        in_str = false;
                    }
                } else {
                    match b {
                        b'"' => in_str = true,
                        b'{' | b'[' => depth += 1,
                        b'}' | b']' if depth > 0 => {
                            depth -= 1;
                            if depth == 0 {
                                pos += 1;
                                break;
                            }
                        }
                        b',' | b']' if depth == 0 => break,
                        _ => {}
                    }
                }
                pos += 1;
            }
            if pos >= text.len() && (depth > 0 || in_str || pos == start) {
                return Err(syntax(
                    name,
                    text,
                    text.len(),
                    Location::Record(idx),
                    "the file ends inside a record (truncated?)",
                ));
            }
            let end = pos;
            items.push(Item {
                start,
                end,
                line: start_line,
            });
            skip_ws(&mut pos, &mut line);
            match text.get(pos) {
                Some(b',') => {
                    pos += 1;
                    skip_ws(&mut pos, &mut line);
                }
                Some(b']') => {
                    pos += 1;
                    break;
                }
                None => {
                    return Err(syntax(
                        name,
                        text,
                        pos,
                        Location::Record(idx),
                        "the array is not closed with `]` (truncated?)",
                    ))
                }
                Some(_) => {
                    return Err(syntax(
                        name,
                        text,
                        pos,
                        Location::Record(idx),
                        "expected `,` or `]` after a record",
                    ))
                }
            }
        }
    }
    skip_ws(&mut pos, &mut line);
    if pos < text.len() {
        return Err(syntax(
            name,
            text,
            pos,
            Location::File,
            "unexpected text after the closing `]`",
        ));
    }
    Ok(items)
}

fn parse_record(name: &str, text: &[u8], item: &Item, loc: Location) -> Result<Record, LoadError> {
    let bytes = &text[item.start..item.end];
    if std::str::from_utf8(bytes).is_err() {
        return Err(LoadError::new(
            ErrorKind::Encoding,
            name,
            loc,
            "the text is not valid UTF-8",
        ));
    }
    if bytes.first() != Some(&b'{') {
        let shown: String = String::from_utf8_lossy(&bytes[..bytes.len().min(40)]).into();
        return Err(LoadError::new(
            ErrorKind::WrongType,
            name,
            loc,
            format!("expected a rating object `{{...}}`, found `{shown}`"),
        ));
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let result: Result<Record, _> = serde_path_to_error::deserialize(&mut de);
    let rec = match result {
        Ok(r) => r,
        Err(e) => {
            let path = e.path().to_string();
            let inner = e.into_inner();
            return Err(classify(name, text, item, loc, path, inner));
        }
    };
    if let Err(e) = de.end() {
        let off = item.start + column_offset(bytes, e.line(), e.column());
        return Err(syntax(
            name,
            text,
            off,
            loc,
            "unexpected text after the record",
        ));
    }
    Ok(rec)
}

fn column_offset(bytes: &[u8], line: usize, column: usize) -> usize {
    let mut l = 1;
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if l == line {
            break;
        }
        if b == b'\n' {
            l += 1;
            start = i + 1;
        }
    }
    (start + column.saturating_sub(1)).min(bytes.len())
}

fn classify(
    name: &str,
    text: &[u8],
    item: &Item,
    loc: Location,
    path: String,
    e: serde_json::Error,
) -> LoadError {
    use serde_json::error::Category;
    let bytes = &text[item.start..item.end];
    let msg = e.to_string();
    let msg = match msg.rfind(" at line ") {
        Some(p) => msg[..p].to_string(),
        None => msg,
    };
    let field = (path != ".").then_some(path);
    match e.classify() {
        Category::Syntax | Category::Eof | Category::Io => {
            let off = item.start + column_offset(bytes, e.line(), e.column());
            let mut err = syntax(name, text, off, loc, &msg);
            err.field = field;
            err
        }
        Category::Data => {
            if let Some(rest) = msg.strip_prefix("missing field `") {
                let missing = rest.trim_end_matches('`');
                let full = match &field {
                    Some(f) => format!("{f}.{missing}"),
                    None => missing.to_string(),
                };
                return LoadError::new(
                    ErrorKind::MissingField,
                    name,
                    loc,
                    format!("the required field `{full}` is missing"),
                )
                .with_field(full);
            }
            let is_label = field.as_deref() == Some("quality_label");
            let (kind, detail) = if let Some(rest) = msg.strip_prefix("invalid type: ") {
                let (found, expected) = rest.split_once(", expected ").unwrap_or((rest, "?"));
                if is_label {
                    (
                        ErrorKind::UnknownLabel,
                        format!(
                            "expected one of poor, fair, good, great, excellent, found {found}"
                        ),
                    )
                } else {
                    (
                        ErrorKind::WrongType,
                        format!("expected {}, found {found}", plain_type(expected)),
                    )
                }
            } else if msg.starts_with("unknown variant") && is_label {
                let found = msg
                    .strip_prefix("unknown variant ")
                    .and_then(|r| r.split_once(", expected"))
                    .map_or("?", |(f, _)| f);
                (
                    ErrorKind::UnknownLabel,
                    format!("expected one of poor, fair, good, great, excellent, found {found}"),
                )
            } else if let Some(rest) = msg.strip_prefix("invalid value: ") {
                let (found, expected) = rest.split_once(", expected ").unwrap_or((rest, "?"));
                (
                    ErrorKind::InvalidValue,
                    format!("expected {}, found {found}", plain_type(expected)),
                )
            } else {
                (ErrorKind::InvalidValue, msg)
            };
            let mut err = LoadError::new(kind, name, loc, detail);
            err.field = field;
            err
        }
    }
}

/// serde's type names in words a person reads.
fn plain_type(expected: &str) -> String {
    match expected {
        "i64" | "i32" | "u64" | "u32" | "u8" | "u16" => {
            if expected.starts_with('u') {
                "a non-negative integer".into()
            } else {
                "an integer".into()
            }
        }
        "f64" | "f32" => "a number".into(),
        "a string" => "a string".into(),
        e if e.starts_with("struct ") => "an object".into(),
        e if e.starts_with("variant identifier") || e.starts_with("enum ") => {
            "one of poor, fair, good, great, excellent".into()
        }
        e => e.to_string(),
    }
}

/// Whether a folder entry named `name` is read by [`load_paths`]: a split file or the manifest.
pub fn is_input_name(name: &str) -> bool {
    let plain = name.strip_suffix(".gz").unwrap_or(name);
    name == SYNTHETIC_MANIFEST
        || (Split::from_file_name(name).is_some()
            && (plain.ends_with(".json")
                || plain.ends_with(".jsonl")
                || plain.ends_with(".ndjson")))
}

/// A split file's name without its extensions (`pamela_train` for `pamela_train.jsonl.gz`):
/// two files of one folder with the same stem hold the same split twice.
pub fn file_stem(name: &str) -> &str {
    name.split('.').next().unwrap_or(name)
}

/// The files [`load_paths`] reads for `paths`, in order: a folder contributes its split files
/// (and the synthetic manifest, when present), sorted by name; a file is taken as it is.
///
/// Every path is looked at through its metadata first ([`crate::intake::inspect`]): pipes,
/// devices, sockets, missing paths and symbolic links that loop or dangle are errors naming the
/// path, also among a folder's split files. A folder holding one split under two names that
/// differ only in their extensions (`pamela_train.json` and `pamela_train.jsonl`) is an error
/// naming both: they are most likely two exports of the same ratings, and loading both would
/// count every rating twice (split files of one split under different stems, such as
/// `pamela_train_1.json` and `pamela_train_2.json`, are read and noted in the data notes). The
/// same file given twice is an error.
#[cfg(not(target_family = "wasm"))]
pub fn input_files(paths: &[std::path::PathBuf]) -> Result<Vec<std::path::PathBuf>, LoadError> {
    use crate::intake::{inspect, Entry};
    let mut files: Vec<std::path::PathBuf> = Vec::new();
    for path in paths {
        let shown = path.display().to_string();
        match inspect(path)? {
            Entry::File(_) => files.push(path.clone()),
            Entry::Folder => {
                let mut entries: Vec<std::path::PathBuf> = std::fs::read_dir(path)
                    .map_err(|e| {
                        LoadError::new(
                            ErrorKind::Io,
                            &shown,
                            Location::File,
                            format!("cannot list the folder: {e}"),
                        )
                    })?
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| {
                        p.file_name()
                            .and_then(|n| n.to_str())
                            .is_some_and(is_input_name)
                    })
                    .collect();
                entries.sort();
                for e in &entries {
                    if inspect(e)? == Entry::Folder {
                        return Err(LoadError::new(
                            ErrorKind::Io,
                            &e.display().to_string(),
                            Location::File,
                            "is a folder named like a split file: rename it or remove it",
                        ));
                    }
                }
                let base = |p: &std::path::Path| {
                    p.file_name()
                        .and_then(|n| n.to_str())
                        .unwrap_or("")
                        .to_string()
                };
                for (k, a) in entries.iter().enumerate() {
                    let an = base(a);
                    if an == SYNTHETIC_MANIFEST {
                        continue;
                    }
                    if let Some(b) = entries[k + 1..]
                        .iter()
                        .find(|b| file_stem(&base(b)) == file_stem(&an))
                    {
                        return Err(LoadError::new(
                            ErrorKind::DuplicateSplit,
                            &shown,
                            Location::File,
                            format!(
                                "the folder holds {} twice: {} and {}; loading both would count \
                                 its ratings twice: move one of them out of the folder",
                                file_stem(&an),
                                an,
                                base(b)
                            ),
                        ));
                    }
                }
                if entries.is_empty() {
                    return Err(LoadError::new(
                        ErrorKind::NoData,
                        &shown,
                        Location::File,
                        "the folder holds no pamela_*.json or pamela_*.jsonl files",
                    ));
                }
                files.extend(entries);
            }
        }
    }
    let canonical: Vec<Option<std::path::PathBuf>> = files
        .iter()
        .map(|f| std::fs::canonicalize(f).ok())
        .collect();
    for (k, a) in canonical.iter().enumerate() {
        let Some(a) = a else { continue };
        if let Some(j) = canonical[k + 1..]
            .iter()
            .position(|b| b.as_ref() == Some(a))
        {
            return Err(LoadError::new(
                ErrorKind::DuplicateSplit,
                &files[k + 1 + j].display().to_string(),
                Location::File,
                format!(
                    "the same file is given twice (also as {}): its ratings would count twice",
                    files[k].display()
                ),
            ));
        }
    }
    Ok(files)
}

/// How [`load_paths_with`] reads files from disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadOptions {
    /// Bound on one file's size on disk, and on its text after inflating gzip.
    pub max_file_size: u64,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            max_file_size: crate::intake::DEFAULT_MAX_FILE_SIZE,
        }
    }
}

/// [`load_paths_with`] at the default options.
#[cfg(not(target_family = "wasm"))]
pub fn load_paths(
    paths: &[std::path::PathBuf],
    progress: &mut dyn FnMut(&str, usize, usize),
) -> Result<(Dataset, Vec<Warning>, Vec<FileSummary>), LoadError> {
    load_paths_with(paths, &ReadOptions::default(), progress)
}

/// Loads files and folders from disk ([`input_files`] says which files and refuses what is not
/// a regular file). Each file is read whole, bounded by `options.max_file_size`.
#[cfg(not(target_family = "wasm"))]
pub fn load_paths_with(
    paths: &[std::path::PathBuf],
    options: &ReadOptions,
    progress: &mut dyn FnMut(&str, usize, usize),
) -> Result<(Dataset, Vec<Warning>, Vec<FileSummary>), LoadError> {
    let files = input_files(paths)?;
    let mut loader = Loader::new();
    loader.set_max_file_size(options.max_file_size);
    let mut names = Vec::new();
    for f in &files {
        let shown = f.display().to_string();
        let bytes = crate::intake::read_bounded(f, options.max_file_size)?;
        let base = f.file_name().and_then(|n| n.to_str()).unwrap_or(&shown);
        if base == SYNTHETIC_MANIFEST {
            loader.add_synthetic_manifest(&shown, &bytes)?;
            continue;
        }
        names.push(base.to_string());
        loader.add_file(&shown, &bytes, &mut |done, total| {
            progress(&shown, done, total)
        })?;
        drop(bytes);
    }
    let summaries = loader.files().to_vec();
    let source = Source {
        kind: crate::dataset::SourceKind::Pamela,
        provenance: format!("PAMELA files: {}", names.join(", ")),
    };
    let (ds, warnings) = loader.finish(source)?;
    Ok((ds, warnings, summaries))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn array_scanner_finds_records_with_brackets_in_strings() {
        let t = br#"[ {"a": "x]y,{"}, {"b": [1, 2]} ]"#;
        let items = split_array("f", t, 0).unwrap();
        assert_eq!(items.len(), 2);
        assert_eq!(&t[items[0].start..items[0].end], br#"{"a": "x]y,{"}"#);
        assert_eq!(&t[items[1].start..items[1].end], br#"{"b": [1, 2]}"#);
    }

    #[test]
    fn empty_array_has_no_records() {
        assert!(split_array("f", b"  [ ] ", 2).unwrap().is_empty());
    }
}
