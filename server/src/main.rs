//! The `jellyfin-server` binary: parses the command line, sets up logging and runs the server.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use clap::Parser;
use jellyfin_server::{serve, Server, ServerConfig};

mod scan;

/// A Jellyfin-compatible media server.
#[derive(Debug, Parser)]
#[command(
    name = "jellyfin-server",
    version,
    args_conflicts_with_subcommands = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    serve: ServeArgs,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Scan libraries into the data directory's database and print a summary.
    Scan(ScanArgs),
}

#[derive(Debug, clap::Args)]
struct ScanArgs {
    /// Where the database lives (default as for the server).
    #[arg(long, env = "JELLYFIN_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// A library as NAME:KIND:PATH (KIND: movies, tvshows, music, books, homevideos,
    /// musicvideos, mixed); repeatable. Several PATHs for one NAME add folders.
    #[arg(long = "library", required = true)]
    libraries: Vec<String>,
    /// Probe threads (default: one per core).
    #[arg(long, default_value_t = 0)]
    threads: usize,
    /// The libav plugin (default: `libjellyfin_libav.so` beside this program).
    #[arg(long, env = "JELLYFIN_LIBAV_PLUGIN")]
    libav_plugin: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
struct ServeArgs {
    /// A TOML configuration file (default: `jellyfin.toml` in the data directory, when it
    /// exists). Flags win over environment variables, which win over the file.
    #[arg(long, env = "JELLYFIN_CONFIG")]
    config: Option<PathBuf>,
    /// Where the server keeps its state (default: $XDG_DATA_HOME/jellyfin-rs or
    /// ~/.local/share/jellyfin-rs).
    #[arg(long, env = "JELLYFIN_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// Port to listen on (default 8096).
    #[arg(long, env = "JELLYFIN_PORT")]
    port: Option<u16>,
    /// Address to listen on (default 0.0.0.0).
    #[arg(long, env = "JELLYFIN_BIND")]
    bind: Option<IpAddr>,
    /// Log format: `human` (default) or `json`.
    #[arg(long, env = "JELLYFIN_LOG_FORMAT")]
    log_format: Option<String>,
    /// The server name shown to clients (default: the host name).
    #[arg(long)]
    server_name: Option<String>,
    /// A media folder (repeatable): becomes a library named after the folder, of mixed
    /// content; it is scanned at start and watched for changes.
    #[arg(long = "media")]
    media: Vec<PathBuf>,
    /// Creates this administrator at start when the server has no user yet (for NAS firmware
    /// and scripts; the startup wizard does the same from a browser).
    #[arg(long, env = "JELLYFIN_ADMIN_USER")]
    admin_user: Option<String>,
    /// The password of `--admin-user`.
    #[arg(long, env = "JELLYFIN_ADMIN_PASSWORD")]
    admin_password: Option<String>,
    /// A library as NAME:KIND:PATH (as for `scan`), scanned at start and watched; repeatable.
    #[arg(long = "library")]
    libraries: Vec<String>,
    /// The libav plugin, loaded when a file is first probed (default: `libjellyfin_libav.so`
    /// beside this program). Ignored by a build that links libav.
    #[arg(long, env = "JELLYFIN_LIBAV_PLUGIN")]
    libav_plugin: Option<PathBuf>,
    /// How many transcodes (`ffmpeg` processes) may run at once (default 2); a playback past
    /// the limit is answered 503.
    #[arg(long, env = "JELLYFIN_MAX_TRANSCODES")]
    max_transcodes: Option<usize>,
}

/// The configuration file: every key optional; unknown keys are an error (a typo should not
/// silently do nothing).
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
struct FileConfig {
    data_dir: Option<PathBuf>,
    port: Option<u16>,
    bind: Option<IpAddr>,
    server_name: Option<String>,
    admin_user: Option<String>,
    admin_password: Option<String>,
    log_format: Option<String>,
    libav_plugin: Option<PathBuf>,
    max_transcodes: Option<usize>,
    #[serde(default)]
    media: Vec<PathBuf>,
    #[serde(default)]
    libraries: Vec<String>,
}

fn read_file_config(path: &std::path::Path, required: bool) -> anyhow::Result<FileConfig> {
    match std::fs::read_to_string(path) {
        Ok(text) => toml::from_str(&text).with_context(|| format!("reading {}", path.display())),
        Err(e) if !required && e.kind() == std::io::ErrorKind::NotFound => {
            Ok(FileConfig::default())
        }
        Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
    }
}

/// Logs to standard output (`human` or `json`) and, when serving, also to daily files in the
/// log directory (human format, what `/System/Logs` lists).
fn init_logging(format: Option<&str>, log_dir: Option<&std::path::Path>) -> anyhow::Result<()> {
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    use tracing_subscriber::Layer;
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let stdout = match format.unwrap_or("human") {
        "json" => tracing_subscriber::fmt::layer().json().boxed(),
        "human" => tracing_subscriber::fmt::layer().boxed(),
        other => anyhow::bail!("unknown log format {other:?} (human or json)"),
    };
    let files = match log_dir {
        Some(dir) => {
            let files = jellyfin_server::logfile::DailyLogFiles::new(dir)
                .with_context(|| format!("creating the log directory {}", dir.display()))?;
            Some(
                tracing_subscriber::fmt::layer()
                    .with_ansi(false)
                    .with_writer(files),
            )
        }
        None => None,
    };
    tracing_subscriber::registry()
        .with(filter)
        .with(stdout)
        .with(files)
        .init();
    Ok(())
}

fn default_data_dir() -> anyhow::Result<PathBuf> {
    if let Some(x) = std::env::var_os("XDG_DATA_HOME").filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(x).join("jellyfin-rs"));
    }
    let home =
        std::env::var_os("HOME").context("neither --data-dir, XDG_DATA_HOME nor HOME is set")?;
    Ok(PathBuf::from(home).join(".local/share/jellyfin-rs"))
}

async fn shutdown_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = match signal(SignalKind::terminate()) {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!(error = %e, "cannot listen for SIGTERM");
            let _ = tokio::signal::ctrl_c().await;
            return;
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => tracing::info!("SIGINT received"),
        _ = term.recv() => tracing::info!("SIGTERM received"),
    }
}

/// Says where libav comes from; a configured plugin that is not there is a warning (files
/// found by scans are then recorded without stream data, with the reason).
fn report_libav(backend: &jellyfin_core::LibavBackend) {
    #[allow(unreachable_patterns)] // which variants exist depends on the core's features
    match backend {
        #[cfg(feature = "libav-plugin")]
        jellyfin_core::LibavBackend::Plugin(plugin) if !plugin.path().is_file() => {
            tracing::warn!(
                plugin = %plugin.path().display(),
                "the libav plugin is missing: files will not be probed (build it with \
                 `cargo build --release -p jellyfin-libav`, or pass --libav-plugin)"
            )
        }
        #[cfg(feature = "libav-plugin")]
        jellyfin_core::LibavBackend::Plugin(plugin) => tracing::info!(
            plugin = %plugin.path().display(),
            "libav: plugin, loaded on first probe"
        ),
        jellyfin_core::LibavBackend::None => {
            tracing::warn!("no libav: files will not be probed")
        }
        _ => tracing::info!("libav: linked in"),
    }
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    jellyfin_core::probe::quiet_libav_logs();
    if let Some(Command::Scan(args)) = cli.command {
        init_logging(None, None)?;
        return scan::run(
            args.data_dir.map_or_else(default_data_dir, Ok)?,
            &args.libraries,
            args.threads,
            args.libav_plugin
                .or_else(jellyfin_core::probe::plugin::beside_executable),
        );
    }
    let cli = cli.serve;
    // Precedence: flag, then environment (clap merges both), then the file, then defaults.
    let explicit_config = cli.config.is_some();
    let data_dir_hint = match &cli.data_dir {
        Some(d) => d.clone(),
        None => default_data_dir()?,
    };
    let file_path = cli
        .config
        .clone()
        .unwrap_or_else(|| data_dir_hint.join("jellyfin.toml"));
    let file = read_file_config(&file_path, explicit_config)?;
    let data_dir = cli
        .data_dir
        .clone()
        .or(file.data_dir.clone())
        .unwrap_or(data_dir_hint);
    let data_dir = std::path::absolute(&data_dir).unwrap_or(data_dir);
    let mut config = ServerConfig::new(data_dir);
    init_logging(
        cli.log_format.as_deref().or(file.log_format.as_deref()),
        Some(&config.log_dir),
    )?;
    let bind = cli.bind.or(file.bind).unwrap_or(IpAddr::from([0, 0, 0, 0]));
    config.bind = SocketAddr::new(bind, cli.port.or(file.port).unwrap_or(8096));
    if let Some(name) = cli.server_name.clone().or(file.server_name.clone()) {
        config.server_name = name;
    }
    if let Some(plugin) = cli.libav_plugin.clone().or(file.libav_plugin.clone()) {
        config.libav_plugin = Some(plugin);
    }
    config.max_transcodes = cli
        .max_transcodes
        .or(file.max_transcodes)
        .filter(|n| *n > 0);
    let media = if cli.media.is_empty() {
        file.media.clone()
    } else {
        cli.media.clone()
    };
    for m in &media {
        anyhow::ensure!(m.is_dir(), "media folder {} does not exist", m.display());
    }
    config.media_dirs = media;
    let libraries = if cli.libraries.is_empty() {
        file.libraries.clone()
    } else {
        cli.libraries.clone()
    };
    let admin_user = cli.admin_user.clone().or(file.admin_user.clone());
    let admin_password = cli
        .admin_password
        .clone()
        .or(file.admin_password.clone())
        .unwrap_or_default();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async move {
        let bind = config.bind;
        let server = Arc::new(Server::open(config).context("opening the data directory")?);
        let detecting = server.clone();
        std::thread::spawn(move || jellyfin_server::routes::hls::detect_encoders(&detecting));
        if let Some(name) = &admin_user {
            if server
                .library()
                .auth()
                .ensure_admin(name, &admin_password)?
                .is_some()
            {
                tracing::info!(user = %name, "created the first administrator");
            }
        }
        let mut specs = libraries.clone();
        for m in &server.config().media_dirs {
            let name = m
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "Media".to_owned());
            specs.push(format!("{name}:mixed:{}", m.display()));
        }
        let _watchers = scan::start_background(&server, &specs)?;
        let listener = tokio::net::TcpListener::bind(bind)
            .await
            .with_context(|| format!("binding {bind}"))?;
        tracing::info!(
            address = %listener.local_addr()?,
            data_dir = %server.config().data_dir.display(),
            server_id = %server.id(),
            "jellyfin-server listening"
        );
        report_libav(server.library().libav_backend());
        serve(server, listener, shutdown_signal()).await?;
        tracing::info!("stopped");
        anyhow::Ok(())
    })
}
