//! What two views show, computed from the data as plain functions (no signals, no DOM), so a
//! `#[test]` reaches them: the heatmap's grid of cells and the "For you" panel's summaries of a
//! prediction. The components only turn these into marks and words.

use pamela_core::query::{self, Compiled, Key, Overview, Scores};
use pamela_core::stats::{self, Correction};
use pamela_core::{Dataset, Summary};

/// One row or column of the heatmap: the value's token (for filtering) and label (for people).
#[derive(Debug, Clone, PartialEq)]
pub struct Axis {
    pub token: String,
    pub label: String,
}

/// A participant attribute by an image attribute over the selection.
#[derive(Debug, Clone, PartialEq)]
pub struct HeatGrid {
    /// Every value of the row key in reading order (age groups by age), with the row's summary
    /// (on the same scores as the cells).
    pub rows: Vec<(Axis, Summary)>,
    pub cols: Vec<Axis>,
    /// Row-major over `rows` and `cols`.
    pub cells: Vec<Summary>,
    /// What a cell shows; NaN for an empty cell. On raw scores: the cell's mean minus its row's
    /// mean. Image-centred: the cell's mean of centred scores, how the row's people rate the
    /// column's images against everyone in the selection on the same images.
    pub diffs: Vec<f64>,
    /// The cells are on image-centred scores.
    pub centred: bool,
}

/// The least a heatmap cell needs before it is coloured, tested or read as a finding: a number
/// of ratings and a number of people. Ratings alone are not enough: 40 ratings from 3 people are
/// three opinions, so the people count is the one that guards against a finding resting on a
/// few raters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Minimum {
    pub ratings: u64,
    pub people: u64,
}

impl Minimum {
    /// Fewer than five people get no clustered interval anywhere in the explorer.
    pub const PEOPLE: u64 = 5;

    pub fn met_by(&self, s: &Summary) -> bool {
        s.n > 0 && s.n >= self.ratings && s.people >= self.people
    }
}

/// Which heatmap cells are marked as differences, after the correction for their number.
#[derive(Debug, Clone, PartialEq)]
pub struct HeatMarks {
    /// Per cell, Holm-adjusted p of "as everyone on the same images"; NaN when not tested.
    pub p_adjusted: Vec<f64>,
    pub marked: Vec<bool>,
    /// Cells tested: image-centred, meeting the [`Minimum`] (and five people, for an interval).
    pub tested: usize,
}

impl HeatGrid {
    /// Every value keeps its row and column (empty ones are drawn empty), so the grid does not
    /// move under the reader's eyes when filters change.
    /// `ov` is the overview of the selection `c`: image-centred cells take its image means.
    pub fn of(
        ds: &Dataset,
        c: &Compiled,
        ov: &Overview,
        row: Key,
        col: Key,
        scores: Scores,
    ) -> HeatGrid {
        let t = match scores {
            Scores::ImageCentred => query::cross_centred(ds, c, ov, row, Some(col)),
            Scores::Raw => query::cross(ds, c, row, Some(col)),
        };
        let centred = scores == Scores::ImageCentred;
        let totals = t.row_totals();
        let row_order = row.reading_order(ds);
        let axis = |k: Key, v: u32| Axis {
            token: k.token(ds, v),
            label: k.label(ds, v),
        };
        let mut cells = Vec::with_capacity(row_order.len() * t.cols);
        let mut diffs = Vec::with_capacity(row_order.len() * t.cols);
        let mut rows = Vec::with_capacity(row_order.len());
        for r in row_order {
            let rs = totals[r as usize].summary();
            for ci in 0..t.cols {
                let s = t.cell(r as usize, ci).summary();
                diffs.push(match (s.n, centred) {
                    (0, _) => f64::NAN,
                    (_, true) => s.mean,
                    (_, false) => s.mean - rs.mean,
                });
                cells.push(s);
            }
            rows.push((axis(row, r), rs));
        }
        HeatGrid {
            rows,
            cols: (0..t.cols as u32).map(|v| axis(col, v)).collect(),
            cells,
            diffs,
            centred,
        }
    }

    /// Marks, on image-centred cells only: a raw cell (a subset of its row's ratings against the
    /// row) has no test that treats people as clusters, so it is shown, never marked. A tested
    /// cell is marked when its clustered interval, Holm-corrected for the cells tested, excludes
    /// "as everyone on the same images"; cells under the minimum are not tested.
    pub fn marks(&self, min: Minimum) -> HeatMarks {
        let p: Vec<f64> = self
            .cells
            .iter()
            .map(|s| {
                if self.centred && min.met_by(s) {
                    s.p_zero()
                } else {
                    f64::NAN
                }
            })
            .collect();
        let p_adjusted = Correction::DEFAULT.adjust(&p);
        HeatMarks {
            marked: p_adjusted.iter().map(|&q| q <= 0.05).collect(),
            tested: stats::tests_counted(&p),
            p_adjusted,
        }
    }

    /// The row and column of cell `k`.
    pub fn at(&self, k: usize) -> Option<(&Axis, &Axis)> {
        let cols = self.cols.len().max(1);
        Some((&self.rows.get(k / cols)?.0, self.cols.get(k % cols)?))
    }
}

/// A predicted score beside the crowd's, for one value of a key.
#[derive(Debug, Clone, PartialEq)]
pub struct Paired {
    pub label: String,
    /// The visitor's predicted mean over the value's images.
    pub you: f64,
    /// Everyone's observed mean over the same value's ratings.
    pub crowd: f64,
}

/// `rows` in the order of `order` (labels), any label not in it after, in their own order: the
/// "For you" charts keep the order of the first prediction while the visitor rates images, so
/// rows do not jump under the reader's eyes.
pub fn in_order(rows: &[Paired], order: &[String]) -> Vec<Paired> {
    let rank = |p: &Paired| {
        order
            .iter()
            .position(|l| *l == p.label)
            .unwrap_or(usize::MAX)
    };
    let mut out = rows.to_vec();
    // A stable sort: labels not in `order` keep their relative order at the end.
    out.sort_by_key(rank);
    out
}

/// How far the model's predicted mean for a visual group (or style) misses a person's own mean
/// of their ratings there, for people the model never saw: the root mean square of the misses
/// over every (person, value) with at least [`GroupMiss::MIN_RATINGS`] ratings. The "For you"
/// charts show a predicted mean give or take this much: a plain range, measured on the loaded
/// data's `test_unseen` people from their profiles alone.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GroupMiss {
    pub rmse: f64,
    pub people: usize,
    /// (person, value) pairs the figure rests on.
    pub cells: usize,
}

impl GroupMiss {
    pub const MIN_RATINGS: usize = 5;

    /// Person `p`'s misses per value of `key` over their ratings in `range`: own mean minus the
    /// mean of `scores` (one predicted score per image) over the same images.
    pub fn person(
        ds: &Dataset,
        range: std::ops::Range<usize>,
        p: u32,
        key: Key,
        scores: &[f32],
    ) -> Vec<f64> {
        let dom = key.domain(ds);
        let mut own = vec![0f64; dom];
        let mut pred = vec![0f64; dom];
        let mut n = vec![0usize; dom];
        let r = &ds.ratings;
        for k in range {
            if r.participant[k] != p {
                continue;
            }
            let i = r.image[k] as usize;
            let (Some(v), Some(&s)) = (key.of_image(ds, i), scores.get(i)) else {
                continue;
            };
            own[v as usize] += r.score[k] as f64 / 1000.0;
            pred[v as usize] += s as f64;
            n[v as usize] += 1;
        }
        (0..dom)
            .filter(|&v| n[v] >= Self::MIN_RATINGS)
            .map(|v| (own[v] - pred[v]) / n[v] as f64)
            .collect()
    }

    /// Pools the misses of several people; `None` without any.
    pub fn pool(per_person: &[Vec<f64>]) -> Option<GroupMiss> {
        let all: Vec<f64> = per_person.iter().flatten().copied().collect();
        if all.is_empty() {
            return None;
        }
        Some(GroupMiss {
            rmse: (all.iter().map(|m| m * m).sum::<f64>() / all.len() as f64).sqrt(),
            people: per_person.iter().filter(|m| !m.is_empty()).count(),
            cells: all.len(),
        })
    }

    /// A predicted mean give or take one typical miss, inside the scale.
    pub fn range(&self, predicted: f64) -> (f64, f64) {
        (
            (predicted - self.rmse).max(1.0),
            (predicted + self.rmse).min(5.0),
        )
    }
}

/// The people the model has never seen in `ds`: those with ratings in `test_unseen`, and that
/// split's ratings.
pub fn held_out(ds: &Dataset) -> (Vec<u32>, std::ops::Range<usize>) {
    let range = ds.split_range(pamela_core::Split::TestUnseen);
    let mut people: Vec<u32> = ds.ratings.participant[range.clone()].to_vec();
    people.sort_unstable();
    people.dedup();
    (people, range)
}

/// One image with the visitor's predicted score and the crowd's mean.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ImagePick {
    pub image: usize,
    pub you: f32,
    pub crowd: f64,
}

/// What the "For you" panel shows of one prediction.
#[derive(Debug, Clone, PartialEq)]
pub struct ForYouSummary {
    /// Per visual group and per style, most liked by the visitor relative to the crowd first.
    pub groups: Vec<Paired>,
    pub styles: Vec<Paired>,
    /// The visitor's highest predicted images.
    pub top: Vec<ImagePick>,
    /// Where the visitor is predicted to differ most from the crowd (images with at least
    /// [`ForYouSummary::MIN_RATERS`] ratings, so the crowd's mean means something).
    pub differ: Vec<ImagePick>,
}

impl ForYouSummary {
    pub const SHOWN: usize = 8;
    pub const MIN_RATERS: u64 = 5;

    /// `scores` has one predicted score per image of `ds`; `overall` is the whole data's
    /// overview. `None` when the scores belong to other data.
    pub fn of(ds: &Dataset, overall: &Overview, scores: &[f32]) -> Option<ForYouSummary> {
        let n = ds.images.len();
        if scores.len() != n || overall.per_image.len() != n {
            return None;
        }
        let crowd: Vec<f64> = overall
            .per_image
            .iter()
            .map(|a| {
                if a.n > 0 {
                    a.sum as f64 / a.n as f64 / 1000.0
                } else {
                    f64::NAN
                }
            })
            .collect();
        let by = |key: Key| -> Vec<Paired> {
            let observed = query::regroup(ds, overall, key).unwrap_or_default();
            let dom = key.domain(ds);
            let mut sum = vec![0f64; dom];
            let mut cnt = vec![0usize; dom];
            for (i, &s) in scores.iter().enumerate() {
                if let Some(v) = key.of_image(ds, i) {
                    sum[v as usize] += s as f64;
                    cnt[v as usize] += 1;
                }
            }
            let mut rows: Vec<Paired> = (0..dom)
                .filter(|&v| cnt[v] > 0 && observed.get(v).is_some_and(|a| a.n > 0))
                .map(|v| Paired {
                    label: key.label(ds, v as u32),
                    you: sum[v] / cnt[v] as f64,
                    crowd: observed[v].mean,
                })
                .collect();
            rows.sort_by(|a, b| (b.you - b.crowd).total_cmp(&(a.you - a.crowd)));
            rows
        };
        let pick = |i: usize| ImagePick {
            image: i,
            you: scores[i],
            crowd: crowd[i],
        };
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]).then(a.cmp(&b)));
        let top = order.iter().take(Self::SHOWN).map(|&i| pick(i)).collect();
        let mut diff: Vec<usize> = (0..n)
            .filter(|&i| overall.per_image[i].n >= Self::MIN_RATERS)
            .collect();
        let gap = |i: usize| (scores[i] as f64 - crowd[i]).abs();
        diff.sort_by(|&a, &b| gap(b).total_cmp(&gap(a)).then(a.cmp(&b)));
        let differ = diff.iter().take(Self::SHOWN).map(|&i| pick(i)).collect();
        Some(ForYouSummary {
            groups: by(Key::Group),
            styles: by(Key::Style),
            top,
            differ,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pamela_core::query::{overview, Filter};
    use pamela_core::Dim;

    fn data() -> Dataset {
        pamela_core::bundle::decode(include_bytes!("../www/data/pamela-synthetic.pamb")).unwrap()
    }

    #[test]
    fn the_heatmap_grid_has_every_row_and_column_and_cells_differ_from_their_row_mean() {
        let ds = data();
        let c = Compiled::new(&ds, &Filter::default());
        let ov = overview(&ds, &c);
        let g = HeatGrid::of(&ds, &c, &ov, Key::AgeBin, Key::Group, Scores::Raw);
        assert_eq!(g.rows.len(), Key::AgeBin.domain(&ds));
        assert_eq!(g.cols.len(), Key::Group.domain(&ds));
        assert_eq!(g.cells.len(), g.rows.len() * g.cols.len());
        // Age groups in order of age, not dictionary order.
        let order: Vec<String> = ds
            .age_bin_order()
            .into_iter()
            .map(|v| Key::AgeBin.label(&ds, v as u32))
            .collect();
        let labels: Vec<String> = g.rows.iter().map(|r| r.0.label.clone()).collect();
        assert_eq!(labels, order);
        // Rows add up to the whole selection, and each diff is the cell's mean minus its row's.
        let n: u64 = g.rows.iter().map(|r| r.1.n).sum();
        assert_eq!(n, ds.ratings.len() as u64);
        for (k, s) in g.cells.iter().enumerate() {
            let row = &g.rows[k / g.cols.len()].1;
            if s.n > 0 {
                assert!((g.diffs[k] - (s.mean - row.mean)).abs() < 1e-12);
            } else {
                assert!(g.diffs[k].is_nan());
            }
        }
        let (r, col) = g.at(g.cols.len() + 1).unwrap();
        assert_eq!((r, col), (&g.rows[1].0, &g.cols[1]));
        assert!(g.at(g.cells.len()).is_none());
    }

    #[test]
    fn image_centred_cells_balance_out_and_only_they_are_tested_and_marked() {
        let ds = data();
        let c = Compiled::new(&ds, &Filter::default());
        let ov = overview(&ds, &c);
        let raw = HeatGrid::of(&ds, &c, &ov, Key::Gender, Key::Group, Scores::Raw);
        let none = raw.marks(Minimum {
            ratings: 1,
            people: 1,
        });
        assert_eq!(none.tested, 0, "raw cells are never tested");
        assert!(none.marked.iter().all(|m| !m));
        let g = HeatGrid::of(&ds, &c, &ov, Key::Gender, Key::Group, Scores::ImageCentred);
        assert!(g.centred);
        // Centred on the selection's image means: over every selected rating they sum to zero,
        // so the cells' centred means, weighted by their ratings, balance out.
        let (mut sum, mut n) = (0.0, 0u64);
        for (s, &d) in g.cells.iter().zip(&g.diffs) {
            if s.n > 0 {
                assert!(
                    (d - s.mean).abs() < 1e-12,
                    "a centred cell shows its own mean"
                );
                sum += d * s.n as f64;
                n += s.n;
            }
        }
        assert_eq!(n, ds.ratings.len() as u64);
        assert!((sum / n as f64).abs() < 1e-9, "{}", sum / n as f64);
        // Tested: every cell with five people or more; marked exactly where Holm's p <= 0.05.
        let m = g.marks(Minimum {
            ratings: 1,
            people: 1,
        });
        let testable = g.cells.iter().filter(|s| s.people >= 5).count();
        assert_eq!(m.tested, testable);
        assert!(m.tested > 0);
        for k in 0..g.cells.len() {
            assert_eq!(m.marked[k], m.p_adjusted[k] <= 0.05, "cell {k}");
            if m.p_adjusted[k].is_finite() {
                assert!(
                    m.p_adjusted[k] >= g.cells[k].p_zero(),
                    "adjusting never lowers p"
                );
            }
        }
        // The minimum n takes cells out of the test, so the rest are corrected for fewer tests.
        let big = g.cells.iter().map(|s| s.n).max().unwrap();
        let fewer = g.marks(Minimum {
            ratings: big,
            people: 1,
        });
        assert_eq!(fewer.tested, 1);
        // So does a minimum of people: a cell needs that many raters, whatever its ratings.
        let most = g.cells.iter().map(|s| s.people).max().unwrap();
        let by_people = g.marks(Minimum {
            ratings: 1,
            people: most,
        });
        let widest = g.cells.iter().filter(|s| s.people == most).count();
        assert_eq!(by_people.tested, widest);
        for (k, s) in g.cells.iter().enumerate() {
            if s.people < most {
                assert!(by_people.p_adjusted[k].is_nan() && !by_people.marked[k]);
            }
        }
    }

    #[test]
    fn a_filtered_heatmap_keeps_its_shape_with_empty_rows() {
        let ds = data();
        let mut spec = pamela_core::FilterSpec::default();
        spec.only(Dim::Gender, "female");
        let (f, _) = spec.resolve(&ds);
        let c = Compiled::new(&ds, &f);
        let g = HeatGrid::of(
            &ds,
            &c,
            &overview(&ds, &c),
            Key::Gender,
            Key::Style,
            Scores::Raw,
        );
        assert_eq!(g.rows.len(), Key::Gender.domain(&ds));
        let with_ratings = g.rows.iter().filter(|r| r.1.n > 0).count();
        assert_eq!(with_ratings, 1);
        assert_eq!(g.cols.last().unwrap().label, "(no style)");
    }

    #[test]
    fn the_for_you_summary_ranks_images_and_pairs_groups_with_the_crowd() {
        let ds = data();
        let all = overview(&ds, &Compiled::new(&ds, &Filter::default()));
        // A visitor who likes exactly the images with the highest index.
        let n = ds.images.len();
        let scores: Vec<f32> = (0..n).map(|i| 1.0 + 4.0 * i as f32 / n as f32).collect();
        let s = ForYouSummary::of(&ds, &all, &scores).unwrap();
        assert_eq!(s.top.len(), ForYouSummary::SHOWN);
        assert_eq!(s.top[0].image, n - 1);
        assert!(s.top.windows(2).all(|w| w[0].you >= w[1].you));
        let gaps: Vec<f64> = s
            .differ
            .iter()
            .map(|p| (p.you as f64 - p.crowd).abs())
            .collect();
        assert!(gaps.windows(2).all(|w| w[0] >= w[1]));
        assert!(s
            .differ
            .iter()
            .all(|p| all.per_image[p.image].n >= ForYouSummary::MIN_RATERS));
        // Sorted by how much more the visitor likes a group than the crowd does.
        let lift: Vec<f64> = s.groups.iter().map(|p| p.you - p.crowd).collect();
        assert!(lift.windows(2).all(|w| w[0] >= w[1]));
        assert!(!s.styles.is_empty() && s.styles.iter().all(|p| !p.label.contains('_')));
        // Scores of other data give nothing.
        assert!(ForYouSummary::of(&ds, &all, &scores[1..]).is_none());
    }

    #[test]
    fn group_misses_measure_a_held_out_persons_own_means_against_the_prediction() {
        let ds = data();
        let (people, range) = held_out(&ds);
        assert!(
            !people.is_empty(),
            "the synthetic data has test_unseen people"
        );
        let r = &ds.ratings;
        assert!(range
            .clone()
            .all(|k| people.binary_search(&r.participant[k]).is_ok()));
        // Scores equal to one person's own ratings (and 3 elsewhere) miss that person by nothing.
        let p = people[0];
        let mut exact = vec![3.0f32; ds.images.len()];
        for k in range.clone().filter(|&k| r.participant[k] == p) {
            exact[r.image[k] as usize] = r.score[k] as f32 / 1000.0;
        }
        let m = GroupMiss::person(&ds, range.clone(), p, Key::Group, &exact);
        assert!(!m.is_empty() && m.iter().all(|x| x.abs() < 1e-6), "{m:?}");
        // Half a point too high everywhere: every miss is -0.5, and so is the pooled figure.
        let high: Vec<f32> = exact.iter().map(|s| s + 0.5).collect();
        let m = GroupMiss::person(&ds, range.clone(), p, Key::Style, &high);
        assert!(m.iter().all(|x| (x + 0.5).abs() < 1e-6), "{m:?}");
        let pooled = GroupMiss::pool(&[m.clone(), vec![], m.clone()]).unwrap();
        assert!((pooled.rmse - 0.5).abs() < 1e-6);
        assert_eq!((pooled.people, pooled.cells), (2, 2 * m.len()));
        let (lo, hi) = pooled.range(4.8);
        assert!((lo - 4.3).abs() < 1e-6 && hi == 5.0, "{lo} {hi}");
        assert!(GroupMiss::pool(&[vec![]]).is_none());
        // Another person's ratings are not counted for this one.
        let other = GroupMiss::person(&ds, range, u32::MAX, Key::Group, &exact);
        assert!(other.is_empty());
    }

    #[test]
    fn rows_keep_a_given_order_and_new_labels_go_last() {
        let p = |l: &str, you: f64| Paired {
            label: l.into(),
            you,
            crowd: 3.0,
        };
        let rows = [p("c", 1.0), p("new", 2.0), p("a", 3.0), p("b", 4.0)];
        let order = ["a", "b", "c"].map(String::from);
        let got: Vec<String> = in_order(&rows, &order)
            .into_iter()
            .map(|r| r.label)
            .collect();
        assert_eq!(got, ["a", "b", "c", "new"]);
        assert_eq!(in_order(&rows, &[]).len(), 4);
    }
}
