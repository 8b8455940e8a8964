//! Marking participants by a demographic: the colour-and-shape category of each value, and the
//! key that explains them. Shared by the image and participant views.

use crate::app::Ctx;
use crate::charts::color::{category, marker_path, Shape, CATEGORICAL};
use leptos::prelude::*;
use pamela_core::{Dataset, Key};

/// A participant attribute's value index (0 for a key that is not about people).
pub fn value_of(key: Key, ds: &Dataset, p: usize) -> u32 {
    key.of_participant(ds, p).unwrap_or(0)
}

/// For each value of the key, its category (the most common values among participants get the
/// palette's colours, the rest share grey), and each value's label.
#[derive(Debug, Clone, PartialEq)]
pub struct Palette {
    pub category: Vec<usize>,
    pub labels: Vec<String>,
    /// The values in reading order (age groups by age), which the key follows.
    pub order: Vec<u32>,
}

impl Palette {
    pub fn of(key: Key, ds: &Dataset) -> Palette {
        let dom = key.domain(ds);
        let mut count = vec![0usize; dom];
        for p in 0..ds.participants.len() {
            count[value_of(key, ds, p) as usize] += 1;
        }
        let mut order: Vec<usize> = (0..dom).collect();
        order.sort_by(|&a, &b| count[b].cmp(&count[a]).then(a.cmp(&b)));
        let mut category = vec![usize::MAX; dom];
        for (rank, v) in order.into_iter().enumerate() {
            category[v] = rank;
        }
        let labels = (0..dom as u32).map(|v| key.label(ds, v)).collect();
        Palette {
            category,
            labels,
            order: key.reading_order(ds),
        }
    }

    /// The key's entries: (category, label) of each coloured value in reading order, and how
    /// many values share the grey of "others".
    pub fn entries(&self) -> (Vec<(usize, String)>, usize) {
        let shown = self
            .order
            .iter()
            .map(|&v| (self.category[v as usize], self.labels[v as usize].clone()))
            .filter(|(c, _)| *c < CATEGORICAL.len())
            .collect();
        let others = self
            .category
            .iter()
            .filter(|&&c| c >= CATEGORICAL.len())
            .count();
        (shown, others)
    }

    /// Category of participant p.
    pub fn of_participant(&self, key: Key, ds: &Dataset, p: usize) -> usize {
        self.category[value_of(key, ds, p) as usize]
    }
}

pub fn palette_memo(ctx: Ctx, key: Memo<Key>) -> Memo<Option<Palette>> {
    Memo::new(move |_| {
        let k = key.get();
        ctx.data.with(|d| d.as_ref().map(|d| Palette::of(k, &d.ds)))
    })
}

#[component]
pub fn MarkerKey(palette: Memo<Option<Palette>>) -> impl IntoView {
    let item = |shape: Shape, fill: &'static str, label: String| {
        view! {
            <li>
                <svg width="12" height="12" aria-hidden="true"><path d=marker_path(shape, 6.0, 6.5, 4.5) fill=fill></path></svg>
                {label}
            </li>
        }
    };
    move || {
        palette.get().map(|p| {
            let (pairs, others) = p.entries();
            view! {
                <ul class="legend-list" aria-label="Marker key">
                    {pairs.into_iter().map(|(c, l)| { let (f, s) = category(c); item(s, f, l) }).collect_view()}
                    {(others > 0).then(|| { let (f, s) = category(usize::MAX); item(s, f, format!("{others} others")) })}
                </ul>
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_age_key_reads_from_the_youngest_group_to_the_oldest() {
        let ds =
            pamela_core::bundle::decode(include_bytes!("../../www/data/pamela-synthetic.pamb"))
                .unwrap();
        let p = Palette::of(Key::AgeBin, &ds);
        let (shown, _) = p.entries();
        let labels: Vec<&str> = shown.iter().map(|(_, l)| l.as_str()).collect();
        let want: Vec<String> = Key::AgeBin
            .reading_order(&ds)
            .into_iter()
            .map(|v| Key::AgeBin.label(&ds, v))
            .filter(|l| labels.contains(&l.as_str()))
            .collect();
        assert_eq!(labels, want);
        assert_eq!(labels.first(), Some(&"teens"), "{labels:?}");
        // The colours still go to the most common values first.
        let ranks: Vec<usize> = shown.iter().map(|(c, _)| *c).collect();
        assert!(ranks.iter().all(|&c| c < CATEGORICAL.len()));
    }
}
