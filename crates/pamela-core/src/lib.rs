//! # pamela-core
//!
//! The data core of PAMELA Explorer: everything about the ratings that is not about a screen.
//! It has no web dependencies, compiles to native code and to wasm alike, and is tested with a
//! plain `cargo test`.
//!
//! * [`schema`]: the published record, strict where the dataset card is definite.
//! * [`loader`]: JSON arrays or JSON Lines, split from the file name, errors that name file,
//!   record and field, cross-record checks.
//! * [`dataset`]: the columnar store (images, participants, rating columns, dictionaries read
//!   from the data; nothing about groups, styles or countries is hard-coded here).
//! * [`query`]: filters, facet counts and aggregations in one pass.
//! * [`vocab`]: filters and cohorts by name, parsed, printed and resolved in one place for the
//!   URL, the CLI and the page.
//! * [`profile`]: what a predictor takes (a person's profile, an image's metadata), shared by the
//!   model, its worker and the page.
//! * [`stats`]: exact accumulators, t intervals, Welch differences.
//! * [`bundle`]: the compact versioned binary the app ships and loads.
//! * [`synth`]: the seeded synthetic dataset generated to the card's counts.
//!
//! Design trade-offs worth knowing:
//!
//! * Scores are integer thousandths (the card's precision). Sums are exact, so aggregations are
//!   reproducible to the bit and cheap to merge; a score with more decimals is rounded with a
//!   warning.
//! * The store holds ratings as a set in canonical order (split, participant, image). That makes
//!   bundles byte-reproducible from files in any order, lets filters work per run of one
//!   participant, and compresses well; the original file order is not kept.
//! * Errors are values with a kind and a location. Nothing in this crate panics on input.

pub mod bundle;
pub mod dataset;
pub mod error;
pub mod export;
pub mod loader;
pub mod profile;
pub mod query;
pub mod rng;
pub mod schema;
pub mod stats;
pub mod summary;
pub mod synth;
pub mod vocab;

pub use dataset::{Dataset, Source, SourceKind};
pub use error::{ErrorKind, LoadError, Location, Warning, WarningKind};
pub use loader::Loader;
pub use query::{Compiled, Dim, Filter, Key};
pub use schema::{Label, Record, Split};
pub use stats::{Acc, Difference, Summary};
pub use vocab::FilterSpec;

/// Reads either a bundle or one or more JSON files given as (name, bytes), the way the browser
/// receives dropped files. A bundle must come alone.
pub fn load_any(
    files: &[(String, Vec<u8>)],
    progress: &mut dyn FnMut(&str, usize, usize),
) -> Result<(Dataset, Vec<Warning>), LoadError> {
    if let [(name, bytes)] = files {
        if bundle::is_bundle(bytes) {
            return bundle::decode(bytes)
                .map(|ds| (ds, Vec::new()))
                .map_err(|e| {
                    LoadError::new(ErrorKind::InvalidValue, name, Location::File, e.to_string())
                });
        }
    }
    let mut loader = Loader::new();
    let mut names = Vec::new();
    for (name, bytes) in files {
        let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
        if bundle::is_bundle(bytes) {
            return Err(LoadError::new(
                ErrorKind::NotAList,
                name,
                Location::File,
                "a bundle must be loaded on its own, not together with JSON files",
            ));
        }
        if base == loader::SYNTHETIC_MANIFEST {
            loader.add_synthetic_manifest(name, bytes)?;
            continue;
        }
        names.push(base.to_string());
        loader.add_file(name, bytes, &mut |d, t| progress(name, d, t))?;
    }
    loader.finish(Source {
        kind: SourceKind::Pamela,
        provenance: format!("PAMELA files: {}", names.join(", ")),
    })
}
