//! A minimal SVG markup writer. Charts are rendered to one string and set as the `<svg>`'s
//! content in a single DOM call: building thousands of marks node by node through wasm
//! bindings cost ~60 ms per filter change; one parse by the browser costs a few.
//!
//! Every attribute value and every text goes through [`esc`], so data from a loaded file (a
//! group name, a prompt) is always text, never markup.

/// Escapes text for use inside an element or a double- or single-quoted attribute.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    esc_into(&mut out, s);
    out
}

/// [`esc`], appending to `out` (the markup writer's path: no string per value).
pub fn esc_into(out: &mut String, s: &str) {
    // Runs of ordinary bytes are copied whole; every special character is ASCII, so a byte
    // position found here is always a character boundary.
    let b = s.as_bytes();
    let mut start = 0;
    for (i, &c) in b.iter().enumerate() {
        let rep = match c {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&#39;",
            // Control characters have no place in markup (and some are invalid in XML).
            c if c < 0x20 && c != b'\n' && c != b'\t' => " ",
            _ => continue,
        };
        out.push_str(&s[start..i]);
        out.push_str(rep);
        start = i + 1;
    }
    out.push_str(&s[start..]);
}

pub use pamela_core::export::push_int;

/// An attribute value: text or a number (printed with one decimal).
pub enum V<'a> {
    S(&'a str),
    N(f64),
    I(i64),
}

impl<'a> From<&'a str> for V<'a> {
    fn from(s: &'a str) -> Self {
        V::S(s)
    }
}
impl<'a> From<&'a String> for V<'a> {
    fn from(s: &'a String) -> Self {
        V::S(s.as_str())
    }
}
impl From<f64> for V<'_> {
    fn from(x: f64) -> Self {
        V::N(x)
    }
}
impl From<usize> for V<'_> {
    fn from(x: usize) -> Self {
        V::I(x as i64)
    }
}
impl From<i32> for V<'_> {
    fn from(x: i32) -> Self {
        V::I(x as i64)
    }
}

#[derive(Default)]
pub struct Markup {
    buf: String,
    breaks: Vec<usize>,
}

impl Markup {
    pub fn new() -> Markup {
        Markup {
            buf: String::with_capacity(16 * 1024),
            breaks: Vec::new(),
        }
    }

    /// Ends a layer: the chart's parts that change together (axes, marks) are redrawn
    /// separately, so a new tick on an axis does not force the marks to be parsed again.
    pub fn layer(&mut self) -> &mut Self {
        self.breaks.push(self.buf.len());
        self
    }

    /// The markup cut at each [`Markup::layer`] call (the last layer runs to the end).
    pub fn finish_layers(self) -> Vec<String> {
        let mut out = Vec::with_capacity(self.breaks.len() + 1);
        let mut start = 0;
        for &b in &self.breaks {
            out.push(self.buf[start..b].to_string());
            start = b;
        }
        out.push(self.buf[start..].to_string());
        out
    }

    fn attrs(&mut self, attrs: &[(&str, V)]) {
        for (k, v) in attrs {
            self.buf.push(' ');
            self.buf.push_str(k);
            self.buf.push_str("=\"");
            match v {
                V::S(s) => esc_into(&mut self.buf, s),
                V::N(x) if x.is_finite() => super::format::fixed(&mut self.buf, *x, 1),
                V::N(_) => self.buf.push('0'),
                V::I(i) => push_int(&mut self.buf, *i),
            }
            self.buf.push('"');
        }
    }

    /// `<tag a="v" .../>`
    pub fn empty(&mut self, tag: &str, attrs: &[(&str, V)]) -> &mut Self {
        self.buf.push('<');
        self.buf.push_str(tag);
        self.attrs(attrs);
        self.buf.push_str("/>");
        self
    }

    /// `<tag a="v" ...>`; close it with [`Markup::close`].
    pub fn open(&mut self, tag: &str, attrs: &[(&str, V)]) -> &mut Self {
        self.buf.push('<');
        self.buf.push_str(tag);
        self.attrs(attrs);
        self.buf.push('>');
        self
    }

    pub fn close(&mut self, tag: &str) -> &mut Self {
        self.buf.push_str("</");
        self.buf.push_str(tag);
        self.buf.push('>');
        self
    }

    /// Inserts markup made by another `Markup` (already escaped).
    pub fn raw(&mut self, markup: &str) -> &mut Self {
        self.buf.push_str(markup);
        self
    }

    pub fn text(&mut self, s: &str) -> &mut Self {
        esc_into(&mut self.buf, s);
        self
    }

    /// `<tag attrs>text</tag>`
    pub fn el(&mut self, tag: &str, attrs: &[(&str, V)], text: &str) -> &mut Self {
        self.open(tag, attrs).text(text).close(tag)
    }

    /// A `<title>` (the hover tooltip) for the element just opened.
    pub fn title(&mut self, s: &str) -> &mut Self {
        self.el("title", &[], s)
    }

    pub fn finish(self) -> String {
        self.buf
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_in_data_is_escaped_everywhere() {
        let evil = "<img src=x onerror=\"alert(1)\"> & 'q'";
        let mut m = Markup::new();
        m.open("g", &[("aria-label", V::S(evil)), ("data-k", V::I(3))])
            .title(evil)
            .el("text", &[("x", V::N(1.25))], evil)
            .close("g");
        let s = m.finish();
        assert!(!s.contains("<img"), "{s}");
        assert!(!s.contains("\"alert"), "{s}");
        assert!(s.contains("&lt;img src=x onerror=&quot;alert(1)&quot;&gt; &amp; &#39;q&#39;"));
        assert!(s.starts_with("<g aria-label=\""));
        assert!(s.contains(" x=\"1.2\"") || s.contains(" x=\"1.3\""));
        assert!(s.ends_with("</g>"));
    }

    #[test]
    fn non_finite_numbers_do_not_reach_the_markup() {
        let mut m = Markup::new();
        m.empty("circle", &[("cx", V::N(f64::NAN)), ("r", V::N(4.0))]);
        assert_eq!(m.finish(), "<circle cx=\"0\" r=\"4.0\"/>");
        assert_eq!(esc("a\u{1}b"), "a b");
    }

    #[test]
    fn escaping_keeps_other_characters_and_integers_print_exactly() {
        assert_eq!(
            esc("été <b> ünïcode & \"x\""),
            "été &lt;b&gt; ünïcode &amp; &quot;x&quot;"
        );
        assert_eq!(esc(""), "");
        for n in [0i64, 7, -7, 10, 1234567890, i64::MIN, i64::MAX] {
            let mut s = String::new();
            push_int(&mut s, n);
            assert_eq!(s, n.to_string());
        }
    }
}
