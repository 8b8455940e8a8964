//! The `pamela` command: a thin shell over `pamela-core` (and `pamela-synth` for the synthetic
//! sample, `pamela-model` for training).
//!
//! Every subcommand reads its input through the same loader the browser uses, so what the
//! command line prints is what the explorer shows. Errors are returned as one-paragraph messages
//! and turned into a non-zero exit status by `main`.

pub mod bench;
pub mod commands;
pub mod input;
pub mod modeling;
pub mod predictions;

/// An error for the user: one paragraph, no backtrace.
#[derive(Debug)]
pub struct CliError(pub String);

impl std::fmt::Display for CliError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CliError {}

impl From<pamela_core::LoadError> for CliError {
    fn from(e: pamela_core::LoadError) -> Self {
        CliError(e.to_string())
    }
}

pub type Result<T> = std::result::Result<T, CliError>;

pub use pamela_core::export::thousands;
