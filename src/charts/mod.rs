//! Chart geometry: pure functions from numbers to positions, tested natively. Components only
//! turn these into SVG elements.

pub mod brush;
pub mod color;
pub mod dotplot;
pub mod format;
pub mod heatmap;
pub mod histogram;
pub mod patch;
pub mod render;
pub mod scale;
pub mod scatter;
pub mod svg;
pub mod text;

pub use scale::{Band, Linear};
