//! `PlaybackInfo`: the item's media sources, each with the core's playback decision for the
//! client's device profile and the request (direct play, or a `TranscodingUrl` for a remux or
//! transcode with its `TranscodeReasons`), a fresh `PlaySessionId`, and each subtitle stream's
//! delivery (method and URL). The HLS routes a `TranscodingUrl` points at (`master.m3u8`) are
//! not served yet.

use hyper::Response;
use jellyfin_core::playback::{
    self, DeviceProfile, EncoderSupport, EncodingContext, PlaybackOptions, PlaybackPermissions,
    SourceFacts,
};
use jellyfin_core::store::{self, ItemRecord};
use jellyfin_core::transcode::EncodingOptions;
use serde_json::{json as json_value, Value};

use super::items::{caller, item_id, visible_item};
use super::users::field;
use crate::dto::media::{
    default_subtitle_stream_index, media_sources, media_streams, PlaybackSources, SourceFlags,
    SubtitleDelivery,
};
use crate::error::Error;
use crate::http::{json, Body, Ctx, Server};

/// A request value: the query's (any case) first, then the body's (Jellyfin's order).
fn value<'a>(ctx: &'a Ctx, body: &'a Value, key: &str) -> Option<std::borrow::Cow<'a, str>> {
    if let Some(v) = ctx.query.get(key) {
        return Some(std::borrow::Cow::Borrowed(v));
    }
    match field(body, key)? {
        Value::String(s) if !s.is_empty() => Some(std::borrow::Cow::Borrowed(s.as_str())),
        Value::Number(n) => Some(std::borrow::Cow::Owned(n.to_string())),
        Value::Bool(b) => Some(std::borrow::Cow::Owned(b.to_string())),
        _ => None,
    }
}

fn int(ctx: &Ctx, body: &Value, key: &str) -> Option<i64> {
    let v = value(ctx, body, key)?;
    let v = v.trim();
    v.parse::<i64>()
        .ok()
        .or_else(|| v.parse::<f64>().ok().map(|f| f as i64))
}

fn flag(ctx: &Ctx, body: &Value, key: &str, default: bool) -> bool {
    match value(ctx, body, key).as_deref().map(str::trim) {
        Some(v) if v.eq_ignore_ascii_case("true") || v == "1" => true,
        Some(v) if v.eq_ignore_ascii_case("false") || v == "0" => false,
        _ => default,
    }
}

/// The request's options (`PlaybackInfoDto` and the query parameters of the same names).
/// Stream indexes count only when the request names the source they belong to (Jellyfin).
fn options(
    ctx: &Ctx,
    body: &Value,
    permissions: PlaybackPermissions,
) -> (PlaybackOptions, Option<String>) {
    let source_id = value(ctx, body, "MediaSourceId").map(|s| s.into_owned());
    let index = |key: &str| {
        int(ctx, body, key)
            .filter(|_| source_id.is_some())
            .and_then(|i| i32::try_from(i).ok())
    };
    let options = PlaybackOptions {
        max_streaming_bitrate: int(ctx, body, "MaxStreamingBitrate").filter(|b| *b > 0),
        start_time_ticks: int(ctx, body, "StartTimeTicks").unwrap_or(0).max(0),
        audio_stream_index: index("AudioStreamIndex"),
        subtitle_stream_index: index("SubtitleStreamIndex"),
        max_audio_channels: int(ctx, body, "MaxAudioChannels").and_then(|c| i32::try_from(c).ok()),
        enable_direct_play: flag(ctx, body, "EnableDirectPlay", true),
        enable_direct_stream: flag(ctx, body, "EnableDirectStream", true),
        enable_transcoding: flag(ctx, body, "EnableTranscoding", true),
        allow_video_stream_copy: flag(ctx, body, "AllowVideoStreamCopy", true),
        allow_audio_stream_copy: flag(ctx, body, "AllowAudioStreamCopy", true),
        always_burn_in_subtitle_when_transcoding: flag(
            ctx,
            body,
            "AlwaysBurnInSubtitleWhenTranscoding",
            false,
        ),
        context: EncodingContext::Streaming,
        permissions,
    };
    (options, source_id)
}

fn random_hex() -> String {
    let mut bytes = [0u8; 16];
    if getrandom::fill(&mut bytes).is_err() {
        // The clock is a fine fallback for a session id (not a secret).
        let n = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos();
        bytes = n.to_le_bytes();
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `GET`/`POST /Items/{id}/PlaybackInfo`.
pub fn playback_info(server: &Server, ctx: &Ctx, id: &str) -> Result<Response<Body>, Error> {
    let body: Value = if ctx.body.is_empty() {
        Value::Object(Default::default())
    } else {
        serde_json::from_slice(&ctx.body)
            .map_err(|e| Error::BadRequest(format!("invalid JSON body: {e}")))?
    };
    let body_user = field(&body, "UserId").and_then(Value::as_str);
    let c = caller(
        server,
        ctx,
        ctx.query
            .get("userId")
            .or(body_user)
            .filter(|u| !u.is_empty()),
    )?;
    let item = visible_item(server, &c.user, item_id(id)?)?;
    // The posted profile, else the one the device reported with its capabilities.
    let profile = field(&body, "DeviceProfile")
        .and_then(DeviceProfile::from_json)
        .or_else(|| {
            let d = &c.auth.device;
            let session = jellyfin_core::sessions::session_id(&d.device_id, &d.client);
            server
                .sessions()
                .get(&session)
                .and_then(|s| s.capabilities.device_profile)
                .as_ref()
                .and_then(DeviceProfile::from_json)
        });
    let policy = &c.user.policy;
    let permissions = PlaybackPermissions {
        audio_transcoding: policy.enable_audio_playback_transcoding,
        video_transcoding: policy.enable_video_playback_transcoding,
        remuxing: policy.enable_playback_remuxing,
    };
    let (options, wanted_source) = options(ctx, &body, permissions);
    let encoder = EncoderSupport::from(&EncodingOptions::from_json(&super::hls::encoding_section(
        server.library(),
    )));

    let mut alternates: Vec<ItemRecord> = Vec::new();
    if let Some(primary) = item.id {
        let ids = server
            .library()
            .store()
            .read(|conn| store::alternate_versions_of(conn, primary))
            .map_err(|e| Error::Core(e.into()))?;
        for a in ids {
            if let Some(r) = server.library().item(a).map_err(Error::Core)? {
                alternates.push(r);
            }
        }
    }

    let play_session_id = random_hex();
    let mut decisions = Vec::new();
    for version in std::iter::once(&item).chain(alternates.iter()) {
        let Some(version_id) = version.id.map(|i| i.to_n()) else {
            continue;
        };
        let mut facts = SourceFacts::from_item(version);
        facts.default_subtitle_index = default_subtitle_stream_index(&media_streams(version));
        // The stream indexes of the request belong to the source it names.
        let mut own = options.clone();
        if wanted_source.as_deref() != Some(version_id.as_str()) {
            own.audio_stream_index = None;
            own.subtitle_stream_index = None;
        }
        let decision = match &profile {
            Some(p) => playback::decide(&facts, p, &own, &encoder),
            None => playback::decide_without_profile(&facts, &own),
        };
        decisions.push((version_id, decision));
    }
    let flags = SourceFlags {
        subtitle_delivery: Some(SubtitleDelivery {
            api_key: Some(c.auth.token.clone()),
            profiles: profile
                .as_ref()
                .map(|p| p.subtitle_profiles.clone())
                .unwrap_or_default(),
            transcoding: false,
        }),
        playback: Some(PlaybackSources {
            decisions,
            device_id: Some(c.auth.device.device_id.clone()).filter(|d| !d.is_empty()),
            play_session_id: play_session_id.clone(),
            api_key: Some(c.auth.token.clone()),
            item_id: item.id,
        }),
        ..SourceFlags::default()
    };
    let mut sources = media_sources(&item, &alternates, flags);
    // A client may ask for one version.
    if let Some(wanted) = wanted_source.as_deref() {
        sources.retain(|s| s.id.as_deref() == Some(wanted));
    }
    let playable = sources
        .iter()
        .any(|s| s.supports_direct_play || s.transcoding_url.is_some());
    let mut response = json_value!({
        "MediaSources": sources,
        "PlaySessionId": play_session_id,
    });
    if let (false, Some(obj)) = (playable, response.as_object_mut()) {
        obj.insert(
            "ErrorCode".into(),
            Value::from(playback::PlaybackError::NoCompatibleStream.name()),
        );
    }
    json(&response)
}
