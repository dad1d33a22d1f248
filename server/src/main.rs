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
}

#[derive(Debug, clap::Args)]
struct ServeArgs {
    /// Where the server keeps its state (default: $XDG_DATA_HOME/jellyfin-rs or
    /// ~/.local/share/jellyfin-rs).
    #[arg(long, env = "JELLYFIN_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// Port to listen on.
    #[arg(long, default_value_t = 8096)]
    port: u16,
    /// Address to listen on.
    #[arg(long, default_value = "0.0.0.0")]
    bind: IpAddr,
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
    #[arg(long, env = "JELLYFIN_ADMIN_PASSWORD", default_value = "")]
    admin_password: String,
    /// A library as NAME:KIND:PATH (as for `scan`), scanned at start and watched; repeatable.
    #[arg(long = "library")]
    libraries: Vec<String>,
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

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let cli = Cli::parse();
    jellyfin_core::probe::quiet_libav_logs();
    if let Some(Command::Scan(args)) = cli.command {
        return scan::run(
            args.data_dir.map_or_else(default_data_dir, Ok)?,
            &args.libraries,
            args.threads,
        );
    }
    let cli = cli.serve;
    let data_dir = match cli.data_dir {
        Some(d) => d,
        None => default_data_dir()?,
    };
    let data_dir = std::path::absolute(&data_dir).unwrap_or(data_dir);
    let mut config = ServerConfig::new(data_dir);
    config.bind = SocketAddr::new(cli.bind, cli.port);
    if let Some(name) = cli.server_name {
        config.server_name = name;
    }
    for m in &cli.media {
        anyhow::ensure!(m.is_dir(), "media folder {} does not exist", m.display());
    }
    config.media_dirs = cli.media;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async move {
        let bind = config.bind;
        let server = Arc::new(Server::open(config).context("opening the data directory")?);
        if let Some(name) = &cli.admin_user {
            if server
                .library()
                .auth()
                .ensure_admin(name, &cli.admin_password)?
                .is_some()
            {
                tracing::info!(user = %name, "created the first administrator");
            }
        }
        let mut specs = cli.libraries.clone();
        for m in &server.config().media_dirs {
            let name = m
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "Media".to_owned());
            specs.push(format!("{name}:mixed:{}", m.display()));
        }
        let _watchers = scan::start_background(server.library().clone(), &specs)?;
        let listener = tokio::net::TcpListener::bind(bind)
            .await
            .with_context(|| format!("binding {bind}"))?;
        tracing::info!(
            address = %listener.local_addr()?,
            data_dir = %server.config().data_dir.display(),
            server_id = %server.id(),
            "jellyfin-server listening"
        );
        serve(server, listener, shutdown_signal()).await?;
        tracing::info!("stopped");
        anyhow::Ok(())
    })
}
