//! `jellyfin-server scan`: scans libraries with a progress bar (plain lines when not on a
//! terminal) and prints a summary.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{bail, Context};
use indicatif::{ProgressBar, ProgressStyle};
use jellyfin_core::scan::{ScanEvent, ScanOptions};
use jellyfin_core::store::LibraryKind;
use jellyfin_core::{LibraryConfig, MediaLibrary};

/// Parses `NAME:KIND:PATH` specs into (name, kind, folders), merging folders of one name.
fn parse_specs(specs: &[String]) -> anyhow::Result<Vec<(String, LibraryKind, Vec<PathBuf>)>> {
    let mut out: Vec<(String, LibraryKind, Vec<PathBuf>)> = Vec::new();
    for spec in specs {
        let mut parts = spec.splitn(3, ':');
        let (Some(name), Some(kind), Some(path)) = (parts.next(), parts.next(), parts.next())
        else {
            bail!("--library {spec:?}: expected NAME:KIND:PATH");
        };
        let Some(kind) = LibraryKind::from_name(kind) else {
            bail!("--library {spec:?}: unknown kind {kind:?} (movies, tvshows, music, books, homevideos, musicvideos, mixed)");
        };
        if name.is_empty() || path.is_empty() {
            bail!("--library {spec:?}: NAME and PATH must not be empty");
        }
        match out
            .iter_mut()
            .find(|(n, _, _)| n.eq_ignore_ascii_case(name))
        {
            Some((_, k, folders)) => {
                if *k != kind {
                    bail!("library {name:?} given with two kinds");
                }
                folders.push(PathBuf::from(path));
            }
            None => out.push((name.to_owned(), kind, vec![PathBuf::from(path)])),
        }
    }
    Ok(out)
}

/// Adds the libraries, watches them, and scans every library in the background through the
/// server's `RefreshLibrary` task (its progress shows in `/ScheduledTasks`); the returned
/// watchers stop watching when dropped.
pub fn start_background(
    server: &jellyfin_server::Server,
    specs: &[String],
) -> anyhow::Result<Vec<jellyfin_core::library::LibraryWatcher>> {
    let libraries = parse_specs(specs)?;
    let library: &Arc<MediaLibrary> = server.library();
    let mut watchers = Vec::new();
    for (name, kind, folders) in libraries {
        library.add_library(&name, kind, &folders)?;
        watchers.push(library.watch(&name, std::time::Duration::from_secs(2))?);
    }
    server
        .tasks()
        .start(jellyfin_core::tasks::TaskKind::RefreshLibrary);
    Ok(watchers)
}

pub fn run(
    data_dir: PathBuf,
    specs: &[String],
    threads: usize,
    libav_plugin: Option<PathBuf>,
) -> anyhow::Result<()> {
    let libraries = parse_specs(specs)?;
    let mut config = LibraryConfig::new(&data_dir);
    config.scan_threads = threads;
    config.libav_plugin = libav_plugin;
    let library =
        MediaLibrary::open(config).with_context(|| format!("opening {}", data_dir.display()))?;
    let terminal = std::io::stderr().is_terminal();
    let mut failed = false;
    for (name, kind, folders) in libraries {
        library.add_library(&name, kind, &folders)?;
        let bar = if terminal {
            let b = ProgressBar::new(0);
            b.set_style(
                ProgressStyle::with_template(
                    "{spinner} {prefix} [{bar:30}] {pos}/{len} {wide_msg}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
            );
            b.set_prefix(name.clone());
            Some(b)
        } else {
            None
        };
        let bar_for_events = bar.clone();
        let lib_name = name.clone();
        let progress = Arc::new(move |e: &ScanEvent| match (&bar_for_events, e) {
            (Some(b), ScanEvent::Walked { changed_units, .. }) => {
                b.set_length(*changed_units as u64)
            }
            (Some(b), ScanEvent::UnitDone { done, .. }) => b.set_position(*done as u64),
            (Some(b), ScanEvent::Probed { path, .. }) => b.set_message(path.clone()),
            (Some(_), _) => {}
            (
                None,
                ScanEvent::Walked {
                    files,
                    units,
                    changed_units,
                },
            ) => {
                println!("{lib_name}: {files} files, {units} units, {changed_units} changed")
            }
            (None, ScanEvent::UnitDone { done, total }) if done % 100 == 0 || done == total => {
                println!("{lib_name}: {done}/{total} units written")
            }
            (None, _) => {}
        });
        let options = ScanOptions {
            progress: Some(progress),
            ..ScanOptions::default()
        };
        let summary = library.scan(&name, &options)?;
        if let Some(b) = bar {
            b.finish_and_clear();
        }
        let kinds: BTreeMap<_, _> = summary.items_by_kind.iter().collect();
        println!(
            "{}: {} items ({}) in {:.2}s: {} added, {} updated, {} removed, {} unchanged units, {} probed, {} probe errors",
            summary.library,
            summary.items_by_kind.values().sum::<usize>(),
            kinds
                .iter()
                .map(|(k, n)| format!("{k} {n}"))
                .collect::<Vec<_>>()
                .join(", "),
            summary.elapsed.as_secs_f64(),
            summary.added,
            summary.updated,
            summary.removed,
            summary.unchanged_units,
            summary.probed,
            summary.probe_errors,
        );
        for e in &summary.folder_errors {
            eprintln!("{name}: folder not scanned: {e}");
            failed = true;
        }
    }
    if failed {
        bail!("some library folders could not be scanned (their items were kept)");
    }
    Ok(())
}
