//! Server configuration: everything the server needs, given explicitly (no globals, no paths
//! relative to the working directory).

use std::net::SocketAddr;
use std::path::PathBuf;

/// Configuration of one server instance.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Where the server keeps its state (server id, database, caches).
    pub data_dir: PathBuf,
    /// Address to listen on.
    pub bind: SocketAddr,
    /// The name shown to clients.
    pub server_name: String,
    /// Media folders given on the command line.
    pub media_dirs: Vec<PathBuf>,
    /// Where the binary writes its log files and `/System/Logs` lists them (default
    /// `<data_dir>/log`).
    pub log_dir: PathBuf,
    /// The path prefix every route is under (Jellyfin's `BaseUrl`, e.g. `/jellyfin`); `None`:
    /// the API is at the root. See [`normalize_base_path`].
    pub base_path: Option<String>,
    /// The libav plugin (`libjellyfin_libav.so`) probing and subtitle reading load on first
    /// use, when the core is built with `libav-plugin` and without `libav` (default: beside the
    /// executable).
    pub libav_plugin: Option<PathBuf>,
    /// How many `ffmpeg` transcodes may run at once (`None`: the core's default, 2).
    pub max_transcodes: Option<usize>,
}

impl ServerConfig {
    /// A configuration with defaults for everything but the data directory.
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        let data_dir: PathBuf = data_dir.into();
        Self {
            log_dir: data_dir.join("log"),
            data_dir,
            bind: SocketAddr::from(([0, 0, 0, 0], 8096)),
            server_name: default_server_name(),
            media_dirs: Vec::new(),
            base_path: None,
            libav_plugin: jellyfin_core::probe::plugin::beside_executable(),
            max_transcodes: None,
        }
    }
}

impl ServerConfig {
    /// The core library configuration of this server.
    pub fn library_config(&self) -> jellyfin_core::LibraryConfig {
        let mut config = jellyfin_core::LibraryConfig::new(&self.data_dir);
        config.libav_plugin = self.libav_plugin.clone();
        if let Some(max) = self.max_transcodes {
            config.transcode.max_jobs = max;
        }
        config
    }
}

/// A base path as the server compares it: one leading `/`, no trailing `/`; `None` for an
/// empty path or `/` (the root).
pub fn normalize_base_path(path: &str) -> Option<String> {
    let trimmed = path.trim().trim_matches('/');
    (!trimmed.is_empty()).then(|| format!("/{trimmed}"))
}

/// The machine's host name, or `jellyfin-rs`.
pub fn default_server_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "jellyfin-rs".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn library_config_carries_the_plugin_and_the_transcode_limit() {
        let mut config = ServerConfig::new("/srv/jellyfin");
        let default = config.library_config();
        assert_eq!(default.data_dir, PathBuf::from("/srv/jellyfin"));
        assert_eq!(default.libav_plugin, config.libav_plugin);
        let default_jobs = default.transcode.max_jobs;
        config.max_transcodes = Some(default_jobs + 3);
        config.libav_plugin = Some(PathBuf::from("/opt/jf/libjellyfin_libav.so"));
        let set = config.library_config();
        assert_eq!(set.transcode.max_jobs, default_jobs + 3);
        assert_eq!(
            set.libav_plugin.as_deref(),
            Some(std::path::Path::new("/opt/jf/libjellyfin_libav.so"))
        );
    }
}
