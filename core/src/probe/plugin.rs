//! The libav backend as a plugin: a shared library (`libjellyfin_libav.so`, built from the
//! `jellyfin-libav` package) that links libav, loaded with `dlopen` the first time something
//! probes a file or reads an embedded subtitle stream.
//!
//! Why: linking libav maps it and the hundred-odd libraries it depends on (codecs, TLS, SVG...)
//! into a process at start, whether or not it ever probes: a server that only browses and
//! streams pays for them in memory and start-up. A server built without the `libav` feature and
//! with `libav-plugin` maps libav only when a scan finds a new or changed file.
//!
//! This module owns both sides of the plugin's small C ABI:
//! - the host side (feature `libav-plugin`): [`LibavPlugin`] (the lazily loaded library, shared by
//!   the prober and the subtitle reader of one [`MediaLibrary`](crate::MediaLibrary)) and
//!   [`PluginProber`];
//! - the plugin side (features `libav` and `libav-plugin` together): [`serve`], which the
//!   `jellyfin-libav` cdylib exports as `jellyfin_libav_call`.
//!
//! The ABI is three symbols: `jellyfin_libav_abi() -> *const c_char` (a NUL-terminated
//! [`ABI`] string, which the host requires to equal its own, so that a plugin from another build
//! is refused rather than misread), `jellyfin_libav_call(request, len, out_len) -> *mut u8`
//! (one JSON request in, one JSON reply out, owned by the plugin), and
//! `jellyfin_libav_free(ptr, len)`. Requests and replies are serde types private to this module;
//! paths travel as bytes (any Unix path, UTF-8 or not). A panic inside the plugin is caught there
//! and comes back as an empty reply, which the host reports as [`PluginError::Failed`]. The
//! library is never unloaded.

use std::path::PathBuf;

/// The ABI string a plugin must report: the crate version and the request format version.
pub const ABI: &str = concat!("jellyfin-libav ", env!("CARGO_PKG_VERSION"), " abi 1");

/// [`ABI`] NUL-terminated, as the plugin's `jellyfin_libav_abi` returns it.
pub const ABI_NUL: &str = concat!("jellyfin-libav ", env!("CARGO_PKG_VERSION"), " abi 1\0");

/// The plugin's file name on this platform (`libjellyfin_libav.so`, `libjellyfin_libav.dylib`).
pub const PLUGIN_FILE_NAME: &str = if cfg!(target_os = "macos") {
    "libjellyfin_libav.dylib"
} else {
    "libjellyfin_libav.so"
};

/// Why the libav plugin cannot serve a request.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PluginError {
    /// No plugin path is configured (see `LibraryConfig::libav_plugin`).
    #[error("no libav plugin is configured")]
    NotConfigured,
    /// `dlopen` or `dlsym` failed; `reason` is the loader's own text (`dlerror`), the only form
    /// in which it reports errors.
    #[error("cannot load the libav plugin {path}: {reason}")]
    Load {
        /// The plugin file.
        path: PathBuf,
        /// The loader's message.
        reason: String,
    },
    /// The library is a plugin of another build.
    #[error("{path} is a libav plugin for {found:?}, this program needs {expected:?}")]
    Version {
        /// The plugin file.
        path: PathBuf,
        /// What it reports.
        found: String,
        /// [`ABI`].
        expected: &'static str,
    },
    /// The plugin panicked or answered something unreadable.
    #[error("the libav plugin {path} failed ({what})")]
    Failed {
        /// The plugin file.
        path: PathBuf,
        /// What went wrong.
        what: &'static str,
    },
}

/// The path the plugin is looked for beside a program: `<dir of exe>/libjellyfin_libav.so`.
pub fn beside_executable() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    Some(exe.parent()?.join(PLUGIN_FILE_NAME))
}

#[cfg(feature = "libav-plugin")]
mod wire {
    //! The JSON requests and replies between host and plugin.
    use serde::{Deserialize, Serialize};

    use crate::probe::{LibavError, MediaInfo};
    use crate::subtitles::SubtitleTrack;

    #[derive(Debug, Serialize, Deserialize)]
    pub(super) enum Request {
        Probe {
            path: Vec<u8>,
            timeout_ms: u64,
            probe_size: i64,
            analyze_us: u64,
        },
        Subtitles {
            path: Vec<u8>,
            ordinal: usize,
            timeout_ms: u64,
        },
    }

    /// An `std::io::Error` as far as it can travel: its OS code when it has one.
    #[derive(Debug, Serialize, Deserialize)]
    pub(super) struct Io {
        pub os: Option<i32>,
        pub message: String,
    }

    #[derive(Debug, Serialize, Deserialize)]
    pub(super) struct Av {
        pub code: i32,
        pub message: String,
    }

    impl From<&LibavError> for Av {
        fn from(e: &LibavError) -> Self {
            Av {
                code: e.code,
                message: e.message.clone(),
            }
        }
    }

    impl From<Av> for LibavError {
        fn from(a: Av) -> Self {
            LibavError {
                code: a.code,
                message: a.message,
            }
        }
    }

    #[derive(Debug, Serialize, Deserialize)]
    pub(super) enum ProbeFailure {
        Io(Io),
        NotAFile,
        Empty,
        Open(Av),
        StreamInfo(Av),
        Timeout {
            timeout_ms: u64,
        },
        NoStreams,
        Incomplete {
            stream: usize,
            partial: Box<MediaInfo>,
        },
    }

    #[derive(Debug, Serialize, Deserialize)]
    pub(super) enum SubtitleFailure {
        NoSuchStream { index: i32 },
        Missing,
        NotText { codec: String },
        UnsupportedCodec { codec: String },
        StreamMismatch { index: usize },
        TooLarge,
        Timeout { timeout_ms: u64 },
        Libav(Av),
        Io(Io),
        Other(String),
    }

    #[derive(Debug, Serialize, Deserialize)]
    pub(super) enum ProbeReply {
        Ok(Box<MediaInfo>),
        Err(ProbeFailure),
    }

    #[derive(Debug, Serialize, Deserialize)]
    pub(super) enum SubtitleReply {
        Ok(SubtitleTrack),
        Err(SubtitleFailure),
    }

    #[cfg_attr(not(feature = "libav"), allow(dead_code))] // the plugin side's
    pub(super) fn io_to_wire(e: &std::io::Error) -> Io {
        Io {
            os: e.raw_os_error(),
            message: e.to_string(),
        }
    }

    pub(super) fn io_from_wire(e: Io) -> std::io::Error {
        match e.os {
            Some(code) => std::io::Error::from_raw_os_error(code),
            None => std::io::Error::other(e.message),
        }
    }
}

#[cfg(feature = "libav-plugin")]
pub use host::{LibavPlugin, PluginProber};

#[cfg(feature = "libav-plugin")]
mod host {
    use std::ffi::{c_char, c_void, CStr, CString};
    use std::os::unix::ffi::OsStrExt;
    use std::path::{Path, PathBuf};
    use std::sync::{Arc, OnceLock};
    use std::time::Duration;

    use super::wire::{self, ProbeFailure, ProbeReply, Request, SubtitleFailure, SubtitleReply};
    use super::{PluginError, ABI};
    use crate::probe::{MediaInfo, ProbeError, ProbeLimits, Prober};
    use crate::subtitles::{SubtitleError, SubtitleTrack};

    type AbiFn = unsafe extern "C" fn() -> *const c_char;
    type CallFn = unsafe extern "C" fn(*const u8, usize, *mut usize) -> *mut u8;
    type FreeFn = unsafe extern "C" fn(*mut u8, usize);

    /// The loaded library's entry points.
    struct Loaded {
        call: CallFn,
        free: FreeFn,
    }

    /// The libav plugin at a path, loaded the first time it is used (and then kept: it is never
    /// unloaded). Cheap to share behind an `Arc`; calls from many threads run concurrently.
    pub struct LibavPlugin {
        path: PathBuf,
        loaded: OnceLock<Result<Loaded, Arc<PluginError>>>,
    }

    impl std::fmt::Debug for LibavPlugin {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("LibavPlugin")
                .field("path", &self.path)
                .field("loaded", &self.is_loaded())
                .finish()
        }
    }

    fn dl_error() -> String {
        // SAFETY: `dlerror` returns NULL or a NUL-terminated string valid until the next
        // loader call on this thread; it is copied at once.
        unsafe {
            let e = libc::dlerror();
            if e.is_null() {
                "unknown loader error".to_owned()
            } else {
                CStr::from_ptr(e).to_string_lossy().into_owned()
            }
        }
    }

    impl LibavPlugin {
        /// The plugin at `path` (nothing is loaded yet).
        pub fn new(path: impl Into<PathBuf>) -> Self {
            Self {
                path: path.into(),
                loaded: OnceLock::new(),
            }
        }

        /// The plugin file.
        pub fn path(&self) -> &Path {
            &self.path
        }

        /// Whether the library has been loaded (successfully) by an earlier call.
        pub fn is_loaded(&self) -> bool {
            matches!(self.loaded.get(), Some(Ok(_)))
        }

        /// Loads the library now (it is otherwise loaded by the first probe). A failure is kept:
        /// later calls report the same error without retrying.
        ///
        /// # Errors
        /// [`PluginError::Load`] when the file is missing or not a loadable library,
        /// [`PluginError::Version`] when it is a plugin of another build.
        pub fn load(&self) -> Result<(), Arc<PluginError>> {
            self.loaded().map(|_| ())
        }

        fn loaded(&self) -> Result<&Loaded, Arc<PluginError>> {
            self.loaded
                .get_or_init(|| self.open().map_err(Arc::new))
                .as_ref()
                .map_err(Arc::clone)
        }

        fn open(&self) -> Result<Loaded, PluginError> {
            let load_error = |reason: String| PluginError::Load {
                path: self.path.clone(),
                reason,
            };
            let c_path = CString::new(self.path.as_os_str().as_bytes())
                .map_err(|_| load_error("the path contains a NUL byte".to_owned()))?;
            // SAFETY: loading a library runs its initialisers; the plugin is our own cdylib
            // (Rust std + libav), whose initialisers are sound to run on any thread. The handle
            // is never closed, so the function pointers below stay valid for the process.
            unsafe {
                let handle = libc::dlopen(c_path.as_ptr(), libc::RTLD_NOW | libc::RTLD_LOCAL);
                if handle.is_null() {
                    return Err(load_error(dl_error()));
                }
                let symbol = |name: &CStr| -> Result<*mut c_void, PluginError> {
                    let s = libc::dlsym(handle, name.as_ptr());
                    if s.is_null() {
                        Err(load_error(dl_error()))
                    } else {
                        Ok(s)
                    }
                };
                let abi: AbiFn =
                    std::mem::transmute::<*mut c_void, AbiFn>(symbol(c"jellyfin_libav_abi")?);
                let found = CStr::from_ptr(abi()).to_string_lossy().into_owned();
                if found != ABI {
                    return Err(PluginError::Version {
                        path: self.path.clone(),
                        found,
                        expected: ABI,
                    });
                }
                let call: CallFn =
                    std::mem::transmute::<*mut c_void, CallFn>(symbol(c"jellyfin_libav_call")?);
                let free: FreeFn =
                    std::mem::transmute::<*mut c_void, FreeFn>(symbol(c"jellyfin_libav_free")?);
                Ok(Loaded { call, free })
            }
        }

        /// Sends one request; the reply's JSON bytes.
        fn call(&self, request: &Request) -> Result<Vec<u8>, Arc<PluginError>> {
            let loaded = self.loaded()?;
            let failed = |what| {
                Arc::new(PluginError::Failed {
                    path: self.path.clone(),
                    what,
                })
            };
            let body = serde_json::to_vec(request).map_err(|_| failed("unencodable request"))?;
            let mut len = 0usize;
            // SAFETY: the ABI: `call` reads `body` (valid for its length) and returns a buffer of
            // `len` bytes that it allocated (or NULL), which is copied and handed back to `free`
            // exactly once.
            let reply = unsafe {
                let ptr = (loaded.call)(body.as_ptr(), body.len(), &mut len);
                if ptr.is_null() {
                    return Err(failed("it panicked"));
                }
                let bytes = std::slice::from_raw_parts(ptr, len).to_vec();
                (loaded.free)(ptr, len);
                bytes
            };
            Ok(reply)
        }

        /// Probes `path` within `limits` in the plugin.
        ///
        /// # Errors
        /// The [`ProbeError`] the linked backend would give, or [`ProbeError::Backend`] when the
        /// plugin cannot be loaded or fails.
        pub fn probe(&self, path: &Path, limits: &ProbeLimits) -> Result<MediaInfo, ProbeError> {
            match self.call(&probe_request(path, limits)) {
                Ok(reply) => decode_probe(&reply, path, &self.path),
                Err(source) => Err(ProbeError::Backend {
                    path: path.to_owned(),
                    source,
                }),
            }
        }

        /// Reads embedded text subtitle stream number `ordinal` (attachments not counted) of
        /// `path` in the plugin.
        ///
        /// # Errors
        /// The [`SubtitleError`] the linked backend would give, or [`SubtitleError::Backend`].
        pub fn subtitles(
            &self,
            path: &Path,
            ordinal: usize,
            timeout: Duration,
        ) -> Result<SubtitleTrack, SubtitleError> {
            match self.call(&subtitles_request(path, ordinal, timeout)) {
                Ok(reply) => decode_subtitles(&reply, path, &self.path),
                Err(source) => Err(SubtitleError::Backend {
                    path: path.to_owned(),
                    source,
                }),
            }
        }
    }

    fn millis(d: Duration) -> u64 {
        u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
    }

    pub(super) fn probe_request(path: &Path, limits: &ProbeLimits) -> Request {
        Request::Probe {
            path: path.as_os_str().as_bytes().to_vec(),
            timeout_ms: millis(limits.timeout),
            probe_size: limits.probe_size,
            analyze_us: u64::try_from(limits.analyze_duration.as_micros()).unwrap_or(u64::MAX),
        }
    }

    pub(super) fn subtitles_request(path: &Path, ordinal: usize, timeout: Duration) -> Request {
        Request::Subtitles {
            path: path.as_os_str().as_bytes().to_vec(),
            ordinal,
            timeout_ms: millis(timeout),
        }
    }

    fn unreadable(plugin: &Path) -> Arc<PluginError> {
        Arc::new(PluginError::Failed {
            path: plugin.to_owned(),
            what: "unreadable reply",
        })
    }

    /// The probe result in a plugin's reply about `path`.
    pub(super) fn decode_probe(
        reply: &[u8],
        path: &Path,
        plugin: &Path,
    ) -> Result<MediaInfo, ProbeError> {
        let path = path.to_owned();
        let Ok(reply) = serde_json::from_slice::<ProbeReply>(reply) else {
            return Err(ProbeError::Backend {
                path,
                source: unreadable(plugin),
            });
        };
        match reply {
            ProbeReply::Ok(info) => Ok(*info),
            ProbeReply::Err(failure) => Err(match failure {
                ProbeFailure::Io(io) => ProbeError::Io {
                    path,
                    source: wire::io_from_wire(io),
                },
                ProbeFailure::NotAFile => ProbeError::NotAFile { path },
                ProbeFailure::Empty => ProbeError::Empty { path },
                ProbeFailure::Open(av) => ProbeError::Open {
                    path,
                    source: av.into(),
                },
                ProbeFailure::StreamInfo(av) => ProbeError::StreamInfo {
                    path,
                    source: av.into(),
                },
                ProbeFailure::Timeout { timeout_ms } => ProbeError::Timeout {
                    path,
                    timeout: Duration::from_millis(timeout_ms),
                },
                ProbeFailure::NoStreams => ProbeError::NoStreams { path },
                ProbeFailure::Incomplete { stream, partial } => ProbeError::Incomplete {
                    path,
                    stream,
                    partial,
                },
            }),
        }
    }

    /// The subtitle track in a plugin's reply about `path`.
    pub(super) fn decode_subtitles(
        reply: &[u8],
        path: &Path,
        plugin: &Path,
    ) -> Result<SubtitleTrack, SubtitleError> {
        let path = path.to_owned();
        let Ok(reply) = serde_json::from_slice::<SubtitleReply>(reply) else {
            return Err(SubtitleError::Backend {
                path,
                source: unreadable(plugin),
            });
        };
        match reply {
            SubtitleReply::Ok(track) => Ok(track),
            SubtitleReply::Err(failure) => Err(match failure {
                SubtitleFailure::NoSuchStream { index } => SubtitleError::NoSuchStream { index },
                SubtitleFailure::Missing => SubtitleError::Missing { path },
                SubtitleFailure::NotText { codec } => SubtitleError::NotText { codec },
                SubtitleFailure::UnsupportedCodec { codec } => {
                    SubtitleError::UnsupportedCodec { codec }
                }
                SubtitleFailure::StreamMismatch { index } => {
                    SubtitleError::StreamMismatch { path, index }
                }
                SubtitleFailure::TooLarge => SubtitleError::TooLarge { path },
                SubtitleFailure::Timeout { timeout_ms } => SubtitleError::Timeout {
                    path,
                    timeout: Duration::from_millis(timeout_ms),
                },
                SubtitleFailure::Libav(av) => SubtitleError::Libav {
                    path,
                    source: av.into(),
                },
                SubtitleFailure::Io(io) => SubtitleError::Io {
                    path,
                    source: wire::io_from_wire(io),
                },
                SubtitleFailure::Other(_) => SubtitleError::Backend {
                    path,
                    source: Arc::new(PluginError::Failed {
                        path: plugin.to_owned(),
                        what: "an error of a newer kind",
                    }),
                },
            }),
        }
    }

    /// A [`Prober`] probing through a [`LibavPlugin`].
    #[derive(Debug, Clone)]
    pub struct PluginProber {
        plugin: Arc<LibavPlugin>,
        limits: ProbeLimits,
    }

    impl PluginProber {
        /// Probes through `plugin` within `limits`.
        pub fn new(plugin: Arc<LibavPlugin>, limits: ProbeLimits) -> Self {
            Self { plugin, limits }
        }
    }

    impl Prober for PluginProber {
        fn probe(&self, path: &Path) -> Result<MediaInfo, ProbeError> {
            self.plugin.probe(path, &self.limits)
        }
    }
}

/// The plugin side: answers one JSON request with the linked backend and returns the JSON
/// reply, or nothing when the request is unreadable (the exported `jellyfin_libav_call` wraps
/// it in `catch_unwind`, so a panic also becomes an empty reply).
#[cfg(all(feature = "libav", feature = "libav-plugin"))]
pub fn serve(request: &[u8]) -> Vec<u8> {
    use std::os::unix::ffi::OsStrExt;
    use std::path::Path;
    use std::time::Duration;
    use wire::{Av, ProbeFailure, ProbeReply, Request, SubtitleFailure, SubtitleReply};

    use crate::probe::{LibavProber, ProbeError, ProbeLimits, Prober};
    use crate::subtitles::SubtitleError;

    let Ok(request) = serde_json::from_slice::<Request>(request) else {
        return Vec::new();
    };
    let reply = match request {
        Request::Probe {
            path,
            timeout_ms,
            probe_size,
            analyze_us,
        } => {
            let path = Path::new(std::ffi::OsStr::from_bytes(&path));
            let prober = LibavProber::new(ProbeLimits {
                timeout: Duration::from_millis(timeout_ms),
                probe_size,
                analyze_duration: Duration::from_micros(analyze_us),
            });
            let reply = match prober.probe(path) {
                Ok(info) => ProbeReply::Ok(Box::new(info)),
                Err(e) => ProbeReply::Err(match e {
                    ProbeError::Io { source, .. } => ProbeFailure::Io(wire::io_to_wire(&source)),
                    ProbeError::NotAFile { .. } => ProbeFailure::NotAFile,
                    ProbeError::Empty { .. } => ProbeFailure::Empty,
                    ProbeError::Open { source, .. } => ProbeFailure::Open(Av::from(&source)),
                    ProbeError::StreamInfo { source, .. } => {
                        ProbeFailure::StreamInfo(Av::from(&source))
                    }
                    ProbeError::Timeout { timeout, .. } => ProbeFailure::Timeout {
                        timeout_ms: u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX),
                    },
                    ProbeError::NoStreams { .. } => ProbeFailure::NoStreams,
                    ProbeError::Incomplete {
                        stream, partial, ..
                    } => ProbeFailure::Incomplete { stream, partial },
                    // The linked backend never gives it.
                    ProbeError::Backend { .. } => ProbeFailure::NoStreams,
                }),
            };
            serde_json::to_vec(&reply)
        }
        Request::Subtitles {
            path,
            ordinal,
            timeout_ms,
        } => {
            let path = Path::new(std::ffi::OsStr::from_bytes(&path));
            let reply = match crate::subtitles::extract_embedded(
                path,
                ordinal,
                Duration::from_millis(timeout_ms),
            ) {
                Ok(track) => SubtitleReply::Ok(track),
                Err(e) => SubtitleReply::Err(match e {
                    SubtitleError::NoSuchStream { index } => {
                        SubtitleFailure::NoSuchStream { index }
                    }
                    SubtitleError::Missing { .. } => SubtitleFailure::Missing,
                    SubtitleError::NotText { codec } => SubtitleFailure::NotText { codec },
                    SubtitleError::UnsupportedCodec { codec } => {
                        SubtitleFailure::UnsupportedCodec { codec }
                    }
                    SubtitleError::StreamMismatch { index, .. } => {
                        SubtitleFailure::StreamMismatch { index }
                    }
                    SubtitleError::TooLarge { .. } => SubtitleFailure::TooLarge,
                    SubtitleError::Timeout { timeout, .. } => SubtitleFailure::Timeout {
                        timeout_ms: u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX),
                    },
                    SubtitleError::Libav { source, .. } => {
                        SubtitleFailure::Libav(Av::from(&source))
                    }
                    SubtitleError::Io { source, .. } => {
                        SubtitleFailure::Io(wire::io_to_wire(&source))
                    }
                    other => SubtitleFailure::Other(other.to_string()),
                }),
            };
            serde_json::to_vec(&reply)
        }
    };
    reply.unwrap_or_default()
}

#[cfg(all(test, feature = "libav-plugin"))]
mod tests {
    use std::path::Path;
    use std::sync::Arc;

    use super::*;
    use crate::probe::{ProbeError, ProbeLimits, Prober};

    #[test]
    fn a_missing_or_foreign_library_is_a_load_error_kept_for_later_calls() {
        let missing = LibavPlugin::new("/nonexistent/libjellyfin_libav.so");
        assert!(matches!(
            &*missing.load().unwrap_err(),
            PluginError::Load { .. }
        ));
        assert!(!missing.is_loaded());
        // A real shared library that is not a plugin: libm has no `jellyfin_libav_abi`.
        let foreign = LibavPlugin::new("libm.so.6");
        match &*foreign.load().unwrap_err() {
            PluginError::Load { reason, .. } => {
                assert!(reason.contains("jellyfin_libav_abi"), "{reason}")
            }
            other => panic!("{other:?}"),
        }
        let prober = PluginProber::new(Arc::new(missing), ProbeLimits::default());
        let err = prober.probe(Path::new("/media/a.mkv")).unwrap_err();
        assert!(
            matches!(&err, ProbeError::Backend { path, .. } if path == Path::new("/media/a.mkv"))
        );
        assert!(std::error::Error::source(&err).is_some_and(|s| s.is::<Arc<PluginError>>()));
    }

    #[cfg(feature = "libav")]
    #[test]
    fn replies_give_what_the_linked_backend_gives() {
        use super::host::{decode_probe, decode_subtitles, probe_request, subtitles_request};
        use crate::probe::LibavProber;
        use std::process::Command;
        use std::time::Duration;

        let dir = tempfile::tempdir().unwrap();
        let srt = dir.path().join("a.srt");
        std::fs::write(
            &srt,
            "1\n00:00:00,200 --> 00:00:00,800\nHello <i>there</i>\n",
        )
        .unwrap();
        let media = dir.path().join("a.mkv");
        let status = Command::new("ffmpeg")
            .args(["-nostdin", "-loglevel", "error", "-f", "lavfi", "-i"])
            .arg("testsrc=size=64x48:rate=10:duration=1")
            .args(["-f", "lavfi", "-i", "sine=duration=1", "-i"])
            .arg(&srt)
            .args([
                "-map", "0", "-map", "1", "-map", "2", "-c:v", "mpeg4", "-c:a", "flac",
            ])
            .args(["-c:s", "srt"])
            .arg(&media)
            .status()
            .unwrap();
        assert!(status.success());
        let plugin = Path::new("libjellyfin_libav.so");
        let limits = ProbeLimits::default();
        let ask = |path: &Path| {
            let request = serde_json::to_vec(&probe_request(path, &limits)).unwrap();
            decode_probe(&serve(&request), path, plugin)
        };

        let linked = LibavProber::new(limits.clone()).probe(&media).unwrap();
        assert_eq!(ask(&media).unwrap(), linked);
        assert_eq!(linked.streams.len(), 3);

        let missing = dir.path().join("missing.mkv");
        match ask(&missing).unwrap_err() {
            ProbeError::Io { path, source } => {
                assert_eq!(path, missing);
                assert_eq!(source.kind(), std::io::ErrorKind::NotFound);
            }
            other => panic!("{other:?}"),
        }
        let junk = dir.path().join("junk.mkv");
        std::fs::write(&junk, [0x5au8; 4096]).unwrap();
        let (ProbeError::Open { source: linked, .. }, ProbeError::Open { source: via, .. }) = (
            LibavProber::new(limits.clone()).probe(&junk).unwrap_err(),
            ask(&junk).unwrap_err(),
        ) else {
            panic!("junk should fail to open");
        };
        assert_eq!(via, linked);

        let request = serde_json::to_vec(&subtitles_request(&media, 2, Duration::from_secs(10)));
        let track = decode_subtitles(&serve(&request.unwrap()), &media, plugin).unwrap();
        let direct =
            crate::subtitles::extract_embedded(&media, 2, Duration::from_secs(10)).unwrap();
        assert_eq!(track, direct);
        assert_eq!(track.cues.len(), 1);
        assert!(track.cues[0].text.contains("Hello"));

        // An unreadable request gets an empty reply, which the host reports as a failure.
        assert!(serve(b"not json").is_empty());
        assert!(matches!(
            decode_probe(&serve(b"{}"), &media, plugin),
            Err(ProbeError::Backend { .. })
        ));
    }
}
