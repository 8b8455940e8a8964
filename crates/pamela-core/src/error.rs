//! Load errors that say where and what: file, record (or line), field path, expectation.

use std::fmt;

/// Where in a file a problem sits.
#[derive(Debug, Clone, PartialEq, Eq)]
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
    /// One participant carries two different demographics.
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

/// A problem in the data that does not stop loading; shown to the user beside the data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    pub kind: WarningKind,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WarningKind {
    /// The same participant rated the same image more than once; every rating is kept.
    RepeatedPair,
    /// A participant of an `_unseen` split also has ratings in `pamela_train`.
    UnseenParticipantInTrain,
    /// Scores with more than 3 decimals were rounded to thousandths.
    ScoreRounded,
    /// A split file was given twice or a split is missing.
    Splits,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}
