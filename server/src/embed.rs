//! Embedding: the Jellyfin API inside another tokio program, on that program's runtime and
//! listener, optionally under a base path (`/jellyfin/System/Info/Public`), with its own data
//! directory.
//!
//! ```no_run
//! # async fn run() -> Result<(), jellyfin_server::error::Error> {
//! use jellyfin_server::embed::EmbeddedServer;
//!
//! let server = EmbeddedServer::builder("/var/lib/my-app/jellyfin")
//!     .base_path("/jellyfin")
//!     .server_name("My App")
//!     .build()?;
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8096").await?;
//! let running = server.spawn(listener)?; // a task on the caller's runtime
//! println!("Jellyfin API at {}", running.url());
//! // ... the program does its own work; then:
//! running.stop().await?;
//! # Ok(()) }
//! ```
//!
//! [`EmbeddedServer::serve`] runs the same accept loop as the `jellyfin-server` binary
//! ([`crate::http::serve`]) until a future of the caller's completes; [`EmbeddedServer::spawn`]
//! and [`EmbeddedServer::spawn_on`] run it as a task and return a [`RunningServer`] handle. An
//! embedder that already keeps a [`MediaLibrary`] hands it over with
//! [`EmbeddedServerBuilder::library`], so the app and the API share one handle (one writer, one
//! search index).

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use hyper::body::Incoming;
use hyper::Request;
use jellyfin_core::MediaLibrary;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::config::{normalize_base_path, ServerConfig};
use crate::error::Error;
use crate::http::{serve, Server};

/// Builds an [`EmbeddedServer`]; start from [`EmbeddedServer::builder`].
#[derive(Debug)]
pub struct EmbeddedServerBuilder {
    config: ServerConfig,
    library: Option<Arc<MediaLibrary>>,
}

impl EmbeddedServerBuilder {
    /// Serves every route under `path` (`/jellyfin`: `/jellyfin/System/Info/Public`); requests
    /// outside it get 404. Leading and trailing slashes do not matter; `""` or `/` is the root.
    pub fn base_path(mut self, path: &str) -> Self {
        self.config.base_path = normalize_base_path(path);
        self
    }

    /// The server name clients show (default: the host name).
    pub fn server_name(mut self, name: impl Into<String>) -> Self {
        self.config.server_name = name.into();
        self
    }

    /// Where `/System/Logs` looks for log files (default `<data_dir>/log`). The embedder owns
    /// logging: this crate only emits `tracing` events.
    pub fn log_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.config.log_dir = dir.into();
        self
    }

    /// Serves this library handle instead of opening one in the data directory (it should be
    /// open on the same data directory).
    pub fn library(mut self, library: Arc<MediaLibrary>) -> Self {
        self.library = Some(library);
        self
    }

    /// The configuration built so far (for settings the builder has no method for).
    pub fn config_mut(&mut self) -> &mut ServerConfig {
        &mut self.config
    }

    /// Opens the server state (server id, library database, caches) in the data directory.
    pub fn build(self) -> Result<EmbeddedServer, Error> {
        let library = match self.library {
            Some(library) => library,
            None => Arc::new(MediaLibrary::open(self.config.library_config())?),
        };
        Ok(EmbeddedServer {
            server: Arc::new(Server::with_library(self.config, library)?),
        })
    }
}

/// The Jellyfin API, ready to be served on a listener of the embedder's.
#[derive(Debug, Clone)]
pub struct EmbeddedServer {
    server: Arc<Server>,
}

impl EmbeddedServer {
    /// A builder with defaults for everything but the data directory, where the server keeps
    /// its state (server id, `library.db`, search index, caches).
    pub fn builder(data_dir: impl Into<PathBuf>) -> EmbeddedServerBuilder {
        EmbeddedServerBuilder {
            config: ServerConfig::new(data_dir),
            library: None,
        }
    }

    /// The server state (configuration, tasks, sessions, metrics).
    pub fn server(&self) -> &Arc<Server> {
        &self.server
    }

    /// The media library the API serves: add libraries, scan, create users through it.
    pub fn library(&self) -> &Arc<MediaLibrary> {
        self.server.library()
    }

    /// Serves on `listener` until `shutdown` completes (or an administrator asks the server
    /// to stop), then waits for open connections. Runs on the caller's runtime.
    pub async fn serve(
        &self,
        listener: TcpListener,
        shutdown: impl Future<Output = ()>,
    ) -> Result<(), Error> {
        serve(self.server.clone(), listener, shutdown).await
    }

    /// Serves on `listener` in a task of the current tokio runtime (call it from inside the
    /// runtime); stop it through the returned handle.
    pub fn spawn(&self, listener: TcpListener) -> Result<RunningServer, Error> {
        self.spawn_with(&tokio::runtime::Handle::current(), listener)
    }

    /// Serves on a standard listener in a task of `runtime` (for callers outside any async
    /// context, such as foreign-language bindings owning a runtime).
    pub fn spawn_on(
        &self,
        runtime: &tokio::runtime::Handle,
        listener: std::net::TcpListener,
    ) -> Result<RunningServer, Error> {
        listener.set_nonblocking(true)?;
        let listener = {
            let _entered = runtime.enter();
            TcpListener::from_std(listener)?
        };
        self.spawn_with(runtime, listener)
    }

    fn spawn_with(
        &self,
        runtime: &tokio::runtime::Handle,
        listener: TcpListener,
    ) -> Result<RunningServer, Error> {
        let local_addr = listener.local_addr()?;
        let (stop, stopped) = oneshot::channel::<()>();
        let server = self.server.clone();
        let task = runtime.spawn(serve(server, listener, async move {
            // A dropped handle stops the server too.
            let _ = stopped.await;
        }));
        Ok(RunningServer {
            local_addr,
            url: format!("http://{local_addr}{}", base_prefix(self.server.config())),
            stop: Some(stop),
            task,
        })
    }
}

/// A server running in a task; [`RunningServer::stop`] stops it (dropping the handle does too,
/// without waiting).
#[derive(Debug)]
pub struct RunningServer {
    local_addr: SocketAddr,
    url: String,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<Result<(), Error>>,
}

impl RunningServer {
    /// The address the server listens on (with the real port when bound to port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The API's root URL: `http://ADDR` plus the base path (`http://127.0.0.1:8096/jellyfin`).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Whether the server task has ended (stopped, or stopped by an administrator).
    pub fn is_finished(&self) -> bool {
        self.task.is_finished()
    }

    /// Stops accepting, waits for open connections to finish and returns how serving ended.
    pub async fn stop(mut self) -> Result<(), Error> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match (&mut self.task).await {
            Ok(result) => result,
            Err(e) => Err(Error::Io(std::io::Error::other(e))),
        }
    }
}

/// The base path of `config` as a URL prefix: `/jellyfin`, or `""` at the root.
pub(crate) fn base_prefix(config: &ServerConfig) -> &str {
    config
        .base_path
        .as_deref()
        .map(|p| p.trim_end_matches('/'))
        .unwrap_or("")
}

/// The request with the configured base path removed from its path (ASCII case ignored, as
/// Jellyfin compares its `BaseUrl`), or `None` when the path is outside it. Without a base path
/// the request is returned as it is.
pub(crate) fn strip_base_path(
    config: &ServerConfig,
    mut req: Request<Incoming>,
) -> Option<Request<Incoming>> {
    let prefix = base_prefix(config);
    if prefix.is_empty() {
        return Some(req);
    }
    let rest = strip_prefix_path(req.uri().path(), prefix)?;
    let path_and_query = match req.uri().query() {
        Some(q) => format!("{rest}?{q}"),
        None => rest.to_owned(),
    };
    let mut parts = req.uri().clone().into_parts();
    parts.path_and_query = Some(path_and_query.parse().ok()?);
    *req.uri_mut() = hyper::Uri::from_parts(parts).ok()?;
    Some(req)
}

/// `path` without `prefix` (`/jellyfin/System` → `/System`, `/jellyfin` → `/`); `None` when
/// `path` is not `prefix` itself or below it.
fn strip_prefix_path<'a>(path: &'a str, prefix: &str) -> Option<&'a str> {
    let head = path.get(..prefix.len())?;
    if !head.eq_ignore_ascii_case(prefix) {
        return None;
    }
    match &path[prefix.len()..] {
        "" => Some("/"),
        rest if rest.starts_with('/') => Some(rest),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_paths_are_stripped_only_at_segment_boundaries() {
        let cases: &[(&str, &str, Option<&str>)] = &[
            (
                "/jellyfin/System/Info/Public",
                "/jellyfin",
                Some("/System/Info/Public"),
            ),
            ("/JellyFin/System/Ping", "/jellyfin", Some("/System/Ping")),
            ("/jellyfin", "/jellyfin", Some("/")),
            ("/jellyfin/", "/jellyfin", Some("/")),
            ("/jellyfinx/System/Ping", "/jellyfin", None),
            ("/System/Ping", "/jellyfin", None),
            ("/", "/jellyfin", None),
            ("/a/b/Items", "/a/b", Some("/Items")),
            ("/é", "/jellyfin", None),
        ];
        for (path, prefix, want) in cases {
            assert_eq!(
                strip_prefix_path(path, prefix),
                *want,
                "{path} under {prefix}"
            );
        }
    }

    #[test]
    fn base_paths_are_normalized() {
        let cases: &[(&str, Option<&str>)] = &[
            ("/jellyfin", Some("/jellyfin")),
            ("jellyfin/", Some("/jellyfin")),
            ("//a/b//", Some("/a/b")),
            ("/", None),
            ("", None),
            ("  ", None),
        ];
        for (input, want) in cases {
            assert_eq!(normalize_base_path(input).as_deref(), *want, "{input:?}");
        }
    }
}
