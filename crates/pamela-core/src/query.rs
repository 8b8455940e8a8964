//! Filters and aggregations over the columnar store.
//!
//! A [`Filter`] is compiled into per-participant and per-image bit masks of the dimensions that
//! fail ([`Compiled`]); a rating is selected when the masks of its participant, image, split and
//! label are all zero. One pass over the ratings ([`overview`]) then yields everything a filter
//! change needs at once: the selection's score counts, per-image and per-participant
//! accumulators, and the *facet counts* (for every filter option, the ratings it would keep under
//! the other filters). Facets use the classic trick: a rating that fails exactly one dimension
//! counts for that dimension's options only. Ratings are stored in runs of one (split,
//! participant), so participant-level work is done once per run and runs that fail two
//! dimensions are skipped whole.
//!
//! Views that cross a participant attribute with an image attribute ([`cross`]) and the
//! per-participant offsets ([`participant_offsets`]) take one more pass each.
//!
//! Every mean comes with an interval that counts people ([`crate::stats`] explains why and
//! how). That needs, per cell, each person's count and sum, squared only once the person is
//! complete. The overview's pass keeps them per (person, visual group) and (person, style) in
//! small dense arrays (a run is one person, so its additions stay within 48 neighbouring
//! entries), which lets [`regroup`] finish means by group, style and type without another
//! pass; people-level keys need only the per-person accumulators. [`cross`] walks the live runs
//! person by person (a person's runs are one per split, sorted together first), keeps the
//! person's sums for the cells they touched, and writes one (cell, count, sum) entry per cell
//! when the person is done; the CR2 terms are summed from those entries at the end, when each
//! cell's N and mean are known. The entries are at most one per rating, so memory follows the
//! data, not cells × people.

use crate::dataset::{Dataset, NO_STYLE};
use crate::schema::{Label, Split};
use crate::stats::{cr2_term, Acc, Clustered, Summary};
use serde::{Deserialize, Serialize};

pub use crate::cohort::{compare, CohortRow};

/// The dimensions a filter can restrict by a set of values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Dim {
    AgeBin,
    Gender,
    Nationality,
    Type,
    Group,
    Style,
    Split,
    Label,
}

impl Dim {
    pub const ALL: [Dim; 8] = [
        Dim::AgeBin,
        Dim::Gender,
        Dim::Nationality,
        Dim::Type,
        Dim::Group,
        Dim::Style,
        Dim::Split,
        Dim::Label,
    ];

    fn bit(self) -> u16 {
        1 << (self as u16)
    }

    pub fn key(self) -> Key {
        match self {
            Dim::AgeBin => Key::AgeBin,
            Dim::Gender => Key::Gender,
            Dim::Nationality => Key::Nationality,
            Dim::Type => Key::Type,
            Dim::Group => Key::Group,
            Dim::Style => Key::Style,
            Dim::Split => Key::Split,
            Dim::Label => Key::Label,
        }
    }

    pub fn name(self) -> &'static str {
        self.key().name()
    }
}

const BIT_AGE: u16 = 1 << 8;
const BIT_PARTICIPANT: u16 = 1 << 9;
const BIT_IMAGE: u16 = 1 << 10;
const BIT_SCORE: u16 = 1 << 11;

/// Which ratings to keep. `None` means "no restriction"; sets hold value indices (see
/// [`Key::domain`]). An empty set keeps nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Filter {
    /// Inclusive age range.
    pub age: Option<(u8, u8)>,
    /// Inclusive score range in thousandths (1000 ..= 5000).
    pub score: Option<(u16, u16)>,
    pub sets: [Option<Vec<u16>>; 8],
    pub participant: Option<u32>,
    pub image: Option<u32>,
}

impl Filter {
    pub fn set(&self, d: Dim) -> Option<&[u16]> {
        self.sets[d as usize].as_deref()
    }

    pub fn with(mut self, d: Dim, values: Vec<u16>) -> Filter {
        self.sets[d as usize] = Some(values);
        self
    }

    pub fn set_values(&mut self, d: Dim, values: Option<Vec<u16>>) {
        self.sets[d as usize] = values;
    }

    /// This filter with every restriction that `over` sets replacing this one's (a cohort
    /// defined on top of the current selection).
    pub fn overlay(&self, over: &Filter) -> Filter {
        let mut f = self.clone();
        if over.age.is_some() {
            f.age = over.age;
        }
        if over.score.is_some() {
            f.score = over.score;
        }
        for (k, set) in over.sets.iter().enumerate() {
            if set.is_some() {
                f.sets[k] = set.clone();
            }
        }
        if over.participant.is_some() {
            f.participant = over.participant;
        }
        if over.image.is_some() {
            f.image = over.image;
        }
        f
    }

    /// Whether nothing is restricted.
    pub fn is_empty(&self) -> bool {
        self.age.is_none()
            && self.score.is_none()
            && self.sets.iter().all(Option::is_none)
            && self.participant.is_none()
            && self.image.is_none()
    }
}

/// A key to group by. Participant-level keys: age bin, gender, nationality, age, participant;
/// image-level: type, group, style, image; rating-level: split, label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Key {
    AgeBin,
    Gender,
    Nationality,
    Age,
    Participant,
    Type,
    Group,
    Style,
    Image,
    Split,
    Label,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Level {
    Participant,
    Image,
    Rating,
}

impl Key {
    pub const ALL: [Key; 11] = [
        Key::AgeBin,
        Key::Gender,
        Key::Nationality,
        Key::Age,
        Key::Participant,
        Key::Type,
        Key::Group,
        Key::Style,
        Key::Image,
        Key::Split,
        Key::Label,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Key::AgeBin => "age_bin",
            Key::Gender => "gender",
            Key::Nationality => "nationality",
            Key::Age => "age",
            Key::Participant => "participant",
            Key::Type => "type",
            Key::Group => "group",
            Key::Style => "style",
            Key::Image => "image",
            Key::Split => "split",
            Key::Label => "label",
        }
    }

    pub fn from_name(s: &str) -> Option<Key> {
        Key::ALL.into_iter().find(|k| k.name() == s)
    }

    /// The filter dimension of the same values, if the key has one.
    pub fn dim(self) -> Option<Dim> {
        Dim::ALL.into_iter().find(|d| d.key() == self)
    }

    /// Human title.
    pub fn title(self) -> &'static str {
        match self {
            Key::AgeBin => "Age group",
            Key::Gender => "Gender",
            Key::Nationality => "Nationality",
            Key::Age => "Age",
            Key::Participant => "Participant",
            Key::Type => "Image type",
            Key::Group => "Visual group",
            Key::Style => "Art style",
            Key::Image => "Image",
            Key::Split => "Split",
            Key::Label => "Quality label",
        }
    }

    pub(crate) fn level(self) -> Level {
        match self {
            Key::AgeBin | Key::Gender | Key::Nationality | Key::Age | Key::Participant => {
                Level::Participant
            }
            Key::Type | Key::Group | Key::Style | Key::Image => Level::Image,
            Key::Split | Key::Label => Level::Rating,
        }
    }

    /// The values in the order people read them: age groups by age (teens before twenties),
    /// every other key as its dictionary sorts it. Filters, heatmap rows and legends use it.
    pub fn reading_order(self, ds: &Dataset) -> Vec<u32> {
        match self {
            Key::AgeBin => ds.age_bin_order().into_iter().map(u32::from).collect(),
            _ => (0..self.domain(ds) as u32).collect(),
        }
    }

    /// Number of distinct values: indices run from 0 to `domain - 1`. Style's last value is
    /// "no style" (Photorealism); age runs 0 ..= 150.
    pub fn domain(self, ds: &Dataset) -> usize {
        match self {
            Key::AgeBin => ds.dicts.age_bins.len(),
            Key::Gender => ds.dicts.genders.len(),
            Key::Nationality => ds.dicts.nationalities.len(),
            Key::Age => 151,
            Key::Participant => ds.participants.len(),
            Key::Type => ds.dicts.types.len(),
            Key::Group => ds.groups().len(),
            Key::Style => ds.dicts.styles.len() + 1,
            Key::Image => ds.images.len(),
            Key::Split => 5,
            Key::Label => 5,
        }
    }

    /// A participant's value of this key (`None` for keys that are not about people).
    pub fn of_participant(self, ds: &Dataset, p: usize) -> Option<u32> {
        let pa = &ds.participants;
        Some(match self {
            Key::AgeBin => pa.age_bin[p] as u32,
            Key::Gender => pa.gender[p] as u32,
            Key::Nationality => pa.nationality[p] as u32,
            Key::Age => pa.age[p] as u32,
            Key::Participant => p as u32,
            _ => return None,
        })
    }

    /// An image's value of this key (`None` for keys that are not about images). Style's
    /// "no style" is the last value, `domain - 1`.
    pub fn of_image(self, ds: &Dataset, i: usize) -> Option<u32> {
        let im = &ds.images;
        Some(match self {
            Key::Type => im.kind[i] as u32,
            Key::Group => ds.image_group()[i] as u32,
            Key::Style => style_value(ds, i) as u32,
            Key::Image => i as u32,
            _ => return None,
        })
    }

    /// Rating `r`'s value of this key, for a key of any level.
    pub fn of_rating(self, ds: &Dataset, r: usize) -> u32 {
        let ra = &ds.ratings;
        match self.level() {
            Level::Participant => self
                .of_participant(ds, ra.participant[r] as usize)
                .unwrap_or(0),
            Level::Image => self.of_image(ds, ra.image[r] as usize).unwrap_or(0),
            Level::Rating => match self {
                Key::Split => ra.split[r] as u32,
                _ => ra.label[r] as u32,
            },
        }
    }

    /// Each participant's (or image's) value of this key; empty for rating-level keys.
    fn column(self, ds: &Dataset) -> Vec<u32> {
        match self.level() {
            Level::Participant => (0..ds.participants.len())
                .filter_map(|p| self.of_participant(ds, p))
                .collect(),
            Level::Image => (0..ds.images.len())
                .filter_map(|i| self.of_image(ds, i))
                .collect(),
            Level::Rating => Vec::new(),
        }
    }

    /// The value as people read it.
    pub fn label(self, ds: &Dataset, v: u32) -> String {
        match self {
            Key::AgeBin => ds.dicts.age_bins.get(v as u16).into(),
            Key::Gender => ds.dicts.genders.get(v as u16).into(),
            Key::Nationality => ds.dicts.nationalities.get(v as u16).into(),
            Key::Age => v.to_string(),
            Key::Participant => ds.participants.id[v as usize].clone(),
            Key::Type => ds.dicts.types.get(v as u16).into(),
            Key::Group => ds.group_label(v as u16),
            Key::Style => {
                if v as usize == ds.dicts.styles.len() {
                    "(no style)".into()
                } else {
                    humanize(ds.dicts.styles.get(v as u16))
                }
            }
            Key::Image => ds.images.id[v as usize].to_string(),
            Key::Split => Split::from_index(v as u8).map_or("?".into(), |s| s.name().into()),
            Key::Label => Label::from_index(v as u8).map_or("?".into(), |l| l.name().into()),
        }
    }

    /// The value as written in URLs and on the command line (stable across datasets).
    pub fn token(self, ds: &Dataset, v: u32) -> String {
        match self {
            Key::Group => {
                let g = ds.groups()[v as usize];
                let name = ds.dicts.group_names.get(g.name);
                if ds.groups().iter().filter(|k| k.name == g.name).count() > 1 {
                    format!("{name}/{}", ds.dicts.types.get(g.kind))
                } else {
                    name.to_string()
                }
            }
            Key::Style if v as usize == ds.dicts.styles.len() => "(none)".into(),
            Key::Style => ds.dicts.styles.get(v as u16).into(),
            _ => self.label(ds, v),
        }
    }

    /// Values whose token (or, for groups, name alone or label) matches `s`.
    pub fn parse(self, ds: &Dataset, s: &str) -> Vec<u32> {
        let s = s.trim();
        let all = 0..self.domain(ds) as u32;
        match self {
            Key::Group => all
                .filter(|&v| {
                    let g = ds.groups()[v as usize];
                    self.token(ds, v) == s
                        || ds.group_label(v as u16) == s
                        || ds.dicts.group_names.get(g.name) == s
                })
                .collect(),
            Key::Style => all
                .filter(|&v| self.token(ds, v) == s || self.label(ds, v) == s)
                .collect(),
            Key::Age => s
                .parse::<u32>()
                .ok()
                .filter(|&a| a <= 150)
                .into_iter()
                .collect(),
            Key::Participant => ds.participant_index(s).into_iter().collect(),
            Key::Image => s
                .parse::<u64>()
                .ok()
                .and_then(|id| ds.image_index(id))
                .into_iter()
                .collect(),
            _ => all.filter(|&v| self.token(ds, v) == s).collect(),
        }
    }
}

/// Image `i`'s style as a value of [`Key::Style`]: its style, or "no style", the last value.
fn style_value(ds: &Dataset, i: usize) -> u16 {
    match ds.images.style[i] {
        NO_STYLE => ds.dicts.styles.len() as u16,
        s => s,
    }
}

/// A style name as people read it: `Art_Nouveau_Modern` is `Art Nouveau Modern`.
pub fn humanize(s: &str) -> String {
    s.replace('_', " ")
}

/// A filter compiled against one dataset: which dimensions fail, per participant, image, split
/// and label.
#[derive(Debug, Clone)]
pub struct Compiled {
    pfail: Vec<u16>,
    ifail: Vec<u16>,
    sfail: [u16; 5],
    lfail: [u16; 5],
    score: (u16, u16),
}

/// For each value of a dimension, whether the filter keeps it (`None`: no restriction).
fn allowed(set: Option<&[u16]>, domain: usize) -> Option<Vec<bool>> {
    set.map(|s| {
        let mut ok = vec![false; domain];
        for &v in s {
            if let Some(x) = ok.get_mut(v as usize) {
                *x = true;
            }
        }
        ok
    })
}

fn keeps(table: &Option<Vec<bool>>, v: u16) -> bool {
    table
        .as_ref()
        .is_none_or(|t| t.get(v as usize).copied().unwrap_or(false))
}

impl Compiled {
    pub fn new(ds: &Dataset, f: &Filter) -> Compiled {
        let table = |d: Dim| allowed(f.set(d), d.key().domain(ds));
        let (age_bins, genders, nats) = (
            table(Dim::AgeBin),
            table(Dim::Gender),
            table(Dim::Nationality),
        );
        let (types, groups_ok, styles) = (table(Dim::Type), table(Dim::Group), table(Dim::Style));
        let (splits, labels) = (table(Dim::Split), table(Dim::Label));
        let pa = &ds.participants;
        let pfail = (0..pa.len())
            .map(|p| {
                let mut m = 0u16;
                if let Some((lo, hi)) = f.age {
                    if !(lo..=hi).contains(&pa.age[p]) {
                        m |= BIT_AGE;
                    }
                }
                if !keeps(&age_bins, pa.age_bin[p]) {
                    m |= Dim::AgeBin.bit();
                }
                if !keeps(&genders, pa.gender[p]) {
                    m |= Dim::Gender.bit();
                }
                if !keeps(&nats, pa.nationality[p]) {
                    m |= Dim::Nationality.bit();
                }
                if f.participant.is_some_and(|x| x as usize != p) {
                    m |= BIT_PARTICIPANT;
                }
                m
            })
            .collect();
        let im = &ds.images;
        let groups = ds.image_group();
        let ifail = (0..im.len())
            .map(|i| {
                let mut m = 0u16;
                if !keeps(&types, im.kind[i]) {
                    m |= Dim::Type.bit();
                }
                if !keeps(&groups_ok, groups[i]) {
                    m |= Dim::Group.bit();
                }
                let style = style_value(ds, i);
                if !keeps(&styles, style) {
                    m |= Dim::Style.bit();
                }
                if f.image.is_some_and(|x| x as usize != i) {
                    m |= BIT_IMAGE;
                }
                m
            })
            .collect();
        let mut sfail = [0u16; 5];
        let mut lfail = [0u16; 5];
        for v in 0..5u16 {
            if !keeps(&splits, v) {
                sfail[v as usize] = Dim::Split.bit();
            }
            if !keeps(&labels, v) {
                lfail[v as usize] = Dim::Label.bit();
            }
        }
        Compiled {
            pfail,
            ifail,
            sfail,
            lfail,
            score: f.score.unwrap_or((1000, 5000)),
        }
    }

    #[inline]
    fn score_mask(&self, score: u16) -> u16 {
        if score < self.score.0 || score > self.score.1 {
            BIT_SCORE
        } else {
            0
        }
    }

    /// The failing rating-level dimensions (label, score) of one rating.
    #[inline]
    fn rating_mask(&self, label: u8, score: u16) -> u16 {
        self.lfail[label as usize] | self.score_mask(score)
    }

    /// Whether a rating of this image, label and score passes the image and rating dimensions.
    #[inline]
    pub(crate) fn passes_within_run(&self, image: u32, label: u8, score: u16) -> bool {
        self.ifail[image as usize] | self.rating_mask(label, score) == 0
    }

    /// Whether image `i` passes the image dimensions.
    #[inline]
    pub(crate) fn image_passes(&self, i: u32) -> bool {
        self.ifail[i as usize] == 0
    }

    /// Whether label `l` passes the label dimension.
    #[inline]
    pub(crate) fn label_passes(&self, l: u8) -> bool {
        self.lfail[l as usize] == 0
    }

    /// The inclusive score range kept (thousandths).
    pub(crate) fn score_range(&self) -> (u16, u16) {
        self.score
    }

    /// Whether rating `r` is selected.
    #[inline]
    pub fn keeps(&self, ds: &Dataset, r: usize) -> bool {
        let ra = &ds.ratings;
        (self.pfail[ra.participant[r] as usize]
            | self.ifail[ra.image[r] as usize]
            | self.sfail[ra.split[r] as usize]
            | self.rating_mask(ra.label[r], ra.score[r]))
            == 0
    }

    /// Whether a run of participant `p` in split `s` can hold selected ratings.
    #[inline]
    pub(crate) fn run_live(&self, p: u32, s: u8) -> bool {
        self.pfail[p as usize] | self.sfail[s as usize] == 0
    }

    /// Runs of one (split, participant) that can hold selected ratings.
    fn live_runs<'a>(
        &'a self,
        ds: &'a Dataset,
    ) -> impl Iterator<Item = std::ops::Range<usize>> + 'a {
        ds.runs().iter().filter_map(move |run| {
            let r = run.start as usize;
            let p = ds.ratings.participant[r] as usize;
            let s = ds.ratings.split[r] as usize;
            (self.pfail[p] | self.sfail[s] == 0).then_some(r..run.end as usize)
        })
    }
}

/// For every filter dimension, how many ratings each value would keep under the other filters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Facets {
    pub counts: [Vec<u64>; 8],
    /// Ratings per age (0 ..= 150) under every filter but the age range.
    pub age: Vec<u64>,
    /// People with at least one such rating, per age (0 ..= 150).
    pub age_people: Vec<u64>,
}

impl Facets {
    pub fn of(&self, d: Dim) -> &[u64] {
        &self.counts[d as usize]
    }
}

/// Everything one pass over the ratings gives for a filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overview {
    pub total: Acc,
    /// Selected ratings per score in thousandths above 1.0 (4001 entries).
    pub score_counts: Vec<u64>,
    /// Ratings per score under every filter but the score range (the distribution a score
    /// range is picked from).
    pub score_facet: Vec<u64>,
    pub labels: [u64; 5],
    pub per_image: Vec<Acc>,
    pub per_participant: Vec<Acc>,
    pub facets: Facets,
    /// Per (participant, visual group): `[p * groups + g]`; and per (participant, style value).
    per_person_group: Vec<PersonSum>,
    per_person_style: Vec<PersonSum>,
}

/// One person's count and sum (thousandths) within a cell.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct PersonSum {
    n: u32,
    sum: u64,
}

impl Overview {
    /// The selection's mean with both intervals (people as clusters by default).
    pub fn summary(&self) -> Summary {
        let people = self.per_participant.iter().map(|a| (a.n, a.sum));
        Clustered::of_people(&self.total, people).summary()
    }
}

/// The single pass described in the module docs.
pub fn overview(ds: &Dataset, c: &Compiled) -> Overview {
    let ra = &ds.ratings;
    let (np, ni) = (ds.participants.len(), ds.images.len());
    let mut score_facet = vec![0u64; 4001];
    let mut labels = [0u64; 5];
    let mut per_image = vec![Acc::default(); ni];
    let mut per_participant = vec![Acc::default(); np];
    let mut part_cnt = vec![0u64; np]; // passes image + rating dims
    let mut img_cnt = vec![0u64; ni]; // passes participant + rating dims
    let mut split_facet = [0u64; 5];
    let mut label_facet = [0u64; 5];
    let (ng, nst) = (ds.groups().len(), Key::Style.domain(ds));
    let mut per_person_group = vec![PersonSum::default(); np * ng];
    let mut per_person_style = vec![PersonSum::default(); np * nst];
    let image_style: Vec<u16> = (0..ni).map(|i| style_value(ds, i)).collect();
    let image_group = ds.image_group();

    for run in ds.runs() {
        let (lo, hi) = (run.start as usize, run.end as usize);
        let p = ra.participant[lo] as usize;
        let s = ra.split[lo] as usize;
        let pm = c.pfail[p];
        let sm = c.sfail[s];
        if pm != 0 && sm != 0 {
            continue; // fails two dimensions: counts nowhere
        }
        let images = &ra.image[lo..hi];
        let scores = &ra.score[lo..hi];
        let labs = &ra.label[lo..hi];
        if pm == 0 && sm == 0 {
            let mut acc = Acc::default();
            let mut pass_il = 0u64;
            let pg = &mut per_person_group[p * ng..(p + 1) * ng];
            let ps = &mut per_person_style[p * nst..(p + 1) * nst];
            for k in 0..images.len() {
                let i = images[k] as usize;
                let l = labs[k] as usize;
                let x = scores[k];
                let im = c.ifail[i];
                let lm = c.lfail[l];
                let xm = c.score_mask(x);
                if lm | xm == 0 {
                    img_cnt[i] += 1;
                }
                if im == 0 {
                    if xm == 0 {
                        label_facet[l] += 1;
                    }
                    if lm == 0 {
                        score_facet[(x - 1000) as usize] += 1;
                        if xm == 0 {
                            pass_il += 1;
                            acc.push(x);
                            per_image[i].push(x);
                            labels[l] += 1;
                            let g = &mut pg[image_group[i] as usize];
                            g.n += 1;
                            g.sum += x as u64;
                            let st = &mut ps[image_style[i] as usize];
                            st.n += 1;
                            st.sum += x as u64;
                        }
                    }
                }
            }
            part_cnt[p] += pass_il;
            split_facet[s] += pass_il;
            per_participant[p].merge(&acc);
        } else {
            // Exactly one of participant / split fails: only the count of ratings passing the
            // image and label dimensions matters.
            let mut pass_il = 0u64;
            for k in 0..images.len() {
                if c.passes_within_run(images[k], labs[k], scores[k]) {
                    pass_il += 1;
                }
            }
            if sm == 0 {
                part_cnt[p] += pass_il;
            } else {
                split_facet[s] += pass_il;
            }
        }
    }

    let mut total = Acc::default();
    for a in &per_participant {
        total.merge(a);
    }
    let mut counts: [Vec<u64>; 8] = Default::default();
    for d in Dim::ALL {
        counts[d as usize] = vec![0; d.key().domain(ds)];
    }
    let mut age = vec![0u64; 151];
    let mut age_people = vec![0u64; 151];
    let pa = &ds.participants;
    for p in 0..np {
        let pm = c.pfail[p];
        let n = part_cnt[p];
        if n == 0 {
            continue;
        }
        for (d, v) in [
            (Dim::AgeBin, pa.age_bin[p]),
            (Dim::Gender, pa.gender[p]),
            (Dim::Nationality, pa.nationality[p]),
        ] {
            if pm & !d.bit() == 0 {
                counts[d as usize][v as usize] += n;
            }
        }
        if pm & !BIT_AGE == 0 {
            age[pa.age[p] as usize] += n;
            age_people[pa.age[p] as usize] += 1;
        }
    }
    let im = &ds.images;
    let groups = ds.image_group();
    for i in 0..ni {
        let m = c.ifail[i];
        let n = img_cnt[i];
        if n == 0 {
            continue;
        }
        let style = style_value(ds, i);
        for (d, v) in [
            (Dim::Type, im.kind[i]),
            (Dim::Group, groups[i]),
            (Dim::Style, style),
        ] {
            if m & !d.bit() == 0 {
                counts[d as usize][v as usize] += n;
            }
        }
    }
    counts[Dim::Split as usize] = split_facet.to_vec();
    counts[Dim::Label as usize] = label_facet.to_vec();
    let (lo, hi) = c.score;
    let score_counts = score_facet
        .iter()
        .enumerate()
        .map(|(v, &n)| {
            if (lo..=hi).contains(&(v as u16 + 1000)) {
                n
            } else {
                0
            }
        })
        .collect();
    Overview {
        total,
        score_counts,
        score_facet,
        labels,
        per_image,
        per_participant,
        facets: Facets {
            counts,
            age,
            age_people,
        },
        per_person_group,
        per_person_style,
    }
}

/// Histogram of the selection over [1, 5] in `bins` equal bins (5.0 falls in the last).
pub fn histogram(score_counts: &[u64], bins: usize) -> Vec<u64> {
    let bins = bins.max(1);
    let mut out = vec![0u64; bins];
    for (v, &n) in score_counts.iter().enumerate() {
        if n > 0 {
            out[(v * bins / 4000).min(bins - 1)] += n;
        }
    }
    out
}

/// Group the per-image or per-participant accumulators of an [`Overview`] by a key of that
/// level (no pass over the ratings): one finished cell per value of the key, with the people it
/// rests on. `None` for the rating-level keys (split, label), which need [`cross`].
///
/// By image, each image's raters are taken as distinct people (a person who rated an image twice,
/// which the loader warns about, would count twice there).
pub fn regroup(ds: &Dataset, ov: &Overview, key: Key) -> Option<Vec<Clustered>> {
    let dom = key.domain(ds);
    let np = ov.per_participant.len();
    let finish = |accs: &[Acc], cells: &[PersonSum], width: usize, of: &dyn Fn(usize) -> usize| {
        // `cells[p * width + c]`, and `of(c)` the key value of column c.
        let mut meat = vec![0f64; dom];
        let mut people = vec![0u64; dom];
        let mut person = vec![PersonSum::default(); dom];
        for p in 0..np {
            let row = &cells[p * width..(p + 1) * width];
            for (c, x) in row.iter().enumerate() {
                if x.n > 0 {
                    let v = &mut person[of(c)];
                    v.n += x.n;
                    v.sum += x.sum;
                }
            }
            for (v, x) in person.iter_mut().enumerate() {
                if x.n > 0 {
                    let a = &accs[v];
                    let mean = a.sum as f64 / a.n as f64;
                    meat[v] += cr2_term(x.n as f64, x.sum as f64, a.n as f64, mean);
                    people[v] += 1;
                    *x = PersonSum::default();
                }
            }
        }
        (0..dom)
            .map(|v| Clustered::from_parts(&accs[v], people[v], meat[v]))
            .collect::<Vec<_>>()
    };
    let col = key.column(ds);
    match key.level() {
        Level::Rating => None,
        Level::Participant => {
            let mut accs = vec![Acc::default(); dom];
            for (p, a) in ov.per_participant.iter().enumerate() {
                accs[col[p] as usize].merge(a);
            }
            // Person p's whole selection sits in the value col[p].
            let mut meat = vec![0f64; dom];
            let mut people = vec![0u64; dom];
            for (p, a) in ov.per_participant.iter().enumerate() {
                if a.n > 0 {
                    let v = col[p] as usize;
                    let t = &accs[v];
                    let mean = t.sum as f64 / t.n as f64;
                    meat[v] += cr2_term(a.n as f64, a.sum as f64, t.n as f64, mean);
                    people[v] += 1;
                }
            }
            Some(
                (0..dom)
                    .map(|v| Clustered::from_parts(&accs[v], people[v], meat[v]))
                    .collect(),
            )
        }
        Level::Image => {
            let mut accs = vec![Acc::default(); dom];
            for (i, a) in ov.per_image.iter().enumerate() {
                accs[col[i] as usize].merge(a);
            }
            match key {
                Key::Image => Some(ov.per_image.iter().map(Acc::as_distinct_people).collect()),
                Key::Style => Some(finish(&accs, &ov.per_person_style, dom, &|c| c)),
                Key::Group => Some(finish(&accs, &ov.per_person_group, dom, &|c| c)),
                _ => {
                    // Type: each visual group is of one type.
                    let groups = ds.groups();
                    let width = groups.len();
                    Some(finish(&accs, &ov.per_person_group, width, &|g| {
                        groups[g].kind as usize
                    }))
                }
            }
        }
    }
}

/// Two-key group-by over the selection: `cells[row * cols + col]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Table2 {
    pub rows: usize,
    pub cols: usize,
    /// Exact accumulators of each cell's (raw) scores.
    pub cells: Vec<Acc>,
    /// Each cell finished with its people, on the scores asked for (raw or image-centred, see
    /// [`Scores`]): what its summary and intervals come from.
    pub clustered: Vec<Clustered>,
    /// The same for each row (all columns together; a person counted once per row).
    pub row_clustered: Vec<Clustered>,
    /// The scores the clustered figures are on.
    pub scores: Scores,
}

impl Table2 {
    /// Cell (r, c) finished: `.summary()` gives its mean and intervals.
    pub fn cell(&self, r: usize, c: usize) -> &Clustered {
        &self.clustered[r * self.cols + c]
    }

    /// Cell (r, c)'s exact accumulator of raw scores.
    pub fn acc(&self, r: usize, c: usize) -> &Acc {
        &self.cells[r * self.cols + c]
    }

    /// Each row finished (all columns together).
    pub fn row_totals(&self) -> Vec<Clustered> {
        self.row_clustered.clone()
    }
}

/// Which scores a [`cross`] summarizes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Scores {
    /// The scores as given.
    Raw,
    /// Each score minus its image's mean over the selection (the filter of the cross): a cell
    /// then says how its ratings sit relative to everyone in the selection who rated the same
    /// images, free of which images the cell happens to hold. Centring on the selection (not on
    /// all ratings) keeps the heatmap about the people the filters chose; an image with a single
    /// selected rating centres it to zero. The intervals treat the image means as fixed.
    ImageCentred,
}

/// A per-rating key lookup, resolved once per query.
pub(crate) struct KeyFn {
    level: Level,
    col: Vec<u32>,
    key: Key,
}

impl KeyFn {
    pub(crate) fn new(ds: &Dataset, key: Key) -> KeyFn {
        KeyFn {
            level: key.level(),
            col: key.column(ds),
            key,
        }
    }

    /// The value of a rating of image `i` with label `label`, within a run of participant `p`
    /// and split `split`.
    #[inline]
    pub(crate) fn in_run(&self, p: u32, split: u8, i: u32, label: u8) -> u32 {
        match self.level {
            Level::Participant => self.col[p as usize],
            Level::Image => self.col[i as usize],
            Level::Rating => match self.key {
                Key::Split => split as u32,
                _ => label as u32,
            },
        }
    }
}

/// The live runs of any of these filters, a participant's runs together (participant order,
/// then rating order): the order in which a person's sums are complete when their last run ends.
pub(crate) fn runs_by_person(ds: &Dataset, cs: &[&Compiled]) -> Vec<std::ops::Range<usize>> {
    let ra = &ds.ratings;
    let mut runs: Vec<std::ops::Range<usize>> = ds
        .runs()
        .iter()
        .filter_map(|run| {
            let r = run.start as usize;
            let (p, s) = (ra.participant[r] as usize, ra.split[r] as usize);
            cs.iter()
                .any(|c| c.run_live(p as u32, s as u8))
                .then_some(r..run.end as usize)
        })
        .collect();
    runs.sort_by_key(|r| (ra.participant[r.start], r.start));
    runs
}

/// Per-cell sums gathered person by person, finished into [`Clustered`] cells (module docs).
pub(crate) struct PeopleCells {
    pub acc: Vec<Acc>,
    /// Sum and sum of squares of the summarized values (thousandths), when not the raw scores.
    vsum: Vec<f64>,
    vsq: Vec<f64>,
    raw: bool,
    local_n: Vec<u32>,
    local_s: Vec<f64>,
    touched: Vec<u32>,
    entries: Vec<(u32, u32, f64)>,
    /// (rows, cols) when the last `rows` cells are row totals of the `rows × cols` before them,
    /// filled from a person's cells when the person is complete (not per rating).
    rollup: Option<(usize, usize)>,
}

impl PeopleCells {
    pub fn new(cells: usize, raw: bool) -> PeopleCells {
        PeopleCells {
            acc: vec![Acc::default(); cells],
            vsum: if raw { Vec::new() } else { vec![0.0; cells] },
            vsq: if raw { Vec::new() } else { vec![0.0; cells] },
            raw,
            local_n: vec![0; cells],
            local_s: vec![0.0; cells],
            touched: Vec::new(),
            entries: Vec::new(),
            rollup: None,
        }
    }

    /// A `rows × cols` grid followed by one total per row.
    pub fn grid(rows: usize, cols: usize, raw: bool) -> PeopleCells {
        PeopleCells {
            rollup: Some((rows, cols)),
            ..PeopleCells::new(rows * cols + rows, raw)
        }
    }

    /// One rating of the current person: raw score `x`, summarized value `v` (thousandths).
    #[inline]
    pub fn add(&mut self, cell: usize, x: u16, v: f64) {
        self.acc[cell].push(x);
        if !self.raw {
            self.vsum[cell] += v;
            self.vsq[cell] += v * v;
        }
        if self.local_n[cell] == 0 {
            self.touched.push(cell as u32);
        }
        self.local_n[cell] += 1;
        self.local_s[cell] += v;
    }

    /// The current person is complete.
    pub fn end_person(&mut self) {
        if let Some((rows, cols)) = self.rollup {
            let base = rows * cols;
            for k in 0..self.touched.len() {
                let c = self.touched[k] as usize;
                let r = base + c / cols;
                if self.local_n[r] == 0 {
                    self.touched.push(r as u32);
                }
                self.local_n[r] += self.local_n[c];
                self.local_s[r] += self.local_s[c];
            }
        }
        for &c in &self.touched {
            let c = c as usize;
            self.entries
                .push((c as u32, self.local_n[c], self.local_s[c]));
            self.local_n[c] = 0;
            self.local_s[c] = 0.0;
        }
        self.touched.clear();
    }

    pub fn finish(mut self) -> (Vec<Acc>, Vec<Clustered>) {
        self.end_person();
        if let Some((rows, cols)) = self.rollup {
            let base = rows * cols;
            for c in 0..base {
                let (a, r) = (self.acc[c], base + c / cols);
                self.acc[r].merge(&a);
                if !self.raw {
                    self.vsum[r] += self.vsum[c];
                    self.vsq[r] += self.vsq[c];
                }
            }
        }
        let cells = self.acc.len();
        let (n, mean): (Vec<f64>, Vec<f64>) = (0..cells)
            .map(|c| {
                let n = self.acc[c].n as f64;
                let s = if self.raw {
                    self.acc[c].sum as f64
                } else {
                    self.vsum[c]
                };
                (n, if n > 0.0 { s / n } else { 0.0 })
            })
            .unzip();
        let mut meat = vec![0f64; cells];
        let mut people = vec![0u64; cells];
        for &(c, n_g, s_g) in &self.entries {
            let c = c as usize;
            meat[c] += cr2_term(n_g as f64, s_g, n[c], mean[c]);
            people[c] += 1;
        }
        let out = (0..cells)
            .map(|c| {
                if self.raw {
                    Clustered::from_parts(&self.acc[c], people[c], meat[c])
                } else {
                    let ss = (self.vsq[c] - self.vsum[c] * mean[c]).max(0.0);
                    Clustered {
                        n: self.acc[c].n,
                        people: people[c],
                        mean: if n[c] > 0.0 {
                            mean[c] / 1000.0
                        } else {
                            f64::NAN
                        },
                        ss: ss / 1e6,
                        meat: meat[c] / 1e6,
                    }
                }
            })
            .collect();
        (self.acc, out)
    }
}

/// Group the selection by one or two keys of any level, on the raw scores.
pub fn cross(ds: &Dataset, c: &Compiled, row: Key, col: Option<Key>) -> Table2 {
    cross_with(ds, c, row, col, Scores::Raw)
}

/// [`cross`] on the scores asked for; one pass over the selection (two when image-centred: the
/// image means first; [`cross_centred`] takes them from an overview that has them already).
pub fn cross_with(
    ds: &Dataset,
    c: &Compiled,
    row: Key,
    col: Option<Key>,
    scores: Scores,
) -> Table2 {
    let centre = match scores {
        Scores::Raw => Vec::new(),
        Scores::ImageCentred => {
            let mut per_image = vec![Acc::default(); ds.images.len()];
            let ra = &ds.ratings;
            for run in c.live_runs(ds) {
                for r in run {
                    if c.passes_within_run(ra.image[r], ra.label[r], ra.score[r]) {
                        let x = &mut per_image[ra.image[r] as usize];
                        x.n += 1;
                        x.sum += ra.score[r] as u64;
                    }
                }
            }
            image_means(&per_image)
        }
    };
    cross_on(ds, c, row, col, scores, &centre)
}

/// [`cross_with`] on image-centred scores, with the image means of `ov`, the overview of the
/// same selection `c` (its per-image sums are the ones the centring needs): one pass, not two.
pub fn cross_centred(
    ds: &Dataset,
    c: &Compiled,
    ov: &Overview,
    row: Key,
    col: Option<Key>,
) -> Table2 {
    cross_on(
        ds,
        c,
        row,
        col,
        Scores::ImageCentred,
        &image_means(&ov.per_image),
    )
}

/// Each image's mean score in thousandths (0 for an image without ratings).
fn image_means(per_image: &[Acc]) -> Vec<f64> {
    per_image
        .iter()
        .map(|a| {
            if a.n > 0 {
                a.sum as f64 / a.n as f64
            } else {
                0.0
            }
        })
        .collect()
}

/// The walk behind [`cross_with`]: `centre` holds each image's mean when image-centred.
fn cross_on(
    ds: &Dataset,
    c: &Compiled,
    row: Key,
    col: Option<Key>,
    scores: Scores,
    centre: &[f64],
) -> Table2 {
    let rf = KeyFn::new(ds, row);
    let cf = col.map(|k| KeyFn::new(ds, k));
    let rows = row.domain(ds);
    let cols = col.map_or(1, |k| k.domain(ds));
    let ra = &ds.ratings;
    let mut pc = PeopleCells::grid(rows, cols, scores == Scores::Raw);
    let totals = rows * cols;
    let mut last: Option<u32> = None;
    for run in runs_by_person(ds, &[c]) {
        let (p, s) = (ra.participant[run.start], ra.split[run.start]);
        if last != Some(p) {
            pc.end_person();
            last = Some(p);
        }
        for r in run {
            let (i, l, x) = (ra.image[r], ra.label[r], ra.score[r]);
            if !c.passes_within_run(i, l, x) {
                continue;
            }
            let rv = rf.in_run(p, s, i, l) as usize;
            let cv = cf.as_ref().map_or(0, |f| f.in_run(p, s, i, l) as usize);
            let v = if centre.is_empty() {
                x as f64
            } else {
                x as f64 - centre[i as usize]
            };
            pc.add(rv * cols + cv, x, v);
        }
    }
    let (mut acc, mut clustered) = pc.finish();
    let row_clustered = clustered.split_off(totals);
    acc.truncate(totals);
    Table2 {
        rows,
        cols,
        cells: acc,
        clustered,
        row_clustered,
        scores,
    }
}

/// One image's ratings in the selection.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ImageStat {
    pub image: u32,
    pub summary: Summary,
}

/// Which images to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ImageOrder {
    /// Highest mean first.
    Top,
    /// Lowest mean first.
    Bottom,
    /// Highest standard deviation across raters first.
    Disputed,
}

/// The first `k` images with at least `min_n` selected ratings in an order (ties broken by
/// image index, so results are stable). Only the listed images get a full summary.
pub fn rank_images(ov: &Overview, order: ImageOrder, k: usize, min_n: u64) -> Vec<ImageStat> {
    let min_n = min_n.max(1);
    let sort_key = |a: &Acc| -> f64 {
        let n = a.n as f64;
        match order {
            ImageOrder::Top => -(a.sum as f64 / n),
            ImageOrder::Bottom => a.sum as f64 / n,
            ImageOrder::Disputed => {
                // Sample variance in exact integers; the order equals that of the sd.
                let ss = (a.n as i128) * (a.sumsq as i128) - (a.sum as i128) * (a.sum as i128);
                -(ss as f64 / (n * (n - 1.0).max(1.0)))
            }
        }
    };
    let mut v: Vec<(f64, u32)> = ov
        .per_image
        .iter()
        .enumerate()
        .filter(|(_, a)| a.n >= min_n)
        .map(|(i, a)| (sort_key(a), i as u32))
        .collect();
    let cmp = |a: &(f64, u32), b: &(f64, u32)| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1));
    if v.len() > k {
        if k == 0 {
            return Vec::new();
        }
        v.select_nth_unstable_by(k - 1, cmp);
        v.truncate(k);
    }
    v.sort_by(cmp);
    v.into_iter()
        .map(|(_, i)| ImageStat {
            image: i,
            summary: ov.per_image[i as usize].as_distinct_people().summary(),
        })
        .collect()
}

/// How many images have at least `min_n` selected ratings.
pub fn images_with_at_least(ov: &Overview, min_n: u64) -> usize {
    ov.per_image.iter().filter(|a| a.n >= min_n.max(1)).count()
}

/// A participant's ratings in the selection, and how far above or below the other raters of
/// the same images they score.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ParticipantStat {
    pub participant: u32,
    pub summary: Summary,
    /// Mean of (own score - that image's mean in the selection): positive for generous raters.
    pub offset: f64,
}

/// Per-participant mean offset and spread; a second pass over the selection.
pub fn participant_offsets(ds: &Dataset, c: &Compiled, ov: &Overview) -> Vec<ParticipantStat> {
    let image_mean: Vec<f64> = ov
        .per_image
        .iter()
        .map(|a| {
            if a.n > 0 {
                a.sum as f64 / a.n as f64
            } else {
                0.0
            }
        })
        .collect();
    let mut expected = vec![0f64; ds.participants.len()];
    for run in c.live_runs(ds) {
        let p = ds.ratings.participant[run.start] as usize;
        let mut e = 0.0;
        for r in run {
            let i = ds.ratings.image[r] as usize;
            if c.passes_within_run(i as u32, ds.ratings.label[r], ds.ratings.score[r]) {
                e += image_mean[i];
            }
        }
        expected[p] += e;
    }
    ov.per_participant
        .iter()
        .enumerate()
        .filter(|(_, a)| a.n > 0)
        .map(|(p, a)| ParticipantStat {
            participant: p as u32,
            summary: a.as_one_person().summary(),
            offset: (a.sum as f64 - expected[p]) / a.n as f64 / 1000.0,
        })
        .collect()
}
