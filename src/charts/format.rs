//! Numbers as the charts print them.

pub use pamela_core::export::thousands;

/// A score or mean: two decimals.
pub fn score(x: f64) -> String {
    if x.is_finite() { format!("{x:.2}") } else { "–".into() }
}

/// A difference with its sign: "+0.12", "−0.08" (a true minus sign), "0.00".
pub fn signed(x: f64) -> String {
    if !x.is_finite() {
        return "–".into();
    }
    let r = (x * 100.0).round() / 100.0;
    if r > 0.0 {
        format!("+{r:.2}")
    } else if r < 0.0 {
        format!("−{:.2}", -r)
    } else {
        "0.00".into()
    }
}

/// "mean 3.21 (95% CI 3.15–3.27), n 4,210"
pub fn mean_ci(mean: f64, lo: f64, hi: f64, n: u64) -> String {
    format!("mean {} (95% CI {}–{}), n {}", score(mean), score(lo), score(hi), thousands(n))
}

/// Shortens a label to `max` characters with an ellipsis.
pub fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        s.chars().take(max.saturating_sub(1)).collect::<String>() + "…"
    }
}

/// A style identifier as people read it: `Art_Nouveau_Modern` -> "Art Nouveau Modern".
pub fn humanize(s: &str) -> String {
    s.replace('_', " ")
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
        assert_eq!(mean_ci(3.21, 3.15, 3.27, 4210), "mean 3.21 (95% CI 3.15–3.27), n 4,210");
        assert_eq!(clip("flower painting", 8), "flower …");
        assert_eq!(humanize("Art_Nouveau_Modern"), "Art Nouveau Modern");
    }
}
