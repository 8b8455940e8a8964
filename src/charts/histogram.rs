//! Score histogram geometry: bars of the selection's share per bin, the whole dataset's shares
//! as an outline, over scores 1..5.

use super::brush::Axis;
use super::format::Fixed;
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

impl Layout {
    /// The brushable axis: one step per bar, along the plot's width.
    pub fn axis(&self) -> Axis {
        Axis {
            x0: self.plot.0,
            x1: self.plot.2,
            n: self.bars.len(),
        }
    }
}

/// The bins (first and last, inclusive) that a score range in thousandths covers.
pub fn score_steps((lo, hi): (u16, u16), bins: usize) -> (usize, usize) {
    let bins = bins.max(1);
    let bin = |v: u16| ((v.clamp(1000, 5000) as usize - 1000) * bins / 4000).min(bins - 1);
    (bin(lo), bin(hi.max(lo)))
}

/// The score range in thousandths of bins `first..=last`.
pub fn score_range((first, last): (usize, usize), bins: usize) -> (u16, u16) {
    let e = edges(bins);
    let at = |k: usize| e[k.min(e.len() - 1)];
    (at(first).0, at(last).1)
}

/// People per age (`people[k]` for age `first_age + k`) as one bar per year, with the ages in
/// `range` (inclusive) drawn selected. `ratings[k]` is what each bar's people rated.
pub fn age_layout(
    people: &[u64],
    ratings: &[u64],
    first_age: u8,
    range: Option<(u8, u8)>,
    width: f64,
    height: f64,
) -> Layout {
    let (left, right, top, bottom) = (44.0, 8.0, 8.0, 36.0);
    let plot = (left, top, width - right, height - bottom);
    let n = people.len().max(1);
    let a0 = first_age as f64;
    let x = Linear::new((a0, a0 + n as f64), (plot.0, plot.2));
    let max = people.iter().copied().max().unwrap_or(0).max(1) as f64;
    let y_ticks: Vec<f64> = nice_ticks(0.0, max * 1.08, 4)
        .into_iter()
        .filter(|t| t.fract() == 0.0)
        .collect();
    let y = Linear::new((0.0, max * 1.08), (plot.3, plot.1));
    let bars = people
        .iter()
        .enumerate()
        .map(|(k, &c)| {
            let age = first_age as u16 + k as u16;
            let (x0, x1) = (x.map(a0 + k as f64), x.map(a0 + k as f64 + 1.0));
            Bar {
                x: x0 + 0.5,
                y: y.map(c as f64),
                w: (x1 - x0 - 1.0).max(0.5),
                h: plot.3 - y.map(c as f64),
                lo: age,
                hi: age,
                count: ratings.get(k).copied().unwrap_or(0),
                share: c as f64,
                selected: range.is_none_or(|(a, b)| (a as u16..=b as u16).contains(&age)),
            }
        })
        .collect();
    let x_ticks = x
        .readable_ticks()
        .into_iter()
        .filter(|t| t.fract() == 0.0 && *t <= a0 + n as f64 - 1.0)
        .map(|t| (x.map(t + 0.5), Fixed(t, 0).to_string()))
        .collect();
    Layout {
        bars,
        reference: String::new(),
        x_ticks,
        y_ticks: y_ticks
            .into_iter()
            .map(|t| (y.map(t), Fixed(t, 0).to_string()))
            .collect(),
        plot,
    }
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
                    d += &format!(
                        "M{x0_1},{}V{yy_1}",
                        Fixed(plot.3, 1),
                        x0_1 = Fixed(x0, 1),
                        yy_1 = Fixed(yy, 1)
                    );
                } else {
                    d += &format!("V{yy_1}", yy_1 = Fixed(yy, 1));
                }
                d += &format!("H{x1_1}", x1_1 = Fixed(x1, 1));
            }
            d += &format!("V{}", Fixed(plot.3, 1));
            d
        }
        _ => String::new(),
    };
    let x_ticks = (1..=5).map(|s| (x.map(s as f64), s.to_string())).collect();
    let y_ticks = nice_ticks(0.0, max_share * 1.08, 4)
        .into_iter()
        .map(|t| (y.map(t), format!("{}%", Fixed(t * 100.0, 0))))
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
    fn score_ranges_and_bins_convert_both_ways() {
        for bins in [4usize, 10, 16, 40] {
            for first in 0..bins {
                for last in first..bins {
                    let r = score_range((first, last), bins);
                    assert_eq!(score_steps(r, bins), (first, last), "bins {bins}");
                }
            }
        }
        // A range from a link that cuts a bin covers the bins it touches.
        assert_eq!(score_steps((2100, 2900), 4), (1, 1));
        assert_eq!(score_steps((1000, 5000), 8), (0, 7));
    }

    #[test]
    fn ages_get_one_bar_per_year_with_the_range_selected() {
        let l = age_layout(
            &[2, 0, 5, 1],
            &[700, 0, 1800, 350],
            19,
            Some((20, 21)),
            400.0,
            200.0,
        );
        assert_eq!(l.bars.len(), 4);
        assert_eq!(
            l.bars.iter().map(|b| b.lo).collect::<Vec<_>>(),
            [19, 20, 21, 22]
        );
        assert_eq!(
            l.bars.iter().map(|b| b.selected).collect::<Vec<_>>(),
            [false, true, true, false]
        );
        assert!(l.bars[2].h > l.bars[0].h && l.bars[1].h == 0.0);
        assert_eq!(l.bars[2].count, 1800);
        let a = l.axis();
        assert_eq!((a.x0, a.x1, a.n), (l.plot.0, l.plot.2, 4));
        assert!(l.y_ticks.iter().all(|(_, t)| !t.contains('.')));
    }

    #[test]
    fn an_empty_selection_draws_flat_bars() {
        let l = layout(&[0, 0, 0], None, None, 300.0, 100.0);
        assert!(l.bars.iter().all(|b| b.h == 0.0 && b.y.is_finite()));
        assert!(l.reference.is_empty());
    }
}
