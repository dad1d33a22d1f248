//! What the installed `ffmpeg` and this machine's devices offer ([`Capabilities`]): the
//! `-version`, `-hwaccels`, `-encoders`, `-decoders` and `-filters` listings (parsed by pure
//! functions), the render nodes of a DRM directory (`/dev/dri/renderD*`), and per hardware
//! method ([`VendorStatus`]) a tiny test encode per built-in encoder (`color` source, 0.1 s)
//! under a timeout, plus a device-initialisation test for decoding when no encoder works.
//! Every method that cannot be used says why (no device, encoder missing, test encode
//! failed: the end of ffmpeg's error output).
//!
//! [`HardwareProbe`] detects once, on first use, and keeps the result.

use std::collections::BTreeSet;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use super::{Vendor, VideoCodec};

/// The text of `ffmpeg -version`'s first line after `ffmpeg version ` (`5.1.9-0+deb12u1`).
pub fn parse_version(text: &str) -> Option<String> {
    let line = text
        .lines()
        .find(|l| l.trim_start().starts_with("ffmpeg version "))?;
    line.trim_start()
        .strip_prefix("ffmpeg version ")?
        .split_whitespace()
        .next()
        .map(str::to_owned)
}

/// The major and minor numbers of a version text (`5.1.9-0+deb12u1` → 5.1, `n6.0` → 6.0);
/// `None` for a git build (`N-112345-g...`), which counts as newer than any release.
pub fn version_number(version: &str) -> Option<(u32, u32)> {
    let v = version.strip_prefix('n').unwrap_or(version);
    let mut parts = v.split(|c: char| !c.is_ascii_digit());
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next().and_then(|m| m.parse().ok()).unwrap_or(0);
    Some((major, minor))
}

/// The methods of `ffmpeg -hide_banner -hwaccels` (the lines after the heading).
pub fn parse_hwaccels(text: &str) -> BTreeSet<String> {
    text.lines()
        .skip_while(|l| !l.trim_end().ends_with("methods:"))
        .skip(1)
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.contains(' '))
        .map(str::to_owned)
        .collect()
}

/// The names of `ffmpeg -hide_banner -encoders` or `-decoders`: the rows after the ` ------`
/// line, each ` V....D name  description` (six capability letters or dots, then the name).
pub fn parse_codec_list(text: &str) -> BTreeSet<String> {
    text.lines()
        .skip_while(|l| l.trim() != "------")
        .skip(1)
        .filter_map(|l| {
            let mut words = l.split_whitespace();
            let flags = words.next()?;
            let name = words.next()?;
            let is_flags = flags.len() == 6
                && flags.starts_with(['V', 'A', 'S', 'D', 'T'])
                && flags.chars().all(|c| c.is_ascii_uppercase() || c == '.');
            is_flags.then(|| name.to_owned())
        })
        .collect()
}

/// The names of `ffmpeg -hide_banner -filters`: rows ` TSC name  V->V  description` (three
/// capability letters or dots, the name, the pads); the legend lines are skipped.
pub fn parse_filters(text: &str) -> BTreeSet<String> {
    text.lines()
        .filter_map(|l| {
            let mut words = l.split_whitespace();
            let flags = words.next()?;
            let name = words.next()?;
            let pads = words.next()?;
            let is_flags = flags.len() == 3 && flags.chars().all(|c| "TSC.".contains(c));
            (is_flags && pads.contains("->")).then(|| name.to_owned())
        })
        .collect()
}

/// The DRM render nodes (`renderD128`, ...) in `dir`, sorted; none when it cannot be read.
pub fn render_nodes(dir: &Path) -> Vec<PathBuf> {
    let mut nodes: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .filter(|e| e.file_name().to_string_lossy().starts_with("renderD"))
                .map(|e| e.path())
                .collect()
        })
        .unwrap_or_default();
    nodes.sort();
    nodes
}

/// The operating system, for the methods that exist on one only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostOs {
    /// Linux.
    Linux,
    /// macOS.
    MacOs,
    /// Windows.
    Windows,
    /// Anything else.
    Other,
}

impl HostOs {
    /// The system this program runs on.
    pub fn current() -> Self {
        if cfg!(target_os = "linux") {
            HostOs::Linux
        } else if cfg!(target_os = "macos") {
            HostOs::MacOs
        } else if cfg!(windows) {
            HostOs::Windows
        } else {
            HostOs::Other
        }
    }
}

/// What became of one hardware encoder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EncoderState {
    /// Its test encode succeeded.
    Works,
    /// This `ffmpeg` does not have it.
    NotBuilt,
    /// Not tried, and why (no device, wrong system).
    NotTested(String),
    /// Its test encode failed: the end of ffmpeg's error output (or the timeout).
    Failed(String),
}

impl EncoderState {
    /// Why the encoder cannot be used (`None` when it works).
    pub fn reason(&self, encoder: &str) -> Option<String> {
        match self {
            EncoderState::Works => None,
            EncoderState::NotBuilt => Some(format!("{encoder} is not in this ffmpeg")),
            EncoderState::NotTested(why) => Some(format!("{encoder} not tried: {why}")),
            EncoderState::Failed(log) => Some(format!("{encoder} test encode failed: {log}")),
        }
    }
}

/// What one hardware method can do here.
#[derive(Debug, Clone, PartialEq)]
pub struct VendorStatus {
    /// The method.
    pub vendor: Vendor,
    /// The device used (a render node for VA-API and QSV).
    pub device: Option<PathBuf>,
    /// The `-hwaccel` name decoding uses (`vaapi`, `cuda`...), if the method decodes.
    pub hwaccel: Option<&'static str>,
    /// Whether frames can be decoded on the device (the `-hwaccel` is built in and the device
    /// initialises).
    pub decode: bool,
    /// Each encoder of the method (`h264_*`, `hevc_*`) and whether it works.
    pub encoders: Vec<(String, EncoderState)>,
    /// Why the method is unusable or limited (`None`: decode and every encoder work).
    pub reason: Option<String>,
}

impl VendorStatus {
    /// The state of `encoder` (`NotBuilt` for one this method does not have).
    pub fn encoder(&self, encoder: &str) -> &EncoderState {
        self.encoders
            .iter()
            .find(|(n, _)| n == encoder)
            .map(|(_, s)| s)
            .unwrap_or(&EncoderState::NotBuilt)
    }

    /// Whether anything of the method works.
    pub fn usable(&self) -> bool {
        self.decode || self.encoders.iter().any(|(_, s)| *s == EncoderState::Works)
    }

    /// A status for tests and hand-built setups: every encoder of the method works, decoding
    /// too when the method decodes.
    pub fn working(vendor: Vendor, device: Option<PathBuf>) -> Self {
        let hwaccel = hwaccel_name(vendor);
        Self {
            vendor,
            device,
            hwaccel,
            decode: hwaccel.is_some(),
            encoders: [VideoCodec::H264, VideoCodec::Hevc]
                .into_iter()
                .map(|c| (vendor.encoder(c), EncoderState::Works))
                .collect(),
            reason: None,
        }
    }
}

/// The `-hwaccel` a method decodes with (`None`: it does not decode here: AMF decodes through
/// D3D11VA on Windows only, V4L2 decoders are not used, as in Jellyfin).
pub fn hwaccel_name(vendor: Vendor) -> Option<&'static str> {
    match vendor {
        Vendor::Vaapi => Some("vaapi"),
        Vendor::Qsv => Some("qsv"),
        Vendor::Nvenc => Some("cuda"),
        Vendor::VideoToolbox => Some("videotoolbox"),
        Vendor::Rkmpp => Some("rkmpp"),
        Vendor::Amf | Vendor::V4l2m2m => None,
    }
}

/// How one test command ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestRun {
    /// Exit status 0.
    pub success: bool,
    /// The end of its error output (or why it did not run).
    pub log: String,
}

/// What the installed `ffmpeg` and the devices offer.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Capabilities {
    /// The binary.
    pub ffmpeg: PathBuf,
    /// Its version text (`5.1.9-0+deb12u1`).
    pub version: Option<String>,
    /// `-hwaccels`.
    pub hwaccels: BTreeSet<String>,
    /// `-encoders`.
    pub encoders: BTreeSet<String>,
    /// `-decoders`.
    pub decoders: BTreeSet<String>,
    /// `-filters`.
    pub filters: BTreeSet<String>,
    /// Where render nodes were looked for.
    pub render_node_dir: PathBuf,
    /// The render nodes found there.
    pub render_nodes: Vec<PathBuf>,
    /// Each hardware method, in [`Vendor::ALL`] order.
    pub vendors: Vec<VendorStatus>,
    /// Why `ffmpeg` could not be asked (the listings are then empty).
    pub error: Option<String>,
}

/// The source of every test encode: one black frame of 256x144.
const TEST_SOURCE: &str = "color=c=black:s=256x144:r=10:d=0.1";

/// The arguments of the test encode of `encoder` (a method's `h264_*`/`hevc_*`), on `device`
/// for the methods that take one.
pub fn test_encode_args(vendor: Vendor, encoder: &str, device: Option<&Path>) -> Vec<String> {
    let mut args: Vec<String> = ["-hide_banner", "-nostdin", "-v", "error"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let node = device.map(|d| d.display().to_string()).unwrap_or_default();
    let upload = match vendor {
        Vendor::Vaapi => {
            args.extend(["-init_hw_device".into(), format!("vaapi=va:{node}")]);
            args.extend(["-filter_hw_device".into(), "va".into()]);
            Some("format=nv12,hwupload")
        }
        Vendor::Qsv => {
            args.extend([
                "-init_hw_device".into(),
                format!("vaapi=va:{node},driver=iHD"),
                "-init_hw_device".into(),
                "qsv=qs@va".into(),
                "-filter_hw_device".into(),
                "qs".into(),
            ]);
            Some("format=nv12,hwupload=extra_hw_frames=64")
        }
        _ => None,
    };
    args.extend(["-f", "lavfi", "-i", TEST_SOURCE].map(String::from));
    match upload {
        Some(vf) => args.extend(["-vf".into(), vf.into()]),
        None => {
            let format = match vendor {
                Vendor::Nvenc | Vendor::V4l2m2m => "yuv420p",
                _ => "nv12",
            };
            args.extend(["-pix_fmt".into(), format.into()]);
        }
    }
    args.extend(["-c:v", encoder, "-f", "null", "-"].map(String::from));
    args
}

/// The arguments initialising the method's device (decoding's only prerequisite we can test
/// without a sample of every codec).
pub fn device_test_args(vendor: Vendor, device: Option<&Path>) -> Vec<String> {
    let node = device.map(|d| d.display().to_string()).unwrap_or_default();
    let init: Vec<String> = match vendor {
        Vendor::Vaapi => vec![format!("vaapi=va:{node}")],
        Vendor::Qsv => vec![format!("vaapi=va:{node},driver=iHD"), "qsv=qs@va".into()],
        Vendor::Nvenc => vec!["cuda=cu:0".into()],
        Vendor::VideoToolbox => vec!["videotoolbox=vt".into()],
        Vendor::Rkmpp => vec!["rkmpp=rk".into()],
        Vendor::Amf | Vendor::V4l2m2m => Vec::new(),
    };
    let mut args: Vec<String> = ["-hide_banner", "-nostdin", "-v", "error"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    for i in init {
        args.push("-init_hw_device".into());
        args.push(i);
    }
    args.extend(["-f", "lavfi", "-i", TEST_SOURCE, "-f", "null", "-"].map(String::from));
    args
}

impl Capabilities {
    /// The capabilities read from the listings' texts (no method assessed yet).
    pub fn from_listings(
        version: &str,
        hwaccels: &str,
        encoders: &str,
        decoders: &str,
        filters: &str,
    ) -> Self {
        Self {
            version: parse_version(version),
            hwaccels: parse_hwaccels(hwaccels),
            encoders: parse_codec_list(encoders),
            decoders: parse_codec_list(decoders),
            filters: parse_filters(filters),
            ..Self::default()
        }
    }

    /// Asks `ffmpeg` for its listings, looks for render nodes in `render_node_dir`, and tests
    /// every hardware method, each command bounded by `timeout`. Blocks (seconds when devices
    /// answer slowly): call it off any async runtime.
    pub fn detect(ffmpeg: &Path, render_node_dir: &Path, timeout: Duration) -> Self {
        let listing = |flag: &str| {
            run_capture(
                ffmpeg,
                &["-hide_banner".to_owned(), flag.to_owned()],
                timeout,
            )
        };
        let listings = || -> std::io::Result<Self> {
            Ok(Self::from_listings(
                &listing("-version")?.stdout,
                &listing("-hwaccels")?.stdout,
                &listing("-encoders")?.stdout,
                &listing("-decoders")?.stdout,
                &listing("-filters")?.stdout,
            ))
        };
        let mut caps = listings().unwrap_or_else(|e| Self {
            error: Some(format!("cannot run {}: {e}", ffmpeg.display())),
            ..Self::default()
        });
        caps.ffmpeg = ffmpeg.to_owned();
        caps.render_node_dir = render_node_dir.to_owned();
        caps.render_nodes = render_nodes(render_node_dir);
        caps.assess(
            HostOs::current(),
            &mut |args| match run_capture(ffmpeg, args, timeout) {
                Ok(out) => TestRun {
                    success: out.success,
                    log: if out.timed_out {
                        format!("no answer within {} s", timeout.as_secs_f64())
                    } else {
                        tail(&out.stderr)
                    },
                },
                Err(e) => TestRun {
                    success: false,
                    log: e.to_string(),
                },
            },
        );
        caps
    }

    /// Fills [`Self::vendors`]: for each method, whether it exists on `os`, its device (the
    /// first render node for VA-API and QSV), a test encode through `run` per built-in
    /// encoder, and, when no encoder works but the method decodes, a device test.
    pub fn assess(&mut self, os: HostOs, run: &mut dyn FnMut(&[String]) -> TestRun) {
        let vendors: Vec<VendorStatus> = Vendor::ALL
            .into_iter()
            .map(|v| self.assess_vendor(v, os, run))
            .collect();
        self.vendors = vendors;
    }

    fn assess_vendor(
        &self,
        vendor: Vendor,
        os: HostOs,
        run: &mut dyn FnMut(&[String]) -> TestRun,
    ) -> VendorStatus {
        let names: Vec<String> = [VideoCodec::H264, VideoCodec::Hevc]
            .into_iter()
            .map(|c| vendor.encoder(c))
            .collect();
        let hwaccel = hwaccel_name(vendor).filter(|h| self.hwaccels.contains(*h));
        let mut status = VendorStatus {
            vendor,
            device: None,
            hwaccel,
            decode: false,
            encoders: Vec::new(),
            reason: None,
        };
        let untested = |names: &[String], why: &str, encoders: &BTreeSet<String>| {
            names
                .iter()
                .map(|n| {
                    let state = if encoders.contains(n) {
                        EncoderState::NotTested(why.to_owned())
                    } else {
                        EncoderState::NotBuilt
                    };
                    (n.clone(), state)
                })
                .collect::<Vec<_>>()
        };
        if let Some(error) = &self.error {
            status.encoders = untested(&names, error, &self.encoders);
            status.reason = Some(error.clone());
            return status;
        }
        let os_ok = match vendor {
            Vendor::VideoToolbox => os == HostOs::MacOs,
            Vendor::Vaapi | Vendor::V4l2m2m | Vendor::Rkmpp => os == HostOs::Linux,
            Vendor::Qsv | Vendor::Nvenc | Vendor::Amf => {
                matches!(os, HostOs::Linux | HostOs::Windows)
            }
        };
        if !os_ok {
            let why = match vendor {
                Vendor::VideoToolbox => "VideoToolbox exists only on macOS".to_owned(),
                _ => format!("{vendor} is not available on this system"),
            };
            status.encoders = untested(&names, &why, &self.encoders);
            status.reason = Some(why);
            return status;
        }
        if matches!(vendor, Vendor::Vaapi | Vendor::Qsv) {
            match self.render_nodes.first() {
                Some(node) => status.device = Some(node.clone()),
                None => {
                    let why = format!("no render node in {}", self.render_node_dir.display());
                    status.encoders = untested(&names, &why, &self.encoders);
                    status.reason = Some(why);
                    return status;
                }
            }
        }
        let device = status.device.clone();
        for name in &names {
            let state = if !self.encoders.contains(name) {
                EncoderState::NotBuilt
            } else {
                let result = run(&test_encode_args(vendor, name, device.as_deref()));
                if result.success {
                    EncoderState::Works
                } else {
                    EncoderState::Failed(result.log)
                }
            };
            status.encoders.push((name.clone(), state));
        }
        let encodes = status
            .encoders
            .iter()
            .any(|(_, s)| *s == EncoderState::Works);
        let mut device_log = None;
        if let Some(h) = hwaccel {
            status.decode = encodes || {
                let result = run(&device_test_args(vendor, device.as_deref()));
                if !result.success {
                    device_log = Some(format!(
                        "the {h} device does not initialise: {}",
                        result.log
                    ));
                }
                result.success
            };
        }
        let mut problems: Vec<String> = Vec::new();
        if let Some(log) = device_log {
            problems.push(log);
        } else if hwaccel_name(vendor).is_some() && hwaccel.is_none() {
            problems.push(format!(
                "this ffmpeg has no -hwaccel {}",
                hwaccel_name(vendor).unwrap_or_default()
            ));
        }
        problems.extend(status.encoders.iter().filter_map(|(n, s)| s.reason(n)));
        status.reason = (!problems.is_empty()).then(|| problems.join("; "));
        status
    }

    /// The status of `vendor` (`None` when not assessed).
    pub fn vendor(&self, vendor: Vendor) -> Option<&VendorStatus> {
        self.vendors.iter().find(|s| s.vendor == vendor)
    }

    /// Whether the filter is built in.
    pub fn has_filter(&self, name: &str) -> bool {
        self.filters.contains(name)
    }

    /// Whether the decoder is built in.
    pub fn has_decoder(&self, name: &str) -> bool {
        self.decoders.contains(name)
    }

    /// The version's major and minor numbers (`None`: unknown or a git build).
    pub fn version_number(&self) -> Option<(u32, u32)> {
        self.version.as_deref().and_then(version_number)
    }

    /// Whether the version is at least `major` (git builds and unknown versions count as new).
    pub fn version_at_least(&self, major: u32) -> bool {
        self.version_number().is_none_or(|(m, _)| m >= major)
    }

    /// One line per method: usable or not, and why (for logs).
    pub fn summary(&self) -> String {
        let mut out = format!(
            "ffmpeg {} ({} hwaccels, {} encoders, {} filters)",
            self.version.as_deref().unwrap_or("?"),
            self.hwaccels.len(),
            self.encoders.len(),
            self.filters.len()
        );
        if let Some(e) = &self.error {
            out.push_str(&format!(": {e}"));
        }
        for v in &self.vendors {
            let state = if v.usable() { "usable" } else { "unusable" };
            out.push_str(&format!("; {}: {state}", v.vendor));
            if let Some(r) = &v.reason {
                out.push_str(&format!(" ({r})"));
            }
        }
        out
    }
}

/// Output of one command.
struct Captured {
    success: bool,
    timed_out: bool,
    stdout: String,
    stderr: String,
}

fn read_all(mut r: impl Read + Send + 'static) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = r.read_to_end(&mut bytes);
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

/// Runs `ffmpeg args`, killing it after `timeout`.
fn run_capture(ffmpeg: &Path, args: &[String], timeout: Duration) -> std::io::Result<Captured> {
    let mut child = Command::new(ffmpeg)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let stdout = child.stdout.take().map(read_all);
    let stderr = child.stderr.take().map(read_all);
    let deadline = Instant::now() + timeout;
    let (success, timed_out) = loop {
        match child.try_wait()? {
            Some(status) => break (status.success(), false),
            None if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(10)),
            None => {
                let _ = child.kill();
                let _ = child.wait();
                break (false, true);
            }
        }
    };
    let text = |h: Option<std::thread::JoinHandle<String>>| {
        h.and_then(|h| h.join().ok()).unwrap_or_default()
    };
    Ok(Captured {
        success,
        timed_out,
        stdout: text(stdout),
        stderr: text(stderr),
    })
}

/// The last three non-empty lines of `log`, at most 400 characters.
pub fn tail(log: &str) -> String {
    let lines: Vec<&str> = log
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let text = lines[lines.len().saturating_sub(3)..].join(" | ");
    if text.chars().count() > 400 {
        let skip = text.chars().count() - 400;
        text.chars().skip(skip).collect()
    } else {
        text
    }
}

/// Detects [`Capabilities`] once, on first use, and keeps them (a [`Transcoder`] holds one).
///
/// [`Transcoder`]: super::super::Transcoder
pub struct HardwareProbe {
    ffmpeg: PathBuf,
    render_node_dir: PathBuf,
    timeout: Duration,
    detected: OnceLock<Arc<Capabilities>>,
}

impl std::fmt::Debug for HardwareProbe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HardwareProbe")
            .field("ffmpeg", &self.ffmpeg)
            .field("render_node_dir", &self.render_node_dir)
            .field("detected", &self.detected.get().is_some())
            .finish()
    }
}

impl HardwareProbe {
    /// A probe of `ffmpeg` and the render nodes in `render_node_dir`, each test bounded by
    /// `timeout`. Nothing runs yet.
    pub fn new(ffmpeg: PathBuf, render_node_dir: PathBuf, timeout: Duration) -> Self {
        Self {
            ffmpeg,
            render_node_dir,
            timeout,
            detected: OnceLock::new(),
        }
    }

    /// The capabilities, detected by the first caller (the others wait for it).
    pub fn get(&self) -> Arc<Capabilities> {
        Arc::clone(self.detected.get_or_init(|| {
            Arc::new(Capabilities::detect(
                &self.ffmpeg,
                &self.render_node_dir,
                self.timeout,
            ))
        }))
    }

    /// The capabilities if already detected.
    pub fn detected(&self) -> Option<Arc<Capabilities>> {
        self.detected.get().cloned()
    }
}
