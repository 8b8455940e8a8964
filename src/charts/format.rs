//! Numbers as the charts print them.

pub use pamela_core::export::{fixed, thousands, Fixed};

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
