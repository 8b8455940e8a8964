//! Load errors that say where and what: file, record (or line), field path, expectation.

use std::fmt;

/// Where in a file a problem sits.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Location {
    /// The file as a whole (empty file, unknown name, not a list).
    File,
    /// 0-based index of a record in a JSON array file.
    Record(usize),
    /// 1-based line of a JSON Lines file.
    Line(usize),
    /// A position in the text where the JSON itself is broken.
    Text { line: usize, column: usize },
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::File => f.write_str("whole file"),
            Location::Record(i) => write!(f, "record {i}"),
            Location::Line(l) => write!(f, "line {l}"),
            Location::Text { line, column } => write!(f, "line {line}, column {column}"),
        }
    }
}

/// What kind of problem, for callers and tests that branch on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The file name does not say which split it holds.
    UnknownSplit,
    /// The file is empty or holds only whitespace.
    Empty,
    /// The file is neither a JSON array nor JSON Lines of objects.
    NotAList,
    /// The JSON text is broken (unbalanced bracket, stray character, truncated).
    Syntax,
    /// The text is not UTF-8.
    Encoding,
    /// A required field is absent.
    MissingField,
    /// A field holds the wrong JSON type (string for a number, object for a string, ...).
    WrongType,
    /// `quality_label` is not one of poor, fair, good, great, excellent.
    UnknownLabel,
    /// `original_score` is outside 1 to 5.
    ScoreOutOfRange,
    /// A value is of the right type but not acceptable (negative id, age 400, empty id).
    InvalidValue,
    /// One image id carries two different metadata.
    ConflictingImage,
    /// One participant carries two different demographics. The loader no longer refuses this
    /// (it keeps the first values and notes the conflict, [`WarningKind::ConflictingDemographics`]);
    /// the kind stays for callers that name it.
    ConflictingParticipant,
    /// The input exceeds a size limit.
    TooLarge,
    /// Reading the file from disk failed, or the path is not a regular file or folder.
    Io,
    /// One split is given twice (the same file twice, or `.json` and `.jsonl` of one folder).
    DuplicateSplit,
    /// No ratings at all were given.
    NoData,
}

/// A load error: everything needed to find and fix the problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadError {
    pub kind: ErrorKind,
    pub file: String,
    pub location: Location,
    /// Dotted path of the field (`user_demographics.age`), when one field is at fault.
    pub field: Option<String>,
    /// What was expected and what was found, in words.
    pub detail: String,
}

impl LoadError {
    pub fn new(kind: ErrorKind, file: &str, location: Location, detail: impl Into<String>) -> Self {
        LoadError {
            kind,
            file: file.to_string(),
            location,
            field: None,
            detail: detail.into(),
        }
    }

    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if self.location != Location::File {
            write!(f, ", {}", self.location)?;
        }
        if let Some(field) = &self.field {
            write!(f, ", field `{field}`")?;
        }
        write!(f, ": {}", self.detail)
    }
}

impl std::error::Error for LoadError {}

/// How many examples a [`Warning`] keeps: enough to find the pattern, few enough to show.
pub const MAX_EXAMPLES: usize = 5;

/// One entry of the data-quality report: a problem in the data that does not break the schema
/// and so does not stop loading. Shown beside the data (the page's Data notes, `pamela stats`),
/// kept in bundles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    pub kind: WarningKind,
    /// How many times it occurs; [`WarningKind::counts`] says what is counted.
    pub count: u64,
    /// The first occurrences (at most [`MAX_EXAMPLES`]), each naming its place.
    pub examples: Vec<Example>,
    /// One sentence for people: what, how many, and what the loader did about it.
    pub message: String,
}

/// One occurrence of a [`Warning`]: file, record or line, field, and what is wrong there.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Example {
    /// The file (empty when the occurrence is not in one file, e.g. a missing split).
    pub file: String,
    pub location: Location,
    pub field: Option<String>,
    pub detail: String,
}

impl fmt::Display for Example {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.file.is_empty() {
            write!(f, "{}", self.file)?;
            if self.location != Location::File {
                write!(f, ", {}", self.location)?;
            }
            if let Some(field) = &self.field {
                write!(f, ", field `{field}`")?;
            }
            f.write_str(": ")?;
        }
        f.write_str(&self.detail)
    }
}

impl Warning {
    /// A warning without examples.
    pub fn new(kind: WarningKind, count: u64, message: impl Into<String>) -> Warning {
        Warning {
            kind,
            count,
            examples: Vec::new(),
            message: message.into(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WarningKind {
    /// The same participant rated the same image more than once within one split; every
    /// rating is kept.
    RepeatedPair,
    /// A (participant, image) pair is rated in two different splits: the splits leak into each
    /// other (a model tested on one has seen the answer in the other).
    SplitLeak,
    /// A participant of an `_unseen` split also has ratings in `pamela_train`.
    UnseenParticipantInTrain,
    /// Scores with more than 3 decimals were rounded to thousandths.
    ScoreRounded,
    /// A split has no file.
    Splits,
    /// A split was given by more than one file (all are read).
    DuplicateSplitFile,
    /// A participant's demographics differ between records; the first values are kept.
    ConflictingDemographics,
    /// A `Photorealism` image carries a style (the card says only `Art` images have one); kept.
    StyleOnPhotorealism,
    /// A rating's label is not the one the nearest-integer rule gives its score; kept as given.
    LabelDisagreesWithScore,
}

impl WarningKind {
    pub const ALL: [WarningKind; 9] = [
        WarningKind::ConflictingDemographics,
        WarningKind::SplitLeak,
        WarningKind::RepeatedPair,
        WarningKind::UnseenParticipantInTrain,
        WarningKind::DuplicateSplitFile,
        WarningKind::Splits,
        WarningKind::StyleOnPhotorealism,
        WarningKind::LabelDisagreesWithScore,
        WarningKind::ScoreRounded,
    ];

    /// The stable name (in `stats --json`, in bundles).
    pub fn name(self) -> &'static str {
        match self {
            WarningKind::RepeatedPair => "duplicate_pair",
            WarningKind::SplitLeak => "split_leak",
            WarningKind::UnseenParticipantInTrain => "unseen_participant_in_train",
            WarningKind::ScoreRounded => "score_rounded",
            WarningKind::Splits => "missing_split",
            WarningKind::DuplicateSplitFile => "duplicate_split_file",
            WarningKind::ConflictingDemographics => "conflicting_demographics",
            WarningKind::StyleOnPhotorealism => "style_on_photorealism",
            WarningKind::LabelDisagreesWithScore => "label_disagrees_with_score",
        }
    }

    pub fn from_name(name: &str) -> Option<WarningKind> {
        WarningKind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// What [`Warning::count`] counts, in words (`ratings`, `pairs`, ...).
    pub fn counts(self) -> &'static str {
        match self {
            WarningKind::RepeatedPair => "repeated ratings",
            WarningKind::SplitLeak => "pairs",
            WarningKind::UnseenParticipantInTrain => "participants",
            WarningKind::ScoreRounded => "scores",
            WarningKind::Splits => "splits",
            WarningKind::DuplicateSplitFile => "extra files",
            WarningKind::ConflictingDemographics => "ratings",
            WarningKind::StyleOnPhotorealism => "images",
            WarningKind::LabelDisagreesWithScore => "ratings",
        }
    }
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}
