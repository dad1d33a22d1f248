//! File delivery: static media streams with HTTP ranges and conditional requests, cached image
//! bytes, and the bitrate test.
//!
//! - [`serve_file`] serves a file from disk as `/Videos/{id}/stream` and `/Audio/{id}/stream`
//!   need (direct play): streamed in [`STREAM_CHUNK`] pieces, never read into memory, with
//!   `Accept-Ranges: bytes`, single ranges (206), 416 for unsatisfiable ranges, a weak `ETag`
//!   from the size and modification time, `Last-Modified`, and 304 for `If-None-Match` or
//!   `If-Modified-Since`.
//! - [`serve_bytes`] serves bytes already in memory (a resized image) with the same rules, plus
//!   a `Cache-Control` chosen by the caller ([`TAGGED_IMAGE_CACHE_CONTROL`] when the request
//!   carried `?tag=`, as Jellyfin does).
//! - [`bitrate_test`] answers `GET /Playback/BitrateTest?Size=`.
//! - [`serve_reader`] streams what a blocking reader produces (a progressive transcode's
//!   pipe), chunked, read on a thread of its own; when the client goes away the body's drop
//!   hook runs (it stops the encoder) and the reader is dropped.
//!   [`set_content_type`] gives a bodiless answer (`HEAD`) the same `Content-Type`.
//! - [`content_type_for`] maps a file extension to the `Content-Type` Jellyfin sends.
//!
//! Rules worth knowing:
//!
//! - Only the first satisfiable range of a multi-range request is served (as a plain 206, no
//!   `multipart/byteranges`); clients that play media ask for one range at a time.
//! - A `Range` header that does not parse, or whose unit is not `bytes`, is ignored (200 with
//!   the whole file), as RFC 9110 asks.
//! - `HEAD` gets exactly the headers `GET` would (a `HEAD` with `Range` gets the 206 headers, as
//!   ASP.NET Core answers for Jellyfin) and no body.
//! - `If-None-Match` is compared weakly and takes precedence over `If-Modified-Since`.
//!   `If-Range` is honoured leniently: the range is served when the validator equals the ETag
//!   (ignoring the weak prefix, since our ETags are weak) or the `Last-Modified` date;
//!   otherwise the whole file is sent with 200.
//! - Methods other than `GET` and `HEAD` get 405 with `Allow: GET, HEAD`.

use std::io::{self, SeekFrom};
use std::path::Path;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::{Bytes, BytesMut};
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Empty, Full};
use hyper::body::{Body, Frame, SizeHint};
use hyper::header::{
    HeaderName, HeaderValue, ACCEPT_RANGES, ALLOW, CACHE_CONTROL, CONTENT_LENGTH, CONTENT_RANGE,
    CONTENT_TYPE, ETAG, IF_MODIFIED_SINCE, IF_NONE_MATCH, IF_RANGE, LAST_MODIFIED, RANGE,
};
use hyper::{HeaderMap, Method, Response, StatusCode};
use tokio::io::{AsyncRead, AsyncSeekExt, ReadBuf};

/// The response body type for everything here: whole buffers or streamed files. The same type
/// as [`crate::http::Body`].
pub type StreamBody = BoxBody<Bytes, io::Error>;

/// The size of each piece a file is streamed in.
pub const STREAM_CHUNK: usize = 256 * 1024;
/// The largest `Size` [`bitrate_test`] accepts (Jellyfin's limit: 100,000,000 bytes).
pub const MAX_BITRATE_TEST_BYTES: usize = 100_000_000;
/// The `Cache-Control` Jellyfin sends for an image requested with `?tag=` (one year, public).
pub const TAGGED_IMAGE_CACHE_CONTROL: &str = "public, max-age=31536000";

/// A body holding `bytes`.
pub fn full_body(bytes: impl Into<Bytes>) -> StreamBody {
    Full::new(bytes.into())
        .map_err(|never| match never {})
        .boxed()
}

/// An empty body.
pub fn empty_body() -> StreamBody {
    Empty::new().map_err(|never| match never {}).boxed()
}

/// The `Content-Type` for a media, subtitle or image file, from its extension
/// (case-insensitive); `application/octet-stream` for anything else. Follows Jellyfin's
/// `MimeTypes`, except `m4v` (`video/mp4`, which browsers play) and `m4b` (`audio/mp4`).
pub fn content_type_for(path: &Path) -> &'static str {
    let Some(ext) = path.extension().and_then(|e| e.to_str()) else {
        return "application/octet-stream";
    };
    match ext.to_ascii_lowercase().as_str() {
        // Video.
        "mkv" | "mk3d" => "video/x-matroska",
        "mp4" | "m4v" | "m4s" => "video/mp4",
        "webm" => "video/webm",
        "avi" => "video/x-msvideo",
        "ts" | "m2ts" | "mts" | "m2t" | "mpegts" => "video/mp2t",
        "mov" => "video/quicktime",
        "wmv" => "video/x-ms-wmv",
        "asf" => "video/x-ms-asf",
        "flv" => "video/x-flv",
        "mpg" | "mpeg" => "video/mpeg",
        "ogv" | "ogm" => "video/ogg",
        "3gp" => "video/3gpp",
        "3g2" => "video/3gpp2",
        "m2v" => "video/mpeg",
        // Audio.
        "mp3" => "audio/mpeg",
        "flac" => "audio/flac",
        "m4a" | "m4b" => "audio/mp4",
        "ogg" | "oga" | "opus" => "audio/ogg",
        "wav" => "audio/wav",
        "aac" => "audio/aac",
        "ac3" => "audio/ac3",
        "wma" => "audio/x-ms-wma",
        "ape" => "audio/x-ape",
        "wv" => "audio/x-wavpack",
        "mka" => "audio/x-matroska",
        "dsf" => "audio/dsf",
        "webma" => "audio/webm",
        "mid" | "midi" => "audio/midi",
        // Subtitles.
        "srt" => "application/x-subrip",
        "vtt" => "text/vtt",
        "ass" | "ssa" => "text/x-ssa",
        "ttml" => "application/ttml+xml",
        // Images.
        "jpg" | "jpeg" | "tbn" => "image/jpeg",
        "png" => "image/png",
        "webp" => "image/webp",
        "gif" => "image/gif",
        "svg" | "svgz" => "image/svg+xml",
        "bmp" => "image/bmp",
        "ico" => "image/vnd.microsoft.icon",
        "tif" | "tiff" => "image/tiff",
        _ => "application/octet-stream",
    }
}

/// The weak ETag for a file of `len` bytes modified at `mtime`: `W/"<len hex>-<mtime ns hex>"`.
pub fn weak_etag(len: u64, mtime: Option<SystemTime>) -> String {
    let ns = mtime
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos());
    format!("W/\"{len:x}-{ns:x}\"")
}

/// Serves the file at `path` for a `GET` or `HEAD` request with these `headers`: 200 with the
/// whole file, 206 for a satisfiable `Range`, 416 for an unsatisfiable one, 304 when a
/// conditional header matches, 404 if the file is missing or not a regular file (a directory),
/// 405 for other methods, 500 if it cannot be read. See the [module documentation](self).
pub async fn serve_file(
    method: &Method,
    headers: &HeaderMap,
    path: &Path,
    content_type: &str,
) -> Response<StreamBody> {
    if let Some(r) = reject_method(method) {
        return r;
    }
    let mut file = match tokio::fs::File::open(path).await {
        Ok(f) => f,
        Err(e) => return io_error_response(&e),
    };
    let meta = match file.metadata().await {
        Ok(m) => m,
        Err(e) => return io_error_response(&e),
    };
    if !meta.is_file() {
        return status_response(StatusCode::NOT_FOUND);
    }
    let len = meta.len();
    let mtime = meta.modified().ok();
    let rep = Representation {
        len,
        content_type,
        etag: Some(weak_etag(len, mtime)),
        last_modified: mtime,
        cache_control: None,
    };
    match plan(headers, &rep) {
        Plan::Done(r) => r,
        Plan::Send {
            mut response,
            start,
            len,
        } => {
            if method == Method::HEAD || len == 0 {
                return response;
            }
            if start > 0 {
                if let Err(e) = file.seek(SeekFrom::Start(start)).await {
                    tracing::warn!(path = %path.display(), error = %e, "seek failed");
                    return status_response(StatusCode::INTERNAL_SERVER_ERROR);
                }
            }
            *response.body_mut() = FileBody {
                file,
                remaining: len,
                buf: BytesMut::new(),
            }
            .boxed();
            response
        }
    }
}

/// Serves `bytes` (a cached image) for a `GET` or `HEAD` request with these `headers`, with
/// the same range and conditional rules as [`serve_file`].
///
/// `etag` is sent as the `ETag` (quoted if it is not already, e.g. an image tag) and compared
/// with `If-None-Match`; `cache_control` is sent as `Cache-Control` (use
/// [`TAGGED_IMAGE_CACHE_CONTROL`] when the request carried a tag); `last_modified` is sent as
/// `Last-Modified` and compared with `If-Modified-Since`.
pub fn serve_bytes(
    method: &Method,
    headers: &HeaderMap,
    bytes: Bytes,
    content_type: &str,
    etag: Option<&str>,
    cache_control: Option<&str>,
    last_modified: Option<SystemTime>,
) -> Response<StreamBody> {
    if let Some(r) = reject_method(method) {
        return r;
    }
    let etag = etag.filter(|e| !e.is_empty()).map(|e| {
        if e.starts_with('"') || e.starts_with("W/\"") {
            e.to_owned()
        } else {
            format!("\"{}\"", e.replace('"', ""))
        }
    });
    let rep = Representation {
        len: bytes.len() as u64,
        content_type,
        etag,
        last_modified,
        cache_control,
    };
    match plan(headers, &rep) {
        Plan::Done(r) => r,
        Plan::Send {
            mut response,
            start,
            len,
        } => {
            if method == Method::HEAD || len == 0 {
                return response;
            }
            // Both fit in the buffer: `plan` only yields ranges inside it.
            let (start, end) = (start as usize, (start + len) as usize);
            *response.body_mut() = full_body(bytes.slice(start..end));
            response
        }
    }
}

/// The answer to `GET /Playback/BitrateTest?Size=size`: exactly `size` pseudo-random bytes
/// (`application/octet-stream`), generated while streaming. As in Jellyfin, a size of 0 or above
/// [`MAX_BITRATE_TEST_BYTES`] is a 400.
pub fn bitrate_test(size: usize) -> Response<StreamBody> {
    if size == 0 || size > MAX_BITRATE_TEST_BYTES {
        return status_response(StatusCode::BAD_REQUEST);
    }
    let mut seed = [0u8; 8];
    if getrandom::fill(&mut seed).is_err() {
        seed = (SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()) as u64)
            .to_le_bytes();
    }
    let body = RandomBody {
        remaining: size as u64,
        // xorshift must not start at 0.
        state: u64::from_le_bytes(seed) | 1,
    };
    let mut r = Response::new(body.boxed());
    let h = r.headers_mut();
    h.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    h.insert(CONTENT_LENGTH, HeaderValue::from(size as u64));
    r
}

/// What is being served.
struct Representation<'a> {
    len: u64,
    content_type: &'a str,
    /// The full ETag value, quoted (`W/"…"` or `"…"`).
    etag: Option<String>,
    last_modified: Option<SystemTime>,
    cache_control: Option<&'a str>,
}

/// What to do for a request.
enum Plan {
    /// A complete response (304, 416).
    Done(Response<StreamBody>),
    /// Send `len` bytes from `start`; `response` has every header and an empty body.
    Send {
        response: Response<StreamBody>,
        start: u64,
        len: u64,
    },
}

/// The range a request asks for, resolved against the length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ByteRange {
    /// No (usable) range: the whole representation.
    Full,
    /// Bytes `start..=end`.
    Partial { start: u64, end: u64 },
    /// A valid `Range` header none of whose ranges overlaps the content.
    Unsatisfiable,
}

/// Decides the status and headers for `rep`: conditionals first, then the range.
fn plan(headers: &HeaderMap, rep: &Representation<'_>) -> Plan {
    let mut common = HeaderMap::new();
    if let Some(v) = rep.etag.as_deref().and_then(value) {
        common.insert(ETAG, v);
    }
    if let Some(t) = rep.last_modified {
        if let Some(v) = value(&httpdate::fmt_http_date(t)) {
            common.insert(LAST_MODIFIED, v);
        }
    }
    if let Some(v) = rep.cache_control.and_then(value) {
        common.insert(CACHE_CONTROL, v);
    }

    if not_modified(headers, rep) {
        let mut r = Response::new(empty_body());
        *r.status_mut() = StatusCode::NOT_MODIFIED;
        *r.headers_mut() = common;
        return Plan::Done(r);
    }

    common.insert(ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    let range = match header_str(headers, &RANGE) {
        Some(h) if if_range_matches(headers, rep) => parse_range(h, rep.len),
        _ => ByteRange::Full,
    };
    let mut r = Response::new(empty_body());
    let (status, start, len) = match range {
        ByteRange::Unsatisfiable => {
            *r.status_mut() = StatusCode::RANGE_NOT_SATISFIABLE;
            common.insert(CONTENT_RANGE, format_unsatisfied(rep.len));
            common.insert(CONTENT_LENGTH, HeaderValue::from(0u64));
            *r.headers_mut() = common;
            return Plan::Done(r);
        }
        ByteRange::Full => (StatusCode::OK, 0, rep.len),
        ByteRange::Partial { start, end } => {
            let v = format!("bytes {start}-{end}/{}", rep.len);
            common.insert(CONTENT_RANGE, value(&v).expect("ASCII"));
            (StatusCode::PARTIAL_CONTENT, start, end - start + 1)
        }
    };
    common.insert(
        CONTENT_TYPE,
        value(rep.content_type)
            .unwrap_or_else(|| HeaderValue::from_static("application/octet-stream")),
    );
    common.insert(CONTENT_LENGTH, HeaderValue::from(len));
    *r.status_mut() = status;
    *r.headers_mut() = common;
    Plan::Send {
        response: r,
        start,
        len,
    }
}

/// `bytes */len`.
fn format_unsatisfied(len: u64) -> HeaderValue {
    value(&format!("bytes */{len}")).expect("ASCII")
}

/// Whether the request's validators say the client's copy is current (RFC 9110 §13.2.2:
/// `If-None-Match` first; `If-Modified-Since` only without it).
fn not_modified(headers: &HeaderMap, rep: &Representation<'_>) -> bool {
    let mut inm = headers.get_all(IF_NONE_MATCH).iter().peekable();
    if inm.peek().is_some() {
        return inm
            .filter_map(|v| v.to_str().ok())
            .any(|list| etag_list_matches(list, rep.etag.as_deref()));
    }
    match (rep.last_modified, header_str(headers, &IF_MODIFIED_SINCE)) {
        (Some(modified), Some(since)) => match httpdate::parse_http_date(since.trim()) {
            Ok(since) => unix_secs(modified) <= unix_secs(since),
            Err(_) => false,
        },
        _ => false,
    }
}

/// Whether `If-Range` (if any) lets the range be served: the ETag's opaque part or the
/// `Last-Modified` second match (lenient: our ETags are weak).
fn if_range_matches(headers: &HeaderMap, rep: &Representation<'_>) -> bool {
    let Some(v) = header_str(headers, &IF_RANGE) else {
        return true;
    };
    let v = v.trim();
    if v.starts_with('"') || v.starts_with("W/") {
        return etag_list_matches(v, rep.etag.as_deref()) && !v.contains('*');
    }
    match (httpdate::parse_http_date(v), rep.last_modified) {
        (Ok(date), Some(modified)) => unix_secs(date) == unix_secs(modified),
        _ => false,
    }
}

/// Whether an `If-None-Match` list (`*`, or quoted tags, optionally `W/`) matches `ours` by
/// weak comparison (the opaque parts are equal).
fn etag_list_matches(list: &str, ours: Option<&str>) -> bool {
    let opaque = |t: &str| t.trim().trim_start_matches("W/").to_owned();
    let ours = ours.map(opaque);
    let mut rest = list.trim();
    while !rest.is_empty() {
        rest = rest.trim_start_matches([',', ' ', '\t']);
        if rest.is_empty() {
            break;
        }
        if let Some(r) = rest.strip_prefix('*') {
            if ours.is_some() {
                return true;
            }
            rest = r;
            continue;
        }
        let tag_start = rest.strip_prefix("W/").unwrap_or(rest);
        let Some(body) = tag_start.strip_prefix('"') else {
            return false; // Malformed: no match.
        };
        let Some(close) = body.find('"') else {
            return false;
        };
        let tag = &tag_start[..close + 2];
        if ours.as_deref() == Some(tag) {
            return true;
        }
        rest = &body[close + 1..];
    }
    false
}

/// Parses a `Range` header against a representation of `len` bytes. Syntax errors and other
/// units give [`ByteRange::Full`] (the header is ignored); the first satisfiable range wins.
fn parse_range(header: &str, len: u64) -> ByteRange {
    let header = header.trim();
    let Some((unit, specs)) = header.split_once('=') else {
        return ByteRange::Full;
    };
    if !unit.trim().eq_ignore_ascii_case("bytes") {
        return ByteRange::Full;
    }
    // A number; too large to fit is "beyond any length".
    let num = |s: &str| -> Option<u64> {
        let s = s.trim();
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        Some(s.parse().unwrap_or(u64::MAX))
    };
    let mut first = None;
    let mut any = false;
    for spec in specs.split(',') {
        let spec = spec.trim();
        if spec.is_empty() {
            continue;
        }
        any = true;
        let Some((a, b)) = spec.split_once('-') else {
            return ByteRange::Full;
        };
        let range = if a.trim().is_empty() {
            // Suffix: the last n bytes.
            let Some(n) = num(b) else {
                return ByteRange::Full;
            };
            (n > 0 && len > 0).then(|| (len - n.min(len), len - 1))
        } else {
            let Some(start) = num(a) else {
                return ByteRange::Full;
            };
            let end = if b.trim().is_empty() {
                u64::MAX
            } else {
                match num(b) {
                    Some(end) if end >= start => end,
                    _ => return ByteRange::Full,
                }
            };
            (start < len).then(|| (start, end.min(len - 1)))
        };
        if first.is_none() {
            first = range;
        }
    }
    match first {
        Some((start, end)) => ByteRange::Partial { start, end },
        None if any => ByteRange::Unsatisfiable,
        None => ByteRange::Full,
    }
}

/// 405 unless the method is `GET` or `HEAD`.
fn reject_method(method: &Method) -> Option<Response<StreamBody>> {
    if method == Method::GET || method == Method::HEAD {
        return None;
    }
    let mut r = status_response(StatusCode::METHOD_NOT_ALLOWED);
    r.headers_mut()
        .insert(ALLOW, HeaderValue::from_static("GET, HEAD"));
    Some(r)
}

/// The response for a failure to open a file: 404 when it is missing (or a path component is
/// not a directory), 500 otherwise.
fn io_error_response(e: &io::Error) -> Response<StreamBody> {
    match e.kind() {
        io::ErrorKind::NotFound | io::ErrorKind::NotADirectory | io::ErrorKind::IsADirectory => {
            status_response(StatusCode::NOT_FOUND)
        }
        _ => {
            tracing::warn!(error = %e, "cannot open file to serve");
            status_response(StatusCode::INTERNAL_SERVER_ERROR)
        }
    }
}

/// An empty response with `status`.
fn status_response(status: StatusCode) -> Response<StreamBody> {
    let mut r = Response::new(empty_body());
    *r.status_mut() = status;
    r
}

/// A header as text, if present and visible ASCII.
fn header_str<'a>(headers: &'a HeaderMap, name: &HeaderName) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// A header value, if `s` is a valid one.
fn value(s: &str) -> Option<HeaderValue> {
    HeaderValue::from_str(s).ok()
}

/// Whole seconds since the Unix epoch (HTTP dates have one-second precision).
fn unix_secs(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// A file streamed in [`STREAM_CHUNK`] pieces: `remaining` bytes from the current position.
struct FileBody {
    file: tokio::fs::File,
    remaining: u64,
    buf: BytesMut,
}

impl Body for FileBody {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        let this = self.get_mut();
        if this.remaining == 0 {
            return Poll::Ready(None);
        }
        let want = this.remaining.min(STREAM_CHUNK as u64) as usize;
        this.buf.resize(want, 0);
        let mut rb = ReadBuf::new(&mut this.buf[..]);
        match Pin::new(&mut this.file).poll_read(cx, &mut rb) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Err(e)) => {
                this.remaining = 0;
                Poll::Ready(Some(Err(e)))
            }
            Poll::Ready(Ok(())) => {
                let n = rb.filled().len();
                if n == 0 {
                    // The file shrank while being served.
                    this.remaining = 0;
                    return Poll::Ready(Some(Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "file ended before its length",
                    ))));
                }
                this.remaining -= n as u64;
                let chunk = this.buf.split_to(n).freeze();
                this.buf.clear();
                Poll::Ready(Some(Ok(Frame::data(chunk))))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.remaining == 0
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.remaining)
    }
}

/// `remaining` pseudo-random bytes (xorshift64*), generated in 64 KiB pieces.
struct RandomBody {
    remaining: u64,
    state: u64,
}

impl Body for RandomBody {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        let this = self.get_mut();
        if this.remaining == 0 {
            return Poll::Ready(None);
        }
        let n = this.remaining.min(64 * 1024) as usize;
        let mut out = Vec::with_capacity(n + 8);
        while out.len() < n {
            this.state ^= this.state >> 12;
            this.state ^= this.state << 25;
            this.state ^= this.state >> 27;
            let v = this.state.wrapping_mul(0x2545_F491_4F6C_DD1D);
            out.extend_from_slice(&v.to_le_bytes());
        }
        out.truncate(n);
        this.remaining -= n as u64;
        Poll::Ready(Some(Ok(Frame::data(Bytes::from(out)))))
    }

    fn is_end_stream(&self) -> bool {
        self.remaining == 0
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.remaining)
    }
}

/// The pieces a [`serve_reader`] body is read in.
const READER_CHUNK: usize = 64 * 1024;

/// A `200` response with `content_type` whose body is what `reader` produces until its end,
/// sent as it comes (no length, so chunked). The reader runs on a thread of its own, at most a
/// few chunks ahead of the client; `on_drop` runs when the body is dropped (the response ended
/// or the client went away), after which the thread stops reading and drops the reader.
pub fn serve_reader<R>(
    reader: R,
    content_type: &str,
    on_drop: impl FnOnce() + Send + Sync + 'static,
) -> Response<StreamBody>
where
    R: std::io::Read + Send + 'static,
{
    let (tx, rx) = tokio::sync::mpsc::channel::<io::Result<Bytes>>(4);
    let spawned = std::thread::Builder::new()
        .name("stream-reader".into())
        .spawn(move || {
            let mut reader = reader;
            let mut buf = vec![0u8; READER_CHUNK];
            loop {
                match reader.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => {
                        if tx
                            .blocking_send(Ok(Bytes::copy_from_slice(&buf[..n])))
                            .is_err()
                        {
                            break;
                        }
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => {
                        let _ = tx.blocking_send(Err(e));
                        break;
                    }
                }
            }
            drop(reader);
        });
    let body = ReaderBody {
        rx,
        on_drop: Some(Box::new(on_drop)),
    };
    let mut response = Response::new(body.boxed());
    if spawned.is_err() {
        *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
        *response.body_mut() = empty_body();
        return response;
    }
    set_content_type(&mut response, content_type);
    response
}

/// Sets the `Content-Type` of `response` to `content_type` (when it is a valid header value).
pub fn set_content_type(response: &mut Response<StreamBody>, content_type: &str) {
    if let Some(v) = value(content_type) {
        response.headers_mut().insert(CONTENT_TYPE, v);
    }
}

/// The body of [`serve_reader`]: the chunks its thread sends.
struct ReaderBody {
    rx: tokio::sync::mpsc::Receiver<io::Result<Bytes>>,
    on_drop: Option<Box<dyn FnOnce() + Send + Sync>>,
}

impl Body for ReaderBody {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        match self.get_mut().rx.poll_recv(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Ready(Some(Ok(chunk))) => Poll::Ready(Some(Ok(Frame::data(chunk)))),
            Poll::Ready(Some(Err(e))) => Poll::Ready(Some(Err(e))),
        }
    }
}

impl Drop for ReaderBody {
    fn drop(&mut self) {
        self.rx.close();
        if let Some(hook) = self.on_drop.take() {
            hook();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    /// `n` bytes that differ at every offset modulo 251.
    fn pattern(n: usize) -> Vec<u8> {
        (0..n).map(|i| (i % 251) as u8).collect()
    }

    fn temp_file(content: &[u8], name: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join(name);
        std::fs::write(&p, content).unwrap();
        (dir, p)
    }

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(
                HeaderName::from_bytes(k.as_bytes()).unwrap(),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        h
    }

    fn header<'a>(r: &'a Response<StreamBody>, name: &str) -> Option<&'a str> {
        r.headers().get(name).map(|v| v.to_str().unwrap())
    }

    async fn body(r: Response<StreamBody>) -> Vec<u8> {
        r.into_body().collect().await.unwrap().to_bytes().to_vec()
    }

    async fn get(path: &Path, pairs: &[(&str, &str)]) -> Response<StreamBody> {
        serve_file(&Method::GET, &headers(pairs), path, "video/mp4").await
    }

    #[tokio::test]
    async fn whole_file() {
        let data = pattern(1000);
        let (_d, p) = temp_file(&data, "a.mp4");
        let r = get(&p, &[]).await;
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(header(&r, "accept-ranges"), Some("bytes"));
        assert_eq!(header(&r, "content-length"), Some("1000"));
        assert_eq!(header(&r, "content-type"), Some("video/mp4"));
        assert_eq!(header(&r, "content-range"), None);
        let etag = header(&r, "etag").unwrap().to_owned();
        assert!(etag.starts_with("W/\"3e8-"), "{etag}");
        let lm = header(&r, "last-modified").unwrap();
        let modified = std::fs::metadata(&p).unwrap().modified().unwrap();
        assert_eq!(
            unix_secs(httpdate::parse_http_date(lm).unwrap()),
            unix_secs(modified)
        );
        assert_eq!(r.body().size_hint().exact(), Some(1000));
        assert_eq!(body(r).await, data);
    }

    #[tokio::test]
    async fn head_has_headers_and_no_body() {
        let data = pattern(1000);
        let (_d, p) = temp_file(&data, "a.mkv");
        let r = serve_file(&Method::HEAD, &HeaderMap::new(), &p, "video/x-matroska").await;
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(header(&r, "content-length"), Some("1000"));
        assert_eq!(header(&r, "accept-ranges"), Some("bytes"));
        assert_eq!(header(&r, "content-type"), Some("video/x-matroska"));
        assert!(header(&r, "etag").is_some());
        assert!(body(r).await.is_empty());

        let r = serve_file(
            &Method::HEAD,
            &headers(&[("range", "bytes=10-19")]),
            &p,
            "video/x-matroska",
        )
        .await;
        assert_eq!(r.status(), StatusCode::PARTIAL_CONTENT);
        assert_eq!(header(&r, "content-length"), Some("10"));
        assert_eq!(header(&r, "content-range"), Some("bytes 10-19/1000"));
        assert!(body(r).await.is_empty());
    }

    #[tokio::test]
    async fn ranges() {
        let data = pattern(1000);
        let (_d, p) = temp_file(&data, "a.mp4");
        // (Range, first byte, last byte)
        let cases: &[(&str, usize, usize)] = &[
            ("bytes=0-0", 0, 0),
            ("bytes=0-99", 0, 99),
            ("bytes=100-199", 100, 199),
            ("bytes=990-5000", 990, 999),
            ("bytes=500-", 500, 999),
            ("bytes=0-", 0, 999),
            ("bytes=999-", 999, 999),
            ("bytes=-1", 999, 999),
            ("bytes=-100", 900, 999),
            ("bytes=-5000", 0, 999),
            ("bytes=0-99999999999999999999999", 0, 999),
            ("Bytes = 10-20", 10, 20),
            // Several ranges: the first satisfiable one.
            ("bytes=10-19, 30-39", 10, 19),
            ("bytes=5000-6000,20-29", 20, 29),
        ];
        for &(range, first, last) in cases {
            let r = get(&p, &[("range", range)]).await;
            assert_eq!(r.status(), StatusCode::PARTIAL_CONTENT, "{range}");
            let len = last - first + 1;
            assert_eq!(
                header(&r, "content-length"),
                Some(len.to_string().as_str()),
                "{range}"
            );
            assert_eq!(
                header(&r, "content-range"),
                Some(format!("bytes {first}-{last}/1000").as_str()),
                "{range}"
            );
            assert_eq!(header(&r, "accept-ranges"), Some("bytes"));
            assert_eq!(header(&r, "content-type"), Some("video/mp4"));
            assert_eq!(body(r).await, &data[first..=last], "{range}");
        }
    }

    #[tokio::test]
    async fn unsatisfiable_and_ignored_ranges() {
        let data = pattern(1000);
        let (_d, p) = temp_file(&data, "a.mp4");
        for range in [
            "bytes=1000-",
            "bytes=1000-2000",
            "bytes=-0",
            "bytes=5000-,2000-3000",
        ] {
            let r = get(&p, &[("range", range)]).await;
            assert_eq!(r.status(), StatusCode::RANGE_NOT_SATISFIABLE, "{range}");
            assert_eq!(header(&r, "content-range"), Some("bytes */1000"), "{range}");
            assert_eq!(header(&r, "content-length"), Some("0"));
            assert!(body(r).await.is_empty());
        }
        // Not understood: the whole file.
        for range in [
            "items=0-10",
            "bytes=abc",
            "bytes=10-5",
            "bytes=-",
            "bytes=1-2-3",
            "bytes=",
            "0-10",
        ] {
            let r = get(&p, &[("range", range)]).await;
            assert_eq!(r.status(), StatusCode::OK, "{range}");
            assert_eq!(body(r).await, data, "{range}");
        }
        // An empty file has no satisfiable range.
        let (_e, empty) = temp_file(b"", "e.mp3");
        let r = get(&empty, &[("range", "bytes=0-")]).await;
        assert_eq!(r.status(), StatusCode::RANGE_NOT_SATISFIABLE);
        assert_eq!(header(&r, "content-range"), Some("bytes */0"));
        let r = get(&empty, &[]).await;
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(header(&r, "content-length"), Some("0"));
        assert!(body(r).await.is_empty());
    }

    #[tokio::test]
    async fn conditional_requests() {
        let data = pattern(100);
        let (_d, p) = temp_file(&data, "a.mp4");
        let first = get(&p, &[]).await;
        let etag = header(&first, "etag").unwrap().to_owned();
        let lm = header(&first, "last-modified").unwrap().to_owned();
        let strong = etag.trim_start_matches("W/").to_owned();

        for inm in [
            etag.as_str(),
            strong.as_str(),
            "*",
            &format!("\"nope\", {etag}"),
        ] {
            let r = get(&p, &[("if-none-match", inm)]).await;
            assert_eq!(r.status(), StatusCode::NOT_MODIFIED, "{inm}");
            assert_eq!(header(&r, "etag"), Some(etag.as_str()));
            assert_eq!(header(&r, "last-modified"), Some(lm.as_str()));
            assert_eq!(header(&r, "content-length"), None);
            assert!(body(r).await.is_empty());
        }
        let r = get(&p, &[("if-modified-since", &lm)]).await;
        assert_eq!(r.status(), StatusCode::NOT_MODIFIED);
        let later = httpdate::fmt_http_date(SystemTime::now() + std::time::Duration::from_secs(60));
        let r = get(&p, &[("if-modified-since", &later)]).await;
        assert_eq!(r.status(), StatusCode::NOT_MODIFIED);

        let earlier = httpdate::fmt_http_date(UNIX_EPOCH + std::time::Duration::from_secs(1000));
        let r = get(&p, &[("if-modified-since", &earlier)]).await;
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(body(r).await, data);
        // A stale ETag wins over a matching date.
        let r = get(
            &p,
            &[("if-none-match", "W/\"old\""), ("if-modified-since", &lm)],
        )
        .await;
        assert_eq!(r.status(), StatusCode::OK);
        // A garbage date is ignored.
        let r = get(&p, &[("if-modified-since", "yesterday")]).await;
        assert_eq!(r.status(), StatusCode::OK);

        // If-Range: the current validator gets the range, a stale one the whole file.
        for validator in [etag.as_str(), lm.as_str()] {
            let r = get(&p, &[("range", "bytes=0-9"), ("if-range", validator)]).await;
            assert_eq!(r.status(), StatusCode::PARTIAL_CONTENT, "{validator}");
            assert_eq!(body(r).await, &data[..10]);
        }
        for validator in ["\"stale\"", earlier.as_str()] {
            let r = get(&p, &[("range", "bytes=0-9"), ("if-range", validator)]).await;
            assert_eq!(r.status(), StatusCode::OK, "{validator}");
            assert_eq!(body(r).await, data);
        }

        // The ETag changes with the file.
        std::fs::write(&p, pattern(101)).unwrap();
        let r = get(&p, &[("if-none-match", &etag)]).await;
        assert_eq!(r.status(), StatusCode::OK);
        assert_ne!(header(&r, "etag"), Some(etag.as_str()));
    }

    #[tokio::test]
    async fn missing_files_directories_and_methods() {
        let dir = tempfile::tempdir().unwrap();
        let r = get(&dir.path().join("missing.mkv"), &[]).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        let r = serve_file(
            &Method::HEAD,
            &HeaderMap::new(),
            &dir.path().join("x"),
            "a/b",
        )
        .await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        let r = get(dir.path(), &[]).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        let (_d, p) = temp_file(b"abc", "f.mp3");
        let r = get(&p.join("below-a-file"), &[]).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        let r = serve_file(&Method::POST, &HeaderMap::new(), &p, "audio/mpeg").await;
        assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(header(&r, "allow"), Some("GET, HEAD"));
    }

    #[tokio::test]
    async fn large_file_is_streamed() {
        let size = 3 * 1024 * 1024 + 12_345;
        let data = pattern(size);
        let (_d, p) = temp_file(&data, "big.mkv");
        let r = get(&p, &[]).await;
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(
            header(&r, "content-length"),
            Some(size.to_string().as_str())
        );
        let mut b = r.into_body();
        let mut got = Vec::with_capacity(size);
        let mut frames = 0;
        while let Some(f) = b.frame().await {
            let chunk = f.unwrap().into_data().unwrap();
            assert!(chunk.len() <= STREAM_CHUNK);
            got.extend_from_slice(&chunk);
            frames += 1;
        }
        assert!(frames >= size / STREAM_CHUNK, "{frames} frames");
        assert!(got == data, "streamed bytes differ");

        // A range in the middle, across chunk boundaries.
        let (a, z) = (1_000_003usize, 2_700_001usize);
        let r = get(&p, &[("range", &format!("bytes={a}-{z}"))]).await;
        assert_eq!(r.status(), StatusCode::PARTIAL_CONTENT);
        assert!(body(r).await == data[a..=z]);
    }

    #[tokio::test]
    async fn bytes_with_tags_and_ranges() {
        let data = Bytes::from(pattern(500));
        let cc = Some(TAGGED_IMAGE_CACHE_CONTROL);
        let t = UNIX_EPOCH + std::time::Duration::from_secs(1_700_000_000);
        let serve = |m: &Method, h: &[(&str, &str)]| {
            serve_bytes(
                m,
                &headers(h),
                data.clone(),
                "image/jpeg",
                Some("abc123"),
                cc,
                Some(t),
            )
        };
        let r = serve(&Method::GET, &[]);
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(header(&r, "etag"), Some("\"abc123\""));
        assert_eq!(
            header(&r, "cache-control"),
            Some("public, max-age=31536000")
        );
        assert_eq!(header(&r, "content-type"), Some("image/jpeg"));
        assert_eq!(header(&r, "content-length"), Some("500"));
        assert_eq!(
            header(&r, "last-modified"),
            Some("Tue, 14 Nov 2023 22:13:20 GMT")
        );
        assert_eq!(body(r).await, data);

        let r = serve(&Method::GET, &[("if-none-match", "\"abc123\"")]);
        assert_eq!(r.status(), StatusCode::NOT_MODIFIED);
        assert_eq!(
            header(&r, "cache-control"),
            Some("public, max-age=31536000")
        );
        let r = serve(
            &Method::GET,
            &[("if-modified-since", "Tue, 14 Nov 2023 22:13:20 GMT")],
        );
        assert_eq!(r.status(), StatusCode::NOT_MODIFIED);
        let r = serve(&Method::GET, &[("if-none-match", "\"other\"")]);
        assert_eq!(r.status(), StatusCode::OK);

        let r = serve(&Method::HEAD, &[]);
        assert_eq!(header(&r, "content-length"), Some("500"));
        assert!(body(r).await.is_empty());

        let r = serve(&Method::GET, &[("range", "bytes=-10")]);
        assert_eq!(r.status(), StatusCode::PARTIAL_CONTENT);
        assert_eq!(header(&r, "content-range"), Some("bytes 490-499/500"));
        assert_eq!(body(r).await, &data[490..]);

        // Untagged: no Cache-Control, no ETag; already-quoted tags are kept.
        let r = serve_bytes(
            &Method::GET,
            &HeaderMap::new(),
            data.clone(),
            "image/png",
            None,
            None,
            None,
        );
        assert_eq!(header(&r, "cache-control"), None);
        assert_eq!(header(&r, "etag"), None);
        assert_eq!(header(&r, "last-modified"), None);
        let r = serve_bytes(
            &Method::GET,
            &HeaderMap::new(),
            data.clone(),
            "image/png",
            Some("W/\"x\""),
            None,
            None,
        );
        assert_eq!(header(&r, "etag"), Some("W/\"x\""));
    }

    #[tokio::test]
    async fn bitrate_test_sizes() {
        for size in [1usize, 500_000, 1_000_000, 64 * 1024 + 3] {
            let r = bitrate_test(size);
            assert_eq!(r.status(), StatusCode::OK);
            assert_eq!(header(&r, "content-type"), Some("application/octet-stream"));
            assert_eq!(
                header(&r, "content-length"),
                Some(size.to_string().as_str())
            );
            let b = body(r).await;
            assert_eq!(b.len(), size);
            if size > 1000 {
                // Not constant (it is meant to defeat compression).
                assert!(b.windows(2).any(|w| w[0] != w[1]));
            }
        }
        assert_eq!(bitrate_test(0).status(), StatusCode::BAD_REQUEST);
        assert_eq!(
            bitrate_test(MAX_BITRATE_TEST_BYTES + 1).status(),
            StatusCode::BAD_REQUEST
        );
        assert_eq!(
            bitrate_test(MAX_BITRATE_TEST_BYTES)
                .body()
                .size_hint()
                .exact(),
            Some(MAX_BITRATE_TEST_BYTES as u64)
        );
    }

    #[test]
    fn content_types() {
        let cases = [
            ("a.mkv", "video/x-matroska"),
            ("A.MKV", "video/x-matroska"),
            ("a.mp4", "video/mp4"),
            ("a.m4v", "video/mp4"),
            ("a.webm", "video/webm"),
            ("a.avi", "video/x-msvideo"),
            ("a.ts", "video/mp2t"),
            ("a.m2ts", "video/mp2t"),
            ("a.mov", "video/quicktime"),
            ("a.mp3", "audio/mpeg"),
            ("a.flac", "audio/flac"),
            ("a.m4a", "audio/mp4"),
            ("a.m4b", "audio/mp4"),
            ("a.ogg", "audio/ogg"),
            ("a.opus", "audio/ogg"),
            ("a.wav", "audio/wav"),
            ("a.aac", "audio/aac"),
            ("a.srt", "application/x-subrip"),
            ("a.vtt", "text/vtt"),
            ("a.ass", "text/x-ssa"),
            ("a.ssa", "text/x-ssa"),
            ("a.jpg", "image/jpeg"),
            ("a.jpeg", "image/jpeg"),
            ("a.tbn", "image/jpeg"),
            ("a.png", "image/png"),
            ("a.webp", "image/webp"),
            ("a.gif", "image/gif"),
            ("a.svg", "image/svg+xml"),
            ("a.xyz", "application/octet-stream"),
            ("noext", "application/octet-stream"),
            ("dir.mkv/file", "application/octet-stream"),
        ];
        for (name, want) in cases {
            assert_eq!(content_type_for(Path::new(name)), want, "{name}");
        }
    }

    #[test]
    fn range_parser() {
        use ByteRange::*;
        let cases: &[(&str, u64, ByteRange)] = &[
            ("bytes=0-9", 10, Partial { start: 0, end: 9 }),
            ("bytes=0-9", 5, Partial { start: 0, end: 4 }),
            ("bytes=9-", 10, Partial { start: 9, end: 9 }),
            ("bytes=10-", 10, Unsatisfiable),
            ("bytes=-3", 10, Partial { start: 7, end: 9 }),
            ("bytes=-3", 0, Unsatisfiable),
            ("bytes=,, 2-3", 10, Partial { start: 2, end: 3 }),
            ("bytes=,", 10, Full),
            ("bytes=3-2", 10, Full),
            ("bytes=0-1,x", 10, Full),
            ("lines=0-1", 10, Full),
        ];
        for &(h, len, want) in cases {
            assert_eq!(parse_range(h, len), want, "{h} / {len}");
        }
    }

    #[test]
    fn etag_lists() {
        assert!(etag_list_matches("W/\"a\"", Some("W/\"a\"")));
        assert!(etag_list_matches("\"a\"", Some("W/\"a\"")));
        assert!(etag_list_matches("\"x\",W/\"a\"", Some("\"a\"")));
        assert!(etag_list_matches("\"x,y\", \"a\"", Some("\"a\"")));
        assert!(!etag_list_matches("\"x,y\"", Some("\"y\"")));
        assert!(etag_list_matches("*", Some("\"a\"")));
        assert!(!etag_list_matches("*", None));
        assert!(!etag_list_matches("\"a\"", None));
        assert!(!etag_list_matches("a", Some("\"a\"")));
        assert!(!etag_list_matches("\"a", Some("\"a\"")));
    }
}
