//! Embedded subtitles end to end: media muxed by the real `ffmpeg` binary from the text fixtures
//! in `tests/fixtures/`, scanned by a real library (libav prober, SQLite), then read back out
//! through the linked libav by `MediaLibrary::subtitles`, converted and cached.

use std::path::{Path, PathBuf};
use std::process::Command;

use jellyfin_core::scan::ScanOptions;
use jellyfin_core::store::{ItemKind, ItemQuery, ItemRecord, LibraryKind};
use jellyfin_core::subtitles::{RenderOptions, SubtitleError, SubtitleFormat, SubtitleTrack};
use jellyfin_core::{LibraryConfig, MediaLibrary};

const S: i64 = 10_000_000;
const MS: i64 = 10_000;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// Runs `ffmpeg` with a 6 s tiny video as input 0 and `args` after it.
fn ffmpeg(args: &[&str]) {
    let status = Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-y"])
        .args(["-f", "lavfi", "-i", "color=size=64x36:rate=5"])
        .args(args)
        .status()
        .expect("ffmpeg runs");
    assert!(status.success(), "ffmpeg {args:?}");
}

/// A movie folder `Movies/<name> (2001)/<name> (2001).<ext>` muxed with `args`.
fn movie(root: &Path, name: &str, ext: &str, args: &[&str]) -> PathBuf {
    let dir = root.join("Movies").join(format!("{name} (2001)"));
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join(format!("{name} (2001).{ext}"));
    let mut all: Vec<&str> = args.to_vec();
    let out_s = out.to_string_lossy().into_owned();
    all.extend(["-t", "6", "-c:v", "libx264", "-preset", "ultrafast"]);
    all.push(&out_s);
    ffmpeg(&all);
    out
}

fn item(lib: &MediaLibrary, name: &str) -> ItemRecord {
    lib.query(&ItemQuery {
        include_kinds: vec![ItemKind::Movie],
        ..ItemQuery::default()
    })
    .unwrap()
    .items
    .into_iter()
    .find(|i| i.name == name)
    .unwrap_or_else(|| panic!("movie {name} scanned"))
}

fn subtitle_index(item: &ItemRecord) -> i32 {
    item.streams
        .iter()
        .find(|s| s.kind == "Subtitle" && !s.is_external)
        .unwrap_or_else(|| panic!("{} has an embedded subtitle: {:?}", item.name, item.streams))
        .index
}

fn cues(track: &SubtitleTrack) -> Vec<(i64, i64, &str)> {
    track
        .cues
        .iter()
        .map(|c| (c.start, c.end, c.text.as_str()))
        .collect()
}

/// The cues of `tests/fixtures/subs.srt` as any lossless path must give them back.
fn srt_fixture_cues() -> Vec<(i64, i64, &'static str)> {
    vec![
        (500 * MS, 1750 * MS, "Hello, <i>world</i>."),
        (2 * S, 3250 * MS, "Second line\nand a third."),
        (4100 * MS, 5 * S, "A < B & C"),
    ]
}

struct Fixture {
    _dir: tempfile::TempDir,
    lib: MediaLibrary,
    data: PathBuf,
}

fn library() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("media");
    let srt = fixture("subs.srt");
    let ass = fixture("subs.ass");
    let srt = srt.to_str().unwrap();
    let ass = ass.to_str().unwrap();
    movie(
        &root,
        "MovText",
        "mp4",
        &["-i", srt, "-map", "0", "-map", "1", "-c:s", "mov_text"],
    );
    movie(
        &root,
        "Ass",
        "mkv",
        &["-i", ass, "-map", "0", "-map", "1", "-c:s", "ass"],
    );
    movie(
        &root,
        "SubRip",
        "mkv",
        &["-i", srt, "-map", "0", "-map", "1", "-c:s", "srt"],
    );
    movie(
        &root,
        "WebVtt",
        "mkv",
        &["-i", srt, "-map", "0", "-map", "1", "-c:s", "webvtt"],
    );
    // Two subtitle streams and a font attachment: the second stream is read, not the first.
    movie(
        &root,
        "Two",
        "mkv",
        &[
            "-i",
            ass,
            "-i",
            srt,
            "-map",
            "0",
            "-map",
            "1",
            "-map",
            "2",
            "-c:s:0",
            "ass",
            "-c:s:1",
            "srt",
            "-attach",
            ass,
            "-metadata:s:t",
            "mimetype=text/plain",
        ],
    );
    let data = dir.path().join("data");
    let lib = MediaLibrary::open(LibraryConfig::new(&data)).unwrap();
    lib.add_library("Movies", LibraryKind::Movies, &[root.join("Movies")])
        .unwrap();
    lib.scan("Movies", &ScanOptions::default()).unwrap();
    Fixture {
        _dir: dir,
        lib,
        data,
    }
}

#[test]
fn embedded_text_subtitles_are_extracted_converted_and_cached() {
    let f = library();
    let subs = f.lib.subtitles();
    assert_eq!(subs.cache_dir(), f.data.join("cache").join("subtitles"));

    // SubRip, mov_text and WebVTT all carry the fixture's cues and times.
    for name in ["SubRip", "MovText", "WebVtt"] {
        let movie = item(&f.lib, name);
        let track = subs.track(&movie, subtitle_index(&movie)).unwrap();
        let mut want = srt_fixture_cues();
        if name == "MovText" {
            // mov_text carries no styling: ffmpeg's encoder keeps the text only.
            want[0].2 = "Hello, world.";
        }
        assert_eq!(cues(&track), want, "{name}");
        assert_eq!(track.ass_header, None, "{name}");
    }

    // ASS keeps its script: header, styles and dialogue fields pass through.
    let ass = item(&f.lib, "Ass");
    let index = subtitle_index(&ass);
    let track = subs.track(&ass, index).unwrap();
    assert_eq!(
        cues(&track),
        vec![
            (500 * MS, 1750 * MS, "<i>Styled</i> hello"),
            (2 * S, 3250 * MS, "A sign\nTwo lines"),
        ]
    );
    let script = subs
        .render(&ass, index, &RenderOptions::new(SubtitleFormat::Ass))
        .unwrap();
    assert!(script.contains("Title: fixture"), "{script}");
    assert!(script.contains("Style: Sign,Arial,16,"), "{script}");
    assert!(
        script.contains(
            "Dialogue: 0,0:00:00.50,0:00:01.75,Default,Ann,0,0,0,,{\\i1}Styled{\\i0} hello\n"
        ),
        "{script}"
    );
    assert!(
        script.contains(
            "Dialogue: 1,0:00:02.00,0:00:03.25,Sign,,0,0,0,,{\\pos(320,20)}A sign\\NTwo lines\n"
        ),
        "{script}"
    );
    // ... and converts to WebVTT with the styling reduced.
    let vtt = subs
        .render(&ass, index, &RenderOptions::new(SubtitleFormat::Vtt))
        .unwrap();
    assert_eq!(
        vtt,
        "WEBVTT\n\n00:00:00.500 --> 00:00:01.750\n<i>Styled</i> hello\n\n00:00:02.000 --> 00:00:03.250\nA sign\nTwo lines\n\n"
    );

    // Stream numbering follows the store: the second subtitle stream of "Two" is the SubRip one.
    let two = item(&f.lib, "Two");
    let indexes: Vec<i32> = two
        .streams
        .iter()
        .filter(|s| s.kind == "Subtitle")
        .map(|s| s.index)
        .collect();
    assert_eq!(indexes.len(), 2, "{:?}", two.streams);
    let first = subs.track(&two, indexes[0]).unwrap();
    assert_eq!(first.cues[0].text, "<i>Styled</i> hello");
    let second = subs.track(&two, indexes[1]).unwrap();
    assert_eq!(cues(&second), srt_fixture_cues());
    // Not a subtitle stream, not a stream at all.
    assert!(matches!(
        subs.track(&two, 0),
        Err(SubtitleError::NoSuchStream { index: 0 })
    ));
    assert!(matches!(
        subs.track(&two, 99),
        Err(SubtitleError::NoSuchStream { index: 99 })
    ));

    // A start position drops earlier cues and shifts the rest, as Jellyfin does.
    let srt_movie = item(&f.lib, "SubRip");
    let idx = subtitle_index(&srt_movie);
    let mut options = RenderOptions::new(SubtitleFormat::Srt);
    options.start_ticks = 1_900 * MS;
    let shifted = subs.render(&srt_movie, idx, &options).unwrap();
    assert_eq!(
        shifted,
        "1\n00:00:00,100 --> 00:00:01,350\nSecond line\nand a third.\n\n2\n00:00:02,200 --> 00:00:03,100\nA < B & C\n\n"
    );
}

#[test]
fn a_second_request_reads_the_cache_until_the_media_changes() {
    let f = library();
    let subs = f.lib.subtitles();
    let movie = item(&f.lib, "SubRip");
    let index = subtitle_index(&movie);
    assert_eq!(
        cues(&subs.track(&movie, index).unwrap()),
        srt_fixture_cues()
    );
    let cached: Vec<PathBuf> = std::fs::read_dir(subs.cache_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(cached.len(), 1, "{cached:?}");
    let name = cached[0]
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    assert!(
        name.starts_with(&format!("{}_{index}_", movie.id.unwrap().to_n()))
            && name.ends_with(".srt"),
        "{name}"
    );
    // Prove the second request does not read the media: it answers what the cache says.
    std::fs::write(
        &cached[0],
        "1\n00:00:07,000 --> 00:00:08,000\nFrom the cache\n",
    )
    .unwrap();
    let again = subs.track(&movie, index).unwrap();
    assert_eq!(cues(&again), vec![(7 * S, 8 * S, "From the cache")]);
    // The media file changes (a new modification time): extracted again, stale entry replaced.
    let media = PathBuf::from(movie.path.clone().unwrap());
    let modified = std::fs::metadata(&media).unwrap().modified().unwrap();
    std::fs::File::options()
        .write(true)
        .open(&media)
        .unwrap()
        .set_modified(modified + std::time::Duration::from_secs(60))
        .unwrap();
    let fresh = subs.track(&movie, index).unwrap();
    assert_eq!(cues(&fresh), srt_fixture_cues());
    let count = std::fs::read_dir(subs.cache_dir()).unwrap().count();
    assert_eq!(count, 1);
    // The media file is gone: reported as missing, not as a read failure.
    std::fs::remove_file(&media).unwrap();
    assert!(matches!(
        subs.track(&movie, index),
        Err(SubtitleError::Missing { .. })
    ));
}
