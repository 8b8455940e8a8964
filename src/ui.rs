//! The view state as one signal per field: a filter change wakes the readers of the filter,
//! not those of the heatmap's rows or the histogram's bins. [`Ui::update`] keeps the
//! convenience of editing a whole [`UiState`] (several fields at once, as a preset does): it
//! edits a copy and writes back only the fields that changed. The URL codec stays in
//! [`crate::state`], on the plain struct; [`Ui::snapshot`] reads every field for it.

use crate::state::{FilterSpec, MeanSort, UiState};
use leptos::prelude::*;
use pamela_core::hub::HubRef;
use pamela_core::query::{ImageOrder, Key};

macro_rules! fields {
    ($($name:ident: $ty:ty),* $(,)?) => {
        /// One signal per field of [`UiState`].
        #[derive(Clone, Copy)]
        pub struct Ui {
            $(pub $name: RwSignal<$ty>,)*
        }

        impl Ui {
            pub fn new(u: UiState) -> Ui {
                Ui { $($name: RwSignal::new(u.$name),)* }
            }

            /// Every field (tracked: the caller re-runs on any change, as the URL writer must).
            pub fn snapshot(&self) -> UiState {
                UiState { $($name: self.$name.get(),)* }
            }

            pub fn snapshot_untracked(&self) -> UiState {
                UiState { $($name: self.$name.get_untracked(),)* }
            }

            /// Writes the fields of `u` that differ from the current ones, and only those.
            pub fn set(&self, u: UiState) {
                $(
                    if self.$name.with_untracked(|v| *v != u.$name) {
                        self.$name.set(u.$name);
                    }
                )*
            }
        }
    };
}

fields! {
    filter: FilterSpec,
    cohort_a: FilterSpec,
    cohort_b: FilterSpec,
    bins: u16,
    overall: bool,
    sort: MeanSort,
    sort_style: MeanSort,
    heat_row: Key,
    heat_col: Key,
    min_n: u32,
    min_people: u32,
    heat_images: bool,
    compare_by: Key,
    taste_by: Key,
    independent: bool,
    same_images: bool,
    images: ImageOrder,
    color_by: Key,
    thumbs: Option<bool>,
    image_base: String,
    data: Option<HubRef>,
    hub: String,
    present: bool,
    guide: Option<String>,
    ask: String,
}

impl Ui {
    /// Edits a copy of the whole state; only the fields that changed are written.
    pub fn update(&self, f: impl FnOnce(&mut UiState)) {
        let mut u = self.snapshot_untracked();
        f(&mut u);
        self.set(u);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pamela_core::Dim;
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::sync::Arc;

    struct Runs(Arc<AtomicU32>);
    impl Runs {
        fn get(&self) -> u32 {
            self.0.load(Ordering::SeqCst)
        }
    }

    /// A memo over one field, and how many times it ran.
    fn counted<T: Clone + PartialEq + Send + Sync + 'static>(
        read: impl Fn() -> T + Send + Sync + 'static,
    ) -> (Memo<T>, Runs) {
        let runs = Arc::new(AtomicU32::new(0));
        let r = runs.clone();
        let m = Memo::new(move |_| {
            r.fetch_add(1, Ordering::SeqCst);
            read()
        });
        (m, Runs(runs))
    }

    #[test]
    fn a_filter_change_wakes_only_the_readers_of_the_filter() {
        let owner = Owner::new();
        owner.set();
        let ui = Ui::new(UiState::default());
        let (sort, sort_runs) = counted(move || ui.sort.get());
        let (filter, filter_runs) = counted(move || ui.filter.get());
        sort.get();
        filter.get();
        assert_eq!((sort_runs.get(), filter_runs.get()), (1, 1));
        ui.update(|u| u.filter.only(Dim::Gender, "female"));
        sort.get();
        assert_eq!(filter.get().values(Dim::Gender).unwrap(), ["female"]);
        assert_eq!((sort_runs.get(), filter_runs.get()), (1, 2));
        // An edit that changes nothing wakes nobody.
        ui.update(|u| u.sort = MeanSort::Value);
        ui.set(ui.snapshot_untracked());
        sort.get();
        filter.get();
        assert_eq!((sort_runs.get(), filter_runs.get()), (1, 2));
        ui.update(|u| u.sort = MeanSort::Name);
        assert_eq!(sort.get(), MeanSort::Name);
        assert_eq!((sort_runs.get(), filter_runs.get()), (2, 2));
    }
}
