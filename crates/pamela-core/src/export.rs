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

/// Appends `n` in decimal, without `core::fmt` (slow in the page's size-optimized build, and
/// the charts print thousands of numbers per redraw).
pub fn push_int(out: &mut String, n: i64) {
    if n < 0 {
        out.push('-');
    }
    let mut a = n.unsigned_abs();
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (a % 10) as u8;
        a /= 10;
        if a == 0 {
            break;
        }
    }
    for &d in &digits[i..] {
        out.push(d as char);
    }
}

/// Appends `x` with `decimals` decimals (0 to 4; more are taken as 4), by integer arithmetic.
/// This is the one fixed-point printer of the page and of the tables the core writes for
/// people: `format!("{:.2}", x)` would compile the standard library's exact float formatting
/// into the page (about 3 KB gzip) and is slower in a size-optimized build.
///
/// It differs from `{:.N}` in two deliberate ways: halves round away from zero (`{:.N}` rounds
/// the exact binary value, half to even), and a value that rounds to zero has no sign ("0.00",
/// never "-0.00"). Not a number prints as "NaN", infinities as "inf" and "-inf".
pub fn fixed(out: &mut String, x: f64, decimals: u32) {
    if x.is_nan() {
        out.push_str("NaN");
        return;
    }
    if x.is_infinite() {
        out.push_str(if x > 0.0 { "inf" } else { "-inf" });
        return;
    }
    let d = decimals.min(4);
    let scale = 10u64.pow(d);
    let a = x.abs();
    let (int, frac) = if a * (scale as f64) < 9e15 {
        let v = (a * scale as f64).round() as u64;
        (v / scale, v % scale)
    } else if a < 9e18 {
        // Too large to scale exactly: the whole part is exact, the fraction (if any) is
        // rounded on its own.
        let whole = a.trunc();
        let f = ((a - whole) * scale as f64).round() as u64;
        if f >= scale {
            (whole as u64 + 1, 0)
        } else {
            (whole as u64, f)
        }
    } else {
        // Beyond 9e18 every f64 is a whole number: its shortest decimal form is all digits.
        if x < 0.0 {
            out.push('-');
        }
        use std::fmt::Write;
        let _ = write!(out, "{a}");
        if d > 0 {
            out.push('.');
            out.extend(std::iter::repeat_n('0', d as usize));
        }
        return;
    };
    if x < 0.0 && (int, frac) != (0, 0) {
        out.push('-');
    }
    push_int(out, int as i64);
    if d > 0 {
        out.push('.');
        // `scale + frac` is a 1 and exactly `d` digits (the fraction's leading zeros
        // included): write it and drop the 1.
        let at = out.len();
        push_int(out, (scale + frac) as i64);
        out.remove(at);
    }
}

/// [`fixed`] as a value to format: `format!("mean {}", Fixed(m, 2))`.
#[derive(Clone, Copy, Debug)]
pub struct Fixed(pub f64, pub u32);

impl std::fmt::Display for Fixed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut s = String::with_capacity(12);
        fixed(&mut s, self.0, self.1);
        f.write_str(&s)
    }
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

/// The columns of [`ratings_csv`].
pub const RATING_COLUMNS: [&str; 14] = [
    "participant_id",
    "age",
    "age_binned",
    "gender",
    "nationality",
    "image_id",
    "image_path",
    "type",
    "group",
    "style",
    "prompt",
    "split",
    "original_score",
    "quality_label",
];

fn split_of(ds: &crate::Dataset, r: usize) -> &'static str {
    crate::Split::ALL
        .get(ds.ratings.split[r] as usize)
        .map_or("?", |s| s.name())
}

/// The ratings `c` selects, one row per rating with the rater's demographics and the image's
/// metadata (one column per value, [`RATING_COLUMNS`]), in the store's order: what a student
/// needs to redo an analysis one rating (or, grouped, one person) at a time.
pub fn ratings_csv(ds: &crate::Dataset, c: &crate::Compiled) -> String {
    let mut out = RATING_COLUMNS.join(",");
    out.push('\n');
    for r in (0..ds.ratings.len()).filter(|&r| c.keeps(ds, r)) {
        let rec = ds.record(r);
        let cells = [
            rec.participant_id,
            rec.user_demographics.age.to_string(),
            rec.user_demographics.age_binned,
            rec.user_demographics.gender,
            rec.user_demographics.nationality,
            rec.image_id.to_string(),
            rec.image_path,
            rec.image_metadata.kind,
            rec.image_metadata.group,
            rec.image_metadata.style.unwrap_or_default(),
            rec.image_metadata.prompt,
            split_of(ds, r).to_string(),
            format!("{}", rec.original_score),
            rec.quality_label.name().to_string(),
        ];
        let cells: Vec<String> = cells.iter().map(|v| csv_field(v)).collect();
        out += &cells.join(",");
        out.push('\n');
    }
    out
}

/// A JSON string literal (quotes, backslashes and control characters escaped).
fn json_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Rating `r` as one line of JSON: the published record (the split files' shape, field for
/// field) with its `split` added. Written by hand so that the app, which writes these, does not
/// compile serde_json; a test reads every line back with serde_json into a [`crate::Record`].
pub fn record_json(ds: &crate::Dataset, r: usize) -> String {
    let rec = ds.record(r);
    let mut o = String::with_capacity(400);
    o.push_str("{\"image_path\":");
    json_str(&mut o, &rec.image_path);
    o.push_str(&format!(
        ",\"image_id\":{},\"participant_id\":",
        rec.image_id
    ));
    json_str(&mut o, &rec.participant_id);
    o.push_str(",\"image_metadata\":{\"group\":");
    json_str(&mut o, &rec.image_metadata.group);
    o.push_str(",\"style\":");
    match &rec.image_metadata.style {
        Some(s) => json_str(&mut o, s),
        None => o.push_str("null"),
    }
    o.push_str(",\"category\":");
    json_str(&mut o, &rec.image_metadata.category);
    o.push_str(",\"prompt\":");
    json_str(&mut o, &rec.image_metadata.prompt);
    o.push_str(",\"type\":");
    json_str(&mut o, &rec.image_metadata.kind);
    let d = &rec.user_demographics;
    o.push_str(&format!(
        "}},\"user_demographics\":{{\"age\":{},\"age_binned\":",
        d.age
    ));
    json_str(&mut o, &d.age_binned);
    o.push_str(",\"gender\":");
    json_str(&mut o, &d.gender);
    o.push_str(",\"nationality\":");
    json_str(&mut o, &d.nationality);
    o.push_str("},\"quality_label\":");
    json_str(&mut o, rec.quality_label.name());
    o.push_str(&format!(
        ",\"original_score\":{},\"split\":",
        rec.original_score
    ));
    json_str(&mut o, split_of(ds, r));
    o.push('}');
    o
}

/// The same ratings as JSON Lines ([`record_json`] per line).
pub fn ratings_jsonl(ds: &crate::Dataset, c: &crate::Compiled) -> String {
    let mut out = String::new();
    for r in (0..ds.ratings.len()).filter(|&r| c.keeps(ds, r)) {
        out += &record_json(ds, r);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_point_printing_matches_the_standard_formatting_but_for_halves_and_signless_zero() {
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
    fn fixed_point_printing_handles_the_edges() {
        let p = |x: f64, d: u32| {
            let mut s = String::new();
            fixed(&mut s, x, d);
            s
        };
        assert_eq!(p(f64::NAN, 2), "NaN");
        assert_eq!(p(f64::INFINITY, 1), "inf");
        assert_eq!(p(f64::NEG_INFINITY, 0), "-inf");
        assert_eq!(p(1e20, 2), "100000000000000000000.00");
        assert_eq!(p(-1e20, 0), "-100000000000000000000");
        assert_eq!(p(123456789012.25, 4), "123456789012.2500");
        assert_eq!(p(4503599627370495.5, 1), "4503599627370495.5");
        assert_eq!(p(0.99996, 4), "1.0000");
        assert_eq!(p(2.5, 9), "2.5000");
        assert_eq!(
            format!("[{}, {}]", Fixed(0.125, 2), Fixed(-3.0, 0)),
            "[0.13, -3]"
        );
    }

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

    #[test]
    fn the_selected_ratings_export_one_row_per_rating_that_reads_back() {
        let ds = crate::bundle::decode(include_bytes!("../../../www/data/pamela-synthetic.pamb"))
            .unwrap();
        let female = (0..ds.dicts.genders.len() as u16)
            .find(|&g| ds.dicts.genders.get(g) == "female")
            .unwrap();
        let f = crate::Filter::default().with(crate::Dim::Gender, vec![female]);
        let c = crate::Compiled::new(&ds, &f);
        let n = (0..ds.ratings.len()).filter(|&r| c.keeps(&ds, r)).count();
        let csv = ratings_csv(&ds, &c);
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines.len(), n + 1);
        assert_eq!(lines[0], RATING_COLUMNS.join(","));
        assert!(
            lines[1..].iter().all(|l| l.contains(",female,")),
            "only the selection"
        );
        let jsonl = ratings_jsonl(&ds, &c);
        assert_eq!(jsonl.lines().count(), n);
        // Each line is a published record: the loader's own parser reads it back, split and all.
        let kept: Vec<usize> = (0..ds.ratings.len()).filter(|&r| c.keeps(&ds, r)).collect();
        for (line, &r) in jsonl.lines().zip(&kept) {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            let rec: crate::Record = serde_json::from_value(v.clone()).unwrap();
            assert_eq!(rec, ds.record(r));
            let split = crate::Split::ALL[ds.ratings.split[r] as usize];
            assert_eq!(
                crate::Split::from_name(v["split"].as_str().unwrap()),
                Some(split)
            );
        }
    }

    #[test]
    fn record_json_escapes_what_json_must() {
        let mut s = String::new();
        json_str(&mut s, "a \"quoted\" \\ line\nand\ttab \u{1}");
        assert_eq!(s, r#""a \"quoted\" \\ line\nand\ttab \u0001""#);
        let back: String = serde_json::from_str(&s).unwrap();
        assert_eq!(back, "a \"quoted\" \\ line\nand\ttab \u{1}");
    }
}
