//! Scan benchmark on a make-library tree (bench binary; prints a report, asserts nothing).
//!
//! ```text
//! cargo run --release -p jellyfin-benches --bin scan_bench -- [--dir DIR] [--movies N]
//!     [--shows N] [--seasons N] [--episodes N] [--ffprobe-sample N] [--threads N]
//! ```
//! Measured in one run, on the same tree:
//! - first scan (in-process, libav probe, SQLite) against a baseline loop running one
//!   `ffprobe -show_format -show_streams` process per media file, the way Jellyfin probes (run on
//!   a sample of the files, with the same number of parallel workers as the scan, and scaled to
//!   all media files; `--ffprobe-sample 0` runs it on every file);
//! - a no-change rescan against `find TREE -type f` (best of 5 each);
//! - peak RSS of this process (VmHWM) after the scans.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use jellyfin_core::scan::ScanOptions;
use jellyfin_core::store::LibraryKind;
use jellyfin_core::{LibraryConfig, MediaLibrary};

struct Args {
    dir: Option<PathBuf>,
    movies: usize,
    shows: usize,
    seasons: usize,
    episodes: usize,
    ffprobe_sample: usize,
    threads: usize,
}

fn parse_args() -> Args {
    let mut a = Args {
        dir: None,
        movies: 3000,
        shows: 40,
        seasons: 4,
        episodes: 25,
        ffprobe_sample: 400,
        threads: std::thread::available_parallelism().map_or(2, |n| n.get()),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().unwrap_or_else(|| panic!("{flag} needs a value"));
        match flag.as_str() {
            "--dir" => a.dir = Some(PathBuf::from(value())),
            "--movies" => a.movies = value().parse().expect("--movies N"),
            "--shows" => a.shows = value().parse().expect("--shows N"),
            "--seasons" => a.seasons = value().parse().expect("--seasons N"),
            "--episodes" => a.episodes = value().parse().expect("--episodes N"),
            "--ffprobe-sample" => a.ffprobe_sample = value().parse().expect("--ffprobe-sample N"),
            "--threads" => a.threads = value().parse().expect("--threads N"),
            "--bench" => {}
            other => panic!("unknown flag {other}"),
        }
    }
    a
}

fn vm_hwm_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

fn media_files(root: &Path) -> Vec<PathBuf> {
    let naming = jellyfin_core::naming::NamingOptions::default();
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap().flatten() {
            let p = e.path();
            let name = e.file_name().to_string_lossy().to_string();
            if name.starts_with('.') {
                continue;
            }
            if p.is_dir() {
                stack.push(p);
            } else if let Some(s) = p.to_str() {
                if naming.extensions.is_video(s) || naming.extensions.is_audio(s) {
                    out.push(p);
                }
            }
        }
    }
    out.sort();
    out
}

fn ffprobe_loop(files: &[PathBuf], workers: usize) -> Duration {
    let start = Instant::now();
    let chunks: Vec<&[PathBuf]> = files
        .chunks(files.len().div_ceil(workers.max(1)).max(1))
        .collect();
    std::thread::scope(|s| {
        for chunk in chunks {
            s.spawn(move || {
                for f in chunk {
                    let out = Command::new("ffprobe")
                        .args([
                            "-v",
                            "error",
                            "-show_format",
                            "-show_streams",
                            "-of",
                            "json",
                        ])
                        .arg(f)
                        .output()
                        .expect("ffprobe runs");
                    assert!(out.status.success(), "ffprobe failed on {}", f.display());
                }
            });
        }
    });
    start.elapsed()
}

fn best_of<F: FnMut() -> Duration>(n: usize, mut f: F) -> Duration {
    (0..n).map(|_| f()).min().unwrap_or_default()
}

fn main() {
    let a = parse_args();
    let keep;
    let root = match &a.dir {
        Some(d) => d.clone(),
        None => {
            keep = tempfile::tempdir().unwrap();
            keep.path().join("library")
        }
    };
    if !root.join("Movies").exists() {
        let tool = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/tools/make-library");
        let t = Instant::now();
        let out = Command::new(tool)
            .arg(&root)
            .args([
                "--movies",
                &a.movies.to_string(),
                "--shows",
                &a.shows.to_string(),
            ])
            .args([
                "--seasons",
                &a.seasons.to_string(),
                "--episodes",
                &a.episodes.to_string(),
            ])
            .args(["--artists", "2", "--albums", "2", "--tracks", "5"])
            .output()
            .expect("make-library runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        eprintln!("make-library: {:.1}s", t.elapsed().as_secs_f64());
    }
    let all_files = Command::new("find")
        .arg(&root)
        .args(["-type", "f"])
        .output()
        .unwrap();
    let file_count = String::from_utf8_lossy(&all_files.stdout)
        .lines()
        .filter(|l| !l.contains("/.templates/"))
        .count();
    let media = media_files(&root);
    println!(
        "tree: {} files ({} media files) under {}",
        file_count,
        media.len(),
        root.display()
    );

    // Baseline 1: one ffprobe process per media file.
    let sample: Vec<PathBuf> = if a.ffprobe_sample == 0 || a.ffprobe_sample >= media.len() {
        media.clone()
    } else {
        let step = media.len() as f64 / a.ffprobe_sample as f64;
        (0..a.ffprobe_sample)
            .map(|i| media[(i as f64 * step) as usize].clone())
            .collect()
    };
    let sample_time = ffprobe_loop(&sample, a.threads);
    let ffprobe_all = sample_time.as_secs_f64() * media.len() as f64 / sample.len() as f64;
    println!(
        "ffprobe loop: {} files in {:.2}s with {} workers ({:.1} ms/file) -> {:.2}s for all {} media files",
        sample.len(),
        sample_time.as_secs_f64(),
        a.threads,
        sample_time.as_secs_f64() * 1000.0 * a.threads as f64 / sample.len() as f64,
        ffprobe_all,
        media.len()
    );

    // First scan.
    let data = tempfile::tempdir().unwrap();
    let mut config = LibraryConfig::new(data.path());
    config.scan_threads = a.threads;
    let lib = MediaLibrary::open(config).unwrap();
    lib.add_library("Movies", LibraryKind::Movies, &[root.join("Movies")])
        .unwrap();
    lib.add_library("Shows", LibraryKind::TvShows, &[root.join("Shows")])
        .unwrap();
    lib.add_library("Music", LibraryKind::Music, &[root.join("Music")])
        .unwrap();
    let names = ["Movies", "Shows", "Music"];
    let t = Instant::now();
    let mut items = 0;
    let mut probed = 0;
    for n in names {
        let s = lib.scan(n, &ScanOptions::default()).unwrap();
        items += s.items_by_kind.values().sum::<usize>();
        probed += s.probed;
        assert_eq!(s.probe_errors, 0, "{s:?}");
    }
    let first = t.elapsed();
    println!(
        "first scan: {:.2}s ({} items, {} files probed) -> {:.1}x faster than the ffprobe loop",
        first.as_secs_f64(),
        items,
        probed,
        ffprobe_all / first.as_secs_f64()
    );

    // No-change rescan against find.
    let rescan = best_of(5, || {
        let t = Instant::now();
        for n in names {
            let s = lib.scan(n, &ScanOptions::default()).unwrap();
            assert_eq!((s.added, s.updated, s.removed, s.probed), (0, 0, 0, 0));
        }
        t.elapsed()
    });
    let find = best_of(5, || {
        let t = Instant::now();
        let out = Command::new("find")
            .arg(&root)
            .args(["-type", "f"])
            .output()
            .unwrap();
        assert!(out.status.success());
        t.elapsed()
    });
    println!(
        "no-change rescan: {:.1} ms; find -type f: {:.1} ms -> rescan/find = {:.2}",
        rescan.as_secs_f64() * 1000.0,
        find.as_secs_f64() * 1000.0,
        rescan.as_secs_f64() / find.as_secs_f64()
    );
    println!("peak RSS (VmHWM): {:.1} MiB", vm_hwm_kb() as f64 / 1024.0);
}
