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

/// A number written for people ("−0.03", "+0.21", "69,904") as a plain ASCII number ("-0.03",
/// "0.21", "69904") that any CSV reader parses; anything that is not such a number is kept.
pub fn plain_number(s: &str) -> std::borrow::Cow<'_, str> {
    let t = s.trim();
    let looks = !t.is_empty()
        && t.chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | ',' | '-' | '+' | '\u{2212}'))
        && t.chars().any(|c| c.is_ascii_digit());
    if !looks {
        return s.into();
    }
    let mut out = t.replace('\u{2212}', "-");
    if let Some(rest) = out.strip_prefix('+') {
        out = rest.to_string();
    }
    // Thousands separators only between digit groups of three ("69,904", not "1,5").
    let grouped = out.split('.').next().is_some_and(|int| {
        let int = int.trim_start_matches('-');
        let parts: Vec<&str> = int.split(',').collect();
        parts.len() > 1
            && (1..=3).contains(&parts[0].len())
            && parts[1..].iter().all(|p| p.len() == 3)
    });
    if grouped {
        out = out.replace(',', "");
    }
    if out.parse::<f64>().is_ok() {
        out.into()
    } else {
        s.into()
    }
}

/// A whole CSV document with a header row, lines ended by `\n`. Numbers written for people
/// become plain ASCII numbers ([`plain_number`]), so the file parses as numbers anywhere.
pub fn csv(header: &[String], rows: &[Vec<String>]) -> String {
    let mut out = String::new();
    for row in std::iter::once(header).chain(rows.iter().map(|r| r.as_slice())) {
        let cells: Vec<String> = row.iter().map(|c| csv_field(&plain_number(c))).collect();
        out += &cells.join(",");
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_for_people_become_plain_ascii_numbers_and_text_stays() {
        for (shown, plain) in [
            ("\u{2212}0.03", "-0.03"),
            ("+0.21", "0.21"),
            ("-0.06", "-0.06"),
            ("69,904", "69904"),
            ("1,234,567", "1234567"),
            ("3.25", "3.25"),
            ("0", "0"),
        ] {
            assert_eq!(plain_number(shown), plain, "{shown}");
        }
        for text in [
            "",
            "landscape",
            "1,5",
            "p_5d2aeb40",
            "20-39",
            "(\u{2212}0.59)",
            "+",
            "−",
        ] {
            assert_eq!(plain_number(text), text, "{text} is kept");
        }
        let doc = csv(
            &["group".into(), "diff".into(), "n".into()],
            &[vec!["Art".into(), "\u{2212}0.03".into(), "12,034".into()]],
        );
        assert_eq!(doc, "group,diff,n\nArt,-0.03,12034\n");
    }

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
