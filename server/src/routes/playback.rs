//! `PlaybackInfo`: media sources with direct-play support decided (in core) from the client's
//! device profile, a fresh `PlaySessionId`, and each subtitle stream's delivery (method and URL,
//! decided in core from the profile's `SubtitleProfiles`).

use hyper::Response;
use jellyfin_core::playback::{
    self, DeviceProfile, DirectPlayProfile, ProfileMediaKind, SubtitleMethod, SubtitleProfile,
};
use jellyfin_core::store::{self, ItemRecord};
use serde_json::{json as json_value, Value};

use super::items::{caller, item_id, visible_item};
use super::users::field;
use crate::dto::media::{media_sources, SourceFlags, SubtitleDelivery};
use crate::error::Error;
use crate::http::{json, Body, Ctx, Server};

fn str_of<'a>(v: &'a Value, key: &str) -> &'a str {
    field(v, key).and_then(Value::as_str).unwrap_or("")
}

/// Reads the parts of a posted `DeviceProfile` the decision needs.
pub fn device_profile(body: &Value) -> Option<DeviceProfile> {
    let profile = field(body, "DeviceProfile")?;
    if !profile.is_object() {
        return None;
    }
    let direct_play = field(profile, "DirectPlayProfiles")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(|p| {
                    let kind = match str_of(p, "Type").to_ascii_lowercase().as_str() {
                        "video" => ProfileMediaKind::Video,
                        "audio" => ProfileMediaKind::Audio,
                        _ => return None,
                    };
                    Some(DirectPlayProfile {
                        container: str_of(p, "Container").to_owned(),
                        kind,
                        video_codec: str_of(p, "VideoCodec").to_owned(),
                        audio_codec: str_of(p, "AudioCodec").to_owned(),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    let max = field(profile, "MaxStreamingBitrate")
        .or_else(|| field(body, "MaxStreamingBitrate"))
        .and_then(|v| {
            v.as_i64()
                .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
        });
    let subtitle_profiles = field(profile, "SubtitleProfiles")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(|p| {
                    Some(SubtitleProfile {
                        format: str_of(p, "Format").to_owned(),
                        method: SubtitleMethod::parse(str_of(p, "Method"))?,
                        language: str_of(p, "Language").to_owned(),
                        container: str_of(p, "Container").to_owned(),
                    })
                })
                .filter(|p| !p.format.is_empty())
                .collect()
        })
        .unwrap_or_default();
    Some(DeviceProfile {
        direct_play,
        max_streaming_bitrate: max,
        subtitle_profiles,
    })
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
    let c = caller(server, ctx, None)?;
    let item = visible_item(server, &c.user, item_id(id)?)?;
    let body: Value = if ctx.body.is_empty() {
        Value::Object(Default::default())
    } else {
        serde_json::from_slice(&ctx.body)
            .map_err(|e| Error::BadRequest(format!("invalid JSON body: {e}")))?
    };
    let profile = device_profile(&body);
    let decision = playback::decide(&item, profile.as_ref());
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
    let flags = SourceFlags {
        supports_direct_play: decision.direct_play,
        supports_direct_stream: decision.direct_stream,
        supports_transcoding: decision.transcoding,
        subtitle_delivery: Some(SubtitleDelivery {
            api_key: Some(c.auth.token.clone()),
            profiles: profile
                .as_ref()
                .map(|p| p.subtitle_profiles.clone())
                .unwrap_or_default(),
            transcoding: !decision.direct_play && decision.transcoding,
        }),
    };
    let mut sources = media_sources(&item, &alternates, flags);
    // A client may ask for one version.
    if let Some(wanted) = field(&body, "MediaSourceId")
        .and_then(Value::as_str)
        .or_else(|| ctx.query.get("mediaSourceId"))
    {
        sources.retain(|s| s.id.as_deref() == Some(wanted));
    }
    let mut response = json_value!({
        "MediaSources": sources,
        "PlaySessionId": random_hex(),
    });
    if let (Some(e), Some(obj)) = (decision.error, response.as_object_mut()) {
        obj.insert("ErrorCode".into(), Value::from(e.name()));
    }
    json(&response)
}
