//! Administration: libraries (virtual folders: add, remove, rename, paths, options, available
//! options) and refresh (all libraries through the RefreshLibrary task, one item's library),
//! users CRUD, policy, password and configuration, server configuration, devices (and their
//! options), API keys, item counts, and the empty plugin/package lists clients ask for.

use std::path::PathBuf;
use std::sync::Arc;

use hyper::{Response, StatusCode};
use jellyfin_core::auth::UserId;
use jellyfin_core::library::LibraryError;
use jellyfin_core::scan::{ScanError, ScanOptions};
use jellyfin_core::settings::Settings;
use jellyfin_core::store::{ItemId, ItemKind, ItemQuery, LibraryKind, LibraryRecord};
use jellyfin_core::tasks::{TaskKind, TaskState};
use jellyfin_core::MediaLibrary;
use serde_json::{json as json_value, Value};

use super::auth::{acting_user, core_auth_error, require, require_admin};
use super::items::{caller, dtos};
use super::users::{field, user_dto};
use crate::dto::item::{FieldSet, QueryResult};
use crate::error::Error;
use crate::http::{empty, json, Body, Ctx, Server};

fn body(ctx: &Ctx) -> Result<Value, Error> {
    if ctx.body.is_empty() {
        return Ok(Value::Object(Default::default()));
    }
    serde_json::from_slice(&ctx.body)
        .map_err(|e| Error::BadRequest(format!("invalid JSON body: {e}")))
}

fn no_content() -> Result<Response<Body>, Error> {
    Ok(empty(StatusCode::NO_CONTENT))
}

/// Scans every library in the background through the `RefreshLibrary` task (its state and
/// progress show in `/ScheduledTasks`; a refresh never blocks the request, and one already
/// running is not started twice).
pub fn refresh_in_background(server: &Server) {
    server.tasks().start(TaskKind::RefreshLibrary);
}

/// A library's `LibraryOptions`: what was stored (or Jellyfin's basics), with `PathInfos` made
/// from the library's real folders (a stored `NetworkPath` kept for its folder).
fn library_options(server: &Server, lib: &LibraryRecord) -> Result<Value, Error> {
    let mut options = server
        .library()
        .library_options(lib.id)
        .map_err(Error::Core)?
        .unwrap_or_else(
            || json_value!({ "Enabled": true, "EnableRealtimeMonitor": true, "TypeOptions": [] }),
        );
    let stored_infos: Vec<Value> = field(&options, "PathInfos")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let infos: Vec<Value> = lib
        .folders
        .iter()
        .map(|p| {
            let network = stored_infos
                .iter()
                .find(|i| field(i, "Path").and_then(Value::as_str) == Some(p))
                .and_then(|i| field(i, "NetworkPath"))
                .and_then(Value::as_str)
                .filter(|n| !n.is_empty());
            match network {
                Some(n) => json_value!({"Path": p, "NetworkPath": n}),
                None => json_value!({"Path": p}),
            }
        })
        .collect();
    if let Some(o) = options.as_object_mut() {
        o.retain(|k, _| !k.eq_ignore_ascii_case("PathInfos"));
        o.insert("PathInfos".into(), Value::Array(infos));
    }
    Ok(options)
}

/// `GET /Library/VirtualFolders`: `RefreshStatus` is `Active` (with the scan task's progress)
/// while the RefreshLibrary task runs.
pub fn virtual_folders(server: &Server) -> Result<Response<Body>, Error> {
    let libs = server.library().libraries().map_err(Error::Core)?;
    let scan = server
        .tasks()
        .info(TaskKind::RefreshLibrary)
        .map_err(Error::Core)?;
    let mut list = Vec::with_capacity(libs.len());
    for l in &libs {
        let mut folder = json_value!({
            "Name": l.name,
            "Locations": l.folders,
            "CollectionType": l.kind.name(),
            "LibraryOptions": library_options(server, l)?,
            "ItemId": l.id.to_n(),
            "PrimaryImageItemId": l.id.to_n(),
            "RefreshStatus": if scan.state == TaskState::Idle { "Idle" } else { "Active" },
        });
        if let Some(p) = scan.progress {
            folder["RefreshProgress"] = json_value!(p);
        }
        list.push(folder);
    }
    json(&list)
}

/// `POST /Library/VirtualFolders/Name?name=&newName=&refreshLibrary=`: 404 for an unknown
/// library, 409 when another library has the new name.
pub fn rename_virtual_folder(server: &Server, ctx: &Ctx) -> Result<Response<Body>, Error> {
    let name = ctx
        .query
        .get("name")
        .filter(|n| !n.trim().is_empty())
        .ok_or_else(|| Error::BadRequest("name is required".into()))?;
    let new_name = ctx
        .query
        .get("newName")
        .filter(|n| !n.trim().is_empty())
        .ok_or_else(|| Error::BadRequest("newName is required".into()))?;
    match server.library().rename_library(name, new_name) {
        Ok(true) => {}
        Ok(false) => return Err(Error::NotFound),
        Err(jellyfin_core::Error::Library(LibraryError::NameTaken(n))) => {
            return Err(Error::Conflict(format!("a library named {n:?} exists")))
        }
        Err(e) => return Err(Error::Core(e)),
    }
    if ctx.query.bool("refreshLibrary").unwrap_or(false) {
        refresh_in_background(server);
    }
    no_content()
}

/// `POST /Library/VirtualFolders/LibraryOptions` (`{Id, LibraryOptions}`): stored whole and
/// returned by `/Library/VirtualFolders` (with `PathInfos` from the real folders).
pub fn update_library_options(server: &Server, ctx: &Ctx) -> Result<Response<Body>, Error> {
    let b = body(ctx)?;
    let id = field(&b, "Id")
        .and_then(Value::as_str)
        .and_then(ItemId::parse)
        .ok_or_else(|| Error::BadRequest("Id is required".into()))?;
    let lib = server
        .library()
        .libraries()
        .map_err(Error::Core)?
        .into_iter()
        .find(|l| l.id == id)
        .ok_or(Error::NotFound)?;
    let options = field(&b, "LibraryOptions")
        .filter(|o| o.is_object())
        .cloned()
        .ok_or_else(|| Error::BadRequest("LibraryOptions must be an object".into()))?;
    server
        .library()
        .set_library_options(lib.id, &options)
        .map_err(Error::Core)?;
    no_content()
}

/// `POST /Library/VirtualFolders/Paths/Update` (`{Name, PathInfo: {Path, NetworkPath}}`): the
/// folder's network path is stored in the library's options; 404 for an unknown library, 400
/// for a path that is not one of its folders.
pub fn update_virtual_folder_path(server: &Server, ctx: &Ctx) -> Result<Response<Body>, Error> {
    let b = body(ctx)?;
    let name = field(&b, "Name")
        .and_then(Value::as_str)
        .ok_or_else(|| Error::BadRequest("Name is required".into()))?;
    let info = field(&b, "PathInfo")
        .filter(|p| p.is_object())
        .ok_or_else(|| Error::BadRequest("PathInfo is required".into()))?;
    let path = field(info, "Path")
        .and_then(Value::as_str)
        .ok_or_else(|| Error::BadRequest("PathInfo.Path is required".into()))?;
    let lib = server
        .library()
        .library(name)
        .map_err(Error::Core)?
        .ok_or(Error::NotFound)?;
    let path = path.trim_end_matches('/');
    if !lib.folders.iter().any(|f| f == path) {
        return Err(Error::BadRequest(format!(
            "{path} is not a folder of library {name}"
        )));
    }
    let mut options = library_options(server, &lib)?;
    let network = field(info, "NetworkPath").cloned().unwrap_or(Value::Null);
    if let Some(infos) = options.get_mut("PathInfos").and_then(Value::as_array_mut) {
        for i in infos.iter_mut() {
            if field(i, "Path").and_then(Value::as_str) == Some(path) {
                i["NetworkPath"] = network.clone();
            }
        }
    }
    server
        .library()
        .set_library_options(lib.id, &options)
        .map_err(Error::Core)?;
    no_content()
}

/// `GET /Libraries/AvailableOptions?libraryContentType=`: the option lists the library editor
/// renders. This server has no metadata savers, readers, fetchers or providers beyond what the
/// scan reads locally, so the lists are present and empty; `TypeOptions` names the item types
/// of the content type as Jellyfin does.
pub fn available_options(ctx: &Ctx) -> Result<Response<Body>, Error> {
    let types: &[&str] = match ctx
        .query
        .get("libraryContentType")
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("boxsets") => &["BoxSet"],
        Some("playlists") => &["Playlist"],
        Some("movies") => &["Movie"],
        Some("tvshows") => &["Series", "Season", "Episode"],
        Some("books") => &["Book", "AudioBook"],
        Some("music") => &["MusicArtist", "MusicAlbum", "Audio", "MusicVideo"],
        Some("homevideos") | Some("photos") => &["Video", "Photo"],
        Some("musicvideos") => &["MusicVideo"],
        _ => &["Series", "Season", "Episode", "Movie"],
    };
    let type_options: Vec<Value> = types
        .iter()
        .map(|t| {
            json_value!({
                "Type": t,
                "MetadataFetchers": [],
                "ImageFetchers": [],
                "SupportedImageTypes": [],
                "DefaultImageOptions": [],
            })
        })
        .collect();
    json(&json_value!({
        "MetadataSavers": [],
        "MetadataReaders": [],
        "SubtitleFetchers": [],
        "LyricFetchers": [],
        "MediaSegmentProviders": [],
        "TypeOptions": type_options,
    }))
}

/// `POST /Items/{id}/Refresh`: rescans the library holding the item in the background (a
/// rescan already running covers it).
pub fn refresh_item(server: &Server, id: &str) -> Result<Response<Body>, Error> {
    let id = ItemId::parse(id).ok_or(Error::NotFound)?;
    let item = server
        .library()
        .item(id)
        .map_err(Error::Core)?
        .ok_or(Error::NotFound)?;
    if let Some(lib_id) = item.library_id {
        let library: Arc<MediaLibrary> = server.library().clone();
        std::thread::spawn(
            move || match library.scan_by_id(lib_id, &ScanOptions::default()) {
                Ok(_) | Err(jellyfin_core::Error::Scan(ScanError::AlreadyRunning(_))) => {}
                Err(e) => tracing::warn!(error = %e, "item refresh failed"),
            },
        );
    }
    no_content()
}

/// `POST /Library/VirtualFolders?name=&collectionType=&paths=&refreshLibrary=`.
pub fn add_virtual_folder(server: &Server, ctx: &Ctx) -> Result<Response<Body>, Error> {
    let name = ctx
        .query
        .get("name")
        .ok_or_else(|| Error::BadRequest("name is required".into()))?;
    let kind = ctx
        .query
        .get("collectionType")
        .and_then(LibraryKind::from_name)
        .unwrap_or(LibraryKind::Mixed);
    let mut paths: Vec<PathBuf> = ctx
        .query
        .list("paths")
        .into_iter()
        .map(PathBuf::from)
        .collect();
    let b = body(ctx)?;
    if let Some(infos) = field(&b, "LibraryOptions")
        .and_then(|o| field(o, "PathInfos"))
        .and_then(Value::as_array)
    {
        paths.extend(
            infos
                .iter()
                .filter_map(|p| field(p, "Path").and_then(Value::as_str))
                .map(PathBuf::from),
        );
    }
    if server
        .library()
        .library(name)
        .map_err(Error::Core)?
        .is_some()
    {
        return Err(Error::BadRequest(format!(
            "a library named {name:?} exists"
        )));
    }
    for p in &paths {
        if !p.is_dir() {
            return Err(Error::BadRequest(format!(
                "{} is not a folder",
                p.display()
            )));
        }
    }
    server
        .library()
        .add_library(name, kind, &paths)
        .map_err(Error::Core)?;
    if ctx.query.bool("refreshLibrary").unwrap_or(false) {
        refresh_in_background(server);
    }
    no_content()
}

/// `DELETE /Library/VirtualFolders?name=`.
pub fn remove_virtual_folder(server: &Server, ctx: &Ctx) -> Result<Response<Body>, Error> {
    let name = ctx
        .query
        .get("name")
        .ok_or_else(|| Error::BadRequest("name is required".into()))?;
    if !server.library().remove_library(name).map_err(Error::Core)? {
        return Err(Error::NotFound);
    }
    no_content()
}

/// `POST /Library/VirtualFolders/Paths` (body `{Name, PathInfo: {Path}}`) and
/// `DELETE /Library/VirtualFolders/Paths?name=&path=`.
pub fn virtual_folder_paths(
    server: &Server,
    ctx: &Ctx,
    add: bool,
) -> Result<Response<Body>, Error> {
    let b = body(ctx)?;
    let name = field(&b, "Name")
        .and_then(Value::as_str)
        .or_else(|| ctx.query.get("name"))
        .ok_or_else(|| Error::BadRequest("name is required".into()))?;
    let path = field(&b, "PathInfo")
        .and_then(|p| field(p, "Path"))
        .and_then(Value::as_str)
        .or_else(|| ctx.query.get("path"))
        .ok_or_else(|| Error::BadRequest("path is required".into()))?;
    let lib = server
        .library()
        .library(name)
        .map_err(Error::Core)?
        .ok_or(Error::NotFound)?;
    let mut folders: Vec<PathBuf> = lib.folders.iter().map(PathBuf::from).collect();
    if add {
        if !PathBuf::from(path).is_dir() {
            return Err(Error::BadRequest(format!("{path} is not a folder")));
        }
        folders.push(PathBuf::from(path));
    } else {
        folders.retain(|f| f.as_os_str() != path);
    }
    server
        .library()
        .add_library(&lib.name, lib.kind, &folders)
        .map_err(Error::Core)?;
    if ctx.query.bool("refreshLibrary").unwrap_or(false) {
        refresh_in_background(server);
    }
    no_content()
}

/// `GET /Library/MediaFolders`: the libraries as a QueryResult of CollectionFolders.
pub fn media_folders(server: &Server, ctx: &Ctx) -> Result<Response<Body>, Error> {
    let c = caller(server, ctx, None)?;
    let mut items = Vec::new();
    for l in server.library().libraries().map_err(Error::Core)? {
        if let Some(item) = server.library().item(l.id).map_err(Error::Core)? {
            items.push(item);
        }
    }
    let list = dtos(server, &c.user, &items, &FieldSet::all())?;
    let n = list.len();
    json(&QueryResult::new(list, n, 0))
}

/// `GET /Library/PhysicalPaths`.
pub fn physical_paths(server: &Server) -> Result<Response<Body>, Error> {
    let paths: Vec<String> = server
        .library()
        .libraries()
        .map_err(Error::Core)?
        .into_iter()
        .flat_map(|l| l.folders)
        .collect();
    json(&paths)
}

/// `POST /Library/Refresh`: scans every library in the background.
pub fn refresh(server: &Server) -> Result<Response<Body>, Error> {
    refresh_in_background(server);
    no_content()
}

// ------------------------------------------------------------------ users

fn user_id(text: &str) -> Result<UserId, Error> {
    UserId::parse(text).ok_or(Error::NotFound)
}

/// `POST /Users/New` (`{Name, Password}`).
pub fn new_user(server: &Server, ctx: &Ctx) -> Result<Response<Body>, Error> {
    let b = body(ctx)?;
    let name = field(&b, "Name").and_then(Value::as_str).unwrap_or("");
    let password = field(&b, "Password").and_then(Value::as_str).unwrap_or("");
    let user = server
        .library()
        .auth()
        .create_user(name, password)
        .map_err(core_auth_error)?;
    json(&user_dto(server, &user))
}

/// `DELETE /Users/{id}`.
pub fn delete_user(server: &Server, id: &str) -> Result<Response<Body>, Error> {
    let id = user_id(id)?;
    server
        .library()
        .auth()
        .delete_user(id)
        .map_err(core_auth_error)?;
    // The user's avatar goes with them.
    server
        .library()
        .avatars()
        .forget_user(id)
        .map_err(core_auth_error)?;
    no_content()
}

/// `POST /Users/{id}/Policy`.
pub fn update_policy(server: &Server, ctx: &Ctx, id: &str) -> Result<Response<Body>, Error> {
    let b = body(ctx)?;
    server
        .library()
        .auth()
        .update_policy(user_id(id)?, &b)
        .map_err(core_auth_error)?;
    no_content()
}

/// `POST /Users/Configuration?userId=`, `/Users/{id}/Configuration`: a user may change their
/// own; an administrator anyone's.
pub fn update_configuration(
    server: &Server,
    ctx: &Ctx,
    path_user: Option<&str>,
) -> Result<Response<Body>, Error> {
    let auth = require(server, ctx)?;
    let user = acting_user(server, &auth, path_user.or_else(|| ctx.query.get("userId")))?;
    let b = body(ctx)?;
    server
        .library()
        .auth()
        .update_configuration(user.id, &b)
        .map_err(core_auth_error)?;
    no_content()
}

/// `POST /Users/Password?userId=`, `/Users/{id}/Password` (`{CurrentPw, NewPw, ResetPassword}`).
pub fn update_password(
    server: &Server,
    ctx: &Ctx,
    path_user: Option<&str>,
) -> Result<Response<Body>, Error> {
    let auth = require(server, ctx)?;
    let user = acting_user(server, &auth, path_user.or_else(|| ctx.query.get("userId")))?;
    let b = body(ctx)?;
    let reset = field(&b, "ResetPassword")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let new = if reset {
        ""
    } else {
        field(&b, "NewPw").and_then(Value::as_str).unwrap_or("")
    };
    // An administrator changing another user's password needs no current password.
    let current = if auth.is_admin() && auth.user_id() != Some(user.id) {
        None
    } else {
        Some(field(&b, "CurrentPw").and_then(Value::as_str).unwrap_or(""))
    };
    server
        .library()
        .auth()
        .change_password(user.id, current, new, Some(&auth.token))
        .map_err(core_auth_error)?;
    no_content()
}

/// `POST /Users?userId=`, `/Users/{id}`: updates the user (its name).
pub fn update_user(
    server: &Server,
    ctx: &Ctx,
    path_user: Option<&str>,
) -> Result<Response<Body>, Error> {
    let auth = require(server, ctx)?;
    let user = acting_user(server, &auth, path_user.or_else(|| ctx.query.get("userId")))?;
    let b = body(ctx)?;
    if let Some(name) = field(&b, "Name").and_then(Value::as_str) {
        if name != user.name {
            server
                .library()
                .auth()
                .rename_user(user.id, name)
                .map_err(core_auth_error)?;
        }
    }
    no_content()
}

// ------------------------------------------------------------------ configuration, devices, keys

/// `GET /System/Configuration`.
pub fn configuration(server: &Server, ctx: &Ctx) -> Result<Response<Body>, Error> {
    require(server, ctx)?;
    let mut value = Settings::new(&server.config().data_dir)
        .load()
        .map_err(Error::Core)?;
    value["IsStartupWizardCompleted"] =
        Value::from(server.library().auth().has_users().unwrap_or(false));
    if value["ServerName"].as_str().is_none_or(str::is_empty) {
        value["ServerName"] = Value::from(server.config().server_name.clone());
    }
    json(&value)
}

/// `POST /System/Configuration`: stored whole, unknown keys kept.
pub fn save_configuration(server: &Server, ctx: &Ctx) -> Result<Response<Body>, Error> {
    let b = body(ctx)?;
    if !b.is_object() {
        return Err(Error::BadRequest(
            "the configuration must be a JSON object".into(),
        ));
    }
    let saved = Settings::new(&server.config().data_dir)
        .save(&b)
        .map_err(Error::Core)?;
    // Unprefixed parental ratings score in the metadata country: re-score when it changed.
    if let Some(country) = saved["MetadataCountryCode"].as_str() {
        server
            .library()
            .set_rating_country(country)
            .map_err(Error::Core)?;
    }
    no_content()
}

/// `DeviceInfoDto`.
fn device_dto(d: &jellyfin_core::auth::Device) -> Value {
    json_value!({
        "Id": d.device_id,
        "Name": d.device_name,
        "CustomName": d.custom_name,
        "AppName": d.app_name,
        "AppVersion": d.app_version,
        "LastUserId": d.user_id.to_n(),
        "LastUserName": d.user_name,
        "DateLastActivity": crate::dto::item::format_system_time(d.last_activity),
    })
}

/// `GET /Devices`.
pub fn devices(server: &Server, ctx: &Ctx) -> Result<Response<Body>, Error> {
    let for_user = ctx.query.get("userId").and_then(UserId::parse);
    let list = server
        .library()
        .auth()
        .devices(for_user)
        .map_err(core_auth_error)?;
    let items: Vec<Value> = list.iter().map(device_dto).collect();
    let n = items.len();
    json(&QueryResult::new(items, n, 0))
}

fn device_id_param(ctx: &Ctx) -> Result<&str, Error> {
    ctx.query
        .get("id")
        .filter(|id| !id.is_empty())
        .ok_or_else(|| Error::BadRequest("id is required".into()))
}

/// `GET /Devices/Info?id=`: 404 for a device with no login.
pub fn device_info(server: &Server, ctx: &Ctx) -> Result<Response<Body>, Error> {
    let id = device_id_param(ctx)?;
    let list = server
        .library()
        .auth()
        .devices(None)
        .map_err(core_auth_error)?;
    let device = list
        .iter()
        .find(|d| d.device_id == id)
        .ok_or(Error::NotFound)?;
    json(&device_dto(device))
}

/// `GET /Devices/Options?id=`: `DeviceOptionsDto` (no stored custom name: none).
pub fn device_options(server: &Server, ctx: &Ctx) -> Result<Response<Body>, Error> {
    let id = device_id_param(ctx)?;
    let custom = server
        .library()
        .auth()
        .store()
        .read(|c| jellyfin_core::auth::device_custom_name(c, id))
        .map_err(core_auth_error)?;
    let mut dto = json_value!({ "Id": 0, "DeviceId": id });
    if let Some(name) = custom {
        dto["CustomName"] = Value::from(name);
    }
    json(&dto)
}

/// `POST /Devices/Options?id=` (`{CustomName}`): an empty name clears it. The name shows as the
/// device's `CustomName` in `/Devices` and as the `DeviceName` of its sessions.
pub fn update_device_options(server: &Server, ctx: &Ctx) -> Result<Response<Body>, Error> {
    let id = device_id_param(ctx)?;
    let b = body(ctx)?;
    let name = field(&b, "CustomName")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|n| !n.is_empty());
    server
        .library()
        .auth()
        .set_device_custom_name(id, name)
        .map_err(core_auth_error)?;
    no_content()
}

/// `DELETE /Devices?id=`: revokes the device's tokens.
pub fn delete_device(server: &Server, ctx: &Ctx) -> Result<Response<Body>, Error> {
    let id = ctx
        .query
        .get("id")
        .ok_or_else(|| Error::BadRequest("id is required".into()))?;
    server
        .library()
        .auth()
        .delete_device(id)
        .map_err(core_auth_error)?;
    server.sessions().remove_device(id);
    no_content()
}

/// `GET /Auth/Keys`.
pub fn api_keys(server: &Server) -> Result<Response<Body>, Error> {
    let keys = server
        .library()
        .auth()
        .api_keys()
        .map_err(core_auth_error)?;
    let items: Vec<Value> = keys
        .iter()
        .map(|k| {
            json_value!({
                "Id": k.id,
                "AccessToken": k.token,
                "AppName": k.app_name,
                "DateCreated": crate::dto::item::format_system_time(k.created),
                "DateLastActivity": crate::dto::item::format_system_time(k.last_activity),
                "IsActive": true,
                "UserId": "00000000000000000000000000000000",
            })
        })
        .collect();
    let n = items.len();
    json(&QueryResult::new(items, n, 0))
}

/// `POST /Auth/Keys?app=`.
pub fn create_api_key(server: &Server, ctx: &Ctx) -> Result<Response<Body>, Error> {
    let app = ctx
        .query
        .get("app")
        .ok_or_else(|| Error::BadRequest("app is required".into()))?;
    server
        .library()
        .auth()
        .create_api_key(app)
        .map_err(core_auth_error)?;
    no_content()
}

/// `DELETE /Auth/Keys/{key}`.
pub fn revoke_api_key(server: &Server, key: &str) -> Result<Response<Body>, Error> {
    server
        .library()
        .auth()
        .revoke_api_key(key)
        .map_err(core_auth_error)?;
    no_content()
}

/// `GET /Items/Counts`.
pub fn item_counts(server: &Server, ctx: &Ctx) -> Result<Response<Body>, Error> {
    let c = caller(server, ctx, None)?;
    let visible = jellyfin_core::auth::visible_library_ids(&c.user);
    let count = |kind: ItemKind| -> Result<usize, Error> {
        Ok(server
            .library()
            .query(&ItemQuery {
                include_kinds: vec![kind],
                visible_libraries: visible.clone(),
                parental: jellyfin_core::ratings::ParentalControl::for_policy(&c.user.policy),
                limit: Some(0),
                ..ItemQuery::default()
            })
            .map_err(Error::Core)?
            .total_record_count)
    };
    let movies = count(ItemKind::Movie)?;
    let series = count(ItemKind::Series)?;
    let episodes = count(ItemKind::Episode)?;
    let songs = count(ItemKind::Audio)?;
    let albums = count(ItemKind::MusicAlbum)?;
    let artists = count(ItemKind::MusicArtist)?;
    let trailers = count(ItemKind::Trailer)?;
    let music_videos = count(ItemKind::MusicVideo)?;
    let box_sets = count(ItemKind::BoxSet)?;
    let books = count(ItemKind::Book)? + count(ItemKind::AudioBook)?;
    json(&json_value!({
        "MovieCount": movies, "SeriesCount": series, "EpisodeCount": episodes, "ArtistCount": artists,
        "ProgramCount": 0, "TrailerCount": trailers, "SongCount": songs, "AlbumCount": albums,
        "MusicVideoCount": music_videos, "BoxSetCount": box_sets, "BookCount": books,
        "ItemCount": movies + series + episodes + songs + albums + music_videos + box_sets + books,
    }))
}

/// Plugins, packages and repositories: none.
pub fn empty_list(server: &Server, ctx: &Ctx) -> Result<Response<Body>, Error> {
    require_admin(server, ctx)?;
    json(&Vec::<Value>::new())
}
