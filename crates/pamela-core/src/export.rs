//! Table export shared by the command line and the browser.

/// One CSV cell: RFC 4180 quoting, and a leading `'` for text a spreadsheet would run as a
/// formula (`=`, `+`, `-`, `@` that is not a number), since exported cells may hold prompts.
pub fn csv_field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@']) && s.parse::<f64>().is_err() {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// An integer with thousands separators: 69904 -> "69,904".
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (k, c) in s.chars().enumerate() {
        if k > 0 && (s.len() - k).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A whole CSV document with a header row, lines ended by `\n`.
pub fn csv(header: &[String], rows: &[Vec<String>]) -> String {
    let mut out = String::new();
    for row in std::iter::once(header).chain(rows.iter().map(|r| r.as_slice())) {
        let cells: Vec<String> = row.iter().map(|c| csv_field(c)).collect();
        out += &cells.join(",");
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_are_separated() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(69_904), "69,904");
        assert_eq!(thousands(10_000_000), "10,000,000");
    }

    #[test]
    fn cells_are_quoted_and_formulas_defused() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=HYPERLINK(1)"), "'=HYPERLINK(1)");
        assert_eq!(csv_field("-0.25"), "-0.25");
        assert_eq!(
            csv(
                &["k".into(), "n".into()],
                &[vec!["x, y".into(), "3".into()]]
            ),
            "k,n\n\"x, y\",3\n"
        );
    }
}
