//! Integration tests of `jellyfin-server`: real HTTP over loopback, against the library server
//! and against the real binary.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

use jellyfin_server::{serve, Server, ServerConfig};

/// A minimal HTTP/1.1 exchange: returns (status, headers, body).
fn http(addr: SocketAddr, method: &str, path: &str) -> (u16, String, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
    )
    .unwrap();
    let mut raw = String::new();
    s.read_to_string(&mut raw).unwrap();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    (status, head.to_owned(), body.to_owned())
}

struct Running {
    addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
    id: String,
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.thread.take() {
            t.join().unwrap();
        }
    }
}

fn start(data_dir: &std::path::Path) -> Running {
    let mut config = ServerConfig::new(data_dir);
    config.server_name = "test-server".into();
    let server = Arc::new(Server::open(config).unwrap());
    let id = server.id();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let (addr_tx, addr_rx) = std::sync::mpsc::channel();
    let thread = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            addr_tx.send(listener.local_addr().unwrap()).unwrap();
            serve(server, listener, async {
                let _ = rx.await;
            })
            .await
            .unwrap();
        });
    });
    let addr = addr_rx.recv().unwrap();
    Running {
        addr,
        stop: Some(tx),
        thread: Some(thread),
        id,
    }
}

#[test]
fn ping_answers_on_any_casing_and_legacy_prefix() {
    let dir = tempfile::tempdir().unwrap();
    let s = start(dir.path());
    for path in [
        "/System/Ping",
        "/system/ping",
        "/SYSTEM/PING/",
        "/emby/System/Ping",
    ] {
        let (status, head, body) = http(s.addr, "GET", path);
        assert_eq!(status, 200, "{path}");
        assert!(
            head.to_ascii_lowercase()
                .contains("content-type: application/json"),
            "{head}"
        );
        assert_eq!(body, "\"Jellyfin Server\"");
    }
    assert_eq!(http(s.addr, "POST", "/System/Ping").0, 200);
    assert_eq!(http(s.addr, "DELETE", "/System/Ping").0, 405);
}

#[test]
fn public_info_shape_and_stable_id() {
    let dir = tempfile::tempdir().unwrap();
    let first_id;
    {
        let s = start(dir.path());
        let (status, _, body) = http(s.addr, "GET", "/System/Info/Public");
        assert_eq!(status, 200);
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["Id"], s.id.as_str());
        assert_eq!(v["LocalAddress"], format!("http://{}", s.addr));
        let id = v["Id"].as_str().unwrap();
        assert_eq!(id.len(), 32);
        assert!(id
            .chars()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
        let version = v["Version"].as_str().unwrap();
        assert!(
            version.split('.').all(|p| p.parse::<u32>().is_ok()),
            "{version}"
        );
        first_id = id.to_owned();
        // The JSON shape is the compatibility contract: snapshot it with volatile values masked.
        let mut masked = v.clone();
        masked["Id"] = "<server id>".into();
        masked["LocalAddress"] = "<local address>".into();
        insta::assert_json_snapshot!("public_system_info", masked);
    }
    let s = start(dir.path());
    assert_eq!(s.id, first_id, "server id must survive a restart");
}

#[test]
fn unknown_route_is_404_problem_details() {
    let dir = tempfile::tempdir().unwrap();
    let s = start(dir.path());
    let (status, head, body) = http(s.addr, "GET", "/No/Such/Route");
    assert_eq!(status, 404);
    assert!(head.contains("application/problem+json"));
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["status"], 404);
    insta::assert_json_snapshot!("problem_details_404", v);
}

/// The real binary: starts, answers, and exits 0 on SIGTERM and on SIGINT.
#[test]
fn binary_starts_and_stops_cleanly_on_signals() {
    let dir = tempfile::tempdir().unwrap();
    for signal in ["-TERM", "-INT"] {
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_jellyfin-server"))
            .args([
                "--data-dir",
                dir.path().to_str().unwrap(),
                "--bind",
                "127.0.0.1",
                "--port",
            ])
            .arg(port.to_string())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect(addr).is_err() {
            assert!(Instant::now() < deadline, "server did not start");
            assert!(child.try_wait().unwrap().is_none(), "server exited early");
            std::thread::sleep(Duration::from_millis(50));
        }
        assert_eq!(http(addr, "GET", "/System/Ping").0, 200);
        let kill = std::process::Command::new("kill")
            .args([signal, &child.id().to_string()])
            .status()
            .unwrap();
        assert!(kill.success());
        let status = child.wait().unwrap();
        assert!(status.success(), "exit status after {signal}: {status}");
    }
    let id = std::fs::read_to_string(dir.path().join("server_id")).unwrap();
    assert_eq!(id.len(), 32);
}

fn make_library(dir: &std::path::Path, args: &[&str]) -> serde_json::Value {
    let tool =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/tools/make-library");
    let out = std::process::Command::new(tool)
        .arg(dir)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn items_of(data: &std::path::Path) -> Vec<(String, String, Option<String>)> {
    let lib = jellyfin_core::MediaLibrary::open(jellyfin_core::LibraryConfig::new(data)).unwrap();
    let mut out: Vec<_> = lib
        .query(&jellyfin_core::store::ItemQuery {
            include_extras: true,
            include_alternate_versions: true,
            ..Default::default()
        })
        .unwrap()
        .items
        .into_iter()
        .map(|i| (i.id.unwrap().to_n(), i.name, i.path))
        .collect();
    out.sort();
    out
}

fn scan_cmd(data: &std::path::Path, media: &std::path::Path) -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_jellyfin-server"));
    cmd.arg("scan").arg("--data-dir").arg(data);
    for (name, kind) in [
        ("Movies", "movies"),
        ("Shows", "tvshows"),
        ("Music", "music"),
    ] {
        cmd.arg("--library")
            .arg(format!("{name}:{kind}:{}", media.join(name).display()));
    }
    cmd
}

/// `jellyfin-server scan` prints plain progress and a summary when not on a terminal, and a
/// `kill -9` in the middle of a scan leaves a database that passes `PRAGMA integrity_check`;
/// the next scan completes and reaches the same result as an uninterrupted one.
#[test]
fn scan_cli_survives_kill_9() {
    let media = tempfile::tempdir().unwrap();
    make_library(
        media.path(),
        &[
            "--movies",
            "120",
            "--shows",
            "6",
            "--episodes",
            "8",
            "--artists",
            "2",
            "--albums",
            "2",
            "--tracks",
            "4",
        ],
    );
    let killed = tempfile::tempdir().unwrap();
    let mut child = scan_cmd(killed.path(), media.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Wait for the first progress line (the walk is done and writing has started), then kill.
    let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    std::io::BufRead::read_line(&mut stdout, &mut line).unwrap();
    assert!(line.contains("units"), "{line}");
    std::thread::sleep(Duration::from_millis(150));
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert!(
        !status.success(),
        "the scan was meant to be interrupted, it finished first"
    );
    let store = jellyfin_core::store::Store::open_in(killed.path()).unwrap();
    assert_eq!(store.integrity_check().unwrap(), Ok(()));
    drop(store);

    let out = scan_cmd(killed.path(), media.path()).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("Movies: ") && text.contains("probe errors"),
        "{text}"
    );

    let fresh = tempfile::tempdir().unwrap();
    let out = scan_cmd(fresh.path(), media.path()).output().unwrap();
    assert!(out.status.success());
    let a = items_of(killed.path());
    assert!(a.len() > 200, "{}", a.len());
    assert_eq!(a, items_of(fresh.path()));
}

#[test]
fn scan_cli_rejects_bad_specs() {
    let data = tempfile::tempdir().unwrap();
    for spec in ["nokind", "Movies:films:/tmp", "Movies:movies:"] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_jellyfin-server"))
            .args([
                "scan",
                "--data-dir",
                data.path().to_str().unwrap(),
                "--library",
                spec,
            ])
            .output()
            .unwrap();
        assert!(!out.status.success(), "{spec}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("--library"),
            "{spec}"
        );
    }
}

/// A request with optional headers; returns (status, body).
fn request(addr: SocketAddr, method: &str, path: &str, token: Option<&str>) -> (u16, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let auth = token
        .map(|t| format!("X-Emby-Token: {t}\r\n"))
        .unwrap_or_default();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n{auth}Content-Length: 0\r\n\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let raw = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
    (
        head.split(' ').nth(1).unwrap().parse().unwrap(),
        body.to_owned(),
    )
}

/// Every route of the OpenAPI spec: without a token each non-anonymous route answers 401 and
/// leaks nothing; with a non-administrator's token every administrator route answers 403.
#[test]
fn spec_route_sweep_401_and_403() {
    use jellyfin_core::auth::DeviceInfo;
    use jellyfin_server::routes::{spec_routes, Access};
    let dir = tempfile::tempdir().unwrap();
    let token = {
        let server = Server::open(ServerConfig::new(dir.path())).unwrap();
        let auth = server.library().auth();
        auth.ensure_admin("admin", "pw").unwrap();
        auth.create_user("viewer", "pw").unwrap();
        auth.authenticate_by_name("viewer", "pw", &DeviceInfo::new("d", "dev", "sweep", "1"))
            .unwrap()
            .token
    };
    let s = start(dir.path());
    let id = "0123456789abcdef0123456789abcdef";
    let mut checked = (0, 0);
    for (method, pattern, access) in spec_routes() {
        let path = format!(
            "/{}",
            pattern
                .iter()
                .map(|p| if *p == "*" { id } else { p })
                .collect::<Vec<_>>()
                .join("/")
        );
        match access {
            Access::User
            | Access::Admin
            | Access::FirstTimeSetupOrAdmin
            | Access::FirstTimeSetupOrUser => {
                let (status, body) = request(s.addr, method, &path, None);
                assert_eq!(status, 401, "{method} {path} without a token: {body}");
                assert!(
                    !body.contains(id) && !body.contains("viewer") && !body.contains("\"Items\""),
                    "{method} {path} leaked {body}"
                );
                checked.0 += 1;
            }
            Access::Anonymous => {}
        }
        if matches!(access, Access::Admin | Access::FirstTimeSetupOrAdmin) {
            let (status, body) = request(s.addr, method, &path, Some(&token));
            assert_eq!(
                status, 403,
                "{method} {path} as a non-administrator: {body}"
            );
            checked.1 += 1;
        }
    }
    assert!(checked.0 > 300 && checked.1 > 80, "{checked:?}");
}

/// The generated route table matches the shared OpenAPI spec (regenerated and compared).
#[test]
fn spec_route_table_is_current() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let out = std::process::Command::new("python3")
        .arg(root.join("scripts/gen-spec-routes.py"))
        .arg(root.join("../shared/jellyfin-api/openapi.json"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let committed = std::fs::read_to_string(root.join("server/src/routes/spec.rs")).unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        committed,
        "run scripts/gen-spec-routes.py"
    );
}

fn wait_for(addr: SocketAddr, child: &mut std::process::Child) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect(addr).is_err() {
        assert!(Instant::now() < deadline, "server did not start");
        assert!(child.try_wait().unwrap().is_none(), "server exited early");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A TOML file configures the server; flags win over it; unknown keys are refused; JSON logs.
#[test]
fn config_file_flags_and_json_logs() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let config = dir.path().join("server.toml");
    std::fs::write(
        &config,
        format!(
            "port = {port}\nbind = \"127.0.0.1\"\nserver_name = \"from-file\"\nlog_format = \"json\"\nadmin_user = \"boss\"\nadmin_password = \"pw\"\n"
        ),
    )
    .unwrap();
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let run = |extra: &[&str]| {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_jellyfin-server"))
            .args([
                "--data-dir",
                dir.path().join("data").to_str().unwrap(),
                "--config",
                config.to_str().unwrap(),
            ])
            .args(extra)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        wait_for(addr, &mut child);
        let (_, _, body) = http(addr, "GET", "/System/Info/Public");
        let info: serde_json::Value = serde_json::from_str(&body).unwrap();
        let name = info["ServerName"].as_str().unwrap().to_owned();
        let wizard_done = info["StartupWizardCompleted"].as_bool().unwrap();
        std::process::Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success());
        (
            name,
            wizard_done,
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    let (name, wizard_done, logs) = run(&[]);
    assert_eq!(name, "from-file");
    assert!(wizard_done, "the admin from the file was created");
    let first = logs.lines().next().expect("a log line");
    let line: serde_json::Value = serde_json::from_str(first).expect("JSON log lines");
    assert!(line["fields"]["message"].is_string(), "{first}");
    let (name, _, _) = run(&["--server-name", "from-flag"]);
    assert_eq!(name, "from-flag");

    std::fs::write(&config, "prot = 1\n").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_jellyfin-server"))
        .args([
            "--data-dir",
            dir.path().join("data").to_str().unwrap(),
            "--config",
            config.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("prot"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
