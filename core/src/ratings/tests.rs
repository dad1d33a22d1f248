use super::*;
use crate::auth::UserPolicy;
use crate::store::{self, rating_scores, upsert_item, ItemQuery, ItemRecord, LibraryKind, Store};

fn s(score: i32, sub: Option<i32>) -> Option<RatingScore> {
    Some(RatingScore::new(score, sub))
}

#[test]
fn rating_strings_score_as_jellyfin_does() {
    // (rating, asked country, server country, expected)
    let cases: &[(&str, Option<&str>, &str, Option<RatingScore>)] = &[
        ("PG-13", None, "us", s(13, Some(0))),
        ("pg-13", None, "us", s(13, Some(0))),
        ("R", None, "us", s(17, Some(0))),
        ("Rated R", None, "us", s(17, Some(0))),
        ("rated: R", None, "us", s(17, Some(0))),
        ("NC-17", None, "us", s(17, Some(1))),
        ("TV-MA", None, "us", s(17, Some(1))),
        ("TV-14-DLSV", None, "us", s(14, Some(1))),
        ("TV-Y7-FV", None, "us", s(7, Some(1))),
        ("Approved", None, "us", s(0, Some(0))),
        // The server's country first: R is 18+ in Australia and Canada.
        ("R", None, "au", s(18, Some(1))),
        ("R", None, "ca", s(18, Some(1))),
        ("PG", None, "gb", s(8, Some(0))),
        ("PG", None, "US", s(10, Some(0))),
        ("PG", Some("au"), "us", s(15, Some(1))),
        // Not in the server's system: the US one, then every system in order.
        ("PG-13", None, "de", s(13, Some(0))),
        ("FSK-16", None, "us", s(16, None)),
        ("FSK 12", None, "fr", s(12, None)),
        ("MA15+", None, "us", s(15, Some(3))),
        ("12A", None, "us", s(12, Some(0))),
        ("Tous Publics", None, "us", s(0, None)),
        ("MG6", None, "us", s(6, None)),
        // Jellyfin's cross-country fallbacks come before the country systems.
        ("M", None, "us", s(18, None)),
        ("M", None, "au", s(15, Some(2))),
        ("X", None, "us", s(1000, None)),
        // Plain ages.
        ("16", None, "us", s(16, None)),
        ("12", None, "de", s(12, None)),
        (" 7 ", None, "us", s(7, None)),
        // Country prefixes: "XX-rating", "xx/rating", "Country: rating".
        ("DE-12", None, "us", s(12, None)),
        ("de/12", None, "us", s(12, None)),
        ("gb/15", None, "us", s(15, None)),
        ("uk/PG", None, "us", s(8, Some(0))),
        ("au/M", None, "us", s(15, Some(2))),
        ("Germany: FSK 18", None, "us", s(18, None)),
        ("Germany:FSK-16", None, "us", s(16, None)),
        ("XY-12", None, "us", s(12, None)),
        // Unrated and unknown.
        ("NR", None, "us", None),
        ("Not Rated", None, "us", None),
        ("unrated", None, "us", None),
        ("N/A", None, "us", None),
        ("", None, "us", None),
        ("   ", None, "us", None),
        ("Rated ", None, "us", None),
        ("Nonsense", None, "us", None),
        ("XY-Nonsense", None, "us", None),
        ("-", None, "us", None),
        (":", None, "us", None),
        ("a:b:c:d:e:f:zz", None, "us", None),
        ("Country: Nonsense-PG", None, "us", s(10, Some(0))),
    ];
    for (rating, country, server, want) in cases {
        assert_eq!(
            rating_score(rating, *country, server),
            *want,
            "{rating:?} in {country:?}/{server}"
        );
    }
}

#[test]
fn parental_ratings_list_the_server_country_and_the_catch_alls() {
    let us = parental_ratings("US");
    let names: Vec<&str> = us.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names[0], "Unrated");
    assert!(us[0].score.is_none());
    for n in [
        "Approved", "G", "PG", "PG-13", "R", "NC-17", "TV-MA", "21", "XXX", "Banned",
    ] {
        assert_eq!(
            names.iter().filter(|x| **x == n).count(),
            1,
            "{n}: {names:?}"
        );
    }
    // Ordered by score, then sub-score, stable for ties.
    let keys: Vec<_> = us
        .iter()
        .map(|r| (r.score.map(|s| s.score), r.score.and_then(|s| s.sub_score)))
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
    let pg = names.iter().position(|n| *n == "PG").unwrap();
    let pg13 = names.iter().position(|n| *n == "PG-13").unwrap();
    assert!(pg < pg13);
    // A country without a system here: only the catch-alls.
    let jp: Vec<String> = parental_ratings("jp").into_iter().map(|r| r.name).collect();
    assert_eq!(
        jp,
        ["Unrated", "Approved", "10", "13", "14", "21", "XXX", "Banned"]
    );
    // Germany has no sub-scores and no rating at 21 or above.
    let de = parental_ratings("de");
    assert!(de
        .iter()
        .any(|r| r.name == "FSK-16" && r.score == s(16, None)));
    assert!(de.iter().any(|r| r.name == "21"));
}

#[test]
fn unrated_items_map_to_kinds() {
    for (name, kind) in [
        ("Movie", ItemKind::Movie),
        ("movie", ItemKind::BoxSet),
        ("Series", ItemKind::Episode),
        ("Series", ItemKind::Season),
        ("Music", ItemKind::Audio),
        ("Book", ItemKind::AudioBook),
        ("Trailer", ItemKind::Trailer),
        ("Other", ItemKind::Video),
    ] {
        let u = UnratedItem::from_name(name).unwrap();
        assert_eq!(unrated_item_of(kind), Some(u), "{kind:?}");
    }
    for kind in [
        ItemKind::Folder,
        ItemKind::CollectionFolder,
        ItemKind::Person,
        ItemKind::Genre,
        ItemKind::Studio,
    ] {
        assert_eq!(unrated_item_of(kind), None, "{kind:?}");
    }
    assert_eq!(UnratedItem::from_name("Game"), None);
    for u in UnratedItem::ALL {
        assert_eq!(UnratedItem::from_name(u.name()), Some(*u));
    }
}

fn policy(max: Option<i32>, sub: Option<i32>, block: &[&str]) -> UserPolicy {
    UserPolicy {
        max_parental_rating: max,
        max_parental_sub_rating: sub,
        block_unrated_items: block.iter().map(|b| (*b).to_owned()).collect(),
        ..UserPolicy::default()
    }
}

#[test]
fn policies_make_controls() {
    assert_eq!(ParentalControl::for_policy(&UserPolicy::default()), None);
    assert_eq!(
        ParentalControl::for_policy(&policy(None, None, &["Game"])),
        None
    );
    let c = ParentalControl::for_policy(&policy(Some(13), None, &[])).unwrap();
    assert_eq!(c.max, Some((13, 0)));
    let c =
        ParentalControl::for_policy(&policy(None, None, &["series", "Movie", "Movie"])).unwrap();
    assert_eq!(
        c.block_unrated,
        vec![UnratedItem::Movie, UnratedItem::Series]
    );
}

/// (max, sub, blocked, kind, score, allowed)
type AllowCase = (
    Option<i32>,
    Option<i32>,
    &'static [&'static str],
    Option<ItemKind>,
    Option<RatingScore>,
    bool,
);

#[test]
fn controls_allow_as_jellyfin_filters() {
    let movie = Some(ItemKind::Movie);
    let episode = Some(ItemKind::Episode);
    let folder = Some(ItemKind::Folder);
    // (max, sub, blocked, kind, score, allowed)
    let cases: &[AllowCase] = &[
        (Some(13), None, &[], movie, s(13, Some(0)), true),
        (Some(13), None, &[], movie, s(10, Some(0)), true),
        (Some(13), None, &[], movie, s(17, Some(0)), false),
        (Some(13), None, &[], movie, s(13, Some(1)), false),
        (Some(13), Some(1), &[], movie, s(13, Some(1)), true),
        (Some(13), None, &[], movie, s(13, None), true),
        (Some(17), None, &[], movie, s(17, Some(0)), true),
        (Some(17), None, &[], movie, s(17, Some(1)), false),
        (Some(17), Some(1), &[], movie, s(17, Some(1)), true),
        (Some(0), None, &[], movie, s(1000, None), false),
        // No score passes a limit...
        (Some(0), None, &[], movie, None, true),
        // ...unless its kind is blocked when unrated.
        (Some(13), None, &["Movie"], movie, None, false),
        (None, None, &["Movie"], movie, None, false),
        (None, None, &["Movie"], movie, s(17, Some(1)), true),
        (None, None, &["Movie"], episode, None, true),
        (None, None, &["Series"], episode, None, false),
        (None, None, &["Other"], folder, None, true),
        (
            None,
            None,
            &["Movie", "Series", "Music", "Book", "Other"],
            folder,
            None,
            true,
        ),
    ];
    for (max, sub, block, kind, score, want) in cases {
        let c = ParentalControl::for_policy(&policy(*max, *sub, block)).unwrap();
        assert_eq!(c.allows(*kind, *score), *want, "{c:?} {kind:?} {score:?}");
    }
}

struct Fixture {
    _dir: tempfile::TempDir,
    store: Store,
    lib: ItemId,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_in(dir.path()).unwrap();
    let lib = store
        .write(|tx| store::put_library(tx, "Mixed", LibraryKind::Mixed, &["/m".into()]))
        .unwrap();
    Fixture {
        _dir: dir,
        store,
        lib,
    }
}

impl Fixture {
    fn put(
        &self,
        kind: ItemKind,
        path: &str,
        rating: Option<&str>,
        parent: Option<ItemId>,
    ) -> ItemId {
        let mut r = ItemRecord::new(kind, path, path.rsplit('/').next().unwrap_or(path));
        r.library_id = Some(self.lib);
        r.parent_id = Some(parent.unwrap_or(self.lib));
        r.official_rating = rating.map(str::to_owned);
        let id = r.id.unwrap();
        self.store.write(|tx| upsert_item(tx, &r)).unwrap();
        id
    }

    fn score(&self, id: ItemId) -> Option<RatingScore> {
        self.store.read(|c| stored_score(c, id)).unwrap()
    }
}

#[test]
fn stored_scores_follow_ratings_parents_and_the_country() {
    let f = fixture();
    let movie = f.put(ItemKind::Movie, "/m/a.mkv", Some("R"), None);
    let unknown = f.put(ItemKind::Movie, "/m/b.mkv", Some("Nonsense"), None);
    let none = f.put(ItemKind::Movie, "/m/c.mkv", None, None);
    let m = f.put(ItemKind::Movie, "/m/d.mkv", Some("M"), None);
    assert_eq!(f.score(movie), s(17, Some(0)));
    assert_eq!(f.score(unknown), None);
    assert_eq!(f.score(none), None);
    assert_eq!(f.score(m), s(18, None));

    // Episodes and seasons take the series' score; a rated episode keeps its own.
    let series = f.put(ItemKind::Series, "/m/Show", Some("TV-MA"), None);
    let season = f.put(ItemKind::Season, "/m/Show/S1", None, Some(series));
    let e1 = f.put(ItemKind::Episode, "/m/Show/S1/e1.mkv", None, Some(season));
    let e2 = f.put(
        ItemKind::Episode,
        "/m/Show/S1/e2.mkv",
        Some("TV-Y"),
        Some(season),
    );
    let trailer = f.put(
        ItemKind::Trailer,
        "/m/a-trailer.mkv",
        Some(" "),
        Some(movie),
    );
    assert_eq!(f.score(season), s(17, Some(1)));
    assert_eq!(f.score(e1), s(17, Some(1)));
    assert_eq!(f.score(e2), s(0, Some(0)));
    assert_eq!(f.score(trailer), s(17, Some(0)));

    // Re-rating the series carries down to its unrated descendants only.
    f.put(ItemKind::Series, "/m/Show", Some("TV-PG"), None);
    assert_eq!(f.score(season), s(13, Some(0)));
    assert_eq!(f.score(e1), s(13, Some(0)));
    assert_eq!(f.score(e2), s(0, Some(0)));
    // A season with its own rating shields its episodes.
    f.put(ItemKind::Season, "/m/Show/S1", Some("TV-14"), Some(series));
    assert_eq!(f.score(e1), s(14, Some(0)));
    f.put(ItemKind::Series, "/m/Show", Some("NC-17"), None);
    assert_eq!(f.score(e1), s(14, Some(0)));
    assert_eq!(f.score(season), s(14, Some(0)));
    // Unrating the season hands its episodes back to the series.
    f.put(ItemKind::Season, "/m/Show/S1", None, Some(series));
    assert_eq!(f.score(e1), s(17, Some(1)));

    // The server's country re-scores unprefixed ratings, and only when it changes.
    let changed = f
        .store
        .write(|tx| rating_scores::set_rating_country(tx, "AU"))
        .unwrap();
    assert!(changed > 0);
    assert_eq!(f.score(movie), s(18, Some(1)));
    assert_eq!(f.score(m), s(15, Some(2)));
    assert_eq!(f.store.read(rating_scores::rating_country).unwrap(), "au");
    assert_eq!(
        f.store
            .write(|tx| rating_scores::set_rating_country(tx, "au"))
            .unwrap(),
        0
    );
    // New items score in the new country.
    let later = f.put(ItemKind::Movie, "/m/e.mkv", Some("R"), None);
    assert_eq!(f.score(later), s(18, Some(1)));
    f.store
        .write(|tx| rating_scores::set_rating_country(tx, "us"))
        .unwrap();
    assert_eq!(f.score(later), s(17, Some(0)));
    assert_eq!(f.score(m), s(18, None));
}

#[test]
fn query_filter_equals_the_item_test() {
    let f = fixture();
    let ratings = [
        Some("G"),
        Some("PG"),
        Some("PG-13"),
        Some("R"),
        Some("NC-17"),
        Some("TV-MA"),
        Some("FSK-16"),
        Some("XXX"),
        Some("NR"),
        None,
    ];
    let mut all = Vec::new();
    for (i, rating) in ratings.iter().enumerate() {
        for kind in [ItemKind::Movie, ItemKind::Video, ItemKind::Book] {
            let id = f.put(kind, &format!("/m/{}-{i}.x", kind.name()), *rating, None);
            all.push((id, kind));
        }
    }
    let series = f.put(ItemKind::Series, "/m/Show", None, None);
    let episode = f.put(ItemKind::Episode, "/m/Show/e.mkv", None, Some(series));
    all.push((series, ItemKind::Series));
    all.push((episode, ItemKind::Episode));
    let policies = [
        policy(Some(13), None, &[]),
        policy(Some(17), None, &[]),
        policy(Some(17), Some(1), &[]),
        policy(Some(0), None, &[]),
        policy(None, None, &["Movie"]),
        policy(None, None, &["Series", "Other"]),
        policy(
            Some(10),
            None,
            &["Movie", "Book", "Series", "Music", "Other"],
        ),
    ];
    for p in policies {
        let control = ParentalControl::for_policy(&p).unwrap();
        let mut want: Vec<ItemId> = all
            .iter()
            .filter(|(id, kind)| control.allows(Some(*kind), f.score(*id)))
            .map(|(id, _)| *id)
            .collect();
        want.sort();
        let q = ItemQuery {
            library_id: Some(f.lib),
            exclude_kinds: vec![ItemKind::CollectionFolder],
            parental: Some(control.clone()),
            ..ItemQuery::default()
        };
        let mut got: Vec<ItemId> = f
            .store
            .query_items(&q)
            .unwrap()
            .items
            .into_iter()
            .filter_map(|i| i.id)
            .collect();
        got.sort();
        assert_eq!(got, want, "{control:?}");
        assert!(!got.is_empty() && got.len() < all.len(), "{control:?}");
        for (id, kind) in &all {
            let allowed = f
                .store
                .read(|c| item_allowed(c, *id, Some(*kind), &control))
                .unwrap();
            assert_eq!(allowed, want.contains(id), "{control:?} {kind:?}");
        }
    }
}
