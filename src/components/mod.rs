//! One component per file. Each view derives its rows from the shared memos in
//! [`crate::app::Ctx`], draws them with [`crate::charts`] geometry, and offers the same rows as
//! a table and a CSV.

pub mod about;
pub mod ages;
pub mod card;
pub mod chart_svg;
pub mod chips;
pub mod cohorts;
pub mod distribution;
pub mod filters;
pub mod for_you;
pub mod heatmap;
pub mod hub_load;
pub mod images;
pub mod key_select;
pub mod legend;
pub mod load_panel;
pub mod means;
pub mod notices;
pub mod participants;
pub mod source_badge;
pub mod taste;
pub mod teach;
pub mod train;
