//! The explorer's whole state, and its query-string form.
//!
//! Filters are kept by *name* ([`FilterSpec`], the core's filter vocabulary, shared with the
//! CLI): this module only adds the URL's layer on top (percent-encoding, the `a.` and `b.`
//! prefixes of the two cohorts) and the view options. [`UiState::from_query`] never fails:
//! every parameter it cannot use becomes a notice for the page to show.
//!
//! Pure code: tested natively.

use pamela_core::hub::{HubRef, DEFAULT_HUB};
use pamela_core::query::{Dim, ImageOrder, Key};
use pamela_core::vocab;
pub use pamela_core::vocab::FilterSpec;

/// The image host when the link names none: `PAMELA_IMAGE_BASE` when the app was built, else
/// the published dataset's images on the Hub. The site's own choice: used without asking.
pub const DEFAULT_IMAGE_BASE: &str = match option_env!("PAMELA_IMAGE_BASE") {
    Some(v) => v,
    None => "https://huggingface.co/datasets/bethgelab/PAMELA/resolve/main/",
};

/// The Hub when the link names none: `PAMELA_HUB` when the app was built (a mirror), else
/// huggingface.co. The site's own choice: contacted without asking, like huggingface.co.
pub const DEFAULT_HUB_ADDR: &str = match option_env!("PAMELA_HUB") {
    Some(v) => v,
    None => DEFAULT_HUB,
};

/// How the means views are sorted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MeanSort {
    Value,
    Name,
    Count,
}

impl MeanSort {
    fn token(self) -> &'static str {
        match self {
            MeanSort::Value => "value",
            MeanSort::Name => "name",
            MeanSort::Count => "n",
        }
    }
    fn parse(s: &str) -> Option<MeanSort> {
        [MeanSort::Value, MeanSort::Name, MeanSort::Count]
            .into_iter()
            .find(|m| m.token() == s)
    }
}

pub fn order_token(o: ImageOrder) -> &'static str {
    match o {
        ImageOrder::Top => "top",
        ImageOrder::Bottom => "bottom",
        ImageOrder::Disputed => "disputed",
    }
}

fn parse_order(s: &str) -> Option<ImageOrder> {
    [ImageOrder::Top, ImageOrder::Bottom, ImageOrder::Disputed]
        .into_iter()
        .find(|o| order_token(*o) == s)
}

/// Everything a link restores.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UiState {
    pub filter: FilterSpec,
    pub cohort_a: FilterSpec,
    pub cohort_b: FilterSpec,
    /// Histogram bins over 1..5.
    pub bins: u16,
    /// Show the whole dataset's distribution behind the selection's.
    pub overall: bool,
    /// How the means by visual group are sorted (`sort=` in the link).
    pub sort: MeanSort,
    /// How the means by style are sorted (`ssort=`): each chart keeps its own order.
    pub sort_style: MeanSort,
    /// Heatmap rows: a participant attribute.
    pub heat_row: Key,
    /// Heatmap columns: an image attribute.
    pub heat_col: Key,
    /// Cells with fewer ratings are marked and never highlighted.
    pub min_n: u32,
    /// Cells with fewer people (raters) are marked and never highlighted.
    pub min_people: u32,
    /// Heatmap cells on image-centred scores (each rating minus its image's mean over the
    /// selection: the row's people against everyone on the same images), tested and marked:
    /// the default, since every row is a demographic and this shows how rows differ; off
    /// (`cells=row`): each cell's mean minus its row's mean, which mostly shows what everyone likes.
    pub heat_images: bool,
    /// Cohort comparison per this image attribute.
    pub compare_by: Key,
    /// "How personal is taste?": agreement per this image attribute.
    pub taste_by: Key,
    /// Intervals that treat every rating as an independent draw (the teaching contrast); off:
    /// intervals count people (clustered by participant), the default.
    pub independent: bool,
    /// Cohorts compared on the images both rated (the image-adjusted difference) rather than
    /// on all their ratings.
    pub same_images: bool,
    pub images: ImageOrder,
    /// Rater dots coloured by this participant attribute.
    pub color_by: Key,
    /// Thumbnails on or off; `None` means the data source's default.
    pub thumbs: Option<bool>,
    pub image_base: String,
    /// Data the link asks to load from the Hub (`data=hf:OWNER/NAME@REVISION`); written once
    /// such data is loaded (with its commit), cleared when other data is.
    pub data: Option<HubRef>,
    /// The Hub's address (`hub=`; a mirror, or the tests' stand-in).
    pub hub: String,
    /// Presenter mode (`present=1`): large type, one card at a time, filters in one line.
    pub present: bool,
    /// A guided question shown above the views (`guide=`, see [`crate::guide::QUESTIONS`]).
    pub guide: Option<String>,
    /// A question written into the link by whoever made it (`ask=`): plain text, already
    /// cleaned ([`crate::guide::clean_ask`]).
    pub ask: String,
}

impl Default for UiState {
    fn default() -> UiState {
        let mut a = FilterSpec::default();
        a.only(Dim::Gender, "female");
        let mut b = FilterSpec::default();
        b.only(Dim::Gender, "male");
        UiState {
            filter: FilterSpec::default(),
            cohort_a: a,
            cohort_b: b,
            bins: 20,
            overall: true,
            sort: MeanSort::Value,
            sort_style: MeanSort::Value,
            heat_row: Key::AgeBin,
            heat_col: Key::Group,
            min_n: 30,
            min_people: crate::summaries::Minimum::PEOPLE as u32,
            heat_images: true,
            compare_by: Key::Group,
            taste_by: Key::Group,
            independent: false,
            same_images: false,
            images: ImageOrder::Disputed,
            color_by: Key::Gender,
            thumbs: None,
            image_base: DEFAULT_IMAGE_BASE.to_string(),
            data: None,
            hub: DEFAULT_HUB_ADDR.trim_end_matches('/').to_string(),
            present: false,
            guide: None,
            ask: String::new(),
        }
    }
}

pub const HEAT_ROWS: [Key; 3] = [Key::AgeBin, Key::Gender, Key::Nationality];
pub const HEAT_COLS: [Key; 2] = [Key::Group, Key::Style];
pub const COMPARE_BY: [Key; 3] = [Key::Group, Key::Style, Key::Type];
pub const TASTE_BY: [Key; 3] = pamela_core::agreement::AGREEMENT_KEYS;
pub const COLOR_BY: [Key; 3] = [Key::Gender, Key::AgeBin, Key::Nationality];

/// Percent-encodes everything but unreserved characters and `/` (kept readable in groups).
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Decodes `%XX` and `+`; `None` for malformed escapes or invalid UTF-8.
pub fn decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                let hex = s.get(i + 1..i + 3)?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

fn key_param(k: Key) -> &'static str {
    k.name()
}

impl UiState {
    fn spec_pairs(spec: &FilterSpec, prefix: &str, out: &mut Vec<(String, String)>) {
        for (name, values) in spec.params() {
            let v: Vec<String> = values.iter().map(|t| encode(t)).collect();
            out.push((format!("{prefix}{name}"), v.join(",")));
        }
    }

    /// The query string (without `?`). Options at their default are left out.
    pub fn to_query(&self) -> String {
        let d = UiState::default();
        let mut pairs: Vec<(String, String)> = Vec::new();
        UiState::spec_pairs(&self.filter, "", &mut pairs);
        if self.cohort_a != d.cohort_a || self.cohort_b != d.cohort_b {
            UiState::spec_pairs(&self.cohort_a, "a.", &mut pairs);
            UiState::spec_pairs(&self.cohort_b, "b.", &mut pairs);
            if self.cohort_a.is_empty() {
                pairs.push(("a".into(), "all".into()));
            }
            if self.cohort_b.is_empty() {
                pairs.push(("b".into(), "all".into()));
            }
        }
        let mut opt = |k: &str, v: String, is_default: bool| {
            if !is_default {
                pairs.push((k.into(), v));
            }
        };
        opt("bins", self.bins.to_string(), self.bins == d.bins);
        opt(
            "diff",
            if self.same_images { "images" } else { "raw" }.into(),
            self.same_images == d.same_images,
        );
        opt(
            "cells",
            if self.heat_images { "images" } else { "row" }.into(),
            self.heat_images == d.heat_images,
        );
        opt(
            "ci",
            if self.independent {
                "independent"
            } else {
                "people"
            }
            .into(),
            self.independent == d.independent,
        );
        opt(
            "overall",
            (self.overall as u8).to_string(),
            self.overall == d.overall,
        );
        opt("sort", self.sort.token().into(), self.sort == d.sort);
        opt(
            "ssort",
            self.sort_style.token().into(),
            self.sort_style == d.sort_style,
        );
        opt(
            "hrow",
            key_param(self.heat_row).into(),
            self.heat_row == d.heat_row,
        );
        opt(
            "hcol",
            key_param(self.heat_col).into(),
            self.heat_col == d.heat_col,
        );
        opt("minn", self.min_n.to_string(), self.min_n == d.min_n);
        opt(
            "minp",
            self.min_people.to_string(),
            self.min_people == d.min_people,
        );
        opt(
            "cmp",
            key_param(self.compare_by).into(),
            self.compare_by == d.compare_by,
        );
        opt(
            "agree",
            key_param(self.taste_by).into(),
            self.taste_by == d.taste_by,
        );
        opt(
            "imgs",
            order_token(self.images).into(),
            self.images == d.images,
        );
        opt(
            "color",
            key_param(self.color_by).into(),
            self.color_by == d.color_by,
        );
        if let Some(t) = self.thumbs {
            opt("thumbs", (t as u8).to_string(), false);
        }
        opt(
            "imgbase",
            encode(&self.image_base),
            self.image_base == d.image_base,
        );
        if let Some(r) = &self.data {
            // Its characters are all safe in a query (see `HubRef::parse`).
            opt("data", r.to_param(), false);
        }
        opt("hub", encode(&self.hub), self.hub == d.hub);
        opt("present", "1".into(), !self.present);
        if let Some(g) = &self.guide {
            opt("guide", encode(g), false);
        }
        opt("ask", encode(&self.ask), self.ask.is_empty());
        pairs
            .into_iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("&")
    }

    /// Reads a query string (with or without `?`). Unusable parameters are skipped and
    /// described in the returned notices; the rest of the state is kept.
    pub fn from_query(q: &str) -> (UiState, Vec<String>) {
        let mut s = UiState::default();
        let mut notices = Vec::new();
        let q = q.strip_prefix('?').unwrap_or(q);
        let mut cohorts_seen = [false, false];
        let mut ignored: Vec<(String, String)> = Vec::new();
        let mut bad = |k: &str, v: &str, why: &str| {
            let shown: String = v.chars().take(60).collect();
            let k: String = k.chars().take(60).collect();
            ignored.push((format!("{k}={shown}"), why.to_string()));
        };
        for part in q.split('&').filter(|p| !p.is_empty()) {
            let (k, raw) = part.split_once('=').unwrap_or((part, ""));
            let Some(k) = decode(k) else {
                bad(part, "", "it is not valid URL text");
                continue;
            };
            let (spec, name) = if let Some(rest) = k.strip_prefix("a.") {
                if !cohorts_seen[0] {
                    s.cohort_a = FilterSpec::default();
                    cohorts_seen[0] = true;
                }
                (Some(0), rest.to_string())
            } else if let Some(rest) = k.strip_prefix("b.") {
                if !cohorts_seen[1] {
                    s.cohort_b = FilterSpec::default();
                    cohorts_seen[1] = true;
                }
                (Some(1), rest.to_string())
            } else {
                (None, k.clone())
            };
            let target = match spec {
                Some(0) => &mut s.cohort_a,
                Some(_) => &mut s.cohort_b,
                None => &mut s.filter,
            };
            // Filter parameters: each value percent-encoded, commas between them.
            if vocab::is_param(&name) {
                let values: Option<Vec<String>> = raw
                    .split(',')
                    .filter(|t| !t.is_empty())
                    .map(decode)
                    .collect();
                match values {
                    None => bad(&k, raw, "a value is not valid URL text"),
                    Some(values) => {
                        if let Err(why) = target.set_param(&name, &values) {
                            bad(&k, raw, &why);
                        }
                    }
                }
                continue;
            }
            match name.as_str() {
                _ if spec.is_some() => bad(&k, raw, "not a filter"),
                "a" | "b" => {
                    if raw != "all" {
                        bad(&k, raw, "expected “all”");
                    } else if name == "a" {
                        s.cohort_a = FilterSpec::default();
                        cohorts_seen[0] = true;
                    } else {
                        s.cohort_b = FilterSpec::default();
                        cohorts_seen[1] = true;
                    }
                }
                "bins" => match raw.parse::<u16>() {
                    Ok(b) if (2..=200).contains(&b) => s.bins = b,
                    _ => bad(&k, raw, "expected a number of bins from 2 to 200"),
                },
                "diff" => match raw {
                    "images" => s.same_images = true,
                    "raw" => s.same_images = false,
                    _ => bad(&k, raw, "expected raw or images"),
                },
                "cells" => match raw {
                    "images" => s.heat_images = true,
                    "row" => s.heat_images = false,
                    _ => bad(&k, raw, "expected row or images"),
                },
                "ci" => match raw {
                    "independent" => s.independent = true,
                    "people" => s.independent = false,
                    _ => bad(&k, raw, "expected people or independent"),
                },
                "overall" => match raw {
                    "0" | "1" => s.overall = raw == "1",
                    _ => bad(&k, raw, "expected 0 or 1"),
                },
                "sort" | "ssort" => match MeanSort::parse(raw) {
                    Some(m) if name == "sort" => s.sort = m,
                    Some(m) => s.sort_style = m,
                    None => bad(&k, raw, "expected value, name or n"),
                },
                "hrow" => match Key::from_name(raw).filter(|k| HEAT_ROWS.contains(k)) {
                    Some(key) => s.heat_row = key,
                    None => bad(&k, raw, "expected age_bin, gender or nationality"),
                },
                "hcol" => match Key::from_name(raw).filter(|k| HEAT_COLS.contains(k)) {
                    Some(key) => s.heat_col = key,
                    None => bad(&k, raw, "expected group or style"),
                },
                "minn" => match raw.parse::<u32>() {
                    Ok(n) if n <= 100_000 => s.min_n = n,
                    _ => bad(&k, raw, "expected a minimum count"),
                },
                "minp" => match raw.parse::<u32>() {
                    Ok(n) if n <= 100_000 => s.min_people = n,
                    _ => bad(&k, raw, "expected a minimum number of people"),
                },
                "cmp" => match Key::from_name(raw).filter(|k| COMPARE_BY.contains(k)) {
                    Some(key) => s.compare_by = key,
                    None => bad(&k, raw, "expected group, style or type"),
                },
                "agree" => match Key::from_name(raw).filter(|k| TASTE_BY.contains(k)) {
                    Some(key) => s.taste_by = key,
                    None => bad(&k, raw, "expected type, group or style"),
                },
                "imgs" => match parse_order(raw) {
                    Some(o) => s.images = o,
                    None => bad(&k, raw, "expected top, bottom or disputed"),
                },
                "color" => match Key::from_name(raw).filter(|k| COLOR_BY.contains(k)) {
                    Some(key) => s.color_by = key,
                    None => bad(&k, raw, "expected gender, age_bin or nationality"),
                },
                "thumbs" => match raw {
                    "0" | "1" => s.thumbs = Some(raw == "1"),
                    _ => bad(&k, raw, "expected 0 or 1"),
                },
                "imgbase" => match decode(raw).filter(|u| valid_image_base(u)) {
                    Some(u) => s.image_base = u,
                    None => bad(&k, raw, "expected an https:// address"),
                },
                "data" => match decode(raw).map(|v| HubRef::parse(&v)) {
                    Some(Ok(r)) => s.data = Some(r),
                    Some(Err(why)) => bad(&k, raw, &why),
                    None => bad(&k, raw, "it is not valid URL text"),
                },
                "hub" => match decode(raw).filter(|u| valid_hub(u)) {
                    Some(u) => s.hub = u.trim_end_matches('/').to_string(),
                    None => bad(&k, raw, "expected the https:// address of a Hub"),
                },
                "present" => match raw {
                    "0" | "1" => s.present = raw == "1",
                    _ => bad(&k, raw, "expected 0 or 1"),
                },
                "guide" => match decode(raw).and_then(|g| crate::guide::question(&g)) {
                    Some(q) => s.guide = Some(q.id.to_string()),
                    None => bad(&k, raw, "not one of the guided questions"),
                },
                "ask" => match decode(raw) {
                    Some(text) => {
                        let (clean, cut) = crate::guide::clean_ask(&text);
                        if cut {
                            notices.push(format!(
                                "The link's question was longer than {} characters: it is shown shortened.",
                                crate::guide::ASK_MAX
                            ));
                        }
                        s.ask = clean;
                    }
                    None => bad(&k, raw, "it is not valid URL text"),
                },
                _ => bad(&k, raw, UNKNOWN_PARAMETER),
            }
        }
        notices.extend(fold_ignored(&ignored));
        (s, notices)
    }
}

const UNKNOWN_PARAMETER: &str = "unknown parameter";

/// How many parameters a folded notice lists by name.
pub const LISTED: usize = 5;

/// Notices for ignored link parameters, given as (`key=value`, reason): one notice per reason,
/// in the order first met. A reason met once keeps its own sentence; several with one reason
/// fold into one notice that counts them and lists the first [`LISTED`], so 5,000 unknown
/// parameters make one notice, not 5,000.
pub fn fold_ignored(ignored: &[(String, String)]) -> Vec<String> {
    let mut reasons: Vec<(&str, Vec<&str>)> = Vec::new();
    for (param, why) in ignored {
        match reasons.iter_mut().find(|(w, _)| w == why) {
            Some((_, list)) => list.push(param),
            None => reasons.push((why, vec![param])),
        }
    }
    reasons
        .into_iter()
        .map(|(why, params)| match params.as_slice() {
            [one] => format!("ignored the link parameter “{one}”: {why}"),
            many => {
                let names: Vec<String> = many
                    .iter()
                    .take(LISTED)
                    .map(|p| {
                        if why == UNKNOWN_PARAMETER {
                            p.split('=').next().unwrap_or(p).to_string()
                        } else {
                            p.to_string()
                        }
                    })
                    .collect();
                let more = if many.len() > LISTED { ", …" } else { "" };
                if why == UNKNOWN_PARAMETER {
                    format!(
                        "ignored {} unknown link parameters: {}{more}",
                        many.len(),
                        names.join(", ")
                    )
                } else {
                    format!(
                        "ignored {} link parameters ({why}): {}{more}",
                        many.len(),
                        names
                            .iter()
                            .map(|n| format!("“{n}”"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                }
            }
        })
        .collect()
}

/// The hosts that need no consent (the default image host).
pub const TRUSTED_HOSTS: &[&str] = &["huggingface.co"];

/// What an image base from a link is ([`pamela_core::address::classify`]: the URL parsed, not
/// compared by prefix).
pub fn image_base_address(u: &str) -> pamela_core::address::Address {
    if u.len() > 500 {
        return pamela_core::address::Address::Invalid(
            "the address is longer than 500 characters".into(),
        );
    }
    pamela_core::address::classify(u, TRUSTED_HOSTS)
}

/// Image bases are https URLs (or http on this machine, for tests). Foreign hosts are still
/// accepted here (the consent step comes with the page's consent UI); what the parse refuses
/// (user info hiding the host, plain http elsewhere, broken hosts) is not.
pub fn valid_image_base(u: &str) -> bool {
    !matches!(
        image_base_address(u),
        pamela_core::address::Address::Invalid(_)
    )
}

/// Hub addresses are parsed like image bases: https (or http on this machine), no user info.
/// Another host than the default is contacted only after the visitor's yes (the load panel).
pub fn valid_hub(u: &str) -> bool {
    valid_image_base(u)
}

/// The full address of an image under a base (the record's `./images/x.png` joined to it).
pub fn image_url(base: &str, path: &str) -> String {
    let path = path.trim_start_matches("./").trim_start_matches('/');
    let base = if base.ends_with('/') {
        base.to_string()
    } else {
        format!("{base}/")
    };
    base + &path
        .split('/')
        .map(|seg| encode(seg).replace('+', "%20"))
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_state_has_an_empty_query() {
        assert_eq!(UiState::default().to_query(), "");
        let (s, n) = UiState::from_query("");
        assert_eq!(s, UiState::default());
        assert!(n.is_empty());
    }

    #[test]
    fn a_full_state_round_trips_through_the_query() {
        let mut s = UiState::default();
        s.filter.age = Some((20, 39));
        s.filter.score = Some((3500, 5000));
        s.filter.only(Dim::Gender, "female");
        s.filter.toggle(Dim::Nationality, "United States");
        s.filter.toggle(Dim::Nationality, "Korea, Republic of");
        s.filter.toggle(Dim::Group, "landscape/Art");
        s.filter.participant = Some("p_5d2aeb40".into());
        s.filter.image = Some(1_049_071);
        s.cohort_a = FilterSpec::default();
        s.cohort_a.only(Dim::AgeBin, "twenties");
        s.cohort_b = FilterSpec::default();
        s.bins = 40;
        s.overall = false;
        s.sort = MeanSort::Count;
        s.sort_style = MeanSort::Name;
        s.heat_row = Key::Nationality;
        s.heat_col = Key::Style;
        s.min_n = 50;
        s.min_people = 8;
        s.heat_images = false;
        s.compare_by = Key::Style;
        s.taste_by = Key::Type;
        s.independent = true;
        s.same_images = true;
        s.images = ImageOrder::Top;
        s.color_by = Key::AgeBin;
        s.thumbs = Some(true);
        s.image_base = "https://example.org/mirror/".into();
        s.data = Some(
            HubRef::parse("hf:someone/PAMELA@0123456789abcdef0123456789abcdef01234567").unwrap(),
        );
        s.hub = "https://hub.example".into();
        s.present = true;
        s.guide = Some("images".into());
        s.ask = "Why do <b>rows</b> differ? 100% & more".into();
        let q = s.to_query();
        let (back, notices) = UiState::from_query(&q);
        assert!(notices.is_empty(), "{notices:?}");
        assert_eq!(back, s, "{q}");
        assert!(
            q.contains("nationality=United+States,Korea%2C+Republic+of"),
            "{q}"
        );
    }

    #[test]
    fn a_hub_link_names_its_source_or_is_dropped_with_the_reason() {
        let (s, n) = UiState::from_query("data=hf&hub=http%3A%2F%2F127.0.0.1%3A9000%2F");
        assert!(n.is_empty(), "{n:?}");
        assert_eq!(s.data, Some(HubRef::default()));
        assert_eq!(s.hub, "http://127.0.0.1:9000");
        let (s, n) = UiState::from_query("data=hf:../x&hub=http%3A%2F%2Fevil.example%2F");
        assert_eq!((s.data, s.hub.as_str()), (None, DEFAULT_HUB_ADDR));
        assert_eq!(n.len(), 2, "{n:?}");
        assert!(
            n[0].contains("data=hf:../x") && n[0].contains("not a dataset name"),
            "{n:?}"
        );
        assert!(n[1].contains("address of a Hub"), "{n:?}");
    }

    #[test]
    fn bad_parameters_are_dropped_with_a_notice_and_the_rest_kept() {
        let (s, n) = UiState::from_query(
            "?gender=female&age=99-12&bins=0&hrow=style&cmp=colour&nonsense=1&thumbs=yes\
             &imgbase=javascript:alert(1)&score=0-9&image=abc&sort=value&%ZZ=1&a.bins=3",
        );
        assert_eq!(
            s.filter.values(Dim::Gender),
            Some(&["female".to_string()][..])
        );
        assert_eq!(s.filter.age, None);
        assert_eq!(s.bins, 20);
        assert_eq!(s.heat_row, Key::AgeBin);
        assert_eq!(s.image_base, DEFAULT_IMAGE_BASE);
        assert_eq!(n.len(), 11, "{n:#?}");
        assert!(n
            .iter()
            .all(|m| m.starts_with("ignored the link parameter")));
    }

    #[test]
    fn unknown_values_are_reported_when_resolved_against_the_data() {
        let ds = pamela_core::bundle::decode(include_bytes!("../www/data/pamela-synthetic.pamb"))
            .unwrap();
        let mut spec = FilterSpec::default();
        spec.toggle(Dim::Gender, "female");
        spec.toggle(Dim::Gender, "robot");
        spec.only(Dim::Style, "Impressionism");
        spec.participant = Some("p_nobody".into());
        let (f, dropped) = spec.resolve(&ds);
        let dropped: Vec<String> = dropped.iter().map(|u| u.to_string()).collect();
        assert_eq!(f.set(Dim::Gender).map(|s| s.len()), Some(1));
        assert_eq!(f.set(Dim::Style).map(|s| s.len()), Some(1));
        assert_eq!(f.participant, None);
        assert_eq!(
            dropped,
            vec![
                "gender “robot”".to_string(),
                "participant “p_nobody”".to_string()
            ]
        );
        // A group name without a type selects the name under both types.
        let mut g = FilterSpec::default();
        g.only(Dim::Group, "landscape");
        assert_eq!(g.resolve(&ds).0.set(Dim::Group).map(|s| s.len()), Some(2));
    }

    #[test]
    fn image_urls_join_base_and_path() {
        assert_eq!(
            image_url(DEFAULT_IMAGE_BASE, "./images/2f8e.png"),
            "https://huggingface.co/datasets/bethgelab/PAMELA/resolve/main/images/2f8e.png"
        );
        assert_eq!(
            image_url("https://x.org/m", "images/a b.png"),
            "https://x.org/m/images/a%20b.png"
        );
        assert!(!valid_image_base("javascript:alert(1)"));
        assert!(!valid_image_base("http://evil.example/"));
        assert!(valid_image_base("https://mirror.example/pamela/"));
    }

    #[test]
    fn image_bases_are_parsed_not_compared_by_prefix() {
        use pamela_core::address::Address;
        // A user name that looks like this machine, before a foreign host.
        assert!(!valid_image_base("http://127.0.0.1@203.0.113.9/"));
        // A public name that starts like a loopback address, over plain http.
        assert!(!valid_image_base("http://127.0.0.1.nip.io/"));
        assert!(valid_image_base("http://127.0.0.1:8000/images/"));
        assert!(matches!(
            image_base_address(DEFAULT_IMAGE_BASE),
            Address::Trusted { .. }
        ));
        assert_eq!(
            image_base_address("https://mirror.example/p/"),
            Address::Foreign {
                host: "mirror.example".into()
            }
        );
        let (s, n) = UiState::from_query("imgbase=http%3A%2F%2F127.0.0.1%40203.0.113.9%2F");
        assert_eq!(s.image_base, DEFAULT_IMAGE_BASE);
        assert_eq!(n.len(), 1, "{n:?}");
    }

    #[test]
    fn many_unknown_parameters_fold_into_one_notice_listing_a_few() {
        let q: Vec<String> = (0..5000).map(|k| format!("x{k}=1")).collect();
        let (_, n) = UiState::from_query(&q.join("&"));
        assert_eq!(n.len(), 1, "{:?}", &n[..n.len().min(3)]);
        assert!(
            n[0].starts_with("ignored 5000 unknown link parameters: x0, x1, x2, x3, x4, …"),
            "{}",
            n[0]
        );
    }

    #[test]
    fn notices_fold_per_reason_and_a_single_one_keeps_its_sentence() {
        let (_, n) = UiState::from_query("a1=1&thumbs=2&a2=1&thumbs=x&bins=0");
        assert_eq!(n.len(), 3, "{n:#?}");
        assert_eq!(n[0], "ignored 2 unknown link parameters: a1, a2");
        assert!(
            n[1].starts_with("ignored 2 link parameters (expected 0 or 1): “thumbs=2”, “thumbs=x”"),
            "{}",
            n[1]
        );
        assert!(
            n[2].starts_with("ignored the link parameter “bins=0”"),
            "{}",
            n[2]
        );
    }

    #[test]
    fn malformed_escapes_do_not_decode() {
        assert_eq!(decode("a%2"), None);
        assert_eq!(decode("%FF%FE"), None);
        assert_eq!(decode("a+b%2Cc").as_deref(), Some("a b,c"));
    }
}
