//! The filter vocabulary: filters and cohorts by *name*, parsed, printed and resolved in one
//! place for every surface that speaks them (the app's URL, the CLI's flags, the compact
//! `KEY=VALUE,...` form that `pamela compare --a ...` takes, the chips of the page).
//!
//! A [`FilterSpec`] holds names (`gender=female`, `group=landscape/Art`), not dictionary
//! indices, so it means the same thing for any dataset that has those values. Resolving it
//! against a dataset ([`FilterSpec::resolve`]) gives the index-based [`Filter`] that the query
//! engine runs, and reports the names the data does not hold ([`Unknown`]): the page drops them
//! with a notice ([`FilterSpec::normalize`]), the CLI refuses them with the list of valid values
//! ([`FilterSpec::resolve_strict`]).
//!
//! The parameters ([`PARAMS`]) are the same everywhere: `age` (`20-39` or `30`), `score`
//! (`3.5-5`), one per [`Dim`] (its [`Key::name`]: `age_bin`, `gender`, `nationality`, `type`,
//! `group`, `style`, `split`, `label`), `participant` and `image`. On the command line they are
//! flags with `-` for `_` (`--age-bin`).
//!
//! Values of one parameter are separated by commas, except a comma followed by white space,
//! which belongs to the value: `nationality=Korea, Republic of` is one country, `gender=female,male`
//! two genders ([`split_values`]). In the compact form a comma followed by `NAME=` (a known
//! parameter) starts the next pair. The URL form percent-encodes each value (commas inside a
//! value become `%2C`), so it needs no such rule; its codec lives with the rest of the page's
//! state in the app.
//!
//! Trade-offs: names are matched exactly (no case folding, no fuzzy matching), so a link or a
//! script never silently selects something other than what it says; a group name without its
//! type (`landscape`) is the one deliberate shorthand, selecting that name under every type.

use crate::dataset::Dataset;
use crate::export::Fixed;
use crate::query::{humanize, Dim, Filter, Key};
use std::collections::BTreeMap;
use std::fmt;

/// Every filter parameter's name, in printing order.
pub const PARAMS: [&str; 12] = [
    "age",
    "score",
    "age_bin",
    "gender",
    "nationality",
    "type",
    "group",
    "style",
    "split",
    "label",
    "participant",
    "image",
];

/// Most values one parameter may hold, and the longest value (characters): a link is data from
/// a stranger.
pub const MAX_VALUES: usize = 500;
pub const MAX_VALUE_CHARS: usize = 200;

/// A filter by value names (tokens), independent of any dataset's dictionaries.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FilterSpec {
    /// Inclusive age range.
    pub age: Option<(u8, u8)>,
    /// Inclusive score range in thousandths.
    pub score: Option<(u16, u16)>,
    pub sets: BTreeMap<Dim, Vec<String>>,
    pub participant: Option<String>,
    pub image: Option<u64>,
}

/// One restriction of a spec, as a chip shows it and removes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    Age,
    Score,
    Value(Dim, String),
    Participant,
    Image,
}

/// A name the data does not hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unknown {
    /// The parameter (`gender`, `participant`, ...).
    pub param: &'static str,
    pub value: String,
    /// The values the data has for this parameter (empty for participants and images, which
    /// are too many to list).
    pub valid: Vec<String>,
}

impl fmt::Display for Unknown {
    /// `gender “robot”`: the short form that notices list.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.param {
            "image" => write!(f, "image {}", self.value),
            p => {
                let what =
                    Key::from_name(p).map_or(p.to_string(), |k| k.title().to_ascii_lowercase());
                write!(f, "{what} “{}”", self.value)
            }
        }
    }
}

impl Unknown {
    /// The long form: what is wrong and what would be right.
    pub fn explain(&self) -> String {
        if self.valid.is_empty() {
            format!("{:?}: no such {} in this data", self.value, self.param)
        } else {
            format!(
                "{:?}: no such value in this data; valid values: {}",
                self.value,
                self.valid.join(", ")
            )
        }
    }
}

/// Splits one parameter's text into values: at commas, except a comma followed by white space.
pub fn split_values(raw: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut start = 0;
    let b = raw.as_bytes();
    for (i, &c) in b.iter().enumerate() {
        if c == b',' && !b.get(i + 1).is_some_and(|n| n.is_ascii_whitespace()) {
            out.push(raw[start..i].trim().to_string());
            start = i + 1;
        }
    }
    out.push(raw[start..].trim().to_string());
    out.retain(|v| !v.is_empty());
    out
}

/// `s` in lower case, for a person's search box and a sort by name, never for matching a
/// filter (those match exactly): ASCII letters and the Latin-1 capitals (`À` to `Þ`, but not
/// `×`) are folded, every other character is kept. Not `str::to_lowercase`, whose Unicode
/// tables cost the page's first view about 5 KB gzip: PAMELA's labels are ASCII, and folding
/// Latin-1 keeps the accented names of other data searchable.
pub fn fold_case(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            'A'..='Z' | 'À'..='Þ' if c != '×' => char::from_u32(c as u32 + 32).unwrap_or(c),
            _ => c,
        })
        .collect()
}

/// Whether a search box's text finds a label: an empty search finds everything, otherwise the
/// label contains the search, both [`fold_case`]d.
pub fn search_finds(label: &str, search: &str) -> bool {
    search.is_empty() || fold_case(label).contains(&fold_case(search))
}

/// `20-39` or `30`: an inclusive age range within 0 ..= 150.
pub fn parse_age_range(s: &str) -> Result<(u8, u8), &'static str> {
    const WHY: &str = "expected an age or a range like 20-39";
    let (a, b) = s.split_once('-').unwrap_or((s, s));
    let a: u8 = a.trim().parse().map_err(|_| WHY)?;
    let b: u8 = b.trim().parse().map_err(|_| WHY)?;
    if b > 150 {
        return Err("ages run from 0 to 150");
    }
    if a > b {
        return Err("the range is empty");
    }
    Ok((a, b))
}

/// `3.5-5`: an inclusive score range within 1 ..= 5, in thousandths.
pub fn parse_score_range(s: &str) -> Result<(u16, u16), &'static str> {
    const WHY: &str = "expected a score range like 3.5-5 (scores run from 1 to 5)";
    let (a, b) = s.split_once('-').ok_or(WHY)?;
    let p = |x: &str| -> Result<u16, &'static str> {
        let v: f64 = x.trim().parse().map_err(|_| WHY)?;
        if (1.0..=5.0).contains(&v) {
            Ok((v * 1000.0).round() as u16)
        } else {
            Err(WHY)
        }
    };
    let (a, b) = (p(a)?, p(b)?);
    if a > b {
        return Err("the range is empty");
    }
    Ok((a, b))
}

/// A score in thousandths as the shortest decimal (`3500` is `3.5`).
pub fn format_score(m: u16) -> String {
    let s = Fixed(m as f64 / 1000.0, 3).to_string();
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

fn dim_of(name: &str) -> Option<Dim> {
    Dim::ALL.into_iter().find(|d| d.name() == name)
}

/// Whether `name` is a filter parameter.
pub fn is_param(name: &str) -> bool {
    PARAMS.contains(&name)
}

/// The name as written in [`PARAMS`] (a `&'static str` for a name given at run time).
fn static_name(name: &str) -> Option<&'static str> {
    PARAMS.into_iter().find(|p| *p == name)
}

impl FilterSpec {
    pub fn is_empty(&self) -> bool {
        *self == FilterSpec::default()
    }

    /// Adds one value to a dimension, or removes it if present (a checkbox).
    pub fn toggle(&mut self, d: Dim, token: &str) {
        let set = self.sets.entry(d).or_default();
        if let Some(k) = set.iter().position(|t| t == token) {
            set.remove(k);
            if set.is_empty() {
                self.sets.remove(&d);
            }
        } else {
            set.push(token.to_string());
        }
    }

    /// Restricts a dimension to exactly one value.
    pub fn only(&mut self, d: Dim, token: &str) {
        self.sets.insert(d, vec![token.to_string()]);
    }

    /// Click-to-filter: the dimension becomes just `token`, or is cleared if it already was.
    pub fn click(&mut self, d: Dim, token: &str) {
        if self.values(d) == Some(&[token.to_string()][..]) {
            self.clear(d);
        } else {
            self.only(d, token);
        }
    }

    pub fn clear(&mut self, d: Dim) {
        self.sets.remove(&d);
    }

    /// The values of a dimension as tokens.
    pub fn values(&self, d: Dim) -> Option<&[String]> {
        self.sets.get(&d).map(|v| v.as_slice())
    }

    /// Sets parameter `name` from its values (already split and, for a URL, decoded). An error
    /// says why the values cannot be used; the spec is then unchanged.
    pub fn set_param(&mut self, name: &str, values: &[String]) -> Result<(), String> {
        let one = || -> Result<&str, String> {
            match values {
                [v] => Ok(v.as_str()),
                [] => Err("expected a value".into()),
                _ => Err("expected one value".into()),
            }
        };
        match name {
            "age" => self.age = Some(parse_age_range(one()?)?),
            "score" => self.score = Some(parse_score_range(one()?)?),
            "participant" => {
                let p = one()?;
                if p.is_empty() || p.chars().count() > 100 {
                    return Err("expected a participant id".into());
                }
                self.participant = Some(p.to_string());
            }
            "image" => {
                self.image = Some(
                    one()?
                        .trim()
                        .parse::<u64>()
                        .map_err(|_| "expected a numeric image id")?,
                )
            }
            _ => {
                let d = dim_of(name).ok_or("not a filter")?;
                if values.len() > MAX_VALUES {
                    return Err("too many values".into());
                }
                if values.iter().any(|v| v.chars().count() > MAX_VALUE_CHARS) {
                    return Err("a value is too long".into());
                }
                let mut tokens: Vec<String> = Vec::with_capacity(values.len());
                for v in values {
                    if !v.is_empty() && !tokens.contains(v) {
                        tokens.push(v.clone());
                    }
                }
                if tokens.is_empty() {
                    return Err("expected a value".into());
                }
                self.sets.insert(d, tokens);
            }
        }
        Ok(())
    }

    /// Every restriction as (parameter, values), in [`PARAMS`] order: what a printer writes.
    pub fn params(&self) -> Vec<(&'static str, Vec<String>)> {
        let mut out = Vec::new();
        if let Some((a, b)) = self.age {
            out.push(("age", vec![format!("{a}-{b}")]));
        }
        if let Some((a, b)) = self.score {
            out.push((
                "score",
                vec![format!("{}-{}", format_score(a), format_score(b))],
            ));
        }
        for (d, tokens) in &self.sets {
            out.push((static_name(d.name()).unwrap_or("?"), tokens.clone()));
        }
        if let Some(p) = &self.participant {
            out.push(("participant", vec![p.clone()]));
        }
        if let Some(i) = self.image {
            out.push(("image", vec![i.to_string()]));
        }
        out
    }

    /// The compact form, `gender=female,type=Art` (see the module docs).
    pub fn to_compact(&self) -> String {
        self.params()
            .into_iter()
            .map(|(k, v)| format!("{k}={}", v.join(",")))
            .collect::<Vec<_>>()
            .join(",")
    }

    /// Reads the compact form. `all` (or nothing) is the empty spec.
    pub fn parse_compact(s: &str) -> Result<FilterSpec, String> {
        let s = s.trim();
        let mut spec = FilterSpec::default();
        if s.is_empty() || s == "all" {
            return Ok(spec);
        }
        // Pair starts: the beginning, and every comma followed by a known `NAME=`.
        let mut starts = vec![0];
        for (i, _) in s.match_indices(',') {
            let rest = &s[i + 1..];
            if let Some((name, _)) = rest.split_once('=') {
                if is_param(name.trim()) {
                    starts.push(i + 1);
                }
            }
        }
        starts.push(s.len() + 1);
        for w in starts.windows(2) {
            let pair = &s[w[0]..w[1] - 1];
            let Some((name, raw)) = pair.split_once('=') else {
                return Err(format!("{pair:?}: expected NAME=VALUE"));
            };
            let name = name.trim();
            if !is_param(name) {
                return Err(format!(
                    "{name:?}: not a filter; filters are {}",
                    PARAMS.join(", ")
                ));
            }
            if spec.params().iter().any(|(p, _)| *p == name) {
                return Err(format!("{name} is given twice"));
            }
            spec.set_param(name, &split_values(raw))
                .map_err(|why| format!("{name}={raw}: {why}"))?;
        }
        Ok(spec)
    }

    /// The restrictions one by one, for chips.
    pub fn parts(&self) -> Vec<Part> {
        let mut out = Vec::new();
        if self.age.is_some() {
            out.push(Part::Age);
        }
        if self.score.is_some() {
            out.push(Part::Score);
        }
        for (d, tokens) in &self.sets {
            out.extend(tokens.iter().map(|t| Part::Value(*d, t.clone())));
        }
        if self.participant.is_some() {
            out.push(Part::Participant);
        }
        if self.image.is_some() {
            out.push(Part::Image);
        }
        out
    }

    /// Removes one restriction.
    pub fn remove(&mut self, p: &Part) {
        match p {
            Part::Age => self.age = None,
            Part::Score => self.score = None,
            Part::Value(d, t) => {
                if self.values(*d).is_some_and(|v| v.contains(t)) {
                    self.toggle(*d, t)
                }
            }
            Part::Participant => self.participant = None,
            Part::Image => self.image = None,
        }
    }

    /// A restriction in words (`age 20–39`, `art style: Art Nouveau Modern`); value labels come
    /// from the data when it is given and holds the value.
    pub fn describe(&self, p: &Part, ds: Option<&Dataset>) -> String {
        match p {
            Part::Age => self
                .age
                .map_or(String::new(), |(a, b)| format!("age {a}–{b}")),
            Part::Score => self.score.map_or(String::new(), |(a, b)| {
                format!(
                    "score {}–{}",
                    Fixed(a as f64 / 1000.0, 2),
                    Fixed(b as f64 / 1000.0, 2)
                )
            }),
            Part::Value(d, t) => {
                let key = d.key();
                let label = ds
                    .and_then(|ds| key.parse(ds, t).first().map(|&v| key.label(ds, v)))
                    .unwrap_or_else(|| humanize(t));
                format!("{}: {label}", key.title().to_ascii_lowercase())
            }
            Part::Participant => format!(
                "participant {}",
                self.participant.as_deref().unwrap_or_default()
            ),
            Part::Image => format!("image {}", self.image.unwrap_or_default()),
        }
    }

    /// Every restriction with its words ([`FilterSpec::parts`] described): what chips and
    /// one-line summaries show.
    pub fn described(&self, ds: Option<&Dataset>) -> Vec<(Part, String)> {
        self.parts()
            .into_iter()
            .map(|p| {
                let text = self.describe(&p, ds);
                (p, text)
            })
            .collect()
    }

    /// The values of one token: the token itself, or (for a token with commas that names
    /// nothing) its comma-separated parts.
    fn lookup(key: Key, ds: &Dataset, token: &str) -> Result<Vec<u32>, Unknown> {
        let whole = key.parse(ds, token);
        if !whole.is_empty() {
            return Ok(whole);
        }
        let unknown = |v: &str| Unknown {
            param: static_name(key.name()).unwrap_or("?"),
            value: v.to_string(),
            valid: match key {
                Key::Participant | Key::Image => Vec::new(),
                _ => (0..key.domain(ds) as u32)
                    .map(|v| key.token(ds, v))
                    .collect(),
            },
        };
        if !token.contains(',') {
            return Err(unknown(token));
        }
        let mut out = Vec::new();
        for part in token.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let found = key.parse(ds, part);
            if found.is_empty() {
                return Err(unknown(part));
            }
            out.extend(found);
        }
        Ok(out)
    }

    /// Resolves names against a dataset. Names the data does not hold are returned, not kept; a
    /// dimension whose every name is unknown is left unrestricted.
    pub fn resolve(&self, ds: &Dataset) -> (Filter, Vec<Unknown>) {
        let mut f = Filter {
            age: self.age,
            score: self.score,
            ..Filter::default()
        };
        let mut unknown = Vec::new();
        for (&d, tokens) in &self.sets {
            let mut values: Vec<u16> = Vec::new();
            for t in tokens {
                match FilterSpec::lookup(d.key(), ds, t) {
                    Ok(found) => values.extend(found.into_iter().map(|v| v as u16)),
                    Err(u) => unknown.push(u),
                }
            }
            values.sort_unstable();
            values.dedup();
            if !values.is_empty() || tokens.is_empty() {
                f.set_values(d, Some(values));
            }
        }
        if let Some(p) = &self.participant {
            match ds.participant_index(p) {
                Some(i) => f.participant = Some(i),
                None => unknown.push(Unknown {
                    param: "participant",
                    value: p.clone(),
                    valid: Vec::new(),
                }),
            }
        }
        if let Some(id) = self.image {
            match ds.image_index(id) {
                Some(i) => f.image = Some(i),
                None => unknown.push(Unknown {
                    param: "image",
                    value: id.to_string(),
                    valid: Vec::new(),
                }),
            }
        }
        (f, unknown)
    }

    /// Resolves names, refusing the first one the data does not hold.
    pub fn resolve_strict(&self, ds: &Dataset) -> Result<Filter, Unknown> {
        let (f, mut unknown) = self.resolve(ds);
        if unknown.is_empty() {
            Ok(f)
        } else {
            Err(unknown.swap_remove(0))
        }
    }

    /// Drops the names the data does not hold and says which they were: done once when data
    /// (or a link) arrives, so that everything downstream reads a spec that resolves whole.
    pub fn normalize(&mut self, ds: &Dataset) -> Vec<Unknown> {
        let (_, unknown) = self.resolve(ds);
        if unknown.is_empty() {
            return unknown;
        }
        for (d, tokens) in self.sets.iter_mut() {
            tokens.retain(|t| FilterSpec::lookup(d.key(), ds, t).is_ok());
        }
        self.sets.retain(|_, t| !t.is_empty());
        if unknown.iter().any(|u| u.param == "participant") {
            self.participant = None;
        }
        if unknown.iter().any(|u| u.param == "image") {
            self.image = None;
        }
        unknown
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_folding_lowers_ascii_and_latin1_and_keeps_the_rest() {
        assert_eq!(fold_case("United States"), "united states");
        assert_eq!(fold_case("ÉCOLE Ørsted ÀÞ"), "école ørsted àþ");
        assert_eq!(fold_case("× ß ÿ Ωmega 3-5"), "× ß ÿ Ωmega 3-5");
        assert!(search_finds("Côte d'Ivoire", "CÔTE"));
        assert!(search_finds("Korea, Republic of", ""));
        assert!(!search_finds("Germany", "france"));
    }

    #[test]
    fn values_split_at_commas_but_not_inside_names_with_comma_space() {
        assert_eq!(split_values("female,male"), ["female", "male"]);
        assert_eq!(
            split_values("Korea, Republic of,Germany"),
            ["Korea, Republic of", "Germany"]
        );
        assert_eq!(split_values(" a ,,b"), ["a", "b"]);
        assert!(split_values("").is_empty());
    }

    #[test]
    fn ranges_parse_with_reasons_for_what_they_refuse() {
        assert_eq!(parse_age_range("20-39"), Ok((20, 39)));
        assert_eq!(parse_age_range("30"), Ok((30, 30)));
        assert_eq!(parse_age_range("50-20"), Err("the range is empty"));
        assert!(parse_age_range("20-200").is_err());
        assert!(parse_age_range("twenty").is_err());
        assert_eq!(parse_score_range("3.5-5"), Ok((3500, 5000)));
        assert!(parse_score_range("0-9").is_err());
        assert!(parse_score_range("4").is_err());
        assert_eq!(format_score(3500), "3.5");
        assert_eq!(format_score(5000), "5");
        assert_eq!(format_score(1250), "1.25");
    }

    #[test]
    fn the_compact_form_round_trips_and_keeps_commas_inside_country_names() {
        let s = FilterSpec::parse_compact(
            "gender=female,male,nationality=Korea, Republic of,age=20-39,type=Art,score=3.5-5",
        )
        .unwrap();
        assert_eq!(s.age, Some((20, 39)));
        assert_eq!(s.score, Some((3500, 5000)));
        assert_eq!(s.values(Dim::Gender).unwrap(), ["female", "male"]);
        assert_eq!(s.values(Dim::Nationality).unwrap(), ["Korea, Republic of"]);
        assert_eq!(s.values(Dim::Type).unwrap(), ["Art"]);
        let printed = s.to_compact();
        assert_eq!(
            printed,
            "age=20-39,score=3.5-5,gender=female,male,nationality=Korea, Republic of,type=Art"
        );
        assert_eq!(FilterSpec::parse_compact(&printed).unwrap(), s);
        assert_eq!(
            FilterSpec::parse_compact("all").unwrap(),
            FilterSpec::default()
        );
    }

    #[test]
    fn the_compact_form_names_what_it_refuses() {
        let e = FilterSpec::parse_compact("colour=red").unwrap_err();
        assert!(e.contains("not a filter") && e.contains("gender"), "{e}");
        let e = FilterSpec::parse_compact("age=50-20").unwrap_err();
        assert!(e.contains("age=50-20") && e.contains("empty"), "{e}");
        let e = FilterSpec::parse_compact("gender=female,gender=male").unwrap_err();
        assert!(e.contains("twice"), "{e}");
        assert!(FilterSpec::parse_compact("female").is_err());
    }

    #[test]
    fn click_sets_one_value_or_clears_it_and_parts_remove_one_by_one() {
        let mut f = FilterSpec::default();
        f.click(Dim::Group, "landscape/Art");
        assert_eq!(f.values(Dim::Group).unwrap(), ["landscape/Art"]);
        f.click(Dim::Group, "portrait/Art");
        assert_eq!(f.values(Dim::Group).unwrap(), ["portrait/Art"]);
        f.click(Dim::Group, "portrait/Art");
        assert!(f.is_empty());
        f.toggle(Dim::Label, "good");
        f.toggle(Dim::Label, "great");
        f.age = Some((20, 29));
        let parts = f.parts();
        assert_eq!(parts.len(), 3);
        let words: Vec<String> = f.described(None).into_iter().map(|(_, t)| t).collect();
        assert_eq!(
            words,
            ["age 20–29", "quality label: good", "quality label: great"]
        );
        assert_eq!(f.describe(&parts[0], None), "age 20–29");
        assert_eq!(f.describe(&parts[1], None), "quality label: good");
        for p in &parts {
            f.remove(p);
        }
        assert!(f.is_empty());
    }

    #[test]
    fn set_param_refuses_without_changing_the_spec() {
        let mut f = FilterSpec::default();
        f.set_param("age", &["20-29".into()]).unwrap();
        assert!(f.set_param("age", &["x".into()]).is_err());
        assert!(f.set_param("image", &["abc".into()]).is_err());
        assert!(f
            .set_param("participant", &["a".into(), "b".into()])
            .is_err());
        let many: Vec<String> = (0..=MAX_VALUES).map(|i| i.to_string()).collect();
        assert_eq!(f.set_param("gender", &many), Err("too many values".into()));
        assert_eq!(f.age, Some((20, 29)));
        assert!(f.sets.is_empty() && f.image.is_none() && f.participant.is_none());
    }
}
