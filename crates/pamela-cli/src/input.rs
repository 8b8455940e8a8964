//! Reading a PATH argument: a bundle file, a folder of split files, or split files.

use crate::{CliError, Result};
use indicatif::{ProgressBar, ProgressStyle};
use pamela_core::loader::{self, FileSummary};
use pamela_core::{bundle, Dataset, Warning};
use std::path::PathBuf;

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
    if let [one] = paths {
        if one.is_file() {
            let head = read_head(one)?;
            if bundle::is_bundle(&head) {
                let bytes = std::fs::read(one)
                    .map_err(|e| CliError(format!("{}: cannot read: {e}", one.display())))?;
                let dataset = bundle::decode(&bytes)
                    .map_err(|e| CliError(format!("{}: {e}", one.display())))?;
                return Ok(Input {
                    dataset,
                    warnings: Vec::new(),
                    files: Vec::new(),
                    from_bundle: true,
                });
            }
        }
    }
    for p in paths {
        if !p.exists() {
            return Err(CliError(format!("{}: no such file or folder", p.display())));
        }
        if p.is_file() && bundle::is_bundle(&read_head(p)?) {
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
    let result = loader::load_paths(paths, &mut |name, done, _| {
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
    let (dataset, warnings, files) = result?;
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
