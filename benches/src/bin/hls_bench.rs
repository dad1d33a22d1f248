//! HLS transcoding benchmark (a bench binary; prints a report, asserts nothing).
//!
//! ```text
//! cargo build --release -p jellyfin-benches --bin hls_bench
//! target/release/hls_bench [--runs 5] [--seconds 60] [--max-jobs 6] [--window 8] [--source FILE]
//! ```
//!
//! In one run:
//! 1. A 1920x1080 HEVC 10-bit + AC-3 5.1 source of `--seconds` is made with ffmpeg (or
//!    `--source FILE` is used), put in a Movies library and scanned by `jellyfin-core`; the
//!    server (`jellyfin-server`'s `EmbeddedServer`, real HTTP over loopback) serves it.
//! 2. Time to first segment: the `TranscodingUrl` a Chromium profile gets from `PlaybackInfo`
//!    is played as hls.js starts: `master.m3u8` → `main.m3u8` → init segment → segment 0, timed
//!    until the segment's bytes arrive (a fresh play session each run). Side by side, the same
//!    `ffmpeg` command run bare (built by the core's `ffmpeg_args` from the same request, and
//!    checked against the server child's `/proc/<pid>/cmdline`), timed until segment 0 is
//!    complete by the server's rule (segment 1 exists or ffmpeg ended). `--runs` runs each after
//!    one warm-up of each; medians and their ratio.
//! 3. Concurrent software transcodes: k play sessions start at once through the server (each
//!    fetches the playlists and segment 0, then the job runs freely); each job's encode speed is
//!    its media time encoded per wall second (ffmpeg's `-progress`) between a sample 3 s after
//!    the start and one `--window` seconds later. k grows from 1 until the slowest job is below
//!    real time (1.0x) or `--max-jobs` is reached.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use jellyfin_core::auth::DeviceInfo;
use jellyfin_core::playback::SourceFacts;
use jellyfin_core::scan::ScanOptions;
use jellyfin_core::store::{ItemId, LibraryKind};
use jellyfin_core::transcode::{ffmpeg_args, HlsOutput};
use jellyfin_core::{LibraryConfig, MediaLibrary};
use jellyfin_server::request::Query;
use jellyfin_server::routes::hls::hls_request;
use jellyfin_server::EmbeddedServer;

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
}

fn num(name: &str, default: u64) -> u64 {
    arg(name).and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// One HTTP/1.1 exchange (`Connection: close`): status, headers (lower-case names), body.
fn http(
    addr: SocketAddr,
    method: &str,
    target: &str,
    token: Option<&str>,
    body: Option<&str>,
) -> (u16, HashMap<String, String>, Vec<u8>) {
    let mut stream = TcpStream::connect(addr).expect("connect");
    let mut request =
        format!("{method} {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    request.push_str(
        "X-Emby-Authorization: MediaBrowser Client=\"hls_bench\", Device=\"bench\", \
         DeviceId=\"hls-bench\", Version=\"1\"",
    );
    if let Some(t) = token {
        request.push_str(&format!(", Token=\"{t}\""));
    }
    request.push_str("\r\n");
    if let Some(b) = body {
        request.push_str(&format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            b.len()
        ));
    }
    request.push_str("\r\n");
    if let Some(b) = body {
        request.push_str(b);
    }
    stream.write_all(request.as_bytes()).expect("write");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("read");
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("headers");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let headers: HashMap<String, String> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    if headers
        .get("transfer-encoding")
        .is_some_and(|v| v.eq_ignore_ascii_case("chunked"))
    {
        body = dechunk(&body);
    }
    (status, headers, body)
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(eol) = data.windows(2).position(|w| w == b"\r\n") {
        let size = usize::from_str_radix(
            String::from_utf8_lossy(&data[..eol])
                .split(';')
                .next()
                .unwrap_or("0")
                .trim(),
            16,
        )
        .unwrap_or(0);
        if size == 0 {
            break;
        }
        let start = eol + 2;
        out.extend_from_slice(&data[start..(start + size).min(data.len())]);
        data = &data[(start + size + 2).min(data.len())..];
    }
    out
}

fn get_ok(addr: SocketAddr, target: &str) -> Vec<u8> {
    let (status, _, body) = http(addr, "GET", target, None, None);
    assert_eq!(
        status,
        200,
        "GET {target}: {}",
        String::from_utf8_lossy(&body)
    );
    body
}

/// `target` resolved against the directory of `base` (both server-relative, with queries).
fn join(base: &str, relative: &str) -> String {
    let dir = base.split('?').next().unwrap_or("");
    let dir = &dir[..dir.rfind('/').map_or(0, |i| i + 1)];
    format!("{dir}{relative}")
}

fn make_source(path: &Path, seconds: u64) {
    eprintln!("making a {seconds} s 1080p HEVC 10-bit + AC-3 5.1 source (x265 ultrafast)...");
    let t = Instant::now();
    let status = Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-y"])
        .args(["-f", "lavfi", "-i", "testsrc2=size=1920x1080:rate=24"])
        .args(["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000"])
        .args(["-t", &seconds.to_string()])
        .args([
            "-c:v",
            "libx265",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p10le",
        ])
        .args(["-x265-params", "log-level=error", "-b:v", "8M"])
        .args(["-c:a", "ac3", "-ac", "6", "-b:a", "448k"])
        .arg(path)
        .status()
        .expect("ffmpeg");
    assert!(status.success(), "making the source failed");
    eprintln!("  made in {:.1} s", t.elapsed().as_secs_f64());
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    let n = v.len();
    if n == 0 {
        return f64::NAN;
    }
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// The TranscodingUrl with its `PlaySessionId` replaced by `session`.
fn with_session(url: &str, session: &str) -> String {
    let (path, query) = url.split_once('?').unwrap_or((url, ""));
    let mut parts: Vec<String> = query
        .split('&')
        .filter(|p| !p.to_ascii_lowercase().starts_with("playsessionid="))
        .map(str::to_owned)
        .collect();
    parts.push(format!("PlaySessionId={session}"));
    format!("{path}?{}", parts.join("&"))
}

/// Plays the start of a stream as hls.js does: master, main, init segment (fMP4), segment 0.
/// Returns segment 0's size.
fn first_segment(addr: SocketAddr, master: &str) -> usize {
    let body = get_ok(addr, master);
    let text = String::from_utf8_lossy(&body).into_owned();
    let main_rel = text
        .lines()
        .find(|l| !l.starts_with('#') && !l.is_empty())
        .expect("variant");
    let main = join(master, main_rel);
    let text = String::from_utf8_lossy(&get_ok(addr, &main)).into_owned();
    if let Some(map) = text.lines().find(|l| l.starts_with("#EXT-X-MAP:URI=\"")) {
        let uri = map
            .trim_start_matches("#EXT-X-MAP:URI=\"")
            .trim_end_matches('"');
        get_ok(addr, &join(&main, uri));
    }
    let first = text
        .lines()
        .find(|l| l.starts_with("hls1/"))
        .expect("segment");
    get_ok(addr, &join(&main, first)).len()
}

fn stop_session(addr: SocketAddr, token: &str, session: &str) {
    let (status, _, _) = http(
        addr,
        "DELETE",
        &format!("/Videos/ActiveEncodings?playSessionId={session}"),
        Some(token),
        None,
    );
    assert_eq!(status, 204);
}

/// Runs the bare command into `dir` and times segment 0 by the server's rule: the segment file
/// and the next exist, or ffmpeg ended. The child is killed afterwards.
fn bare_first_segment(ffmpeg: &Path, args: &[std::ffi::OsString], dir: &Path, ext: &str) -> f64 {
    std::fs::create_dir_all(dir).unwrap();
    let t = Instant::now();
    let mut child = Command::new(ffmpeg)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn ffmpeg");
    let seg0 = dir.join(format!("0.{ext}"));
    let seg1 = dir.join(format!("1.{ext}"));
    loop {
        let ended = child.try_wait().ok().flatten().is_some();
        if seg0.is_file() && (seg1.is_file() || ended) {
            break;
        }
        assert!(!ended, "bare ffmpeg ended without segment 0");
        std::thread::sleep(Duration::from_millis(5));
    }
    let elapsed = t.elapsed().as_secs_f64();
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(dir);
    elapsed
}

fn main() {
    let runs = num("--runs", 5) as usize;
    let seconds = num("--seconds", 60);
    let max_jobs = num("--max-jobs", 6) as usize;
    let window = num("--window", 8);
    let tmp = tempfile::tempdir().unwrap();
    let media = tmp.path().join("media");
    let movie_dir = media.join("Bench Movie (2024)");
    std::fs::create_dir_all(&movie_dir).unwrap();
    let source = movie_dir.join("Bench Movie (2024).mkv");
    match arg("--source") {
        Some(file) => {
            std::fs::hard_link(&file, &source)
                .or_else(|_| std::fs::copy(&file, &source).map(|_| ()))
                .expect("--source");
        }
        None => make_source(&source, seconds),
    }

    // The library and the server, with room for the concurrency test.
    let data = tmp.path().join("data");
    let mut config = LibraryConfig::new(&data);
    config.transcode.max_jobs = max_jobs.max(1);
    let library = Arc::new(MediaLibrary::open(config).expect("open library"));
    library
        .add_library("Movies", LibraryKind::Movies, std::slice::from_ref(&media))
        .unwrap();
    library.scan("Movies", &ScanOptions::default()).unwrap();
    library.auth().ensure_admin("admin", "bench").unwrap();
    let token = library
        .auth()
        .authenticate_by_name(
            "admin",
            "bench",
            &DeviceInfo::new("hls-bench", "bench", "hls_bench", "1"),
        )
        .unwrap()
        .token;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let server = EmbeddedServer::builder(&data)
        .library(Arc::clone(&library))
        .server_name("hls-bench")
        .build()
        .expect("server");
    let running = runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        server.spawn(listener).expect("spawn server")
    });
    let addr = running.local_addr();

    // The item and the TranscodingUrl a Chromium browser gets.
    let (_, _, body) = http(
        addr,
        "GET",
        "/Items?Recursive=true&IncludeItemTypes=Movie",
        Some(&token),
        None,
    );
    let items: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let id = items["Items"][0]["Id"].as_str().expect("movie").to_owned();
    let profile = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../core/tests/fixtures/profiles/chromium.json"),
    )
    .expect("chromium profile");
    let (status, _, body) = http(
        addr,
        "POST",
        &format!("/Items/{id}/PlaybackInfo"),
        Some(&token),
        Some(&format!(
            "{{\"DeviceProfile\": {profile}, \"MaxStreamingBitrate\": 20000000}}"
        )),
    );
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    let info: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let url = info["MediaSources"][0]["TranscodingUrl"]
        .as_str()
        .expect("a TranscodingUrl: the source must need a transcode")
        .to_owned();

    // The same command, from the core.
    let record = library
        .item(ItemId::parse(&id).unwrap())
        .unwrap()
        .expect("item");
    // Read as the server reads it.
    let request = hls_request(&Query::parse(url.split_once('?').map(|(_, q)| q)));
    let output = HlsOutput::choose(
        source.clone(),
        record.run_time_ticks.unwrap_or(0),
        &SourceFacts::from_item(&record),
        &request,
    );
    let ext = output.format.extension();
    let bare_dir = tmp.path().join("bare");
    let args = ffmpeg_args(&output, &bare_dir, 0);
    let ffmpeg = library.transcoder().config().ffmpeg.clone();

    println!("# hls_bench");
    println!(
        "command: target/release/hls_bench --runs {runs} --seconds {seconds} --max-jobs {max_jobs} --window {window}"
    );
    println!(
        "machine: {} cores; ffmpeg: {}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        String::from_utf8_lossy(
            &Command::new(&ffmpeg)
                .arg("-version")
                .output()
                .map(|o| o.stdout)
                .unwrap_or_default()
        )
        .lines()
        .next()
        .unwrap_or("?")
    );
    println!(
        "source: 1920x1080 HEVC Main 10 + AC-3 5.1, {:.1} s; TranscodingUrl: {url}",
        record.run_time_ticks.unwrap_or(0) as f64 / 1e7
    );
    println!(
        "ffmpeg (bare): {} {}",
        ffmpeg.display(),
        args.iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join(" ")
    );

    // Time to first segment: one warm-up each, then `runs` each, alternating.
    let mut served = Vec::new();
    let mut bare = Vec::new();
    let mut same_command = None;
    for run in 0..=runs {
        let session = format!("ttfs-{run}");
        let master = with_session(&url, &session);
        let t = Instant::now();
        let size = first_segment(addr, &master);
        let elapsed = t.elapsed().as_secs_f64();
        assert!(size > 0);
        if same_command.is_none() {
            // The server's child against the core's command (the directories differ).
            if let Some(job) = library.transcoder().jobs().first() {
                let cmdline =
                    std::fs::read(format!("/proc/{}/cmdline", job.pid)).unwrap_or_default();
                let theirs: Vec<String> = cmdline
                    .split(|b| *b == 0)
                    .filter(|a| !a.is_empty())
                    .skip(1)
                    .map(|a| String::from_utf8_lossy(a).into_owned())
                    .collect();
                let ours: Vec<String> = args
                    .iter()
                    .map(|a| a.to_string_lossy().into_owned())
                    .collect();
                let strip = |v: &[String], dir: &str| -> Vec<String> {
                    v.iter()
                        .map(|a| a.split(dir).last().unwrap_or(a).to_owned())
                        .collect()
                };
                let job_dir = theirs
                    .last()
                    .and_then(|p| Path::new(p).parent())
                    .map(|p| p.display().to_string())
                    .unwrap_or_default();
                same_command =
                    Some(strip(&theirs, &job_dir) == strip(&ours, &bare_dir.display().to_string()));
            }
        }
        stop_session(addr, &token, &session);
        let b = bare_first_segment(&ffmpeg, &args, &bare_dir, ext);
        if run > 0 {
            served.push(elapsed);
            bare.push(b);
        }
    }
    let (ms, mb) = (median(served.clone()), median(bare.clone()));
    println!();
    println!(
        "## time to first segment (segment 0 of {} s, median of {runs} runs after a warm-up)",
        output.segment_seconds
    );
    println!(
        "server command identical to the core's ffmpeg_args: {}",
        match same_command {
            Some(true) => "yes",
            Some(false) => "NO",
            None => "not checked",
        }
    );
    println!("| path | median (s) | runs (s) |");
    println!("| --- | --- | --- |");
    let list = |v: &[f64]| {
        v.iter()
            .map(|x| format!("{x:.3}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    println!(
        "| through the server (master → main → init → segment 0) | {ms:.3} | {} |",
        list(&served)
    );
    println!(
        "| bare ffmpeg (same command, segment 0 complete) | {mb:.3} | {} |",
        list(&bare)
    );
    println!("| ratio server / bare | {:.2}x | |", ms / mb);

    // Concurrent transcodes.
    println!();
    println!("## concurrent software transcodes (speed = media time encoded per wall second, over {window} s)");
    println!("| jobs | slowest | mean | each |");
    println!("| --- | --- | --- | --- |");
    let mut sustained = 0;
    for k in 1..=max_jobs {
        let sessions: Vec<String> = (0..k).map(|i| format!("conc-{k}-{i}")).collect();
        let threads: Vec<_> = sessions
            .iter()
            .map(|s| {
                let master = with_session(&url, s);
                std::thread::spawn(move || first_segment(addr, &master))
            })
            .collect();
        for t in threads {
            t.join().expect("session");
        }
        let sample = || -> HashMap<u32, (Duration, Duration, bool)> {
            library
                .transcoder()
                .jobs()
                .into_iter()
                .map(|j| (j.pid, (j.elapsed, j.encoded, j.exited)))
                .collect()
        };
        std::thread::sleep(Duration::from_secs(3));
        let first = sample();
        std::thread::sleep(Duration::from_secs(window));
        let second = sample();
        let mut speeds = Vec::new();
        let mut finished = false;
        for (pid, (t1, e1, _)) in &first {
            if let Some((t2, e2, exited)) = second.get(pid) {
                finished |= *exited;
                let wall = (*t2 - *t1).as_secs_f64();
                speeds.push((e2.as_secs_f64() - e1.as_secs_f64()) / wall);
            }
        }
        for s in &sessions {
            stop_session(addr, &token, s);
        }
        speeds.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
        let slowest = speeds.first().copied().unwrap_or(0.0);
        let mean = speeds.iter().sum::<f64>() / speeds.len().max(1) as f64;
        println!(
            "| {k} | {slowest:.2}x | {mean:.2}x | {}{} |",
            speeds
                .iter()
                .map(|s| format!("{s:.2}x"))
                .collect::<Vec<_>>()
                .join(", "),
            if finished {
                " (a job reached the end of the media: use a longer --seconds)"
            } else {
                ""
            }
        );
        if slowest >= 1.0 {
            sustained = k;
        } else {
            break;
        }
    }
    println!();
    println!("real-time software transcodes sustained: {sustained}");
    runtime.block_on(async {
        let _ = running.stop().await;
    });
}
