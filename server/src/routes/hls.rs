//! HLS on demand (SURFACE.md §4.1): `GET /Videos/{id}/master.m3u8`, `main.m3u8`,
//! `hls1/{playlistId}/{segment}.{ts|mp4}` (and the `/Audio/` twins), a text subtitle stream's
//! `GET /Videos/{id}/{mediaSourceId}/Subtitles/{index}/subtitles.m3u8`, and
//! `DELETE /Videos/ActiveEncodings`. The handlers read the `TranscodingUrl` parameters into the
//! core's [`HlsRequest`] and hand the rest to the library's `Transcoder`; the master playlist
//! lists the source's text subtitle streams when the request delivers subtitles as `Hls` (or
//! asks for `EnableSubtitlesInManifest`). Throttling follows the `encoding` configuration's
//! `EnableThrottling` and `ThrottleDelaySeconds`, read at each segment request.
//!
//! Errors: a segment outside the media is 404; past the concurrent job limit the server answers
//! 503 (the server is busy, not the client misbehaving); a failed or stalled `ffmpeg` is 500.

use bytes::Bytes;
use hyper::{Response, StatusCode};
use jellyfin_core::playback::SourceFacts;
use jellyfin_core::playback::SubtitleMethod;
use jellyfin_core::store::{ItemId, ItemRecord};
use jellyfin_core::transcode::{
    master_playlist, media_playlist, subtitle_group, subtitle_playlist, EncoderSetup, HlsOutput,
    HlsRequest, HlsSubtitles, JobKey, SegmentFormat, SubtitleRendition,
};
use jellyfin_core::MediaLibrary;
use serde_json::Value;

use super::items::{caller, item_id, visible_item};
use super::media::media_source_record;
use crate::error::Error;
use crate::http::{empty, Body, Ctx, Server};
use crate::request::Query;
use crate::stream::serve_bytes;

const PLAYLIST_TYPE: &str = "application/vnd.apple.mpegurl";

/// Query keys not echoed from a playlist request into the URLs it lists (added per segment).
const PER_SEGMENT_KEYS: [&str; 2] = ["runtimeticks", "actualsegmentlengthticks"];

/// The `TranscodingUrl` parameters of a request's query `q` shaping the output (also those of
/// a progressive stream).
pub fn hls_request(q: &Query) -> HlsRequest {
    let list = |k: &str| {
        q.get(k)
            .map(|v| {
                v.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    };
    // Codec-qualified limits (`h264-profile`, `hevc-videobitdepth`...).
    let stream_options = q
        .pairs()
        .into_iter()
        .filter(|(k, _)| k.contains('-'))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    HlsRequest {
        video_codecs: list("VideoCodec"),
        audio_codecs: list("AudioCodec"),
        audio_stream_index: q.int("AudioStreamIndex").map(|i| i as i32),
        video_bitrate: q.int("VideoBitrate").filter(|b| *b > 0),
        audio_bitrate: q.int("AudioBitrate").filter(|b| *b > 0),
        max_width: q.int("MaxWidth").map(|w| w as i32),
        max_height: q.int("MaxHeight").map(|h| h as i32),
        max_audio_channels: q
            .int("TranscodingMaxAudioChannels")
            .or_else(|| q.int("MaxAudioChannels"))
            .map(|c| c as i32),
        segment_container: q.get("SegmentContainer").map(str::to_owned),
        segment_length: q
            .int("SegmentLength")
            .filter(|l| (1..=60).contains(l))
            .map(|l| l as u32),
        allow_video_stream_copy: q.bool("AllowVideoStreamCopy").unwrap_or(true),
        allow_audio_stream_copy: q.bool("AllowAudioStreamCopy").unwrap_or(true),
        stream_options,
        subtitle_stream_index: q.int("SubtitleStreamIndex").map(|i| i as i32),
        subtitle_method: q.get("SubtitleMethod").and_then(SubtitleMethod::parse),
    }
}

/// The `encoding` configuration section (`Null` when it cannot be read; blocking).
pub(crate) fn encoding_section(library: &MediaLibrary) -> Value {
    library
        .settings()
        .section("encoding")
        .ok()
        .flatten()
        .unwrap_or(Value::Null)
}

/// The encoder setup under the `encoding` configuration section (its options; the detected
/// capabilities when they need them, detected once by the core on first use; blocking).
pub(crate) fn encoder_setup(library: &MediaLibrary) -> EncoderSetup {
    library
        .transcoder()
        .encoder_setup(&encoding_section(library))
}

/// Detects the transcoding hardware now when the `encoding` configuration needs it, so that the
/// first playback does not wait for the detection (it blocks: call it off the async runtime).
pub fn detect_encoders(server: &Server) {
    let _ = encoder_setup(server.library());
}

/// The job of a request for `record` (an HLS segment or a progressive stream): its
/// `PlaySessionId`, its `DeviceId` (else the caller's device) and the source's id.
pub(crate) fn job_key(ctx: &Ctx, record: &ItemRecord) -> JobKey {
    JobKey {
        play_session_id: ctx
            .query
            .get("PlaySessionId")
            .filter(|s| !s.is_empty())
            .map(str::to_owned),
        device_id: ctx
            .query
            .get("DeviceId")
            .map(str::to_owned)
            .or_else(|| ctx.auth.device_id.clone()),
        item: record.id.map(|i| i.to_n()).unwrap_or_default(),
    }
}

/// What the request's job outputs, from the stored source (its path only from the store): the
/// item, or its alternate version `MediaSourceId`; with the encoder setup it was chosen under.
fn output(
    server: &Server,
    ctx: &Ctx,
    id: &str,
) -> Result<(ItemRecord, HlsOutput, EncoderSetup), Error> {
    let c = caller(server, ctx, None)?;
    let item = visible_item(server, &c.user, item_id(id)?)?;
    let record = media_source_record(server, ctx, &item)?;
    let path = record.path.clone().ok_or(Error::NotFound)?;
    let facts = SourceFacts::from_item(&record);
    let duration = record.run_time_ticks.unwrap_or(0);
    if duration <= 0 {
        return Err(Error::NotFound);
    }
    let setup = encoder_setup(server.library());
    let request = hls_request(&ctx.query);
    let out = HlsOutput::choose_with(path.into(), duration, &facts, &request, &setup);
    Ok((record, out, setup))
}

/// The request's query, re-encoded, without the per-segment keys.
fn echoed_query(ctx: &Ctx) -> String {
    ctx.query
        .pairs()
        .into_iter()
        .filter(|(k, _)| !PER_SEGMENT_KEYS.contains(&k.to_ascii_lowercase().as_str()))
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn encode(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for b in v.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b',' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// `bytes` of `content_type` (a playlist or a segment), not to be cached.
fn no_cache(ctx: &Ctx, bytes: Bytes, content_type: &str) -> Response<Body> {
    serve_bytes(
        &ctx.method,
        &ctx.headers,
        bytes,
        content_type,
        None,
        Some("no-cache"),
        None,
    )
}

fn playlist(ctx: &Ctx, text: String) -> Response<Body> {
    no_cache(ctx, text.into(), PLAYLIST_TYPE)
}

/// `GET`/`HEAD /Videos/{id}/master.m3u8` (and `/Audio/`): one variant pointing at
/// `main.m3u8` with the same query, with the text subtitle streams as a `SUBTITLES` group
/// when the request delivers subtitles in the manifest.
pub fn master(server: &Server, ctx: &Ctx, id: &str) -> Result<Response<Body>, Error> {
    let (record, out, _) = output(server, ctx, id)?;
    let subtitles = if out.video.is_some() {
        manifest_subtitles(server, ctx, &record)?
    } else {
        None
    };
    Ok(playlist(
        ctx,
        master_playlist(&out, subtitles.as_ref(), &echoed_query(ctx)),
    ))
}

/// The text subtitle streams the master playlist lists, if the request puts them there.
fn manifest_subtitles(
    server: &Server,
    ctx: &Ctx,
    record: &ItemRecord,
) -> Result<Option<HlsSubtitles>, Error> {
    let streams: Vec<_> = crate::dto::media::media_streams(record)
        .into_iter()
        .filter(|s| {
            s.is_text_subtitle_stream
                && matches!(s.stream_type, crate::dto::media::MediaStreamType::Subtitle)
        })
        .collect();
    let q = &ctx.query;
    let method = q.get("SubtitleMethod").and_then(SubtitleMethod::parse);
    let index = q.int("SubtitleStreamIndex").map(|i| i as i32);
    let in_manifest = q.bool("EnableSubtitlesInManifest").unwrap_or(false);
    let Some(selected) = subtitle_group(streams.len(), method, index, in_manifest) else {
        return Ok(None);
    };
    let token = caller(server, ctx, None)?.auth.token;
    let media_source_id = q
        .get("MediaSourceId")
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .or_else(|| record.id.map(|i| i.to_n()))
        .unwrap_or_default();
    Ok(Some(HlsSubtitles {
        media_source_id: encode(&media_source_id),
        api_key: Some(encode(&token)).filter(|t| !t.is_empty()),
        streams: streams
            .iter()
            .map(|s| SubtitleRendition {
                index: s.index,
                name: s.display_title.clone().unwrap_or_default(),
                language: s.language.clone().filter(|l| !l.is_empty()),
                forced: s.is_forced,
            })
            .collect(),
        selected,
    }))
}

/// `GET /Videos/{id}/{mediaSourceId}/Subtitles/{index}/subtitles.m3u8?SegmentLength=`: the
/// text subtitle stream as an HLS playlist of WebVTT windows (`stream.vtt?...`, served by the
/// subtitle stream route). A missing or non-positive `SegmentLength`, or a source without a
/// runtime, is a 400 (Jellyfin's `ArgumentException`).
pub fn subtitle_m3u8(
    server: &Server,
    ctx: &Ctx,
    id: &str,
    media_source_id: &str,
    index: &str,
) -> Result<Response<Body>, Error> {
    let c = caller(server, ctx, None)?;
    let item = visible_item(server, &c.user, item_id(id)?)?;
    let index: i32 = index.parse().map_err(|_| Error::NotFound)?;
    let segment_length = ctx
        .query
        .int("SegmentLength")
        .filter(|l| *l > 0)
        .ok_or_else(|| Error::BadRequest("segmentLength must be greater than 0".into()))?;
    let source = server
        .library()
        .media_source(&item, ItemId::parse(media_source_id))
        .map_err(Error::Core)?
        .ok_or(Error::NotFound)?;
    if !source
        .streams
        .iter()
        .any(|s| s.index == index && s.kind == "Subtitle")
    {
        return Err(Error::NotFound);
    }
    let token = encode(&c.auth.token);
    let text = subtitle_playlist(
        source.run_time_ticks.unwrap_or(0),
        u32::try_from(segment_length.min(3600)).unwrap_or(30),
        Some(token.as_str()).filter(|t| !t.is_empty()),
    )
    .ok_or_else(|| Error::BadRequest("HLS subtitles are not supported for this media".into()))?;
    Ok(playlist(ctx, text))
}

/// `GET /Videos/{id}/main.m3u8` (and `/Audio/`): every segment of the duration, VOD.
pub fn main_playlist(server: &Server, ctx: &Ctx, id: &str) -> Result<Response<Body>, Error> {
    let (_, out, _) = output(server, ctx, id)?;
    Ok(playlist(
        ctx,
        media_playlist(&out, "main", &echoed_query(ctx)),
    ))
}

/// `GET /Videos/{id}/hls1/{playlistId}/{n}.{ts|mp4}` (and `/Audio/`; `-1.mp4` is the fMP4
/// init segment): the segment, produced on demand by the job of the play session.
pub async fn segment(
    server: &Server,
    ctx: &Ctx,
    id: &str,
    file: &str,
) -> Result<Response<Body>, Error> {
    let (number, ext) = file.rsplit_once('.').ok_or(Error::NotFound)?;
    let n: i64 = number.parse().map_err(|_| Error::NotFound)?;
    let (record, out, setup) = output(server, ctx, id)?;
    if !ext.eq_ignore_ascii_case(out.format.extension()) {
        return Err(Error::NotFound);
    }
    let key = job_key(ctx, &record);
    let library = server.library().clone();
    let bytes = tokio::task::spawn_blocking(move || {
        // The encoding configuration's throttling (Jellyfin's defaults: off, 180 s), as read
        // for this request's output.
        let transcoder = library.transcoder();
        let wanted = setup.options.throttle();
        if transcoder.throttling() != wanted {
            transcoder.set_throttling(wanted);
        }
        transcoder.segment(&key, &out, n)
    })
    .await
    .map_err(|e| Error::Io(std::io::Error::other(e)))??;
    let content_type = match SegmentFormat::from_container(Some(ext)) {
        SegmentFormat::MpegTs => "video/mp2t",
        SegmentFormat::Fmp4 => "video/mp4",
    };
    Ok(no_cache(ctx, bytes.into(), content_type))
}

/// `DELETE /Videos/ActiveEncodings?deviceId=&playSessionId=`: kills the matching jobs; 204.
pub async fn stop_encodings(server: &Server, ctx: &Ctx) -> Result<Response<Body>, Error> {
    let device = ctx.query.get("deviceId").map(str::to_owned);
    let session = ctx.query.get("playSessionId").map(str::to_owned);
    if device.is_none() && session.is_none() {
        return Err(Error::BadRequest(
            "deviceId or playSessionId required".into(),
        ));
    }
    let library = server.library().clone();
    tokio::task::spawn_blocking(move || {
        library
            .transcoder()
            .stop(device.as_deref(), session.as_deref())
    })
    .await
    .map_err(|e| Error::Io(std::io::Error::other(e)))?;
    Ok(empty(StatusCode::NO_CONTENT))
}

/// `POST /Sessions/Playing/Ping?playSessionId=`: keeps the play session's transcode alive.
pub fn keep_alive(server: &Server, ctx: &Ctx) {
    if let Some(session) = ctx.query.get("playSessionId").filter(|s| !s.is_empty()) {
        server.library().transcoder().keep_alive(session);
    }
}

/// Kills the job of the play session a `Playing/Stopped` report names (`PlaySessionId`).
pub fn stop_for_report(server: &Server, body: &Value) {
    let session = super::users::field(body, "PlaySessionId").and_then(Value::as_str);
    if let Some(session) = session.filter(|s| !s.is_empty()) {
        server.library().transcoder().stop(None, Some(session));
    }
}
