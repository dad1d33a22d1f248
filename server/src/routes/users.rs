//! Users, login, logout, capabilities, `/System/Info`, the startup wizard and display
//! preferences.

use std::time::{SystemTime, UNIX_EPOCH};

use hyper::{Response, StatusCode};
use jellyfin_core::auth::{User, UserFilter};
use serde::Serialize;
use serde_json::{json as json_value, Value};

use super::auth::{acting_user, core_auth_error, require, require_admin, seen_device};
use crate::dto::format_timestamp;
use crate::error::Error;
use crate::http::{empty, json, Body, Ctx, Server};
use crate::{JELLYFIN_VERSION, PRODUCT_NAME};

fn date(t: SystemTime) -> String {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    format_timestamp(d.as_secs() as i64, d.subsec_nanos())
}

/// `UserDto`.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct UserDto {
    name: String,
    server_id: String,
    id: String,
    has_password: bool,
    has_configured_password: bool,
    has_configured_easy_password: bool,
    enable_auto_login: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_login_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_activity_date: Option<String>,
    configuration: Value,
    policy: Value,
    /// The avatar's tag, only when the user has one (W then loads `/Users/{id}/Images/Primary`).
    #[serde(skip_serializing_if = "Option::is_none")]
    primary_image_tag: Option<String>,
}

/// The tag of the user's avatar, if they have one (an unreadable avatar counts as none).
pub fn avatar_tag(server: &Server, user: jellyfin_core::auth::UserId) -> Option<String> {
    server
        .library()
        .avatars()
        .get(user)
        .ok()
        .flatten()
        .map(|a| a.tag)
}

/// The `UserDto` of a user.
pub fn user_dto(server: &Server, u: &User) -> UserDto {
    UserDto {
        name: u.name.clone(),
        server_id: server.id(),
        id: u.id.to_n(),
        has_password: u.has_password(),
        has_configured_password: u.has_password(),
        has_configured_easy_password: false,
        enable_auto_login: false,
        last_login_date: u.last_login.map(date),
        last_activity_date: u.last_activity.map(date),
        configuration: u.configuration.to_json(),
        policy: u.policy.to_json(),
        primary_image_tag: avatar_tag(server, u.id),
    }
}

fn body_json(ctx: &Ctx) -> Result<Value, Error> {
    if ctx.body.is_empty() {
        return Ok(Value::Object(Default::default()));
    }
    serde_json::from_slice(&ctx.body)
        .map_err(|e| Error::BadRequest(format!("invalid JSON body: {e}")))
}

/// A string field of a JSON object, looked up ignoring the key's case.
pub fn field<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    v.as_object()?
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v)
}

fn field_str<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    field(v, key).and_then(Value::as_str)
}

/// `SessionInfoDto` for a device session (the fields KT requires are always present).
pub fn session_dto(
    server: &Server,
    user: Option<&User>,
    device: &jellyfin_core::auth::DeviceInfo,
) -> Value {
    let now = date(SystemTime::now());
    json_value!({
        "PlayState": { "CanSeek": false, "IsPaused": false, "IsMuted": false, "RepeatMode": "RepeatNone", "PlaybackOrder": "Default" },
        "AdditionalUsers": [],
        "Capabilities": { "PlayableMediaTypes": [], "SupportedCommands": [], "SupportsMediaControl": false, "SupportsPersistentIdentifier": true },
        "RemoteEndPoint": "127.0.0.1",
        "PlayableMediaTypes": [],
        "Id": session_id(&device.device_id, &device.client),
        "UserId": user.map(|u| u.id.to_n()).unwrap_or_else(|| "00000000000000000000000000000000".into()),
        "UserName": user.map(|u| u.name.clone()),
        "UserPrimaryImageTag": user.and_then(|u| avatar_tag(server, u.id)),
        "Client": device.client,
        "LastActivityDate": now,
        "LastPlaybackCheckIn": "0001-01-01T00:00:00.0000000Z",
        "DeviceName": device.device_name,
        "DeviceId": device.device_id,
        "ApplicationVersion": device.version,
        "IsActive": true,
        "SupportsMediaControl": false,
        "SupportsRemoteControl": false,
        "NowPlayingQueue": [],
        "NowPlayingQueueFullItems": [],
        "HasCustomDeviceName": false,
        "ServerId": server.id(),
        "SupportedCommands": [],
    })
}

pub use jellyfin_core::sessions::session_id;

pub fn authenticate_by_name(server: &Server, ctx: &Ctx) -> Result<Response<Body>, Error> {
    let body = body_json(ctx)?;
    let name = field_str(&body, "Username").unwrap_or("");
    let password = field_str(&body, "Pw")
        .or_else(|| field_str(&body, "Password"))
        .unwrap_or("");
    let device = seen_device(ctx);
    let session = server
        .library()
        .auth()
        .authenticate_by_name(name, password, &device)
        .map_err(core_auth_error)?;
    json(&authentication_result(server, &session))
}

/// `AuthenticationResult` of a login (password, Quick Connect or the legacy per-user route).
pub fn authentication_result(server: &Server, session: &jellyfin_core::auth::Session) -> Value {
    json_value!({
        "User": user_dto(server, &session.user),
        "SessionInfo": session_dto(server, Some(&session.user), &session.device),
        "AccessToken": session.token,
        "ServerId": server.id(),
    })
}

/// Legacy `POST /Users/{id}/Authenticate` (anonymous): the password in the `pw` query or a
/// `{Pw}` body; the same `AuthenticationResult` as `AuthenticateByName`. 404 for an unknown
/// user, 401 for a wrong password.
pub fn authenticate_user(server: &Server, ctx: &Ctx, id: &str) -> Result<Response<Body>, Error> {
    let id = jellyfin_core::auth::UserId::parse(id).ok_or(Error::NotFound)?;
    let auth = server.library().auth();
    let user = auth
        .user(id)
        .map_err(core_auth_error)?
        .ok_or(Error::NotFound)?;
    let body = body_json(ctx)?;
    let password = ctx
        .query
        .get("pw")
        .map(str::to_owned)
        .or_else(|| field_str(&body, "Pw").map(str::to_owned))
        .or_else(|| field_str(&body, "Password").map(str::to_owned))
        .unwrap_or_default();
    let session = auth
        .authenticate_by_name(&user.name, &password, &seen_device(ctx))
        .map_err(core_auth_error)?;
    json(&authentication_result(server, &session))
}

/// Legacy `POST /Users/{id}/EasyPassword`: Jellyfin 10.11 has no easy passwords any more and
/// answers every authenticated caller 403 (`Forbid()`), 401 without a token.
pub fn easy_password(server: &Server, ctx: &Ctx) -> Result<Response<Body>, Error> {
    require(server, ctx)?;
    Err(Error::Forbidden)
}

pub fn public_users(server: &Server) -> Result<Response<Body>, Error> {
    let users = server
        .library()
        .auth()
        .list_users(&UserFilter {
            is_hidden: Some(false),
            is_disabled: Some(false),
        })
        .map_err(core_auth_error)?;
    let dtos: Vec<UserDto> = users.iter().map(|u| user_dto(server, u)).collect();
    json(&dtos)
}

pub fn me(server: &Server, ctx: &Ctx) -> Result<Response<Body>, Error> {
    let auth = require(server, ctx)?;
    let user = auth
        .user
        .ok_or_else(|| Error::BadRequest("an API key has no user".into()))?;
    json(&user_dto(server, &user))
}

pub fn user(server: &Server, ctx: &Ctx, id: &str) -> Result<Response<Body>, Error> {
    let auth = require(server, ctx)?;
    let user = acting_user(server, &auth, Some(id))?;
    json(&user_dto(server, &user))
}

pub fn list(server: &Server, ctx: &Ctx) -> Result<Response<Body>, Error> {
    require_admin(server, ctx)?;
    let users = server
        .library()
        .auth()
        .list_users(&UserFilter {
            is_hidden: ctx.query.bool("isHidden"),
            is_disabled: ctx.query.bool("isDisabled"),
        })
        .map_err(core_auth_error)?;
    let dtos: Vec<UserDto> = users.iter().map(|u| user_dto(server, u)).collect();
    json(&dtos)
}

pub fn logout(server: &Server, ctx: &Ctx) -> Result<Response<Body>, Error> {
    let auth = require(server, ctx)?;
    server
        .library()
        .auth()
        .logout(&auth.token)
        .map_err(core_auth_error)?;
    Ok(empty(StatusCode::NO_CONTENT))
}

pub fn capabilities(server: &Server, ctx: &Ctx) -> Result<Response<Body>, Error> {
    let auth = require(server, ctx)?;
    let mut body = body_json(ctx)?;
    // The non-`Full` form sends the same keys in the query.
    if body.as_object().is_some_and(|o| o.is_empty()) {
        for key in ["PlayableMediaTypes", "SupportedCommands"] {
            let values = ctx.query.list(key);
            if !values.is_empty() {
                body[key] = Value::from(values);
            }
        }
        if let Some(b) = ctx.query.bool("supportsMediaControl") {
            body["SupportsMediaControl"] = Value::from(b);
        }
    }
    if let Some(s) = server.sessions().touch(&auth) {
        server
            .sessions()
            .report_capabilities(&s.id, crate::ws::capabilities_from_json(&body));
    }
    Ok(empty(StatusCode::NO_CONTENT))
}

/// `GET /Sessions`: the live sessions the caller may see.
pub fn sessions(server: &Server, ctx: &Ctx) -> Result<Response<Body>, Error> {
    use jellyfin_core::sessions::SessionFilter;
    let auth = require(server, ctx)?;
    let controllable = match ctx.query.get("controllableByUserId") {
        Some(id) => Some(acting_user(server, &auth, Some(id))?),
        None => None,
    };
    let mut filter = SessionFilter::for_caller(&auth, controllable.as_ref());
    filter.device_id = ctx.query.get("deviceId").map(str::to_owned);
    filter.active_within = ctx
        .query
        .int("activeWithinSeconds")
        .filter(|s| *s > 0)
        .map(|s| std::time::Duration::from_secs(s as u64));
    let list: Vec<Value> = server
        .sessions()
        .list(&filter)
        .iter()
        .map(|s| crate::ws::session_info_dto(server, s))
        .collect();
    json(&list)
}

/// `POST /Sessions/{id}/Playing`, `/Playing/{command}`, `/Command[/{name}]`, `/Message`:
/// remote control through the target session's WebSocket (404 for an unknown session).
pub fn remote_control(
    server: &Server,
    ctx: &Ctx,
    session: &str,
    action: &[&str],
) -> Result<Response<Body>, Error> {
    use jellyfin_core::sessions::OutboundMessage;
    let auth = require(server, ctx)?;
    let target = server.sessions().get(session).ok_or(Error::NotFound)?;
    let me = auth.user.as_ref().map(|u| u.id.to_n());
    let body = body_json(ctx)?;
    let q = &ctx.query;
    let message = match action {
        ["playing"] => OutboundMessage::new(
            "Play",
            json_value!({
                "ItemIds": q.list("itemIds"),
                "StartPositionTicks": q.int("startPositionTicks"),
                "PlayCommand": q.get("playCommand").unwrap_or("PlayNow"),
                "MediaSourceId": q.get("mediaSourceId"),
                "AudioStreamIndex": q.int("audioStreamIndex"),
                "SubtitleStreamIndex": q.int("subtitleStreamIndex"),
                "StartIndex": q.int("startIndex"),
                "ControllingUserId": me,
            }),
        ),
        ["playing", command] => OutboundMessage::new(
            "Playstate",
            json_value!({
                "Command": ctx.segments.get(3).cloned().unwrap_or_else(|| (*command).to_owned()),
                "SeekPositionTicks": q.int("seekPositionTicks"),
                "ControllingUserId": me,
            }),
        ),
        ["command"] => OutboundMessage::new("GeneralCommand", {
            let mut b = body.clone();
            b["ControllingUserId"] = Value::from(me);
            b
        }),
        ["command", _] => OutboundMessage::new(
            "GeneralCommand",
            json_value!({
                "Name": ctx.segments.get(3).cloned().unwrap_or_default(),
                "ControllingUserId": me,
                "Arguments": {},
            }),
        ),
        ["message"] => OutboundMessage::new(
            "GeneralCommand",
            json_value!({
                "Name": "DisplayMessage",
                "ControllingUserId": me,
                "Arguments": {
                    "Header": field_str(&body, "Header").unwrap_or(""),
                    "Text": field_str(&body, "Text").unwrap_or(""),
                    "TimeoutMs": field(&body, "TimeoutMs").cloned().unwrap_or(Value::Null),
                },
            }),
        ),
        _ => return Err(Error::NotFound),
    };
    server.sessions().send_to_session(&target.id, message);
    Ok(empty(StatusCode::NO_CONTENT))
}

pub fn system_info(server: &Server, ctx: &Ctx) -> Result<Response<Body>, Error> {
    require(server, ctx)?;
    let public = server.public_info(ctx);
    json(&json_value!({
        "LocalAddress": public.local_address,
        "ServerName": public.server_name,
        "Version": JELLYFIN_VERSION,
        "ProductName": PRODUCT_NAME,
        "OperatingSystem": "",
        "Id": server.id(),
        "StartupWizardCompleted": public.startup_wizard_completed,
        "OperatingSystemDisplayName": "Linux",
        "PackageName": "jellyfin-rs",
        "HasPendingRestart": false,
        "IsShuttingDown": false,
        "SupportsLibraryMonitor": true,
        "WebSocketPortNumber": server.config().bind.port(),
        "CompletedInstallations": [],
        "CanSelfRestart": false,
        "CanLaunchWebBrowser": false,
        "ProgramDataPath": server.config().data_dir.display().to_string(),
        "ItemsByNamePath": server.config().data_dir.join("metadata").display().to_string(),
        "CachePath": server.config().data_dir.join("cache").display().to_string(),
        "LogPath": server.config().data_dir.join("log").display().to_string(),
        "InternalMetadataPath": server.config().data_dir.join("metadata").display().to_string(),
        "TranscodingTempPath": server.config().data_dir.join("transcodes").display().to_string(),
        "CastReceiverApplications": [],
        "HasUpdateAvailable": false,
        "EncoderLocation": "System",
        "SystemArchitecture": std::env::consts::ARCH,
    }))
}

// ------------------------------------------------------------------ startup wizard

/// Whether the startup wizard may still run anonymously (no user exists yet).
fn wizard_open(server: &Server) -> Result<bool, Error> {
    Ok(!server
        .library()
        .auth()
        .has_users()
        .map_err(core_auth_error)?)
}

fn wizard_guard(server: &Server, ctx: &Ctx) -> Result<(), Error> {
    if wizard_open(server)? {
        Ok(())
    } else {
        require_admin(server, ctx).map(|_| ())
    }
}

pub fn startup_configuration(server: &Server, ctx: &Ctx) -> Result<Response<Body>, Error> {
    wizard_guard(server, ctx)?;
    json(&json_value!({
        "UICulture": "en-US",
        "MetadataCountryCode": "US",
        "PreferredMetadataLanguage": "en",
    }))
}

pub fn startup_post_ok(server: &Server, ctx: &Ctx) -> Result<Response<Body>, Error> {
    wizard_guard(server, ctx)?;
    Ok(empty(StatusCode::NO_CONTENT))
}

pub fn startup_user(server: &Server, ctx: &Ctx) -> Result<Response<Body>, Error> {
    wizard_guard(server, ctx)?;
    json(&json_value!({ "Name": "admin", "Password": "" }))
}

/// `POST /Startup/User`: creates the first administrator (only while no user exists).
pub fn startup_create_user(server: &Server, ctx: &Ctx) -> Result<Response<Body>, Error> {
    wizard_guard(server, ctx)?;
    let body = body_json(ctx)?;
    let name = field_str(&body, "Name").unwrap_or("").trim();
    let password = field_str(&body, "Password").unwrap_or("");
    if name.is_empty() {
        return Err(Error::BadRequest("Name is required".into()));
    }
    server
        .library()
        .auth()
        .ensure_admin(name, password)
        .map_err(core_auth_error)?;
    Ok(empty(StatusCode::NO_CONTENT))
}

// ------------------------------------------------------------------ display preferences

/// `GET /DisplayPreferences/{id}`: what the client stored, or Jellyfin's defaults.
pub fn display_preferences(server: &Server, ctx: &Ctx, id: &str) -> Result<Response<Body>, Error> {
    let auth = require(server, ctx)?;
    let user = acting_user(server, &auth, ctx.query.get("userId"))?;
    let client = ctx.query.get("client").unwrap_or("emby");
    let stored = server
        .library()
        .user_data()
        .display_preferences(user.id, id, client)
        .map_err(|e| Error::Core(e.into()))?;
    let mut value = stored.unwrap_or_else(|| {
        json_value!({
            "Id": id,
            "SortBy": "SortName",
            "RememberIndexing": false,
            "PrimaryImageHeight": 250,
            "PrimaryImageWidth": 250,
            "CustomPrefs": {},
            "ScrollDirection": "Horizontal",
            "ShowBackdrop": true,
            "RememberSorting": false,
            "SortOrder": "Ascending",
            "ShowSidebar": false,
            "Client": client,
        })
    });
    if let Some(obj) = value.as_object_mut() {
        obj.insert("Id".into(), Value::from(id));
    }
    json(&value)
}

/// `POST /DisplayPreferences/{id}`: stores the posted DTO whole and returns 204.
pub fn save_display_preferences(
    server: &Server,
    ctx: &Ctx,
    id: &str,
) -> Result<Response<Body>, Error> {
    let auth = require(server, ctx)?;
    let user = acting_user(server, &auth, ctx.query.get("userId"))?;
    let client = ctx.query.get("client").unwrap_or("emby");
    let body = body_json(ctx)?;
    if !body.is_object() {
        return Err(Error::BadRequest(
            "display preferences must be a JSON object".into(),
        ));
    }
    server
        .library()
        .user_data()
        .save_display_preferences(user.id, id, client, &body)
        .map_err(|e| Error::Core(e.into()))?;
    Ok(empty(StatusCode::NO_CONTENT))
}
