use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::*;
use crate::activity::{EntryQuery, NewEntry};
use crate::store::{ItemKind, ItemQuery, LibraryKind};
use crate::LibraryConfig;

struct Fixture {
    _dir: tempfile::TempDir,
    media: PathBuf,
    log_dir: PathBuf,
    library: Arc<MediaLibrary>,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let media = dir.path().join("media");
    for name in ["Alpha (2001)", "Beta (2002)"] {
        std::fs::create_dir_all(media.join(name)).unwrap();
        std::fs::write(media.join(name).join(format!("{name}.mkv")), b"not video").unwrap();
    }
    let mut library = MediaLibrary::open(LibraryConfig::new(dir.path().join("data"))).unwrap();
    library.set_prober(None);
    let library = Arc::new(library);
    library
        .add_library("Movies", LibraryKind::Movies, std::slice::from_ref(&media))
        .unwrap();
    let log_dir = dir.path().join("log");
    std::fs::create_dir_all(&log_dir).unwrap();
    Fixture {
        media,
        log_dir,
        library,
        _dir: dir,
    }
}

fn manager(f: &Fixture, with_logs: bool) -> Arc<TaskManager> {
    Arc::new(TaskManager::new(
        f.library.clone(),
        TaskEnv {
            data_dir: f.library.store().path().parent().unwrap().to_owned(),
            log_dir: with_logs.then(|| f.log_dir.clone()),
        },
    ))
}

fn movies(lib: &MediaLibrary) -> usize {
    lib.query(&ItemQuery {
        include_kinds: vec![ItemKind::Movie],
        limit: Some(0),
        ..ItemQuery::default()
    })
    .unwrap()
    .total_record_count
}

#[test]
fn ids_keys_and_lookup_are_jellyfins() {
    let cases = [
        (
            TaskKind::RefreshLibrary,
            "7738148ffcd07979c7ceb148e06b3aed",
            "RefreshLibrary",
        ),
        (
            TaskKind::CleanActivityLog,
            "b461ef918ab28520928183e794350e3c",
            "CleanActivityLog",
        ),
        (
            TaskKind::CleanLogFiles,
            "1c8ede62c521bea0bf851344f5b8ca40",
            "CleanLogFiles",
        ),
        (
            TaskKind::OptimizeDatabase,
            "31de9ce83b9223d338c77b1a635e144b",
            "OptimizeDatabaseTask",
        ),
    ];
    for (kind, id, key) in cases {
        assert_eq!(kind.id(), id, "{kind:?}");
        assert_eq!(kind.key(), key);
        assert_eq!(TaskKind::find(id), Some(kind));
        assert_eq!(TaskKind::find(&id.to_ascii_uppercase()), Some(kind));
        assert_eq!(TaskKind::find(&key.to_ascii_lowercase()), Some(kind));
    }
    assert_eq!(
        TaskKind::find("7738148f-fcd0-7979-c7ce-b148e06b3aed"),
        Some(TaskKind::RefreshLibrary)
    );
    assert_eq!(TaskKind::find("0123456789abcdef0123456789abcdef"), None);
}

#[test]
fn only_runnable_tasks_are_listed() {
    let f = fixture();
    let keys =
        |m: &TaskManager| -> Vec<&str> { m.list().unwrap().iter().map(|t| t.kind.key()).collect() };
    assert_eq!(
        keys(&manager(&f, true)),
        [
            "RefreshLibrary",
            "CleanActivityLog",
            "CleanLogFiles",
            "OptimizeDatabaseTask"
        ]
    );
    let no_logs = manager(&f, false);
    assert_eq!(
        keys(&no_logs),
        ["RefreshLibrary", "CleanActivityLog", "OptimizeDatabaseTask"]
    );
    assert_eq!(no_logs.find(&TaskKind::CleanLogFiles.id()), None);
    let scan = &no_logs.list().unwrap()[0];
    assert_eq!(scan.kind.name(), "Scan Media Library");
    assert_eq!(scan.kind.category(), "Library");
    assert_eq!(scan.state, TaskState::Idle);
    assert_eq!(scan.progress, None);
    assert_eq!(scan.last_result, None);
    assert_eq!(
        scan.triggers,
        [Trigger::interval(12 * 3_600 * TICKS_PER_SECOND)]
    );
}

#[test]
fn refresh_library_scans_reports_progress_and_records_the_result() {
    let f = fixture();
    let m = manager(&f, true);
    assert_eq!(movies(&f.library), 0);
    // A listener sees the task running, then idle with a result.
    type Seen = Vec<(TaskState, Option<f64>, bool)>;
    let seen: Arc<Mutex<Seen>> = Arc::default();
    let s = seen.clone();
    m.on_change(Arc::new(move |info: &TaskInfo| {
        s.lock()
            .unwrap()
            .push((info.state, info.progress, info.last_result.is_some()))
    }));
    let before = SystemTime::now();
    assert!(m.start(TaskKind::RefreshLibrary));
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while m.info(TaskKind::RefreshLibrary).unwrap().state != TaskState::Idle {
        assert!(
            std::time::Instant::now() < deadline,
            "the scan did not finish"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(movies(&f.library), 2);
    let info = m.info(TaskKind::RefreshLibrary).unwrap();
    let result = info.last_result.unwrap();
    assert_eq!(result.status, TaskStatus::Completed);
    assert!(result.start >= before - Duration::from_secs(1) && result.end >= result.start);
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert_eq!(seen[0].0, TaskState::Running);
    assert_eq!(seen[1], (TaskState::Idle, None, true));
    // A completed task is not an activity entry (Jellyfin logs failures only).
    let (entries, _) = f
        .library
        .activity()
        .entries(&EntryQuery::default())
        .unwrap();
    assert!(entries.iter().all(|e| e.entry.kind != "TaskFailed"));
    // The result survives a new manager (it is stored).
    let again = manager(&f, true);
    assert_eq!(
        again
            .info(TaskKind::RefreshLibrary)
            .unwrap()
            .last_result
            .unwrap()
            .status,
        TaskStatus::Completed
    );
    // A new file shows up after the next run.
    std::fs::create_dir_all(f.media.join("Gamma (2003)")).unwrap();
    std::fs::write(f.media.join("Gamma (2003)/Gamma (2003).mkv"), b"x").unwrap();
    assert_eq!(
        m.run_now(TaskKind::RefreshLibrary).unwrap().status,
        TaskStatus::Completed
    );
    assert_eq!(movies(&f.library), 3);
}

#[test]
fn progress_moves_forward_only() {
    let p = Progress::default();
    for (advance, want) in [
        (10.0, 10.0),
        (5.0, 10.0),
        (55.5, 55.5),
        (150.0, 100.0),
        (-1.0, 100.0),
    ] {
        p.advance(advance);
        assert_eq!(p.get(), want);
    }
    let fractions = [
        (
            ScanEvent::Walked {
                files: 1,
                units: 1,
                changed_units: 1,
            },
            Some(0.05),
        ),
        (
            ScanEvent::Probed {
                path: String::new(),
                done: 1,
                total: 2,
            },
            Some(0.35),
        ),
        (ScanEvent::UnitDone { done: 2, total: 2 }, Some(1.0)),
        (ScanEvent::UnitDone { done: 0, total: 0 }, Some(1.0)),
        (ScanEvent::Found { items: 3 }, None),
    ];
    for (e, want) in fractions {
        let got = scan_fraction(&e);
        assert!(
            got.zip(want)
                .map_or(got == want, |(g, w)| (g - w).abs() < 1e-9),
            "{e:?}: {got:?}"
        );
    }
}

#[test]
fn cancelling_shows_cancelling_then_records_cancelled() {
    let f = fixture();
    let m = manager(&f, true);
    assert!(matches!(
        m.cancel(TaskKind::RefreshLibrary),
        Err(TaskError::NotRunning(_))
    ));
    // Hold the task as running, as a run in progress would.
    let ctx = m.begin(TaskKind::RefreshLibrary).unwrap();
    assert!(
        m.begin(TaskKind::RefreshLibrary).is_none(),
        "a second run is refused"
    );
    assert!(!m.start(TaskKind::RefreshLibrary));
    ctx.progress(42.0);
    let info = m.info(TaskKind::RefreshLibrary).unwrap();
    assert_eq!(
        (info.state, info.progress),
        (TaskState::Running, Some(42.0))
    );
    m.cancel(TaskKind::RefreshLibrary).unwrap();
    assert_eq!(
        m.info(TaskKind::RefreshLibrary).unwrap().state,
        TaskState::Cancelling
    );
    let result = m.execute(TaskKind::RefreshLibrary, ctx);
    assert_eq!(result.status, TaskStatus::Cancelled);
    assert_eq!(movies(&f.library), 0, "a cancelled scan wrote nothing");
    let info = m.info(TaskKind::RefreshLibrary).unwrap();
    assert_eq!(info.state, TaskState::Idle);
    assert_eq!(info.last_result.unwrap().status, TaskStatus::Cancelled);
}

#[test]
fn triggers_are_stored_and_returned() {
    let f = fixture();
    let m = manager(&f, true);
    let weekly = Trigger {
        kind: TriggerKind::Weekly,
        time_of_day_ticks: Some(3 * 3_600 * TICKS_PER_SECOND),
        interval_ticks: None,
        day_of_week: Some(2),
        max_runtime_ticks: Some(600 * TICKS_PER_SECOND),
    };
    let startup = Trigger {
        kind: TriggerKind::Startup,
        time_of_day_ticks: None,
        interval_ticks: None,
        day_of_week: None,
        max_runtime_ticks: None,
    };
    m.set_triggers(TaskKind::RefreshLibrary, &[weekly.clone(), startup.clone()])
        .unwrap();
    assert_eq!(
        manager(&f, true)
            .info(TaskKind::RefreshLibrary)
            .unwrap()
            .triggers,
        [weekly, startup]
    );
    // An empty list stays empty (no defaults come back); other tasks keep theirs.
    m.set_triggers(TaskKind::RefreshLibrary, &[]).unwrap();
    assert!(m
        .info(TaskKind::RefreshLibrary)
        .unwrap()
        .triggers
        .is_empty());
    assert_eq!(
        m.info(TaskKind::OptimizeDatabase).unwrap().triggers,
        [Trigger::interval(6 * 3_600 * TICKS_PER_SECOND)]
    );
}

#[test]
fn maintenance_tasks_do_their_work() {
    let f = fixture();
    let m = manager(&f, true);
    // Activity entries older than the retention go; new ones stay.
    let old = SystemTime::now() - Duration::from_secs(40 * 86_400);
    f.library
        .store()
        .write(|tx| crate::activity::record(tx, &NewEntry::new("old", "Test"), old))
        .unwrap();
    f.library
        .activity()
        .record(&NewEntry::new("new", "Test"))
        .unwrap();
    assert_eq!(
        m.run_now(TaskKind::CleanActivityLog).unwrap().status,
        TaskStatus::Completed
    );
    let (entries, _) = f
        .library
        .activity()
        .entries(&EntryQuery::default())
        .unwrap();
    let names: Vec<&str> = entries.iter().map(|e| e.entry.name.as_str()).collect();
    assert_eq!(names, ["new"]);
    // Log files: a fresh one stays.
    std::fs::write(f.log_dir.join("log_20990101.log"), "x").unwrap();
    assert_eq!(
        m.run_now(TaskKind::CleanLogFiles).unwrap().status,
        TaskStatus::Completed
    );
    assert!(f.log_dir.join("log_20990101.log").exists());
    assert_eq!(
        m.run_now(TaskKind::OptimizeDatabase).unwrap().status,
        TaskStatus::Completed
    );
    assert_eq!(f.library.store().integrity_check().unwrap(), Ok(()));
}

#[test]
fn due_tasks_start_from_their_triggers() {
    let f = fixture();
    let m = manager(&f, true);
    for k in TaskKind::ALL {
        m.set_triggers(k, &[]).unwrap();
    }
    assert!(m
        .run_due(SystemTime::now() + Duration::from_secs(86_400))
        .is_empty());
    m.set_triggers(
        TaskKind::OptimizeDatabase,
        &[Trigger {
            kind: TriggerKind::Startup,
            time_of_day_ticks: None,
            interval_ticks: None,
            day_of_week: None,
            max_runtime_ticks: None,
        }],
    )
    .unwrap();
    assert_eq!(m.run_due(SystemTime::now()), [TaskKind::OptimizeDatabase]);
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while m
        .info(TaskKind::OptimizeDatabase)
        .unwrap()
        .last_result
        .is_none()
    {
        assert!(std::time::Instant::now() < deadline);
        std::thread::sleep(Duration::from_millis(20));
    }
    // It ran since the start: not due again.
    while m.info(TaskKind::OptimizeDatabase).unwrap().state != TaskState::Idle {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(m.run_due(SystemTime::now()).is_empty());
}

#[test]
fn next_run_follows_each_trigger_kind() {
    let t = |secs: u64| UNIX_EPOCH + Duration::from_secs(secs);
    // 2024-05-01 was a Wednesday; 1_714_521_600 is its midnight UTC.
    let wed = 1_714_521_600u64;
    let h = 3_600u64;
    let ticks = |secs: u64| secs as i64 * TICKS_PER_SECOND;
    let trigger = |kind, tod: Option<u64>, interval: Option<u64>, dow: Option<u8>| Trigger {
        kind,
        time_of_day_ticks: tod.map(ticks),
        interval_ticks: interval.map(ticks),
        day_of_week: dow,
        max_runtime_ticks: None,
    };
    use TriggerKind::*;
    let started = t(wed + 10 * h);
    let cases = [
        // Interval: after the last run, or an hour after the start.
        (
            trigger(Interval, None, Some(12 * h), None),
            Some(t(wed)),
            Some(t(wed + 12 * h)),
        ),
        (
            trigger(Interval, None, Some(12 * h), None),
            None,
            Some(t(wed + 11 * h)),
        ),
        (trigger(Interval, None, Some(0), None), None, None),
        (trigger(Interval, None, None, None), None, None),
        // Daily at 03:00: the next 03:00 after the start (not caught up).
        (
            trigger(Daily, Some(3 * h), None, None),
            None,
            Some(t(wed + 27 * h)),
        ),
        (
            trigger(Daily, Some(12 * h), None, None),
            None,
            Some(t(wed + 12 * h)),
        ),
        (
            trigger(Daily, Some(12 * h), None, None),
            Some(t(wed + 13 * h)),
            Some(t(wed + 36 * h)),
        ),
        (trigger(Daily, Some(25 * h), None, None), None, None),
        // Weekly: Friday (5) 01:00 is two days later; Wednesday 01:00 a week later.
        (
            trigger(Weekly, Some(h), None, Some(5)),
            None,
            Some(t(wed + 49 * h)),
        ),
        (
            trigger(Weekly, Some(h), None, Some(3)),
            None,
            Some(t(wed + 7 * 24 * h + h)),
        ),
        (trigger(Weekly, Some(h), None, None), None, None),
        // Start-up: at the start, unless it ran since.
        (trigger(Startup, None, None, None), None, Some(started)),
        (
            trigger(Startup, None, None, None),
            Some(t(wed)),
            Some(started),
        ),
        (
            trigger(Startup, None, None, None),
            Some(t(wed + 11 * h)),
            None,
        ),
    ];
    for (trig, last, want) in cases {
        assert_eq!(
            next_run(&trig, last, started),
            want,
            "{trig:?} after {last:?}"
        );
    }
}
