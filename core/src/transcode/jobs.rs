//! The running HLS jobs of a [`Transcoder`]: one `ffmpeg` child per play session, started at
//! the requested segment, waited for while it approaches a segment, restarted on a seek
//! outside what it is producing, and killed (SIGTERM, then SIGKILL after a grace period) on
//! request, on playback stop, or when no segment was requested for the idle timeout. Each job
//! writes into its own temporary directory, deleted when the job ends.
//!
//! Throttling (Jellyfin's `EnableThrottling`): an HLS job whose encoder is `throttle_delay` or
//! more ahead of the last segment its player asked for is paused (SIGSTOP) and resumed
//! (SIGCONT) when the player comes within range or asks for a segment not yet written; a
//! paused child is continued before it is terminated (a stopped process does not act on
//! SIGTERM). The reaper thread checks every job each tick (at most a second).
//!
//! Progressive jobs ([`Transcoder::progressive`]) write one file to a pipe the caller reads
//! ([`ProgressiveStream`]); they count in the job limit, are killed by [`Transcoder::stop`],
//! and end when the stream is dropped (the client went away).

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::process::ChildStdout;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::command::{ffmpeg_args, HlsOutput, SegmentFormat};
use super::progressive::{progressive_args, ProgressiveOutput};
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
    /// The last segment asked for (`-1`: none yet; the init segment does not count).
    requested: AtomicI64,
    /// Stopped by the throttle (SIGSTOP sent, no SIGCONT since).
    paused: AtomicBool,
    /// How many times the throttle paused it.
    pauses: AtomicU32,
    started: Instant,
}

/// A snapshot of one running job (HLS or progressive), for diagnostics and tests.
#[derive(Debug, Clone, PartialEq)]
pub struct JobInfo {
    /// Whose job it is.
    pub key: JobKey,
    /// The `ffmpeg` process id.
    pub pid: u32,
    /// A progressive job (one file to a pipe) rather than HLS segments.
    pub progressive: bool,
    /// The segment the job started at (HLS; 0 for progressive).
    pub start_segment: u32,
    /// Where the encoder is, in ticks of media time from the start of the media.
    pub encoder_position_ticks: i64,
    /// The last segment the player asked for (HLS).
    pub requested_segment: Option<i64>,
    /// Paused by the throttle.
    pub paused: bool,
    /// How many times the throttle paused it.
    pub pauses: u32,
    /// Whether `ffmpeg` has exited.
    pub exited: bool,
    /// Wall time since the job started.
    pub elapsed: Duration,
    /// Media time encoded since the job started.
    pub encoded: Duration,
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

    /// Where the encoder is, in microseconds of media time from the start of the media.
    fn encoder_us(&self) -> i64 {
        let seg_us = i64::from(self.output.segment_seconds) * 1_000_000;
        i64::from(self.start_segment) * seg_us + self.out_time_us.load(Ordering::Relaxed).max(0)
    }

    /// Pauses or resumes the encoder as the throttle says (`delay`: `None` when throttling
    /// is off, which resumes a paused job).
    fn throttle(&self, delay: Option<Duration>) {
        let requested = self.requested.load(Ordering::Relaxed);
        let ahead = match delay {
            Some(delay) if requested >= 0 => {
                let seg_us = i64::from(self.output.segment_seconds) * 1_000_000;
                let gap = self.encoder_us() - requested * seg_us;
                gap >= i64::try_from(delay.as_micros()).unwrap_or(i64::MAX)
            }
            _ => false,
        };
        if set_paused(&mut lock(&self.child), self.pid, &self.paused, ahead) && ahead {
            self.pauses.fetch_add(1, Ordering::Relaxed);
        }
    }

    fn info(&self) -> JobInfo {
        let us = self.out_time_us.load(Ordering::Relaxed).max(0);
        let requested = self.requested.load(Ordering::Relaxed);
        JobInfo {
            key: self.key.clone(),
            pid: self.pid,
            progressive: false,
            start_segment: self.start_segment,
            encoder_position_ticks: self.encoder_us() * 10,
            requested_segment: (requested >= 0).then_some(requested),
            paused: self.paused.load(Ordering::Relaxed),
            pauses: self.pauses.load(Ordering::Relaxed),
            exited: self.exited().is_some(),
            elapsed: self.started.elapsed(),
            encoded: Duration::from_micros(us as u64),
        }
    }

    /// SIGCONT if paused, SIGTERM, SIGKILL after `grace`, reap, delete the directory.
    fn terminate(&self, grace: Duration) {
        terminate_child(&self.child, self.pid, &self.paused, grace);
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn signal(pid: u32, sig: libc::c_int) {
    if let Ok(pid) = libc::pid_t::try_from(pid) {
        // SAFETY: kill(2) on our own child, which the caller holds unreaped.
        unsafe {
            libc::kill(pid, sig);
        }
    }
}

/// SIGSTOP (`pause`) or SIGCONT the running `child` when its state differs; returns whether
/// a signal was sent. The caller holds the child's lock, so it cannot be reaped (and its pid
/// reused) meanwhile.
fn set_paused(child: &mut Child, pid: u32, paused: &AtomicBool, pause: bool) -> bool {
    if paused.load(Ordering::Relaxed) == pause || child.try_wait().ok().flatten().is_some() {
        return false;
    }
    signal(pid, if pause { libc::SIGSTOP } else { libc::SIGCONT });
    paused.store(pause, Ordering::Relaxed);
    true
}

/// Ends `child`: SIGCONT first when it is paused (a stopped process does not act on
/// SIGTERM), SIGTERM, SIGKILL after `grace`, reaped before returning.
fn terminate_child(child: &Mutex<Child>, pid: u32, paused: &AtomicBool, grace: Duration) {
    let mut child = lock(child);
    if child.try_wait().ok().flatten().is_none() {
        if paused.swap(false, Ordering::Relaxed) {
            signal(pid, libc::SIGCONT);
        }
        signal(pid, libc::SIGTERM);
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

/// A progressive job: `ffmpeg` writing one file to its stdout.
struct ProgressiveJob {
    key: JobKey,
    child: Mutex<Child>,
    pid: u32,
    out_time_us: Arc<AtomicI64>,
    stderr_tail: Arc<Mutex<String>>,
    start_us: i64,
    started: Instant,
    paused: AtomicBool,
}

impl ProgressiveJob {
    fn exited(&self) -> bool {
        lock(&self.child).try_wait().ok().flatten().is_some()
    }

    fn info(&self) -> JobInfo {
        let us = self.out_time_us.load(Ordering::Relaxed).max(0);
        JobInfo {
            key: self.key.clone(),
            pid: self.pid,
            progressive: true,
            start_segment: 0,
            encoder_position_ticks: (self.start_us + us) * 10,
            requested_segment: None,
            paused: false,
            pauses: 0,
            exited: self.exited(),
            elapsed: self.started.elapsed(),
            encoded: Duration::from_micros(us as u64),
        }
    }
}

/// The output of a progressive job: `ffmpeg`'s stdout. Reading it gives the file as it is
/// encoded (a pipe: the encoder waits while the reader does not read); dropping it ends the
/// job (the client is gone). A job killed by [`Transcoder::stop`] ends the stream early.
pub struct ProgressiveStream {
    stdout: Option<ChildStdout>,
    job: Arc<ProgressiveJob>,
    id: u64,
    shared: Arc<Shared>,
}

impl std::fmt::Debug for ProgressiveStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProgressiveStream")
            .field("pid", &self.job.pid)
            .field("key", &self.job.key)
            .finish()
    }
}

impl ProgressiveStream {
    /// The `ffmpeg` process id.
    pub fn pid(&self) -> u32 {
        self.job.pid
    }

    /// The end of `ffmpeg`'s error output (why a stream ended early).
    pub fn error_log(&self) -> String {
        lock(&self.job.stderr_tail).trim().to_owned()
    }
}

impl ProgressiveStream {
    /// A handle ending the job from another thread (the client went away while the reader
    /// waits on the pipe).
    pub fn stopper(&self) -> ProgressiveStopper {
        ProgressiveStopper {
            job: Arc::clone(&self.job),
        }
    }
}

/// Ends a progressive job without waiting: SIGCONT if paused, then SIGTERM. The stream's
/// reader then sees the end of the pipe, and dropping the stream reaps the child.
#[derive(Clone)]
pub struct ProgressiveStopper {
    job: Arc<ProgressiveJob>,
}

impl std::fmt::Debug for ProgressiveStopper {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProgressiveStopper")
            .field("pid", &self.job.pid)
            .finish()
    }
}

impl ProgressiveStopper {
    /// Asks the `ffmpeg` child to end (does nothing once it has ended).
    pub fn stop(&self) {
        let mut child = lock(&self.job.child);
        if child.try_wait().ok().flatten().is_none() {
            if self.job.paused.swap(false, Ordering::Relaxed) {
                signal(self.job.pid, libc::SIGCONT);
            }
            signal(self.job.pid, libc::SIGTERM);
        }
    }
}

impl Read for ProgressiveStream {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self.stdout.as_mut() {
            Some(out) => out.read(buf),
            None => Ok(0),
        }
    }
}

impl Drop for ProgressiveStream {
    fn drop(&mut self) {
        // Closing the pipe first: an encoder blocked on a full pipe sees it broken.
        self.stdout.take();
        lock(&self.shared.progressive).remove(&self.id);
        terminate_child(
            &self.job.child,
            self.job.pid,
            &self.job.paused,
            self.shared.config.kill_grace,
        );
    }
}

struct Shared {
    config: TranscodeConfig,
    jobs: Mutex<HashMap<String, Arc<Job>>>,
    progressive: Mutex<HashMap<u64, Arc<ProgressiveJob>>>,
    /// The throttle delay, `None` when throttling is off.
    throttle: Mutex<Option<Duration>>,
    generation: AtomicU64,
    stop: Mutex<bool>,
    wake: Condvar,
    /// What ffmpeg and the devices offer, detected on first use.
    hardware: super::hwaccel::HardwareProbe,
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
        let throttle = config.enable_throttling.then_some(config.throttle_delay);
        let hardware = super::hwaccel::HardwareProbe::new(
            config.ffmpeg.clone(),
            config.render_node_dir.clone(),
            config.detect_timeout,
        );
        let shared = Arc::new(Shared {
            hardware,
            config,
            jobs: Mutex::new(HashMap::new()),
            progressive: Mutex::new(HashMap::new()),
            throttle: Mutex::new(throttle),
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

    /// What the installed ffmpeg and the devices offer (hardware methods, encoders, filters),
    /// detected on the first call (which blocks for the listings and test encodes, bounded by
    /// `detect_timeout` each) and cached.
    pub fn capabilities(&self) -> Arc<super::hwaccel::Capabilities> {
        let first = self.shared.hardware.detected().is_none();
        let caps = self.shared.hardware.get();
        if first {
            tracing::info!("transcoding capabilities: {}", caps.summary());
        }
        caps
    }

    /// How many jobs exist (running, or finished and still serving their segments).
    pub fn active_jobs(&self) -> usize {
        lock(&self.shared.jobs).len()
    }

    /// The process ids of the running `ffmpeg` children (HLS and progressive).
    pub fn running_pids(&self) -> Vec<u32> {
        let mut pids: Vec<u32> = lock(&self.shared.jobs)
            .values()
            .filter(|j| j.exited().is_none())
            .map(|j| j.pid)
            .collect();
        pids.extend(
            lock(&self.shared.progressive)
                .values()
                .filter(|j| !j.exited())
                .map(|j| j.pid),
        );
        pids
    }

    /// Turns throttling on with `delay` (Jellyfin's `ThrottleDelaySeconds`) or off (`None`:
    /// paused jobs resume at the next check). Takes effect for every job at once.
    pub fn set_throttling(&self, delay: Option<Duration>) {
        *lock(&self.shared.throttle) = delay;
        throttle_all(&self.shared);
    }

    /// The throttle delay in effect (`None`: throttling is off).
    pub fn throttling(&self) -> Option<Duration> {
        *lock(&self.shared.throttle)
    }

    /// A snapshot of every job (HLS, then progressive).
    pub fn jobs(&self) -> Vec<JobInfo> {
        let mut out: Vec<JobInfo> = lock(&self.shared.jobs).values().map(|j| j.info()).collect();
        out.extend(lock(&self.shared.progressive).values().map(|j| j.info()));
        out
    }

    /// A snapshot of the HLS job of `key`.
    pub fn job_info(&self, key: &JobKey) -> Option<JobInfo> {
        lock(&self.shared.jobs).get(&key.id()).map(|j| j.info())
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
        self.note_request(&job, n);
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
                self.note_request(&job, n);
            }
        }
    }

    /// Records that the player asked for segment `n` of `job` and applies the throttle at
    /// once: a player asking for what is not written yet resumes a paused encoder.
    fn note_request(&self, job: &Job, n: i64) {
        if n >= 0 {
            job.requested.store(n, Ordering::Relaxed);
        }
        let delay = *lock(&self.shared.throttle);
        job.throttle(delay);
        if !job.ready(n) {
            set_paused(&mut lock(&job.child), job.pid, &job.paused, false);
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
        let running = jobs.values().filter(|j| j.exited().is_none()).count()
            + lock(&self.shared.progressive)
                .values()
                .filter(|j| !j.exited())
                .count();
        if running >= config.max_jobs {
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
        super::command::log_job_start(output, start, child.id());
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
            requested: AtomicI64::new(-1),
            paused: AtomicBool::new(false),
            pauses: AtomicU32::new(0),
            started: Instant::now(),
        })
    }

    /// Starts a progressive job for `key`: `ffmpeg` writing `output` to a pipe, read through
    /// the returned stream. Counts in the job limit while it runs.
    pub fn progressive(
        &self,
        key: &JobKey,
        output: &ProgressiveOutput,
    ) -> Result<ProgressiveStream, TranscodeError> {
        let config = &self.shared.config;
        // The HLS map's lock first, as in `job_for`, so that both counts are taken together.
        let jobs = lock(&self.shared.jobs);
        let mut progressive = lock(&self.shared.progressive);
        let running = jobs.values().filter(|j| j.exited().is_none()).count()
            + progressive.values().filter(|j| !j.exited()).count();
        if running >= config.max_jobs {
            return Err(TranscodeError::TooManyJobs {
                limit: config.max_jobs,
            });
        }
        let mut child = Command::new(&config.ffmpeg)
            .args(progressive_args(output))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| TranscodeError::Spawn {
                ffmpeg: config.ffmpeg.clone(),
                source: e,
            })?;
        let out_time_us = Arc::new(AtomicI64::new(0));
        let stderr_tail = Arc::new(Mutex::new(String::new()));
        if let Some(stderr) = child.stderr.take() {
            let tail = Arc::clone(&stderr_tail);
            let progress = Arc::clone(&out_time_us);
            // `-progress pipe:2`: progress lines and errors share stderr.
            std::thread::spawn(move || read_stderr(stderr, &tail, Some(&progress)));
        }
        let stdout = child.stdout.take();
        let id = self.shared.generation.fetch_add(1, Ordering::Relaxed);
        let job = Arc::new(ProgressiveJob {
            key: key.clone(),
            pid: child.id(),
            child: Mutex::new(child),
            out_time_us,
            stderr_tail,
            start_us: output.start_ticks.max(0) / 10,
            started: Instant::now(),
            paused: AtomicBool::new(false),
        });
        progressive.insert(id, Arc::clone(&job));
        Ok(ProgressiveStream {
            stdout,
            job,
            id,
            shared: Arc::clone(&self.shared),
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
        let matches = |key: &JobKey| match play_session_id {
            Some(session) => key.play_session_id.as_deref() == Some(session),
            None => key.device_id.as_deref() == device_id,
        };
        let killed: Vec<Arc<Job>> = {
            let mut jobs = lock(&self.shared.jobs);
            let ids: Vec<String> = jobs
                .iter()
                .filter(|(_, j)| matches(&j.key))
                .map(|(id, _)| id.clone())
                .collect();
            ids.iter().filter_map(|id| jobs.remove(id)).collect()
        };
        let progressive: Vec<Arc<ProgressiveJob>> = {
            let mut jobs = lock(&self.shared.progressive);
            let ids: Vec<u64> = jobs
                .iter()
                .filter(|(_, j)| matches(&j.key))
                .map(|(id, _)| *id)
                .collect();
            ids.iter().filter_map(|id| jobs.remove(id)).collect()
        };
        let grace = self.shared.config.kill_grace;
        for job in &killed {
            job.terminate(grace);
        }
        // Their readers see the end of the pipe.
        for job in &progressive {
            terminate_child(&job.child, job.pid, &job.paused, grace);
        }
        killed.len() + progressive.len()
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

/// Applies the throttle to every HLS job.
fn throttle_all(shared: &Shared) {
    let delay = *lock(&shared.throttle);
    let jobs: Vec<Arc<Job>> = lock(&shared.jobs).values().cloned().collect();
    for job in jobs {
        if job.exited().is_none() {
            job.throttle(delay);
        }
    }
}

fn reap(shared: &Shared) {
    let tick =
        (shared.config.idle_timeout / 4).clamp(Duration::from_millis(50), Duration::from_secs(1));
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
        throttle_all(shared);
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
        let progressive: Vec<Arc<ProgressiveJob>> = lock(&self.shared.progressive)
            .drain()
            .map(|(_, j)| j)
            .collect();
        for job in progressive {
            terminate_child(
                &job.child,
                job.pid,
                &job.paused,
                self.shared.config.kill_grace,
            );
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
    read_stderr(stderr, tail, None)
}

/// Keeps the end of ffmpeg's error output in `tail`; with `progress`, the `-progress` lines
/// sharing the stream update it instead of going to the tail.
fn read_stderr(stderr: impl Read, tail: &Mutex<String>, progress: Option<&AtomicI64>) {
    for line in BufReader::new(stderr).lines() {
        let Ok(line) = line else { break };
        if let Some(progress) = progress {
            if let Some(us) = parse_out_time(&line) {
                progress.store(us, Ordering::Relaxed);
                continue;
            }
            if is_progress_line(&line) {
                continue;
            }
        }
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

/// A `key=value` line of `-progress` output (`frame=12`, `progress=continue`).
fn is_progress_line(line: &str) -> bool {
    line.split_once('=').is_some_and(|(k, _)| {
        !k.is_empty()
            && k.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    })
}
