//! Reading a PATH argument: a bundle file, a folder of split files, or split files.

use crate::{CliError, Result};
use indicatif::{ProgressBar, ProgressStyle};
use pamela_core::intake::{self, Entry};
use pamela_core::loader::{self, FileSummary, ReadOptions};
use pamela_core::{bundle, Dataset, ErrorKind, LoadError, Warning};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

/// The per-file bound of this run (`--max-file-size`): one setting for the whole process.
static MAX_FILE_SIZE: AtomicU64 = AtomicU64::new(intake::DEFAULT_MAX_FILE_SIZE);

/// Sets the per-file bound for every later [`read`].
pub fn set_max_file_size(max: u64) {
    MAX_FILE_SIZE.store(max, Ordering::Relaxed);
}

fn max_file_size() -> u64 {
    MAX_FILE_SIZE.load(Ordering::Relaxed)
}

/// Parses a size as written on the command line: `2GiB`, `500MiB`, `64KiB`, `1500` (bytes);
/// `GB`, `MB`, `KB` (and `G`, `M`, `K`) are read as their binary kin.
pub fn parse_size(text: &str) -> std::result::Result<u64, String> {
    let t = text.trim();
    let digits = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(digits);
    let n: u64 = num
        .parse()
        .map_err(|_| format!("{text:?}: expected a size such as 2GiB, 500MiB or 1000000"))?;
    let shift = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kb" | "kib" => 10,
        "m" | "mb" | "mib" => 20,
        "g" | "gb" | "gib" => 30,
        "t" | "tb" | "tib" => 40,
        other => {
            return Err(format!(
                "{text:?}: unknown unit {other:?}; use KiB, MiB or GiB (or bytes)"
            ))
        }
    };
    n.checked_mul(1u64 << shift)
        .filter(|&b| b > 0)
        .ok_or_else(|| format!("{text:?}: expected a size above 0 and below 16 EiB"))
}

/// A load error for the user; the size limit says how to raise it.
fn explain(e: LoadError) -> CliError {
    if e.kind == ErrorKind::TooLarge && e.location == pamela_core::Location::File {
        CliError(format!("{e} (raise the limit with --max-file-size)"))
    } else {
        CliError::from(e)
    }
}

/// What was read, for summaries.
pub struct Input {
    pub dataset: Dataset,
    pub warnings: Vec<Warning>,
    pub files: Vec<FileSummary>,
    pub from_bundle: bool,
}

/// Inputs above this many bytes get a progress bar (on a terminal).
const PROGRESS_BYTES: u64 = 8 << 20;

pub fn read(paths: &[PathBuf]) -> Result<Input> {
    if paths.is_empty() {
        return Err(CliError(
            "no input given: name a bundle, a folder or split files".into(),
        ));
    }
    let max = max_file_size();
    // Every path's kind first, from its metadata: nothing is opened before it is known to be a
    // regular file or a folder (a named pipe would block the open).
    let mut kinds = Vec::with_capacity(paths.len());
    for p in paths {
        kinds.push(intake::inspect(p).map_err(explain)?);
    }
    if let ([one], [Entry::File(_)]) = (paths, &kinds[..]) {
        let head = read_head(one)?;
        if bundle::is_bundle(&head) {
            let bytes = intake::read_bounded(one, max).map_err(explain)?;
            let (dataset, warnings) = bundle::decode_report(&bytes)
                .map_err(|e| CliError(format!("{}: {e}", one.display())))?;
            return Ok(Input {
                dataset,
                warnings,
                files: Vec::new(),
                from_bundle: true,
            });
        }
    }
    for (p, kind) in paths.iter().zip(&kinds) {
        if matches!(kind, Entry::File(_)) && bundle::is_bundle(&read_head(p)?) {
            return Err(CliError(format!(
                "{}: a bundle must be given on its own, not with other files",
                p.display()
            )));
        }
    }
    let total: u64 = paths.iter().map(size_of).sum();
    let bar = if total >= PROGRESS_BYTES {
        let b = ProgressBar::new(total);
        b.set_style(
            ProgressStyle::with_template("{msg:30!} {bar:40} {bytes}/{total_bytes} {eta}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        Some(b)
    } else {
        None
    };
    let mut before = 0u64;
    let mut current = String::new();
    let mut last_done = 0u64;
    let options = ReadOptions { max_file_size: max };
    let result = loader::load_paths_with(paths, &options, &mut |name, done, _| {
        if let Some(b) = &bar {
            if name != current {
                before += last_done;
                current = name.to_string();
                b.set_message(name.rsplit('/').next().unwrap_or(name).to_string());
            }
            last_done = done as u64;
            b.set_position(before + done as u64);
        }
    });
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let (dataset, warnings, files) = result.map_err(explain)?;
    Ok(Input {
        dataset,
        warnings,
        files,
        from_bundle: false,
    })
}

fn read_head(p: &PathBuf) -> Result<Vec<u8>> {
    use std::io::Read;
    let mut f = std::fs::File::open(p)
        .map_err(|e| CliError(format!("{}: cannot open: {e}", p.display())))?;
    let mut head = vec![0u8; bundle::MAGIC.len()];
    let n = f
        .read(&mut head)
        .map_err(|e| CliError(format!("{}: cannot read: {e}", p.display())))?;
    head.truncate(n);
    Ok(head)
}

fn size_of(p: &PathBuf) -> u64 {
    if p.is_dir() {
        std::fs::read_dir(p)
            .map(|rd| {
                rd.filter_map(|e| e.ok())
                    .filter_map(|e| e.metadata().ok())
                    .map(|m| m.len())
                    .sum()
            })
            .unwrap_or(0)
    } else {
        std::fs::metadata(p).map(|m| m.len()).unwrap_or(0)
    }
}
