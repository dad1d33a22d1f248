//! Search on a made library (real media from `make-library`, real scans): typos, prefixes,
//! diacritics, CJK, people, series names finding episodes, library visibility and parental
//! control inside the query, facets, hostile input, and the index following rescans.

use std::path::Path;

use jellyfin_core::ratings::ParentalControl;
use jellyfin_core::scan::ScanOptions;
use jellyfin_core::search::SearchQuery;
use jellyfin_core::store::{ItemId, ItemKind, ItemQuery, LibraryKind};
use jellyfin_core::MediaLibrary;

use super::library::{make_library_in, open_library};

/// Adds a movie folder with a copy of a template file, and an NFO when given.
fn add_movie(root: &Path, folder: &str, nfo: Option<&str>) {
    let dir = root.join("Movies").join(folder);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(
        root.join(".templates/h264_aac.mp4"),
        dir.join(format!("{folder}.mp4")),
    )
    .unwrap();
    if let Some(nfo) = nfo {
        std::fs::write(dir.join("movie.nfo"), nfo).unwrap();
    }
}

fn names(lib: &MediaLibrary, q: &SearchQuery) -> Vec<String> {
    lib.search(q)
        .unwrap()
        .iter()
        .map(|h| lib.item(h.id).unwrap().unwrap().name)
        .collect()
}

fn query(term: &str) -> SearchQuery {
    SearchQuery {
        term: term.into(),
        limit: 20,
        ..SearchQuery::default()
    }
}

fn scan(lib: &MediaLibrary, name: &str) {
    lib.scan(name, &ScanOptions::default()).unwrap();
}

#[test]
fn search_finds_typos_prefixes_diacritics_people_and_respects_visibility() {
    let dir = tempfile::tempdir().unwrap();
    let media = dir.path().join("media");
    make_library_in(
        &media,
        &[
            "--movies",
            "8",
            "--shows",
            "1",
            "--seasons",
            "1",
            "--episodes",
            "3",
        ],
    );
    add_movie(
        &media,
        "The Matrix (1999)",
        Some(
            "<movie><title>The Matrix</title><mpaa>R</mpaa><genre>Science Fiction</genre>\
             <actor><name>Keanu Reeves</name><role>Neo</role></actor></movie>",
        ),
    );
    add_movie(
        &media,
        "Amélie (2001)",
        Some("<movie><title>Amélie</title><mpaa>R</mpaa></movie>"),
    );
    add_movie(&media, "東京物語 (1953)", None);
    add_movie(&media, "The Night of the Hunter (1955)", None);
    add_movie(&media, "Hunter of the Night Sky (2005)", None);
    add_movie(
        &media,
        "Matrix Dolls (2010)",
        Some("<movie><mpaa>G</mpaa></movie>"),
    );
    let kids = dir.path().join("kids");
    std::fs::create_dir_all(kids.join(".templates")).unwrap();
    std::fs::copy(
        media.join(".templates/h264_aac.mp4"),
        kids.join(".templates/h264_aac.mp4"),
    )
    .unwrap();
    add_movie(&kids, "Matrix Puzzles (2015)", None);

    let data = dir.path().join("data");
    let lib = open_library(&data);
    let movies = lib
        .add_library("Movies", LibraryKind::Movies, &[media.join("Movies")])
        .unwrap();
    let shows = lib
        .add_library("Shows", LibraryKind::TvShows, &[media.join("Shows")])
        .unwrap();
    let kids_lib = lib
        .add_library("Kids", LibraryKind::Movies, &[kids.join("Movies")])
        .unwrap();
    for name in ["Movies", "Shows", "Kids"] {
        scan(&lib, name);
    }

    // Typos, prefixes, word order, diacritics, CJK, query syntax as plain text.
    for (term, want) in [
        ("matirx", "The Matrix"),
        ("The Matrix", "The Matrix"),
        ("matrix the", "The Matrix"),
        ("mat", "The Matrix"),
        ("amelie", "Amélie"),
        ("AMÉLIE", "Amélie"),
        ("amel", "Amélie"),
        ("東京", "東京物語"),
        ("物語", "東京物語"),
        ("\"matrix\"", "The Matrix"),
        ("matrix:(*", "The Matrix"),
    ] {
        let found = names(&lib, &query(term));
        assert!(found.contains(&want.to_owned()), "{term:?} → {found:?}");
    }
    // The shortest exact name first.
    let ranked = names(&lib, &query("matrix"));
    assert_eq!(
        ranked.first().map(String::as_str),
        Some("The Matrix"),
        "{ranked:?}"
    );
    // The phrase (with its repeated word) ranks the movie that has it in order first.
    let ranked = names(&lib, &query("the night of the hunter"));
    assert_eq!(ranked[0], "The Night of the Hunter", "{ranked:?}");
    assert!(
        ranked.contains(&"Hunter of the Night Sky".to_owned()),
        "{ranked:?}"
    );
    // A person's name finds their movie.
    assert!(names(&lib, &query("keanu")).contains(&"The Matrix".to_owned()));
    assert!(names(&lib, &query("reeves keanu")).contains(&"The Matrix".to_owned()));
    // Too short for typos: no fuzzy match on three letters.
    assert!(!names(&lib, &query("mtx")).contains(&"The Matrix".to_owned()));
    // Bad input: empty, blank and huge terms are no hits, never errors.
    for term in ["", "   ", &"x".repeat(10_000), "((((", "\"", ":", "*"] {
        assert!(lib.search(&query(term)).is_ok(), "{term:?}");
    }
    assert!(lib.search(&query("")).unwrap().is_empty());
    // Any limit, even one with no room to double: all the hits, no panic.
    for limit in [usize::MAX, usize::MAX / 2 + 1] {
        let all = lib
            .search(&SearchQuery {
                limit,
                ..query("matrix")
            })
            .unwrap();
        assert_eq!(all.len(), names(&lib, &query("matrix")).len(), "{limit}");
    }

    // A series name finds its episodes when episodes are asked for.
    let series = lib
        .query(&ItemQuery {
            include_kinds: vec![ItemKind::Series],
            ..ItemQuery::default()
        })
        .unwrap()
        .items
        .remove(0);
    let episodes = lib
        .search(&SearchQuery {
            include_kinds: vec![ItemKind::Episode],
            ..query(&series.name)
        })
        .unwrap();
    let of_series = lib
        .query(&ItemQuery {
            include_kinds: vec![ItemKind::Episode],
            ..ItemQuery::default()
        })
        .unwrap()
        .items
        .iter()
        .filter(|e| e.series_id == series.id)
        .count();
    assert!(of_series >= 3);
    assert_eq!(episodes.len(), of_series, "{:?}", series.name);
    for hit in &episodes {
        let e = lib.item(hit.id).unwrap().unwrap();
        assert_eq!(e.kind, Some(ItemKind::Episode));
        assert_eq!(e.series_id, series.id);
    }

    // Visibility inside the query: a user limited to Kids sees only Kids' matrix.
    let kids_only = names(
        &lib,
        &SearchQuery {
            libraries: Some(vec![kids_lib.id]),
            ..query("matrix")
        },
    );
    assert_eq!(kids_only, vec!["Matrix Puzzles".to_owned()]);
    // Parental control: a PG-13 limit hides the R-rated movies, keeps G and unrated.
    let limit = ParentalControl {
        max: Some((13, 0)),
        block_unrated: Vec::new(),
    };
    let limited = names(
        &lib,
        &SearchQuery {
            parental: Some(limit.clone()),
            ..query("matrix")
        },
    );
    assert!(!limited.contains(&"The Matrix".to_owned()), "{limited:?}");
    assert!(limited.contains(&"Matrix Dolls".to_owned()), "{limited:?}");
    assert!(
        limited.contains(&"Matrix Puzzles".to_owned()),
        "{limited:?}"
    );
    // The same through an item query with a search term (what `/Items?searchTerm=` does).
    let page = lib
        .query(&ItemQuery {
            search_term: Some("matirx".into()),
            visible_libraries: Some(vec![movies.id, shows.id]),
            parental: Some(limit),
            limit: Some(10),
            ..ItemQuery::default()
        })
        .unwrap();
    let page_names: Vec<&str> = page.items.iter().map(|i| i.name.as_str()).collect();
    assert!(!page_names.contains(&"The Matrix"), "{page_names:?}");
    assert!(!page_names.contains(&"Matrix Puzzles"), "{page_names:?}");

    // Facets of a search.
    let facets = lib
        .facets(&SearchQuery {
            include_kinds: vec![ItemKind::Movie],
            ..query("matrix")
        })
        .unwrap()
        .unwrap();
    let rating = |v: &str| {
        facets
            .official_ratings
            .iter()
            .find(|f| f.value == v)
            .map(|f| f.count)
    };
    assert_eq!(rating("R"), Some(1), "{facets:?}");
    assert_eq!(rating("G"), Some(1), "{facets:?}");
    assert!(facets
        .genres
        .iter()
        .any(|g| g.value == "Science Fiction" && g.count == 1));
    assert!(facets.years.iter().any(|y| y.value == "1999"));
    assert_eq!(facets.kinds[0].value, "Movie");

    // The index follows rescans: a removed movie disappears, a new one appears.
    std::fs::remove_dir_all(media.join("Movies/Amélie (2001)")).unwrap();
    add_movie(&media, "Zebra Crossing (2020)", None);
    scan(&lib, "Movies");
    assert!(names(&lib, &query("amelie")).is_empty());
    assert_eq!(
        names(&lib, &query("zebra")),
        vec!["Zebra Crossing".to_owned()]
    );

    // A reopened library (a new index handle) finds the same; a rebuild too.
    drop(lib);
    let lib = open_library(&data);
    let summary = lib.rebuild_search_index().unwrap();
    assert!(summary.indexed > 10, "{summary:?}");
    assert_eq!(
        names(&lib, &query("zebra")),
        vec!["Zebra Crossing".to_owned()]
    );
    let _: ItemId = movies.id;
}
