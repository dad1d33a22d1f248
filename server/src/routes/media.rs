//! Media delivery: direct streams (`/Videos|Audio/{id}/stream[.ext]`, `/Audio/{id}/universal`,
//! downloads) with Range support, images resized through the disk cache, subtitle streams
//! (external files, embedded streams extracted by the core) in the format asked for, and the
//! bitrate test. File paths come only from the store, never from the request.
//!
//! Progressive transcoding: `/Videos|Audio/{id}/stream[.{container}]` without `Static=true`
//! but with transcoding parameters (`VideoCodec`/`AudioCodec`) runs a core progressive job and
//! streams its pipe (the job ends when the client goes away). `/Audio/{id}/universal` runs the
//! core's decision for the profile its query stands for: the file as it is when it fits the
//! `Container` list and bit rate, else a redirect to the audio `master.m3u8`
//! (`TranscodingProtocol=hls`) or a progressive transcode to `TranscodingContainer`/`AudioCodec`.

use std::path::Path;

use hyper::{Method, Response, StatusCode};
use jellyfin_core::images::resize::{OutputFormat, ResizeRequest};
use jellyfin_core::playback::{
    self, EncoderSupport, PlayMethod, PlaybackOptions, PlaybackPermissions, SourceFacts,
    StreamProtocol,
};
use jellyfin_core::store::{ItemId, ItemRecord};
use jellyfin_core::subtitles::{RenderOptions, SubtitleFormat};
use jellyfin_core::transcode::{HlsRequest, ProgressiveOutput, UniversalAudioRequest};

use super::items::{caller, item_id, visible_item};
use crate::dto::item::{image_tag, image_type_name};
use crate::error::Error;
use crate::http::{empty, Body, Ctx, Server};
use crate::request::Query;
use crate::stream::{
    bitrate_test, content_type_for, serve_bytes, serve_file, serve_reader, set_content_type,
    TAGGED_IMAGE_CACHE_CONTROL,
};

fn load(server: &Server, id: ItemId) -> Result<ItemRecord, Error> {
    server
        .library()
        .item(id)
        .map_err(Error::Core)?
        .ok_or(Error::NotFound)
}

/// `GET`/`HEAD /Videos/{id}/stream[.ext]`, `/Audio/{id}/stream[.ext]`, `/Items/{id}/Download`,
/// `/Items/{id}/File`: the original file, with Range.
pub async fn stream(server: &Server, ctx: &Ctx, id: &str) -> Result<Response<Body>, Error> {
    let item = load(server, item_id(id)?)?;
    let path = media_source_record(server, ctx, &item)?
        .path
        .ok_or(Error::NotFound)?;
    let content_type = content_type_for(Path::new(&path));
    Ok(serve_file(&ctx.method, &ctx.headers, Path::new(&path), content_type).await)
}

/// Whether a `/stream` request asks for a progressive transcode: not `Static=true`, and a
/// codec named (a `TranscodingUrl` always names them; a bare `/stream` is the file).
fn wants_transcode(ctx: &Ctx) -> bool {
    ctx.query.bool("Static") != Some(true)
        && (ctx.query.get("VideoCodec").is_some() || ctx.query.get("AudioCodec").is_some())
}

/// `GET`/`HEAD /Videos|Audio/{id}/stream[.{container}]`: a progressive transcode when the
/// request asks for one ([`wants_transcode`]), else the file. The container is the path's
/// extension, else `Container`, else the source's.
pub async fn stream_or_transcode(
    server: &Server,
    ctx: &Ctx,
    id: &str,
    file: &str,
) -> Result<Response<Body>, Error> {
    if !wants_transcode(ctx) {
        return stream(server, ctx, id).await;
    }
    let item = load(server, item_id(id)?)?;
    let record = media_source_record(server, ctx, &item)?;
    let container = file
        .split_once('.')
        .map(|(_, ext)| ext.to_owned())
        .or_else(|| ctx.query.get("Container").map(str::to_owned))
        .or_else(|| {
            record
                .path
                .as_deref()
                .and_then(|p| Path::new(p).extension())
                .and_then(|e| e.to_str())
                .map(str::to_owned)
        })
        .unwrap_or_else(|| "mkv".to_owned());
    let request = super::hls::hls_request(&ctx.query);
    let start = ctx.query.int("StartTimeTicks").unwrap_or(0).max(0);
    progressive(server, ctx, &record, &request, &container, start).await
}

/// The item's own record, or its alternate version `mediaSourceId` (its file must exist).
pub(crate) fn media_source_record(
    server: &Server,
    ctx: &Ctx,
    item: &ItemRecord,
) -> Result<ItemRecord, Error> {
    let wanted = ctx.query.get("mediaSourceId").and_then(ItemId::parse);
    let chosen = server
        .library()
        .media_source(item, wanted)
        .map_err(Error::Core)?
        .ok_or(Error::NotFound)?;
    if chosen.kind.is_some_and(|k| k.is_folder())
        || !chosen
            .path
            .as_deref()
            .is_some_and(|p| Path::new(p).is_file())
    {
        return Err(Error::NotFound);
    }
    Ok(chosen)
}

/// Runs a progressive job for `record` and streams its output (HEAD: the headers only).
async fn progressive(
    server: &Server,
    ctx: &Ctx,
    record: &ItemRecord,
    request: &HlsRequest,
    container: &str,
    start_ticks: i64,
) -> Result<Response<Body>, Error> {
    let path = record.path.clone().ok_or(Error::NotFound)?;
    let facts = SourceFacts::from_item(record);
    // The encoder setup may detect the hardware (once): off the async threads.
    let (library, req, cont) = (
        server.library().clone(),
        request.clone(),
        container.to_owned(),
    );
    let duration = record.run_time_ticks.unwrap_or(0);
    let output = tokio::task::spawn_blocking(move || {
        let setup = super::hls::encoder_setup(&library);
        ProgressiveOutput::choose_with(
            path.into(),
            duration,
            &facts,
            &req,
            &cont,
            start_ticks,
            &setup,
        )
    })
    .await
    .map_err(|e| Error::Io(std::io::Error::other(e)))??;
    let content_type = output.container.mime_type();
    if ctx.method == Method::HEAD {
        let mut response = empty(StatusCode::OK);
        set_content_type(&mut response, content_type);
        return Ok(response);
    }
    let key = super::hls::job_key(ctx, record);
    let library = server.library().clone();
    let stream =
        tokio::task::spawn_blocking(move || library.transcoder().progressive(&key, &output))
            .await
            .map_err(|e| Error::Io(std::io::Error::other(e)))??;
    let stopper = stream.stopper();
    Ok(serve_reader(stream, content_type, move || stopper.stop()))
}

/// A play session id for a universal request that names none (32 hex digits).
fn fresh_session_id() -> String {
    use std::hash::{BuildHasher, Hasher};
    let part = || {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos()),
        );
        h.finish()
    };
    format!("{:016x}{:016x}", part(), part())
}

/// `GET`/`HEAD /Audio/{id}/universal`: the core's decision for the device profile the query
/// stands for (Jellyfin's): the file as it is when it plays directly, else the audio
/// `master.m3u8` (HLS, answered here as Jellyfin does) or a progressive transcode (http).
pub async fn universal(server: &Server, ctx: &Ctx, id: &str) -> Result<Response<Body>, Error> {
    let c = caller(server, ctx, None)?;
    let item = visible_item(server, &c.user, item_id(id)?)?;
    let record = media_source_record(server, ctx, &item)?;
    let q = &ctx.query;
    let int = |k: &str| q.int(k).and_then(|v| i32::try_from(v).ok());
    let universal = UniversalAudioRequest {
        containers: q.list("Container"),
        transcoding_container: q.get("TranscodingContainer").map(str::to_owned),
        audio_codec: q.get("AudioCodec").map(str::to_owned),
        transcoding_protocol: q
            .get("TranscodingProtocol")
            .and_then(StreamProtocol::from_name),
        transcoding_audio_channels: int("TranscodingAudioChannels"),
        max_audio_channels: int("MaxAudioChannels"),
        max_audio_sample_rate: int("MaxAudioSampleRate"),
        max_audio_bit_depth: int("MaxAudioBitDepth"),
        break_on_non_key_frames: q.bool("BreakOnNonKeyFrames").unwrap_or(false),
    };
    let profile = universal.profile();
    let policy = &c.user.policy;
    let options = PlaybackOptions {
        max_streaming_bitrate: q.int("MaxStreamingBitrate").filter(|b| *b > 0),
        start_time_ticks: q.int("StartTimeTicks").unwrap_or(0).max(0),
        max_audio_channels: int("MaxAudioChannels"),
        permissions: PlaybackPermissions {
            audio_transcoding: policy.enable_audio_playback_transcoding,
            video_transcoding: policy.enable_video_playback_transcoding,
            remuxing: policy.enable_playback_remuxing,
        },
        ..PlaybackOptions::default()
    };
    let facts = SourceFacts::from_item(&record);
    let decision = playback::decide(&facts, &profile, &options, &EncoderSupport::default());
    let plan = match (&decision.method, &decision.transcode) {
        (Some(PlayMethod::Transcode), Some(plan)) => plan.clone(),
        // Plays as it is (or cannot be transcoded: the file is the best there is).
        _ => {
            let path = record.path.clone().ok_or(Error::NotFound)?;
            let content_type = content_type_for(Path::new(&path));
            return Ok(serve_file(&ctx.method, &ctx.headers, Path::new(&path), content_type).await);
        }
    };
    let source_id = record.id.map(|i| i.to_n()).unwrap_or_default();
    let play_session_id = q
        .get("PlaySessionId")
        .map(str::to_owned)
        .unwrap_or_else(fresh_session_id);
    if plan.protocol == StreamProtocol::Hls {
        let device_id = q
            .get("DeviceId")
            .map(str::to_owned)
            .or_else(|| Some(c.auth.device.device_id.clone()).filter(|d| !d.is_empty()));
        let url = crate::dto::media::transcoding_url_of(
            &plan,
            &crate::dto::media::TranscodingUrlParts {
                item_id: item.id.ok_or(Error::NotFound)?,
                media_source_id: &source_id,
                device_id: device_id.as_deref(),
                play_session_id: &play_session_id,
                api_key: Some(c.auth.token.as_str()),
                tag: None,
            },
        );
        // Jellyfin answers the audio master playlist itself: its variant URI (`main.m3u8?..`)
        // is relative, so it resolves beside this route, under any base path.
        let hls = Ctx {
            method: ctx.method.clone(),
            segments: ctx.segments.clone(),
            query: Query::parse(url.split_once('?').map(|(_, q)| q)),
            headers: ctx.headers.clone(),
            body: bytes::Bytes::new(),
            auth: ctx.auth.clone(),
            validated: std::sync::OnceLock::new(),
        };
        return super::hls::master(server, &hls, id);
    }
    let request = HlsRequest {
        audio_codecs: plan.audio_codecs.clone(),
        audio_stream_index: plan.audio_stream_index,
        audio_bitrate: q
            .int("AudioBitRate")
            .filter(|b| *b > 0)
            .or(plan.audio_bitrate),
        max_audio_channels: plan
            .global_max_audio_channels
            .or(plan.transcoding_max_audio_channels),
        allow_video_stream_copy: true,
        allow_audio_stream_copy: true,
        ..HlsRequest::default()
    };
    progressive(
        server,
        ctx,
        &record,
        &request,
        &plan.container,
        plan.start_position_ticks,
    )
    .await
}

/// The resizing a request asks for (`maxWidth`, `fillHeight`, `quality`, `format`...).
pub fn resize_request(ctx: &Ctx) -> ResizeRequest {
    let n = |k: &str| {
        ctx.query
            .int(k)
            .filter(|v| *v > 0)
            .map(|v| v.min(u32::MAX as i64) as u32)
    };
    ResizeRequest {
        max_width: n("maxWidth"),
        max_height: n("maxHeight"),
        width: n("width"),
        height: n("height"),
        fill_width: n("fillWidth"),
        fill_height: n("fillHeight"),
        quality: ctx.query.int("quality").map(|q| q.clamp(1, 100) as u8),
        format: ctx.query.get("format").and_then(OutputFormat::parse),
        blur: n("blur"),
    }
}

/// `GET`/`HEAD /Items/{id}/Images/{type}[/{index}]` (anonymous): the image, resized on request
/// through the disk cache, with long-lived caching when the request names a tag.
pub async fn image(
    server: &Server,
    ctx: &Ctx,
    id: &str,
    kind: &str,
    index: Option<&str>,
) -> Result<Response<Body>, Error> {
    let item = load(server, item_id(id)?)?;
    let index: i32 = match index {
        Some(i) => i.parse().map_err(|_| Error::NotFound)?,
        None => 0,
    };
    let image = item
        .images
        .iter()
        .find(|i| {
            image_type_name(i.image_type).is_some_and(|n| n.eq_ignore_ascii_case(kind))
                && i.index == index
        })
        .cloned()
        .ok_or(Error::NotFound)?;
    let modified =
        std::time::UNIX_EPOCH + std::time::Duration::from_secs(image.date_modified.max(0) as u64);
    image_file(
        server,
        ctx,
        image.path.clone(),
        &image_tag(&image),
        modified,
    )
    .await
}

/// Serves the image file `src` (a path from the store, never from the request) resized as the
/// request asks, through the image cache, with its tag and modification time for revalidation
/// and long-lived caching when the request names a tag.
pub(crate) async fn image_file(
    server: &Server,
    ctx: &Ctx,
    src: String,
    tag: &str,
    modified: std::time::SystemTime,
) -> Result<Response<Body>, Error> {
    let request = resize_request(ctx);
    if !request.is_within_limits() {
        return Err(Error::BadRequest(
            "requested image size is too large".into(),
        ));
    }
    let cache = server.images().clone();
    let (cached, bytes) =
        tokio::task::spawn_blocking(move || cache.load(Path::new(&src), &request))
            .await
            .map_err(|_| Error::NotFound)?
            .map_err(|_| Error::NotFound)?;
    let cache_control = ctx.query.get("tag").map(|_| TAGGED_IMAGE_CACHE_CONTROL);
    Ok(serve_bytes(
        &ctx.method,
        &ctx.headers,
        bytes.into(),
        cached.format.mime_type(),
        Some(tag),
        cache_control,
        Some(modified),
    ))
}

/// `GET /Playback/BitrateTest?size=N`.
pub fn bitrate(server: &Server, ctx: &Ctx) -> Result<Response<Body>, Error> {
    super::auth::require(server, ctx)?;
    let size = ctx.query.int("size").unwrap_or(0).max(0) as usize;
    Ok(bitrate_test(size))
}

/// The item a subtitle route names: the item, or its alternate version `media_source_id` (an
/// id that is not a version of the item is a 404; one that is not an id at all means the item).
fn subtitle_source(
    server: &Server,
    id: ItemId,
    media_source_id: &str,
) -> Result<ItemRecord, Error> {
    let item = load(server, id)?;
    server
        .library()
        .media_source(&item, ItemId::parse(media_source_id))
        .map_err(Error::Core)?
        .ok_or(Error::NotFound)
}

/// `GET /Videos/{id}/{mediaSourceId}/Subtitles/{index}[/{startPositionTicks}]/Stream.{format}`
/// (anonymous): subtitle stream `index` (embedded or external) in `format` (`vtt`, `srt`, `ass`,
/// `ssa`), from `startPositionTicks` on (earlier cues dropped, later ones shifted unless
/// `copyTimestamps`), up to `endPositionTicks`. An external file asked for in its own format
/// from the start is served as it is (with Range). The obsolete query forms (`itemId`,
/// `mediaSourceId`, `index`, `format`, `startPositionTicks`) win over the route's values, as in
/// Jellyfin.
pub async fn subtitle(
    server: &Server,
    ctx: &Ctx,
    route: SubtitleRoute<'_>,
) -> Result<Response<Body>, Error> {
    let q = &ctx.query;
    let id = item_id(q.get("itemId").unwrap_or(route.item_id))?;
    let media_source_id = q.get("mediaSourceId").unwrap_or(route.media_source_id);
    let index: i32 = q
        .get("index")
        .unwrap_or(route.index)
        .parse()
        .map_err(|_| Error::BadRequest("subtitle index is not a number".into()))?;
    let start_ticks: i64 = match q.get("startPositionTicks").or(route.start_ticks) {
        Some(t) => t
            .parse()
            .map_err(|_| Error::BadRequest("startPositionTicks is not a number".into()))?,
        None => 0,
    };
    let end_ticks = q.int("endPositionTicks").filter(|t| *t > 0);
    let copy_timestamps = q.bool("copyTimestamps").unwrap_or(false);
    let vtt_time_map = q.bool("addVttTimeMap").unwrap_or(false);
    let wanted = q
        .get("format")
        .unwrap_or_else(|| route.file.rsplit_once('.').map_or("", |(_, ext)| ext))
        .to_ascii_lowercase();

    let item = subtitle_source(server, id, media_source_id)?;
    let stream = item
        .streams
        .iter()
        .find(|s| s.index == index && s.kind == "Subtitle")
        .ok_or(Error::NotFound)?;
    if stream.is_external {
        let path = stream.path.clone().ok_or(Error::NotFound)?;
        let source_ext = Path::new(&path)
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("")
            .to_ascii_lowercase();
        let as_is = wanted.is_empty()
            || (wanted == source_ext && start_ticks == 0 && end_ticks.is_none() && !vtt_time_map);
        if as_is {
            return Ok(serve_file(
                &ctx.method,
                &ctx.headers,
                Path::new(&path),
                content_type_for(Path::new(&path)),
            )
            .await);
        }
    }
    let format = SubtitleFormat::parse(&wanted)
        .ok_or_else(|| Error::BadRequest(format!("unsupported subtitle format {wanted:?}")))?;
    let options = RenderOptions {
        format,
        start_ticks,
        end_ticks,
        copy_timestamps,
        vtt_time_map,
    };
    let library = server.library().clone();
    let text =
        tokio::task::spawn_blocking(move || library.subtitles().render(&item, index, &options))
            .await
            .map_err(|e| Error::Io(std::io::Error::other(e)))??;
    let content_type = content_type_for(Path::new(&format!("Stream.{}", format.extension())));
    Ok(serve_bytes(
        &ctx.method,
        &ctx.headers,
        text.into(),
        content_type,
        None,
        None,
        None,
    ))
}

/// The path segments of a subtitle stream route (original case).
#[derive(Debug, Clone, Copy)]
pub struct SubtitleRoute<'a> {
    /// `{routeItemId}`.
    pub item_id: &'a str,
    /// `{routeMediaSourceId}`.
    pub media_source_id: &'a str,
    /// `{routeIndex}`.
    pub index: &'a str,
    /// `{routeStartPositionTicks}`, in the long form.
    pub start_ticks: Option<&'a str>,
    /// `Stream.{routeFormat}`.
    pub file: &'a str,
}
