//! The subcommands (argument types live in `main.rs`; logic here, testable without a shell).

use crate::input::{self, Input};
use crate::{thousands, CliError, Result};
use pamela_core::agreement;
use pamela_core::query::{self, Compiled, Filter, Key};
use pamela_core::stats::{Correction, Difference};
use pamela_core::summary::CardStats;
use pamela_core::vocab::{self, FilterSpec};
use pamela_core::{bundle, Dataset, Split, Summary};
use pamela_synth as synth;
use std::io::Write;
use std::path::{Path, PathBuf};

/// File name of the bundle `synth` writes (and the app serves from `www/data/`).
pub const SYNTHETIC_BUNDLE: &str = "pamela-synthetic.pamb";
pub const GROUND_TRUTH: &str = "ground_truth.json";

fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    std::fs::write(path, bytes)
        .map_err(|e| CliError(format!("{}: cannot write: {e}", path.display())))
}

/// `pamela synth`: the five split files, the manifest, the bundle and the ground truth.
pub fn synth(
    out: &Path,
    generator: synth::Generator,
    seed: u64,
    only_bundle: bool,
    log: &mut dyn Write,
) -> Result<()> {
    std::fs::create_dir_all(out)
        .map_err(|e| CliError(format!("{}: cannot create the folder: {e}", out.display())))?;
    let s = synth::generate_by(generator, seed)
        .map_err(|e| CliError(format!("the generator failed: {e}")))?;
    let ds = &s.dataset;
    let bundle_path = out.join(SYNTHETIC_BUNDLE);
    let bytes = bundle::encode(ds);
    write(&bundle_path, &bytes)?;
    let _ = writeln!(
        log,
        "wrote {} ({} bytes)",
        bundle_path.display(),
        thousands(bytes.len() as u64)
    );
    if only_bundle {
        return Ok(());
    }
    for split in Split::ALL {
        let path = out.join(format!("{}.json", split.file_stem()));
        write(&path, &synth::split_file(ds, split))?;
        let _ = writeln!(
            log,
            "wrote {} ({} ratings)",
            path.display(),
            thousands(ds.split_range(split).len() as u64)
        );
    }
    write(
        &out.join(pamela_core::loader::SYNTHETIC_MANIFEST),
        &synth::manifest(ds),
    )?;
    let truth = serde_json::to_vec(&s.truth)
        .map_err(|e| CliError(format!("cannot encode the ground truth: {e}")))?;
    write(&out.join(GROUND_TRUTH), &truth)?;
    let _ = writeln!(
        log,
        "wrote {} and {} (synthetic data: not real ratings)",
        pamela_core::loader::SYNTHETIC_MANIFEST,
        GROUND_TRUTH
    );
    Ok(())
}

/// Whether two paths name the same file (the same inode on Unix: also through hard links,
/// symlinks and `..`; elsewhere, the same canonical path). A path that does not exist is no file.
fn same_file(a: &Path, b: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (std::fs::metadata(a), std::fs::metadata(b)) {
            (Ok(x), Ok(y)) => x.dev() == y.dev() && x.ino() == y.ino(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
            (Ok(x), Ok(y)) => x == y,
            _ => false,
        }
    }
}

/// Refuses an output path that is one of the files the inputs would be read from: writing the
/// bundle there would destroy the data it was made from.
pub fn refuse_overwriting_inputs(paths: &[PathBuf], out: &Path) -> Result<()> {
    if !out.exists() {
        return Ok(());
    }
    let mut inputs = pamela_core::loader::input_files(paths)?;
    // A bundle given as input is read whole before the write, but replacing it is still not
    // what `ingest` is for.
    inputs.extend(paths.iter().filter(|p| p.is_file()).cloned());
    if let Some(hit) = inputs.iter().find(|p| same_file(p, out)) {
        return Err(CliError(format!(
            "{}: the output file is one of the inputs ({}); writing the bundle there would \
             destroy the data it is made from: choose another --out",
            out.display(),
            hit.display()
        )));
    }
    Ok(())
}

/// `pamela ingest`: files or folders to a bundle, with a summary.
pub fn ingest(
    paths: &[PathBuf],
    out: &Path,
    text_apart: Option<&Path>,
    log: &mut dyn Write,
) -> Result<()> {
    refuse_overwriting_inputs(paths, out)?;
    if let Some(t) = text_apart {
        refuse_overwriting_inputs(paths, t)?;
        if t == out {
            return Err(CliError(format!(
                "--text-apart {} is the bundle's own file: name another",
                t.display()
            )));
        }
    }
    let Input {
        dataset,
        warnings,
        files,
        ..
    } = input::read(paths)?;
    for f in &files {
        let _ = writeln!(
            log,
            "read {:<40} {:>8} ratings  ({}, {:?})",
            f.name,
            thousands(f.records as u64),
            f.split,
            f.format
        );
    }
    let _ = write!(log, "{}", notes_table(&warnings));
    // The data notes go into the bundle: whoever loads it sees what was odd in the files.
    let bytes = match text_apart {
        None => bundle::encode_report(&dataset, &warnings),
        Some(t) => {
            let (bytes, text) = bundle::encode_apart(&dataset, &warnings, bundle::Effort::Smallest);
            write(t, &text)?;
            let _ = writeln!(
                log,
                "wrote {}: the paths and prompts of {} images, {} bytes",
                t.display(),
                thousands(dataset.images.len() as u64),
                thousands(text.len() as u64)
            );
            bytes
        }
    };
    write(out, &bytes)?;
    let _ = writeln!(
        log,
        "wrote {}: {} ratings, {} participants, {} images, {} bytes ({}: {})",
        out.display(),
        thousands(dataset.ratings.len() as u64),
        thousands(dataset.participants.len() as u64),
        thousands(dataset.images.len() as u64),
        thousands(bytes.len() as u64),
        dataset.source.headline(),
        dataset.source.provenance
    );
    Ok(())
}

/// The data notes as a table: kind, count, what it means, then the first examples, each
/// naming its place.
pub fn notes_table(notes: &[pamela_core::Warning]) -> String {
    if notes.is_empty() {
        return String::new();
    }
    let mut t = String::from("\ndata notes                          count\n");
    for w in notes {
        t += &format!(
            "{:<30}{:>11}  {}\n",
            w.kind.name(),
            thousands(w.count),
            w.kind.counts()
        );
        t += &format!("  {}\n", w.message);
        for e in &w.examples {
            t += &format!("  - {e}\n");
        }
        if (w.examples.len() as u64) < w.count && !w.examples.is_empty() {
            t += &format!(
                "  ({} more not listed)\n",
                thousands(w.count - w.examples.len() as u64)
            );
        }
    }
    t
}

/// The data notes as JSON: `[{kind, count, message, examples: [{file, location, field,
/// detail}]}]`; `location` is `record 3`, `line 7` or null for the file as a whole.
pub fn notes_json(notes: &[pamela_core::Warning]) -> serde_json::Value {
    use pamela_core::Location;
    serde_json::Value::Array(
        notes
            .iter()
            .map(|w| {
                serde_json::json!({
                    "kind": w.kind.name(),
                    "count": w.count,
                    "counts": w.kind.counts(),
                    "message": w.message,
                    "examples": w.examples.iter().map(|e| serde_json::json!({
                        "file": e.file,
                        "location": match e.location {
                            Location::File => serde_json::Value::Null,
                            ref l => serde_json::Value::String(l.to_string()),
                        },
                        "field": e.field,
                        "detail": e.detail,
                    })).collect::<Vec<_>>(),
                })
            })
            .collect(),
    )
}

/// `pamela stats`: the card's table from the data.
pub fn stats(paths: &[PathBuf], json: bool, out: &mut dyn Write) -> Result<()> {
    let input = input::read(paths)?;
    let s = CardStats::of(&input.dataset);
    let io = |e: std::io::Error| CliError(format!("cannot write the output: {e}"));
    if json {
        let mut v =
            serde_json::to_value(&s).map_err(|e| CliError(format!("cannot encode: {e}")))?;
        if let Some(o) = v.as_object_mut() {
            o.insert("warnings".into(), notes_json(&input.warnings));
        }
        let text = serde_json::to_string_pretty(&v)
            .map_err(|e| CliError(format!("cannot encode: {e}")))?;
        writeln!(out, "{text}").map_err(io)?;
        return Ok(());
    }
    let mut t = String::new();
    t += &format!("{}\n{}\n\n", input.dataset.source.headline(), s.provenance);
    for (k, v) in [
        ("ratings", s.ratings),
        ("participants", s.participants),
        ("images", s.images),
    ] {
        t += &format!("{k:<22}{:>10}\n", thousands(v));
    }
    t += "\nsplit                    ratings\n";
    for split in Split::ALL {
        t += &format!(
            "{:<22}{:>10}\n",
            split.file_stem(),
            thousands(s.splits[split.file_stem()])
        );
    }
    t += "\ntype                     ratings\n";
    for (k, v) in &s.types {
        t += &format!("{k:<22}{:>10}\n", thousands(*v));
    }
    t += "\ngender                   ratings\n";
    for (k, v) in &s.genders {
        t += &format!("{k:<22}{:>10}\n", thousands(*v));
    }
    t += &format!(
        "\nnationalities {}; visual groups {} ({} names); styles {}; ages {}-{}\n\
         raters per image: {} to {} (mean {:.1})\n",
        s.nationalities,
        s.groups,
        s.group_names,
        s.styles,
        s.age_min.map_or("?".into(), |a| a.to_string()),
        s.age_max.map_or("?".into(), |a| a.to_string()),
        s.raters_per_image_min,
        s.raters_per_image_max,
        s.raters_per_image_mean
    );
    t += &notes_table(&input.warnings);
    out.write_all(t.as_bytes()).map_err(io)
}

/// A filter parameter as a command-line flag: `age_bin` is `--age-bin`.
pub fn flag(param: &str) -> String {
    format!("--{}", param.replace('_', "-"))
}

/// Builds a spec from flags given as (parameter, values): each value may hold several,
/// separated by commas (see [`vocab::split_values`]); a flag may be repeated.
pub fn spec_from_flags(flags: &[(&str, Vec<String>)]) -> Result<FilterSpec> {
    let mut spec = FilterSpec::default();
    for (param, given) in flags {
        if given.is_empty() {
            continue;
        }
        let values: Vec<String> = given.iter().flat_map(|v| vocab::split_values(v)).collect();
        spec.set_param(param, &values)
            .map_err(|why| CliError(format!("{} {}: {why}", flag(param), given.join(","))))?;
    }
    Ok(spec)
}

/// Resolves names to a [`Filter`]; an unknown name is an error that lists the valid ones.
pub fn resolve_filter(ds: &Dataset, spec: &FilterSpec) -> Result<Filter> {
    spec.resolve_strict(ds)
        .map_err(|u| CliError(format!("{} {}", flag(u.param), u.explain())))
}

/// A key named on the command line (`--by`, `--per`); an unknown name lists the valid ones.
pub fn parse_key(flag: &str, name: &str) -> Result<Key> {
    Key::from_name(name.trim()).ok_or_else(|| {
        let names: Vec<&str> = Key::ALL.iter().map(|k| k.name()).collect();
        CliError(format!(
            "{flag} {name}: unknown key; valid keys: {}",
            names.join(", ")
        ))
    })
}

fn io(e: std::io::Error) -> CliError {
    CliError(format!("cannot write the output: {e}"))
}

/// A score to 3 decimals; empty when not a number.
fn fmt3(x: f64) -> String {
    if x.is_finite() {
        format!("{x:.3}")
    } else {
        String::new()
    }
}

/// A number for JSON: `null` when not finite.
fn num(x: f64) -> serde_json::Value {
    if x.is_finite() {
        serde_json::json!(x)
    } else {
        serde_json::Value::Null
    }
}

/// A mean as JSON: counts of ratings and people, the clustered and independent intervals, and
/// why the clustered one is missing when it is.
pub fn summary_json(s: &Summary) -> serde_json::Value {
    serde_json::json!({
        "n_ratings": s.n,
        "n_people": s.people,
        "mean": num(s.mean),
        "sd": num(s.sd),
        "ci": [num(s.lo), num(s.hi)],
        "ci_independent": [num(s.lo_ind), num(s.hi_ind)],
        "no_interval": s.no_interval().map(|w| w.to_string()),
    })
}

fn difference_json(d: &Option<Difference>) -> serde_json::Value {
    match d {
        None => serde_json::Value::Null,
        Some(d) => serde_json::json!({
            "estimate": num(d.diff),
            "ci": [num(d.lo), num(d.hi)],
            "df": num(d.df),
            "p": num(d.p),
            "n_people": [d.people_a, d.people_b],
            "no_interval": d.no_interval().map(|w| w.to_string()),
        }),
    }
}

fn print_json(out: &mut dyn Write, doc: &serde_json::Value) -> Result<()> {
    let text =
        serde_json::to_string_pretty(doc).map_err(|e| CliError(format!("cannot encode: {e}")))?;
    writeln!(out, "{text}").map_err(io)
}

/// An aligned text table: the first `left` columns left-aligned, the rest right-aligned.
fn aligned(header: &[String], body: &[Vec<String>], left: usize) -> String {
    let widths: Vec<usize> = (0..header.len())
        .map(|k| {
            body.iter()
                .map(|r| r[k].chars().count())
                .chain([header[k].chars().count()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: &[String]| -> String {
        let cells: Vec<String> = cells
            .iter()
            .enumerate()
            .map(|(k, c)| {
                if k < left {
                    format!("{c:<w$}", w = widths[k])
                } else {
                    format!("{c:>w$}", w = widths[k])
                }
            })
            .collect();
        cells.join("  ").trim_end().to_string() + "\n"
    };
    std::iter::once(line(header))
        .chain(body.iter().map(|r| line(r)))
        .collect()
}

/// What the default interval is, in one line for the foot of a table.
const CLUSTERED_NOTE: &str = "95% intervals count people: participants as clusters \
    (cluster-robust CR2, t with people - 1 df; none with fewer than 5 people); \
    ci95_ind_* treat ratings as independent";

/// How `pamela query` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Table,
    Csv,
    Json,
}

/// `pamela query`: filter, group by up to two keys, print a table, CSV or JSON.
pub fn query(
    paths: &[PathBuf],
    filter: &FilterSpec,
    by: &[String],
    format: Format,
    out: &mut dyn Write,
) -> Result<()> {
    let input = input::read(paths)?;
    let ds = &input.dataset;
    let f = resolve_filter(ds, filter)?;
    let keys: Vec<Key> = by
        .iter()
        .map(|k| parse_key("--by", k))
        .collect::<Result<_>>()?;
    let c = Compiled::new(ds, &f);
    // (values as (token, label) per key, summary)
    let mut rows: Vec<(Vec<(String, String)>, Summary)> = Vec::new();
    let named = |k: Key, v: usize| (k.token(ds, v as u32), k.label(ds, v as u32));
    match keys.as_slice() {
        [] => rows.push((vec![], query::overview(ds, &c).summary())),
        [k] => {
            let t = query::cross(ds, &c, *k, None);
            for v in 0..t.rows {
                if t.cells[v].n > 0 {
                    rows.push((vec![named(*k, v)], t.cell(v, 0).summary()));
                }
            }
        }
        [a, b] => {
            let t = query::cross(ds, &c, *a, Some(*b));
            for r in 0..t.rows {
                for col in 0..t.cols {
                    if t.acc(r, col).n > 0 {
                        rows.push((vec![named(*a, r), named(*b, col)], t.cell(r, col).summary()));
                    }
                }
            }
        }
        _ => return Err(CliError("--by takes at most two keys".into())),
    }
    if format == Format::Json {
        let rows: Vec<serde_json::Value> = rows
            .iter()
            .map(|(values, s)| {
                let mut row = summary_json(s);
                let key: serde_json::Map<String, serde_json::Value> = keys
                    .iter()
                    .zip(values)
                    .map(|(k, (token, _))| (k.name().to_string(), serde_json::json!(token)))
                    .collect();
                row["key"] = serde_json::Value::Object(key);
                row
            })
            .collect();
        let doc = serde_json::json!({
            "source": ds.source.headline(),
            "interval": CLUSTERED_NOTE,
            "rows": rows,
        });
        return print_json(out, &doc);
    }
    let mut header: Vec<String> = keys.iter().map(|k| k.name().to_string()).collect();
    header.extend(
        [
            "n",
            "people",
            "mean",
            "sd",
            "ci95_lo",
            "ci95_hi",
            "ci95_ind_lo",
            "ci95_ind_hi",
        ]
        .map(String::from),
    );
    let body: Vec<Vec<String>> = rows
        .iter()
        .map(|(values, s)| {
            let mut r: Vec<String> = values.iter().map(|(_, label)| label.clone()).collect();
            r.extend([
                s.n.to_string(),
                s.people.to_string(),
                fmt3(s.mean),
                fmt3(s.sd),
                fmt3(s.lo),
                fmt3(s.hi),
                fmt3(s.lo_ind),
                fmt3(s.hi_ind),
            ]);
            r
        })
        .collect();
    if format == Format::Csv {
        return out
            .write_all(pamela_core::export::csv(&header, &body).as_bytes())
            .map_err(io);
    }
    let (n, people) = match keys.as_slice() {
        [] => (rows[0].1.n, rows[0].1.people),
        _ => {
            let ov = query::overview(ds, &c);
            (ov.total.n, ov.summary().people)
        }
    };
    write!(out, "{}", aligned(&header, &body, keys.len())).map_err(io)?;
    writeln!(
        out,
        "({}; {} ratings · {} people selected; {CLUSTERED_NOTE})",
        ds.source.headline(),
        thousands(n),
        thousands(people),
    )
    .map_err(io)
}

/// Reads a cohort written like `gender=female,type=Art` (the vocabulary's compact form).
pub fn cohort_filter(ds: &Dataset, flag: &str, raw: &str) -> Result<Filter> {
    let spec =
        FilterSpec::parse_compact(raw).map_err(|why| CliError(format!("{flag} {raw}: {why}")))?;
    spec.resolve_strict(ds)
        .map_err(|u| CliError(format!("{flag} {raw}: {} {}", u.param, u.explain())))
}

/// `pamela compare`: cohorts A and B on top of the selection, overall and per value of a key:
/// raw and image-adjusted differences with intervals that count people, and the rows marked
/// after Holm's correction.
pub fn compare(
    paths: &[PathBuf],
    base: &FilterSpec,
    a: &str,
    b: &str,
    per: Option<&str>,
    json: bool,
    out: &mut dyn Write,
) -> Result<()> {
    let input = input::read(paths)?;
    let ds = &input.dataset;
    let main = resolve_filter(ds, base)?;
    let fa = main.overlay(&cohort_filter(ds, "--a", a)?);
    let fb = main.overlay(&cohort_filter(ds, "--b", b)?);
    // Without --per the split is the key: any key gives the overall row first.
    let key = per.map(|k| parse_key("--per", k)).transpose()?;
    let rows = query::compare(
        ds,
        &Compiled::new(ds, &fa),
        &Compiled::new(ds, &fb),
        key.unwrap_or(Key::Split),
    );
    let rows: Vec<&pamela_core::cohort::CohortRow> = match key {
        Some(_) => rows.iter().collect(),
        None => rows.iter().take(1).collect(),
    };
    let dom = key.map_or(0, |k| k.domain(ds) as u32);
    let label = |r: &pamela_core::cohort::CohortRow| match key {
        Some(k) if r.value < dom => (k.token(ds, r.value), k.label(ds, r.value)),
        _ => ("all".to_string(), "All selected".to_string()),
    };
    let tested = rows.first().map_or(0, |r| r.tested);
    let correction = Correction::DEFAULT.name();
    if json {
        let body: Vec<serde_json::Value> = rows
            .iter()
            .map(|r| {
                let (token, _) = label(r);
                let mut diff = difference_json(&r.diff);
                let mut adj = difference_json(&r.adjusted);
                let overall = key.is_none_or(|_| r.value == dom);
                if !overall {
                    if let Some(d) = diff.as_object_mut() {
                        d.insert("p_adjusted".into(), num(r.p_adjusted));
                        d.insert("marked".into(), serde_json::json!(r.marked));
                    }
                    if let Some(d) = adj.as_object_mut() {
                        d.insert("p_adjusted".into(), num(r.p_adjusted_adjusted));
                        d.insert("marked".into(), serde_json::json!(r.marked_adjusted));
                    }
                }
                if let Some(d) = adj.as_object_mut() {
                    d.insert("shared_images".into(), serde_json::json!(r.shared_images));
                }
                let key_json = match key {
                    Some(k) if !overall => serde_json::json!({ k.name(): token }),
                    _ => serde_json::json!({}),
                };
                serde_json::json!({
                    "key": key_json,
                    "overall": overall,
                    "a": summary_json(&r.a),
                    "b": summary_json(&r.b),
                    "difference": diff,
                    "difference_independent": difference_json(&r.diff_ind),
                    "image_adjusted": adj,
                })
            })
            .collect();
        let doc = serde_json::json!({
            "source": ds.source.headline(),
            "a": a,
            "b": b,
            "per": key.map(|k| k.name()),
            "interval": CLUSTERED_NOTE,
            "correction": correction,
            "alpha": pamela_core::cohort::ALPHA,
            "tested": tested,
            "rows": body,
        });
        return print_json(out, &doc);
    }
    let mut header: Vec<String> = vec![key.map_or("", |k| k.name()).to_string()];
    header.extend(
        [
            "A mean",
            "A n",
            "A people",
            "B mean",
            "B n",
            "B people",
            "A-B",
            "ci95_lo",
            "ci95_hi",
            "p_holm",
            "marked",
            "adj A-B",
            "adj_lo",
            "adj_hi",
            "shared img",
            "ind_lo",
            "ind_hi",
        ]
        .map(String::from),
    );
    let pick = |d: &Option<Difference>, f: fn(&Difference) -> f64| d.as_ref().map_or(f64::NAN, f);
    let body: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            let overall = key.is_none_or(|_| r.value == dom);
            let mark = if overall {
                ""
            } else if r.marked {
                "yes"
            } else if r.diff.is_some_and(|d| d.lo.is_finite()) {
                "no"
            } else {
                "-"
            };
            vec![
                label(r).1,
                fmt3(r.a.mean),
                r.a.n.to_string(),
                r.a.people.to_string(),
                fmt3(r.b.mean),
                r.b.n.to_string(),
                r.b.people.to_string(),
                fmt3(pick(&r.diff, |d| d.diff)),
                fmt3(pick(&r.diff, |d| d.lo)),
                fmt3(pick(&r.diff, |d| d.hi)),
                if overall {
                    String::new()
                } else {
                    fmt3(r.p_adjusted)
                },
                mark.to_string(),
                fmt3(pick(&r.adjusted, |d| d.diff)),
                fmt3(pick(&r.adjusted, |d| d.lo)),
                fmt3(pick(&r.adjusted, |d| d.hi)),
                r.shared_images.to_string(),
                fmt3(pick(&r.diff_ind, |d| d.lo)),
                fmt3(pick(&r.diff_ind, |d| d.hi)),
            ]
        })
        .collect();
    writeln!(out, "A: {a}    B: {b}").map_err(io)?;
    write!(out, "{}", aligned(&header, &body, 1)).map_err(io)?;
    writeln!(
        out,
        "({}; {CLUSTERED_NOTE}. adj A-B compares A and B on the images both rated, so it is free \
         of which images each cohort happened to see; it differs from A-B when they saw images \
         of different appeal. marked: A-B's interval excludes zero after {correction}'s \
         correction for the {tested} rows tested (alpha {}); the overall row is not in that \
         family.)",
        ds.source.headline(),
        pamela_core::cohort::ALPHA
    )
    .map_err(io)
}

/// `pamela agreement`: how personal taste is, on the filtered ratings (see
/// [`pamela_core::agreement`]).
pub fn agreement(
    paths: &[PathBuf],
    filter: &FilterSpec,
    json: bool,
    out: &mut dyn Write,
) -> Result<()> {
    let input = input::read(paths)?;
    let ds = &input.dataset;
    let f = resolve_filter(ds, filter)?;
    let a = agreement::agreement(ds, &Compiled::new(ds, &f));
    let io = |e: std::io::Error| CliError(format!("cannot write the output: {e}"));
    let text = if json {
        let v = agreement_json(ds, filter, &a)?;
        serde_json::to_string_pretty(&v).map_err(|e| CliError(format!("cannot encode: {e}")))?
    } else {
        agreement_text(ds, filter, &a)
    };
    writeln!(out, "{text}").map_err(io)
}

fn agreement_json(
    ds: &Dataset,
    filter: &FilterSpec,
    a: &agreement::Agreement,
) -> Result<serde_json::Value> {
    let enc = |e: serde_json::Error| CliError(format!("cannot encode: {e}"));
    let mut v = serde_json::to_value(a).map_err(enc)?;
    // Name what the core gives as indices: key values, participants.
    for (k, by) in a.by.iter().enumerate() {
        let key = by.key.name();
        v["by"][k]["key"] = key.into();
        for (r, row) in by.rows.iter().enumerate() {
            let x = &mut v["by"][k]["rows"][r];
            x["label"] = by.key.label(ds, row.value).into();
            x["token"] = by.key.token(ds, row.value).into();
        }
    }
    for (k, p) in a.crowd.people.iter().enumerate() {
        v["crowd"]["people"][k]["participant"] =
            ds.participants.id[p.participant as usize].clone().into();
    }
    v["source"] = ds.source.headline().into();
    v["filter"] = filter.to_compact().into();
    v["intervals"] = INTERVALS.into();
    Ok(v)
}

const INTERVALS: &str = "95% intervals: components and shares by a jackknife over people and \
    over images (combined two-way); the crowd correlation by a t interval over people";

fn agreement_text(ds: &Dataset, filter: &FilterSpec, a: &agreement::Agreement) -> String {
    use agreement::Estimate;
    let n = a.counts;
    let mut t = format!(
        "How personal is taste? {} ratings · {} people · {} images ({}{})\n",
        thousands(n.n_ratings),
        thousands(n.n_people as u64),
        thousands(n.n_images as u64),
        ds.source.headline(),
        if filter.is_empty() {
            String::new()
        } else {
            format!("; {}", filter.to_compact())
        }
    );
    let num = |e: &Estimate| match e.ci {
        Some((lo, hi)) => format!("{:.3} [{lo:.3}, {hi:.3}]", e.value),
        None => format!("{:.3} (no interval: too few people or images)", e.value),
    };
    let pct = |e: &Estimate| match e.ci {
        Some((lo, hi)) => format!(
            "{:.1}% [{:.1}%, {:.1}%]",
            100.0 * e.value,
            100.0 * lo,
            100.0 * hi
        ),
        None => format!("{:.1}%", 100.0 * e.value),
    };
    let Some(c) = &a.components else {
        t += "\nThe variance cannot be split on this selection: it needs at least two people \
              and two images, rated across each other.\n";
        return t + &crowd_text(&a.crowd);
    };
    t += "\nWhere the differences between scores come from (variance, score units squared; share \
          of the total):\n";
    for (what, v, s) in [
        (
            "images (people agree on which are good)",
            &c.image,
            &c.image_share,
        ),
        (
            "people (scale use: some rate everything higher)",
            &c.person,
            &c.person_share,
        ),
        (
            "taste and noise (person x image)",
            &c.residual,
            &c.residual_share,
        ),
    ] {
        t += &format!("  {what:<50} {:<40} {}\n", num(v), pct(s));
    }
    t += &format!("  {:<50} {:.3}\n", "total", c.total);
    if let Some(r) = &a.reliability {
        t += &format!(
            "\nReliability of an image's mean score: {} from one rater, {} from {:.1} raters \
             (this selection's average).\n",
            pct(&r.single),
            pct(&r.at_raters_per_image),
            r.raters_per_image
        );
        let needed = |k: Option<u32>| k.map_or("no finite number".to_string(), |k| k.to_string());
        t += &format!(
            "Raters an image needs for a reliability of {}: {}{}.\n",
            r.target,
            needed(r.raters_needed),
            r.raters_needed_ci.map_or(String::new(), |(lo, hi)| format!(
                " [{lo}, {}]",
                hi.map_or("no upper bound".to_string(), |h| h.to_string())
            ))
        );
    }
    for by in &a.by {
        t += &format!(
            "\nAgreement per {} (image share: people agree; taste share: they split):\n",
            by.key.title().to_lowercase()
        );
        let w = by
            .rows
            .iter()
            .map(|r| by.key.label(ds, r.value).chars().count())
            .max()
            .unwrap_or(0)
            .max(5);
        t += &format!(
            "  {:<w$}  {:>8}  {:>6}  {:>6}  {:<24}  {}\n",
            "value", "ratings", "people", "images", "image share [95%]", "taste share [95%]"
        );
        for r in &by.rows {
            let (img, taste) = match &r.components {
                Some(c) => (pct(&c.image_share), pct(&c.residual_share)),
                None => ("too few to split".to_string(), String::new()),
            };
            t += &format!(
                "  {:<w$}  {:>8}  {:>6}  {:>6}  {img:<24}  {taste}\n",
                by.key.label(ds, r.value),
                thousands(r.counts.n_ratings),
                thousands(r.counts.n_people as u64),
                thousands(r.counts.n_images as u64),
            );
        }
    }
    t + &crowd_text(&a.crowd) + &format!("\n({INTERVALS}.)")
}

fn crowd_text(c: &agreement::CrowdFit) -> String {
    let mut t = "\nHow well the crowd predicts one person: the correlation of a person's scores \
                 with the mean of the other raters of the same images, averaged over people:\n"
        .to_string();
    t += &match &c.mean_r {
        Some(m) => format!(
            "  {:.3}{} over {} people (median {:.3})",
            m.value,
            m.ci.map_or(" (no interval: too few people)".to_string(), |(lo, hi)| {
                format!(" [{lo:.3}, {hi:.3}]")
            }),
            c.n_people,
            c.median_r.unwrap_or(m.value)
        ),
        None => "  not available: no person has enough images rated by others too".to_string(),
    };
    t += &format!(
        "; skipped: {} with fewer than {} images rated by others too, {} with constant scores.\n",
        c.n_skipped_few, c.min_images, c.n_skipped_constant
    );
    t
}
