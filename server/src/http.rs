//! The hyper service: request routing (case-insensitive, legacy prefixes stripped), responses in
//! Jellyfin's wire format, and the accept loop with graceful shutdown.

use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::{HeaderValue, CONTENT_TYPE, HOST};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use jellyfin_core::identity::ServerIdentity;
use jellyfin_core::{LibraryConfig, MediaLibrary};
use tokio::net::TcpListener;

use crate::config::ServerConfig;
use crate::dto::{ProblemDetails, PublicSystemInfo};
use crate::error::Error;
use crate::{JELLYFIN_VERSION, PRODUCT_NAME};

/// The response body type.
pub type Body = Full<Bytes>;

/// A running server's shared state.
#[derive(Debug)]
pub struct Server {
    config: ServerConfig,
    identity: ServerIdentity,
    library: Arc<MediaLibrary>,
}

impl Server {
    /// Opens the server state in `config.data_dir` (creating the server id on first start) and
    /// the media library database beside it.
    pub fn open(config: ServerConfig) -> Result<Self, Error> {
        let identity = ServerIdentity::load_or_create(&config.data_dir)?;
        let library = Arc::new(MediaLibrary::open(LibraryConfig::new(&config.data_dir))?);
        Ok(Self {
            config,
            identity,
            library,
        })
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
        let method = req.method().clone();
        let path = normalize_path(req.uri().path());
        let result = self.route(&method, &path, &req);
        let response = match result {
            Ok(r) => r,
            Err(e) => error_response(&e),
        };
        tracing::debug!(%method, path = %req.uri().path(), status = response.status().as_u16());
        response
    }

    fn route<B>(
        &self,
        method: &Method,
        path: &str,
        req: &Request<B>,
    ) -> Result<Response<Body>, Error> {
        let get = method == Method::GET || method == Method::HEAD;
        match path {
            "/system/ping" => {
                if get || method == Method::POST {
                    json(&PRODUCT_NAME)
                } else {
                    Err(Error::MethodNotAllowed)
                }
            }
            "/system/info/public" => {
                if !get {
                    return Err(Error::MethodNotAllowed);
                }
                json(&self.public_info(req))
            }
            _ => Err(Error::NotFound),
        }
    }

    fn public_info<B>(&self, req: &Request<B>) -> PublicSystemInfo {
        let host = req
            .headers()
            .get(HOST)
            .and_then(|h| h.to_str().ok())
            .map(str::to_owned)
            .unwrap_or_else(|| self.config.bind.to_string());
        PublicSystemInfo {
            local_address: format!("http://{host}"),
            server_name: self.config.server_name.clone(),
            version: JELLYFIN_VERSION.to_owned(),
            product_name: PRODUCT_NAME.to_owned(),
            operating_system: String::new(),
            id: self.id(),
            startup_wizard_completed: false,
        }
    }
}

/// Lower-cases a request path, strips the legacy `/emby` and `/mediabrowser` prefixes and any
/// trailing slash, as Jellyfin routes case-insensitively (SURFACE.md §1.2).
pub fn normalize_path(path: &str) -> String {
    let mut p = path.to_ascii_lowercase();
    for prefix in ["/emby", "/mediabrowser"] {
        if p == prefix || p.starts_with(&format!("{prefix}/")) {
            p = p[prefix.len()..].to_owned();
            break;
        }
    }
    while p.len() > 1 && p.ends_with('/') {
        p.pop();
    }
    if p.is_empty() {
        p.push('/');
    }
    p
}

fn json<T: serde::Serialize>(value: &T) -> Result<Response<Body>, Error> {
    let body = serde_json::to_vec(value).map_err(|e| Error::BadRequest(e.to_string()))?;
    let mut r = Response::new(Full::new(Bytes::from(body)));
    r.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    Ok(r)
}

fn error_response(e: &Error) -> Response<Body> {
    let status = e.status();
    if status == StatusCode::INTERNAL_SERVER_ERROR {
        tracing::error!(error = %e, "request failed");
        let mut r = Response::new(Full::new(Bytes::from_static(b"Error processing request.")));
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
    let mut r = json(&problem).unwrap_or_else(|_| Response::new(Full::new(Bytes::new())));
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
    let builder = auto::Builder::new(TokioExecutor::new());
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
                    async move { Ok::<_, Infallible>(server.handle(req).await) }
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
        }
    }
    drop(listener);
    tracing::info!("shutting down: waiting for open connections");
    graceful.shutdown().await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_normalize() {
        let cases = [
            ("/System/Info/Public", "/system/info/public"),
            ("/system/info/public/", "/system/info/public"),
            ("/emby/System/Ping", "/system/ping"),
            ("/MediaBrowser/system/ping", "/system/ping"),
            ("/embyx/a", "/embyx/a"),
            ("/", "/"),
            ("", "/"),
        ];
        for (input, want) in cases {
            assert_eq!(normalize_path(input), want, "{input}");
        }
    }
}
