//! The subcommands (argument types live in `main.rs`; logic here, testable without a shell).

use crate::input::{self, Input};
use crate::{thousands, CliError, Result};
use pamela_core::agreement;
use pamela_core::query::{self, Compiled, Filter, Key};
use pamela_core::summary::CardStats;
use pamela_core::vocab::{self, FilterSpec};
use pamela_core::{bundle, Dataset, Split};
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
pub fn synth(out: &Path, seed: u64, only_bundle: bool, log: &mut dyn Write) -> Result<()> {
    std::fs::create_dir_all(out)
        .map_err(|e| CliError(format!("{}: cannot create the folder: {e}", out.display())))?;
    let s = synth::generate(seed).map_err(|e| CliError(format!("the generator failed: {e}")))?;
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

/// `pamela ingest`: files or folders to a bundle, with a summary.
pub fn ingest(paths: &[PathBuf], out: &Path, log: &mut dyn Write) -> Result<()> {
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
    for w in &warnings {
        let _ = writeln!(log, "warning: {w}");
    }
    let bytes = bundle::encode(&dataset);
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

/// `pamela stats`: the card's table from the data.
pub fn stats(paths: &[PathBuf], json: bool, out: &mut dyn Write) -> Result<()> {
    let input = input::read(paths)?;
    let s = CardStats::of(&input.dataset);
    let io = |e: std::io::Error| CliError(format!("cannot write the output: {e}"));
    if json {
        let text = serde_json::to_string_pretty(&s)
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
    for w in &input.warnings {
        t += &format!("warning: {w}\n");
    }
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

/// `pamela query`: filter, group by up to two keys, print a table or CSV.
pub fn query(
    paths: &[PathBuf],
    filter: &FilterSpec,
    by: &[String],
    csv: bool,
    out: &mut dyn Write,
) -> Result<()> {
    let input = input::read(paths)?;
    let ds = &input.dataset;
    let f = resolve_filter(ds, filter)?;
    let keys: Vec<Key> = by
        .iter()
        .map(|k| {
            Key::from_name(k).ok_or_else(|| {
                let names: Vec<&str> = Key::ALL.iter().map(|k| k.name()).collect();
                CliError(format!(
                    "--by {k}: unknown key; valid keys: {}",
                    names.join(", ")
                ))
            })
        })
        .collect::<Result<_>>()?;
    let c = Compiled::new(ds, &f);
    let mut rows: Vec<(Vec<String>, pamela_core::Summary)> = Vec::new();
    match keys.as_slice() {
        [] => {
            let t = query::cross(ds, &c, Key::Split, None);
            let mut all = pamela_core::Acc::default();
            for a in &t.cells {
                all.merge(a);
            }
            rows.push((vec![], all.summary()));
        }
        [k] => {
            let t = query::cross(ds, &c, *k, None);
            for v in 0..t.rows {
                if t.cells[v].n > 0 {
                    rows.push((vec![k.label(ds, v as u32)], t.cells[v].summary()));
                }
            }
        }
        [a, b] => {
            let t = query::cross(ds, &c, *a, Some(*b));
            for r in 0..t.rows {
                for col in 0..t.cols {
                    let acc = t.cell(r, col);
                    if acc.n > 0 {
                        rows.push((
                            vec![a.label(ds, r as u32), b.label(ds, col as u32)],
                            acc.summary(),
                        ));
                    }
                }
            }
        }
        _ => return Err(CliError("--by takes at most two keys".into())),
    }
    let io = |e: std::io::Error| CliError(format!("cannot write the output: {e}"));
    let mut header: Vec<String> = keys.iter().map(|k| k.name().to_string()).collect();
    header.extend(["n", "mean", "sd", "ci95_lo", "ci95_hi"].map(String::from));
    let fmt = |x: f64| {
        if x.is_finite() {
            format!("{x:.3}")
        } else {
            String::new()
        }
    };
    let body: Vec<Vec<String>> = rows
        .iter()
        .map(|(labels, s)| {
            let mut r = labels.clone();
            r.extend([
                s.n.to_string(),
                fmt(s.mean),
                fmt(s.sd),
                fmt(s.lo),
                fmt(s.hi),
            ]);
            r
        })
        .collect();
    if csv {
        out.write_all(pamela_core::export::csv(&header, &body).as_bytes())
            .map_err(io)?;
    } else {
        let widths: Vec<usize> = (0..header.len())
            .map(|k| {
                body.iter()
                    .map(|r| r[k].chars().count())
                    .chain([header[k].len()])
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let line = |cells: &[String]| -> String {
            cells
                .iter()
                .enumerate()
                .map(|(k, c)| {
                    if k < keys.len() {
                        format!("{c:<w$}", w = widths[k])
                    } else {
                        format!("{c:>w$}", w = widths[k])
                    }
                })
                .collect::<Vec<_>>()
                .join("  ")
        };
        writeln!(out, "{}", line(&header)).map_err(io)?;
        for r in &body {
            writeln!(out, "{}", line(r)).map_err(io)?;
        }
        writeln!(
            out,
            "({}; 95% intervals treat ratings as independent)",
            ds.source.headline()
        )
        .map_err(io)?;
    }
    Ok(())
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
