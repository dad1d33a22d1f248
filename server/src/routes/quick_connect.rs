//! Quick Connect (SURFACE.md §5): `GET /QuickConnect/Enabled`, `POST` (and legacy `GET`)
//! `/QuickConnect/Initiate`, `GET /QuickConnect/Connect`, `POST /QuickConnect/Authorize` and
//! `POST /Users/AuthenticateWithQuickConnect`. The state and rules are the core's
//! (`jellyfin_core::auth::quick_connect`); statuses follow Jellyfin's controller: disabled 401,
//! missing device fields 400, unknown secret or code 404, another user's id 403 for a
//! non-administrator.

use std::time::UNIX_EPOCH;

use hyper::Response;
use jellyfin_core::auth::QuickConnectRequest;
use serde::Serialize;
use serde_json::Value;

use super::auth::{acting_user, core_auth_error, require, seen_device};
use super::users::{authentication_result, field};
use crate::dto::format_timestamp;
use crate::error::Error;
use crate::http::{json, Body, Ctx, Server};

/// `QuickConnectResult` (every field always present).
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct QuickConnectResult {
    authenticated: bool,
    secret: String,
    code: String,
    device_id: String,
    device_name: String,
    app_name: String,
    app_version: String,
    date_added: String,
}

fn result_dto(r: &QuickConnectRequest) -> QuickConnectResult {
    let d = r.date_added.duration_since(UNIX_EPOCH).unwrap_or_default();
    QuickConnectResult {
        authenticated: r.authenticated,
        secret: r.secret.clone(),
        code: r.code.clone(),
        device_id: r.device.device_id.clone(),
        device_name: r.device.device_name.clone(),
        app_name: r.device.client.clone(),
        app_version: r.device.version.clone(),
        date_added: format_timestamp(d.as_secs() as i64, d.subsec_nanos()),
    }
}

/// `GET /QuickConnect/Enabled` (anonymous): the configuration's `QuickConnectAvailable`.
pub fn enabled(server: &Server) -> Result<Response<Body>, Error> {
    json(&server.library().quick_connect().is_enabled())
}

/// `POST`/`GET /QuickConnect/Initiate` (anonymous; the authorization header's device fields
/// are required).
pub fn initiate(server: &Server, ctx: &Ctx) -> Result<Response<Body>, Error> {
    let request = server
        .library()
        .quick_connect()
        .initiate(&seen_device(ctx))
        .map_err(core_auth_error)?;
    json(&result_dto(&request))
}

/// `GET /QuickConnect/Connect?secret=` (anonymous, polled by the device).
pub fn connect(server: &Server, ctx: &Ctx) -> Result<Response<Body>, Error> {
    let secret = ctx.query.get("secret").unwrap_or("");
    let request = server
        .library()
        .quick_connect()
        .status(secret)
        .map_err(core_auth_error)?;
    json(&result_dto(&request))
}

/// `POST /QuickConnect/Authorize?code=&userId=` (any user; an administrator may approve for
/// another user): `true`.
pub fn authorize(server: &Server, ctx: &Ctx) -> Result<Response<Body>, Error> {
    let auth = require(server, ctx)?;
    let user = acting_user(server, &auth, ctx.query.get("userId"))?;
    let code = ctx
        .query
        .get("code")
        .filter(|c| !c.trim().is_empty())
        .ok_or_else(|| Error::BadRequest("code is required".into()))?;
    server
        .library()
        .quick_connect()
        .authorize(code, user.id)
        .map_err(core_auth_error)?;
    json(&true)
}

/// `POST /Users/AuthenticateWithQuickConnect` (anonymous) with `{Secret}`: the approved
/// login's `AuthenticationResult`.
pub fn authenticate(server: &Server, ctx: &Ctx) -> Result<Response<Body>, Error> {
    let body: Value = if ctx.body.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&ctx.body)
            .map_err(|e| Error::BadRequest(format!("invalid JSON body: {e}")))?
    };
    let secret = field(&body, "Secret")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| Error::BadRequest("Secret is required".into()))?;
    let session = server
        .library()
        .quick_connect()
        .authenticate(secret)
        .map_err(core_auth_error)?;
    json(&authentication_result(server, &session))
}
