//! Tests of user data and the resume rules on a real SQLite file.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::*;
use crate::auth::{self, UserConfiguration, UserPolicy};
use crate::store::{self, ItemRecord, LibraryKind};

const MIN: i64 = 60 * TICKS_PER_SECOND;

struct Fixture {
    _dir: tempfile::TempDir,
    store: Store,
    user: UserId,
    other: UserId,
    lib: ItemId,
}

fn t(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_700_000_000 + secs)
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_in(dir.path()).unwrap();
    let (user, other, lib) = store
        .write(|tx| {
            let mk = |name: &str| {
                auth::insert_user(
                    tx,
                    name,
                    None,
                    &UserPolicy::default(),
                    &UserConfiguration::default(),
                    t(0),
                )
                .map(|u| u.id)
            };
            let (a, b) = (mk("alice")?, mk("bob")?);
            let lib = store::put_library(tx, "Mixed", LibraryKind::Mixed, &["/media".into()])?;
            Ok::<_, auth::AuthError>((a, b, lib))
        })
        .unwrap();
    Fixture {
        _dir: dir,
        store,
        user,
        other,
        lib,
    }
}

/// What to insert.
#[derive(Default)]
struct Item<'a> {
    parent: Option<ItemId>,
    runtime: Option<i64>,
    extra: Option<&'a str>,
    media: Option<MediaType>,
    series: Option<ItemId>,
    season_no: Option<i32>,
    episode_no: Option<i32>,
}

impl Fixture {
    fn add(&self, kind: ItemKind, key: &str, spec: Item<'_>) -> ItemId {
        self.store
            .write(|tx| {
                let mut rec = ItemRecord::new(kind, key, key);
                rec.library_id = Some(self.lib);
                rec.parent_id = Some(spec.parent.unwrap_or(self.lib));
                rec.run_time_ticks = spec.runtime;
                rec.extra_type = spec.extra.map(str::to_owned);
                if spec.extra.is_some() {
                    rec.owner_id = spec.parent;
                }
                rec.media_type = spec.media;
                rec.series_id = spec.series;
                rec.parent_index_number = spec.season_no;
                rec.index_number = spec.episode_no;
                store::upsert_item(tx, &rec)?;
                Ok::<_, StoreError>(rec.id.unwrap())
            })
            .unwrap()
    }

    fn movie(&self, key: &str, runtime: Option<i64>) -> ItemId {
        self.add(
            ItemKind::Movie,
            key,
            Item {
                runtime,
                media: Some(MediaType::Video),
                ..Item::default()
            },
        )
    }

    fn ud(&self) -> UserData<'_> {
        UserData::new(&self.store)
    }

    fn write<T>(&self, f: impl FnOnce(&Transaction<'_>) -> UserDataResult<T>) -> UserDataResult<T> {
        self.store.write(f)
    }
}

fn playable(class: PlayClass, runtime: Option<i64>) -> PlayableItem {
    PlayableItem {
        id: ItemId([7; 16]),
        class,
        run_time_ticks: runtime,
        is_folder: false,
    }
}

#[test]
fn resume_rules_table() {
    let video = PlayClass::Video { resumable: true };
    let h = 60 * MIN;
    let rules = ResumeRules::default();
    // (case, class, runtime, position, position after, played after, completed)
    type Case = (&'static str, PlayClass, Option<i64>, i64, i64, bool, bool);
    let cases: &[Case] = &[
        (
            "video under 5 %",
            video,
            Some(100 * MIN),
            4 * MIN,
            0,
            false,
            false,
        ),
        (
            "video at 5 %",
            video,
            Some(100 * MIN),
            5 * MIN,
            5 * MIN,
            false,
            false,
        ),
        (
            "video mid",
            video,
            Some(100 * MIN),
            50 * MIN,
            50 * MIN,
            false,
            false,
        ),
        (
            "video at 90 %",
            video,
            Some(100 * MIN),
            90 * MIN,
            90 * MIN,
            false,
            false,
        ),
        (
            "video over 90 %",
            video,
            Some(100 * MIN),
            91 * MIN,
            0,
            true,
            true,
        ),
        (
            "video at the end",
            video,
            Some(100 * MIN),
            100 * MIN,
            0,
            true,
            true,
        ),
        (
            "video position 0",
            video,
            Some(100 * MIN),
            0,
            0,
            false,
            false,
        ),
        (
            "short item mid",
            video,
            Some(200 * TICKS_PER_SECOND),
            100 * TICKS_PER_SECOND,
            0,
            true,
            true,
        ),
        (
            "short item start",
            video,
            Some(200 * TICKS_PER_SECOND),
            5 * TICKS_PER_SECOND,
            0,
            false,
            false,
        ),
        ("video no runtime", video, None, 10 * MIN, 0, true, true),
        ("video zero runtime", video, Some(0), 0, 0, true, true),
        (
            "trailer extra mid",
            PlayClass::Video { resumable: false },
            Some(100 * MIN),
            50 * MIN,
            0,
            false,
            false,
        ),
        (
            "short song mid (under 300 s)",
            PlayClass::Audio,
            Some(4 * MIN),
            2 * MIN,
            0,
            true,
            true,
        ),
        (
            "long track mid",
            PlayClass::Audio,
            Some(10 * MIN),
            5 * MIN,
            0,
            false,
            false,
        ),
        (
            "music near end",
            PlayClass::Audio,
            Some(4 * MIN),
            4 * MIN - 1,
            0,
            true,
            true,
        ),
        (
            "audiobook first minutes",
            PlayClass::AudioBook,
            Some(10 * h),
            4 * MIN,
            0,
            false,
            false,
        ),
        (
            "audiobook mid",
            PlayClass::AudioBook,
            Some(10 * h),
            5 * h,
            5 * h,
            false,
            false,
        ),
        (
            "audiobook 5 % in, past 5 min",
            PlayClass::AudioBook,
            Some(10 * h),
            6 * MIN,
            6 * MIN,
            false,
            false,
        ),
        (
            "audiobook 95 %, 30 min left",
            PlayClass::AudioBook,
            Some(10 * h),
            10 * h - 30 * MIN,
            10 * h - 30 * MIN,
            false,
            false,
        ),
        (
            "audiobook 4 min left",
            PlayClass::AudioBook,
            Some(10 * h),
            10 * h - 4 * MIN,
            0,
            true,
            true,
        ),
        (
            "audiobook no runtime",
            PlayClass::AudioBook,
            None,
            10 * MIN,
            0,
            true,
            true,
        ),
        (
            "book fraction (no runtime)",
            PlayClass::Book,
            None,
            TICKS_PER_SECOND / 2,
            TICKS_PER_SECOND / 2,
            false,
            false,
        ),
        (
            "book at the end",
            PlayClass::Book,
            None,
            TICKS_PER_SECOND,
            TICKS_PER_SECOND,
            false,
            false,
        ),
        (
            "book with runtime",
            PlayClass::Book,
            Some(100 * MIN),
            99 * MIN,
            99 * MIN,
            false,
            false,
        ),
        (
            "not playable",
            PlayClass::Other,
            Some(100 * MIN),
            50 * MIN,
            0,
            false,
            false,
        ),
    ];
    for &(case, class, runtime, position, want_pos, want_played, want_completed) in cases {
        let mut data = UserItemData::new(ItemId([7; 16]));
        let completed = apply_play_state(&mut data, &playable(class, runtime), position, &rules);
        assert_eq!(
            (data.playback_position_ticks, data.played, completed),
            (want_pos, want_played, want_completed),
            "{case}"
        );
        assert_eq!(data.play_count, 0, "{case}: rules never count plays");
    }

    // Within one second of the end counts even when the percentage would not.
    let lenient = ResumeRules {
        max_resume_pct: 100,
        ..rules
    };
    for (position, completed) in [
        (100 * MIN - TICKS_PER_SECOND, true),
        (100 * MIN - 2 * TICKS_PER_SECOND, false),
    ] {
        let mut data = UserItemData::new(ItemId([7; 16]));
        assert_eq!(
            apply_play_state(
                &mut data,
                &playable(video, Some(100 * MIN)),
                position,
                &lenient
            ),
            completed,
            "{position}"
        );
    }
    // A played item stays played when a mid position is reported (Jellyfin keeps the flag).
    let mut data = UserItemData::new(ItemId([7; 16]));
    data.played = true;
    apply_play_state(
        &mut data,
        &playable(video, Some(100 * MIN)),
        50 * MIN,
        &rules,
    );
    assert!(data.played);
    assert_eq!(data.playback_position_ticks, 50 * MIN);
}

#[test]
fn play_classes_follow_kinds() {
    let cases = [
        (ItemKind::Movie, None, PlayClass::Video { resumable: true }),
        (
            ItemKind::Episode,
            None,
            PlayClass::Video { resumable: true },
        ),
        (
            ItemKind::Video,
            Some("Featurette"),
            PlayClass::Video { resumable: true },
        ),
        (
            ItemKind::Video,
            Some("Trailer"),
            PlayClass::Video { resumable: false },
        ),
        (
            ItemKind::Video,
            Some("ThemeVideo"),
            PlayClass::Video { resumable: false },
        ),
        (ItemKind::Audio, None, PlayClass::Audio),
        (ItemKind::AudioBook, None, PlayClass::AudioBook),
        (ItemKind::Book, None, PlayClass::Book),
        (ItemKind::Series, None, PlayClass::Other),
    ];
    for (kind, extra, class) in cases {
        assert_eq!(PlayClass::of(kind, extra), class, "{kind:?} {extra:?}");
    }
}

#[test]
fn playback_start_progress_stop() {
    let f = fixture();
    let movie = f.movie("/media/m.mkv", Some(100 * MIN));
    let ud = f.ud();
    let untouched = ud.get(f.user, movie).unwrap();
    assert_eq!(untouched, UserItemData::new(movie));

    let d = f
        .write(|tx| playback_start(tx, f.user, movie, t(10)))
        .unwrap();
    assert_eq!(
        (d.play_count, d.played, d.last_played),
        (1, false, Some(t(10)))
    );
    let (d, done) = ud
        .playback_progress(
            f.user,
            movie,
            Some(30 * MIN),
            Some(StreamSelection {
                audio_stream_index: Some(2),
                subtitle_stream_index: Some(-1),
            }),
        )
        .unwrap();
    assert!(!done);
    assert_eq!(d.playback_position_ticks, 30 * MIN);
    assert_eq!(d.played_percentage(Some(100 * MIN)), Some(30.0));
    assert_eq!(
        (d.audio_stream_index, d.subtitle_stream_index),
        (Some(2), Some(-1))
    );
    // A progress report without a position keeps the position.
    let (d, _) = ud.playback_progress(f.user, movie, None, None).unwrap();
    assert_eq!(d.playback_position_ticks, 30 * MIN);
    assert_eq!(d.audio_stream_index, Some(2));

    let (d, done) = ud
        .playback_stopped(f.user, movie, Some(95 * MIN), false)
        .unwrap();
    assert!(done);
    assert!(d.played);
    assert_eq!(d.playback_position_ticks, 0);
    assert_eq!(d.play_count, 1);
    assert_eq!(ud.get(f.user, movie).unwrap(), d);
    // Only this user's data changed.
    assert_eq!(ud.get(f.other, movie).unwrap(), UserItemData::new(movie));

    // Restarting a played video makes it unplayed until it completes again.
    let d = f
        .write(|tx| playback_start(tx, f.user, movie, t(20)))
        .unwrap();
    assert_eq!((d.play_count, d.played), (2, false));

    // Stopped errors and special cases.
    assert!(matches!(
        ud.playback_stopped(f.user, movie, Some(-1), false),
        Err(UserDataError::NegativePosition(-1))
    ));
    let before = ud.get(f.user, movie).unwrap();
    let (d, done) = ud
        .playback_stopped(f.user, movie, Some(50 * MIN), true)
        .unwrap();
    assert!(!done);
    assert_eq!(d, before, "a failed playback changes nothing");
    let (d, done) = ud.playback_stopped(f.user, movie, None, false).unwrap();
    assert!(done);
    assert_eq!(
        (d.play_count, d.played, d.playback_position_ticks),
        (3, true, 0)
    );

    // Music is played from the start; it never keeps a position.
    let song = f.add(
        ItemKind::Audio,
        "/media/song.flac",
        Item {
            runtime: Some(4 * MIN),
            media: Some(MediaType::Audio),
            ..Item::default()
        },
    );
    let d = ud.playback_start(f.user, song).unwrap();
    assert!(d.played);
    let (d, _) = ud
        .playback_progress(f.user, song, Some(2 * MIN), None)
        .unwrap();
    assert_eq!(d.playback_position_ticks, 0);

    // Unknown items and users.
    let ghost = ItemId([0xee; 16]);
    assert!(matches!(
        ud.playback_start(f.user, ghost),
        Err(UserDataError::UnknownItem(id)) if id == ghost
    ));
    assert!(matches!(
        ud.set_favorite(UserId([0xee; 16]), movie, true),
        Err(UserDataError::UnknownUser(_))
    ));
}

#[test]
fn custom_rules_apply_through_the_handle() {
    let f = fixture();
    let movie = f.movie("/media/m.mkv", Some(100 * MIN));
    let ud = f.ud().with_rules(ResumeRules {
        max_resume_pct: 50,
        ..ResumeRules::default()
    });
    let (d, done) = ud
        .playback_progress(f.user, movie, Some(60 * MIN), None)
        .unwrap();
    assert!(done && d.played);
}

#[test]
fn mark_played_unplayed_and_folders() {
    let f = fixture();
    let ud = f.ud();
    let movie = f.movie("/media/m.mkv", Some(100 * MIN));
    ud.playback_progress(f.user, movie, Some(30 * MIN), None)
        .unwrap();

    // Without a date: count at least 1, position reset, date now.
    let d = f
        .write(|tx| mark_played(tx, f.user, movie, None, t(100)))
        .unwrap();
    assert_eq!(
        (d.played, d.play_count, d.playback_position_ticks),
        (true, 1, 0)
    );
    assert_eq!(d.last_played, Some(t(100)));
    // Again without a date: the count stays, the date is kept.
    let d = f
        .write(|tx| mark_played(tx, f.user, movie, None, t(200)))
        .unwrap();
    assert_eq!((d.play_count, d.last_played), (1, Some(t(100))));
    // With a date: the count goes up and the date is that date.
    let d = f
        .write(|tx| mark_played(tx, f.user, movie, Some(t(50)), t(300)))
        .unwrap();
    assert_eq!((d.play_count, d.last_played), (2, Some(t(50))));
    let d = ud.mark_unplayed(f.user, movie).unwrap();
    assert_eq!(d, UserItemData::new(movie));

    // A series: marking it marks its episodes; extras and placeholders are not counted.
    let series = f.add(ItemKind::Series, "/media/Show", Item::default());
    let season = f.add(
        ItemKind::Season,
        "/media/Show/Season 1",
        Item {
            parent: Some(series),
            series: Some(series),
            season_no: Some(1),
            ..Item::default()
        },
    );
    let eps: Vec<ItemId> = (1..=3)
        .map(|n| {
            f.add(
                ItemKind::Episode,
                &format!("/media/Show/Season 1/e{n}.mkv"),
                Item {
                    parent: Some(season),
                    series: Some(series),
                    season_no: Some(1),
                    episode_no: Some(n),
                    runtime: Some(40 * MIN),
                    media: Some(MediaType::Video),
                    ..Item::default()
                },
            )
        })
        .collect();
    f.add(
        ItemKind::Video,
        "/media/Show/trailer.mkv",
        Item {
            parent: Some(series),
            extra: Some("Trailer"),
            ..Item::default()
        },
    );
    let states = ud
        .folder_play_states(f.user, &[series, season, movie])
        .unwrap();
    assert_eq!(
        states[&series],
        FolderPlayState {
            total: 3,
            unplayed: 3
        }
    );
    assert_eq!(
        states[&season],
        FolderPlayState {
            total: 3,
            unplayed: 3
        }
    );
    assert_eq!(states[&movie], FolderPlayState::default());
    assert_eq!(states[&series].played_percentage(), Some(0.0));

    ud.mark_played(f.user, eps[0], None).unwrap();
    let states = ud.folder_play_states(f.user, &[series]).unwrap();
    assert_eq!(states[&series].unplayed, 2);
    assert!(!states[&series].played());

    let d = ud.mark_played(f.user, series, None).unwrap();
    assert!(d.played);
    let states = ud.folder_play_states(f.user, &[series, season]).unwrap();
    assert_eq!(
        states[&series],
        FolderPlayState {
            total: 3,
            unplayed: 0
        }
    );
    assert!(states[&season].played());
    assert_eq!(states[&season].played_percentage(), Some(100.0));
    for e in &eps {
        assert!(ud.get(f.user, *e).unwrap().played);
    }
    assert!(!ud.get(f.other, eps[0]).unwrap().played);

    let d = ud.mark_unplayed(f.user, season).unwrap();
    assert!(!d.played);
    assert_eq!(
        ud.folder_play_states(f.user, &[series]).unwrap()[&series].unplayed,
        3
    );
}

#[test]
fn favorites_likes_and_partial_updates() {
    let f = fixture();
    let ud = f.ud();
    let a = f.movie("/media/a.mkv", Some(100 * MIN));
    let b = f.movie("/media/b.mkv", Some(100 * MIN));
    assert!(ud.set_favorite(f.user, a, true).unwrap().is_favorite);
    assert_eq!(
        ud.set_likes(f.user, a, Some(false)).unwrap().likes,
        Some(false)
    );
    assert_eq!(
        ud.set_likes(f.user, b, Some(true)).unwrap().likes,
        Some(true)
    );
    let d = ud.get(f.user, a).unwrap();
    assert!(d.is_favorite);
    assert_eq!(d.likes, Some(false));
    assert_eq!(ud.set_likes(f.user, a, None).unwrap().likes, None);
    assert!(
        ud.get(f.user, a).unwrap().is_favorite,
        "likes do not touch the favorite"
    );

    let fav = ud.favorite_filter(f.user, true).unwrap();
    assert_eq!(
        fav,
        IdFilter {
            ids: vec![a],
            include: true
        }
    );
    assert!(ud.favorite_filter(f.other, true).unwrap().ids.is_empty());
    assert!(!ud.set_favorite(f.user, a, false).unwrap().is_favorite);
    assert!(ud.favorite_filter(f.user, false).unwrap().ids.is_empty());

    let d = ud
        .update(
            f.user,
            b,
            &UserDataUpdate {
                playback_position_ticks: Some(12),
                play_count: Some(4),
                rating: Some(7.5),
                last_played: Some(t(5)),
                ..UserDataUpdate::default()
            },
        )
        .unwrap();
    assert_eq!(
        (
            d.playback_position_ticks,
            d.play_count,
            d.rating,
            d.last_played,
            d.likes
        ),
        (12, 4, Some(7.5), Some(t(5)), Some(true))
    );
    let d = ud
        .update(
            f.user,
            b,
            &UserDataUpdate {
                played: Some(true),
                ..UserDataUpdate::default()
            },
        )
        .unwrap();
    assert!(d.played);
    assert_eq!(d.play_count, 4);
    assert!(matches!(
        ud.update(
            f.user,
            b,
            &UserDataUpdate {
                playback_position_ticks: Some(-5),
                ..UserDataUpdate::default()
            }
        ),
        Err(UserDataError::NegativePosition(-5))
    ));
    assert_eq!(
        ud.played_filter(f.user, false).unwrap(),
        IdFilter {
            ids: vec![b],
            include: false
        }
    );
}

#[test]
fn many_items_at_once() {
    let f = fixture();
    let ud = f.ud();
    let ids: Vec<ItemId> = (0..1200)
        .map(|i| ItemId::derive(ItemKind::Movie, &format!("/media/{i}.mkv")))
        .collect();
    f.store
        .write(|tx| {
            for (i, id) in ids.iter().enumerate() {
                let mut rec = ItemRecord::new(ItemKind::Movie, &format!("/media/{i}.mkv"), "m");
                rec.parent_id = Some(f.lib);
                rec.library_id = Some(f.lib);
                store::upsert_item(tx, &rec)?;
                if i % 7 == 0 {
                    let mut d = UserItemData::new(*id);
                    d.play_count = i as i32;
                    d.is_favorite = true;
                    save(tx, f.user, &d).map_err(|e| match e {
                        UserDataError::Store(s) => s,
                        other => panic!("{other}"),
                    })?;
                }
            }
            Ok::<_, StoreError>(())
        })
        .unwrap();
    let mut wanted = ids.clone();
    wanted.push(ItemId([0xab; 16])); // unknown ids get defaults too
    let all = ud.get_many(f.user, &wanted).unwrap();
    assert_eq!(all.len(), wanted.len());
    for (i, id) in ids.iter().enumerate() {
        let d = &all[id];
        assert_eq!(d.item_id, *id);
        assert_eq!(d.is_favorite, i % 7 == 0, "{i}");
        assert_eq!(d.play_count, if i % 7 == 0 { i as i32 } else { 0 });
    }
    assert_eq!(
        all[&ItemId([0xab; 16])],
        UserItemData::new(ItemId([0xab; 16]))
    );
    assert!(ud.get_many(f.user, &[]).unwrap().is_empty());
    // The other user sees defaults everywhere.
    assert!(ud
        .get_many(f.other, &ids)
        .unwrap()
        .values()
        .all(|d| !d.is_favorite));
}

#[test]
fn resume_list_order_filters_and_paging() {
    let f = fixture();
    let ud = f.ud();
    let a = f.movie("/media/a.mkv", Some(100 * MIN));
    let b = f.movie("/media/b.mkv", Some(100 * MIN));
    let c = f.movie("/media/c.mkv", Some(100 * MIN));
    let done = f.movie("/media/done.mkv", Some(100 * MIN));
    let book = f.add(
        ItemKind::AudioBook,
        "/media/book.m4b",
        Item {
            runtime: Some(600 * MIN),
            media: Some(MediaType::Audio),
            ..Item::default()
        },
    );
    for (item, at) in [(a, 10), (b, 30), (c, 20), (done, 40), (book, 5)] {
        f.write(|tx| {
            playback_start(tx, f.user, item, t(at))?;
            playback_progress(
                tx,
                f.user,
                item,
                Some(50 * MIN),
                None,
                &ResumeRules::default(),
            )
        })
        .unwrap();
    }
    ud.playback_stopped(f.user, done, Some(99 * MIN), false)
        .unwrap();

    let all = ud.resume(f.user, &ResumeQuery::default()).unwrap();
    assert_eq!(all.items, [b, c, a, book], "most recently played first");
    assert_eq!(all.total_record_count, 4);
    let page = ud
        .resume(
            f.user,
            &ResumeQuery {
                start_index: 1,
                limit: Some(2),
                ..ResumeQuery::default()
            },
        )
        .unwrap();
    assert_eq!(page.items, [c, a]);
    assert_eq!((page.total_record_count, page.start_index), (4, 1));
    let videos = ud
        .resume(
            f.user,
            &ResumeQuery {
                media_types: vec![MediaType::Video],
                ..ResumeQuery::default()
            },
        )
        .unwrap();
    assert_eq!(videos.items, [b, c, a]);
    let books = ud
        .resume(
            f.user,
            &ResumeQuery {
                include_kinds: vec![ItemKind::AudioBook],
                ..ResumeQuery::default()
            },
        )
        .unwrap();
    assert_eq!(books.items, [book]);
    let no_movies = ud
        .resume(
            f.user,
            &ResumeQuery {
                exclude_kinds: vec![ItemKind::Movie],
                ..ResumeQuery::default()
            },
        )
        .unwrap();
    assert_eq!(no_movies.items, [book]);
    let in_lib = ud
        .resume(
            f.user,
            &ResumeQuery {
                parent_id: Some(f.lib),
                ..ResumeQuery::default()
            },
        )
        .unwrap();
    assert_eq!(in_lib.total_record_count, 4);
    let elsewhere = ud
        .resume(
            f.user,
            &ResumeQuery {
                parent_id: Some(a),
                ..ResumeQuery::default()
            },
        )
        .unwrap();
    assert!(elsewhere.items.is_empty());
    assert!(ud
        .resume(f.other, &ResumeQuery::default())
        .unwrap()
        .items
        .is_empty());
}

#[test]
fn next_up_after_the_furthest_played_episode() {
    let f = fixture();
    let ud = f.ud();
    let series = f.add(ItemKind::Series, "/media/Show", Item::default());
    let mut eps = Vec::new();
    for (s, e) in [(0, 1), (1, 1), (1, 2), (1, 3), (2, 1)] {
        eps.push(f.add(
            ItemKind::Episode,
            &format!("/media/Show/s{s}e{e}.mkv"),
            Item {
                parent: Some(series),
                series: Some(series),
                season_no: Some(s),
                episode_no: Some(e),
                runtime: Some(40 * MIN),
                media: Some(MediaType::Video),
                ..Item::default()
            },
        ));
    }
    assert!(ud.next_up(f.user, None).unwrap().is_empty());
    f.write(|tx| mark_played(tx, f.user, eps[1], Some(t(10)), t(10)))
        .unwrap();
    let next = ud.next_up(f.user, None).unwrap();
    assert_eq!(next.len(), 1);
    assert_eq!((next[0].series_id, next[0].episode_id), (series, eps[2]));
    assert_eq!(next[0].last_played, Some(t(10)));
    // Watching S01E03 skips the unplayed S01E02: next up follows the furthest episode.
    f.write(|tx| mark_played(tx, f.user, eps[3], Some(t(20)), t(20)))
        .unwrap();
    assert_eq!(
        ud.next_up(f.user, Some(series)).unwrap()[0].episode_id,
        eps[4]
    );
    let progress = f.store.read(|c| last_played_per_series(c, f.user)).unwrap();
    assert_eq!(progress[0].episode_id, eps[3]);
    f.write(|tx| mark_played(tx, f.user, eps[4], Some(t(30)), t(30)))
        .unwrap();
    assert!(
        ud.next_up(f.user, None).unwrap().is_empty(),
        "the special is never next up"
    );
    assert!(ud
        .next_up(f.user, Some(ItemId([1; 16])))
        .unwrap()
        .is_empty());
}

#[test]
fn user_data_goes_with_its_item_and_user() {
    let f = fixture();
    let ud = f.ud();
    let a = f.movie("/media/a.mkv", Some(100 * MIN));
    let b = f.movie("/media/b.mkv", Some(100 * MIN));
    for user in [f.user, f.other] {
        ud.set_favorite(user, a, true).unwrap();
        ud.set_favorite(user, b, true).unwrap();
    }
    let count = || -> i64 {
        f.store
            .read(|c| {
                c.query_row("SELECT COUNT(*) FROM user_data", [], |r| r.get(0))
                    .map_err(StoreError::from)
            })
            .unwrap()
    };
    assert_eq!(count(), 4);
    f.store.write(|tx| store::delete_items(tx, &[a])).unwrap();
    assert_eq!(count(), 2);
    f.store
        .write(|tx| {
            tx.execute("DELETE FROM users WHERE id = ?1", [&f.other.0[..]])
                .map_err(StoreError::from)
        })
        .unwrap();
    assert_eq!(count(), 1);
    assert_eq!(ud.favorite_filter(f.user, true).unwrap().ids, [b]);
}

/// Data read through the cache follows every write of the user, leaves other users' entries
/// alone, and follows content writes (an item deleted and its data with it).
#[test]
fn cached_user_data_follows_writes() {
    let f = fixture();
    let cache = UserDataCache::default();
    let ud = UserData::new(&f.store).with_cache(&cache);
    let a = f.add(
        ItemKind::Movie,
        "/media/a.mkv",
        Item {
            runtime: Some(100 * MIN),
            ..Item::default()
        },
    );
    let b = f.add(
        ItemKind::Movie,
        "/media/b.mkv",
        Item {
            runtime: Some(100 * MIN),
            ..Item::default()
        },
    );
    let read = |user| ud.get_many(user, &[a, b]).unwrap();
    for _ in 0..2 {
        assert!(!read(f.user)[&a].played);
        assert!(!read(f.other)[&b].is_favorite);
    }
    assert_eq!(
        cache.inner.lock().unwrap().entries.len(),
        4,
        "read data is kept"
    );
    ud.mark_played(f.user, a, None).unwrap();
    assert!(read(f.user)[&a].played);
    ud.set_favorite(f.other, b, true).unwrap();
    assert!(read(f.other)[&b].is_favorite);
    ud.playback_progress(f.user, b, Some(30 * MIN), None)
        .unwrap();
    assert_eq!(read(f.user)[&b].playback_position_ticks, 30 * MIN);
    assert!(read(f.user)[&a].played, "still there");
    // A content write: the item goes, its data goes with it.
    f.store
        .write(|tx| {
            tx.execute("DELETE FROM items WHERE id = ?1", [&a.0[..]])
                .map_err(store::StoreError::from)
        })
        .unwrap();
    assert!(!read(f.user)[&a].played, "{:?}", read(f.user)[&a]);
}
