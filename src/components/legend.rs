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
        Palette { category, labels }
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
            let mut pairs: Vec<(usize, String)> = p
                .category
                .iter()
                .copied()
                .zip(p.labels.iter().cloned())
                .filter(|(c, _)| *c < CATEGORICAL.len())
                .collect();
            pairs.sort_by_key(|x| x.0);
            let others = p.category.iter().filter(|&&c| c >= CATEGORICAL.len()).count();
            view! {
                <ul class="legend-list" aria-label="Marker key">
                    {pairs.into_iter().map(|(c, l)| { let (f, s) = category(c); item(s, f, l) }).collect_view()}
                    {(others > 0).then(|| { let (f, s) = category(usize::MAX); item(s, f, format!("{others} others")) })}
                </ul>
            }
        })
    }
}
