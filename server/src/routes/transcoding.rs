//! `GET /System/Info/Transcoding` (not in Jellyfin's API; administrators only): what the
//! core's transcoder detected: the ffmpeg binary and version, its hardware acceleration methods
//! with, for each, the device, decoding, every encoder's test result and why it cannot be used,
//! and the configured method (`encoding` section) with whether it is usable. Read-only; the
//! first call may wait for the detection (run off the async runtime).

use hyper::Response;
use jellyfin_core::transcode::hwaccel::{EncoderState, Vendor};
use jellyfin_core::transcode::{Capabilities, EncodingOptions};
use serde_json::{json, Value};

use super::auth::require_admin;
use crate::error::Error;
use crate::http::{json, Body, Ctx, Server};

fn encoder_dto(name: &str, state: &EncoderState) -> Value {
    let (state, detail) = match state {
        EncoderState::Works => ("Works", None),
        EncoderState::NotBuilt => ("NotBuilt", None),
        EncoderState::NotTested(why) => ("NotTested", Some(why.as_str())),
        EncoderState::Failed(log) => ("Failed", Some(log.as_str())),
    };
    json!({ "Name": name, "State": state, "Detail": detail })
}

fn capabilities_dto(caps: &Capabilities, options: &EncodingOptions) -> Value {
    let methods: Vec<Value> = caps
        .vendors
        .iter()
        .map(|v| {
            json!({
                "Name": v.vendor.name(),
                "Usable": v.usable(),
                "Device": v.device.as_ref().map(|d| d.display().to_string()),
                "Hwaccel": v.hwaccel,
                "Decode": v.decode,
                "Encoders": v.encoders.iter().map(|(n, s)| encoder_dto(n, s)).collect::<Vec<_>>(),
                "Reason": v.reason,
            })
        })
        .collect();
    let configured = options.hardware_acceleration_type;
    let status = configured.and_then(|v| caps.vendor(v));
    json!({
        "FfmpegPath": caps.ffmpeg.display().to_string(),
        "FfmpegVersion": caps.version,
        "Error": caps.error,
        "HardwareAccelerationType": configured.map_or("none", Vendor::name),
        "HardwareAccelerationUsable": status.is_some_and(|s| s.usable()),
        "HardwareAccelerationReason": status.and_then(|s| s.reason.clone()),
        "EnableHardwareEncoding": options.enable_hardware_encoding,
        "EnableTonemapping": options.enable_tonemapping,
        "SoftwareToneMapping": caps.has_filter("zscale") && caps.has_filter("tonemap"),
        "SubtitleBurnIn": caps.has_filter("subtitles") && caps.has_filter("overlay"),
        "Hwaccels": caps.hwaccels,
        "RenderNodeDirectory": caps.render_node_dir.display().to_string(),
        "RenderNodes": caps.render_nodes.iter().map(|n| n.display().to_string()).collect::<Vec<_>>(),
        "Methods": methods,
    })
}

/// `GET /System/Info/Transcoding`.
pub async fn capabilities(server: &Server, ctx: &Ctx) -> Result<Response<Body>, Error> {
    require_admin(server, ctx)?;
    let library = server.library().clone();
    let (caps, options) = tokio::task::spawn_blocking(move || {
        let section = super::hls::encoding_section(&library);
        (
            library.transcoder().capabilities(),
            EncodingOptions::from_json(&section),
        )
    })
    .await
    .map_err(|e| Error::Io(std::io::Error::other(e)))?;
    json(&capabilities_dto(&caps, &options))
}
