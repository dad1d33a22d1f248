//! The hyper service: request routing (case-insensitive, legacy prefixes stripped), responses in
//! Jellyfin's wire format, and the accept loop with graceful shutdown.

use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{HeaderValue, CONTENT_TYPE, HOST};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use jellyfin_core::identity::ServerIdentity;
use jellyfin_core::images::cache::ImageCache;
use jellyfin_core::MediaLibrary;
use tokio::net::TcpListener;

use crate::config::ServerConfig;
use crate::dto::{ProblemDetails, PublicSystemInfo};
use crate::error::Error;
use crate::request::{auth_from, AuthHeader, Query};
use crate::{JELLYFIN_VERSION, PRODUCT_NAME};

/// The response body type: whole buffers or streamed files.
pub type Body = BoxBody<Bytes, std::io::Error>;

/// A running server's shared state.
pub struct Server {
    config: ServerConfig,
    identity: ServerIdentity,
    library: Arc<MediaLibrary>,
    images: Arc<ImageCache>,
    sessions: Arc<jellyfin_core::sessions::SessionManager>,
    metrics: Arc<crate::metrics::Metrics>,
    fragments: crate::dto::fragments::Fragments,
    tasks: Arc<jellyfin_core::tasks::TaskManager>,
    shutdown: Arc<tokio::sync::Notify>,
}

impl Server {
    /// Opens the server state in `config.data_dir` (creating the server id on first start) and
    /// the media library database beside it.
    pub fn open(config: ServerConfig) -> Result<Self, Error> {
        let library = Arc::new(MediaLibrary::open(config.library_config())?);
        Self::with_library(config, library)
    }

    /// Opens the server state around a library handle the caller already holds (an embedder
    /// sharing one [`MediaLibrary`] between its own code and the HTTP API). The handle should
    /// be open on `config.data_dir`, where the server keeps its id and caches.
    pub fn with_library(config: ServerConfig, library: Arc<MediaLibrary>) -> Result<Self, Error> {
        let identity = ServerIdentity::load_or_create(&config.data_dir)?;
        let tasks = Arc::new(jellyfin_core::tasks::TaskManager::new(
            library.clone(),
            jellyfin_core::tasks::TaskEnv {
                data_dir: config.data_dir.clone(),
                log_dir: Some(config.log_dir.clone()),
            },
        ));
        let images = ImageCache::new(
            config.data_dir.join("cache").join("images"),
            IMAGE_CACHE_BYTES,
        )
        .map_err(|e| Error::Core(jellyfin_core::Error::Image(e)))?;
        Ok(Self {
            config,
            identity,
            library,
            images: Arc::new(images),
            sessions: Arc::new(jellyfin_core::sessions::SessionManager::default()),
            metrics: Arc::new(crate::metrics::Metrics::default()),
            fragments: crate::dto::fragments::Fragments::new(ITEM_FRAGMENT_BYTES),
            tasks,
            shutdown: Arc::new(tokio::sync::Notify::new()),
        }
        .wired())
    }

    /// Connects the core's observers to this server: session events and failed tasks into the
    /// activity log, scans into the metrics and `LibraryChanged` messages.
    fn wired(self) -> Self {
        self.sessions
            .observe(jellyfin_core::activity::SessionLogger::new(self.library.clone()).observer());
        self.library.on_scan(crate::ws::scan_listener(
            self.sessions.clone(),
            self.metrics.clone(),
        ));
        self
    }

    /// The scheduled tasks (library scan, cleanups) and their state.
    pub fn tasks(&self) -> &Arc<jellyfin_core::tasks::TaskManager> {
        &self.tasks
    }

    /// Asks [`serve`] to stop (what `/System/Shutdown` and `/System/Restart` do): it stops
    /// accepting, cancels running tasks and waits for open connections.
    pub fn request_shutdown(&self) {
        self.shutdown.notify_one();
    }

    /// Serialized item DTOs without user data, reused across requests.
    pub fn fragments(&self) -> &crate::dto::fragments::Fragments {
        &self.fragments
    }

    /// Request, session, scan and cache metrics.
    pub fn metrics(&self) -> &Arc<crate::metrics::Metrics> {
        &self.metrics
    }

    /// Live sessions and the message bus to their WebSockets.
    pub fn sessions(&self) -> &Arc<jellyfin_core::sessions::SessionManager> {
        &self.sessions
    }

    /// The resized-image disk cache.
    pub fn images(&self) -> &Arc<ImageCache> {
        &self.images
    }

    /// The media library behind this server.
    pub fn library(&self) -> &Arc<MediaLibrary> {
        &self.library
    }

    /// The server id as clients see it (32 lower-case hex digits).
    pub fn id(&self) -> String {
        self.identity.id_n()
    }

    /// The configuration this server runs with.
    pub fn config(&self) -> &ServerConfig {
        &self.config
    }

    /// Handles one request. Never fails: every error becomes a response.
    pub async fn handle(&self, req: Request<Incoming>) -> Response<Body> {
        let started = std::time::Instant::now();
        let (parts, body) = req.into_parts();
        let body = match Limited::new(body, MAX_BODY_BYTES).collect().await {
            Ok(b) => b.to_bytes(),
            Err(_) => return error_response(&Error::PayloadTooLarge),
        };
        let query = Query::parse(parts.uri.query());
        let auth = auth_from(&parts.headers, &query);
        let ctx = Ctx {
            method: parts.method.clone(),
            segments: path_segments(parts.uri.path()),
            query,
            headers: parts.headers,
            body,
            auth,
            validated: std::sync::OnceLock::new(),
        };
        let response = match crate::routes::dispatch(self, &ctx).await {
            Ok(r) => r,
            Err(e) => error_response(&e),
        };
        let response = gzip_if_accepted(&ctx.headers, response).await;
        self.metrics.observe(
            ctx.method.as_str(),
            crate::metrics::route_label(&ctx.segments),
            response.status().as_u16(),
            started.elapsed(),
        );
        tracing::debug!(method = %ctx.method, path = %parts.uri.path(), status = response.status().as_u16());
        response
    }

    /// `PublicSystemInfo` for a request (its `LocalAddress` from the `Host` header).
    pub fn public_info(&self, ctx: &Ctx) -> PublicSystemInfo {
        let host = ctx
            .headers
            .get(HOST)
            .and_then(|h| h.to_str().ok())
            .map(str::to_owned)
            .unwrap_or_else(|| self.config.bind.to_string());
        PublicSystemInfo {
            local_address: format!("http://{host}{}", crate::embed::base_prefix(&self.config)),
            server_name: self.config.server_name.clone(),
            version: JELLYFIN_VERSION.to_owned(),
            product_name: PRODUCT_NAME.to_owned(),
            operating_system: String::new(),
            id: self.id(),
            startup_wizard_completed: self.library.auth().has_users().unwrap_or(false),
        }
    }
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("config", &self.config)
            .field("library", &self.library)
            .finish_non_exhaustive()
    }
}

/// Bound of the resized-image cache on disk.
pub const IMAGE_CACHE_BYTES: u64 = 512 * 1024 * 1024;

/// Memory for serialized item DTOs kept between requests (about 32,000 items).
pub const ITEM_FRAGMENT_BYTES: u64 = 32 * 1024 * 1024;

/// Largest request body accepted (a DeviceProfile is the largest thing clients send).
pub const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;

/// One parsed request.
#[derive(Debug)]
pub struct Ctx {
    /// The method.
    pub method: Method,
    /// Path segments after the legacy prefixes, in their original case (ids and names keep
    /// their case; routes compare lower-cased copies).
    pub segments: Vec<String>,
    /// Query parameters.
    pub query: Query,
    /// Request headers.
    pub headers: hyper::HeaderMap,
    /// The request body (bounded by [`MAX_BODY_BYTES`]).
    pub body: Bytes,
    /// Credentials, wherever the client put them.
    pub auth: AuthHeader,
    /// The caller's identity once validated (validated at most once per request).
    pub validated: std::sync::OnceLock<jellyfin_core::auth::AuthContext>,
}

/// Splits a request path into decoded segments, dropping the legacy `/emby` and
/// `/mediabrowser` prefixes (any case) and empty segments (trailing slashes).
pub fn path_segments(path: &str) -> Vec<String> {
    let mut segs: Vec<String> = path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(crate::request::percent_decode_path)
        .collect();
    if segs
        .first()
        .is_some_and(|s| s.eq_ignore_ascii_case("emby") || s.eq_ignore_ascii_case("mediabrowser"))
    {
        segs.remove(0);
    }
    segs
}

/// Smallest JSON body worth compressing.
const GZIP_MIN_BYTES: usize = 1024;

/// Compresses a JSON response with gzip when the client accepts it (SURFACE.md §1.6; the
/// python client sends `Accept-Encoding: gzip`). Streams and images are left as they are.
async fn gzip_if_accepted(headers: &hyper::HeaderMap, response: Response<Body>) -> Response<Body> {
    use std::io::Write;
    let accepts = headers
        .get_all(hyper::header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|e| {
            let mut parts = e.split(';');
            let name = parts.next().unwrap_or("").trim();
            let refused = parts.any(|p| p.trim().replace(' ', "") == "q=0");
            name.eq_ignore_ascii_case("gzip") && !refused
        });
    let is_json = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !accepts
        || !is_json
        || response
            .headers()
            .contains_key(hyper::header::CONTENT_ENCODING)
    {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(collected) = body.collect().await else {
        return Response::from_parts(parts, full(Bytes::new()));
    };
    let bytes = collected.to_bytes();
    if bytes.len() < GZIP_MIN_BYTES {
        return Response::from_parts(parts, full(bytes));
    }
    let mut encoder = flate2::write::GzEncoder::new(
        Vec::with_capacity(bytes.len() / 4),
        flate2::Compression::fast(),
    );
    let compressed = match encoder.write_all(&bytes).and_then(|_| encoder.finish()) {
        Ok(c) => c,
        Err(_) => return Response::from_parts(parts, full(bytes)),
    };
    parts.headers.insert(
        hyper::header::CONTENT_ENCODING,
        HeaderValue::from_static("gzip"),
    );
    parts.headers.remove(hyper::header::CONTENT_LENGTH);
    parts.headers.insert(
        hyper::header::VARY,
        HeaderValue::from_static("Accept-Encoding"),
    );
    Response::from_parts(parts, full(Bytes::from(compressed)))
}

/// A JSON response (`application/json; charset=utf-8`).
pub fn json<T: serde::Serialize>(value: &T) -> Result<Response<Body>, Error> {
    let body = serde_json::to_vec(value).map_err(|e| Error::BadRequest(e.to_string()))?;
    Ok(json_bytes(body))
}

/// A JSON response of already serialized bytes.
pub fn json_bytes(body: Vec<u8>) -> Response<Body> {
    let mut r = Response::new(full(Bytes::from(body)));
    r.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    r
}

/// An empty response with a status (204 for void POSTs).
pub fn empty(status: StatusCode) -> Response<Body> {
    let mut r = Response::new(full(Bytes::new()));
    *r.status_mut() = status;
    r
}

/// A body holding `bytes`.
pub fn full(bytes: Bytes) -> Body {
    Full::new(bytes).map_err(|never| match never {}).boxed()
}

/// The response for an error (the one table of statuses is `Error::status`).
pub fn error_response(e: &Error) -> Response<Body> {
    let status = e.status();
    if status == StatusCode::INTERNAL_SERVER_ERROR {
        tracing::error!(error = %e, "request failed");
        let mut r = Response::new(full(Bytes::from_static(b"Error processing request.")));
        *r.status_mut() = status;
        r.headers_mut()
            .insert(CONTENT_TYPE, HeaderValue::from_static("text/plain"));
        return r;
    }
    let problem = ProblemDetails {
        kind: "https://tools.ietf.org/html/rfc9110#section-15.5",
        title: status.canonical_reason().unwrap_or("Error"),
        status: status.as_u16(),
        trace_id: String::new(),
    };
    let mut r = json(&problem).unwrap_or_else(|_| Response::new(full(Bytes::new())));
    *r.status_mut() = status;
    r.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json; charset=utf-8"),
    );
    r
}

/// Serves HTTP/1 and HTTP/2 on `listener` until `shutdown` completes, then stops accepting and
/// waits for in-flight connections to finish.
pub async fn serve(
    server: Arc<Server>,
    listener: TcpListener,
    shutdown: impl Future<Output = ()>,
) -> Result<(), Error> {
    let graceful = GracefulShutdown::new();
    let stop_requested = server.shutdown.clone();
    // Scheduled tasks whose triggers fire start from here (checked every minute).
    let scheduler = {
        let tasks = server.tasks.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                for kind in tasks.run_due(std::time::SystemTime::now()) {
                    tracing::info!(task = kind.key(), "scheduled task triggered");
                }
            }
        })
    };
    let mut builder = auto::Builder::new(TokioExecutor::new());
    // Slow or stalled clients cannot hold a connection by dribbling headers.
    builder
        .http1()
        .timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(std::time::Duration::from_secs(30))
        .max_buf_size(64 * 1024);
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(a) => a,
                    Err(e) => {
                        tracing::warn!(error = %e, "accept failed");
                        continue;
                    }
                };
                let server = server.clone();
                let service = hyper::service::service_fn(move |req| {
                    let server = server.clone();
                    async move {
                        // Under a base path (an embedder's mount point), routes see the rest.
                        let Some(req) = crate::embed::strip_base_path(&server.config, req) else {
                            return Ok::<_, Infallible>(error_response(&Error::NotFound));
                        };
                        if crate::ws::is_websocket_upgrade(&req) {
                            let sessions = server.sessions().clone();
                            let config = crate::ws::WsConfig::default();
                            return Ok::<_, Infallible>(
                                crate::ws::handle_upgrade(server, sessions, config, req).await,
                            );
                        }
                        Ok::<_, Infallible>(server.handle(req).await)
                    }
                });
                let conn = builder.serve_connection_with_upgrades(TokioIo::new(stream), service);
                let conn = graceful.watch(conn.into_owned());
                tokio::spawn(async move {
                    if let Err(e) = conn.await {
                        tracing::debug!(%peer, error = %e, "connection ended with an error");
                    }
                });
            }
            () = &mut shutdown => break,
            () = stop_requested.notified() => {
                tracing::info!("shutdown requested by an administrator");
                break;
            }
        }
    }
    scheduler.abort();
    server.tasks.cancel_all();
    drop(listener);
    tracing::info!("shutting down: waiting for open connections");
    graceful.shutdown().await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_segments_drop_prefixes_and_slashes() {
        let cases: &[(&str, &[&str])] = &[
            ("/System/Info/Public", &["System", "Info", "Public"]),
            ("/system/info/public/", &["system", "info", "public"]),
            ("/emby/System/Ping", &["System", "Ping"]),
            ("/MediaBrowser/system/ping", &["system", "ping"]),
            ("/embyx/a", &["embyx", "a"]),
            ("/Genres/Sci%20Fi", &["Genres", "Sci Fi"]),
            ("/", &[]),
            ("", &[]),
        ];
        for (input, want) in cases {
            assert_eq!(path_segments(input), *want, "{input}");
        }
    }
}
