//! What an exported chart or table says about itself, so that it stands alone on a slide or in
//! a folder: the view's title, the filters and cohorts in words, how many ratings and people it
//! rests on, which interval is drawn, the data's source (with a visible "synthetic sample" mark
//! when it is one), and the legend. Pure: the card gathers the parts from the page
//! (`dom::export_svg`, `dom::export_png`, the CSV button) and this module writes them.
//!
//! SVG and PNG: the chart as it is on the screen, framed by a header (title, then one line each
//! for filters, cohorts, counts and interval, then the source) and a footer (the legend's
//! entries, each with its marker or swatch). CSV: the same lines first, each starting with `# `
//! (read with `pandas.read_csv(f, comment="#")` or R's `read.csv(f, comment.char = "#")`), then
//! the table. File names say the view and the filters (`pamela-means-group-gender-female.csv`).

use crate::charts::format::Fixed;
use crate::charts::svg::esc;

/// One legend entry: how its mark looks, and its words.
#[derive(Debug, Clone, PartialEq)]
pub enum Mark {
    /// A filled rectangle (a bar, a heat cell, a band) in this CSS colour.
    Swatch(String),
    /// A small SVG drawing (a marker), already standalone markup, 12 × 12.
    Svg(String),
    /// No mark (a line of the legend that is words only).
    None,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LegendEntry {
    pub mark: Mark,
    pub label: String,
}

/// The context of an export.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Context {
    /// The view's title as on the page.
    pub title: String,
    /// The filters in words (empty: all ratings).
    pub filters: Vec<String>,
    /// Cohorts A and B in words, for views that compare them.
    pub cohorts: Option<(String, String)>,
    pub ratings: u64,
    pub people: u64,
    /// Which interval the view draws, in words.
    pub interval: String,
    /// The data's source, as the badge says it.
    pub source: String,
    pub synthetic: bool,
    /// The query string of the filters (for the file name), e.g. `gender=female&age=20-39`.
    pub filter_query: String,
}

/// The words of the synthetic mark.
pub const SYNTHETIC_MARK: &str = "SYNTHETIC SAMPLE: invented ratings, not findings about people";

impl Context {
    /// The header's lines after the title.
    pub fn lines(&self) -> Vec<String> {
        let mut out = Vec::new();
        out.push(if self.filters.is_empty() {
            "Filters: none (all ratings)".to_string()
        } else {
            format!("Filters: {}", self.filters.join("; "))
        });
        if let Some((a, b)) = &self.cohorts {
            out.push(format!("Cohort A: {a}. Cohort B: {b}."));
        }
        out.push(format!(
            "{} ratings · {} people selected",
            pamela_core::export::thousands(self.ratings),
            pamela_core::export::thousands(self.people)
        ));
        if !self.interval.is_empty() {
            out.push(format!("Intervals: {}", self.interval));
        }
        out.push(format!("Source: {}", self.source));
        out
    }

    /// The CSV's first lines: title, then [`Context::lines`], each as a `# ` comment.
    pub fn csv_preamble(&self) -> String {
        let mut s = format!("# PAMELA Explorer: {}\n", one_line(&self.title));
        if self.synthetic {
            s.push_str(&format!("# {SYNTHETIC_MARK}\n"));
        }
        for l in self.lines() {
            s.push_str(&format!("# {}\n", one_line(&l)));
        }
        s
    }

    /// `pamela-{view}-{filters}.{ext}`, in lower-case ASCII letters, digits and dashes.
    pub fn file_name(&self, view: &str, ext: &str) -> String {
        let filters = slug(&self.filter_query);
        let filters = if filters.is_empty() {
            "all".to_string()
        } else {
            filters
        };
        format!("pamela-{}-{filters}.{ext}", slug(view))
    }
}

fn one_line(s: &str) -> String {
    s.replace(['\n', '\r'], " ")
}

/// Lower-case ASCII letters and digits, other runs as one dash, at most 80 characters.
pub fn slug(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    if out.len() > 80 {
        out.truncate(80);
        while out.ends_with('-') {
            out.pop();
        }
    }
    out
}

const PAD: f64 = 12.0;
const TITLE: f64 = 18.0;
const LINE: f64 = 16.0;
const FONT: &str = "font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif";

/// Characters of `size`-px text that fit in `w` px (a conservative average glyph width).
fn fits(w: f64, size: f64) -> usize {
    ((w / (size * 0.56)).floor() as usize).max(20)
}

/// Breaks `s` into lines of at most `n` characters at spaces.
fn wrap(s: &str, n: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut line = String::new();
    for word in s.split(' ') {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > n {
            out.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        out.push(line);
    }
    out
}

/// The chart `chart` (a standalone `<svg>` of `w` × `h` px, XML declaration allowed) framed by
/// the context and the legend: one standalone SVG document, and its size.
pub fn framed_svg(
    ctx: &Context,
    legend: &[LegendEntry],
    chart: &str,
    w: f64,
    h: f64,
) -> (String, f64, f64) {
    let chart = chart
        .trim_start()
        .strip_prefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>")
        .unwrap_or(chart)
        .trim_start();
    let width = w.max(360.0);
    let n13 = fits(width - 2.0 * PAD, 13.0);
    let mut body = String::new();
    let mut y = PAD;
    let text = |body: &mut String, y: &mut f64, s: &str, size: f64, style: &str| {
        *y += size + 3.0;
        body.push_str(&format!(
            "<text x=\"{PAD}\" y=\"{}\" style=\"{FONT};font-size:{size}px;{style}\">{}</text>",
            Fixed(*y, 1),
            esc(s)
        ));
    };
    for l in wrap(&ctx.title, fits(width - 2.0 * PAD, TITLE)) {
        text(
            &mut body,
            &mut y,
            &l,
            TITLE - 2.0,
            "font-weight:700;fill:#111",
        );
    }
    if ctx.synthetic {
        y += 4.0;
        body.push_str(&format!(
            "<rect x=\"{PAD}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#fde8e8\" stroke=\"#b42318\"/>",Fixed(y, 1),Fixed(width - 2.0 * PAD, 1),Fixed(LINE + 6.0, 1)));
        y += 2.0;
        text(
            &mut body,
            &mut y,
            SYNTHETIC_MARK,
            13.0,
            "font-weight:700;fill:#b42318",
        );
        y += 6.0;
    }
    for l in ctx.lines() {
        for part in wrap(&l, n13) {
            text(&mut body, &mut y, &part, 13.0, "fill:#333");
        }
    }
    y += PAD;
    let top = y;
    body.push_str(&format!(
        "<g transform=\"translate(0,{top_1})\">{chart}</g>",
        top_1 = Fixed(top, 1)
    ));
    y += h + PAD;
    if !legend.is_empty() {
        text(&mut body, &mut y, "Key", 13.0, "font-weight:700;fill:#111");
        for e in legend {
            let lines = wrap(&e.label, fits(width - 2.0 * PAD - 20.0, 13.0));
            y += 4.0;
            let mark_y = y + 2.0;
            match &e.mark {
                Mark::Swatch(c) => body.push_str(&format!(
                    "<rect x=\"{PAD}\" y=\"{mark_y_1}\" width=\"12\" height=\"12\" style=\"fill:{}\"/>",
                    esc(c)
                , mark_y_1 = Fixed(mark_y, 1))),
                Mark::Svg(svg) => body.push_str(&format!(
                    "<g transform=\"translate({PAD},{mark_y_1})\">{svg}</g>"
                , mark_y_1 = Fixed(mark_y, 1))),
                Mark::None => {}
            }
            for l in lines {
                y += 13.0 + 3.0;
                body.push_str(&format!(
                    "<text x=\"{}\" y=\"{y_1}\" style=\"{FONT};font-size:13px;fill:#333\">{}</text>",Fixed(PAD + 20.0, 1),
                    esc(&l)
                , y_1 = Fixed(y, 1)));
            }
        }
        y += PAD;
    }
    let height = y.ceil();
    let doc =
        format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" \
         width=\"{width_0}\" height=\"{height_0}\" viewBox=\"0 0 {width_0} {height_0}\">\
         <title>{}</title><rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>{body}</svg>",
        esc(&ctx.title)
    , width_0 = Fixed(width, 0), height_0 = Fixed(height, 0));
    (doc, width, height)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> Context {
        Context {
            title: "Mean score by visual group".into(),
            filters: vec!["gender: female".into(), "age: 20–39".into()],
            cohorts: Some(("gender: female".into(), "gender: male".into())),
            ratings: 12_345,
            people: 67,
            interval: "95%, clustered by participant (CR2)".into(),
            source: "Synthetic sample generated to the PAMELA card's counts".into(),
            synthetic: true,
            filter_query: "gender=female&age=20-39".into(),
        }
    }

    #[test]
    fn an_export_says_what_it_shows_and_where_it_comes_from() {
        let lines = ctx().lines();
        assert_eq!(lines[0], "Filters: gender: female; age: 20–39");
        assert_eq!(
            lines[1],
            "Cohort A: gender: female. Cohort B: gender: male."
        );
        assert_eq!(lines[2], "12,345 ratings · 67 people selected");
        assert!(lines[3].starts_with("Intervals: 95%"));
        assert!(lines[4].starts_with("Source: Synthetic"));
        let none = Context {
            filters: vec![],
            cohorts: None,
            ..ctx()
        };
        assert_eq!(none.lines()[0], "Filters: none (all ratings)");
    }

    #[test]
    fn a_csv_preamble_is_comment_lines_a_reader_can_skip() {
        let p = ctx().csv_preamble();
        assert!(p.lines().all(|l| l.starts_with("# ")), "{p}");
        assert!(p.contains(SYNTHETIC_MARK));
        let real = Context {
            synthetic: false,
            title: "a\nb".into(),
            ..ctx()
        };
        assert!(!real.csv_preamble().contains("SYNTHETIC"));
        assert!(real.csv_preamble().starts_with("# PAMELA Explorer: a b\n"));
    }

    #[test]
    fn file_names_say_the_view_and_the_filters() {
        assert_eq!(
            ctx().file_name("means-group", "csv"),
            "pamela-means-group-gender-female-age-20-39.csv"
        );
        let all = Context {
            filter_query: String::new(),
            ..ctx()
        };
        assert_eq!(all.file_name("heatmap", "svg"), "pamela-heatmap-all.svg");
        let odd = Context {
            filter_query: "nationality=Korea%2C+Republic+of&x=../../etc".into(),
            ..ctx()
        };
        let n = odd.file_name("cohorts", "png");
        assert!(
            n.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.'),
            "{n}"
        );
        assert!(n.len() < 100);
    }

    #[test]
    fn the_framed_svg_holds_the_title_the_mark_the_chart_and_the_legend_escaped() {
        let legend = [
            LegendEntry {
                mark: Mark::Swatch("rgb(230, 120, 20)".into()),
                label: "above the row <mean>".into(),
            },
            LegendEntry {
                mark: Mark::Svg("<path d=\"M0 0h12v12z\" fill=\"#06c\"/>".into()),
                label: "female".into(),
            },
            LegendEntry {
                mark: Mark::None,
                label: "no line: fewer than 5 people".into(),
            },
        ];
        let chart = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"600\" height=\"300\"><rect class=\"bar\"/></svg>";
        let (doc, w, h) = framed_svg(&ctx(), &legend, chart, 600.0, 300.0);
        assert_eq!(w, 600.0);
        assert!(h > 300.0 + 100.0, "header and key add room: {h}");
        assert_eq!(doc.matches("<?xml").count(), 1, "one declaration");
        for s in [
            "Mean score by visual group",
            SYNTHETIC_MARK,
            "Cohort A: gender: female",
            "12,345 ratings · 67 people",
            "Source: Synthetic",
            "<rect class=\"bar\"/>",
            "above the row &lt;mean&gt;",
            "fill:rgb(230, 120, 20)",
            "fill=\"#06c\"",
            "female",
            "fewer than 5 people",
        ] {
            assert!(doc.contains(s), "{s} missing in {doc}");
        }
        // Well formed: every element opened is closed (the renderer's own parser reads it).
        assert!(crate::charts::patch::diff(&doc, &doc).is_some(), "{doc}");
    }

    #[test]
    fn long_lines_wrap_to_the_width() {
        let long = Context {
            filters: vec!["nationality: ".to_string() + &"Korea, Republic of; ".repeat(20)],
            ..ctx()
        };
        let (doc, _, _) = framed_svg(&long, &[], "<svg/>", 400.0, 100.0);
        assert!(doc.matches("<text").count() > 8, "{doc}");
    }
}
