//! Redraw by patching: when a chart's new markup has the same elements as the old (the usual
//! case for a filter change: same rows, same cells, new numbers), only the attributes and texts
//! that differ are written to the live DOM, instead of parsing the whole chart again.
//!
//! Why strings and not keyed leptos views: measured side by side (`tests/e2e/compare.mjs`, one
//! build each way, 300 filter changes), the means chart as keyed views whose attributes follow
//! signals made a filter change to every view 17% slower at p50 (19.8 vs 16.9 ms) and the page's
//! wasm 11.5 KB larger (gzip). The numbers chose this module; the README has them.
//!
//! # Contract
//!
//! * Input: markup as [`super::svg::Markup`] writes it: elements with double-quoted attributes,
//!   text escaped by [`super::svg::esc`], no comments, and text only in elements without child
//!   elements. Anything else makes [`diff`] answer `None`.
//! * [`diff`]`(old, new)` is `None` when the two do not have the same elements (same tags, same
//!   nesting, in document order); the caller then redraws in full.
//! * Otherwise it is the list of [`Patch`]es, each naming an element by its index in document
//!   order, such that applying them to a DOM built from `old` gives the DOM of `new`: every
//!   attribute of `new` that differs or is missing is set (unescaped), every attribute of `old`
//!   that `new` lacks is removed, and every text that differs is replaced (unescaped). The
//!   property test below checks exactly this on markup the renderers produce from random data,
//!   with an independent reader of the markup; `fuzz/fuzz_targets/chart_patch.rs` feeds the
//!   parser arbitrary bytes.
//! * It never panics, on any input.
//!
//! Identity is position: a patched element keeps its place, so renderers that re-sort write
//! each mark's id from what it stands for (see [`super::render::DotRow::key`]) and focus is
//! restored by id after a redraw.
//!
//! # Cost
//!
//! A redraw reads only the new markup: the live chart keeps its last markup read
//! ([`Parsed`]: spans into the string, all elements in one list and all attributes in another,
//! so two allocations however large the chart), and [`diff_parsed`] gives the same patches as
//! [`diff`]. The patches cross to the page as a [`Batch`] (numbers in one array, names and values
//! each in one string), which the applier in `components/chart_svg.rs` splits once. In a CPU
//! profile of 100 filter changes (`tests/e2e/profile.mjs`) the two cut the applier's own time
//! from 3.3-4.0 to 2.1-3.0 ms a change and the reading from 1.6 to 1.2 ms; end to end, four
//! interleaved runs of `tests/e2e/compare.mjs` gave 0.90 to 1.00 of the time before: within the
//! shared machine's noise. The DOM writes themselves (about 2,300 a change) are most of the rest.

use std::borrow::Cow;

/// A span of the markup (byte offsets: start, end).
type Span = (u32, u32);

/// One element of a markup string, in document order, as spans of that string (so that a read
/// markup can be kept beside its string without borrowing it).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Elem {
    tag: Span,
    /// Its attributes: `attrs[first..end]` of the [`Tree`].
    first: u32,
    end: u32,
    /// Escaped text directly inside the element, before any child element.
    text: Span,
    /// Whether the element has child elements.
    parent: bool,
}

/// The elements of a markup string and their attributes (name span, value span), in one list
/// each: two allocations per markup, however many elements.
#[derive(Debug, Clone, Default, PartialEq)]
struct Tree {
    elems: Vec<Elem>,
    attrs: Vec<(Span, Span)>,
}

fn at(s: &str, (a, b): Span) -> &str {
    &s[a as usize..b as usize]
}

/// Position of the first `byte` at or after `from` (a plain loop: `str::find` with a pattern
/// is several times slower in wasm).
fn find_byte(b: &[u8], from: usize, byte: u8) -> Option<usize> {
    b[from..].iter().position(|&c| c == byte).map(|p| from + p)
}

fn parse(s: &str) -> Option<Tree> {
    let b = s.as_bytes();
    // Offsets are kept in 32 bits; a chart is never near 4 GB.
    if b.len() >= u32::MAX as usize {
        return None;
    }
    let sp = |a: usize, z: usize| (a as u32, z as u32);
    let mut t = Tree {
        elems: Vec::with_capacity(b.len() / 64),
        attrs: Vec::with_capacity(b.len() / 24),
    };
    let mut stack: Vec<usize> = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'<' {
            // Text: belongs to the innermost open element, and only before its first child.
            let end = find_byte(b, i, b'<').unwrap_or(b.len());
            if let Some(&top) = stack.last() {
                let e = &mut t.elems[top];
                if e.parent || e.text.1 > e.text.0 {
                    return None; // mixed content: not patchable
                }
                e.text = sp(i, end);
            } else if !s[i..end].trim().is_empty() {
                return None;
            }
            i = end;
            continue;
        }
        if b.get(i + 1) == Some(&b'/') {
            let end = find_byte(b, i, b'>')?;
            stack.pop()?;
            i = end + 1;
            continue;
        }
        // An opening or empty element.
        let mut j = i + 1;
        while j < b.len() && !matches!(b[j], b' ' | b'>' | b'/') {
            j += 1;
        }
        let tag = sp(i + 1, j);
        let first = t.attrs.len() as u32;
        let empty = loop {
            while j < b.len() && b[j] == b' ' {
                j += 1;
            }
            match b.get(j)? {
                b'>' => {
                    j += 1;
                    break false;
                }
                b'/' => {
                    if b.get(j + 1) != Some(&b'>') {
                        return None;
                    }
                    j += 2;
                    break true;
                }
                _ => {
                    let eq = find_byte(b, j, b'=')?;
                    if b.get(eq + 1) != Some(&b'"') {
                        return None;
                    }
                    let vstart = eq + 2;
                    let vend = find_byte(b, vstart, b'"')?;
                    t.attrs.push((sp(j, eq), sp(vstart, vend)));
                    j = vend + 1;
                }
            }
        };
        if let Some(&top) = stack.last() {
            let e = &mut t.elems[top];
            if e.text.1 > e.text.0 {
                return None; // text before a child: mixed content
            }
            e.parent = true;
        }
        t.elems.push(Elem {
            tag,
            first,
            end: t.attrs.len() as u32,
            text: (0, 0),
            parent: false,
        });
        if !empty {
            stack.push(t.elems.len() - 1);
        }
        i = j;
    }
    stack.is_empty().then_some(t)
}

/// A chart's markup, read once: kept beside the live chart, so that the next redraw reads only
/// the new markup ([`diff_parsed`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Parsed {
    markup: String,
    /// `None` when the markup is not patchable (see the contract).
    tree: Option<Tree>,
}

impl Parsed {
    pub fn new(markup: String) -> Parsed {
        let tree = if markup.is_empty() {
            None
        } else {
            parse(&markup)
        };
        Parsed { markup, tree }
    }
    pub fn markup(&self) -> &str {
        &self.markup
    }
}

/// Undoes [`super::svg::esc`] (borrowing when there is nothing to undo, the usual case).
pub fn unescape(s: &str) -> Cow<'_, str> {
    if !s.contains('&') {
        return Cow::Borrowed(s);
    }
    Cow::Owned(
        s.replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&amp;", "&"),
    )
}

/// A change to the `index`-th element (document order) of the live chart.
/// Names and values borrow from the markup strings.
#[derive(Debug, Clone, PartialEq)]
pub enum Patch<'a> {
    SetAttr {
        index: usize,
        name: &'a str,
        value: Cow<'a, str>,
    },
    RemoveAttr {
        index: usize,
        name: &'a str,
    },
    SetText {
        index: usize,
        text: Cow<'a, str>,
    },
}

impl Patch<'_> {
    pub fn index(&self) -> usize {
        match self {
            Patch::SetAttr { index, .. }
            | Patch::RemoveAttr { index, .. }
            | Patch::SetText { index, .. } => *index,
        }
    }
}

/// The patches that turn `old` into `new`, or `None` when their elements differ (a full redraw
/// is needed).
pub fn diff<'a>(old: &'a str, new: &'a str) -> Option<Vec<Patch<'a>>> {
    if old.is_empty() {
        return None;
    }
    if old == new {
        return Some(Vec::new()); // the usual case for axes: nothing to parse
    }
    diff_trees(old, &parse(old)?, new, &parse(new)?)
}

/// [`diff`] of two markups read before (the same answer, without reading either again).
pub fn diff_parsed<'a>(old: &'a Parsed, new: &'a Parsed) -> Option<Vec<Patch<'a>>> {
    if old.markup.is_empty() {
        return None;
    }
    if old.markup == new.markup {
        return Some(Vec::new());
    }
    diff_trees(
        &old.markup,
        old.tree.as_ref()?,
        &new.markup,
        new.tree.as_ref()?,
    )
}

fn diff_trees<'a>(old: &'a str, a: &Tree, new: &'a str, b: &Tree) -> Option<Vec<Patch<'a>>> {
    if a.elems.len() != b.elems.len()
        || a.elems
            .iter()
            .zip(&b.elems)
            .any(|(x, y)| at(old, x.tag) != at(new, y.tag) || x.parent != y.parent)
    {
        return None;
    }
    let mut out = Vec::new();
    for (index, (x, y)) in a.elems.iter().zip(&b.elems).enumerate() {
        let xs = &a.attrs[x.first as usize..x.end as usize];
        let ys = &b.attrs[y.first as usize..y.end as usize];
        for &(name, value) in ys {
            let (name, value) = (at(new, name), at(new, value));
            if xs
                .iter()
                .find(|a| at(old, a.0) == name)
                .map(|a| at(old, a.1))
                != Some(value)
            {
                out.push(Patch::SetAttr {
                    index,
                    name,
                    value: unescape(value),
                });
            }
        }
        for &(name, _) in xs {
            let name = at(old, name);
            if !ys.iter().any(|a| at(new, a.0) == name) {
                out.push(Patch::RemoveAttr { index, name });
            }
        }
        let (tx, ty) = (at(old, x.text), at(new, y.text));
        if tx != ty {
            out.push(Patch::SetText {
                index,
                text: unescape(ty),
            });
        }
    }
    Some(out)
}

/// What crosses from wasm to the page's patch applier for one redraw: the patches as numbers,
/// with the strings they need in two joined texts, so that the applier does one split per text
/// and no parsing of numbers or names per patch.
///
/// * `ops`: two words per patch, `kind | name << 2` (kind 0 sets an attribute, 1 removes one,
///   2 sets an element's text; `name` indexes `names`), then the element's index in document
///   order;
/// * `names`: the attribute names the patches use, each once, joined by `\x1f`;
/// * `values`: the value of every patch that sets something, in order, joined by `\x1e`.
///
/// Neither separator can occur in markup that [`super::svg::esc`] wrote (it turns control
/// characters into spaces), so splitting gives back each value whole.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Batch {
    pub ops: Vec<u32>,
    pub names: String,
    pub values: String,
}

pub const SET_ATTR: u32 = 0;
pub const REMOVE_ATTR: u32 = 1;
pub const SET_TEXT: u32 = 2;

impl Batch {
    pub fn of(patches: &[Patch<'_>]) -> Batch {
        let mut known: Vec<&str> = Vec::new();
        let mut b = Batch {
            ops: Vec::with_capacity(patches.len() * 2),
            names: String::new(),
            values: String::with_capacity(patches.len() * 16),
        };
        let mut values = 0usize;
        for p in patches {
            let (kind, name, value) = match p {
                Patch::SetAttr { name, value, .. } => (SET_ATTR, Some(*name), Some(value)),
                Patch::RemoveAttr { name, .. } => (REMOVE_ATTR, Some(*name), None),
                Patch::SetText { text, .. } => (SET_TEXT, None, Some(text)),
            };
            let name = name.map_or(0, |name| match known.iter().position(|&n| n == name) {
                Some(k) => k,
                None => {
                    if !known.is_empty() {
                        b.names.push('\x1f');
                    }
                    b.names.push_str(name);
                    known.push(name);
                    known.len() - 1
                }
            });
            b.ops.push(kind | (name as u32) << 2);
            b.ops.push(p.index() as u32);
            if let Some(v) = value {
                if values > 0 {
                    b.values.push('\x1e');
                }
                values += 1;
                b.values.push_str(v);
            }
        }
        b
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charts::format::Fixed;

    /// What the page's applier does with a batch, written again in Rust: the patches it gives
    /// back are the ones encoded.
    fn unbatch(b: &Batch) -> Vec<(u32, usize, String, Option<String>)> {
        let names: Vec<&str> = b.names.split('\x1f').collect();
        let mut values = b.values.split('\x1e');
        b.ops
            .chunks(2)
            .map(|w| {
                let (kind, name) = (w[0] & 3, (w[0] >> 2) as usize);
                let value = (kind != REMOVE_ATTR).then(|| values.next().unwrap().to_string());
                let name = if kind == SET_TEXT {
                    String::new()
                } else {
                    names[name].to_string()
                };
                (kind, w[1] as usize, name, value)
            })
            .collect()
    }

    #[test]
    fn a_batch_gives_back_every_patch_with_its_name_and_value() {
        let old = r#"<g class="a" aria-label="x"><text x="1">2</text><text x="1">a</text></g><rect height="3" fill="red"/>"#;
        let new = r#"<g class="b" aria-label="&lt;y&gt; &amp; z"><text x="2">3</text><text x="1"></text></g><rect height="4"/>"#;
        let p = diff(old, new).unwrap();
        let b = Batch::of(&p);
        assert_eq!(
            b.names, "class\x1faria-label\x1fx\x1fheight\x1ffill",
            "each name once"
        );
        let expected: Vec<(u32, usize, String, Option<String>)> = p
            .iter()
            .map(|p| match p {
                Patch::SetAttr { index, name, value } => {
                    (SET_ATTR, *index, name.to_string(), Some(value.to_string()))
                }
                Patch::RemoveAttr { index, name } => (REMOVE_ATTR, *index, name.to_string(), None),
                Patch::SetText { index, text } => {
                    (SET_TEXT, *index, String::new(), Some(text.to_string()))
                }
            })
            .collect();
        assert_eq!(unbatch(&b), expected);
        assert!(expected.iter().any(|e| e.3.as_deref() == Some("<y> & z")));
        assert!(
            expected
                .iter()
                .any(|e| e.0 == SET_TEXT && e.3.as_deref() == Some("")),
            "an emptied text is a patch too"
        );
        assert_eq!(Batch::of(&[]), Batch::default());
    }

    #[test]
    fn changed_numbers_become_attribute_and_text_patches() {
        let old = r##"<g class="axis"><text x="1.0">2.50</text></g><rect id="a" height="3.0" fill="#E69F00"/>"##;
        let new = r#"<g class="axis"><text x="1.0">2.75</text></g><rect id="a" height="4.0"/>"#;
        let p = diff(old, new).unwrap();
        assert_eq!(
            p,
            vec![
                Patch::SetText {
                    index: 1,
                    text: "2.75".into()
                },
                Patch::SetAttr {
                    index: 2,
                    name: "height",
                    value: "4.0".into()
                },
                Patch::RemoveAttr {
                    index: 2,
                    name: "fill"
                },
            ]
        );
        assert_eq!(diff(old, old).unwrap(), vec![]);
    }

    #[test]
    fn different_elements_need_a_full_redraw() {
        assert!(diff("<g></g>", "<g></g><g></g>").is_none());
        assert!(diff("<rect/>", "<circle/>").is_none());
        assert!(diff("", "<rect/>").is_none());
        // Text mixed with child elements is not patched piecemeal.
        assert!(diff(
            "<text>a<title>t</title></text>",
            "<text>b<title>t</title></text>"
        )
        .is_none());
    }

    #[test]
    fn escaped_values_are_written_back_unescaped() {
        let p = diff(
            r#"<g aria-label="a"/>"#,
            r#"<g aria-label="&lt;b&gt; &amp; &quot;c&quot; &#39;d&#39;"/>"#,
        )
        .unwrap();
        assert_eq!(
            p,
            vec![Patch::SetAttr {
                index: 0,
                name: "aria-label",
                value: "<b> & \"c\" 'd'".into()
            }]
        );
    }

    #[test]
    fn real_chart_markup_parses_and_diffs() {
        use crate::charts::dotplot::{layout, RowIn};
        use crate::charts::render::{dot_rows, DotOpts, DotRow, Mark};
        let rows = |n: u32| {
            let v = 3.2;
            let l = layout(
                &[RowIn {
                    label: "a".into(),
                    value: v,
                    lo: v - 0.1,
                    hi: v + 0.1,
                }],
                Some(3.0),
                400.0,
            );
            let r = vec![DotRow {
                mark: Mark {
                    label: format!("a, n {n}"),
                    on: false,
                    clickable: true,
                },
                label: "a <b>".into(),
                right: n.to_string(),
                ..Default::default()
            }];
            let o = DotOpts {
                id_prefix: "t",
                tick: |t| Fixed(t, 1).to_string(),
                reference_label: None,
                axis_title: None,
                reference_class: "zero-line",
            };
            dot_rows(&l, &r, &o).concat()
        };
        let (old, new) = (rows(10), rows(12));
        let p = diff(&old, &new).expect("same structure");
        assert_eq!(
            p,
            vec![
                Patch::SetAttr {
                    index: p[0].index(),
                    name: "aria-label",
                    value: "a, n 12".into()
                },
                Patch::SetText {
                    index: p[1].index(),
                    text: "12".into()
                },
            ]
        );
    }

    /// An independent reader of the markup (the test's oracle): each element in document order
    /// with its attributes and its text, unescaped.
    fn read(s: &str) -> Vec<(String, std::collections::BTreeMap<String, String>, String)> {
        let mut out = Vec::new();
        let mut open: Vec<usize> = Vec::new();
        let mut rest = s;
        while !rest.is_empty() {
            if let Some(after) = rest.strip_prefix("</") {
                let end = after.find('>').unwrap();
                open.pop();
                rest = &after[end + 1..];
            } else if let Some(after) = rest.strip_prefix('<') {
                let end = after.find('>').unwrap();
                let (inner, empty) = match after[..end].strip_suffix('/') {
                    Some(i) => (i, true),
                    None => (&after[..end], false),
                };
                let mut parts = inner.splitn(2, ' ');
                let tag = parts.next().unwrap().to_string();
                let mut attrs = std::collections::BTreeMap::new();
                let mut a = parts.next().unwrap_or("").trim();
                while let Some(eq) = a.find("=\"") {
                    let name = a[..eq].trim().to_string();
                    let v = &a[eq + 2..];
                    let close = v.find('"').unwrap();
                    attrs.insert(name, unescape(&v[..close]).into_owned());
                    a = v[close + 1..].trim_start();
                }
                out.push((tag, attrs, String::new()));
                if !empty {
                    open.push(out.len() - 1);
                }
                rest = &after[end + 1..];
            } else {
                let end = rest.find('<').unwrap_or(rest.len());
                if let Some(&top) = open.last() {
                    out[top].2 = unescape(&rest[..end]).into_owned();
                }
                rest = &rest[end..];
            }
        }
        out
    }

    /// Applies patches to the oracle's elements.
    fn apply(
        mut dom: Vec<(String, std::collections::BTreeMap<String, String>, String)>,
        patches: &[Patch],
    ) -> Vec<(String, std::collections::BTreeMap<String, String>, String)> {
        for p in patches {
            match p {
                Patch::SetAttr { index, name, value } => {
                    dom[*index].1.insert(name.to_string(), value.to_string());
                }
                Patch::RemoveAttr { index, name } => {
                    dom[*index].1.remove(*name);
                }
                Patch::SetText { index, text } => dom[*index].2 = text.to_string(),
            }
        }
        dom
    }

    use proptest::prelude::*;

    fn leak(s: String) -> &'static str {
        Box::leak(s.into_boxed_str())
    }

    /// Markup of the means chart and of the histogram from random data: `rows` values with
    /// means (some missing), labels with characters that need escaping, and random counts.
    fn charts(values: &[(f64, bool)], labels: &[String], counts: &[u64], on: usize) -> String {
        use crate::charts::dotplot::{layout, RowIn};
        use crate::charts::histogram;
        use crate::charts::render::{
            dot_rows, histogram as bars, BrushMarks, DotOpts, DotRow, HistOpts, Mark, Slider,
        };
        let ins: Vec<RowIn> = values
            .iter()
            .zip(labels)
            .map(|(&(v, missing), l)| {
                let v = if missing { f64::NAN } else { v };
                RowIn {
                    label: l.clone(),
                    value: v,
                    lo: v - 0.1,
                    hi: v + 0.1,
                }
            })
            .collect();
        let l = layout(&ins, Some(3.0), 560.0);
        let rows: Vec<DotRow> = values
            .iter()
            .zip(labels)
            .enumerate()
            .map(|(k, (&(_, missing), label))| DotRow {
                key: k as u32,
                mark: Mark {
                    label: format!("{label}: {k}"),
                    on: k == on,
                    clickable: true,
                },
                label: label.clone(),
                right: k.to_string(),
                missing,
                ..Default::default()
            })
            .collect();
        let o = DotOpts {
            id_prefix: "p",
            tick: |t| Fixed(t, 2).to_string(),
            reference_label: Some("all".into()),
            axis_title: None,
            reference_class: "reference-line",
        };
        let h = histogram::layout(counts, Some(counts), None, 560.0, 240.0);
        let marks: Vec<Mark> = counts
            .iter()
            .map(|c| Mark {
                label: format!("<{c}> & \"n\""),
                on: false,
                clickable: true,
            })
            .collect();
        let mut s = dot_rows(&l, &rows, &o).concat();
        // A brush over the bars up to `on`, or none.
        let slider = |x: f64| Slider {
            name: "end".into(),
            min: 1.0,
            max: 5.0,
            now: x / 100.0,
            text: format!("<{x}>"),
            x,
        };
        let span = h.bars.get(on).map(|b| (h.plot.0, b.x + b.w));
        let brush = BrushMarks {
            span,
            low: slider(h.plot.0),
            high: slider(span.map_or(h.plot.2, |s| s.1)),
        };
        let o = HistOpts {
            id_prefix: "dist",
            x_title: "score",
            height: 240.0,
            brush: Some(brush),
        };
        s += &bars(&h, &marks, &o).concat();
        s
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        #[test]
        fn applying_the_diff_to_the_old_dom_gives_the_new_dom(
            a in proptest::collection::vec((1.0f64..5.0, proptest::bool::weighted(0.2)), 1..25),
            b in proptest::collection::vec((1.0f64..5.0, proptest::bool::weighted(0.2)), 25),
            names in proptest::collection::vec("[a-z<>&\"' ]{0,12}", 25),
            ca in proptest::collection::vec(0u64..5000, 20),
            cb in proptest::collection::vec(0u64..5000, 20),
            on in 0usize..30,
        ) {
            let n = a.len();
            let old = charts(&a, &names[..n], &ca, on);
            let new = charts(&b[..n], &names[..n], &cb, 0);
            let patches = diff(&old, &new).expect("same rows and bins: a patch");
            prop_assert_eq!(apply(read(&old), &patches), read(&new));
            // The markups read once and kept give the same patches.
            let (po, pn) = (Parsed::new(old.clone()), Parsed::new(new.clone()));
            prop_assert_eq!(diff_parsed(&po, &pn), Some(patches.clone()));
            // What crosses to the page's applier decodes to the same patches.
            let back: Vec<Patch> = unbatch(&Batch::of(&patches))
                .into_iter()
                .map(|(kind, index, name, value)| match kind {
                    SET_ATTR => Patch::SetAttr { index, name: leak(name), value: value.unwrap().into() },
                    REMOVE_ATTR => Patch::RemoveAttr { index, name: leak(name) },
                    _ => Patch::SetText { index, text: value.unwrap().into() },
                })
                .collect();
            prop_assert_eq!(back, patches);
            // A chart with a row more is not patched.
            if n < 25 {
                let more = charts(&b[..n + 1], &names[..n + 1], &cb, 0);
                prop_assert!(diff(&old, &more).is_none());
            }
        }
    }
}
