//! `EmbeddedServer`: the API on an embedder's runtime and listener, under a base path, sharing
//! the embedder's `MediaLibrary`; two embedded servers in one process stay independent.

use std::sync::Arc;

use jellyfin_core::store::LibraryKind;
use jellyfin_core::{LibraryConfig, MediaLibrary};
use jellyfin_server::EmbeddedServer;

use super::http;

fn json(body: &str) -> serde_json::Value {
    serde_json::from_str(body).unwrap()
}

#[test]
fn embedded_server_serves_under_its_base_path_on_the_callers_runtime() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let media = dir.path().join("media");
    std::fs::create_dir_all(&media).unwrap();
    let library = Arc::new(MediaLibrary::open(LibraryConfig::new(&data)).unwrap());
    library
        .add_library("Films", LibraryKind::Movies, std::slice::from_ref(&media))
        .unwrap();
    library.auth().ensure_admin("admin", "pw").unwrap();

    // The embedder's runtime.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let server = EmbeddedServer::builder(&data)
        .base_path("media/jf/")
        .server_name("embedded")
        .library(library.clone())
        .build()
        .unwrap();
    assert!(Arc::ptr_eq(server.library(), &library));
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let running = server.spawn_on(runtime.handle(), listener).unwrap();
    let addr = running.local_addr();
    assert_eq!(running.url(), format!("http://{addr}/media/jf"));

    let (status, _, body) = http(addr, "GET", "/media/jf/System/Info/Public");
    assert_eq!(status, 200, "{body}");
    let info = json(&body);
    assert_eq!(info["ServerName"], "embedded");
    assert_eq!(info["LocalAddress"], format!("http://{addr}/media/jf"));
    // The wizard is done: the embedder's handle created the admin.
    assert_eq!(info["StartupWizardCompleted"], true);

    let cases: &[(&str, u16)] = &[
        ("/MEDIA/JF/system/ping", 200),
        ("/media/jf/emby/System/Ping", 200),
        ("/media/jf/", 404),
        ("/media/jfx/System/Ping", 404),
        ("/System/Ping", 404),
        ("/media/System/Ping", 404),
    ];
    for (path, want) in cases {
        assert_eq!(http(addr, "GET", path).0, *want, "{path}");
    }

    // The API sees the embedder's library (same handle): a login and the library list.
    let login = {
        let mut s = std::net::TcpStream::connect(addr).unwrap();
        use std::io::{Read, Write};
        let body = r#"{"Username":"admin","Pw":"pw"}"#;
        write!(
            s,
            "POST /media/jf/Users/AuthenticateByName HTTP/1.1\r\nHost: {addr}\r\n\
             Content-Type: application/json\r\nConnection: close\r\n\
             Authorization: MediaBrowser Client=\"t\", Device=\"t\", DeviceId=\"t\", Version=\"1\"\r\n\
             Content-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut raw = String::new();
        s.read_to_string(&mut raw).unwrap();
        let (head, body) = raw.split_once("\r\n\r\n").unwrap();
        assert!(head.starts_with("HTTP/1.1 200"), "{head}");
        json(body)["AccessToken"].as_str().unwrap().to_owned()
    };
    let (status, body) = super::request(
        addr,
        "GET",
        "/media/jf/Library/VirtualFolders",
        Some(&login),
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(json(&body)[0]["Name"], "Films");

    runtime.block_on(running.stop()).unwrap();
    assert!(std::net::TcpStream::connect(addr).is_err());
}

#[test]
fn two_embedded_servers_in_one_process_are_independent() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    runtime.block_on(async {
        let mut ids = Vec::new();
        let mut running = Vec::new();
        for dir in [&a, &b] {
            let server = EmbeddedServer::builder(dir.path()).build().unwrap();
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            running.push(server.spawn(listener).unwrap());
            ids.push(server.server().id());
        }
        assert_ne!(ids[0], ids[1]);
        for (r, id) in running.iter().zip(&ids) {
            let addr = r.local_addr();
            let (status, _, body) =
                tokio::task::spawn_blocking(move || http(addr, "GET", "/System/Info/Public"))
                    .await
                    .unwrap();
            assert_eq!(status, 200);
            assert_eq!(json(&body)["Id"], id.as_str());
        }
        for r in running {
            r.stop().await.unwrap();
        }
    });
}
