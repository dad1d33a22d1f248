//! Media delivery: direct streams (`/Videos|Audio/{id}/stream[.ext]`, `/Audio/{id}/universal`,
//! downloads) with Range support, images resized through the disk cache, external subtitles,
//! and the bitrate test. File paths come only from the store, never from the request.

use std::path::Path;

use hyper::{Method, Response, StatusCode};
use jellyfin_core::images::resize::{OutputFormat, ResizeRequest};
use jellyfin_core::store::{self, ItemId, ItemRecord};

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
    let chosen = match (wanted, item.id) {
        (Some(w), Some(id)) if w != id => {
            let alts = server
                .library()
                .store()
                .read(|c| store::alternate_versions_of(c, id))
                .map_err(|e| Error::Core(e.into()))?;
            if !alts.contains(&w) {
                return Err(Error::NotFound);
            }
            load(server, w)?
        }
        _ => item.clone(),
    };
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

fn resize_request(ctx: &Ctx) -> ResizeRequest {
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
    let request = resize_request(ctx);
    if !request.is_within_limits() {
        return Err(Error::BadRequest(
            "requested image size is too large".into(),
        ));
    }
    let cache = server.images().clone();
    let src = image.path.clone();
    let (cached, bytes) =
        tokio::task::spawn_blocking(move || cache.load(Path::new(&src), &request))
            .await
            .map_err(|_| Error::NotFound)?
            .map_err(|_| Error::NotFound)?;
    let tag = image_tag(&image);
    let cache_control = ctx.query.get("tag").map(|_| TAGGED_IMAGE_CACHE_CONTROL);
    let modified =
        std::time::UNIX_EPOCH + std::time::Duration::from_secs(image.date_modified.max(0) as u64);
    Ok(serve_bytes(
        &ctx.method,
        &ctx.headers,
        bytes.into(),
        cached.format.mime_type(),
        Some(&tag),
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

/// WebVTT from SubRip: a header, and `,` as the decimal mark of timestamps.
pub fn srt_to_vtt(srt: &str) -> String {
    let mut out = String::from("WEBVTT\n\n");
    for line in srt.trim_start_matches('\u{feff}').lines() {
        if line.contains("-->") {
            out.push_str(&line.replace(',', "."));
        } else {
            out.push_str(line);
        }
        out.push('\n');
    }
    out
}

/// `GET /Videos/{id}/{mediaSourceId}/Subtitles/{index}[/{ticks}]/Stream.{format}`: an external
/// text subtitle, as stored or converted from SubRip to WebVTT.
pub async fn subtitle(
    server: &Server,
    ctx: &Ctx,
    id: &str,
    index: &str,
    file: &str,
) -> Result<Response<Body>, Error> {
    let item = load(server, item_id(id)?)?;
    let index: i32 = index.parse().map_err(|_| Error::NotFound)?;
    let stream = item
        .streams
        .iter()
        .find(|s| s.index == index && s.is_external)
        .ok_or(Error::NotFound)?;
    let path = stream.path.clone().ok_or(Error::NotFound)?;
    let wanted = file.rsplit('.').next().unwrap_or("").to_ascii_lowercase();
    let source_ext = Path::new(&path)
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    if wanted == source_ext || wanted.is_empty() {
        return Ok(serve_file(
            &ctx.method,
            &ctx.headers,
            Path::new(&path),
            content_type_for(Path::new(&path)),
        )
        .await);
    }
    if wanted == "vtt" && source_ext == "srt" {
        let text = tokio::fs::read(&path).await.map_err(|_| Error::NotFound)?;
        let vtt = srt_to_vtt(&String::from_utf8_lossy(&text));
        return Ok(serve_bytes(
            &Method::GET,
            &ctx.headers,
            vtt.into(),
            "text/vtt",
            None,
            None,
            None,
        ));
    }
    let _ = StatusCode::NOT_FOUND;
    Err(Error::NotFound)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn srt_becomes_vtt() {
        let srt = "\u{feff}1\n00:00:00,500 --> 00:00:02,000\nHello, there.\n";
        assert_eq!(
            srt_to_vtt(srt),
            "WEBVTT\n\n1\n00:00:00.500 --> 00:00:02.000\nHello, there.\n"
        );
    }
}
