//! Score histogram geometry: bars of the selection's share per bin, the whole dataset's shares
//! as an outline, over scores 1..5.

use super::scale::{nice_ticks, Linear};

#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
    /// Bin edges in thousandths (inclusive low, inclusive high).
    pub lo: u16,
    pub hi: u16,
    pub count: u64,
    /// Share of the selection in this bin (0..1).
    pub share: f64,
    /// Whether the bin lies inside the current score range.
    pub selected: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    pub bars: Vec<Bar>,
    /// Step outline of the reference distribution (empty if none).
    pub reference: String,
    pub x_ticks: Vec<(f64, String)>,
    pub y_ticks: Vec<(f64, String)>,
    pub plot: (f64, f64, f64, f64),
}

/// Bin edges in thousandths for `bins` equal bins over [1000, 5000].
pub fn edges(bins: usize) -> Vec<(u16, u16)> {
    let bins = bins.max(1);
    (0..bins)
        .map(|k| {
            let lo = 1000 + (4000 * k).div_ceil(bins) as u16;
            let hi = if k + 1 == bins {
                5000
            } else {
                1000 + ((4000 * (k + 1)).div_ceil(bins) - 1) as u16
            };
            (lo, hi)
        })
        .collect()
}

/// `counts` and `reference` are per-bin counts; shares are drawn, so selections of any size
/// compare with the whole. `range` is the score filter (bars outside it are drawn unselected).
pub fn layout(
    counts: &[u64],
    reference: Option<&[u64]>,
    range: Option<(u16, u16)>,
    width: f64,
    height: f64,
) -> Layout {
    let (left, right, top, bottom) = (44.0, 8.0, 8.0, 36.0);
    let plot = (left, top, width - right, height - bottom);
    let total: u64 = counts.iter().sum();
    let share = |c: u64, t: u64| if t == 0 { 0.0 } else { c as f64 / t as f64 };
    let ref_total: u64 = reference.map_or(0, |r| r.iter().sum());
    let max_share = counts
        .iter()
        .map(|&c| share(c, total))
        .chain(
            reference
                .into_iter()
                .flatten()
                .map(|&c| share(c, ref_total)),
        )
        .fold(0.0f64, f64::max)
        .max(0.01);
    let x = Linear::new((1.0, 5.0), (plot.0, plot.2));
    let y = Linear::new((0.0, max_share * 1.08), (plot.3, plot.1));
    let e = edges(counts.len());
    let bars = counts
        .iter()
        .zip(&e)
        .map(|(&c, &(lo, hi))| {
            let x0 = x.map(lo as f64 / 1000.0);
            let x1 = x.map((hi as f64 + 1.0).min(5000.0) / 1000.0);
            let s = share(c, total);
            let selected = range.is_none_or(|(a, b)| lo >= a && hi <= b);
            Bar {
                x: x0 + 0.5,
                y: y.map(s),
                w: (x1 - x0 - 1.0).max(0.5),
                h: plot.3 - y.map(s),
                lo,
                hi,
                count: c,
                share: s,
                selected,
            }
        })
        .collect();
    let reference = match reference {
        Some(r) if ref_total > 0 => {
            let mut d = String::new();
            for (k, (&c, &(lo, hi))) in r.iter().zip(&e).enumerate() {
                let yy = y.map(share(c, ref_total));
                let x0 = x.map(lo as f64 / 1000.0);
                let x1 = x.map((hi as f64 + 1.0).min(5000.0) / 1000.0);
                if k == 0 {
                    d += &format!("M{x0:.1},{:.1}V{yy:.1}", plot.3);
                } else {
                    d += &format!("V{yy:.1}");
                }
                d += &format!("H{x1:.1}");
            }
            d += &format!("V{:.1}", plot.3);
            d
        }
        _ => String::new(),
    };
    let x_ticks = (1..=5).map(|s| (x.map(s as f64), s.to_string())).collect();
    let y_ticks = nice_ticks(0.0, max_share * 1.08, 4)
        .into_iter()
        .map(|t| (y.map(t), format!("{:.0}%", t * 100.0)))
        .collect();
    Layout {
        bars,
        reference,
        x_ticks,
        y_ticks,
        plot,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edges_tile_the_score_range_without_gaps() {
        for bins in [1usize, 4, 7, 20, 40] {
            let e = edges(bins);
            assert_eq!(e.len(), bins);
            assert_eq!(e[0].0, 1000);
            assert_eq!(e[bins - 1].1, 5000);
            for w in e.windows(2) {
                assert_eq!(w[0].1 + 1, w[1].0, "bins {bins}");
            }
        }
        // The same binning as the core's histogram: score v lands in bin v*bins/4000.
        let e = edges(7);
        for v in 0..=4000usize {
            let k = (v * 7 / 4000).min(6);
            let m = v as u16 + 1000;
            assert!(
                e[k].0 <= m && m <= e[k].1,
                "score {m} in bin {k}: {:?}",
                e[k]
            );
        }
    }

    #[test]
    fn bars_show_shares_and_the_selected_range() {
        let l = layout(
            &[1, 3, 0, 0],
            Some(&[10, 10, 10, 10]),
            Some((2000, 3999)),
            400.0,
            200.0,
        );
        assert_eq!(l.bars.len(), 4);
        assert_eq!(l.bars[1].share, 0.75);
        assert!(l.bars[1].h > l.bars[0].h);
        assert_eq!(l.bars[2].h, 0.0);
        assert_eq!(
            l.bars.iter().map(|b| b.selected).collect::<Vec<_>>(),
            [false, true, true, false]
        );
        assert!(l.reference.starts_with('M') && l.reference.contains('H'));
        assert_eq!(l.x_ticks.len(), 5);
    }

    #[test]
    fn an_empty_selection_draws_flat_bars() {
        let l = layout(&[0, 0, 0], None, None, 300.0, 100.0);
        assert!(l.bars.iter().all(|b| b.h == 0.0 && b.y.is_finite()));
        assert!(l.reference.is_empty());
    }
}
