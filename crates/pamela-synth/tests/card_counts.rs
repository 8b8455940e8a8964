//! The synthetic sample of every generator equals the dataset card, count for count.

use pamela_core::query::{self, Compiled, Filter, Key};
use pamela_core::{Dataset, Split};
use pamela_synth::card;
use std::collections::{BTreeMap, BTreeSet};

/// The sample of every generator for the default seed: each must equal the card.
fn samples() -> [&'static Dataset; 2] {
    use pamela_synth::Generator;
    use std::sync::OnceLock;
    static DS: [OnceLock<Dataset>; 2] = [OnceLock::new(), OnceLock::new()];
    let get = |k: usize, g: Generator| {
        DS[k].get_or_init(|| {
            pamela_synth::generate_by(g, pamela_synth::DEFAULT_SEED)
                .unwrap()
                .dataset
        })
    };
    [get(0, Generator::Default), get(1, Generator::Twisted)]
}

fn counts_by(ds: &Dataset, key: Key) -> BTreeMap<String, u64> {
    let t = query::cross(ds, &Compiled::new(ds, &Filter::default()), key, None);
    (0..t.rows)
        .filter(|&v| t.cells[v].n > 0)
        .map(|v| (key.label(ds, v as u32), t.cells[v].n))
        .collect()
}

#[test]
fn ratings_images_and_participants_match_the_card() {
    for ds in samples() {
        ratings_images_and_participants_match_the_card_in(ds);
    }
}

fn ratings_images_and_participants_match_the_card_in(ds: &Dataset) {
    assert_eq!(ds.ratings.len() as u64, card::RATINGS);
    assert_eq!(ds.images.len(), card::IMAGES);
    assert_eq!(ds.participants.len(), card::PARTICIPANTS);
}

#[test]
fn every_split_has_its_published_count() {
    for ds in samples() {
        every_split_has_its_published_count_in(ds);
    }
}

fn every_split_has_its_published_count_in(ds: &Dataset) {
    for (stem, n) in card::SPLITS {
        let s = Split::from_name(stem).unwrap();
        assert_eq!(ds.split_range(s).len() as u64, n, "{stem}");
    }
}

#[test]
fn ratings_by_type_and_gender_match_the_card() {
    for ds in samples() {
        ratings_by_type_and_gender_match_the_card_in(ds);
    }
}

fn ratings_by_type_and_gender_match_the_card_in(ds: &Dataset) {
    let types = counts_by(ds, Key::Type);
    assert_eq!(types["Art"], card::ART_RATINGS);
    assert_eq!(types["Photorealism"], card::PHOTO_RATINGS);
    let genders = counts_by(ds, Key::Gender);
    assert_eq!(genders["male"], card::MALE_RATINGS);
    assert_eq!(genders["female"], card::FEMALE_RATINGS);
    assert_eq!(genders["prefer not to say"], card::UNDISCLOSED_RATINGS);
    assert_eq!(genders.len(), 3);
}

#[test]
fn demographics_span_the_published_ranges() {
    for ds in samples() {
        demographics_span_the_published_ranges_in(ds);
    }
}

fn demographics_span_the_published_ranges_in(ds: &Dataset) {
    assert_eq!(ds.dicts.nationalities.len(), card::NATIONALITIES);
    assert_eq!(*ds.participants.age.iter().min().unwrap(), card::AGE_MIN);
    assert_eq!(*ds.participants.age.iter().max().unwrap(), card::AGE_MAX);
    for p in 0..ds.participants.len() {
        let bin = ds.dicts.age_bins.get(ds.participants.age_bin[p]);
        assert_eq!(
            bin,
            pamela_core::schema::decade_name(ds.participants.age[p])
        );
    }
}

#[test]
fn groups_and_styles_follow_the_card() {
    for ds in samples() {
        groups_and_styles_follow_the_card_in(ds);
    }
}

fn groups_and_styles_follow_the_card_in(ds: &Dataset) {
    assert_eq!(ds.groups().len(), card::GROUPS);
    assert_eq!(ds.dicts.group_names.len(), card::GROUP_NAMES);
    for name in ["landscape", "portrait"] {
        let n = ds
            .groups()
            .iter()
            .filter(|g| ds.dicts.group_names.get(g.name) == name)
            .count();
        assert_eq!(n, 2, "{name} under both types");
    }
    assert_eq!(ds.dicts.styles.len(), card::STYLES);
    let art = ds.dicts.types.position("Art").unwrap();
    for i in 0..ds.images.len() {
        let has_style = ds.images.style[i] != pamela_core::dataset::NO_STYLE;
        assert_eq!(has_style, ds.images.kind[i] == art, "image {i}");
    }
    assert_eq!(ds.dicts.categories.values(), ["AI image"]);
}

#[test]
fn every_image_has_13_to_15_raters() {
    for ds in samples() {
        every_image_has_13_to_15_raters_in(ds);
    }
}

fn every_image_has_13_to_15_raters_in(ds: &Dataset) {
    let mut raters = vec![0u64; ds.images.len()];
    for &i in &ds.ratings.image {
        raters[i as usize] += 1;
    }
    assert!(raters
        .iter()
        .all(|&n| (card::MIN_RATERS..=card::MAX_RATERS).contains(&n)));
}

#[test]
fn unseen_participants_never_rate_in_train_and_seen_test_images_are_new() {
    for ds in samples() {
        unseen_participants_never_rate_in_train_and_seen_test_images_are_new_in(ds);
    }
}

fn unseen_participants_never_rate_in_train_and_seen_test_images_are_new_in(ds: &Dataset) {
    let ids = |s: Split, of_images: bool| -> BTreeSet<u32> {
        ds.split_range(s)
            .map(|r| {
                if of_images {
                    ds.ratings.image[r]
                } else {
                    ds.ratings.participant[r]
                }
            })
            .collect()
    };
    let train_people = ids(Split::Train, false);
    let train_images = ids(Split::Train, true);
    for s in [Split::ValUnseen, Split::TestUnseen] {
        assert!(ids(s, false).is_disjoint(&train_people), "{s}");
    }
    assert!(ids(Split::ValUnseen, false).is_disjoint(&ids(Split::TestUnseen, false)));
    for s in [Split::ValSeen, Split::TestSeen] {
        assert!(ids(s, true).is_disjoint(&train_images), "{s}");
        assert!(ids(s, false).is_subset(&train_people), "{s}");
    }
    assert_eq!(
        ids(Split::ValUnseen, false).len() + ids(Split::TestUnseen, false).len(),
        10
    );
}

#[test]
fn scores_have_three_decimals_and_labels_round_to_nearest() {
    for ds in samples() {
        scores_have_three_decimals_and_labels_round_to_nearest_in(ds);
    }
}

fn scores_have_three_decimals_and_labels_round_to_nearest_in(ds: &Dataset) {
    for r in 0..ds.ratings.len() {
        let s = ds.ratings.score[r];
        assert!((1000..=5000).contains(&s));
        let want = pamela_core::Label::nearest_to_score(s as f64 / 1000.0).index();
        assert_eq!(ds.ratings.label[r], want);
    }
}

#[test]
fn ids_are_shaped_like_the_real_ones() {
    for ds in samples() {
        ids_are_shaped_like_the_real_ones_in(ds);
    }
}

fn ids_are_shaped_like_the_real_ones_in(ds: &Dataset) {
    for id in &ds.participants.id {
        assert!(id.starts_with("p_") && id.len() == 10, "{id}");
        assert!(id[2..]
            .chars()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
    }
    for (k, path) in ds.images.path.iter().enumerate() {
        assert!(
            path.starts_with("./images/") && path.ends_with(".png"),
            "{path}"
        );
        assert_eq!(path.len(), "./images/".len() + 36 + 4);
        assert!((1_000_000..10_000_000).contains(&ds.images.id[k]));
    }
    let pairs: BTreeSet<(u32, u32)> = ds
        .ratings
        .participant
        .iter()
        .copied()
        .zip(ds.ratings.image.iter().copied())
        .collect();
    assert_eq!(
        pairs.len(),
        ds.ratings.len(),
        "no repeated (participant, image) pair"
    );
}

#[test]
fn the_generator_is_deterministic_for_a_seed() {
    let a = pamela_synth::generate(7).unwrap();
    let b = pamela_synth::generate(7).unwrap();
    assert!(a.dataset == b.dataset);
    assert!(a.truth == b.truth);
    let c = pamela_synth::generate(8).unwrap();
    assert!(a.dataset != c.dataset);
}
