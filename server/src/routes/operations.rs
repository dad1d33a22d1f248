//! Server operations for administrators: the activity log, log files, storage, restart and
//! shutdown, named configuration sections and branding, the default metadata options, and the
//! stubs clients call where this server has nothing to offer (backups, plugin configuration
//! pages, password reset by PIN). Access rules come from the spec gate.

use hyper::header::{HeaderValue, CONTENT_TYPE};
use hyper::{Response, StatusCode};
use jellyfin_core::activity::{Entry, EntryQuery};
use jellyfin_core::host::{folder_storage, FolderStorage};
use jellyfin_core::sessions::OutboundMessage;
use jellyfin_core::settings::Settings;
use serde_json::{json, Map, Value};

use crate::dto::item::{format_system_time, QueryResult};
use crate::error::Error;
use crate::http::{empty, full, json, Body, Ctx, Server};

const EMPTY_GUID: &str = "00000000000000000000000000000000";

fn body(ctx: &Ctx) -> Result<Value, Error> {
    if ctx.body.is_empty() {
        return Ok(Value::Object(Map::new()));
    }
    serde_json::from_slice(&ctx.body)
        .map_err(|e| Error::BadRequest(format!("invalid JSON body: {e}")))
}

// ------------------------------------------------------------------ activity log

/// `ActivityLogEntry` (`UserId` is the empty GUID for entries about no user).
pub fn activity_entry_dto(e: &Entry) -> Value {
    let mut o = Map::new();
    o.insert("Id".into(), e.id.into());
    o.insert("Name".into(), e.entry.name.clone().into());
    if let Some(v) = &e.entry.overview {
        o.insert("Overview".into(), v.clone().into());
    }
    if let Some(v) = &e.entry.short_overview {
        o.insert("ShortOverview".into(), v.clone().into());
    }
    o.insert("Type".into(), e.entry.kind.clone().into());
    if let Some(v) = &e.entry.item_id {
        o.insert("ItemId".into(), v.clone().into());
    }
    o.insert("Date".into(), format_system_time(e.date).into());
    o.insert(
        "UserId".into(),
        e.entry
            .user_id
            .map_or_else(|| EMPTY_GUID.to_owned(), |u| u.to_n())
            .into(),
    );
    o.insert("Severity".into(), e.entry.severity.name().into());
    Value::Object(o)
}

/// `GET /System/ActivityLog/Entries?startIndex=&limit=&minDate=&hasUserId=`: newest first.
pub fn activity_log(server: &Server, ctx: &Ctx) -> Result<Response<Body>, Error> {
    let start_index = ctx.query.int("startIndex").unwrap_or(0).max(0) as usize;
    let min_date = match ctx.query.get("minDate").filter(|s| !s.trim().is_empty()) {
        Some(text) => Some(
            super::user_items::parse_date(text)
                .ok_or_else(|| Error::BadRequest(format!("invalid minDate {text:?}")))?,
        ),
        None => None,
    };
    let query = EntryQuery {
        start_index,
        limit: ctx.query.int("limit").map(|l| l.max(0) as usize),
        min_date,
        has_user_id: ctx.query.bool("hasUserId"),
    };
    let (entries, total) = server
        .library()
        .activity()
        .entries(&query)
        .map_err(|e| Error::Core(e.into()))?;
    let items: Vec<Value> = entries.iter().map(activity_entry_dto).collect();
    json(&QueryResult::new(items, total, start_index))
}

// ------------------------------------------------------------------ log files

/// `GET /System/Logs`: `[LogFile]`, newest first.
pub fn logs(server: &Server) -> Result<Response<Body>, Error> {
    let files = jellyfin_core::logs::list(&server.config().log_dir).map_err(Error::Core)?;
    let list: Vec<Value> = files
        .iter()
        .map(|f| {
            json!({
                "DateCreated": format_system_time(f.created),
                "DateModified": format_system_time(f.modified),
                "Size": f.size,
                "Name": f.name,
            })
        })
        .collect();
    json(&list)
}

/// `GET /System/Logs/Log?name=`: the file as text. 404 unless `name` is a plain file name of
/// a file in the log directory (no separators, no `..`).
pub fn log_file(server: &Server, ctx: &Ctx) -> Result<Response<Body>, Error> {
    let name = ctx
        .query
        .get("name")
        .ok_or_else(|| Error::BadRequest("name is required".into()))?;
    let bytes = jellyfin_core::logs::read(&server.config().log_dir, name)
        .map_err(Error::Core)?
        .ok_or(Error::NotFound)?;
    let mut r = Response::new(full(bytes::Bytes::from(bytes)));
    r.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    Ok(r)
}

// ------------------------------------------------------------------ storage

fn folder_dto(f: &FolderStorage) -> Value {
    let mut o = Map::new();
    o.insert("Path".into(), f.path.clone().into());
    o.insert("FreeSpace".into(), f.free_space.into());
    o.insert("UsedSpace".into(), f.used_space.into());
    if let Some(t) = &f.storage_type {
        o.insert("StorageType".into(), t.clone().into());
    }
    if let Some(d) = &f.device_id {
        o.insert("DeviceId".into(), d.clone().into());
    }
    Value::Object(o)
}

/// `GET /System/Info/Storage`: the server's folders and each library's folders with the space
/// of the file system holding them (`statvfs`; -1 for a folder that does not exist, such as
/// the web folder of a server that serves no web client).
pub fn storage(server: &Server) -> Result<Response<Body>, Error> {
    let data = &server.config().data_dir;
    let folder = |p: std::path::PathBuf| folder_dto(&folder_storage(&p.to_string_lossy()));
    let libraries: Vec<Value> = server
        .library()
        .libraries()
        .map_err(Error::Core)?
        .iter()
        .map(|l| {
            json!({
                "Id": l.id.to_n(),
                "Name": l.name,
                "Folders": l.folders.iter().map(|f| folder_dto(&folder_storage(f))).collect::<Vec<_>>(),
            })
        })
        .collect();
    json(&json!({
        "ProgramDataFolder": folder(data.clone()),
        "WebFolder": folder(data.join("web")),
        "ImageCacheFolder": folder(data.join("cache").join("images")),
        "CacheFolder": folder(data.join("cache")),
        "LogFolder": folder(server.config().log_dir.clone()),
        "InternalMetadataFolder": folder(data.join("metadata")),
        "TranscodingTempFolder": folder(data.join("transcodes")),
        "Libraries": libraries,
    }))
}

// ------------------------------------------------------------------ restart, shutdown

/// `POST /System/Shutdown`: 204, then the server stops gracefully (sockets are told
/// `ServerShuttingDown` first).
pub fn shutdown(server: &Server) -> Result<Response<Body>, Error> {
    tracing::info!("shutdown requested");
    server
        .sessions()
        .broadcast(OutboundMessage::new("ServerShuttingDown", Value::Null));
    server.request_shutdown();
    Ok(empty(StatusCode::NO_CONTENT))
}

/// `POST /System/Restart`: this server cannot start itself again (`CanSelfRestart` is false),
/// so a restart is a graceful stop; whatever supervises the process (systemd, Docker) starts
/// it again.
pub fn restart(server: &Server) -> Result<Response<Body>, Error> {
    tracing::warn!("restart requested: stopping (this server cannot restart itself)");
    server
        .sessions()
        .broadcast(OutboundMessage::new("ServerRestarting", Value::Null));
    server.request_shutdown();
    Ok(empty(StatusCode::NO_CONTENT))
}

// ------------------------------------------------------------------ configuration sections

/// `GET /System/Configuration/{key}`: the stored section over its defaults; 404 for a key
/// Jellyfin does not have.
pub fn config_section(server: &Server, key: &str) -> Result<Response<Body>, Error> {
    let value = Settings::new(&server.config().data_dir)
        .section(key)
        .map_err(Error::Core)?
        .ok_or(Error::NotFound)?;
    json(&value)
}

/// `POST /System/Configuration/{key}`: stored whole (unknown keys kept); 404 for a key Jellyfin
/// does not have, 400 for a body that is not an object.
pub fn save_config_section(server: &Server, ctx: &Ctx, key: &str) -> Result<Response<Body>, Error> {
    let b = body(ctx)?;
    if !b.is_object() {
        return Err(Error::BadRequest(
            "a configuration section must be a JSON object".into(),
        ));
    }
    Settings::new(&server.config().data_dir)
        .save_section(key, &b)
        .map_err(Error::Core)?
        .ok_or(Error::NotFound)?;
    Ok(empty(StatusCode::NO_CONTENT))
}

/// The stored branding (`BrandingOptionsDto`), for `/Branding/Configuration` and `/Branding/Css`.
pub fn branding_options(server: &Server) -> Value {
    Settings::new(&server.config().data_dir)
        .section("branding")
        .ok()
        .flatten()
        .unwrap_or_else(|| jellyfin_core::settings::section_defaults("branding"))
}

/// `GET /System/Configuration/MetadataOptions/Default`: Jellyfin's default `MetadataOptions`
/// (no fetcher disabled, no order imposed).
pub fn default_metadata_options() -> Result<Response<Body>, Error> {
    json(&json!({
        "DisabledMetadataSavers": [],
        "LocalMetadataReaderOrder": [],
        "DisabledMetadataFetchers": [],
        "MetadataFetcherOrder": [],
        "DisabledImageFetchers": [],
        "ImageFetcherOrder": [],
    }))
}

// ------------------------------------------------------------------ stubs

/// `GET /Backup`: no backups (this server makes none).
pub fn backups() -> Result<Response<Body>, Error> {
    json(&Vec::<Value>::new())
}

/// `GET /web/ConfigurationPages`: no plugin pages.
pub fn configuration_pages() -> Result<Response<Body>, Error> {
    json(&Vec::<Value>::new())
}

/// `POST /Users/ForgotPassword`: Jellyfin's answer outside the local network: ask the
/// administrator (no PIN file is written).
pub fn forgot_password() -> Result<Response<Body>, Error> {
    json(&json!({ "Action": "ContactAdmin" }))
}

/// `POST /Users/ForgotPassword/Pin`: no PIN was issued, so none redeems.
pub fn forgot_password_pin() -> Result<Response<Body>, Error> {
    json(&json!({ "Success": false, "UsersReset": [] }))
}
