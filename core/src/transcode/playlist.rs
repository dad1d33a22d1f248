//! The HLS playlists of a stream: `master.m3u8` (one variant, with its RFC 6381 `CODECS`
//! and, when the text subtitles go in the manifest, a `SUBTITLES` group), `main.m3u8` (the
//! whole duration listed up front as VOD; the segments are produced on demand) and a text
//! subtitle stream's `subtitles.m3u8` (WebVTT windows of the subtitle route).
//!
//! The codec strings follow Jellyfin's `HlsCodecStringHelpers`: H.264 `avc1.PPCCLL` (profile
//! and constraint bytes from the profile name, the level in hex), HEVC
//! `hvc1.{1|2}.4.L{level}.B0`, AV1 `av01.P.LLT.DD`, VP9 `vp09.PP.LL.DD`, AAC `mp4a.40.2`
//! (`.5` for HE-AAC), MP3 `mp4a.40.34`, AC-3 `ac-3`, E-AC-3 `ec-3`, FLAC `fLaC`, ALAC `alac`,
//! Opus `Opus`, TrueHD `mlpa`, DTS `dtsc`/`dtsh`/`dtse`.

use super::command::{AudioOutput, HlsOutput, SegmentFormat, VideoOutput};
use super::hwaccel::VideoCodec;
use crate::playback::SubtitleMethod;

/// Jellyfin's H.264 codec string: `avc1.` + profile/constraint bytes (`6400` high, `4D40`
/// main, `42E0` baseline, `4240` anything else: constrained baseline) + the level in two hex
/// digits (`41` → `29`).
pub fn h264_codec_string(profile: Option<&str>, level: i32) -> String {
    let profile = profile.unwrap_or("").trim().to_ascii_lowercase();
    let bytes = match profile.as_str() {
        "high" => "6400",
        "main" => "4D40",
        "baseline" => "42E0",
        _ => "4240",
    };
    format!("avc1.{bytes}{:02X}", level.clamp(0, 255))
}

/// Jellyfin's HEVC codec string: `hvc1.2.4` for Main 10, `hvc1.1.4` otherwise, then
/// `.L{level}` (the level as ffprobe gives it: 30 × the level number, `153` is 5.1) and `.B0`.
pub fn hevc_codec_string(profile: Option<&str>, level: i32) -> String {
    let profile = profile.unwrap_or("").trim().to_ascii_lowercase();
    let space = if profile == "main10" || profile == "main 10" {
        "2.4"
    } else {
        "1.4"
    };
    format!("hvc1.{space}.L{level}.B0")
}

/// Jellyfin's AV1 codec string `av01.{profile}.{level:02}{M|H}.{depth:02}` (unknown levels
/// are 6.3 = 19, unknown depths 8).
pub fn av1_codec_string(profile: Option<&str>, level: i32, high_tier: bool, depth: i32) -> String {
    let profile = match profile.unwrap_or("").trim().to_ascii_lowercase().as_str() {
        "high" => 1,
        "professional" => 2,
        _ => 0,
    };
    let level = if (1..=31).contains(&level) { level } else { 19 };
    let depth = if [8, 10, 12].contains(&depth) {
        depth
    } else {
        8
    };
    let tier = if high_tier { 'H' } else { 'M' };
    format!("av01.{profile}.{level:02}{tier}.{depth:02}")
}

/// Jellyfin's VP9 codec string `vp09.{profile}.{level}.{depth}`: the profile from the bit
/// depth (4:2:0 assumed: `00` for 8 bits, `02` above), the level from the picture size and
/// luma sample rate.
pub fn vp9_codec_string(width: i32, height: i32, frame_rate: f64, depth: i32) -> String {
    let depth = if [8, 10, 12].contains(&depth) {
        depth
    } else {
        8
    };
    let profile = if depth == 8 { "00" } else { "02" };
    let picture = i64::from(width.max(0)) * i64::from(height.max(0));
    let rate = picture as f64 * frame_rate;
    let level = match picture {
        p if p <= 0 => "00",
        p if p <= 36_864 => "10",
        p if p <= 73_728 => "11",
        p if p <= 122_880 => "20",
        p if p <= 245_760 => "21",
        p if p <= 552_960 => "30",
        p if p <= 983_040 => "31",
        p if p <= 2_228_224 => {
            if rate <= 83_558_400.0 {
                "40"
            } else {
                "41"
            }
        }
        p if p <= 8_912_896 => {
            if rate <= 311_951_360.0 {
                "50"
            } else if rate <= 588_251_136.0 {
                "51"
            } else {
                "52"
            }
        }
        p if p <= 35_651_584 => {
            if rate <= 1_176_502_272.0 {
                "60"
            } else if rate <= 4_706_009_088.0 {
                "61"
            } else {
                "62"
            }
        }
        _ => "00",
    };
    format!("vp09.{profile}.{level}.{depth:02}")
}

/// The codec string of an audio codec (ffprobe's name) with its profile (`HE-AAC`, `DTS-HD
/// MA`), `None` for codecs HLS has no name for.
pub fn audio_codec_string(codec: &str, profile: Option<&str>) -> Option<String> {
    let profile = profile.unwrap_or("").trim();
    let name = match codec.trim().to_ascii_lowercase().as_str() {
        "aac" => {
            if profile.eq_ignore_ascii_case("HE-AAC") {
                "mp4a.40.5"
            } else {
                "mp4a.40.2"
            }
        }
        "mp3" => "mp4a.40.34",
        "ac3" => "ac-3",
        "eac3" => "ec-3",
        "flac" => "fLaC",
        "alac" => "alac",
        "opus" => "Opus",
        "truehd" => "mlpa",
        "dts" | "dca" => {
            let p = profile.to_ascii_lowercase();
            if p.starts_with("dts-hd") {
                "dtsh"
            } else if p == "dts express" {
                "dtse"
            } else {
                "dtsc"
            }
        }
        _ => return None,
    };
    Some(name.to_owned())
}

/// A level as an integer (`4.1` stored as `41`; `0` or less: unknown).
fn level_of(level: Option<f64>) -> Option<i32> {
    level
        .filter(|l| l.is_finite() && *l > 0.0)
        .map(|l| l.round() as i32)
}

/// The video part of `CODECS`, `None` when there is no name for it (Jellyfin leaves it out).
fn video_codec_string(output: &VideoOutput) -> Option<String> {
    match output {
        VideoOutput::Encode {
            codec,
            profile,
            level,
            ..
        } => Some(match codec {
            VideoCodec::H264 => h264_codec_string(Some(profile), *level),
            VideoCodec::Hevc => hevc_codec_string(Some(profile), *level),
        }),
        VideoOutput::Copy {
            codec,
            profile,
            level,
            bit_depth,
            width,
            height,
            frame_rate,
            ..
        } => {
            let profile = profile.as_deref();
            match codec.as_str() {
                // Jellyfin's defaults when the source's level is unknown: 4.1 and 4.0.
                "h264" => Some(h264_codec_string(profile, level_of(*level).unwrap_or(41))),
                "hevc" | "h265" => {
                    Some(hevc_codec_string(profile, level_of(*level).unwrap_or(120)))
                }
                "av1" => Some(av1_codec_string(
                    profile,
                    level_of(*level).unwrap_or(19),
                    false,
                    bit_depth.unwrap_or(8),
                )),
                "vp9" => Some(vp9_codec_string(
                    width.unwrap_or(0),
                    height.unwrap_or(0),
                    frame_rate.unwrap_or(30.0),
                    bit_depth.unwrap_or(8),
                )),
                _ => None,
            }
        }
    }
}

/// The RFC 6381 codec names of the output (`avc1.640029,mp4a.40.2`): what the encoder is told
/// for an encoded video, the source's profile and level for a copied one, AAC-LC for encoded
/// audio, the source's codec for copied audio. Streams without a name are left out.
pub fn codecs(output: &HlsOutput) -> String {
    let mut out = Vec::new();
    if let Some(v) = output
        .video
        .as_ref()
        .and_then(|v| video_codec_string(&v.output))
    {
        out.push(v);
    }
    match output.audio.as_ref().map(|a| &a.output) {
        Some(AudioOutput::Aac { .. }) => out.push("mp4a.40.2".to_owned()),
        Some(AudioOutput::Copy { codec, profile, .. }) => {
            out.extend(audio_codec_string(codec, profile.as_deref()))
        }
        None => {}
    }
    out.join(",")
}

/// One text subtitle stream listed in the master playlist's `SUBTITLES` group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubtitleRendition {
    /// The stream index (`{index}` of its `subtitles.m3u8`).
    pub index: i32,
    /// `NAME`: the stream's display title.
    pub name: String,
    /// `LANGUAGE` (`Unknown` when the stream has none, as Jellyfin writes it).
    pub language: Option<String>,
    /// `FORCED`.
    pub forced: bool,
}

/// The text subtitle streams a master playlist lists, and where their playlists are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HlsSubtitles {
    /// The media source id of the URIs (`{mediaSourceId}/Subtitles/{index}/subtitles.m3u8`).
    pub media_source_id: String,
    /// The token put in the URIs (`ApiKey`).
    pub api_key: Option<String>,
    /// The text subtitle streams of the source, in order.
    pub streams: Vec<SubtitleRendition>,
    /// The stream marked `DEFAULT=YES` (the chosen one when its delivery is `Hls`).
    pub selected: Option<i32>,
}

/// The segment length Jellyfin puts in the subtitle playlist URIs of a master playlist.
pub const SUBTITLE_SEGMENT_SECONDS: u32 = 30;

/// Whether the master playlist carries the `SUBTITLES` group, as Jellyfin decides: the source
/// has text subtitle streams and the request delivers the chosen subtitle as `Hls` or asks for
/// `EnableSubtitlesInManifest`; never when the chosen subtitle is burned in (`Encode`), nor
/// when it is dropped. Returns the stream to mark as default (`Some(None)`: the group, no
/// default), `None` for no group.
pub fn subtitle_group(
    text_streams: usize,
    method: Option<SubtitleMethod>,
    subtitle_index: Option<i32>,
    in_manifest: bool,
) -> Option<Option<i32>> {
    let chosen = subtitle_index.filter(|i| *i >= 0);
    if text_streams == 0 || method == Some(SubtitleMethod::Drop) {
        return None;
    }
    if chosen.is_some() && method == Some(SubtitleMethod::Encode) {
        return None;
    }
    if method != Some(SubtitleMethod::Hls) && !in_manifest {
        return None;
    }
    Some(chosen.filter(|_| method == Some(SubtitleMethod::Hls)))
}

fn quoted(value: &str) -> String {
    // Attribute values cannot hold quotes or line breaks.
    value.replace(['"', '\n', '\r'], "'")
}

/// `master.m3u8`: the subtitle renditions (if any), then one variant (`BANDWIDTH`,
/// `AVERAGE-BANDWIDTH`, `CODECS`, for video `RESOLUTION` and `FRAME-RATE` when known, and
/// `SUBTITLES="subs"` with renditions) pointing at the relative `main.m3u8?{query}`.
pub fn master_playlist(
    output: &HlsOutput,
    subtitles: Option<&HlsSubtitles>,
    query: &str,
) -> String {
    let bandwidth = output.bandwidth().max(1);
    let mut inf = format!("#EXT-X-STREAM-INF:BANDWIDTH={bandwidth},AVERAGE-BANDWIDTH={bandwidth}");
    let codecs = codecs(output);
    if !codecs.is_empty() {
        inf.push_str(&format!(",CODECS=\"{codecs}\""));
    }
    let (size, rate) = match output.video.as_ref().map(|v| &v.output) {
        Some(VideoOutput::Encode {
            width,
            height,
            frame_rate,
            ..
        })
        | Some(VideoOutput::Copy {
            width,
            height,
            frame_rate,
            ..
        }) => (width.zip(*height), *frame_rate),
        None => (None, None),
    };
    if let Some((w, h)) = size {
        inf.push_str(&format!(",RESOLUTION={w}x{h}"));
    }
    if let Some(r) = rate.filter(|r| *r > 0.0) {
        inf.push_str(&format!(",FRAME-RATE={r:.3}"));
    }
    let mut out = String::from("#EXTM3U\n");
    if let Some(subs) = subtitles.filter(|s| !s.streams.is_empty()) {
        for s in &subs.streams {
            let mut uri = format!(
                "{}/Subtitles/{}/subtitles.m3u8?SegmentLength={SUBTITLE_SEGMENT_SECONDS}",
                subs.media_source_id, s.index
            );
            if let Some(key) = &subs.api_key {
                uri.push_str(&format!("&ApiKey={key}"));
            }
            let yes = |b: bool| if b { "YES" } else { "NO" };
            out.push_str(&format!(
                "#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID=\"subs\",NAME=\"{}\",DEFAULT={},FORCED={},AUTOSELECT=YES,URI=\"{}\",LANGUAGE=\"{}\"\n",
                quoted(&s.name),
                yes(subs.selected == Some(s.index)),
                yes(s.forced),
                quoted(&uri),
                quoted(s.language.as_deref().unwrap_or("Unknown")),
            ));
        }
        inf.push_str(",SUBTITLES=\"subs\"");
    }
    out.push_str(&format!("{inf}\n{}\n", with_query("main.m3u8", query)));
    out
}

fn with_query(path: &str, query: &str) -> String {
    let query = query.trim_start_matches(['?', '&']);
    if query.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{query}")
    }
}

/// Seconds as .NET prints a double (`30`, `12.5`).
fn seconds_text(ticks: i64) -> String {
    let text = format!("{:.7}", ticks as f64 / 1e7);
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// A text subtitle stream's `subtitles.m3u8` (Jellyfin's `GetSubtitlePlaylist`): VOD, one
/// entry per `segment_seconds` window of `runtime_ticks`, each the relative
/// `stream.vtt?CopyTimestamps=true&AddVttTimeMap=true&StartPositionTicks=..&EndPositionTicks=..`
/// (with `ApiKey` when given). `None` when the runtime or the segment length is not positive.
pub fn subtitle_playlist(
    runtime_ticks: i64,
    segment_seconds: u32,
    api_key: Option<&str>,
) -> Option<String> {
    let segment_ticks = i64::from(segment_seconds) * 10_000_000;
    if runtime_ticks <= 0 || segment_ticks <= 0 {
        return None;
    }
    let mut out = format!(
        "#EXTM3U\n#EXT-X-TARGETDURATION:{segment_seconds}\n#EXT-X-VERSION:3\n#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-PLAYLIST-TYPE:VOD\n"
    );
    let mut position = 0i64;
    while position < runtime_ticks {
        let length = (runtime_ticks - position).min(segment_ticks);
        let end = runtime_ticks.min(position + segment_ticks);
        out.push_str(&format!("#EXTINF:{},\n", seconds_text(length)));
        out.push_str(&format!(
            "stream.vtt?CopyTimestamps=true&AddVttTimeMap=true&StartPositionTicks={position}&EndPositionTicks={end}"
        ));
        if let Some(key) = api_key {
            out.push_str(&format!("&ApiKey={key}"));
        }
        out.push('\n');
        position += segment_ticks;
    }
    out.push_str("#EXT-X-ENDLIST\n");
    Some(out)
}

/// `main.m3u8`: the VOD media playlist listing every segment of the duration, each
/// `hls1/{playlist_id}/{n}.{ts|mp4}?{query}&runtimeTicks=..&actualSegmentLengthTicks=..`
/// (fMP4: version 7 and the init segment `hls1/{playlist_id}/-1.mp4?{query}`).
pub fn media_playlist(output: &HlsOutput, playlist_id: &str, query: &str) -> String {
    let query = query.trim_start_matches(['?', '&']);
    let join = |path: String, extra: &str| {
        let q = [query, extra]
            .iter()
            .filter(|s| !s.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join("&");
        with_query(&path, &q)
    };
    let ext = output.format.extension();
    let version = match output.format {
        SegmentFormat::MpegTs => 3,
        SegmentFormat::Fmp4 => 7,
    };
    let mut out = format!(
        "#EXTM3U\n#EXT-X-PLAYLIST-TYPE:VOD\n#EXT-X-VERSION:{version}\n#EXT-X-TARGETDURATION:{}\n#EXT-X-MEDIA-SEQUENCE:0\n",
        output.segment_seconds
    );
    if output.format == SegmentFormat::Fmp4 {
        out.push_str(&format!(
            "#EXT-X-MAP:URI=\"{}\"\n",
            join(format!("hls1/{playlist_id}/-1.mp4"), "")
        ));
    }
    let seg_ticks = i64::from(output.segment_seconds) * 10_000_000;
    for n in 0..output.segment_count() {
        let duration = output.segment_duration(n);
        let start_ticks = i64::from(n) * seg_ticks;
        let len_ticks = (duration * 1e7).round() as i64;
        out.push_str(&format!("#EXTINF:{duration:.6}, nodesc\n"));
        out.push_str(&join(
            format!("hls1/{playlist_id}/{n}.{ext}"),
            &format!("runtimeTicks={start_ticks}&actualSegmentLengthTicks={len_ticks}"),
        ));
        out.push('\n');
    }
    out.push_str("#EXT-X-ENDLIST\n");
    out
}
