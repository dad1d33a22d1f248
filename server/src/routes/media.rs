//! Media delivery: direct streams (`/Videos|Audio/{id}/stream[.ext]`, `/Audio/{id}/universal`,
//! downloads) with Range support, images resized through the disk cache, subtitle streams
//! (external files, embedded streams extracted by the core) in the format asked for, and the
//! bitrate test. File paths come only from the store, never from the request.

use std::path::Path;

use hyper::Response;
use jellyfin_core::images::resize::{OutputFormat, ResizeRequest};
use jellyfin_core::store::{ItemId, ItemRecord};
use jellyfin_core::subtitles::{RenderOptions, SubtitleFormat};

use super::items::item_id;
use crate::dto::item::{image_tag, image_type_name};
use crate::error::Error;
use crate::http::{Body, Ctx, Server};
use crate::stream::{
    bitrate_test, content_type_for, serve_bytes, serve_file, TAGGED_IMAGE_CACHE_CONTROL,
};

fn load(server: &Server, id: ItemId) -> Result<ItemRecord, Error> {
    server
        .library()
        .item(id)
        .map_err(Error::Core)?
        .ok_or(Error::NotFound)
}

/// The file to stream for an item: the item's own, or the alternate version `mediaSourceId`.
fn source_path(server: &Server, ctx: &Ctx, item: &ItemRecord) -> Result<String, Error> {
    let wanted = ctx.query.get("mediaSourceId").and_then(ItemId::parse);
    let chosen = server
        .library()
        .media_source(item, wanted)
        .map_err(Error::Core)?
        .ok_or(Error::NotFound)?;
    if chosen.kind.is_some_and(|k| k.is_folder()) {
        return Err(Error::NotFound);
    }
    chosen
        .path
        .filter(|p| Path::new(p).is_file())
        .ok_or(Error::NotFound)
}

/// `GET`/`HEAD /Videos/{id}/stream[.ext]`, `/Audio/{id}/stream[.ext]`, `/Audio/{id}/universal`,
/// `/Items/{id}/Download`, `/Items/{id}/File`: the original file, with Range.
pub async fn stream(server: &Server, ctx: &Ctx, id: &str) -> Result<Response<Body>, Error> {
    let item = load(server, item_id(id)?)?;
    let path = source_path(server, ctx, &item)?;
    let content_type = content_type_for(Path::new(&path));
    Ok(serve_file(&ctx.method, &ctx.headers, Path::new(&path), content_type).await)
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
