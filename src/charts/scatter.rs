//! Scatter geometry (participants: mean offset against spread).

use super::scale::Linear;

#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    pub points: Vec<(f64, f64)>,
    pub x_ticks: Vec<(f64, f64)>,
    pub y_ticks: Vec<(f64, f64)>,
    pub zero_x: f64,
    pub plot: (f64, f64, f64, f64),
}

pub fn layout(xy: &[(f64, f64)], width: f64, height: f64) -> Layout {
    let plot = (52.0, 10.0, width - 12.0, height - 38.0);
    let ext = |f: fn(&(f64, f64)) -> f64| {
        xy.iter()
            .map(f)
            .filter(|v| v.is_finite())
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
                (a.min(v), b.max(v))
            })
    };
    let (x0, x1) = ext(|p| p.0);
    let (y0, y1) = ext(|p| p.1);
    let (x0, x1) = if x0.is_finite() {
        (x0.min(0.0), x1.max(0.0))
    } else {
        (-1.0, 1.0)
    };
    let (y0, y1) = if y0.is_finite() {
        (0.0f64.min(y0), y1)
    } else {
        (0.0, 1.0)
    };
    let px = (x1 - x0) * 0.06 + 0.01;
    let py = (y1 - y0) * 0.06 + 0.01;
    let x = Linear::new((x0 - px, x1 + px), (plot.0, plot.2));
    let y = Linear::new((y0, y1 + py), (plot.3, plot.1));
    Layout {
        points: xy
            .iter()
            .map(|&(a, b)| (x.map(a), y.map(if b.is_finite() { b } else { 0.0 })))
            .collect(),
        x_ticks: x
            .readable_ticks()
            .into_iter()
            .map(|t| (x.map(t), t))
            .collect(),
        y_ticks: y.ticks(4).into_iter().map(|t| (y.map(t), t)).collect(),
        zero_x: x.map(0.0),
        plot,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_land_inside_the_plot_and_zero_is_shown() {
        let l = layout(&[(-0.5, 0.8), (0.7, 1.2), (0.0, f64::NAN)], 400.0, 300.0);
        for &(x, y) in &l.points {
            assert!(l.plot.0 <= x && x <= l.plot.2 && l.plot.1 <= y && y <= l.plot.3);
        }
        assert!(l.points[0].0 < l.zero_x && l.zero_x < l.points[1].0);
        assert!(l.points[1].1 < l.points[0].1, "larger spread is higher");
    }
}
