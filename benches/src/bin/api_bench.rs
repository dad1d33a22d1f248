//! API benchmark (a bench binary; prints a report, asserts nothing).
//!
//! ```text
//! cargo build --release -p jellyfin-server && cargo build --release -p jellyfin-libav
//! cargo build --release -p jellyfin-benches
//! target/release/api_bench [--items 100000] [--seconds 5] [--data DIR]
//! ```
//! `--data DIR` keeps the populated store in DIR and reuses it on the next run (same `--items`).
//! In one run: a store of N synthetic movies is written through `jellyfin-core`; the real
//! `jellyfin-server` binary starts on it (time to the first `/System/Info/Public` answer, idle
//! RSS); then `/Items` pages of 100 (sorted by name, with Fields) and item details are requested
//! at 1, 8 and 64 concurrent keep-alive connections, side by side with a bare hyper server (this
//! binary in `--bare` mode, another process) that returns a precomputed body of the same size:
//! the cost of shipping those bytes. Reports requests/s and p50/p99 latency.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use jellyfin_core::auth::DeviceInfo;
use jellyfin_core::store::{
    self, ImageRecord, ItemKind, ItemRecord, LibraryKind, MediaType, PersonCredit, StreamRecord,
};
use jellyfin_core::{LibraryConfig, MediaLibrary};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

fn arg(name: &str, default: u64) -> u64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Writes `n` movies into a library called Movies; returns (library id, some item ids).
fn populate(data: &Path, n: usize) -> (String, Vec<String>) {
    let lib = MediaLibrary::open(LibraryConfig::new(data)).unwrap();
    let root = data.join("media");
    std::fs::create_dir_all(&root).unwrap();
    let library = lib
        .add_library("Movies", LibraryKind::Movies, std::slice::from_ref(&root))
        .unwrap();
    const WORDS: &[&str] = &[
        "silent", "river", "night", "garden", "stone", "empire", "city", "shadow", "light",
        "winter", "summer", "golden", "iron", "secret", "lost", "hidden",
    ];
    const GENRES: &[&str] = &[
        "Drama",
        "Comedy",
        "Action",
        "Sci-Fi",
        "Horror",
        "Documentary",
    ];
    let mut ids = Vec::new();
    let t = Instant::now();
    for chunk in (0..n).collect::<Vec<_>>().chunks(5000) {
        lib.store()
            .write(|tx| {
                for &i in chunk {
                    let name = format!(
                        "{} {} {}",
                        WORDS[i % WORDS.len()],
                        WORDS[(i / 16) % WORDS.len()],
                        i
                    );
                    let path = format!("{}/{name}/{name}.mkv", root.display());
                    let mut r = ItemRecord::new(ItemKind::Movie, &path, &name);
                    r.library_id = Some(library.id);
                    r.parent_id = Some(library.id);
                    r.path = Some(path.clone());
                    r.production_year = Some(1950 + (i % 75) as i32);
                    r.overview = Some(format!("The story of {name}."));
                    r.community_rating = Some((i % 100) as f64 / 10.0);
                    r.official_rating = Some("PG-13".into());
                    r.run_time_ticks = Some(72_000_000_000);
                    r.media_type = Some(MediaType::Video);
                    r.container = Some("matroska,webm".into());
                    r.size = Some(1_000_000_000);
                    r.file_mtime = Some(1);
                    r.date_created = 1_700_000_000 + i as i64;
                    r.genres = vec![GENRES[i % 6].into(), GENRES[(i + 1) % 6].into()];
                    r.people = vec![PersonCredit {
                        name: format!("Actor {}", i % 500),
                        role: Some("Hero".into()),
                        kind: "Actor".into(),
                        sort_order: Some(0),
                    }];
                    r.provider_ids = vec![("Tmdb".into(), i.to_string())];
                    r.images = vec![ImageRecord {
                        image_type: 0,
                        index: 0,
                        path: format!("{}/{name}/poster.jpg", root.display()),
                        width: Some(400),
                        height: Some(600),
                        blurhash: Some("WgF}G?az0fs.x[jat7xFRjNHt6s.4;o#xFoLj[WBogWBt7j[ay".into()),
                        date_modified: 1,
                    }];
                    r.streams = vec![
                        StreamRecord {
                            index: 0,
                            kind: "Video".into(),
                            codec: Some("h264".into()),
                            width: Some(1920),
                            height: Some(1080),
                            profile: Some("High".into()),
                            ..StreamRecord::default()
                        },
                        StreamRecord {
                            index: 1,
                            kind: "Audio".into(),
                            codec: Some("aac".into()),
                            channels: Some(2),
                            language: Some("eng".into()),
                            is_default: true,
                            ..StreamRecord::default()
                        },
                    ];
                    store::upsert_item(tx, &r)?;
                    if ids.len() < 1000 && i % 97 == 0 {
                        ids.push(r.id.unwrap().to_n());
                    }
                }
                Ok::<_, store::StoreError>(())
            })
            .unwrap();
    }
    println!(
        "store: {n} movies written in {:.1}s",
        t.elapsed().as_secs_f64()
    );
    // As a scan would: the search index follows the store.
    let t = Instant::now();
    let synced = lib.sync_search_index().unwrap();
    println!(
        "search index: {} items in {:.1}s",
        synced.indexed,
        t.elapsed().as_secs_f64()
    );
    lib.auth().ensure_admin("bench", "bench").unwrap();
    let listing = std::iter::once(library.id.to_n())
        .chain(ids.iter().cloned())
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(data.join("bench-ids.txt"), listing).unwrap();
    (library.id.to_n(), ids)
}

/// `path()` of the data directory in use (kept or temporary).
struct DataDir(PathBuf);

impl DataDir {
    fn path(&self) -> &Path {
        &self.0
    }
}

/// (library id, some item ids) of a store populated by an earlier run in `dir`.
fn reuse(dir: &Path) -> Option<(String, Vec<String>)> {
    let ids = std::fs::read_to_string(dir.join("bench-ids.txt")).ok()?;
    let mut lines = ids.lines().map(str::to_owned);
    let library = lines.next()?;
    println!("store: reusing {}", dir.display());
    // A store from an older build may lack an index the server would then build at start.
    let lib = MediaLibrary::open(LibraryConfig::new(dir)).ok()?;
    lib.sync_search_index().ok()?;
    Some((library, lines.collect()))
}

fn rss_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// One keep-alive HTTP/1.1 exchange; returns the body length.
async fn exchange(stream: &mut TcpStream, buf: &mut Vec<u8>, request: &[u8]) -> usize {
    stream.write_all(request).await.unwrap();
    buf.clear();
    let mut chunk = [0u8; 65536];
    loop {
        let n = stream.read(&mut chunk).await.unwrap();
        assert!(n > 0, "connection closed");
        buf.extend_from_slice(&chunk[..n]);
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = std::str::from_utf8(&buf[..end])
                .unwrap()
                .to_ascii_lowercase();
            assert!(head.starts_with("http/1.1 200"), "{head}");
            let len: usize = head
                .lines()
                .find_map(|l| {
                    l.strip_prefix("content-length:")
                        .map(|v| v.trim().parse().unwrap())
                })
                .expect("content-length");
            while buf.len() < end + 4 + len {
                let n = stream.read(&mut chunk).await.unwrap();
                assert!(n > 0);
                buf.extend_from_slice(&chunk[..n]);
            }
            return len;
        }
    }
}

/// Runs `connections` clients for `secs`, cycling through `paths`; returns (req/s, p50, p99, body bytes).
fn load(
    addr: SocketAddr,
    token: &str,
    paths: &[String],
    connections: usize,
    secs: u64,
) -> (f64, Duration, Duration, usize) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let paths = Arc::new(paths.to_vec());
    let token = token.to_owned();
    rt.block_on(async move {
        let deadline = Instant::now() + Duration::from_secs(secs);
        let mut tasks = Vec::new();
        for c in 0..connections {
            let paths = paths.clone();
            let token = token.clone();
            tasks.push(tokio::spawn(async move {
                let mut stream = TcpStream::connect(addr).await.unwrap();
                stream.set_nodelay(true).unwrap();
                let mut buf = Vec::new();
                let mut lat = Vec::new();
                let mut size = 0;
                let mut i = c;
                while Instant::now() < deadline {
                    let req = format!(
                        "GET {} HTTP/1.1\r\nHost: bench\r\nX-Emby-Token: {token}\r\n\r\n",
                        paths[i % paths.len()]
                    );
                    let t = Instant::now();
                    size = exchange(&mut stream, &mut buf, req.as_bytes()).await;
                    lat.push(t.elapsed());
                    i += connections;
                }
                (lat, size)
            }));
        }
        let mut all = Vec::new();
        let mut size = 0;
        for t in tasks {
            let (lat, s) = t.await.unwrap();
            all.extend(lat);
            size = s;
        }
        all.sort();
        let n = all.len().max(1);
        (
            n as f64 / secs as f64,
            all[n / 2],
            all[(n * 99 / 100).min(n - 1)],
            size,
        )
    })
}

/// `--bare PORT SIZE`: a bare hyper server answering every request with SIZE precomputed bytes.
fn bare(port: u16, size: usize) {
    use hyper::server::conn::http1;
    use hyper::service::service_fn;
    use hyper_util::rt::TokioIo;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let body = Bytes::from(vec![b'x'; size]);
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .unwrap();
        println!("ready");
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            let body = body.clone();
            tokio::spawn(async move {
                let svc = service_fn(move |_req| {
                    let body = body.clone();
                    async move {
                        let mut r = hyper::Response::new(http_body_util::Full::new(body));
                        r.headers_mut().insert(
                            "content-type",
                            "application/json; charset=utf-8".parse().unwrap(),
                        );
                        Ok::<_, std::convert::Infallible>(r)
                    }
                });
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), svc)
                    .await;
            });
        }
    });
}

fn spawn_ready(mut cmd: Command) -> Child {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    child
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--bare") {
        bare(args[2].parse().unwrap(), args[3].parse().unwrap());
        return;
    }
    let n = arg("--items", 100_000) as usize;
    let secs = arg("--seconds", 5);
    let temp = tempfile::tempdir().unwrap();
    let kept = std::env::args()
        .skip_while(|a| a != "--data")
        .nth(1)
        .map(PathBuf::from);
    let data_path = kept.clone().unwrap_or_else(|| temp.path().to_path_buf());
    let (library, ids) = match kept.as_deref().and_then(reuse) {
        Some(found) => found,
        None => {
            let _ = std::fs::remove_dir_all(&data_path);
            populate(&data_path, n)
        }
    };
    let data = DataDir(data_path);
    let exe = std::env::current_exe().unwrap();
    let server_bin: PathBuf = exe.with_file_name("jellyfin-server");
    assert!(
        server_bin.exists(),
        "build jellyfin-server in the same profile first"
    );

    // Start-up time and idle RSS of the real binary.
    let port = free_port();
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let started = Instant::now();
    let mut server = Command::new(&server_bin)
        .args([
            "--data-dir",
            data.path().to_str().unwrap(),
            "--bind",
            "127.0.0.1",
            "--port",
            &port.to_string(),
        ])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let startup = loop {
        if let Ok(mut s) = std::net::TcpStream::connect(addr) {
            use std::io::{Read, Write};
            write!(
                s,
                "GET /System/Info/Public HTTP/1.1\r\nHost: b\r\nConnection: close\r\n\r\n"
            )
            .unwrap();
            let mut out = String::new();
            let _ = s.read_to_string(&mut out);
            if out.starts_with("HTTP/1.1 200") {
                break started.elapsed();
            }
        }
        std::thread::sleep(Duration::from_millis(1));
    };
    std::thread::sleep(Duration::from_secs(1));
    let idle = rss_kb(server.id());
    println!(
        "start to first /System/Info/Public: {:.1} ms; idle RSS {:.1} MiB",
        startup.as_secs_f64() * 1000.0,
        idle as f64 / 1024.0
    );

    let token = {
        let lib = MediaLibrary::open(LibraryConfig::new(data.path())).unwrap();
        lib.auth()
            .authenticate_by_name(
                "bench",
                "bench",
                &DeviceInfo::new("bench", "bench", "bench", "1"),
            )
            .unwrap()
            .token
    };
    let pages: Vec<String> = (0..50)
        .map(|p| format!("/Items?ParentId={library}&Recursive=true&IncludeItemTypes=Movie&SortBy=SortName&SortOrder=Ascending&Fields=PrimaryImageAspectRatio,Genres,Overview,ProviderIds&StartIndex={}&Limit=100", (p * 1997) % (n - 100)))
        .collect();
    let details: Vec<String> = ids.iter().map(|id| format!("/Items/{id}")).collect();
    for (label, paths) in [("/Items page of 100", &pages), ("item details", &details)] {
        let (_, _, _, size) = load(addr, &token, &paths[..1], 1, 1);
        let bare_port = free_port();
        let mut bare_server = spawn_ready({
            let mut c = Command::new(&exe);
            c.args(["--bare", &bare_port.to_string(), &size.to_string()]);
            c
        });
        let bare_addr: SocketAddr = format!("127.0.0.1:{bare_port}").parse().unwrap();
        println!("{label} ({size} bytes):");
        for conns in [1, 8, 64] {
            let (rps, p50, p99, _) = load(addr, &token, paths, conns, secs);
            let (brps, bp50, bp99, _) = load(bare_addr, &token, paths, conns, secs);
            println!(
                "  {conns:>2} conns: {rps:>8.0} req/s p50 {:>6.2} ms p99 {:>6.2} ms | bare {brps:>8.0} req/s p50 {:>6.2} ms p99 {:>6.2} ms | {:.0}% of bare",
                p50.as_secs_f64() * 1e3, p99.as_secs_f64() * 1e3, bp50.as_secs_f64() * 1e3, bp99.as_secs_f64() * 1e3, 100.0 * rps / brps
            );
        }
        bare_server.kill().unwrap();
        let _ = bare_server.wait();
    }
    server.kill().unwrap();
    let _ = server.wait();
}
