//! The media library end to end: real media from `make-library`, the real libav prober, a real
//! SQLite file. Each scanned library is checked against make-library's own summary and against
//! facts read independently from the tree (ffprobe runs for durations and codecs).

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};

use jellyfin_core::probe::{MediaInfo, ProbeError, Prober};
use jellyfin_core::scan::{CancelToken, ScanError, ScanEvent, ScanOptions};
use jellyfin_core::store::{ItemKind, ItemQuery, ItemRecord, LibraryKind};
use jellyfin_core::{Error, LibraryConfig, MediaLibrary};
use serde_json::Value;

fn shared() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared")
}

/// Runs make-library into `dir` and returns its JSON summary.
fn make_library(dir: &Path, args: &[&str]) -> Value {
    let out = Command::new(shared().join("tools/make-library"))
        .arg(dir)
        .args(args)
        .output()
        .expect("make-library runs (python3 and ffmpeg installed)");
    assert!(
        out.status.success(),
        "make-library failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn count(summary: &Value, kind: &str) -> usize {
    summary["counts"][kind].as_u64().unwrap_or(0) as usize
}

/// Runs make-library into `dir` (for other test modules).
pub(crate) fn make_library_in(dir: &Path, args: &[&str]) -> Value {
    make_library(dir, args)
}

/// Opens a library in `data` (for other test modules).
pub(crate) fn open_library(data: &Path) -> MediaLibrary {
    open(data)
}

fn open(data: &Path) -> MediaLibrary {
    MediaLibrary::open(LibraryConfig::new(data)).unwrap()
}

fn all(lib: &MediaLibrary, kinds: &[ItemKind]) -> Vec<ItemRecord> {
    lib.query(&ItemQuery {
        include_kinds: kinds.to_vec(),
        include_extras: true,
        include_alternate_versions: true,
        ..ItemQuery::default()
    })
    .unwrap()
    .items
}

fn add_all(lib: &MediaLibrary, root: &Path) {
    lib.add_library("Movies", LibraryKind::Movies, &[root.join("Movies")])
        .unwrap();
    lib.add_library("Shows", LibraryKind::TvShows, &[root.join("Shows")])
        .unwrap();
    lib.add_library("Music", LibraryKind::Music, &[root.join("Music")])
        .unwrap();
}

fn scan_all(lib: &MediaLibrary) -> Vec<jellyfin_core::scan::ScanSummary> {
    ["Movies", "Shows", "Music"]
        .iter()
        .map(|n| lib.scan(n, &ScanOptions::default()).unwrap())
        .collect()
}

/// (codec list, duration seconds) of a template, from ffprobe's JSON in the summary.
fn templates(summary: &Value) -> Vec<(Vec<String>, f64)> {
    summary["templates"]
        .as_object()
        .unwrap()
        .values()
        .map(|t| {
            let streams = t["streams"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s.as_str().unwrap().to_owned())
                .collect();
            (streams, t["duration"].as_f64().unwrap())
        })
        .collect()
}

fn stream_list(item: &ItemRecord) -> Vec<String> {
    item.streams
        .iter()
        .filter(|s| !s.is_external)
        .map(|s| {
            format!(
                "{}:{}",
                s.kind.to_lowercase(),
                s.codec.clone().unwrap_or_default()
            )
        })
        .collect()
}

#[test]
fn scanned_library_matches_make_library_summary() {
    let media = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let summary = make_library(media.path(), &[]);
    let lib = open(data.path());
    add_all(&lib, media.path());
    let scans = scan_all(&lib);
    for s in &scans {
        assert_eq!(s.probe_errors, 0, "{s:?}");
        assert!(s.folder_errors.is_empty(), "{s:?}");
    }

    // Movies, their alternate versions and extras.
    let movies = all(&lib, &[ItemKind::Movie]);
    let primaries: Vec<&ItemRecord> = movies
        .iter()
        .filter(|m| m.primary_version_id.is_none())
        .collect();
    let versions: Vec<&ItemRecord> = movies
        .iter()
        .filter(|m| m.primary_version_id.is_some())
        .collect();
    assert_eq!(primaries.len(), count(&summary, "movie"), "movies");
    assert_eq!(
        versions.len(),
        count(&summary, "version"),
        "alternate versions"
    );
    for v in &versions {
        let primary = lib.item(v.primary_version_id.unwrap()).unwrap().unwrap();
        assert_eq!(primary.name, v.name);
        assert!(
            primary.path.as_deref().unwrap().contains("2160p"),
            "the 2160p file is primary"
        );
    }
    let extras: Vec<ItemRecord> = all(&lib, &[ItemKind::Trailer, ItemKind::Video])
        .into_iter()
        .filter(|e| e.owner_id.is_some())
        .collect();
    assert_eq!(extras.len(), count(&summary, "extra"), "extras");
    let trailers = extras
        .iter()
        .filter(|e| e.extra_type.as_deref() == Some("Trailer"))
        .count();
    let bts = extras
        .iter()
        .filter(|e| e.extra_type.as_deref() == Some("BehindTheScenes"))
        .count();
    assert_eq!(
        (trailers, bts),
        (count(&summary, "extra") / 2, count(&summary, "extra") / 2)
    );
    for e in &extras {
        let owner = lib.item(e.owner_id.unwrap()).unwrap().unwrap();
        assert_eq!(owner.kind, Some(ItemKind::Movie));
    }
    // Browsing hides extras and versions.
    let browse = lib
        .query(&ItemQuery {
            include_kinds: vec![ItemKind::Movie],
            ..ItemQuery::default()
        })
        .unwrap();
    assert_eq!(browse.total_record_count, count(&summary, "movie"));

    // External subtitles: every .srt became an external stream with its language and flags.
    let external: Vec<_> = movies
        .iter()
        .flat_map(|m| m.streams.iter().filter(|s| s.is_external))
        .collect();
    assert_eq!(
        external.len(),
        count(&summary, "subtitle"),
        "external subtitles"
    );
    assert!(external
        .iter()
        .any(|s| s.language.as_deref() == Some("eng") && !s.is_forced));
    assert!(external
        .iter()
        .any(|s| s.language.as_deref() == Some("deu") && s.is_forced));

    // Durations and codecs: every playable item matches one of the templates, probed
    // independently by make-library with ffprobe.
    let templates = templates(&summary);
    let playable = all(
        &lib,
        &[
            ItemKind::Movie,
            ItemKind::Episode,
            ItemKind::Trailer,
            ItemKind::Video,
            ItemKind::Audio,
        ],
    );
    assert!(!playable.is_empty());
    for item in &playable {
        let streams = stream_list(item);
        let secs = item.run_time_ticks.unwrap_or(0) as f64 / 1e7;
        assert!(
            templates
                .iter()
                .any(|(s, d)| *s == streams && (secs - d).abs() < 0.05),
            "{:?}: streams {streams:?}, {secs}s match no template {templates:?}",
            item.path
        );
        assert!(
            item.container.is_some() && item.size.unwrap_or(0) > 0,
            "{:?}",
            item.path
        );
    }

    // Images: every artwork file was attached, with dimensions and a blurhash.
    let images: Vec<_> = all(
        &lib,
        &[ItemKind::Movie, ItemKind::Series, ItemKind::MusicAlbum],
    )
    .into_iter()
    .flat_map(|i| i.images)
    .collect();
    assert_eq!(images.len(), count(&summary, "image"), "images");
    for img in &images {
        assert!(
            img.width.is_some() && img.height.is_some() && img.blurhash.is_some(),
            "{img:?}"
        );
    }
    assert!(
        images
            .iter()
            .any(|i| i.image_type == 2 && i.width == Some(1280)),
        "fanart is a backdrop"
    );

    // NFO: movies with a movie.nfo have its plot, rating, genres, people and provider id.
    let with_nfo: Vec<&ItemRecord> = primaries
        .iter()
        .copied()
        .filter(|m| m.overview.is_some())
        .collect();
    assert_eq!(
        with_nfo.len(),
        count(&summary, "nfo") - 4,
        "movie NFOs (4 NFOs are tvshow.nfo)"
    );
    for m in &with_nfo {
        assert_eq!(m.genres.len(), 2, "{:?}", m.name);
        assert_eq!(m.official_rating.as_deref(), Some("PG-13"));
        assert!(m.provider_ids.iter().any(|(p, _)| p == "Tmdb"));
        assert!(m
            .people
            .iter()
            .any(|p| p.kind == "Actor" && p.role.is_some()));
        assert!(m.community_rating.is_some());
    }

    // TV: series, seasons, and episodes per season as found in the tree.
    let episodes = all(&lib, &[ItemKind::Episode]);
    assert_eq!(episodes.len(), count(&summary, "episode"), "episodes");
    let series = all(&lib, &[ItemKind::Series]);
    assert_eq!(series.len(), 4);
    for s in &series {
        assert!(
            s.provider_ids.iter().any(|(p, _)| p == "Tvdb"),
            "tvshow.nfo read for {}",
            s.name
        );
        assert!(s.production_year.is_some());
        let dir = Path::new(s.path.as_deref().unwrap());
        let seasons = all(&lib, &[ItemKind::Season])
            .into_iter()
            .filter(|x| x.parent_id == s.id)
            .collect::<Vec<_>>();
        for season in seasons {
            let season_dir = season.path.clone().unwrap();
            let on_disk = std::fs::read_dir(&season_dir).unwrap().count();
            let in_db = episodes.iter().filter(|e| e.season_id == season.id).count();
            assert_eq!(in_db, on_disk, "episodes of {season_dir}");
            let number = season.index_number.unwrap();
            for e in episodes.iter().filter(|e| e.season_id == season.id) {
                assert_eq!(e.parent_index_number, Some(number));
                assert_eq!(e.series_id, s.id);
                assert!(e.index_number.is_some(), "{:?}", e.path);
                let path = e.path.as_deref().unwrap();
                if path.contains("-E") {
                    assert_eq!(
                        e.index_number_end,
                        Some(e.index_number.unwrap() + 1),
                        "{path}"
                    );
                }
            }
        }
        assert!(dir.is_dir());
    }

    // Music: tracks named from their tags, albums and artists from folders and tags.
    let tracks = all(&lib, &[ItemKind::Audio]);
    assert_eq!(tracks.len(), count(&summary, "audio"));
    for t in &tracks {
        let stem = Path::new(t.path.as_deref().unwrap())
            .file_stem()
            .unwrap()
            .to_str()
            .unwrap();
        assert!(
            stem.ends_with(&t.name),
            "title tag {:?} vs file {stem}",
            t.name
        );
        assert_eq!(t.genres, ["Electronic"]);
        assert!(t.index_number.is_some() && !t.album_artists.is_empty());
    }
    assert_eq!(all(&lib, &[ItemKind::MusicAlbum]).len(), 4);
    assert_eq!(
        all(&lib, &[ItemKind::MusicArtist])
            .iter()
            .filter(|a| a.path.is_some())
            .count(),
        2
    );

    // A second scan with no change writes nothing.
    for n in ["Movies", "Shows", "Music"] {
        let again = lib.scan(n, &ScanOptions::default()).unwrap();
        assert_eq!(
            (
                again.added,
                again.updated,
                again.removed,
                again.changed_units,
                again.probed
            ),
            (0, 0, 0, 0, 0),
            "{again:?}"
        );
    }
}

/// A prober that wraps the real one and can inject faults or delays.
struct FaultyProber {
    inner: jellyfin_core::probe::LibavProber,
    delete_before_probe: Mutex<HashSet<PathBuf>>,
    delay: std::time::Duration,
}

impl Prober for FaultyProber {
    fn probe(&self, path: &Path) -> Result<MediaInfo, ProbeError> {
        if self.delete_before_probe.lock().unwrap().remove(path) {
            std::fs::remove_file(path).unwrap();
        }
        std::thread::sleep(self.delay);
        self.inner.probe(path)
    }
}

fn small_library(dir: &Path) -> Value {
    make_library(
        dir,
        &[
            "--movies",
            "6",
            "--shows",
            "1",
            "--seasons",
            "1",
            "--episodes",
            "3",
            "--artists",
            "1",
            "--albums",
            "1",
            "--tracks",
            "2",
            "--copy",
        ],
    )
}

fn ids_and_names(lib: &MediaLibrary) -> BTreeMap<String, (String, Option<String>)> {
    all(lib, ItemKind::ALL)
        .into_iter()
        .filter(|i| i.kind != Some(ItemKind::CollectionFolder))
        .map(|i| (i.id.unwrap().to_n(), (i.name, i.path)))
        .collect()
}

#[test]
fn incremental_rescan_removes_follows_renames_and_adds() {
    let media = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    small_library(media.path());
    let lib = open(data.path());
    add_all(&lib, media.path());
    scan_all(&lib);
    let movies_dir = media.path().join("Movies");

    // Rename a loose movie file: same item id, new path, no re-probe.
    let loose = std::fs::read_dir(&movies_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.is_file())
        .expect("make-library puts loose movies in the library root");
    let before = all(&lib, &[ItemKind::Movie])
        .into_iter()
        .find(|m| m.path.as_deref() == loose.to_str())
        .unwrap();
    let renamed = movies_dir.join("Renamed Title (1999).mkv");
    std::fs::rename(&loose, &renamed).unwrap();
    let s = lib.scan("Movies", &ScanOptions::default()).unwrap();
    assert_eq!(s.probed, 0, "a renamed file is not probed again: {s:?}");
    let after = lib
        .item(before.id.unwrap())
        .unwrap()
        .expect("the id survives the rename");
    assert_eq!(after.path.as_deref(), renamed.to_str());
    assert_eq!(after.name, "Renamed Title");
    assert_eq!(after.streams, before.streams);

    // Remove a movie folder: its movie, extras and images go; nothing else does.
    let folder = std::fs::read_dir(&movies_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.join("trailers").is_dir())
        .unwrap();
    let count_before = all(&lib, ItemKind::ALL).len();
    std::fs::remove_dir_all(&folder).unwrap();
    let s = lib.scan("Movies", &ScanOptions::default()).unwrap();
    assert_eq!(s.removed, 3, "movie + trailer + behind-the-scenes: {s:?}");
    assert!(all(&lib, ItemKind::ALL).iter().all(|i| !i
        .path
        .as_deref()
        .unwrap_or("")
        .starts_with(folder.to_str().unwrap())));
    assert!(all(&lib, ItemKind::ALL).len() < count_before);

    // Lyrics beside a song become an external lyric stream of that song.
    let album = media.path().join("Music");
    let song = std::fs::read_dir(&album)
        .unwrap()
        .flat_map(|a| std::fs::read_dir(a.unwrap().path()).unwrap())
        .flat_map(|b| std::fs::read_dir(b.unwrap().path()).unwrap())
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "flac"))
        .unwrap();
    std::fs::write(song.with_extension("lrc"), "[00:01.00]la la\n").unwrap();
    let s = lib.scan("Music", &ScanOptions::default()).unwrap();
    assert_eq!(
        (s.updated, s.probed),
        (1, 0),
        "only the song changes, its file is not re-probed: {s:?}"
    );
    let track = all(&lib, &[ItemKind::Audio])
        .into_iter()
        .find(|t| t.path.as_deref() == song.to_str())
        .unwrap();
    assert!(
        track
            .streams
            .iter()
            .any(|s| s.kind == "Lyric" && s.is_external),
        "{:?}",
        track.streams
    );

    // Add a new episode and change a file's content: added and re-probed.
    let season = std::fs::read_dir(media.path().join("Shows"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let season_dir = std::fs::read_dir(&season)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.is_dir())
        .unwrap();
    let some_episode = std::fs::read_dir(&season_dir)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    std::fs::copy(&some_episode, season_dir.join("Extra Show S01E09.mkv")).unwrap();
    let s = lib.scan("Shows", &ScanOptions::default()).unwrap();
    assert_eq!((s.added, s.probed), (1, 1), "{s:?}");
    let new = all(&lib, &[ItemKind::Episode])
        .into_iter()
        .find(|e| e.index_number == Some(9))
        .unwrap();
    assert_eq!(new.parent_index_number, Some(1));

    // Idempotent again.
    let s = lib.scan("Shows", &ScanOptions::default()).unwrap();
    assert_eq!((s.added, s.updated, s.removed, s.probed), (0, 0, 0, 0));
}

#[test]
fn bad_input_is_recorded_and_nothing_good_is_lost() {
    use std::os::unix::ffi::OsStrExt;
    let media = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    small_library(media.path());
    let movies = media.path().join("Movies");
    let good = {
        let lib = open(data.path());
        add_all(&lib, media.path());
        scan_all(&lib);
        ids_and_names(&lib)
    };
    // Corrupt, truncated and empty media, a non-UTF-8 name, a symlink loop.
    std::fs::write(movies.join("Garbage (2001).mkv"), vec![0x42u8; 4096]).unwrap();
    let real = std::fs::read_dir(media.path().join(".templates"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "mkv"))
        .unwrap();
    let bytes = std::fs::read(&real).unwrap();
    std::fs::write(
        movies.join("Truncated (2002).mkv"),
        &bytes[..bytes.len() / 3],
    )
    .unwrap();
    std::fs::write(movies.join("Empty (2003).mkv"), b"").unwrap();
    std::fs::write(
        movies.join(std::ffi::OsStr::from_bytes(b"Bad\xffName (2004).mkv")),
        &bytes,
    )
    .unwrap();
    std::os::unix::fs::symlink(&movies, movies.join("Loop")).unwrap();

    let mut lib = open(data.path());
    let prober = Arc::new(FaultyProber {
        inner: jellyfin_core::probe::LibavProber::default(),
        delete_before_probe: Mutex::new(HashSet::new()),
        delay: std::time::Duration::ZERO,
    });
    // A file that vanishes between the walk and the probe.
    let vanishing = movies.join("Vanishing (2005).mkv");
    std::fs::write(&vanishing, &bytes).unwrap();
    prober
        .delete_before_probe
        .lock()
        .unwrap()
        .insert(vanishing.clone());
    struct Shared(Arc<FaultyProber>);
    impl Prober for Shared {
        fn probe(&self, path: &Path) -> Result<MediaInfo, ProbeError> {
            self.0.probe(path)
        }
    }
    lib.set_prober(Some(Box::new(Shared(prober.clone()))));
    let s = lib.scan("Movies", &ScanOptions::default()).unwrap();
    assert!(
        s.probe_errors >= 3,
        "garbage, empty, vanished (a truncated file may still probe): {s:?}"
    );
    let movies_now = all(&lib, &[ItemKind::Movie]);
    for name in ["Garbage", "Empty", "Vanishing"] {
        let m = movies_now
            .iter()
            .find(|m| m.name == name)
            .unwrap_or_else(|| panic!("{name} kept as an item"));
        assert!(m.probe_error.is_some(), "{name}: {m:?}");
        assert!(m.streams.is_empty());
    }
    let truncated = movies_now.iter().find(|m| m.name == "Truncated").unwrap();
    assert!(truncated.probe_error.is_some() || !truncated.streams.is_empty());
    let errors = lib
        .store()
        .read(|c| jellyfin_core::store::scan_errors(c, lib.library("Movies").unwrap().unwrap().id))
        .unwrap();
    assert!(
        errors.iter().any(|(_, e)| e.contains("UTF-8")),
        "{errors:?}"
    );
    assert!(errors.iter().any(|(_, e)| e.contains("loop")), "{errors:?}");
    // Everything that was fine before is still there, unchanged.
    let now = ids_and_names(&lib);
    for (id, v) in &good {
        assert_eq!(now.get(id), Some(v), "item {id} lost or changed");
    }

    // A library folder that does not exist: a clear error, and the items of that library stay.
    let shows_before = all(&lib, &[ItemKind::Episode]).len();
    std::fs::rename(
        media.path().join("Shows"),
        media.path().join("Shows.unmounted"),
    )
    .unwrap();
    let s = lib.scan("Shows", &ScanOptions::default()).unwrap();
    assert_eq!(s.folder_errors.len(), 1, "{s:?}");
    assert_eq!(s.removed, 0);
    assert_eq!(all(&lib, &[ItemKind::Episode]).len(), shows_before);
    assert_eq!(lib.store().integrity_check().unwrap(), Ok(()));
}

#[test]
fn concurrent_scan_is_refused_and_cancel_stops_cleanly() {
    let media = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    small_library(media.path());
    let mut lib = open(data.path());
    lib.set_prober(Some(Box::new(FaultyProber {
        inner: jellyfin_core::probe::LibavProber::default(),
        delete_before_probe: Mutex::new(HashSet::new()),
        delay: std::time::Duration::from_millis(100),
    })));
    lib.add_library(
        "Movies",
        LibraryKind::Movies,
        &[media.path().join("Movies")],
    )
    .unwrap();
    let lib = Arc::new(lib);
    let (tx, rx) = std::sync::mpsc::channel();
    let cancel = CancelToken::new();
    let progress_cancel = cancel.clone();
    let events = Arc::new(Mutex::new(Vec::new()));
    let seen = events.clone();
    let options = ScanOptions {
        progress: Some(Arc::new(move |e: &ScanEvent| {
            seen.lock().unwrap().push(e.clone());
            if let ScanEvent::Probed { done: 1, .. } = e {
                let _ = tx.send(());
            }
            if let ScanEvent::UnitDone { done: 2, .. } = e {
                progress_cancel.cancel();
            }
        })),
        cancel: cancel.clone(),
        threads: 1,
        ..ScanOptions::default()
    };
    let worker = {
        let lib = lib.clone();
        std::thread::spawn(move || lib.scan("Movies", &options))
    };
    rx.recv().unwrap();
    let second = lib.scan("Movies", &ScanOptions::default());
    assert!(
        matches!(second, Err(Error::Scan(ScanError::AlreadyRunning(_)))),
        "{second:?}"
    );
    let first = worker.join().unwrap().unwrap();
    assert!(first.cancelled, "{first:?}");
    assert!(events
        .lock()
        .unwrap()
        .iter()
        .any(|e| matches!(e, ScanEvent::Walked { .. })));
    assert_eq!(lib.store().integrity_check().unwrap(), Ok(()));
    // The next scan completes what the cancelled one left.
    let done = lib.scan("Movies", &ScanOptions::default()).unwrap();
    assert!(!done.cancelled && done.changed_units > 0);
    let fresh_data = tempfile::tempdir().unwrap();
    let fresh = open(fresh_data.path());
    fresh
        .add_library(
            "Movies",
            LibraryKind::Movies,
            &[media.path().join("Movies")],
        )
        .unwrap();
    fresh.scan("Movies", &ScanOptions::default()).unwrap();
    assert_eq!(ids_and_names(&lib), ids_and_names(&fresh));
}

#[test]
fn watcher_picks_up_new_and_removed_files() {
    let media = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    small_library(media.path());
    let lib = open(data.path());
    lib.add_library(
        "Movies",
        LibraryKind::Movies,
        &[media.path().join("Movies")],
    )
    .unwrap();
    lib.scan("Movies", &ScanOptions::default()).unwrap();
    let lib = Arc::new(lib);
    let _watcher = lib
        .watch("Movies", std::time::Duration::from_millis(200))
        .unwrap();
    let template = std::fs::read_dir(media.path().join(".templates"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "mp4"))
        .unwrap();
    let dir = media.path().join("Movies/Watched Arrival (2020)");
    std::fs::create_dir(&dir).unwrap();
    std::fs::copy(&template, dir.join("Watched Arrival (2020).mp4")).unwrap();
    let find = |lib: &MediaLibrary| {
        all(lib, &[ItemKind::Movie])
            .into_iter()
            .find(|m| m.name == "Watched Arrival")
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let found = loop {
        if let Some(m) = find(&lib) {
            break m;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the watcher did not add the new movie"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    assert_eq!(found.production_year, Some(2020));
    assert!(!found.streams.is_empty(), "probed");
    std::fs::remove_dir_all(&dir).unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while find(&lib).is_some() {
        assert!(
            std::time::Instant::now() < deadline,
            "the watcher did not remove the movie"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

#[test]
fn item_queries_filter_sort_and_page() {
    use jellyfin_core::store::{SortBy, SortOrder};
    let media = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    make_library(
        media.path(),
        &[
            "--movies",
            "18",
            "--shows",
            "2",
            "--seasons",
            "2",
            "--episodes",
            "3",
            "--artists",
            "1",
            "--albums",
            "1",
            "--tracks",
            "2",
        ],
    );
    let lib = open(data.path());
    add_all(&lib, media.path());
    scan_all(&lib);
    let movies_lib = lib.library("Movies").unwrap().unwrap();
    let q = |f: &dyn Fn(&mut ItemQuery)| {
        let mut query = ItemQuery {
            include_kinds: vec![ItemKind::Movie],
            ..ItemQuery::default()
        };
        f(&mut query);
        lib.query(&query).unwrap()
    };
    let all_movies = q(&|_| {});
    assert_eq!(all_movies.total_record_count, 18);

    // Recursive under the library folder finds the same movies; direct children are fewer
    // (movies in their own folders are children of the library, as are loose ones).
    let under = q(&|x| {
        x.parent_id = Some(movies_lib.id);
        x.recursive = true;
    });
    assert_eq!(under.total_record_count, 18);

    // Paging keeps the total and returns the right slice of the sorted list.
    let sorted = q(&|x| x.sort = vec![(SortBy::SortName, SortOrder::Ascending)]);
    let page = q(&|x| {
        x.sort = vec![(SortBy::SortName, SortOrder::Ascending)];
        x.start_index = 5;
        x.limit = Some(4);
    });
    assert_eq!(page.total_record_count, 18);
    assert_eq!(page.start_index, 5);
    let ids = |r: &[ItemRecord]| r.iter().map(|i| i.id).collect::<Vec<_>>();
    assert_eq!(ids(&page.items), ids(&sorted.items[5..9]));
    let names: Vec<&str> = sorted.items.iter().map(|i| i.sort_name.as_str()).collect();
    let mut expected = names.clone();
    expected.sort();
    assert_eq!(names, expected);

    // Year descending, missing years last.
    let by_year = q(&|x| x.sort = vec![(SortBy::ProductionYear, SortOrder::Descending)]);
    let years: Vec<i32> = by_year
        .items
        .iter()
        .filter_map(|i| i.production_year)
        .collect();
    assert!(years.windows(2).all(|w| w[0] >= w[1]), "{years:?}");

    // Filters: genre, year, person, rating, name prefix; each checked against the records.
    let with_genre = q(&|x| x.genres = vec!["drama".into()]);
    let expect_genre = all_movies
        .items
        .iter()
        .filter(|m| m.genres.iter().any(|g| g == "Drama"))
        .count();
    assert_eq!(with_genre.total_record_count, expect_genre);
    let year = all_movies.items[0].production_year.unwrap();
    let in_year = q(&|x| x.years = vec![year]);
    assert!(
        in_year
            .items
            .iter()
            .all(|m| m.production_year == Some(year))
            && in_year.total_record_count >= 1
    );
    let actor = all_movies
        .items
        .iter()
        .find_map(|m| m.people.first().cloned())
        .expect("an NFO credits an actor");
    let with_actor = q(&|x| x.persons = vec![actor.name.clone()]);
    assert!(with_actor.total_record_count >= 1);
    assert!(with_actor
        .items
        .iter()
        .all(|m| m.people.iter().any(|p| p.name == actor.name)));
    let rated = q(&|x| x.official_ratings = vec!["PG-13".into()]);
    assert_eq!(
        rated.total_record_count,
        all_movies
            .items
            .iter()
            .filter(|m| m.official_rating.as_deref() == Some("PG-13"))
            .count()
    );
    let first_letter = all_movies.items[0].name.chars().next().unwrap().to_string();
    let starts = q(&|x| x.name_starts_with = Some(first_letter.clone()));
    assert!(starts
        .items
        .iter()
        .all(|m| m.sort_name.starts_with(&first_letter.to_lowercase())));

    // Played/favorite hooks: keep or drop a given set.
    let two: Vec<_> = all_movies
        .items
        .iter()
        .take(2)
        .filter_map(|m| m.id)
        .collect();
    let played = q(&|x| {
        x.played = Some(jellyfin_core::store::IdFilter {
            ids: two.clone(),
            include: true,
        })
    });
    assert_eq!(
        ids(&played.items)
            .into_iter()
            .flatten()
            .collect::<HashSet<_>>(),
        two.iter().copied().collect()
    );
    let unplayed = q(&|x| {
        x.played = Some(jellyfin_core::store::IdFilter {
            ids: two.clone(),
            include: false,
        })
    });
    assert_eq!(unplayed.total_record_count, 16);

    // Kinds and media types across libraries.
    let videos = lib
        .query(&ItemQuery {
            media_types: vec![jellyfin_core::store::MediaType::Audio],
            ..ItemQuery::default()
        })
        .unwrap();
    assert_eq!(videos.total_record_count, 2);
    let eps = lib
        .query(&ItemQuery {
            include_kinds: vec![ItemKind::Episode],
            sort: vec![
                (SortBy::ParentIndexNumber, SortOrder::Ascending),
                (SortBy::IndexNumber, SortOrder::Ascending),
            ],
            ..ItemQuery::default()
        })
        .unwrap();
    let keys: Vec<(Option<i32>, Option<i32>)> = eps
        .items
        .iter()
        .map(|e| (e.parent_index_number, e.index_number))
        .collect();
    let mut sorted_keys = keys.clone();
    sorted_keys.sort();
    assert_eq!(keys, sorted_keys);
}
