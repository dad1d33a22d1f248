//! The libav backend of [`Prober`]: `avformat_open_input` + `avformat_find_stream_info` on a
//! context bounded by [`ProbeLimits`], then a read-only walk over the context's fields.
//!
//! The unsafe code is confined to opening and closing the context ([`open`],
//! [`FormatContext`]'s `Drop`), the interrupt callback, and the field reads in `read_*`.
//! Soundness rests on these rules:
//! - a context is owned by one [`FormatContext`], used by one thread, and closed exactly once;
//!   the [`Deadline`] its interrupt callback points to is borrowed for the context's lifetime;
//! - C enum fields are read as the `int` they are (`c_enum!`), never as bindgen's Rust enums
//!   (a value outside a Rust enum's variants is undefined behaviour), and the libav lookups that
//!   take enums are declared here with `int` parameters (`ffi`);
//! - strings that come from files (tags, titles) are copied with lossy UTF-8 conversion.
//!
//! Targets libav 5.1 to 7.x (Debian 12 ships 5.1): stream side data is read from
//! `AVStream::side_data`, which libav 8 removed.

use std::ffi::{c_char, c_int, c_void, CStr, CString};
use std::marker::PhantomData;
use std::mem::size_of;
use std::path::Path;
use std::ptr::{self, NonNull};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Once;
use std::time::{Duration, Instant};

use ffmpeg_next as ffmpeg;
use ffmpeg_next::sys;

use super::{
    tag, to_ticks, AttachmentInfo, AudioTags, ChapterInfo, DolbyVisionConfig, MediaInfo,
    MediaStreamInfo, ProbeError, ProbeLimits, Prober, Rational, StreamKind,
};

/// libav's smallest accepted `probesize`.
const MIN_PROBE_SIZE: i64 = 32;

/// Probes files in-process through the linked libav (`ffmpeg-next`), like `ffprobe` without its
/// process start. Cheap to create, `Send + Sync`; share one across the scanner's threads.
#[derive(Debug, Clone)]
pub struct LibavProber {
    limits: ProbeLimits,
}

impl LibavProber {
    /// A prober bounded by `limits`. The first call initialises libav (once per process; it
    /// changes no libav setting such as the log level).
    pub fn new(limits: ProbeLimits) -> Self {
        static INIT: Once = Once::new();
        INIT.call_once(|| {
            // Registers libav's error strings; cannot fail with libav >= 5.
            let _ = ffmpeg::init();
        });
        LibavProber { limits }
    }

    /// The bounds every probe of this prober runs under.
    pub fn limits(&self) -> &ProbeLimits {
        &self.limits
    }
}

impl Default for LibavProber {
    /// A prober with [`ProbeLimits::default`].
    fn default() -> Self {
        LibavProber::new(ProbeLimits::default())
    }
}

impl Prober for LibavProber {
    fn probe(&self, path: &Path) -> Result<MediaInfo, ProbeError> {
        let io = |source| ProbeError::Io {
            path: path.to_owned(),
            source,
        };
        // Before libav sees the path: a FIFO would block `open(2)` beyond any interrupt, a
        // directory opens but reads as EISDIR, and an empty file deserves its own error.
        let metadata = std::fs::metadata(path).map_err(io)?;
        if !metadata.is_file() {
            return Err(ProbeError::NotAFile {
                path: path.to_owned(),
            });
        }
        if metadata.len() == 0 {
            return Err(ProbeError::Empty {
                path: path.to_owned(),
            });
        }
        let url = file_url(path).map_err(io)?;

        let deadline = Deadline::new(self.limits.timeout);
        let opened = open(&url, &self.limits, &deadline);
        if deadline.fired() {
            // Interrupted somewhere: even a "successful" find_stream_info may be partial.
            return Err(ProbeError::Timeout {
                path: path.to_owned(),
                timeout: self.limits.timeout,
            });
        }
        let context = opened.map_err(|failure| match failure {
            Failure::Open(source) => ProbeError::Open {
                path: path.to_owned(),
                source: source.into(),
            },
            Failure::StreamInfo(source) => ProbeError::StreamInfo {
                path: path.to_owned(),
                source: source.into(),
            },
        })?;

        let (info, decodable) = context.read(metadata.len());
        drop(context);
        if info.streams.is_empty() {
            return Err(ProbeError::NoStreams {
                path: path.to_owned(),
            });
        }
        if let Some(stream) = incomplete_stream(&info.streams, &decodable) {
            return Err(ProbeError::Incomplete {
                path: path.to_owned(),
                stream,
                partial: Box::new(info),
            });
        }
        Ok(info)
    }
}

/// The stream that makes the probe [`ProbeError::Incomplete`], if any: a video stream (not cover
/// art) whose parameters libav could not find although it has a decoder for its codec, or, in a
/// file without such video, the first audio stream when no decodable audio stream has its
/// parameters. Audio tracks that carry no data beside usable streams (common in TV recordings)
/// are kept, with their unknown fields `None`, as `ffprobe` shows them.
fn incomplete_stream(streams: &[MediaStreamInfo], decodable: &[bool]) -> Option<usize> {
    let checkable = || {
        streams
            .iter()
            .zip(decodable)
            .filter(|(_, &decodable)| decodable)
            .map(|(stream, _)| stream)
    };
    let is_video = |s: &MediaStreamInfo| s.kind == StreamKind::Video && !s.is_attached_pic;
    if let Some(video) = checkable().find(|s| is_video(s) && lacks_parameters(s)) {
        return Some(video.index);
    }
    if streams.iter().any(is_video) {
        return None;
    }
    let mut audio = checkable()
        .filter(|s| s.kind == StreamKind::Audio)
        .peekable();
    let first = audio.peek()?.index;
    audio.all(lacks_parameters).then_some(first)
}

/// Whether libav failed to find the parameters it always finds for a readable stream (the
/// checks of libavformat's `has_codec_parameters`).
fn lacks_parameters(stream: &MediaStreamInfo) -> bool {
    match stream.kind {
        StreamKind::Video => {
            stream.width.is_none() || stream.height.is_none() || stream.pixel_format.is_none()
        }
        StreamKind::Audio => {
            stream.sample_rate.is_none()
                || stream.channels.is_none()
                || stream.sample_format.is_none()
        }
        _ => false,
    }
}

/// `file:` + the path, so libav uses the file protocol whatever the path looks like (a relative
/// `concat:x` or `http:x` would otherwise select another protocol). Non-UTF-8 Unix paths are
/// passed through byte for byte.
pub(crate) fn file_url(path: &Path) -> std::io::Result<CString> {
    let mut url = b"file:".to_vec();
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        url.extend_from_slice(path.as_os_str().as_bytes());
    }
    #[cfg(not(unix))]
    {
        let path = path.to_str().ok_or_else(|| {
            std::io::Error::new(std::io::ErrorKind::InvalidInput, "path is not valid UTF-8")
        })?;
        url.extend_from_slice(path.as_bytes());
    }
    CString::new(url).map_err(|_| {
        std::io::Error::new(std::io::ErrorKind::InvalidInput, "path contains a NUL byte")
    })
}

/// The wall-clock budget of one probe, polled by libav through the interrupt callback.
pub(crate) struct Deadline {
    /// `None` when the timeout is too large to represent: never fires.
    at: Option<Instant>,
    fired: AtomicBool,
}

impl Deadline {
    pub(crate) fn new(timeout: Duration) -> Self {
        Deadline {
            at: Instant::now().checked_add(timeout),
            fired: AtomicBool::new(false),
        }
    }

    /// True once the deadline has passed (and from then on).
    fn check(&self) -> bool {
        if self.fired.load(Ordering::Relaxed) {
            return true;
        }
        let passed = self.at.is_some_and(|at| Instant::now() >= at);
        if passed {
            self.fired.store(true, Ordering::Relaxed);
        }
        passed
    }

    /// Whether libav was told to stop.
    pub(crate) fn fired(&self) -> bool {
        self.fired.load(Ordering::Relaxed)
    }
}

/// libav's interrupt callback: non-zero makes the current I/O fail with `AVERROR_EXIT`.
///
/// # Safety
/// `opaque` is the `&Deadline` installed by [`open`], which outlives the context.
unsafe extern "C" fn interrupt_callback(opaque: *mut c_void) -> c_int {
    // SAFETY: see above; `Deadline` is only ever shared (its flag is atomic).
    let deadline = unsafe { &*opaque.cast::<Deadline>() };
    c_int::from(deadline.check())
}

/// An open input context, closed on drop. It borrows the deadline its interrupt callback reads.
pub(crate) struct FormatContext<'d> {
    pub(crate) ptr: NonNull<sys::AVFormatContext>,
    _deadline: PhantomData<&'d Deadline>,
}

impl Drop for FormatContext<'_> {
    fn drop(&mut self) {
        let mut ptr = self.ptr.as_ptr();
        // SAFETY: the context came from a successful `avformat_open_input` and is closed only
        // here, once.
        unsafe { sys::avformat_close_input(&mut ptr) };
    }
}

/// Which libav step failed.
pub(crate) enum Failure {
    Open(ffmpeg::Error),
    StreamInfo(ffmpeg::Error),
}

/// Opens `url` under `limits` and reads its stream information.
pub(crate) fn open<'d>(
    url: &CStr,
    limits: &ProbeLimits,
    deadline: &'d Deadline,
) -> Result<FormatContext<'d>, Failure> {
    let mut options = ffmpeg::Dictionary::new();
    options.set(
        "probesize",
        &limits.probe_size.max(MIN_PROBE_SIZE).to_string(),
    );
    // libav reads 0 as "its default" (5 s): the least it can be told is 1 µs.
    let analyze_us = i64::try_from(limits.analyze_duration.as_micros())
        .unwrap_or(i64::MAX)
        .max(1);
    options.set("analyzeduration", &analyze_us.to_string());
    // Nested opens (playlists, references inside the file) may only read local files.
    options.set("protocol_whitelist", "file");

    // SAFETY: plain libav calls on a context we allocate. `avformat_open_input` frees the
    // context itself when it fails; on success ownership moves to `FormatContext`, which
    // closes it once. The callback's `opaque` is `deadline`, which `FormatContext<'d>`
    // cannot outlive. The option dictionary is handed over and its leftovers freed by
    // `Dictionary::own`.
    unsafe {
        let mut ctx = sys::avformat_alloc_context();
        if ctx.is_null() {
            return Err(Failure::Open(ffmpeg::Error::Other { errno: sys::ENOMEM }));
        }
        (*ctx).interrupt_callback = sys::AVIOInterruptCB {
            callback: Some(interrupt_callback),
            opaque: ptr::from_ref(deadline).cast_mut().cast(),
        };
        let mut raw_options = options.disown();
        let ret = sys::avformat_open_input(&mut ctx, url.as_ptr(), ptr::null(), &mut raw_options);
        drop(ffmpeg::Dictionary::own(raw_options));
        if ret < 0 {
            return Err(Failure::Open(ffmpeg::Error::from(ret)));
        }
        let Some(ptr) = NonNull::new(ctx) else {
            return Err(Failure::Open(ffmpeg::Error::Bug));
        };
        let context = FormatContext {
            ptr,
            _deadline: PhantomData,
        };
        let ret = sys::avformat_find_stream_info(context.ptr.as_ptr(), ptr::null_mut());
        if ret < 0 {
            return Err(Failure::StreamInfo(ffmpeg::Error::from(ret)));
        }
        Ok(context)
    }
}

impl FormatContext<'_> {
    /// The media facts, and per stream whether libav has a decoder for its codec.
    fn read(&self, size: u64) -> (MediaInfo, Vec<bool>) {
        // SAFETY: the context is open, its stream information was read (`open`), and we hold
        // it exclusively (`&self` of a non-`Sync`, non-shared owner) while reading.
        unsafe { read_media_info(self.ptr.as_ptr(), size) }
    }
}

/// libav lookups whose bindgen signatures take Rust enums, declared with the C `int` they are
/// at the ABI level so values read from files never have to become Rust enums. Each one
/// bounds-checks its argument or searches a static table and returns NULL / 0 for unknown
/// values, and returns pointers to static data, so any `int` is a safe argument.
mod ffi {
    use super::sys::{AVCodec, AVCodecDescriptor, AVPixFmtDescriptor};
    use std::ffi::{c_char, c_int};

    unsafe extern "C" {
        pub safe fn avcodec_descriptor_get(id: c_int) -> *const AVCodecDescriptor;
        pub safe fn avcodec_profile_name(id: c_int, profile: c_int) -> *const c_char;
        pub safe fn avcodec_find_decoder(id: c_int) -> *const AVCodec;
        pub safe fn av_get_bits_per_sample(id: c_int) -> c_int;
        pub safe fn av_get_pix_fmt_name(pix_fmt: c_int) -> *const c_char;
        pub safe fn av_pix_fmt_desc_get(pix_fmt: c_int) -> *const AVPixFmtDescriptor;
        pub safe fn av_get_sample_fmt_name(sample_fmt: c_int) -> *const c_char;
        pub safe fn av_color_range_name(range: c_int) -> *const c_char;
        pub safe fn av_color_primaries_name(primaries: c_int) -> *const c_char;
        pub safe fn av_color_transfer_name(transfer: c_int) -> *const c_char;
        pub safe fn av_color_space_name(space: c_int) -> *const c_char;
    }
}

/// Reads a C enum field (a place behind a raw pointer) as its `int`.
macro_rules! c_enum {
    ($place:expr) => {
        ptr::addr_of!($place).cast::<c_int>().read()
    };
}

// `c_enum!` relies on these enums being `int`-sized, as C enums are.
const _: () = {
    assert!(size_of::<sys::AVMediaType>() == size_of::<c_int>());
    assert!(size_of::<sys::AVCodecID>() == size_of::<c_int>());
    assert!(size_of::<sys::AVFieldOrder>() == size_of::<c_int>());
    assert!(size_of::<sys::AVColorRange>() == size_of::<c_int>());
    assert!(size_of::<sys::AVColorPrimaries>() == size_of::<c_int>());
    assert!(size_of::<sys::AVColorTransferCharacteristic>() == size_of::<c_int>());
    assert!(size_of::<sys::AVColorSpace>() == size_of::<c_int>());
    assert!(size_of::<sys::AVChannelOrder>() == size_of::<c_int>());
    assert!(size_of::<sys::AVPacketSideDataType>() == size_of::<c_int>());
};

/// A copy of a C string, `None` for NULL. Invalid UTF-8 is replaced, not trusted.
///
/// # Safety
/// `p` is NULL or points to a NUL-terminated string that stays valid during the call.
unsafe fn opt_string(p: *const c_char) -> Option<String> {
    if p.is_null() {
        None
    } else {
        // SAFETY: per the contract.
        Some(unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned())
    }
}

/// The pointers of a C array, empty when the array is NULL.
///
/// # Safety
/// `p` is NULL or points to `len` initialised elements valid for `'a`.
unsafe fn raw_slice<'a, T>(p: *const T, len: usize) -> &'a [T] {
    if p.is_null() || len == 0 {
        &[]
    } else {
        // SAFETY: per the contract.
        unsafe { std::slice::from_raw_parts(p, len) }
    }
}

/// All entries of a dictionary, in order.
///
/// # Safety
/// `dict` is NULL or a valid dictionary not modified during the call.
unsafe fn dict_entries(dict: *const sys::AVDictionary) -> Vec<(String, String)> {
    let mut entries = Vec::new();
    let mut entry: *const sys::AVDictionaryEntry = ptr::null();
    loop {
        // SAFETY: `av_dict_get` accepts a NULL dictionary, and `entry` is NULL or its own
        // previous result; entries hold valid C strings.
        unsafe {
            entry = sys::av_dict_get(dict, c"".as_ptr(), entry, sys::AV_DICT_IGNORE_SUFFIX);
            if entry.is_null() {
                return entries;
            }
            let key = opt_string((*entry).key).unwrap_or_default();
            let value = opt_string((*entry).value).unwrap_or_default();
            entries.push((key, value));
        }
    }
}

/// Reads everything from an open context.
///
/// # Safety
/// `ctx` is a context opened by `avformat_open_input` on which `avformat_find_stream_info`
/// succeeded, not used elsewhere during the call.
unsafe fn read_media_info(ctx: *mut sys::AVFormatContext, size: u64) -> (MediaInfo, Vec<bool>) {
    // SAFETY: per the contract, every pointer below is NULL or valid, arrays have the lengths
    // libav records beside them, and the name strings of `iformat` are static.
    unsafe {
        let iformat = (*ctx).iformat;
        let (container, container_long_name) = if iformat.is_null() {
            (String::new(), None)
        } else {
            (
                opt_string((*iformat).name).unwrap_or_default(),
                opt_string((*iformat).long_name),
            )
        };
        let micros = Rational {
            num: 1,
            den: sys::AV_TIME_BASE,
        };

        let mut streams = Vec::new();
        let mut decodable = Vec::new();
        let stream_ptrs = raw_slice((*ctx).streams, (*ctx).nb_streams as usize);
        for (index, &st) in stream_ptrs.iter().enumerate() {
            if st.is_null() {
                continue;
            }
            let (stream, has_decoder) = read_stream(ctx, st, index);
            streams.push(stream);
            decodable.push(has_decoder);
        }

        let chapters = raw_slice((*ctx).chapters, (*ctx).nb_chapters as usize)
            .iter()
            .filter(|ch| !ch.is_null())
            .map(|&ch| {
                let tb = rational((*ch).time_base);
                let tags = dict_entries((*ch).metadata);
                ChapterInfo {
                    start_ticks: to_ticks((*ch).start, tb).unwrap_or(0),
                    end_ticks: to_ticks((*ch).end, tb).unwrap_or(0),
                    title: tag(&tags, "title").map(str::to_owned),
                }
            })
            .collect();

        let attachments = streams
            .iter()
            .filter(|s| s.kind == StreamKind::Attachment)
            .map(|s| AttachmentInfo {
                index: s.index,
                file_name: tag(&s.tags, "filename").map(str::to_owned),
                mime_type: tag(&s.tags, "mimetype").map(str::to_owned),
                codec: s.codec.clone(),
            })
            .collect();

        let format_tags = dict_entries((*ctx).metadata);
        let audio_tags = streams
            .iter()
            .find(|s| s.kind == StreamKind::Audio)
            .map_or(&[][..], |s| &s.tags[..]);
        let tags = AudioTags::from_tags(&format_tags, audio_tags);

        let duration = (*ctx).duration;
        let info = MediaInfo {
            container,
            container_long_name,
            duration_ticks: (duration >= 0)
                .then(|| to_ticks(duration, micros))
                .flatten(),
            start_time_ticks: to_ticks((*ctx).start_time, micros),
            bit_rate: positive((*ctx).bit_rate),
            size,
            streams,
            chapters,
            attachments,
            tags,
            format_tags,
        };
        (info, decodable)
    }
}

fn rational(r: sys::AVRational) -> Rational {
    Rational {
        num: r.num,
        den: r.den,
    }
}

fn positive<T: Copy + Default + PartialOrd>(v: T) -> Option<T> {
    (v > T::default()).then_some(v)
}

fn positive_u32(v: c_int) -> Option<u32> {
    u32::try_from(v).ok().filter(|&v| v > 0)
}

/// A libav name, unless the value is the enum's "unspecified" (as `ffprobe` leaves those out).
fn specified_name(
    value: c_int,
    unspecified: c_int,
    name: extern "C" fn(c_int) -> *const c_char,
) -> Option<String> {
    if value == unspecified {
        return None;
    }
    // SAFETY: libav's name tables are static NUL-terminated strings (or NULL).
    unsafe { opt_string(name(value)) }
}

/// Reads one stream, and whether libav has a decoder for its codec.
///
/// # Safety
/// As [`read_media_info`]; `st` is one of `ctx`'s streams.
unsafe fn read_stream(
    ctx: *mut sys::AVFormatContext,
    st: *mut sys::AVStream,
    index: usize,
) -> (MediaStreamInfo, bool) {
    // SAFETY: per the contract; see `read_media_info`.
    unsafe {
        let tags = dict_entries((*st).metadata);
        let disposition = (*st).disposition;
        let flag = |f: c_int| disposition & f != 0;
        let mut s = MediaStreamInfo {
            index,
            kind: StreamKind::Unknown,
            codec: None,
            codec_long_name: None,
            codec_tag: None,
            profile: None,
            level: None,
            bit_rate: None,
            time_base: rational((*st).time_base),
            language: tag(&tags, "language").map(str::to_owned),
            title: tag(&tags, "title").map(str::to_owned),
            is_default: flag(sys::AV_DISPOSITION_DEFAULT),
            is_forced: flag(sys::AV_DISPOSITION_FORCED),
            is_hearing_impaired: flag(sys::AV_DISPOSITION_HEARING_IMPAIRED),
            is_visual_impaired: flag(sys::AV_DISPOSITION_VISUAL_IMPAIRED),
            is_attached_pic: flag(sys::AV_DISPOSITION_ATTACHED_PIC),
            tags,
            width: None,
            height: None,
            sample_aspect_ratio: None,
            display_aspect_ratio: None,
            avg_frame_rate: rational((*st).avg_frame_rate).to_f64(),
            real_frame_rate: rational((*st).r_frame_rate).to_f64(),
            pixel_format: None,
            bit_depth: None,
            field_order: None,
            color_range: None,
            color_space: None,
            color_transfer: None,
            color_primaries: None,
            dolby_vision: read_dolby_vision(st),
            channels: None,
            channel_layout: None,
            sample_rate: None,
            sample_format: None,
        };
        let par = (*st).codecpar;
        if par.is_null() {
            return (s, false);
        }

        let media_type = c_enum!((*par).codec_type);
        s.kind = match media_type {
            t if t == sys::AVMediaType::AVMEDIA_TYPE_VIDEO as c_int => StreamKind::Video,
            t if t == sys::AVMediaType::AVMEDIA_TYPE_AUDIO as c_int => StreamKind::Audio,
            t if t == sys::AVMediaType::AVMEDIA_TYPE_SUBTITLE as c_int => StreamKind::Subtitle,
            t if t == sys::AVMediaType::AVMEDIA_TYPE_ATTACHMENT as c_int => StreamKind::Attachment,
            t if t == sys::AVMediaType::AVMEDIA_TYPE_DATA as c_int => StreamKind::Data,
            _ => StreamKind::Unknown,
        };

        let codec_id = c_enum!((*par).codec_id);
        let descriptor = ffi::avcodec_descriptor_get(codec_id);
        if !descriptor.is_null() {
            s.codec = opt_string((*descriptor).name);
            s.codec_long_name = opt_string((*descriptor).long_name);
        }
        let has_decoder = codec_id != sys::AVCodecID::AV_CODEC_ID_NONE as c_int
            && !ffi::avcodec_find_decoder(codec_id).is_null();

        let codec_tag = (*par).codec_tag;
        if codec_tag != 0 {
            let mut buf: [c_char; sys::AV_FOURCC_MAX_STRING_SIZE as usize] =
                [0; sys::AV_FOURCC_MAX_STRING_SIZE as usize];
            sys::av_fourcc_make_string(buf.as_mut_ptr(), codec_tag);
            s.codec_tag = opt_string(buf.as_ptr());
        }

        let profile = (*par).profile;
        s.profile = opt_string(ffi::avcodec_profile_name(codec_id, profile))
            .or_else(|| (profile != sys::FF_PROFILE_UNKNOWN).then(|| profile.to_string()));
        s.bit_rate = positive((*par).bit_rate);
        s.width = positive_u32((*par).width);
        s.height = positive_u32((*par).height);
        let format = (*par).format;
        let bits_per_raw_sample = positive_u32((*par).bits_per_raw_sample);

        match s.kind {
            StreamKind::Video => {
                let level = (*par).level;
                s.level = (level != sys::FF_LEVEL_UNKNOWN).then_some(level);
                s.pixel_format = opt_string(ffi::av_get_pix_fmt_name(format));
                let descriptor = ffi::av_pix_fmt_desc_get(format);
                s.bit_depth = if descriptor.is_null() {
                    None
                } else {
                    positive_u32((*descriptor).comp[0].depth)
                }
                .or(bits_per_raw_sample);

                let sar = sys::av_guess_sample_aspect_ratio(ctx, st, ptr::null_mut());
                if sar.num != 0 && sar.den != 0 {
                    s.sample_aspect_ratio = Some(rational(sar));
                    let (w, h) = (i64::from((*par).width), i64::from((*par).height));
                    if w > 0 && h > 0 {
                        let mut dar = sys::AVRational { num: 0, den: 0 };
                        sys::av_reduce(
                            &mut dar.num,
                            &mut dar.den,
                            w * i64::from(sar.num),
                            h * i64::from(sar.den),
                            1024 * 1024,
                        );
                        s.display_aspect_ratio = Some(rational(dar));
                    }
                }

                let field_order = c_enum!((*par).field_order);
                s.field_order = [
                    (sys::AVFieldOrder::AV_FIELD_PROGRESSIVE, "progressive"),
                    (sys::AVFieldOrder::AV_FIELD_TT, "tt"),
                    (sys::AVFieldOrder::AV_FIELD_BB, "bb"),
                    (sys::AVFieldOrder::AV_FIELD_TB, "tb"),
                    (sys::AVFieldOrder::AV_FIELD_BT, "bt"),
                ]
                .into_iter()
                .find(|&(v, _)| v as c_int == field_order)
                .map(|(_, name)| name.to_owned());

                s.color_range = specified_name(
                    c_enum!((*par).color_range),
                    sys::AVColorRange::AVCOL_RANGE_UNSPECIFIED as c_int,
                    ffi::av_color_range_name,
                );
                s.color_space = specified_name(
                    c_enum!((*par).color_space),
                    sys::AVColorSpace::AVCOL_SPC_UNSPECIFIED as c_int,
                    ffi::av_color_space_name,
                );
                s.color_transfer = specified_name(
                    c_enum!((*par).color_trc),
                    sys::AVColorTransferCharacteristic::AVCOL_TRC_UNSPECIFIED as c_int,
                    ffi::av_color_transfer_name,
                );
                s.color_primaries = specified_name(
                    c_enum!((*par).color_primaries),
                    sys::AVColorPrimaries::AVCOL_PRI_UNSPECIFIED as c_int,
                    ffi::av_color_primaries_name,
                );
            }
            StreamKind::Audio => {
                s.sample_rate = positive_u32((*par).sample_rate);
                s.sample_format = opt_string(ffi::av_get_sample_fmt_name(format));
                s.bit_depth = bits_per_raw_sample
                    .or_else(|| positive_u32(ffi::av_get_bits_per_sample(codec_id)));
                let layout = ptr::addr_of!((*par).ch_layout);
                s.channels = positive_u32((*layout).nb_channels);
                if c_enum!((*layout).order) != sys::AVChannelOrder::AV_CHANNEL_ORDER_UNSPEC as c_int
                {
                    s.channel_layout = describe_layout(layout);
                }
            }
            _ => {}
        }
        (s, has_decoder)
    }
}

/// `av_channel_layout_describe`, with a buffer as large as the description needs.
///
/// # Safety
/// `layout` points to a valid channel layout.
unsafe fn describe_layout(layout: *const sys::AVChannelLayout) -> Option<String> {
    let mut buf = vec![0u8; 64];
    for _ in 0..2 {
        // SAFETY: `buf` is writable for its length; libav writes at most that many bytes
        // (NUL included) and returns the length the full description needs.
        let needed =
            unsafe { sys::av_channel_layout_describe(layout, buf.as_mut_ptr().cast(), buf.len()) };
        let needed = usize::try_from(needed).ok()?;
        if needed <= buf.len() {
            let text = CStr::from_bytes_until_nul(&buf).ok()?;
            return Some(text.to_string_lossy().into_owned());
        }
        buf.resize(needed, 0);
    }
    None
}

/// The stream's Dolby Vision configuration record, from its side data.
///
/// # Safety
/// `st` is a valid stream of an open context.
unsafe fn read_dolby_vision(st: *const sys::AVStream) -> Option<DolbyVisionConfig> {
    // SAFETY: libav keeps `nb_side_data` entries at `side_data`, each with `size` bytes at
    // `data`; the DOVI record is `AVDOVIDecoderConfigurationRecord`, eight `uint8_t` fields
    // in this order (later libav versions only append fields).
    unsafe {
        let entries = (*st).side_data.cast_const();
        let count = usize::try_from((*st).nb_side_data).unwrap_or(0);
        if entries.is_null() {
            return None;
        }
        (0..count).map(|i| entries.add(i)).find_map(|sd| {
            let is_dovi =
                c_enum!((*sd).type_) == sys::AVPacketSideDataType::AV_PKT_DATA_DOVI_CONF as c_int;
            if !is_dovi || (*sd).data.is_null() || (*sd).size < 8 {
                return None;
            }
            let b = std::slice::from_raw_parts((*sd).data.cast_const(), 8);
            Some(DolbyVisionConfig {
                version_major: b[0],
                version_minor: b[1],
                profile: b[2],
                level: b[3],
                rpu_present: b[4] != 0,
                el_present: b[5] != 0,
                bl_present: b[6] != 0,
                bl_signal_compatibility_id: b[7],
            })
        })
    }
}
