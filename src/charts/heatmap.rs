//! Heatmap geometry: cells of (row value, column value) holding a difference (the cell's mean
//! to its row's mean, or to everyone on the same images), with the sample size deciding whether
//! the cell may be highlighted or marked. What counts as too small (ratings and people) is the
//! caller's rule ([`crate::summaries::Minimum`]); geometry only draws it.

#[derive(Debug, Clone, PartialEq)]
pub struct CellIn {
    pub n: u64,
    /// Under the minimum (ratings or people): hatched, never coloured, never marked.
    pub small: bool,
    /// What the cell shows (see [`crate::summaries::HeatGrid::diffs`]); NaN when empty.
    pub diff: f64,
    /// A difference after the correction for the cells tested: drawn outlined.
    pub marked: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    pub row: usize,
    pub col: usize,
    pub x: f64,
    pub y: f64,
    /// Too few ratings or people: drawn hatched, never coloured as a finding.
    pub small: bool,
    pub empty: bool,
    /// Marked as a difference (never a small or empty cell).
    pub marked: bool,
    pub fill: &'static str,
    pub opacity: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    pub cells: Vec<Cell>,
    pub size: f64,
    pub label_w: f64,
    pub header_h: f64,
    pub width: f64,
    pub height: f64,
    /// The |difference| that gets full colour.
    pub scale_max: f64,
}

/// The width of the row-label column for rows named `names`, whose labels carry a number
/// ("Art (+0.12)", "Art (3.41)", "Art (–)"): as wide as each name with a number of the widest
/// form, not the number shown now, so that the grid stays in place while filters change its
/// numbers (and redraws as a few patches, not a move of every cell).
pub fn label_width<'a>(names: impl IntoIterator<Item = &'a str>) -> f64 {
    let widest: Vec<String> = names
        .into_iter()
        .flat_map(|n| [format!("{n} (+0.00)"), format!("{n} (\u{2212}0.00)")])
        .collect();
    super::text::label_column(
        widest.iter().map(String::as_str),
        super::text::LABEL_PX,
        480.0,
        60.0,
        0.42,
    )
}

/// `cells` is row-major, `rows` x `cols`. Colour saturates at the largest |diff| among cells
/// that are neither empty nor small (at least 0.1).
pub fn layout(cells: &[CellIn], rows: usize, cols: usize, label_w: f64) -> Layout {
    // Room for a 12-pixel "−.59" in a cell, and for column labels of about 16 characters.
    let size = 40.0;
    let header_h = 130.0;
    let scale_max = cells
        .iter()
        .filter(|c| c.n > 0 && !c.small && c.diff.is_finite())
        .map(|c| c.diff.abs())
        .fold(0.1f64, f64::max);
    let out = cells
        .iter()
        .enumerate()
        .map(|(k, c)| {
            let (row, col) = (k / cols.max(1), k % cols.max(1));
            let empty = c.n == 0;
            let small = !empty && c.small;
            let (fill, opacity) = if empty || small || !c.diff.is_finite() {
                ("none", 0.0)
            } else {
                super::color::diverging(c.diff, scale_max)
            };
            Cell {
                row,
                col,
                x: label_w + col as f64 * size,
                y: header_h + row as f64 * size,
                small,
                empty,
                marked: c.marked && !small && !empty,
                fill,
                opacity,
            }
        })
        .collect();
    Layout {
        cells: out,
        size,
        label_w,
        header_h,
        width: label_w + cols as f64 * size + 8.0,
        height: header_h + rows as f64 * size + 8.0,
        scale_max,
    }
}

/// The colour key for cells coloured at full strength from `scale_max`: five steps from
/// −max to +max, each as (CSS colour, words). The same colours as the cells
/// ([`super::color::diverging`]), on white.
pub fn colour_key(scale_max: f64) -> Vec<(String, String)> {
    [-1.0, -0.5, 0.0, 0.5, 1.0]
        .iter()
        .map(|&t| {
            let d = t * scale_max;
            let (c, a) = super::color::diverging(d, scale_max);
            let css = if a == 0.0 {
                "#ffffff".to_string()
            } else {
                let h = |k: usize| u8::from_str_radix(&c[k..k + 2], 16).unwrap_or(0);
                format!("rgba({}, {}, {}, {a})", h(1), h(3), h(5))
            };
            let words = match t {
                x if x <= -1.0 => format!("{} or lower", super::format::signed(d)),
                x if x >= 1.0 => format!("{} or higher", super::format::signed(d)),
                _ => super::format::signed(d),
            };
            (css, words)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_label_column_holds_any_number_and_does_not_follow_the_numbers() {
        let w = label_width(["Germany", "United Kingdom"]);
        for shown in [
            "United Kingdom (+0.12)",
            "United Kingdom (−0.49)",
            "United Kingdom (3.41)",
        ] {
            assert!(super::super::text::width(shown, super::super::text::LABEL_PX) + 12.0 <= w);
        }
        assert_eq!(w, label_width(["Germany", "United Kingdom"]));
        assert!(label_width(["A much longer nationality name"]) > w);
    }

    #[test]
    fn small_cells_are_never_coloured() {
        let cells = [
            CellIn {
                n: 100,
                small: false,
                diff: 0.3,
                marked: true,
            },
            CellIn {
                n: 5,
                small: true,
                diff: 1.5,
                marked: true,
            },
            CellIn {
                n: 0,
                small: true,
                diff: f64::NAN,
                marked: false,
            },
            CellIn {
                n: 40,
                small: false,
                diff: -0.15,
                marked: false,
            },
        ];
        let l = layout(&cells, 2, 2, 100.0);
        assert_eq!(l.cells[0].fill, "#E69F00");
        assert!(l.cells[1].small && l.cells[1].opacity == 0.0);
        assert!(
            l.cells[0].marked && !l.cells[1].marked,
            "a small cell is never marked"
        );
        assert!(l.cells[2].empty && !l.cells[2].small);
        assert_eq!(l.cells[3].fill, "#0072B2");
        // The tiny cell's large difference does not set the colour scale.
        assert_eq!(l.scale_max, 0.3);
        assert_eq!((l.cells[3].row, l.cells[3].col), (1, 1));
        assert!(l.cells[3].x > l.cells[2].x && l.cells[3].y == l.cells[2].y);
    }

    #[test]
    fn the_colour_key_runs_from_blue_below_to_orange_above() {
        let k = colour_key(0.4);
        assert_eq!(k.len(), 5);
        assert_eq!(
            k[0],
            (
                "rgba(0, 114, 178, 0.85)".to_string(),
                "−0.40 or lower".to_string()
            )
        );
        assert_eq!(k[2].0, "#ffffff");
        assert_eq!(
            k[4],
            (
                "rgba(230, 159, 0, 0.85)".to_string(),
                "+0.40 or higher".to_string()
            )
        );
        assert_eq!(k[1].1, "−0.20");
    }
}
