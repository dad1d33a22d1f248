//! The Jellyfin API inside another tokio program: on the program's runtime and on a listener
//! it bound itself, under `/jellyfin`, with its own data directory. The program then talks to
//! its own server (`/System/Info/Public`; with a media folder, a login and `/Items`), and stops
//! it.
//!
//! ```sh
//! cargo run -p jellyfin-examples --example embedded_server -- [MOVIES_DIR]
//! ```
//!
//! Exits non-zero when a request fails.

use std::path::PathBuf;
use std::process::ExitCode;

use jellyfin_core::auth::DeviceInfo;
use jellyfin_core::scan::ScanOptions;
use jellyfin_core::store::LibraryKind;
use jellyfin_server::EmbeddedServer;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

type Error = Box<dyn std::error::Error + Send + Sync>;

#[tokio::main]
async fn main() -> ExitCode {
    let movies = std::env::args().nth(1).map(PathBuf::from);
    match run(movies).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(movies: Option<PathBuf>) -> Result<(), Error> {
    let data_dir = tempfile::tempdir()?;
    let server = EmbeddedServer::builder(data_dir.path())
        .base_path("/jellyfin")
        .server_name("embedded-example")
        .build()?;

    // The application's own listener and runtime: the API is one more task on it.
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let running = server.spawn(listener)?;
    println!("Jellyfin API at {}", running.url());
    let addr = running.local_addr();

    let (status, body) = get(addr, "/jellyfin/System/Info/Public", None).await?;
    println!("GET /jellyfin/System/Info/Public -> {status}\n{body}");
    if status != 200 || !body.contains("\"Id\"") {
        return Err(format!("unexpected answer {status}").into());
    }
    let (outside, _) = get(addr, "/System/Info/Public", None).await?;
    println!("GET /System/Info/Public (outside the base path) -> {outside}");
    if outside != 404 {
        return Err(format!("expected 404 outside the base path, got {outside}").into());
    }

    if let Some(movies) = movies {
        // Through the same library handle the API serves: add, scan, create a user, log in.
        let library = server.library().clone();
        let token = tokio::task::spawn_blocking(move || -> Result<String, Error> {
            library.add_library("Movies", LibraryKind::Movies, &[movies])?;
            let summary = library.scan("Movies", &ScanOptions::default())?;
            println!("scanned: {} items added", summary.added);
            library.auth().ensure_admin("admin", "example")?;
            let device = DeviceInfo::new("example-1", "example", "embedded_server", "1.0");
            Ok(library
                .auth()
                .authenticate_by_name("admin", "example", &device)?
                .token)
        })
        .await??;
        let (status, body) = get(
            addr,
            "/jellyfin/Items?Recursive=true&IncludeItemTypes=Movie&Limit=3&SortBy=SortName",
            Some(&token),
        )
        .await?;
        let total = body
            .split("\"TotalRecordCount\":")
            .nth(1)
            .and_then(|rest| rest.split([',', '}']).next())
            .unwrap_or("?");
        println!("GET /jellyfin/Items -> {status}: {total} movies");
        if status != 200 || total == "0" || total == "?" {
            return Err("the scanned movies are not served".into());
        }
    }

    running.stop().await?;
    println!("stopped");
    if TcpStream::connect(addr).await.is_ok() {
        return Err("the server still accepts connections after stop".into());
    }
    Ok(())
}

/// A minimal HTTP/1.1 GET (the example needs no HTTP client dependency): status and body.
async fn get(
    addr: std::net::SocketAddr,
    path: &str,
    token: Option<&str>,
) -> Result<(u16, String), Error> {
    let mut stream = TcpStream::connect(addr).await?;
    let auth = token
        .map(|t| format!("Authorization: MediaBrowser Token=\"{t}\"\r\n"))
        .unwrap_or_default();
    stream
        .write_all(
            format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\n{auth}Connection: close\r\n\r\n")
                .as_bytes(),
        )
        .await?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await?;
    let split = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or("no end of headers")?;
    let head = String::from_utf8_lossy(&response[..split]).to_ascii_lowercase();
    let body = &response[split + 4..];
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or("no status line")?;
    let body = if head.contains("transfer-encoding: chunked") {
        dechunk(body)
    } else {
        body.to_vec()
    };
    Ok((status, String::from_utf8_lossy(&body).into_owned()))
}

/// The body of a chunked response.
fn dechunk(mut body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(line_end) = body.windows(2).position(|w| w == b"\r\n") {
        let size = String::from_utf8_lossy(&body[..line_end]);
        let Ok(n) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        let rest = &body[line_end + 2..];
        if n == 0 || rest.len() < n {
            break;
        }
        out.extend_from_slice(&rest[..n]);
        body = rest[n..].strip_prefix(b"\r\n").unwrap_or(&rest[n..]);
    }
    out
}
