//! `pamela`: the PAMELA Explorer command-line tool. See `pamela --help`.

use clap::{Args, Parser, Subcommand};
use pamela_cli::commands;
use pamela_cli::{bench, CliError};
use pamela_core::FilterSpec;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "pamela",
    version,
    about = "Explore, convert and model the PAMELA aesthetic ratings",
    long_about = "Explore, convert and model the PAMELA aesthetic ratings.\n\n\
        PATH arguments take a bundle (.pamb), a folder of split files, or the split files \
        themselves (pamela_train*.json, JSON arrays or JSON Lines)."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Largest input file read (and largest text a gzip file may inflate to), e.g. 2GiB,
    /// 500MiB, 1000000 (bytes).
    #[arg(long, global = true, default_value = "2GiB", value_parser = pamela_cli::input::parse_size)]
    max_file_size: u64,
}

#[derive(Subcommand)]
// Parsed once per run: the size of the largest variant (the filter flags) does not matter.
#[allow(clippy::large_enum_variant)]
enum Command {
    /// Generate the synthetic sample (to the dataset card's counts): split files, bundle,
    /// ground truth.
    Synth {
        /// Folder to write into (created if missing).
        #[arg(long)]
        out: PathBuf,
        /// Random seed; the app's default data uses 42.
        #[arg(long, default_value_t = pamela_synth::DEFAULT_SEED)]
        seed: u64,
        /// Write only the bundle (as committed under www/data).
        #[arg(long)]
        only_bundle: bool,
        /// Which taste structure: `default` (the app's data) or `twisted` (non-linear age,
        /// per-person scale use, sparse likes, partly hidden image quality, heavy-tailed
        /// noise; see the pamela-synth crate docs).
        #[arg(long, default_value = "default", value_parser = ["default", "twisted"])]
        generator: String,
    },
    /// Read real or synthetic JSON / JSON Lines files (or folders) into one bundle.
    Ingest {
        /// Split files or folders holding them.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Bundle file to write.
        #[arg(long)]
        out: PathBuf,
        /// Also write the images' paths and prompts to this file and leave them out of the
        /// bundle: a page's first view then downloads less (its `pamela-default-text` names the
        /// file, fetched after the first chart).
        #[arg(long)]
        text_apart: Option<PathBuf>,
    },
    /// Print the dataset card's table computed from the data.
    Stats {
        /// A bundle, a folder or split files.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// One JSON object instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Filter the ratings and group them by up to two keys.
    Query {
        /// A bundle, a folder or split files.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        #[command(flatten)]
        filter: FilterFlags,
        /// Group by KEY or KEY,KEY: age_bin, gender, nationality, age, participant, type,
        /// group, style, image, split, label.
        #[arg(long, value_delimiter = ',')]
        by: Vec<String>,
        /// CSV instead of an aligned table.
        #[arg(long, conflicts_with = "json")]
        csv: bool,
        /// JSON: {"rows": [{"key": {KEY: VALUE}, "n_ratings", "n_people", "mean", "ci",
        /// "ci_independent", ...}]}; key values as written in filters.
        #[arg(long)]
        json: bool,
    },
    /// Compare two cohorts, overall and per value of a key: raw and image-adjusted differences
    /// with 95% intervals that count people, rows marked after Holm's correction.
    Compare {
        /// A bundle, a folder or split files.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        // The selection both cohorts are taken from (filter flags as for `query`).
        #[command(flatten)]
        filter: FilterFlags,
        /// Cohort A, written like gender=female,type=Art (or "all").
        #[arg(long)]
        a: String,
        /// Cohort B, written like gender=male.
        #[arg(long)]
        b: String,
        /// Also one row per value of KEY (a key as for `query --by`).
        #[arg(long)]
        per: Option<String>,
        /// One JSON object instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// How personal is taste: variance components (image, person, taste + noise), the
    /// reliability of an image's mean, agreement per type, group and style, and how well the
    /// crowd predicts one person, on the filtered ratings.
    Agreement {
        /// A bundle, a folder or split files.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        #[command(flatten)]
        filter: FilterFlags,
        /// One JSON object (every figure) instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Train the personalized predictor on pamela_train (selected on the validation splits,
    /// reported on the test splits) and write it as ONNX plus metadata.
    Train {
        /// A bundle, a folder or split files.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Folder to write pamela-model.onnx, pamela-model.json and personal.json into.
        #[arg(long)]
        out: PathBuf,
        /// Random seed of the initial weights (training is deterministic for a seed).
        #[arg(long, default_value_t = 7)]
        seed: u64,
        /// Training epochs (full passes over the training ratings).
        #[arg(long, default_value_t = 600)]
        epochs: usize,
        /// Rank of the cohort taste embeddings.
        #[arg(long, default_value_t = 12)]
        rank: usize,
        /// Rank of the personal latent (what a few ratings fit).
        #[arg(long, default_value_t = 2)]
        personal_rank: usize,
    },
    /// Evaluate a trained model (or a file of per-rating predictions) per split, with
    /// baselines, the oracle (synthetic data), the few-shot curve for unseen participants, and
    /// 95% bootstrap intervals over each split's participants.
    Eval {
        /// A model folder (or its pamela-model.onnx), or a predictions file (.csv or .jsonl,
        /// the shape `pamela predict` writes: participant_id, image_id, predicted_score; it
        /// must cover every validation and test rating; no few-shot curve then).
        model: PathBuf,
        /// A bundle, a folder or split files.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Noise-free scores for the oracle: the generator's ground_truth.json, or a plain
        /// per-rating file, CSV with a header or JSON Lines, with participant_id, image_id and
        /// true_score (default: regenerated from the data's provenance when synthetic).
        #[arg(long)]
        truth: Option<PathBuf>,
        /// A second model (or predictions file) B: every metric of the model minus B's, per
        /// split, with a 95% paired bootstrap interval (the same resampled people for both).
        #[arg(long)]
        compare: Option<PathBuf>,
        /// Bootstrap resamples of the participants for the intervals.
        #[arg(long, default_value_t = 1000)]
        bootstrap: usize,
        /// One JSON object instead of tables.
        #[arg(long)]
        json: bool,
    },
    /// Write the model's prediction of every rating (participant_id, image_id, split,
    /// observed_score, predicted_score), for checking the metrics with your own code.
    Predict {
        /// A model folder (or its pamela-model.onnx).
        model: PathBuf,
        /// A bundle, a folder or split files.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// File to write (.csv or .jsonl picks the format).
        #[arg(long)]
        out: PathBuf,
        /// csv or jsonl (default: from the extension of --out).
        #[arg(long, value_parser = ["csv", "jsonl"])]
        format: Option<String>,
    },
    /// Time filters, aggregations and bundle decoding at 70 k, 1 M and 10 M ratings.
    Bench {
        /// Largest size to run, in ratings.
        #[arg(long, default_value_t = 10_000_000)]
        max: u64,
    },
}

/// Filters; every set flag takes comma-separated values and may be repeated.
#[derive(Args)]
struct FilterFlags {
    /// Age range, e.g. 20-29 (or one age).
    #[arg(long)]
    age: Option<String>,
    /// Score range, e.g. 3.5-5.
    #[arg(long)]
    score: Option<String>,
    #[arg(long = "age-bin")]
    age_bin: Vec<String>,
    #[arg(long)]
    gender: Vec<String>,
    #[arg(long)]
    nationality: Vec<String>,
    /// Image type: Art or Photorealism.
    #[arg(long = "type")]
    kind: Vec<String>,
    /// Visual group: a name (both types) or name/Type.
    #[arg(long)]
    group: Vec<String>,
    /// Style; (none) for images without style.
    #[arg(long)]
    style: Vec<String>,
    /// train, val_seen, val_unseen, test_seen, test_unseen.
    #[arg(long)]
    split: Vec<String>,
    /// poor, fair, good, great, excellent.
    #[arg(long)]
    label: Vec<String>,
    /// One participant id.
    #[arg(long)]
    participant: Option<String>,
    /// One image id.
    #[arg(long)]
    image: Option<String>,
}

impl FilterFlags {
    /// The flags by their parameter names in the filter vocabulary.
    fn into_spec(self) -> Result<FilterSpec, CliError> {
        let one = |v: Option<String>| v.into_iter().collect::<Vec<_>>();
        commands::spec_from_flags(&[
            ("age", one(self.age)),
            ("score", one(self.score)),
            ("age_bin", self.age_bin),
            ("gender", self.gender),
            ("nationality", self.nationality),
            ("type", self.kind),
            ("group", self.group),
            ("style", self.style),
            ("split", self.split),
            ("label", self.label),
            ("participant", one(self.participant)),
            ("image", one(self.image)),
        ])
    }
}

fn run(cli: Cli) -> Result<(), CliError> {
    pamela_cli::input::set_max_file_size(cli.max_file_size);
    let mut stdout = std::io::stdout().lock();
    let mut stderr = std::io::stderr().lock();
    match cli.command {
        Command::Synth {
            out,
            seed,
            only_bundle,
            generator,
        } => {
            let g = pamela_synth::Generator::from_name(&generator)
                .ok_or_else(|| CliError(format!("unknown generator {generator}")))?;
            commands::synth(&out, g, seed, only_bundle, &mut stderr)
        }
        Command::Ingest {
            paths,
            out,
            text_apart,
        } => commands::ingest(&paths, &out, text_apart.as_deref(), &mut stderr),
        Command::Stats { paths, json } => commands::stats(&paths, json, &mut stdout),
        Command::Query {
            paths,
            filter,
            by,
            csv,
            json,
        } => {
            let format = if json {
                commands::Format::Json
            } else if csv {
                commands::Format::Csv
            } else {
                commands::Format::Table
            };
            commands::query(&paths, &filter.into_spec()?, &by, format, &mut stdout)
        }
        Command::Compare {
            paths,
            filter,
            a,
            b,
            per,
            json,
        } => commands::compare(
            &paths,
            &filter.into_spec()?,
            &a,
            &b,
            per.as_deref(),
            json,
            &mut stdout,
        ),
        Command::Agreement {
            paths,
            filter,
            json,
        } => commands::agreement(&paths, &filter.into_spec()?, json, &mut stdout),
        Command::Train {
            paths,
            out,
            seed,
            epochs,
            rank,
            personal_rank,
        } => {
            let cfg = pamela_model::train::TrainConfig {
                seed,
                epochs,
                rank,
                personal_rank,
                ..Default::default()
            };
            pamela_cli::modeling::train_cmd(&paths, &out, &cfg, &mut stderr)
        }
        Command::Eval {
            model,
            paths,
            truth,
            compare,
            bootstrap,
            json,
        } => pamela_cli::modeling::eval_cmd(
            &model,
            &paths,
            &pamela_cli::modeling::EvalArgs {
                truth: truth.as_deref(),
                compare: compare.as_deref(),
                bootstrap,
                json,
            },
            &mut stdout,
        ),
        Command::Predict {
            model,
            paths,
            out,
            format,
        } => pamela_cli::modeling::predict_cmd(
            &model,
            &paths,
            &out,
            format
                .as_deref()
                .and_then(pamela_cli::predictions::Format::from_name),
            &mut stderr,
        ),
        Command::Bench { max } => bench::run(max, &mut stdout),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("pamela: {e}");
            ExitCode::FAILURE
        }
    }
}
