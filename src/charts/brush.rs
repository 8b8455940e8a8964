//! Brushing a range along a histogram's x axis, by pointer or by keyboard, as pure functions.
//!
//! A brushable axis is cut into `n` equal steps (the score histogram's bins, the age
//! histogram's years) and a brushed range is a pair of steps, first and last, both included: a
//! range always covers whole bars, so the bars a filter keeps are the bars drawn inside the
//! brush. The component turns steps into filter values and back (scores in thousandths, ages in
//! years); the range covering every step is "no filter".
//!
//! A drag is a pointer going down at one x and moving to another: it covers the steps under
//! both ends and everything between, in either direction. A press that moves less than
//! [`DRAG_PX`] is a click (a bar's own action), not a brush. The keyboard moves the range's two
//! ends as two sliders: arrows one step, Page Up / Page Down a tenth of the axis, Home / End to
//! the axis's ends (an end never passes the other).

/// A pointer must move this far (in pixels) before a press becomes a brush.
pub const DRAG_PX: f64 = 4.0;

/// Which end of a range a slider moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    Low,
    High,
}

/// An axis of `n` equal steps drawn from pixel `x0` to `x1`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Axis {
    pub x0: f64,
    pub x1: f64,
    pub n: usize,
}

impl Axis {
    /// The step under pixel `x` (clamped to the axis).
    pub fn step_at(&self, x: f64) -> usize {
        if self.n == 0 || self.x1 <= self.x0 {
            return 0;
        }
        let t = (x - self.x0) / (self.x1 - self.x0);
        ((t * self.n as f64).floor().max(0.0) as usize).min(self.n - 1)
    }

    /// Left and right pixel edges of the steps `first..=last`.
    pub fn span(&self, (first, last): (usize, usize)) -> (f64, f64) {
        let w = (self.x1 - self.x0) / self.n.max(1) as f64;
        (self.x0 + first as f64 * w, self.x0 + (last + 1) as f64 * w)
    }

    /// The range a drag from pixel `from` to pixel `to` covers.
    pub fn drag(&self, from: f64, to: f64) -> (usize, usize) {
        let (a, b) = (self.step_at(from), self.step_at(to));
        (a.min(b), a.max(b))
    }

    /// Whether `range` covers the whole axis (no filter).
    pub fn is_all(&self, range: (usize, usize)) -> bool {
        range.0 == 0 && range.1 + 1 >= self.n
    }

    /// The range after `key` on the slider of `end`; `None` for keys it does not use.
    pub fn key(&self, range: (usize, usize), end: End, key: &str) -> Option<(usize, usize)> {
        let last = self.n.checked_sub(1)?;
        let page = (self.n / 10).max(1);
        let (lo, hi) = (range.0.min(last), range.1.min(last));
        let v = match end {
            End::Low => lo,
            End::High => hi,
        };
        let v = match key {
            "ArrowLeft" | "ArrowDown" => v.saturating_sub(1),
            "ArrowRight" | "ArrowUp" => v + 1,
            "PageDown" => v.saturating_sub(page),
            "PageUp" => v + page,
            "Home" => 0,
            "End" => last,
            _ => return None,
        };
        Some(match end {
            End::Low => (v.min(hi), hi),
            End::High => (lo, v.clamp(lo, last)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const AXIS: Axis = Axis {
        x0: 40.0,
        x1: 440.0,
        n: 8,
    };

    #[test]
    fn a_drag_covers_the_steps_under_both_ends_in_either_direction() {
        // Steps are 50 px wide.
        assert_eq!(AXIS.step_at(40.0), 0);
        assert_eq!(AXIS.step_at(89.9), 0);
        assert_eq!(AXIS.step_at(90.0), 1);
        assert_eq!(AXIS.drag(100.0, 260.0), (1, 4));
        assert_eq!(AXIS.drag(260.0, 100.0), (1, 4));
        // Beyond the axis: clamped to its ends.
        assert_eq!(AXIS.drag(-500.0, 9000.0), (0, 7));
        assert!(AXIS.is_all(AXIS.drag(-500.0, 9000.0)));
        assert!(!AXIS.is_all((0, 6)));
        assert_eq!(AXIS.span((1, 4)), (90.0, 290.0));
    }

    #[test]
    fn keys_move_one_end_and_never_past_the_other() {
        let r = (2, 5);
        assert_eq!(AXIS.key(r, End::Low, "ArrowRight"), Some((3, 5)));
        assert_eq!(AXIS.key(r, End::Low, "ArrowLeft"), Some((1, 5)));
        assert_eq!(AXIS.key(r, End::High, "ArrowUp"), Some((2, 6)));
        assert_eq!(AXIS.key(r, End::High, "End"), Some((2, 7)));
        assert_eq!(AXIS.key(r, End::Low, "Home"), Some((0, 5)));
        // The low end stops at the high one, and the high end at the low one.
        assert_eq!(AXIS.key((5, 5), End::Low, "ArrowRight"), Some((5, 5)));
        assert_eq!(AXIS.key((5, 5), End::High, "ArrowLeft"), Some((5, 5)));
        assert_eq!(AXIS.key((2, 5), End::Low, "End"), Some((5, 5)));
        assert_eq!(AXIS.key((0, 7), End::High, "ArrowRight"), Some((0, 7)));
        assert_eq!(AXIS.key((0, 7), End::Low, "ArrowLeft"), Some((0, 7)));
        assert_eq!(AXIS.key(r, End::Low, "x"), None);
        let long = Axis { n: 60, ..AXIS };
        assert_eq!(long.key((10, 50), End::High, "PageDown"), Some((10, 44)));
        let empty = Axis { n: 0, ..AXIS };
        assert_eq!(empty.key((0, 0), End::Low, "ArrowRight"), None);
        assert_eq!(empty.step_at(100.0), 0);
    }
}
