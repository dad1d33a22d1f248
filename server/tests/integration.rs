//! Integration tests of `jellyfin-server`: real HTTP over loopback, against the library server
//! and against the real binary.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

use jellyfin_server::{serve, Server, ServerConfig};

#[path = "integration/user_routes.rs"]
mod user_routes;

#[path = "integration/item_pages.rs"]
mod item_pages;

#[path = "integration/embedding.rs"]
mod embedding;

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

// ------------------------------------------------------------------ operations (SURFACE.md §5)

/// An HTTP/1.1 exchange with a token and an optional JSON body: (status, content type, body).
fn call(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: &str,
    body: Option<&serde_json::Value>,
) -> (u16, String, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nX-Emby-Token: {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let raw = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    let content_type = head
        .lines()
        .find_map(|l| l.strip_prefix("content-type: "))
        .unwrap_or("")
        .to_owned();
    (status, content_type, body.to_owned())
}

fn call_json(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: &str,
    body: Option<&serde_json::Value>,
) -> serde_json::Value {
    let (status, _, text) = call(addr, method, path, token, body);
    assert_eq!(status, 200, "{method} {path}: {text}");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{method} {path}: {e}: {text}"))
}

/// Replaces values that change from run to run (dates, ids, paths, sizes) with placeholders,
/// keeping the shape for snapshots.
fn mask(v: &mut serde_json::Value, keys: &[&str]) {
    match v {
        serde_json::Value::Object(o) => {
            for (k, x) in o.iter_mut() {
                if keys.contains(&k.as_str()) && !x.is_null() {
                    *x = serde_json::Value::from(format!("<{k}>"));
                } else {
                    mask(x, keys);
                }
            }
        }
        serde_json::Value::Array(a) => a.iter_mut().for_each(|x| mask(x, keys)),
        _ => {}
    }
}

/// An administrator's token on a fresh data directory (the login is an activity entry).
fn admin_token(data: &std::path::Path) -> String {
    use jellyfin_core::auth::DeviceInfo;
    let server = Server::open(ServerConfig::new(data)).unwrap();
    let auth = server.library().auth();
    auth.ensure_admin("admin", "pw").unwrap();
    auth.authenticate_by_name(
        "admin",
        "pw",
        &DeviceInfo::new("ops", "Ops Box", "ops-test", "1"),
    )
    .unwrap()
    .token
}

#[test]
fn activity_log_lists_logins_and_user_changes() {
    let dir = tempfile::tempdir().unwrap();
    let token = admin_token(dir.path());
    let s = start(dir.path());
    // A failed login and a new user are recorded too.
    let mut req = TcpStream::connect(s.addr).unwrap();
    let login = r#"{"Username":"admin","Pw":"wrong"}"#;
    write!(
        req,
        "POST /Users/AuthenticateByName HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: MediaBrowser Client=\"c\", Device=\"d\", DeviceId=\"i\", Version=\"1\"\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{login}",
        login.len()
    )
    .unwrap();
    let mut out = String::new();
    req.read_to_string(&mut out).unwrap();
    assert!(out.starts_with("HTTP/1.1 401"), "{out}");
    call_json(
        s.addr,
        "POST",
        "/Users/New",
        &token,
        Some(&serde_json::json!({"Name": "viewer", "Password": "x"})),
    );
    let page = call_json(s.addr, "GET", "/System/ActivityLog/Entries", &token, None);
    let types: Vec<&str> = page["Items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["Type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        [
            "UserCreated",
            "SessionStarted",
            "AuthenticationFailed",
            "AuthenticationSucceeded",
            "UserCreated"
        ],
        "{page}"
    );
    assert_eq!(page["TotalRecordCount"], 5);
    // Paging, the user filter, and dates in Jellyfin's format.
    let paged = call_json(
        s.addr,
        "GET",
        "/System/ActivityLog/Entries?startIndex=1&limit=2&hasUserId=true",
        &token,
        None,
    );
    assert_eq!(paged["StartIndex"], 1);
    assert_eq!(paged["TotalRecordCount"], 4);
    assert_eq!(paged["Items"].as_array().unwrap().len(), 2);
    let failed = &page["Items"][2];
    assert_eq!(failed["Severity"], "Error");
    assert_eq!(failed["UserId"], "00000000000000000000000000000000");
    let date = failed["Date"].as_str().unwrap();
    assert!(date.ends_with('Z') && date.len() == 28, "{date}");
    let future = call_json(
        s.addr,
        "GET",
        "/System/ActivityLog/Entries?minDate=2999-01-01T00:00:00.000Z",
        &token,
        None,
    );
    assert_eq!(future["TotalRecordCount"], 0);
    let (status, _, _) = call(
        s.addr,
        "GET",
        "/System/ActivityLog/Entries?minDate=soon",
        &token,
        None,
    );
    assert_eq!(status, 400);
    let mut shape = page["Items"][3].clone();
    mask(&mut shape, &["Id", "Date", "UserId"]);
    insta::assert_json_snapshot!("activity_log_entry", shape);
}

#[test]
fn log_files_list_read_and_refuse_traversal() {
    let dir = tempfile::tempdir().unwrap();
    let token = admin_token(dir.path());
    let log_dir = dir.path().join("log");
    std::fs::create_dir_all(&log_dir).unwrap();
    std::fs::write(log_dir.join("log_20240501.log"), "line one\nline two\n").unwrap();
    std::fs::write(dir.path().join("secret.txt"), "secret").unwrap();
    let s = start(dir.path());
    let list = call_json(s.addr, "GET", "/System/Logs", &token, None);
    let entry = list
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["Name"] == "log_20240501.log")
        .expect("the log file is listed");
    assert_eq!(entry["Size"], 18);
    let mut shape = entry.clone();
    mask(&mut shape, &["DateCreated", "DateModified"]);
    insta::assert_json_snapshot!("log_file", shape);
    let (status, content_type, text) = call(
        s.addr,
        "GET",
        "/System/Logs/Log?name=log_20240501.log",
        &token,
        None,
    );
    assert_eq!(status, 200);
    assert!(content_type.starts_with("text/plain"), "{content_type}");
    assert_eq!(text, "line one\nline two\n");
    for name in [
        "..%2Fsecret.txt",
        "../secret.txt",
        "%2E%2E%2Fsecret.txt",
        "..",
        "%2Fetc%2Fpasswd",
        "..%5Csecret.txt",
        "missing.log",
    ] {
        let (status, _, body) = call(
            s.addr,
            "GET",
            &format!("/System/Logs/Log?name={name}"),
            &token,
            None,
        );
        assert_eq!(status, 404, "{name}: {body}");
        assert!(!body.contains("secret"), "{name} leaked {body}");
    }
    let (status, _, _) = call(s.addr, "GET", "/System/Logs/Log", &token, None);
    assert_eq!(status, 400);
}

#[test]
fn scheduled_tasks_run_report_and_keep_triggers() {
    let dir = tempfile::tempdir().unwrap();
    let token = admin_token(dir.path());
    let media = dir.path().join("media");
    std::fs::create_dir_all(media.join("Alpha (2001)")).unwrap();
    std::fs::write(media.join("Alpha (2001)/Alpha (2001).mkv"), b"x").unwrap();
    {
        let server = Server::open(ServerConfig::new(dir.path())).unwrap();
        server
            .library()
            .add_library(
                "Movies",
                jellyfin_core::store::LibraryKind::Movies,
                &[media],
            )
            .unwrap();
    }
    let s = start(dir.path());
    let tasks = call_json(
        s.addr,
        "GET",
        "/ScheduledTasks?isHidden=false",
        &token,
        None,
    );
    let keys: Vec<&str> = tasks
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["Key"].as_str().unwrap())
        .collect();
    assert_eq!(
        keys,
        [
            "RefreshLibrary",
            "CleanActivityLog",
            "CleanLogFiles",
            "OptimizeDatabaseTask"
        ]
    );
    let hidden = call_json(s.addr, "GET", "/ScheduledTasks?isHidden=true", &token, None);
    assert_eq!(hidden, serde_json::json!([]));
    let mut shape = tasks[0].clone();
    insta::assert_json_snapshot!("task_info_idle", shape);
    let id = tasks[0]["Id"].as_str().unwrap().to_owned();
    assert_eq!(id, "7738148ffcd07979c7ceb148e06b3aed");
    let (status, _, _) = call(
        s.addr,
        "POST",
        &format!("/ScheduledTasks/Running/{id}"),
        &token,
        None,
    );
    assert_eq!(status, 204);
    // It runs, then has a fresh result.
    let deadline = Instant::now() + Duration::from_secs(60);
    let done = loop {
        let t = call_json(
            s.addr,
            "GET",
            &format!("/ScheduledTasks/{id}"),
            &token,
            None,
        );
        if t["State"] == "Idle" && t["LastExecutionResult"].is_object() {
            break t;
        }
        assert!(
            Instant::now() < deadline,
            "the scan task did not finish: {t}"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(done["LastExecutionResult"]["Status"], "Completed");
    shape = done.clone();
    mask(&mut shape, &["StartTimeUtc", "EndTimeUtc"]);
    insta::assert_json_snapshot!("task_info_completed", shape);
    let items = call_json(
        s.addr,
        "GET",
        "/Items?Recursive=true&IncludeItemTypes=Movie",
        &token,
        None,
    );
    assert_eq!(items["TotalRecordCount"], 1);
    // Triggers are stored and returned.
    let triggers = serde_json::json!([
        {"Type": "DailyTrigger", "TimeOfDayTicks": 36000000000i64},
        {"Type": "WeeklyTrigger", "TimeOfDayTicks": 0, "DayOfWeek": "Sunday"},
    ]);
    let (status, _, _) = call(
        s.addr,
        "POST",
        &format!("/ScheduledTasks/{id}/Triggers"),
        &token,
        Some(&triggers),
    );
    assert_eq!(status, 204);
    let t = call_json(
        s.addr,
        "GET",
        &format!("/ScheduledTasks/{id}"),
        &token,
        None,
    );
    assert_eq!(t["Triggers"], triggers);
    let (status, _, _) = call(
        s.addr,
        "POST",
        &format!("/ScheduledTasks/{id}/Triggers"),
        &token,
        Some(&serde_json::json!([{"Type": "Hourly"}])),
    );
    assert_eq!(status, 400);
    // Stopping an idle task is harmless; unknown ids are 404.
    let (status, _, _) = call(
        s.addr,
        "DELETE",
        &format!("/ScheduledTasks/Running/{id}"),
        &token,
        None,
    );
    assert_eq!(status, 204);
    for (method, path) in [
        ("GET", "/ScheduledTasks/0123456789abcdef0123456789abcdef"),
        (
            "POST",
            "/ScheduledTasks/Running/0123456789abcdef0123456789abcdef",
        ),
        ("DELETE", "/ScheduledTasks/Running/nope"),
    ] {
        assert_eq!(
            call(s.addr, method, path, &token, None).0,
            404,
            "{method} {path}"
        );
    }
}

#[test]
fn configuration_sections_branding_and_stubs() {
    let dir = tempfile::tempdir().unwrap();
    let token = admin_token(dir.path());
    let s = start(dir.path());
    let encoding =
        serde_json::json!({"EncoderAppPath": "/usr/bin/ffmpeg", "Future": {"kept": [1, 2]}});
    let (status, _, _) = call(
        s.addr,
        "POST",
        "/System/Configuration/encoding",
        &token,
        Some(&encoding),
    );
    assert_eq!(status, 204);
    assert_eq!(
        call_json(
            s.addr,
            "GET",
            "/System/Configuration/Encoding",
            &token,
            None
        ),
        encoding
    );
    assert_eq!(
        call(s.addr, "GET", "/System/Configuration/nfo", &token, None).0,
        404
    );
    assert_eq!(
        call(
            s.addr,
            "POST",
            "/System/Configuration/nfo",
            &token,
            Some(&serde_json::json!({}))
        )
        .0,
        404
    );
    let branding = serde_json::json!({"LoginDisclaimer": "Hi", "CustomCss": "body{}", "SplashscreenEnabled": true});
    let (status, _, _) = call(
        s.addr,
        "POST",
        "/System/Configuration/Branding",
        &token,
        Some(&branding),
    );
    assert_eq!(status, 204);
    assert_eq!(
        call_json(s.addr, "GET", "/Branding/Configuration", &token, None),
        branding
    );
    let (_, content_type, css) = call(s.addr, "GET", "/Branding/Css", &token, None);
    assert_eq!(
        (content_type.as_str(), css.as_str()),
        ("text/css", "body{}")
    );
    insta::assert_json_snapshot!(
        "metadata_options_default",
        call_json(
            s.addr,
            "GET",
            "/System/Configuration/MetadataOptions/Default",
            &token,
            None
        )
    );
    insta::assert_json_snapshot!(
        "available_options_tvshows",
        call_json(
            s.addr,
            "GET",
            "/Libraries/AvailableOptions?libraryContentType=tvshows",
            &token,
            None
        )
    );
    assert_eq!(
        call_json(s.addr, "GET", "/Backup", &token, None),
        serde_json::json!([])
    );
    assert_eq!(
        call_json(s.addr, "GET", "/web/ConfigurationPages", &token, None),
        serde_json::json!([])
    );
    assert_eq!(
        call(s.addr, "GET", "/web/ConfigurationPage?name=x", "", None).0,
        404
    );
    let forgot = call_json(
        s.addr,
        "POST",
        "/Users/ForgotPassword",
        "",
        Some(&serde_json::json!({"EnteredUsername": "admin"})),
    );
    assert_eq!(forgot, serde_json::json!({"Action": "ContactAdmin"}));
    let pin = call_json(
        s.addr,
        "POST",
        "/Users/ForgotPassword/Pin",
        "",
        Some(&serde_json::json!({"Pin": "1234"})),
    );
    assert_eq!(pin, serde_json::json!({"Success": false, "UsersReset": []}));
    let storage = call_json(s.addr, "GET", "/System/Info/Storage", &token, None);
    assert_eq!(
        storage["ProgramDataFolder"]["Path"],
        dir.path().to_str().unwrap()
    );
    assert!(storage["ProgramDataFolder"]["FreeSpace"].as_i64().unwrap() >= 0);
    assert_eq!(
        storage["WebFolder"]["FreeSpace"], -1,
        "no web folder exists"
    );
    let mut shape = storage.clone();
    mask(
        &mut shape,
        &["Path", "FreeSpace", "UsedSpace", "StorageType", "DeviceId"],
    );
    insta::assert_json_snapshot!("system_storage", shape);
}

#[test]
fn directory_browser_libraries_and_devices() {
    let dir = tempfile::tempdir().unwrap();
    let token = admin_token(dir.path());
    let media = dir.path().join("media");
    std::fs::create_dir_all(media.join("b")).unwrap();
    std::fs::create_dir_all(media.join("a")).unwrap();
    std::fs::write(media.join("f.mkv"), b"x").unwrap();
    let s = start(dir.path());
    let root = media.to_str().unwrap();
    let enc = |p: &str| p.replace('/', "%2F");
    let dirs = call_json(
        s.addr,
        "GET",
        &format!(
            "/Environment/DirectoryContents?path={}&includeDirectories=true",
            enc(root)
        ),
        &token,
        None,
    );
    assert_eq!(
        dirs,
        serde_json::json!([
            {"Name": "a", "Path": format!("{root}/a"), "Type": "Directory"},
            {"Name": "b", "Path": format!("{root}/b"), "Type": "Directory"},
        ])
    );
    let all = call_json(
        s.addr,
        "GET",
        &format!(
            "/Environment/DirectoryContents?path={}&includeDirectories=true&includeFiles=true",
            enc(root)
        ),
        &token,
        None,
    );
    assert_eq!(all.as_array().unwrap().len(), 3);
    for (path, status) in [("relative", 400), ("%2Fno%2Fsuch%2Fdir", 404)] {
        let (got, _, _) = call(
            s.addr,
            "GET",
            &format!("/Environment/DirectoryContents?path={path}&includeDirectories=true"),
            &token,
            None,
        );
        assert_eq!(got, status, "{path}");
    }
    assert_eq!(
        call_json(
            s.addr,
            "GET",
            &format!("/Environment/ParentPath?path={}", enc(&format!("{root}/a"))),
            &token,
            None
        ),
        serde_json::json!(root)
    );
    assert!(
        call_json(s.addr, "GET", "/Environment/Drives", &token, None)
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["Path"] == "/" && d["Type"] == "Directory")
    );
    assert_eq!(
        call_json(s.addr, "GET", "/Environment/NetworkShares", &token, None),
        serde_json::json!([])
    );
    for (body, status) in [
        (serde_json::json!({"Path": root}), 204),
        (
            serde_json::json!({"Path": root, "ValidateWritable": true}),
            204,
        ),
        (
            serde_json::json!({"Path": format!("{root}/f.mkv"), "IsFile": true}),
            204,
        ),
        (serde_json::json!({"Path": root, "IsFile": true}), 404),
        (serde_json::json!({"Path": format!("{root}/missing")}), 404),
    ] {
        assert_eq!(
            call(
                s.addr,
                "POST",
                "/Environment/ValidatePath",
                &token,
                Some(&body)
            )
            .0,
            status,
            "{body}"
        );
    }

    // Libraries: add, rename (409 for a taken name, 404 for an unknown one), options, paths.
    let add = format!(
        "/Library/VirtualFolders?name=Films&collectionType=movies&paths={}",
        enc(root)
    );
    assert_eq!(call(s.addr, "POST", &add, &token, None).0, 204);
    let add2 = format!(
        "/Library/VirtualFolders?name=Shows&collectionType=tvshows&paths={}",
        enc(&format!("{root}/a"))
    );
    assert_eq!(call(s.addr, "POST", &add2, &token, None).0, 204);
    assert_eq!(
        call(
            s.addr,
            "POST",
            "/Library/VirtualFolders/Name?name=Films&newName=shows",
            &token,
            None
        )
        .0,
        409
    );
    assert_eq!(
        call(
            s.addr,
            "POST",
            "/Library/VirtualFolders/Name?name=Nope&newName=X",
            &token,
            None
        )
        .0,
        404
    );
    assert_eq!(
        call(
            s.addr,
            "POST",
            "/Library/VirtualFolders/Name?name=Films&newName=Movies",
            &token,
            None
        )
        .0,
        204
    );
    let folders = call_json(s.addr, "GET", "/Library/VirtualFolders", &token, None);
    let movies = folders
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["Name"] == "Movies")
        .expect("renamed")
        .clone();
    let options = serde_json::json!({
        "Enabled": true, "EnableRealtimeMonitor": false, "SaveLocalMetadata": true,
        "PathInfos": [{"Path": "/somewhere/else"}], "Future": {"x": 1},
    });
    let (status, _, _) = call(
        s.addr,
        "POST",
        "/Library/VirtualFolders/LibraryOptions",
        &token,
        Some(&serde_json::json!({"Id": movies["ItemId"], "LibraryOptions": options})),
    );
    assert_eq!(status, 204);
    let update = serde_json::json!({"Name": "Movies", "PathInfo": {"Path": root, "NetworkPath": "smb://nas/films"}});
    assert_eq!(
        call(
            s.addr,
            "POST",
            "/Library/VirtualFolders/Paths/Update",
            &token,
            Some(&update)
        )
        .0,
        204
    );
    let bad_path = serde_json::json!({"Name": "Movies", "PathInfo": {"Path": "/elsewhere"}});
    assert_eq!(
        call(
            s.addr,
            "POST",
            "/Library/VirtualFolders/Paths/Update",
            &token,
            Some(&bad_path)
        )
        .0,
        400
    );
    let folders = call_json(s.addr, "GET", "/Library/VirtualFolders", &token, None);
    let movies = folders
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["Name"] == "Movies")
        .unwrap();
    let o = &movies["LibraryOptions"];
    assert_eq!(o["EnableRealtimeMonitor"], false);
    assert_eq!(o["Future"], serde_json::json!({"x": 1}));
    // PathInfos are the real folders, whatever was posted.
    assert_eq!(
        o["PathInfos"],
        serde_json::json!([{"Path": root, "NetworkPath": "smb://nas/films"}])
    );
    let unknown =
        serde_json::json!({"Id": "0123456789abcdef0123456789abcdef", "LibraryOptions": {}});
    assert_eq!(
        call(
            s.addr,
            "POST",
            "/Library/VirtualFolders/LibraryOptions",
            &token,
            Some(&unknown)
        )
        .0,
        404
    );
    // An item's refresh rescans its library.
    let item = movies["ItemId"].as_str().unwrap();
    assert_eq!(
        call(
            s.addr,
            "POST",
            &format!("/Items/{item}/Refresh?Recursive=true"),
            &token,
            None
        )
        .0,
        204
    );
    assert_eq!(
        call(
            s.addr,
            "POST",
            "/Items/0123456789abcdef0123456789abcdef/Refresh",
            &token,
            None
        )
        .0,
        404
    );

    // Devices: info, and a custom name shown in /Devices.
    let info = call_json(s.addr, "GET", "/Devices/Info?id=ops", &token, None);
    assert_eq!(
        (info["Name"].as_str(), info["AppName"].as_str()),
        (Some("Ops Box"), Some("ops-test"))
    );
    assert_eq!(
        call(s.addr, "GET", "/Devices/Info?id=nope", &token, None).0,
        404
    );
    let (status, _, _) = call(
        s.addr,
        "POST",
        "/Devices/Options?id=ops",
        &token,
        Some(&serde_json::json!({"CustomName": "Rack"})),
    );
    assert_eq!(status, 204);
    let opts = call_json(s.addr, "GET", "/Devices/Options?id=ops", &token, None);
    assert_eq!(opts["CustomName"], "Rack");
    let devices = call_json(s.addr, "GET", "/Devices", &token, None);
    assert_eq!(devices["Items"][0]["CustomName"], "Rack");
}

#[test]
fn shutdown_stops_the_server_gracefully() {
    let dir = tempfile::tempdir().unwrap();
    let token = admin_token(dir.path());
    let mut s = start(dir.path());
    let (status, _, _) = call(s.addr, "POST", "/System/Shutdown", &token, None);
    assert_eq!(status, 204);
    let thread = s.thread.take().unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !thread.is_finished() {
        assert!(Instant::now() < deadline, "the server did not stop");
        std::thread::sleep(Duration::from_millis(20));
    }
    thread.join().unwrap();
    assert!(TcpStream::connect(s.addr).is_err(), "still accepting");
}

/// After a scan that adds items, sockets get `LibraryChanged` naming them.
#[test]
fn library_changed_reaches_sockets_after_a_scan() {
    use futures_util::StreamExt;
    use tokio_tungstenite::tungstenite::Message;
    let dir = tempfile::tempdir().unwrap();
    let token = admin_token(dir.path());
    let media = dir.path().join("media");
    std::fs::create_dir_all(media.join("Alpha (2001)")).unwrap();
    std::fs::write(media.join("Alpha (2001)/Alpha (2001).mkv"), b"x").unwrap();
    let s = start(dir.path());
    let add = format!(
        "/Library/VirtualFolders?name=Movies&collectionType=movies&paths={}",
        media.to_str().unwrap().replace('/', "%2F")
    );
    assert_eq!(call(s.addr, "POST", &add, &token, None).0, 204);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let url = format!("ws://{}/socket?api_key={token}&deviceId=ops", s.addr);
    let message = rt.block_on(async {
        let (mut ws, _) = tokio_tungstenite::connect_async(url).await.unwrap();
        assert_eq!(
            call(s.addr, "POST", "/Library/Refresh", &token, None).0,
            204
        );
        loop {
            let frame = tokio::time::timeout(Duration::from_secs(60), ws.next())
                .await
                .expect("no LibraryChanged within a minute")
                .expect("socket closed")
                .unwrap();
            if let Message::Text(t) = frame {
                let v: serde_json::Value = serde_json::from_str(t.as_str()).unwrap();
                if v["MessageType"] == "LibraryChanged" {
                    break v;
                }
            }
        }
    });
    let movie = call_json(
        s.addr,
        "GET",
        "/Items?Recursive=true&IncludeItemTypes=Movie",
        &token,
        None,
    )["Items"][0]["Id"]
        .as_str()
        .unwrap()
        .to_owned();
    let data = &message["Data"];
    let added: Vec<&str> = data["ItemsAdded"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i.as_str().unwrap())
        .collect();
    assert!(added.contains(&movie.as_str()), "{message}");
    let library =
        call_json(s.addr, "GET", "/Library/VirtualFolders", &token, None)[0]["ItemId"].clone();
    assert_eq!(data["CollectionFolders"], serde_json::json!([library]));
    let mut shape = message.clone();
    shape["Data"]["ItemsAdded"] = serde_json::json!(["<ids>"]);
    mask(
        &mut shape,
        &["MessageId", "FoldersAddedTo", "CollectionFolders"],
    );
    insta::assert_json_snapshot!("library_changed", shape);
}

#[test]
fn hls_routes_refuse_malformed_requests() {
    let tmp = tempfile::tempdir().unwrap();
    let token = admin_token(tmp.path());
    let running = start(tmp.path());
    let missing = "0123456789abcdef0123456789abcdef";
    for path in [
        format!("/Videos/{missing}/master.m3u8?PlaySessionId=p"),
        format!("/Videos/{missing}/main.m3u8"),
        format!("/Videos/{missing}/hls1/main/0.ts"),
        "/Videos/not-an-id/hls1/main/0.ts".to_owned(),
        format!("/Audio/{missing}/master.m3u8"),
        format!("/Videos/{missing}/{missing}/Subtitles/2/subtitles.m3u8?SegmentLength=30"),
        format!("/Videos/{missing}/stream.mkv?VideoCodec=h264&AudioCodec=aac"),
        format!("/Audio/{missing}/stream.mp3?AudioCodec=mp3"),
        format!("/Audio/{missing}/universal?Container=mp3"),
    ] {
        let (status, _, body) = call(running.addr, "GET", &path, &token, None);
        assert_eq!(status, 404, "{path}: {body}");
    }
    let (status, _, _) = call(
        running.addr,
        "DELETE",
        "/Videos/ActiveEncodings",
        &token,
        None,
    );
    assert_eq!(status, 400);
    let (status, _, body) = call(
        running.addr,
        "DELETE",
        "/Videos/ActiveEncodings?deviceId=d&playSessionId=p",
        &token,
        None,
    );
    assert_eq!(status, 204, "{body}");
}

/// `GET /System/Info/Transcoding` (administrators only): the transcoder's detected hardware.
/// This machine has no GPU, so every method that is not usable says why, and the configured
/// method's state is reported.
#[test]
fn transcoding_capabilities_for_administrators() {
    use jellyfin_core::auth::DeviceInfo;
    let tmp = tempfile::tempdir().unwrap();
    let token = admin_token(tmp.path());
    let viewer = {
        let server = Server::open(ServerConfig::new(tmp.path())).unwrap();
        let auth = server.library().auth();
        auth.create_user("viewer", "pw").unwrap();
        auth.authenticate_by_name("viewer", "pw", &DeviceInfo::new("d", "dev", "caps", "1"))
            .unwrap()
            .token
    };
    let s = start(tmp.path());
    let (status, _, _) = http(s.addr, "GET", "/System/Info/Transcoding");
    assert_eq!(status, 401);
    let (status, _, _) = call(s.addr, "GET", "/system/info/transcoding", &viewer, None);
    assert_eq!(status, 403);
    let (status, _, _) = call(
        s.addr,
        "POST",
        "/System/Configuration/encoding",
        &token,
        Some(&serde_json::json!({"HardwareAccelerationType": "vaapi"})),
    );
    assert_eq!(status, 204);
    let mut v = call_json(s.addr, "GET", "/System/Info/Transcoding", &token, None);
    assert_eq!(v["HardwareAccelerationType"], "vaapi");
    let methods = v["Methods"].as_array().unwrap();
    let names: Vec<&str> = methods
        .iter()
        .map(|m| m["Name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "amf",
            "qsv",
            "nvenc",
            "v4l2m2m",
            "vaapi",
            "videotoolbox",
            "rkmpp"
        ]
    );
    for m in methods {
        if m["Usable"] == false {
            assert!(m["Reason"].as_str().is_some_and(|r| !r.is_empty()), "{m}");
        }
    }
    if v["Error"].is_null() && !std::path::Path::new("/dev/dri").exists() {
        assert_eq!(v["HardwareAccelerationUsable"], false);
        let reason = v["HardwareAccelerationReason"].as_str().unwrap();
        assert!(reason.contains("no render node"), "{reason}");
        assert_eq!(v["SoftwareToneMapping"], true);
    }
    mask(
        &mut v,
        &[
            "FfmpegPath",
            "FfmpegVersion",
            "Hwaccels",
            "RenderNodes",
            "Usable",
            "Device",
            "Hwaccel",
            "Decode",
            "Encoders",
            "Reason",
            "HardwareAccelerationUsable",
            "HardwareAccelerationReason",
            "SoftwareToneMapping",
            "SubtitleBurnIn",
        ],
    );
    insta::assert_json_snapshot!("transcoding_capabilities", v);
}
