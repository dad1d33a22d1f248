//! Embedded text subtitles read out of a media file through the linked libav (feature `libav`).
//!
//! The file is opened the way the prober opens it (file protocol only, an interrupt deadline),
//! every other stream is discarded so the demuxer skips their payloads, and the packets of the
//! one subtitle stream are read to the end. Text codecs carry their cue text in the packet, so
//! no decoder runs: SubRip and WebVTT packets are the cue text, mov_text packets are a 2-byte
//! big-endian length then the text (style boxes after it are ignored), and ASS packets are the
//! dialogue fields `ReadOrder,Layer,Style,Name,MarginL,MarginR,MarginV,Effect,Text`, the script
//! header being the codec's extradata. Times come from the packets' pts and duration.
//!
//! Unsafe code is limited to reading the opened context's stream table (C enum fields read as
//! the `int` they are, as the prober does), marking streams discarded, and `av_read_frame` into
//! an owned [`ffmpeg::Packet`].

use std::ffi::c_int;
use std::path::Path;
use std::ptr;
use std::sync::Once;
use std::time::Duration;

use ffmpeg_next as ffmpeg;
use ffmpeg_next::packet::Mut as _;
use ffmpeg_next::sys;

use super::{text, AssEvent, Cue, SubtitleError, SubtitleTrack};
use crate::probe::libav::{file_url, open, Deadline, Failure};
use crate::probe::{to_ticks, ProbeLimits, Rational};

/// The most subtitle text one stream may hold (a real track is well under 1 MB).
const MAX_TEXT_BYTES: usize = 64 * 1024 * 1024;

/// How long a cue whose packet has no duration stays up when no later cue ends it.
const FALLBACK_CUE_TICKS: i64 = 5 * 10_000_000;

/// The text codecs read from packets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TextCodec {
    SubRip,
    Ass,
    WebVtt,
    MovText,
    Text,
}

impl TextCodec {
    fn from_id(id: c_int) -> Option<Self> {
        use sys::AVCodecID::*;
        [
            (AV_CODEC_ID_SUBRIP, TextCodec::SubRip),
            (AV_CODEC_ID_SRT, TextCodec::SubRip),
            (AV_CODEC_ID_ASS, TextCodec::Ass),
            (AV_CODEC_ID_SSA, TextCodec::Ass),
            (AV_CODEC_ID_WEBVTT, TextCodec::WebVtt),
            (AV_CODEC_ID_MOV_TEXT, TextCodec::MovText),
            (AV_CODEC_ID_TEXT, TextCodec::Text),
        ]
        .into_iter()
        .find(|(c, _)| *c as c_int == id)
        .map(|(_, t)| t)
    }
}

/// The stream to read, found in the opened context.
struct Target {
    index: c_int,
    codec: TextCodec,
    time_base: Rational,
    extradata: Vec<u8>,
}

/// Reads embedded subtitle stream number `ordinal` of `path`, counting streams as the store
/// numbers them (container order, attachments skipped), within `timeout`.
pub(crate) fn extract(
    path: &Path,
    ordinal: usize,
    timeout: Duration,
) -> Result<SubtitleTrack, SubtitleError> {
    static INIT: Once = Once::new();
    INIT.call_once(|| {
        // Registers libav's error strings; cannot fail with libav >= 5.
        let _ = ffmpeg::init();
    });
    let url = file_url(path).map_err(|source| SubtitleError::Io {
        path: path.to_owned(),
        source,
    })?;
    let deadline = Deadline::new(timeout);
    let timed_out = || SubtitleError::Timeout {
        path: path.to_owned(),
        timeout,
    };
    let context = match open(&url, &ProbeLimits::default(), &deadline) {
        Ok(c) => c,
        Err(_) if deadline.fired() => return Err(timed_out()),
        Err(Failure::Open(source) | Failure::StreamInfo(source)) => {
            return Err(SubtitleError::Libav {
                path: path.to_owned(),
                source: source.into(),
            })
        }
    };
    let ctx = context.ptr.as_ptr();
    // SAFETY: `ctx` is an open context whose stream information was read (`open`), owned by
    // `context`, which outlives this use and is used by this thread only.
    let target = unsafe { select_stream(ctx, ordinal) }.ok_or(SubtitleError::StreamMismatch {
        path: path.to_owned(),
        index: ordinal,
    })?;
    let codec = target.codec;

    // (start, end or None, text, ASS fields)
    let mut events: Vec<(i64, Option<i64>, String, Option<AssEvent>)> = Vec::new();
    let mut total = 0usize;
    loop {
        let mut packet = ffmpeg::Packet::empty();
        // SAFETY: `ctx` as above; `packet` is an owned, blank packet that `av_read_frame`
        // fills and its `Drop` unreferences.
        let ret = unsafe { sys::av_read_frame(ctx, packet.as_mut_ptr()) };
        if ret == sys::AVERROR_EOF {
            break;
        }
        if ret == sys::AVERROR(sys::EAGAIN) {
            continue;
        }
        if ret < 0 {
            if deadline.fired() {
                return Err(timed_out());
            }
            return Err(SubtitleError::Libav {
                path: path.to_owned(),
                source: ffmpeg::Error::from(ret).into(),
            });
        }
        if packet.stream() as c_int != target.index {
            continue;
        }
        let Some(data) = packet.data() else { continue };
        total += data.len();
        if total > MAX_TEXT_BYTES {
            return Err(SubtitleError::TooLarge {
                path: path.to_owned(),
            });
        }
        let Some(start) = packet
            .pts()
            .or(packet.dts())
            .and_then(|t| to_ticks(t, target.time_base))
        else {
            continue;
        };
        let end = (packet.duration() > 0)
            .then(|| to_ticks(packet.duration(), target.time_base))
            .flatten()
            .map(|d| start.saturating_add(d));
        let (text, ass) = packet_text(codec, data);
        events.push((start, end, text, ass));
    }
    drop(context);

    events.sort_by_key(|e| e.0);
    let starts: Vec<i64> = events.iter().map(|e| e.0).collect();
    let cues = events
        .into_iter()
        .enumerate()
        .filter(|(_, (_, _, text, ass))| !text.is_empty() || ass.is_some())
        .map(|(i, (start, end, text, ass))| {
            let end = end.unwrap_or_else(|| {
                starts[i + 1..]
                    .iter()
                    .copied()
                    .find(|s| *s > start)
                    .unwrap_or(start.saturating_add(FALLBACK_CUE_TICKS))
            });
            Cue {
                start,
                end: end.max(start),
                text,
                ass,
            }
        })
        .collect();
    let ass_header = match codec {
        TextCodec::Ass => text::parse_ass(&text::decode(&target.extradata)).ass_header,
        _ => None,
    };
    Ok(SubtitleTrack { cues, ass_header })
}

/// Finds stream `ordinal` (attachments not counted), checks it is a text subtitle stream we can
/// read, and marks every other stream discarded.
///
/// # Safety
/// `ctx` is an open context whose stream information was read, not used elsewhere meanwhile.
unsafe fn select_stream(ctx: *mut sys::AVFormatContext, ordinal: usize) -> Option<Target> {
    // SAFETY: per the contract, `streams` has `nb_streams` entries, each NULL or a valid
    // stream whose `codecpar` is NULL or valid; enum fields are read as their `int`.
    unsafe {
        let count = (*ctx).nb_streams as usize;
        let streams = (*ctx).streams;
        if streams.is_null() {
            return None;
        }
        let mut seen = 0usize;
        let mut found: Option<Target> = None;
        for i in 0..count {
            let st = *streams.add(i);
            if st.is_null() {
                continue;
            }
            let par = (*st).codecpar;
            let media_type = if par.is_null() {
                -1
            } else {
                ptr::addr_of!((*par).codec_type).cast::<c_int>().read()
            };
            let is_attachment = media_type == sys::AVMediaType::AVMEDIA_TYPE_ATTACHMENT as c_int;
            let this = !is_attachment && seen == ordinal && found.is_none();
            if !is_attachment {
                seen += 1;
            }
            if this && media_type == sys::AVMediaType::AVMEDIA_TYPE_SUBTITLE as c_int {
                let codec_id = ptr::addr_of!((*par).codec_id).cast::<c_int>().read();
                let codec = TextCodec::from_id(codec_id)?;
                let extradata = if (*par).extradata.is_null() || (*par).extradata_size <= 0 {
                    Vec::new()
                } else {
                    std::slice::from_raw_parts((*par).extradata, (*par).extradata_size as usize)
                        .to_vec()
                };
                found = Some(Target {
                    index: (*st).index,
                    codec,
                    time_base: Rational {
                        num: (*st).time_base.num,
                        den: (*st).time_base.den,
                    },
                    extradata,
                });
            } else if this {
                return None;
            } else {
                (*st).discard = sys::AVDiscard::AVDISCARD_ALL;
            }
        }
        found
    }
}

/// The neutral cue text of one packet, and the ASS fields for ASS packets.
fn packet_text(codec: TextCodec, data: &[u8]) -> (String, Option<AssEvent>) {
    match codec {
        TextCodec::SubRip => (text::reduce_markup(&text::decode(data)), None),
        TextCodec::WebVtt => (text::reduce_webvtt(&text::decode(data)), None),
        TextCodec::Text => (text::plain(&text::decode(data)), None),
        TextCodec::MovText => {
            let len = match data {
                [hi, lo, ..] => usize::from(u16::from_be_bytes([*hi, *lo])),
                _ => 0,
            };
            let body = data.get(2..2 + len).unwrap_or(data.get(2..).unwrap_or(&[]));
            (text::plain(&text::decode(body)), None)
        }
        TextCodec::Ass => {
            let line = text::decode(data);
            let line = line.trim_end_matches(['\r', '\n']);
            let f: Vec<&str> = line.splitn(9, ',').collect();
            if f.len() < 9 {
                return (text::reduce_ass(line), None);
            }
            let event = AssEvent {
                layer: f[1].to_owned(),
                style: f[2].to_owned(),
                name: f[3].to_owned(),
                margin_l: f[4].to_owned(),
                margin_r: f[5].to_owned(),
                margin_v: f[6].to_owned(),
                effect: f[7].to_owned(),
                text: f[8].to_owned(),
            };
            (text::reduce_ass(&event.text), Some(event))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packet_payloads() {
        assert_eq!(
            packet_text(TextCodec::SubRip, b"<i>Hi</i>\r\nthere"),
            ("<i>Hi</i>\nthere".to_owned(), None)
        );
        assert_eq!(
            packet_text(TextCodec::MovText, b"\x00\x05Hello\x00\x00\x00\x0cstyl").0,
            "Hello"
        );
        // A length past the end takes what is there; a short packet is empty.
        assert_eq!(packet_text(TextCodec::MovText, b"\x00\x09Hi").0, "Hi");
        assert_eq!(packet_text(TextCodec::MovText, b"\x00").0, "");
        assert_eq!(
            packet_text(TextCodec::WebVtt, b"a &amp; <c.x>b</c>").0,
            "a & b"
        );
        let (t, e) = packet_text(
            TextCodec::Ass,
            b"3,0,Top,,0,0,0,,{\\i1}Hi{\\i0}, you\\Nthere",
        );
        assert_eq!(t, "<i>Hi</i>, you\nthere");
        let e = e.unwrap();
        assert_eq!((e.layer.as_str(), e.style.as_str()), ("0", "Top"));
        assert_eq!(e.text, "{\\i1}Hi{\\i0}, you\\Nthere");
        assert_eq!(packet_text(TextCodec::Ass, b"broken").1, None);
    }
}
