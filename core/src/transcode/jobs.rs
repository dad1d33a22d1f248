//! The running HLS jobs of a [`Transcoder`]: one `ffmpeg` child per play session, started at
//! the requested segment, waited for while it approaches a segment, restarted on a seek
//! outside what it is producing, and killed (SIGTERM, then SIGKILL after a grace period) on
//! request, on playback stop, or when no segment was requested for the idle timeout. Each job
//! writes into its own temporary directory, deleted when the job ends.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::command::{ffmpeg_args, HlsOutput, SegmentFormat};
use super::{TranscodeConfig, TranscodeError};

/// Who a job belongs to: the play session when the request names one, else the device and
/// the item.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct JobKey {
    /// `PlaySessionId`.
    pub play_session_id: Option<String>,
    /// `DeviceId`.
    pub device_id: Option<String>,
    /// The item (N form).
    pub item: String,
}

impl JobKey {
    fn id(&self) -> String {
        match &self.play_session_id {
            Some(s) if !s.is_empty() => format!("s:{s}"),
            _ => format!(
                "d:{}:{}",
                self.device_id.as_deref().unwrap_or(""),
                self.item
            ),
        }
    }
}

struct Job {
    key: JobKey,
    output: HlsOutput,
    dir: PathBuf,
    start_segment: u32,
    child: Mutex<Child>,
    pid: u32,
    /// The encoder's position (`out_time_us`), in microseconds from the start segment.
    out_time_us: Arc<AtomicI64>,
    last_request: Mutex<Instant>,
    stderr_tail: Arc<Mutex<String>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Job {
    fn file(&self, n: i64) -> PathBuf {
        if n < 0 {
            self.dir.join("init.mp4")
        } else {
            self.dir
                .join(format!("{n}.{}", self.output.format.extension()))
        }
    }

    /// `Some(success)` once ffmpeg has exited.
    fn exited(&self) -> Option<bool> {
        lock(&self.child)
            .try_wait()
            .ok()
            .flatten()
            .map(|s| s.success())
    }

    /// Whether segment `n` (`-1`: the fMP4 init segment) is complete: the next one exists or
    /// ffmpeg has finished successfully.
    fn ready(&self, n: i64) -> bool {
        if !self.file(n).is_file() {
            return false;
        }
        let next = if n < 0 {
            i64::from(self.start_segment)
        } else {
            n + 1
        };
        self.file(next).is_file() || self.exited() == Some(true)
    }

    /// The segment the encoder is writing.
    fn position(&self) -> u32 {
        let us = self.out_time_us.load(Ordering::Relaxed).max(0);
        let seg_us = i64::from(self.output.segment_seconds) * 1_000_000;
        self.start_segment + (us / seg_us) as u32
    }

    fn touch(&self) {
        *lock(&self.last_request) = Instant::now();
    }

    /// SIGTERM, SIGKILL after `grace`, reap, delete the directory.
    fn terminate(&self, grace: Duration) {
        {
            let mut child = lock(&self.child);
            if child.try_wait().ok().flatten().is_none() {
                if let Ok(pid) = libc::pid_t::try_from(self.pid) {
                    // SAFETY: kill(2) on our own, not yet reaped, child.
                    unsafe {
                        libc::kill(pid, libc::SIGTERM);
                    }
                }
                let deadline = Instant::now() + grace;
                while child.try_wait().ok().flatten().is_none() && Instant::now() < deadline {
                    std::thread::sleep(Duration::from_millis(20));
                }
                if child.try_wait().ok().flatten().is_none() {
                    let _ = child.kill();
                }
            }
            let _ = child.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

struct Shared {
    config: TranscodeConfig,
    jobs: Mutex<HashMap<String, Arc<Job>>>,
    generation: AtomicU64,
    stop: Mutex<bool>,
    wake: Condvar,
}

/// The HLS job supervisor of a library: owns every running `ffmpeg` child and a reaper thread
/// killing idle jobs; dropping it kills them all.
pub struct Transcoder {
    shared: Arc<Shared>,
    reaper: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for Transcoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transcoder")
            .field("config", &self.shared.config)
            .field("jobs", &self.active_jobs())
            .finish()
    }
}

impl Transcoder {
    /// A supervisor with `config` (no job runs until a segment is asked for). Job directories
    /// left in `config.dir` by a previous run (a crash) are deleted: the directory belongs to
    /// one supervisor.
    pub fn new(config: TranscodeConfig) -> Self {
        if let Ok(entries) = std::fs::read_dir(&config.dir) {
            for entry in entries.flatten() {
                if entry.file_type().is_ok_and(|t| t.is_dir()) {
                    let _ = std::fs::remove_dir_all(entry.path());
                }
            }
        }
        let shared = Arc::new(Shared {
            config,
            jobs: Mutex::new(HashMap::new()),
            generation: AtomicU64::new(0),
            stop: Mutex::new(false),
            wake: Condvar::new(),
        });
        let reaper_shared = Arc::clone(&shared);
        let reaper = std::thread::Builder::new()
            .name("transcode-reaper".into())
            .spawn(move || reap(&reaper_shared))
            .ok();
        Transcoder { shared, reaper }
    }

    /// The settings.
    pub fn config(&self) -> &TranscodeConfig {
        &self.shared.config
    }

    /// How many jobs exist (running, or finished and still serving their segments).
    pub fn active_jobs(&self) -> usize {
        lock(&self.shared.jobs).len()
    }

    /// The process ids of the running `ffmpeg` children.
    pub fn running_pids(&self) -> Vec<u32> {
        lock(&self.shared.jobs)
            .values()
            .filter(|j| j.exited().is_none())
            .map(|j| j.pid)
            .collect()
    }

    /// The segment the job of `key` started at (a seek restarts the job there).
    pub fn job_start_segment(&self, key: &JobKey) -> Option<u32> {
        lock(&self.shared.jobs)
            .get(&key.id())
            .map(|j| j.start_segment)
    }

    /// The bytes of segment `n` of `output` for `key` (`-1`: the fMP4 init segment): served
    /// if written; waited for if the job's encoder is at most `wait_window` segments before
    /// it; otherwise the job (re)starts at `n` (a seek). Blocks up to `segment_wait`.
    pub fn segment(
        &self,
        key: &JobKey,
        output: &HlsOutput,
        n: i64,
    ) -> Result<Vec<u8>, TranscodeError> {
        let count = i64::from(output.segment_count());
        if n < -1 || n >= count || (n == -1 && output.format != SegmentFormat::Fmp4) {
            return Err(TranscodeError::NoSuchSegment(n));
        }
        let config = &self.shared.config;
        let deadline = Instant::now() + config.segment_wait;
        let mut job = self.job_for(key, output, n)?;
        loop {
            if job.ready(n) {
                match std::fs::read(job.file(n)) {
                    Ok(bytes) => {
                        job.touch();
                        return Ok(bytes);
                    }
                    // The job ended meanwhile: ask again.
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => {
                        return Err(TranscodeError::Io {
                            path: job.file(n),
                            source: e,
                        })
                    }
                }
            } else if let Some(success) = job.exited() {
                if !job.ready(n) {
                    if success {
                        return Err(TranscodeError::NoSuchSegment(n));
                    }
                    let log = lock(&job.stderr_tail).trim().to_owned();
                    self.remove_if_same(&job);
                    return Err(TranscodeError::Failed { segment: n, log });
                }
                continue;
            }
            if Instant::now() >= deadline {
                return Err(TranscodeError::Timeout(n));
            }
            std::thread::sleep(Duration::from_millis(40));
            // A client waiting for a segment keeps its job alive.
            job.touch();
            let current = lock(&self.shared.jobs).get(&key.id()).cloned();
            if !current.is_some_and(|c| Arc::ptr_eq(&c, &job)) {
                job = self.job_for(key, output, n)?;
            }
        }
    }

    fn remove_if_same(&self, job: &Arc<Job>) {
        let mut jobs = lock(&self.shared.jobs);
        let id = job.key.id();
        if jobs.get(&id).is_some_and(|j| Arc::ptr_eq(j, job)) {
            jobs.remove(&id);
            drop(jobs);
            job.terminate(self.shared.config.kill_grace);
        }
    }

    /// The job that will produce segment `n`, started or restarted as needed.
    fn job_for(
        &self,
        key: &JobKey,
        output: &HlsOutput,
        n: i64,
    ) -> Result<Arc<Job>, TranscodeError> {
        let config = &self.shared.config;
        let id = key.id();
        let mut jobs = lock(&self.shared.jobs);
        if let Some(job) = jobs.get(&id).cloned() {
            job.touch();
            if job.output == *output {
                if job.ready(n) {
                    return Ok(job);
                }
                let target = n.max(0);
                let start = i64::from(job.start_segment);
                let reachable = target >= start
                    && target <= i64::from(job.position()) + i64::from(config.wait_window);
                if reachable && job.exited().is_none() {
                    return Ok(job);
                }
            }
            jobs.remove(&id);
            job.terminate(config.kill_grace);
        }
        // Finished jobs only keep files for their player: the limit counts running ffmpegs.
        if jobs.values().filter(|j| j.exited().is_none()).count() >= config.max_jobs {
            return Err(TranscodeError::TooManyJobs {
                limit: config.max_jobs,
            });
        }
        let job = Arc::new(self.start(key, output, n.max(0) as u32)?);
        jobs.insert(id, Arc::clone(&job));
        Ok(job)
    }

    fn start(&self, key: &JobKey, output: &HlsOutput, start: u32) -> Result<Job, TranscodeError> {
        let config = &self.shared.config;
        let generation = self.shared.generation.fetch_add(1, Ordering::Relaxed);
        let dir = config
            .dir
            .join(format!("{}-{generation}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).map_err(|e| TranscodeError::Io {
            path: dir.clone(),
            source: e,
        })?;
        let spawned = Command::new(&config.ffmpeg)
            .args(ffmpeg_args(output, &dir, start))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn();
        let mut child = match spawned {
            Ok(c) => c,
            Err(e) => {
                let _ = std::fs::remove_dir_all(&dir);
                return Err(TranscodeError::Spawn {
                    ffmpeg: config.ffmpeg.clone(),
                    source: e,
                });
            }
        };
        let out_time_us = Arc::new(AtomicI64::new(0));
        let stderr_tail = Arc::new(Mutex::new(String::new()));
        if let Some(stdout) = child.stdout.take() {
            let progress = Arc::clone(&out_time_us);
            std::thread::spawn(move || read_progress(stdout, &progress));
        }
        if let Some(stderr) = child.stderr.take() {
            let tail = Arc::clone(&stderr_tail);
            std::thread::spawn(move || read_tail(stderr, &tail));
        }
        Ok(Job {
            key: key.clone(),
            output: output.clone(),
            dir,
            start_segment: start,
            pid: child.id(),
            child: Mutex::new(child),
            out_time_us,
            last_request: Mutex::new(Instant::now()),
            stderr_tail,
        })
    }

    /// Kills the jobs of a play session or device (`DELETE /Videos/ActiveEncodings`, playback
    /// stopped): the play session's jobs when one is named (play session ids are unique; a job
    /// started without the device id still matches), else the device's; with neither, none. Returns how many were killed; their children are reaped and their files
    /// deleted before it returns.
    pub fn stop(&self, device_id: Option<&str>, play_session_id: Option<&str>) -> usize {
        if device_id.is_none() && play_session_id.is_none() {
            return 0;
        }
        let killed: Vec<Arc<Job>> = {
            let mut jobs = lock(&self.shared.jobs);
            let ids: Vec<String> = jobs
                .iter()
                .filter(|(_, j)| match play_session_id {
                    Some(session) => j.key.play_session_id.as_deref() == Some(session),
                    None => j.key.device_id.as_deref() == device_id,
                })
                .map(|(id, _)| id.clone())
                .collect();
            ids.iter().filter_map(|id| jobs.remove(id)).collect()
        };
        for job in &killed {
            job.terminate(self.shared.config.kill_grace);
        }
        killed.len()
    }

    /// Keeps the play session's jobs alive as a segment request would (`/Sessions/Playing/Ping`);
    /// returns whether it has any.
    pub fn keep_alive(&self, play_session_id: &str) -> bool {
        let jobs = lock(&self.shared.jobs);
        let mut found = false;
        for job in jobs.values() {
            if job.key.play_session_id.as_deref() == Some(play_session_id) {
                job.touch();
                found = true;
            }
        }
        found
    }

    /// Kills the jobs without a segment request for `idle_timeout` (the reaper thread calls
    /// it; returns how many).
    pub fn reap_idle(&self) -> usize {
        reap_idle(&self.shared)
    }
}

fn reap_idle(shared: &Shared) -> usize {
    let idle = shared.config.idle_timeout;
    let stale: Vec<Arc<Job>> = {
        let mut jobs = lock(&shared.jobs);
        let ids: Vec<String> = jobs
            .iter()
            .filter(|(_, j)| lock(&j.last_request).elapsed() >= idle)
            .map(|(id, _)| id.clone())
            .collect();
        ids.iter().filter_map(|id| jobs.remove(id)).collect()
    };
    for job in &stale {
        job.terminate(shared.config.kill_grace);
    }
    stale.len()
}

fn reap(shared: &Shared) {
    let tick =
        (shared.config.idle_timeout / 4).clamp(Duration::from_millis(50), Duration::from_secs(5));
    loop {
        {
            let stop = lock(&shared.stop);
            if *stop {
                return;
            }
            let (stop, _) = shared
                .wake
                .wait_timeout(stop, tick)
                .unwrap_or_else(|e| e.into_inner());
            if *stop {
                return;
            }
        }
        reap_idle(shared);
    }
}

impl Drop for Transcoder {
    fn drop(&mut self) {
        *lock(&self.shared.stop) = true;
        self.shared.wake.notify_all();
        if let Some(reaper) = self.reaper.take() {
            let _ = reaper.join();
        }
        let jobs: Vec<Arc<Job>> = lock(&self.shared.jobs).drain().map(|(_, j)| j).collect();
        for job in jobs {
            job.terminate(self.shared.config.kill_grace);
        }
    }
}

/// Reads ffmpeg's `-progress` lines, keeping `out_time_us` (`out_time_ms` is microseconds too).
fn read_progress(stdout: impl Read, progress: &AtomicI64) {
    for line in BufReader::new(stdout).lines() {
        let Ok(line) = line else { break };
        if let Some(us) = parse_out_time(&line) {
            progress.store(us, Ordering::Relaxed);
        }
    }
}

/// The microseconds of an `out_time_us=`/`out_time_ms=`/`out_time=HH:MM:SS.micro` line.
pub(crate) fn parse_out_time(line: &str) -> Option<i64> {
    let (key, value) = line.trim().split_once('=')?;
    match key {
        "out_time_us" | "out_time_ms" => value.trim().parse().ok(),
        "out_time" => {
            let mut parts = value.trim().split(':');
            let h: i64 = parts.next()?.parse().ok()?;
            let m: i64 = parts.next()?.parse().ok()?;
            let s: f64 = parts.next()?.parse().ok()?;
            Some((h * 3600 + m * 60) * 1_000_000 + (s * 1e6) as i64)
        }
        _ => None,
    }
}

fn read_tail(stderr: impl Read, tail: &Mutex<String>) {
    for line in BufReader::new(stderr).lines() {
        let Ok(line) = line else { break };
        let mut t = lock(tail);
        t.push_str(&line);
        t.push('\n');
        if t.len() > 4000 {
            let cut = t.len() - 2000;
            let cut = (cut..t.len()).find(|i| t.is_char_boundary(*i)).unwrap_or(0);
            t.drain(..cut);
        }
    }
}
