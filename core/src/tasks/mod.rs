//! Scheduled tasks: the maintenance jobs this server really runs, listed as Jellyfin lists its
//! scheduled tasks (`ScheduledTaskWorker`): a state (idle, running, cancelling), the progress
//! of a running one, the last run's result and the triggers that start it.
//!
//! The tasks ([`TaskKind`]): `RefreshLibrary` ("Scan Media Library": every library scanned
//! with the real scanner, progress from its events, cancellation between scan units),
//! `CleanActivityLog` (entries older than `ActivityLogRetentionDays`), `CleanLogFiles` (log
//! files older than `LogFileRetentionDays`, when the server has a log directory) and
//! `OptimizeDatabaseTask` (SQLite `PRAGMA optimize` and `VACUUM`). Only tasks that can run are
//! listed. Ids are Jellyfin's (the MD5 of its task class name), so clients that remember them
//! keep working.
//!
//! State lives in the [`TaskManager`] (running tasks, progress, cancel flags); the last result
//! and stored triggers are in the store (table `scheduled_tasks`). Triggers are kept and
//! honoured by [`TaskManager::run_due`] (intervals, daily and weekly times in UTC, start-up);
//! a failed run is recorded in the activity log as Jellyfin does (`TaskFailed`).

mod schedule;

#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde_json::{json, Value};

use crate::activity::events;
use crate::auth::{from_ms, to_ms};
use crate::scan::{CancelToken, ScanError, ScanEvent, ScanOptions};
use crate::settings::Settings;
use crate::store::StoreError;
use crate::{Error, MediaLibrary};

pub use schedule::next_run;

/// Refusals of task operations.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TaskError {
    /// No task has this id or key.
    #[error("no scheduled task {0:?}")]
    UnknownTask(String),
    /// The task is not running (nothing to cancel).
    #[error("the task {0} is not running")]
    NotRunning(&'static str),
}

/// The tasks this server runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TaskKind {
    /// Scan every library ("Scan Media Library").
    RefreshLibrary,
    /// Delete old activity log entries.
    CleanActivityLog,
    /// Delete old log files.
    CleanLogFiles,
    /// Optimise and compact the database.
    OptimizeDatabase,
}

impl TaskKind {
    /// Every task, in listing order.
    pub const ALL: [TaskKind; 4] = [
        TaskKind::RefreshLibrary,
        TaskKind::CleanActivityLog,
        TaskKind::CleanLogFiles,
        TaskKind::OptimizeDatabase,
    ];

    /// Jellyfin's `Key` (what jellyfin-web looks the scan task up by).
    pub fn key(self) -> &'static str {
        match self {
            TaskKind::RefreshLibrary => "RefreshLibrary",
            TaskKind::CleanActivityLog => "CleanActivityLog",
            TaskKind::CleanLogFiles => "CleanLogFiles",
            TaskKind::OptimizeDatabase => "OptimizeDatabaseTask",
        }
    }

    /// The full name of Jellyfin's task class, from which its id derives.
    fn class_name(self) -> &'static str {
        match self {
            TaskKind::RefreshLibrary => {
                "Emby.Server.Implementations.ScheduledTasks.Tasks.RefreshMediaLibraryTask"
            }
            TaskKind::CleanActivityLog => {
                "Emby.Server.Implementations.ScheduledTasks.Tasks.CleanActivityLogTask"
            }
            TaskKind::CleanLogFiles => {
                "Emby.Server.Implementations.ScheduledTasks.Tasks.DeleteLogFileTask"
            }
            TaskKind::OptimizeDatabase => {
                "Emby.Server.Implementations.ScheduledTasks.Tasks.OptimizeDatabaseTask"
            }
        }
    }

    /// Jellyfin's id: the MD5 of the UTF-16 class name read as a .NET `Guid`, in N format.
    pub fn id(self) -> String {
        use md5::{Digest, Md5};
        let utf16: Vec<u8> = self
            .class_name()
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        let h = Md5::digest(&utf16);
        // .NET writes the first three fields of a Guid's bytes little-endian.
        let order = [3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15];
        order.iter().map(|&i| format!("{:02x}", h[i])).collect()
    }

    /// The task with this id (any case, N or D format) or key (ignoring case).
    pub fn find(id_or_key: &str) -> Option<Self> {
        let id = id_or_key.replace('-', "").to_ascii_lowercase();
        Self::ALL
            .into_iter()
            .find(|k| k.id() == id || k.key().eq_ignore_ascii_case(id_or_key))
    }

    /// Its display name (Jellyfin's en-US wording).
    pub fn name(self) -> &'static str {
        match self {
            TaskKind::RefreshLibrary => "Scan Media Library",
            TaskKind::CleanActivityLog => "Clean Activity Log",
            TaskKind::CleanLogFiles => "Clean Log Directory",
            TaskKind::OptimizeDatabase => "Optimize database",
        }
    }

    /// Its description (Jellyfin's en-US wording; the log task names the retention).
    pub fn description(self, log_retention_days: u32) -> String {
        match self {
            TaskKind::RefreshLibrary => {
                "Scans your media library for new files and refreshes metadata.".to_owned()
            }
            TaskKind::CleanActivityLog => {
                "Deletes activity log entries older than the configured age.".to_owned()
            }
            TaskKind::CleanLogFiles => {
                format!("Deletes log files that are more than {log_retention_days} days old.")
            }
            TaskKind::OptimizeDatabase => "Compacts database and truncates free space. Running \
                this task after scanning the library or doing other changes that imply database \
                modifications might improve performance."
                .to_owned(),
        }
    }

    /// Its category.
    pub fn category(self) -> &'static str {
        match self {
            TaskKind::RefreshLibrary => "Library",
            _ => "Maintenance",
        }
    }

    /// Jellyfin's default triggers.
    pub fn default_triggers(self) -> Vec<Trigger> {
        let hours = |h: i64| Trigger::interval(h * 3_600 * TICKS_PER_SECOND);
        match self {
            TaskKind::RefreshLibrary => vec![hours(12)],
            TaskKind::CleanActivityLog => Vec::new(),
            TaskKind::CleanLogFiles => vec![hours(24)],
            TaskKind::OptimizeDatabase => vec![hours(6)],
        }
    }
}

/// 100-ns ticks per second (Jellyfin's unit for trigger times).
pub const TICKS_PER_SECOND: i64 = 10_000_000;

/// What a task is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskState {
    /// Not running.
    Idle,
    /// Running.
    Running,
    /// Asked to stop, not stopped yet.
    Cancelling,
}

impl TaskState {
    /// Jellyfin's name.
    pub fn name(self) -> &'static str {
        match self {
            TaskState::Idle => "Idle",
            TaskState::Running => "Running",
            TaskState::Cancelling => "Cancelling",
        }
    }
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskStatus {
    /// It finished.
    Completed,
    /// It failed.
    Failed,
    /// It was cancelled.
    Cancelled,
    /// It was interrupted (the server stopped).
    Aborted,
}

impl TaskStatus {
    const ALL: [TaskStatus; 4] = [
        TaskStatus::Completed,
        TaskStatus::Failed,
        TaskStatus::Cancelled,
        TaskStatus::Aborted,
    ];

    /// Jellyfin's name.
    pub fn name(self) -> &'static str {
        match self {
            TaskStatus::Completed => "Completed",
            TaskStatus::Failed => "Failed",
            TaskStatus::Cancelled => "Cancelled",
            TaskStatus::Aborted => "Aborted",
        }
    }

    fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.name() == name)
    }
}

/// The result of a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskResult {
    /// When it started.
    pub start: SystemTime,
    /// When it ended.
    pub end: SystemTime,
    /// How it ended.
    pub status: TaskStatus,
    /// Why it failed.
    pub error: Option<String>,
}

/// When a trigger fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TriggerKind {
    /// Every day at a time.
    Daily,
    /// Every week on a day at a time.
    Weekly,
    /// Some time after the last run ended.
    Interval,
    /// When the server starts.
    Startup,
}

impl TriggerKind {
    const ALL: [TriggerKind; 4] = [
        TriggerKind::Daily,
        TriggerKind::Weekly,
        TriggerKind::Interval,
        TriggerKind::Startup,
    ];

    /// Jellyfin's name (`DailyTrigger`, ...).
    pub fn name(self) -> &'static str {
        match self {
            TriggerKind::Daily => "DailyTrigger",
            TriggerKind::Weekly => "WeeklyTrigger",
            TriggerKind::Interval => "IntervalTrigger",
            TriggerKind::Startup => "StartupTrigger",
        }
    }

    /// The kind named `name` (ignoring case).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|k| k.name().eq_ignore_ascii_case(name))
    }
}

/// Days of the week, Sunday first (.NET's `DayOfWeek`).
pub const WEEKDAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];

/// When a task runs by itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trigger {
    /// The kind.
    pub kind: TriggerKind,
    /// Daily and weekly: the time of day (UTC) in ticks.
    pub time_of_day_ticks: Option<i64>,
    /// Interval: the interval in ticks.
    pub interval_ticks: Option<i64>,
    /// Weekly: the day, 0 = Sunday.
    pub day_of_week: Option<u8>,
    /// Cancels a run started by this trigger after this long (stored and shown; not enforced).
    pub max_runtime_ticks: Option<i64>,
}

impl Trigger {
    /// An interval trigger.
    pub fn interval(ticks: i64) -> Self {
        Self {
            kind: TriggerKind::Interval,
            time_of_day_ticks: None,
            interval_ticks: Some(ticks),
            day_of_week: None,
            max_runtime_ticks: None,
        }
    }

    fn to_stored(&self) -> Value {
        json!({
            "kind": self.kind.name(),
            "time_of_day_ticks": self.time_of_day_ticks,
            "interval_ticks": self.interval_ticks,
            "day_of_week": self.day_of_week,
            "max_runtime_ticks": self.max_runtime_ticks,
        })
    }

    fn from_stored(v: &Value) -> Option<Self> {
        Some(Self {
            kind: TriggerKind::from_name(v.get("kind")?.as_str()?)?,
            time_of_day_ticks: v.get("time_of_day_ticks").and_then(Value::as_i64),
            interval_ticks: v.get("interval_ticks").and_then(Value::as_i64),
            day_of_week: v
                .get("day_of_week")
                .and_then(Value::as_u64)
                .and_then(|d| u8::try_from(d).ok())
                .filter(|d| *d < 7),
            max_runtime_ticks: v.get("max_runtime_ticks").and_then(Value::as_i64),
        })
    }
}

/// A task as listed.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskInfo {
    /// Which task.
    pub kind: TaskKind,
    /// Its id ([`TaskKind::id`]).
    pub id: String,
    /// Its description.
    pub description: String,
    /// What it is doing.
    pub state: TaskState,
    /// Percent done of a running task.
    pub progress: Option<f64>,
    /// The last run's result.
    pub last_result: Option<TaskResult>,
    /// Its triggers (stored, or the defaults).
    pub triggers: Vec<Trigger>,
}

/// What the tasks need besides the library.
#[derive(Debug, Clone)]
pub struct TaskEnv {
    /// The data directory (the server configuration with the retention settings).
    pub data_dir: PathBuf,
    /// Where log files are written (`None`: no log files, and no `CleanLogFiles` task).
    pub log_dir: Option<PathBuf>,
}

/// A running task.
struct Run {
    cancel: CancelToken,
    progress: Progress,
}

/// A running task's percentage done, shared with the code doing the work. It never goes back.
#[derive(Debug, Clone, Default)]
struct Progress(Arc<AtomicU64>);

impl Progress {
    fn get(&self) -> f64 {
        f64::from_bits(self.0.load(Ordering::Relaxed))
    }

    fn advance(&self, percent: f64) {
        let percent = percent.clamp(0.0, 100.0);
        let _ = self
            .0
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |old| {
                (percent > f64::from_bits(old)).then_some(percent.to_bits())
            });
    }
}

/// A function told when a task starts or ends.
pub type TaskListener = Arc<dyn Fn(&TaskInfo) + Send + Sync>;

/// Runs the tasks and keeps their state. Share it in an `Arc`.
pub struct TaskManager {
    library: Arc<MediaLibrary>,
    env: TaskEnv,
    running: Mutex<HashMap<TaskKind, Run>>,
    listeners: Mutex<Vec<TaskListener>>,
    started_at: SystemTime,
}

impl std::fmt::Debug for TaskManager {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TaskManager")
            .field("env", &self.env)
            .finish_non_exhaustive()
    }
}

// ------------------------------------------------------------------ store

/// The stored triggers (`None`: never set) and last result of a task.
pub fn stored_state(
    conn: &Connection,
    kind: TaskKind,
) -> Result<(Option<Vec<Trigger>>, Option<TaskResult>), StoreError> {
    let row = conn
        .query_row(
            "SELECT triggers, last_start_ms, last_end_ms, last_status, last_error
             FROM scheduled_tasks WHERE task_key = ?1",
            [kind.key()],
            |r| {
                Ok((
                    r.get::<_, Option<String>>(0)?,
                    r.get::<_, Option<i64>>(1)?,
                    r.get::<_, Option<i64>>(2)?,
                    r.get::<_, Option<String>>(3)?,
                    r.get::<_, Option<String>>(4)?,
                ))
            },
        )
        .optional()?;
    let Some((triggers, start, end, status, error)) = row else {
        return Ok((None, None));
    };
    let corrupt = |column| StoreError::Corrupt { column };
    let triggers = triggers
        .map(|t| -> Result<Vec<Trigger>, StoreError> {
            let v: Value =
                serde_json::from_str(&t).map_err(|_| corrupt("scheduled_tasks.triggers"))?;
            v.as_array()
                .ok_or_else(|| corrupt("scheduled_tasks.triggers"))?
                .iter()
                .map(|t| Trigger::from_stored(t).ok_or_else(|| corrupt("scheduled_tasks.triggers")))
                .collect()
        })
        .transpose()?;
    let result = match (start, end, status) {
        (Some(start), Some(end), Some(status)) => Some(TaskResult {
            start: from_ms(start),
            end: from_ms(end),
            status: TaskStatus::from_name(&status)
                .ok_or_else(|| corrupt("scheduled_tasks.last_status"))?,
            error,
        }),
        _ => None,
    };
    Ok((triggers, result))
}

/// Stores a task's triggers.
pub fn store_triggers(
    tx: &Transaction<'_>,
    kind: TaskKind,
    triggers: &[Trigger],
) -> Result<(), StoreError> {
    let text = Value::Array(triggers.iter().map(Trigger::to_stored).collect()).to_string();
    tx.execute(
        "INSERT INTO scheduled_tasks (task_key, triggers) VALUES (?1, ?2)
         ON CONFLICT(task_key) DO UPDATE SET triggers = excluded.triggers",
        params![kind.key(), text],
    )?;
    Ok(())
}

/// Stores a task's last result.
pub fn store_result(
    tx: &Transaction<'_>,
    kind: TaskKind,
    result: &TaskResult,
) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO scheduled_tasks (task_key, last_start_ms, last_end_ms, last_status,
            last_error) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT(task_key) DO UPDATE SET last_start_ms = excluded.last_start_ms,
            last_end_ms = excluded.last_end_ms, last_status = excluded.last_status,
            last_error = excluded.last_error",
        params![
            kind.key(),
            to_ms(result.start),
            to_ms(result.end),
            result.status.name(),
            result.error
        ],
    )?;
    Ok(())
}

// ------------------------------------------------------------------ manager

/// How far one library's scan is (0 to 1) after an event: walking is the first 5%, probing the
/// next 60%, writing units the rest. `None` for events that say nothing about it.
pub fn scan_fraction(e: &ScanEvent) -> Option<f64> {
    let part = |done: usize, total: usize| {
        if total == 0 {
            1.0
        } else {
            (done as f64 / total as f64).min(1.0)
        }
    };
    match e {
        ScanEvent::Walked { .. } => Some(0.05),
        ScanEvent::Probed { done, total, .. } => Some(0.05 + 0.6 * part(*done, *total)),
        ScanEvent::UnitDone { done, total } => Some(0.65 + 0.35 * part(*done, *total)),
        _ => None,
    }
}

/// How a task body reports progress and learns of cancellation.
struct Ctx {
    cancel: CancelToken,
    progress: Progress,
}

impl Ctx {
    fn progress(&self, percent: f64) {
        self.progress.advance(percent);
    }
}

/// The outcome of a task body.
enum Outcome {
    Completed,
    Cancelled,
    Failed(String),
}

impl TaskManager {
    /// A manager of the tasks of `library`.
    pub fn new(library: Arc<MediaLibrary>, env: TaskEnv) -> Self {
        Self {
            library,
            env,
            running: Mutex::new(HashMap::new()),
            listeners: Mutex::new(Vec::new()),
            started_at: SystemTime::now(),
        }
    }

    /// The tasks this server can run (`CleanLogFiles` only with a log directory).
    pub fn kinds(&self) -> Vec<TaskKind> {
        TaskKind::ALL
            .into_iter()
            .filter(|k| *k != TaskKind::CleanLogFiles || self.env.log_dir.is_some())
            .collect()
    }

    /// The task with this id or key, if this server runs it.
    pub fn find(&self, id_or_key: &str) -> Option<TaskKind> {
        TaskKind::find(id_or_key).filter(|k| self.kinds().contains(k))
    }

    /// Adds a listener told when a task starts and when it ends.
    pub fn on_change(&self, listener: TaskListener) {
        self.listeners
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(listener);
    }

    fn notify(&self, kind: TaskKind) {
        let listeners = self
            .listeners
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        if listeners.is_empty() {
            return;
        }
        if let Ok(info) = self.info(kind) {
            for l in &listeners {
                l(&info);
            }
        }
    }

    fn settings(&self) -> Value {
        Settings::new(&self.env.data_dir)
            .load()
            .unwrap_or_else(|_| crate::settings::defaults())
    }

    fn retention(&self, key: &str, default: u32) -> u32 {
        self.settings()
            .get(key)
            .and_then(Value::as_i64)
            .map_or(default, |d| u32::try_from(d.max(0)).unwrap_or(u32::MAX))
    }

    /// One task as listed.
    pub fn info(&self, kind: TaskKind) -> crate::Result<TaskInfo> {
        let (triggers, last_result) = self.library.store().read(|c| stored_state(c, kind))?;
        let (state, progress) = {
            let running = self.running.lock().unwrap_or_else(PoisonError::into_inner);
            match running.get(&kind) {
                Some(r) if r.cancel.is_cancelled() => {
                    (TaskState::Cancelling, Some(r.progress.get()))
                }
                Some(r) => (TaskState::Running, Some(r.progress.get())),
                None => (TaskState::Idle, None),
            }
        };
        Ok(TaskInfo {
            kind,
            id: kind.id(),
            description: kind.description(self.retention("LogFileRetentionDays", 3)),
            state,
            progress,
            last_result,
            triggers: triggers.unwrap_or_else(|| kind.default_triggers()),
        })
    }

    /// Every task this server runs, in listing order.
    pub fn list(&self) -> crate::Result<Vec<TaskInfo>> {
        self.kinds().into_iter().map(|k| self.info(k)).collect()
    }

    /// Replaces a task's triggers (an empty list: it runs only when started).
    pub fn set_triggers(&self, kind: TaskKind, triggers: &[Trigger]) -> crate::Result<()> {
        Ok(self
            .library
            .store()
            .write_user_state(|tx| store_triggers(tx, kind, triggers))?)
    }

    /// Starts a task on a thread of its own. `false` when it is already running (nothing else
    /// happens, as when Jellyfin is asked to start a running task).
    pub fn start(self: &Arc<Self>, kind: TaskKind) -> bool {
        let Some(ctx) = self.begin(kind) else {
            return false;
        };
        let this = Arc::clone(self);
        let spawned = std::thread::Builder::new()
            .name(format!("task-{}", kind.key()))
            .spawn(move || {
                this.execute(kind, ctx);
            });
        if spawned.is_err() {
            self.running
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .remove(&kind);
            return false;
        }
        true
    }

    /// Runs a task on this thread until it ends and returns its result; `None` when it is
    /// already running.
    pub fn run_now(&self, kind: TaskKind) -> Option<TaskResult> {
        let ctx = self.begin(kind)?;
        Some(self.execute(kind, ctx))
    }

    /// Asks a running task to stop (a scan stops after the unit it is writing).
    pub fn cancel(&self, kind: TaskKind) -> Result<(), TaskError> {
        let running = self.running.lock().unwrap_or_else(PoisonError::into_inner);
        match running.get(&kind) {
            Some(r) => {
                r.cancel.cancel();
                Ok(())
            }
            None => Err(TaskError::NotRunning(kind.key())),
        }
    }

    /// Cancels every running task (the server is stopping).
    pub fn cancel_all(&self) {
        for r in self
            .running
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .values()
        {
            r.cancel.cancel();
        }
    }

    /// Starts every idle task one of whose triggers fired by `now` (since its last run, or
    /// since the manager was created); returns the tasks started. Call it periodically.
    pub fn run_due(self: &Arc<Self>, now: SystemTime) -> Vec<TaskKind> {
        let mut started = Vec::new();
        for kind in self.kinds() {
            let Ok(info) = self.info(kind) else { continue };
            if info.state != TaskState::Idle {
                continue;
            }
            let last_end = info.last_result.as_ref().map(|r| r.end);
            let due = info
                .triggers
                .iter()
                .filter_map(|t| next_run(t, last_end, self.started_at))
                .any(|at| at <= now);
            if due && self.start(kind) {
                started.push(kind);
            }
        }
        started
    }

    fn begin(&self, kind: TaskKind) -> Option<Ctx> {
        let mut running = self.running.lock().unwrap_or_else(PoisonError::into_inner);
        if running.contains_key(&kind) {
            return None;
        }
        let ctx = Ctx {
            cancel: CancelToken::new(),
            progress: Progress::default(),
        };
        running.insert(
            kind,
            Run {
                cancel: ctx.cancel.clone(),
                progress: ctx.progress.clone(),
            },
        );
        Some(ctx)
    }

    fn execute(&self, kind: TaskKind, ctx: Ctx) -> TaskResult {
        self.notify(kind);
        let start = SystemTime::now();
        let outcome = match kind {
            TaskKind::RefreshLibrary => self.refresh_library(&ctx),
            TaskKind::CleanActivityLog => self.clean_activity_log(&ctx),
            TaskKind::CleanLogFiles => self.clean_log_files(&ctx),
            TaskKind::OptimizeDatabase => self.optimize_database(&ctx),
        };
        let end = SystemTime::now();
        let (status, error) = match outcome {
            Outcome::Completed => (TaskStatus::Completed, None),
            Outcome::Cancelled => (TaskStatus::Cancelled, None),
            Outcome::Failed(e) => (TaskStatus::Failed, Some(e)),
        };
        let result = TaskResult {
            start,
            end,
            status,
            error,
        };
        let store = self.library.store();
        let _ = store.write_user_state(|tx| {
            store_result(tx, kind, &result)?;
            if status == TaskStatus::Failed {
                let entry = events::task_failed(
                    kind.name(),
                    result.error.as_deref().unwrap_or(""),
                    end.duration_since(start).unwrap_or_default(),
                );
                crate::activity::record(tx, &entry, end)?;
            }
            Ok::<_, StoreError>(())
        });
        self.running
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&kind);
        self.notify(kind);
        result
    }

    /// Scans every library in turn. Progress: each library's share, advanced by its scan's
    /// probe and write events. A library being scanned by someone else (a watcher) is waited
    /// for; a failed library does not stop the others, but fails the task.
    fn refresh_library(&self, ctx: &Ctx) -> Outcome {
        let libraries = match self.library.libraries() {
            Ok(l) => l,
            Err(e) => return Outcome::Failed(e.to_string()),
        };
        let n = libraries.len().max(1) as f64;
        let mut errors = Vec::new();
        for (i, lib) in libraries.iter().enumerate() {
            if ctx.cancel.is_cancelled() {
                return Outcome::Cancelled;
            }
            let base = i as f64;
            let progress = ctx.progress.clone();
            let options = ScanOptions {
                progress: Some(Arc::new(move |e: &ScanEvent| {
                    if let Some(frac) = scan_fraction(e) {
                        progress.advance(100.0 * (base + frac) / n);
                    }
                })),
                cancel: ctx.cancel.clone(),
                ..ScanOptions::default()
            };
            match self.scan_waiting(lib.id, &options) {
                Ok(summary) if summary.cancelled => return Outcome::Cancelled,
                Ok(_) => {}
                Err(e) => errors.push(format!("{}: {e}", lib.name)),
            }
            ctx.progress(100.0 * (base + 1.0) / n);
        }
        if ctx.cancel.is_cancelled() {
            Outcome::Cancelled
        } else if errors.is_empty() {
            Outcome::Completed
        } else {
            Outcome::Failed(errors.join("\n"))
        }
    }

    /// Scans one library, waiting while another scan of it runs.
    fn scan_waiting(
        &self,
        id: crate::store::ItemId,
        options: &ScanOptions,
    ) -> crate::Result<crate::scan::ScanSummary> {
        loop {
            match self.library.scan_by_id(id, options) {
                Err(Error::Scan(ScanError::AlreadyRunning(_)))
                    if !options.cancel.is_cancelled() =>
                {
                    std::thread::sleep(Duration::from_millis(200));
                }
                other => return other,
            }
        }
    }

    fn clean_activity_log(&self, ctx: &Ctx) -> Outcome {
        let days = self.retention("ActivityLogRetentionDays", 30);
        match self.library.activity().clean(days) {
            Ok(_) => {
                ctx.progress(100.0);
                Outcome::Completed
            }
            Err(e) => Outcome::Failed(e.to_string()),
        }
    }

    fn clean_log_files(&self, ctx: &Ctx) -> Outcome {
        let Some(dir) = &self.env.log_dir else {
            return Outcome::Completed;
        };
        let days = self.retention("LogFileRetentionDays", 3);
        let mut report = |p: f64| ctx.progress(p);
        match crate::logs::delete_older_than(dir, days, SystemTime::now(), &mut report) {
            Ok(_) => Outcome::Completed,
            Err(e) => Outcome::Failed(e.to_string()),
        }
    }

    fn optimize_database(&self, ctx: &Ctx) -> Outcome {
        let result = self.library.store().write_user_state(|tx| {
            tx.execute_batch("PRAGMA optimize;")
                .map_err(StoreError::from)
        });
        if let Err(e) = result {
            return Outcome::Failed(e.to_string());
        }
        ctx.progress(50.0);
        match self.library.store().vacuum() {
            Ok(()) => {
                ctx.progress(100.0);
                Outcome::Completed
            }
            Err(e) => Outcome::Failed(e.to_string()),
        }
    }
}
