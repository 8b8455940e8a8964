//! Colour-blind-safe colours (Okabe & Ito), always paired with a non-colour cue in the charts
//! (position, text, pattern or shape).

/// Okabe-Ito categorical palette, without black (kept for text).
pub const CATEGORICAL: [&str; 7] = [
    "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7",
];

/// Marker shapes paired with the categorical colours (the non-colour cue).
pub const SHAPES: [Shape; 7] = [
    Shape::Circle,
    Shape::Square,
    Shape::Triangle,
    Shape::Diamond,
    Shape::Circle,
    Shape::Square,
    Shape::Triangle,
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    Circle,
    Square,
    Triangle,
    Diamond,
}

/// The colour and shape of category `k`; categories beyond the palette share a grey.
pub fn category(k: usize) -> (&'static str, Shape) {
    if k < CATEGORICAL.len() {
        (CATEGORICAL[k], SHAPES[k])
    } else {
        ("#8C8C8C", Shape::Circle)
    }
}

/// SVG path of a marker of `shape` centred on (x, y) with radius r.
pub fn marker_path(shape: Shape, x: f64, y: f64, r: f64) -> String {
    // Written number by number with the fast fixed-point printer: hundreds of markers per redraw.
    let mut d = String::with_capacity(48);
    let mut put = |prefix: &str, v: f64| {
        d.push_str(prefix);
        super::format::fixed(&mut d, v, 1);
    };
    match shape {
        Shape::Circle => {
            put("M", x - r);
            put(",", y);
            put("a", r);
            put(",", r);
            put(" 0 1,0 ", 2.0 * r);
            put(",0a", r);
            put(",", r);
            put(" 0 1,0 ", -2.0 * r);
            d.push_str(",0");
        }
        Shape::Square => {
            let s = r * 0.9;
            put("M", x - s);
            put(",", y - s);
            put("h", 2.0 * s);
            put("v", 2.0 * s);
            put("h", -2.0 * s);
            d.push('z');
        }
        Shape::Triangle => {
            put("M", x);
            put(",", y - r * 1.1);
            put("L", x + r);
            put(",", y + r * 0.8);
            put("L", x - r);
            put(",", y + r * 0.8);
            d.push('z');
        }
        Shape::Diamond => {
            put("M", x);
            put(",", y - r * 1.2);
            put("L", x + r);
            put(",", y);
            put("L", x);
            put(",", y + r * 1.2);
            put("L", x - r);
            put(",", y);
            d.push('z');
        }
    }
    d
}

/// Diverging fill for a difference: orange above zero, blue below (Okabe-Ito), with opacity
/// growing with |d| up to `max`. Transparent at zero, so the page background (light or dark)
/// shows through.
pub fn diverging(d: f64, max: f64) -> (&'static str, f64) {
    let max = if max > 0.0 { max } else { 1.0 };
    let t = (d.abs() / max).clamp(0.0, 1.0);
    let colour = if d >= 0.0 { "#E69F00" } else { "#0072B2" };
    (colour, (0.85 * t * 100.0).round() / 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn categories_pair_colour_and_shape() {
        assert_eq!(category(0), ("#E69F00", Shape::Circle));
        assert_eq!(category(1).1, Shape::Square);
        assert_eq!(category(99).0, "#8C8C8C");
    }

    #[test]
    fn diverging_is_symmetric_and_bounded() {
        assert_eq!(diverging(0.0, 0.5).1, 0.0);
        assert_eq!(diverging(0.25, 0.5), ("#E69F00", 0.43));
        assert_eq!(diverging(-0.25, 0.5), ("#0072B2", 0.43));
        assert_eq!(diverging(9.0, 0.5).1, 0.85);
    }

    #[test]
    fn markers_are_closed_paths() {
        assert_eq!(
            marker_path(Shape::Circle, 10.0, 10.0, 4.0),
            "M6.0,10.0a4.0,4.0 0 1,0 8.0,0a4.0,4.0 0 1,0 -8.0,0"
        );
        assert_eq!(
            marker_path(Shape::Square, 10.0, 10.0, 5.0),
            "M5.5,5.5h9.0v9.0h-9.0z"
        );
        for s in [Shape::Triangle, Shape::Diamond] {
            let p = marker_path(s, 10.0, 10.0, 4.0);
            assert!(p.starts_with("M10.0,") && p.ends_with('z'), "{p}");
        }
    }
}
