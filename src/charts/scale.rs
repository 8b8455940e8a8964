//! Scales and ticks.

/// Maps a numeric domain onto a pixel range, linearly.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Linear {
    pub d0: f64,
    pub d1: f64,
    pub r0: f64,
    pub r1: f64,
}

impl Linear {
    pub fn new(domain: (f64, f64), range: (f64, f64)) -> Linear {
        let (mut d0, mut d1) = domain;
        if !(d0.is_finite() && d1.is_finite()) {
            (d0, d1) = (0.0, 1.0);
        }
        if d0 == d1 {
            d0 -= 0.5;
            d1 += 0.5;
        }
        Linear {
            d0,
            d1,
            r0: range.0,
            r1: range.1,
        }
    }

    pub fn map(&self, x: f64) -> f64 {
        self.r0 + (x - self.d0) / (self.d1 - self.d0) * (self.r1 - self.r0)
    }

    /// Maps and clamps into the range (for values outside the domain).
    pub fn map_clamped(&self, x: f64) -> f64 {
        let (lo, hi) = if self.r0 <= self.r1 {
            (self.r0, self.r1)
        } else {
            (self.r1, self.r0)
        };
        self.map(x).clamp(lo, hi)
    }

    /// About `count` round tick values within the domain (1, 2 or 5 times a power of ten).
    pub fn ticks(&self, count: usize) -> Vec<f64> {
        nice_ticks(self.d0.min(self.d1), self.d0.max(self.d1), count)
    }

    /// Round ticks for an axis drawn along the whole range: as many as leave room for their
    /// labels ([`super::text::tick_count`]), but at least three where the domain allows, so a
    /// narrow domain still gets a readable scale.
    pub fn readable_ticks(&self) -> Vec<f64> {
        let px = (self.r1 - self.r0).abs();
        let mut count = super::text::tick_count(px);
        let mut t = self.ticks(count);
        while t.len() < 3 && count < 12 {
            count += 1;
            t = self.ticks(count);
        }
        t
    }
}

/// Round tick values covering [lo, hi]: steps of 1, 2 or 5 times a power of ten.
pub fn nice_ticks(lo: f64, hi: f64, count: usize) -> Vec<f64> {
    if !(lo.is_finite() && hi.is_finite()) || hi <= lo || count == 0 {
        return vec![lo];
    }
    let raw = (hi - lo) / count as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let m = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .find(|m| m * mag >= raw)
        .unwrap_or(10.0);
    let step = m * mag;
    // A hair of tolerance: -0.3 / 0.1 is -2.9999999999999996 in binary.
    let first = (lo / step - 1e-9).ceil() as i64;
    let last = (hi / step + 1e-9).floor() as i64;
    // Below 1, divide by a whole power of ten so that 3 x 0.1 prints as 0.3.
    let inv = (1.0 / mag).round();
    (first..=last)
        .map(|k| {
            if mag < 1.0 {
                k as f64 * m / inv
            } else {
                k as f64 * step
            }
        })
        .collect()
}

/// Evenly spaced bands (bars, rows) with padding between them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Band {
    pub n: usize,
    pub r0: f64,
    pub r1: f64,
    /// Fraction of each step left empty (0..1).
    pub padding: f64,
}

impl Band {
    pub fn step(&self) -> f64 {
        (self.r1 - self.r0) / self.n.max(1) as f64
    }
    pub fn start(&self, i: usize) -> f64 {
        self.r0 + self.step() * i as f64 + self.step() * self.padding / 2.0
    }
    pub fn width(&self) -> f64 {
        self.step() * (1.0 - self.padding)
    }
    pub fn center(&self, i: usize) -> f64 {
        self.start(i) + self.width() / 2.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linear_maps_ends_and_inverts_direction() {
        let s = Linear::new((1.0, 5.0), (0.0, 400.0));
        assert_eq!(s.map(1.0), 0.0);
        assert_eq!(s.map(5.0), 400.0);
        assert_eq!(s.map(3.0), 200.0);
        let y = Linear::new((0.0, 100.0), (300.0, 0.0));
        assert_eq!(y.map(100.0), 0.0);
        assert_eq!(y.map_clamped(150.0), 0.0);
        assert_eq!(y.map_clamped(-5.0), 300.0);
    }

    #[test]
    fn a_degenerate_domain_still_maps_to_the_middle() {
        let s = Linear::new((2.0, 2.0), (0.0, 100.0));
        assert_eq!(s.map(2.0), 50.0);
        let n = Linear::new((f64::NAN, 1.0), (0.0, 10.0));
        assert!(n.map(0.5).is_finite());
    }

    #[test]
    fn a_narrow_domain_still_gets_three_ticks_and_a_short_axis_few() {
        let x = Linear::new((-0.35, 0.2), (0.0, 140.0));
        let t = x.readable_ticks();
        assert!(t.len() >= 3, "{t:?}");
        for w in t.windows(2) {
            assert!(x.map(w[1]) - x.map(w[0]) >= 30.0, "{t:?}");
        }
        let wide = Linear::new((-0.35, 0.2), (0.0, 900.0)).readable_ticks();
        assert!(wide.len() > t.len() && wide.len() <= 13, "{wide:?}");
    }

    #[test]
    fn ticks_are_round_and_inside_the_domain() {
        assert_eq!(nice_ticks(1.0, 5.0, 4), vec![1.0, 2.0, 3.0, 4.0, 5.0]);
        assert_eq!(nice_ticks(0.0, 1234.0, 5), vec![0.0, 500.0, 1000.0]);
        assert_eq!(
            nice_ticks(-0.3, 0.3, 6),
            vec![-0.3, -0.2, -0.1, 0.0, 0.1, 0.2, 0.3]
        );
        let t = nice_ticks(0.0, 0.7, 7);
        assert!(
            t.iter()
                .all(|v| (v * 10.0 - (v * 10.0).round()).abs() < 1e-12),
            "{t:?}"
        );
    }

    #[test]
    fn bands_split_the_range_evenly() {
        let b = Band {
            n: 4,
            r0: 0.0,
            r1: 400.0,
            padding: 0.2,
        };
        assert_eq!(b.step(), 100.0);
        assert_eq!(b.start(0), 10.0);
        assert_eq!(b.width(), 80.0);
        assert_eq!(b.center(3), 350.0);
    }
}
