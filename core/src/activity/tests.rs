use std::sync::Arc;
use std::time::{Duration, SystemTime};

use super::events::{self, friendly_duration, PlayedItem};
use super::*;
use crate::auth::{Auth, DeviceInfo, HashCost};
use crate::sessions::{PlaybackReport, SessionManager};
use crate::store::{ItemId, ItemKind, ItemRecord, LibraryKind, MediaType};
use crate::{LibraryConfig, MediaLibrary};

fn library() -> (tempfile::TempDir, Arc<MediaLibrary>) {
    let dir = tempfile::tempdir().unwrap();
    let lib = MediaLibrary::open(LibraryConfig::new(dir.path())).unwrap();
    (dir, Arc::new(lib))
}

fn kinds(lib: &MediaLibrary) -> Vec<String> {
    let (entries, _) = lib.activity().entries(&EntryQuery::default()).unwrap();
    entries.into_iter().map(|e| e.entry.kind).collect()
}

#[test]
fn entries_page_newest_first_and_filter() {
    let (_dir, lib) = library();
    let store = lib.store();
    let user = crate::auth::UserId([7; 16]);
    let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    for i in 0..5u64 {
        let mut e = NewEntry::new(format!("entry {i}"), "Test");
        if i % 2 == 0 {
            e.user_id = Some(user);
        }
        store
            .write(|tx| record(tx, &e, t0 + Duration::from_secs(i * 60)))
            .unwrap();
    }
    let names = |q: EntryQuery| -> (Vec<String>, usize) {
        let (e, total) = lib.activity().entries(&q).unwrap();
        (e.into_iter().map(|e| e.entry.name).collect(), total)
    };
    let cases: Vec<(EntryQuery, Vec<&str>, usize)> = vec![
        (
            EntryQuery::default(),
            vec!["entry 4", "entry 3", "entry 2", "entry 1", "entry 0"],
            5,
        ),
        (
            EntryQuery {
                start_index: 1,
                limit: Some(2),
                ..EntryQuery::default()
            },
            vec!["entry 3", "entry 2"],
            5,
        ),
        (
            EntryQuery {
                has_user_id: Some(true),
                ..EntryQuery::default()
            },
            vec!["entry 4", "entry 2", "entry 0"],
            3,
        ),
        (
            EntryQuery {
                has_user_id: Some(false),
                ..EntryQuery::default()
            },
            vec!["entry 3", "entry 1"],
            2,
        ),
        (
            EntryQuery {
                min_date: Some(t0 + Duration::from_secs(120)),
                limit: Some(1),
                ..EntryQuery::default()
            },
            vec!["entry 4"],
            3,
        ),
    ];
    for (q, want, total) in cases {
        assert_eq!(
            names(q.clone()),
            (want.iter().map(|s| s.to_string()).collect(), total),
            "{q:?}"
        );
    }
    let (first, _) = lib.activity().entries(&EntryQuery::default()).unwrap();
    assert_eq!(first[0].entry.user_id, Some(user));
    assert_eq!(first[0].date, t0 + Duration::from_secs(240));
    assert_eq!(first[0].entry.severity, Severity::Information);
    // Cleaning by age removes the old entries and keeps fresh ones.
    lib.activity()
        .record(&NewEntry::new("fresh", "Test"))
        .unwrap();
    assert_eq!(lib.activity().clean(30).unwrap(), 5);
    assert_eq!(names(EntryQuery::default()).0, ["fresh"]);
}

#[test]
fn user_actions_are_recorded_with_jellyfin_types() {
    let (_dir, lib) = library();
    let auth = Auth::new(lib.store()).with_hash_cost(HashCost::MINIMAL);
    let admin = auth.ensure_admin("admin", "pw").unwrap().unwrap();
    let device = DeviceInfo::new("dev-1", "Phone", "App", "1.0");
    auth.authenticate_by_name("admin", "pw", &device).unwrap();
    assert!(auth
        .authenticate_by_name("admin", "wrong", &device)
        .is_err());
    assert!(auth.authenticate_by_name("nobody", "x", &device).is_err());
    let bob = auth.create_user("bob", "b").unwrap();
    auth.change_password(bob.id, Some("b"), "c", None).unwrap();
    auth.update_policy(bob.id, &serde_json::json!({"EnableAllFolders": true}))
        .unwrap();
    auth.delete_user(bob.id).unwrap();
    let (entries, total) = lib.activity().entries(&EntryQuery::default()).unwrap();
    let got: Vec<(String, String, Option<crate::auth::UserId>, Severity)> = entries
        .into_iter()
        .rev()
        .map(|e| {
            (
                e.entry.kind,
                e.entry.name,
                e.entry.user_id,
                e.entry.severity,
            )
        })
        .collect();
    use Severity::*;
    let want = vec![
        (
            "UserCreated",
            "User admin has been created",
            Some(admin.id),
            Information,
        ),
        (
            "AuthenticationSucceeded",
            "admin successfully authenticated",
            Some(admin.id),
            Information,
        ),
        (
            "AuthenticationFailed",
            "Failed login try from admin",
            None,
            Error,
        ),
        (
            "AuthenticationFailed",
            "Failed login try from nobody",
            None,
            Error,
        ),
        (
            "UserCreated",
            "User bob has been created",
            Some(bob.id),
            Information,
        ),
        (
            "UserPasswordChanged",
            "Password has been changed for user bob",
            Some(bob.id),
            Information,
        ),
        (
            "UserPolicyUpdated",
            "User policy has been updated for bob",
            Some(bob.id),
            Information,
        ),
        (
            "UserDeleted",
            "User bob has been deleted",
            None,
            Information,
        ),
    ];
    let want: Vec<(String, String, Option<crate::auth::UserId>, Severity)> = want
        .into_iter()
        .map(|(k, n, u, s)| (k.to_owned(), n.to_owned(), u, s))
        .collect();
    assert_eq!(got, want);
    assert_eq!(total, 8);
}

#[test]
fn lockout_is_recorded() {
    let (_dir, lib) = library();
    let auth = Auth::new(lib.store()).with_hash_cost(HashCost::MINIMAL);
    auth.ensure_admin("admin", "pw").unwrap();
    let user = auth.create_user("eve", "right").unwrap();
    auth.update_policy(
        user.id,
        &serde_json::json!({"LoginAttemptsBeforeLockout": 2}),
    )
    .unwrap();
    let device = DeviceInfo::new("d", "D", "App", "1");
    for _ in 0..2 {
        assert!(auth.authenticate_by_name("eve", "wrong", &device).is_err());
    }
    let k = kinds(&lib);
    assert_eq!(k[0], "UserLockedOut", "{k:?}");
    assert_eq!(k.iter().filter(|k| *k == "AuthenticationFailed").count(), 2);
}

#[test]
fn sessions_and_playback_are_recorded() {
    let (_dir, lib) = library();
    let auth = Auth::new(lib.store()).with_hash_cost(HashCost::MINIMAL);
    auth.ensure_admin("admin", "pw").unwrap();
    let device = DeviceInfo::new("dev-9", "Living Room", "App", "1.0");
    let session = auth.authenticate_by_name("admin", "pw", &device).unwrap();
    let ctx = auth
        .validate_token(&session.token, &device)
        .unwrap()
        .unwrap();
    // An episode and a book in a library.
    let libr = lib
        .add_library("Shows", LibraryKind::TvShows, &["/shows".into()])
        .unwrap();
    let mut ep = ItemRecord::new(ItemKind::Episode, "/shows/s/e1.mkv", "Pilot");
    ep.library_id = Some(libr.id);
    ep.series_name = Some("Show".into());
    ep.media_type = Some(MediaType::Video);
    let mut book = ItemRecord::new(ItemKind::Book, "/shows/b.epub", "Book");
    book.library_id = Some(libr.id);
    book.media_type = Some(MediaType::Book);
    lib.store()
        .write(|tx| {
            crate::store::upsert_item(tx, &ep)?;
            crate::store::upsert_item(tx, &book)
        })
        .unwrap();
    let sessions = SessionManager::default();
    sessions.observe(SessionLogger::new(lib.clone()).observer());
    let s = sessions.touch(&ctx).unwrap();
    let ep_id: ItemId = ep.id.unwrap();
    sessions.playback_started(&s.id, PlaybackReport::new(ep_id));
    sessions.playback_stopped(&s.id, ep_id);
    // Books are not logged, as in Jellyfin.
    sessions.playback_started(&s.id, PlaybackReport::new(book.id.unwrap()));
    sessions.remove(&s.id);
    let (entries, _) = lib.activity().entries(&EntryQuery::default()).unwrap();
    let got: Vec<(String, String, Option<String>)> = entries
        .into_iter()
        .rev()
        .filter(|e| !e.entry.kind.starts_with("Authentication") && e.entry.kind != "UserCreated")
        .map(|e| (e.entry.kind, e.entry.name, e.entry.item_id))
        .collect();
    let want = vec![
        (
            "SessionStarted",
            "admin is online from Living Room".to_owned(),
            None,
        ),
        (
            "VideoPlayback",
            "admin is playing Show - Pilot on Living Room".to_owned(),
            Some(ep_id.to_n()),
        ),
        (
            "VideoPlaybackStopped",
            "admin has finished playing Show - Pilot on Living Room".to_owned(),
            Some(ep_id.to_n()),
        ),
        (
            "SessionEnded",
            "admin has disconnected from Living Room".to_owned(),
            None,
        ),
    ];
    let want: Vec<(String, String, Option<String>)> = want
        .into_iter()
        .map(|(k, n, i)| (k.to_owned(), n, i))
        .collect();
    assert_eq!(got, want);
}

#[test]
fn playback_entries_name_items_like_jellyfin() {
    let user = crate::auth::UserId([1; 16]);
    let item = |series: Option<&str>, artist: Option<&str>, media| PlayedItem {
        id: ItemId([2; 16]),
        name: "Name".into(),
        series_name: series.map(str::to_owned),
        artist: artist.map(str::to_owned),
        media_type: media,
    };
    let cases = [
        (
            item(None, None, Some(MediaType::Video)),
            Some(("VideoPlayback", "u is playing Name on d")),
        ),
        (
            item(None, Some("Band"), Some(MediaType::Audio)),
            Some(("AudioPlayback", "u is playing Band - Name on d")),
        ),
        (
            item(Some("Show"), None, Some(MediaType::Video)),
            Some(("VideoPlayback", "u is playing Show - Name on d")),
        ),
        (item(None, None, Some(MediaType::Book)), None),
        (item(None, None, None), None),
    ];
    for (it, want) in cases {
        let got = events::playback_started("u", user, &it, "d").map(|e| (e.kind, e.name));
        assert_eq!(
            got,
            want.map(|(k, n)| (k.to_owned(), n.to_owned())),
            "{it:?}"
        );
    }
}

#[test]
fn durations_are_worded_like_jellyfin() {
    let cases = [
        (0, "0 seconds"),
        (1, "1 second"),
        (61, "1 minute and 1 second"),
        (3_600, "1 hour"),
        (3_725, "1 hour, 2 minutes and 5 seconds"),
        (86_400 * 2 + 60, "2 days and 1 minute"),
        (86_400 * 400, "1 year, 1 month and 5 days"),
    ];
    for (secs, want) in cases {
        assert_eq!(friendly_duration(Duration::from_secs(secs)), want, "{secs}");
    }
    let failed = events::task_failed("Scan Media Library", "boom", Duration::from_secs(61));
    assert_eq!(failed.kind, "TaskFailed");
    assert_eq!(failed.severity, Severity::Error);
    assert_eq!(failed.name, "Scan Media Library failed");
    assert_eq!(
        failed.short_overview.as_deref(),
        Some("Running time: 1 minute and 1 second")
    );
    assert_eq!(failed.overview.as_deref(), Some("boom"));
}
