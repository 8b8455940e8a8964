//! Numbers as the charts print them.

pub use pamela_core::export::thousands;

/// `x` with `decimals` (0 to 4) decimals, by integer arithmetic: the charts print thousands of
/// numbers per redraw, and float formatting is the slow part of that in wasm. Rounds halves
/// away from zero.
pub fn fixed(out: &mut String, x: f64, decimals: u32) {
    use std::fmt::Write;
    let scale = 10i64.pow(decimals.min(4));
    let v = (x * scale as f64).round();
    if !v.is_finite() || v.abs() > 9e15 {
        let _ = write!(out, "{x:.*}", decimals as usize);
        return;
    }
    let v = v as i64;
    if v < 0 {
        out.push('-');
    }
    let a = v.unsigned_abs() as i64;
    super::svg::push_int(out, a / scale);
    if decimals > 0 {
        out.push('.');
        // `scale + frac` is a 1 and exactly `decimals` digits (the fraction's leading zeros
        // included): write it and drop the 1.
        let at = out.len();
        super::svg::push_int(out, scale + a % scale);
        out.remove(at);
    }
}

/// A score or mean: two decimals.
pub fn score(x: f64) -> String {
    if !x.is_finite() {
        return "–".into();
    }
    let mut s = String::with_capacity(6);
    fixed(&mut s, x, 2);
    s
}

/// A difference with its sign: "+0.12", "−0.08" (a true minus sign), "0.00".
pub fn signed(x: f64) -> String {
    if !x.is_finite() {
        return "–".into();
    }
    let r = (x * 100.0).round();
    let mut s = String::with_capacity(8);
    if r > 0.0 {
        s.push('+');
    } else if r < 0.0 {
        s.push('−');
    } else {
        return "0.00".into();
    }
    fixed(&mut s, x.abs(), 2);
    s
}

/// "4,210 ratings · 41 people": what every figure rests on.
pub fn counts(n: u64, people: u64) -> String {
    format!(
        "{} rating{} · {} {}",
        thousands(n),
        if n == 1 { "" } else { "s" },
        thousands(people),
        if people == 1 { "person" } else { "people" }
    )
}

/// Which interval a figure shows, in words.
pub fn interval_kind(independent: bool) -> &'static str {
    if independent {
        "if ratings were independent"
    } else {
        "counting people"
    }
}

/// A 95% interval in words, or why there is none ("no interval: 3 people; at least 5 needed").
pub fn interval_text(
    lo: f64,
    hi: f64,
    independent: bool,
    why: Option<String>,
    fmt: fn(f64) -> String,
) -> String {
    if lo.is_finite() && hi.is_finite() {
        format!(
            "95% CI {}–{} {}",
            fmt(lo),
            fmt(hi),
            interval_kind(independent)
        )
    } else {
        format!(
            "no interval: {}",
            why.unwrap_or_else(|| "too few ratings".into())
        )
    }
}

/// "mean 3.21 (95% CI 3.15–3.27 counting people), 4,210 ratings · 41 people"
pub fn mean_ci(s: &pamela_core::Summary, independent: bool) -> String {
    if s.n == 0 {
        return "no ratings".to_string();
    }
    let (lo, hi) = s.interval(independent);
    let why = (!independent)
        .then(|| s.no_interval().map(|w| w.to_string()))
        .flatten();
    format!(
        "mean {} ({}), {}",
        score(s.mean),
        interval_text(lo, hi, independent, why, score),
        counts(s.n, s.people)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_matches_the_standard_formatting() {
        for &x in &[
            0.0, 0.04, 0.05, 0.95, 1.005, 2.675, -0.04, -0.06, -1.25, 3.14158, 12345.678, -0.0,
        ] {
            for d in 0..=3u32 {
                let mut s = String::new();
                fixed(&mut s, x, d);
                let want = format!("{:.*}", d as usize, x);
                // Halves may round differently (away from zero vs to even); allow only that.
                let close = (s.parse::<f64>().unwrap() - want.parse::<f64>().unwrap()).abs()
                    <= 10f64.powi(-(d as i32)) + 1e-12;
                assert!(close, "{x} with {d}: {s} vs {want}");
            }
        }
        // Away from halves, exactly equal (leading zeros of the fraction included).
        for i in -3000..3000 {
            let x = i as f64 * 0.0173 + 0.00011;
            for d in 0..=3u32 {
                let scaled = x * 10f64.powi(d as i32);
                if (scaled.fract().abs() - 0.5).abs() < 1e-3 {
                    continue;
                }
                let mut s = String::new();
                fixed(&mut s, x, d);
                let want = format!("{:.*}", d as usize, x);
                let want = if want.trim_start_matches(['-', '0', '.']).is_empty() {
                    want.trim_start_matches('-').to_string() // no "-0.0"
                } else {
                    want
                };
                assert_eq!(s, want, "{x} with {d}");
            }
        }
        let mut s = String::new();
        fixed(&mut s, -0.04, 1);
        assert_eq!(s, "0.0");
        s.clear();
        fixed(&mut s, -0.06, 1);
        assert_eq!(s, "-0.1");
    }

    #[test]
    fn numbers_print_as_expected() {
        assert_eq!(score(3.2149), "3.21");
        assert_eq!(score(f64::NAN), "–");
        assert_eq!(signed(0.123), "+0.12");
        assert_eq!(signed(-0.081), "−0.08");
        assert_eq!(signed(-0.001), "0.00");
        assert_eq!(counts(1, 1), "1 rating · 1 person");
        assert_eq!(counts(4210, 41), "4,210 ratings · 41 people");
        assert_eq!(
            interval_text(3.15, 3.27, false, None, score),
            "95% CI 3.15–3.27 counting people"
        );
        assert_eq!(
            interval_text(f64::NAN, f64::NAN, false, Some("3 people".into()), score),
            "no interval: 3 people"
        );
    }
}
