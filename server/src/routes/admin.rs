//! Administration: libraries (virtual folders) and refresh, the RefreshLibrary task, users
//! CRUD, policy, password and configuration, server configuration, devices, API keys, item
//! counts, and the empty plugin/package lists clients ask for.

use std::path::PathBuf;
use std::sync::Arc;

use hyper::{Response, StatusCode};
use jellyfin_core::auth::UserId;
use jellyfin_core::settings::Settings;
use jellyfin_core::store::{ItemKind, ItemQuery, LibraryKind};
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

/// Scans every library on a background thread (a refresh never blocks the request).
pub fn refresh_in_background(server: &Server) {
    let library: Arc<MediaLibrary> = server.library().clone();
    let metrics = server.metrics().clone();
    std::thread::spawn(move || {
        let Ok(libs) = library.libraries() else {
            return;
        };
        for l in libs {
            let options = crate::metrics::scan_options(&metrics);
            metrics
                .scans_running
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            if let Err(e) = library.scan(&l.name, &options) {
                tracing::warn!(library = %l.name, error = %e, "refresh failed");
            }
            metrics
                .scans_running
                .fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
        }
    });
}

/// `GET /Library/VirtualFolders`.
pub fn virtual_folders(server: &Server) -> Result<Response<Body>, Error> {
    let libs = server.library().libraries().map_err(Error::Core)?;
    let list: Vec<Value> = libs
        .iter()
        .map(|l| {
            json_value!({
                "Name": l.name,
                "Locations": l.folders,
                "CollectionType": l.kind.name(),
                "LibraryOptions": {
                    "Enabled": true,
                    "EnableRealtimeMonitor": true,
                    "PathInfos": l.folders.iter().map(|p| json_value!({"Path": p})).collect::<Vec<_>>(),
                    "TypeOptions": [],
                },
                "ItemId": l.id.to_n(),
                "PrimaryImageItemId": l.id.to_n(),
                "RefreshStatus": "Idle",
            })
        })
        .collect();
    json(&list)
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

const REFRESH_TASK_ID: &str = "7738148ffcd07979c7ceb148e06b3aed";

fn refresh_task() -> Value {
    json_value!({
        "Name": "Scan Media Library",
        "State": "Idle",
        "Id": REFRESH_TASK_ID,
        "Key": "RefreshLibrary",
        "Category": "Library",
        "Description": "Scans your media library for new files and refreshes metadata.",
        "IsHidden": false,
        "Triggers": [{"Type": "IntervalTrigger", "IntervalTicks": 432_000_000_000i64}],
    })
}

/// `GET /ScheduledTasks`: the library scan task (what "Scan All Libraries" starts).
pub fn scheduled_tasks() -> Result<Response<Body>, Error> {
    json(&vec![refresh_task()])
}

/// `GET /ScheduledTasks/{id}`.
pub fn scheduled_task(id: &str) -> Result<Response<Body>, Error> {
    if id.eq_ignore_ascii_case(REFRESH_TASK_ID) {
        json(&refresh_task())
    } else {
        Err(Error::NotFound)
    }
}

/// `POST /ScheduledTasks/Running/{id}`: starts the task.
pub fn start_task(server: &Server, id: &str) -> Result<Response<Body>, Error> {
    if !id.eq_ignore_ascii_case(REFRESH_TASK_ID) {
        return Err(Error::NotFound);
    }
    refresh(server)
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
    server
        .library()
        .auth()
        .delete_user(user_id(id)?)
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
    Settings::new(&server.config().data_dir)
        .save(&b)
        .map_err(Error::Core)?;
    no_content()
}

/// `GET /Devices`.
pub fn devices(server: &Server, ctx: &Ctx) -> Result<Response<Body>, Error> {
    let for_user = ctx.query.get("userId").and_then(UserId::parse);
    let list = server
        .library()
        .auth()
        .devices(for_user)
        .map_err(core_auth_error)?;
    let items: Vec<Value> = list
        .iter()
        .map(|d| {
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
        })
        .collect();
    let n = items.len();
    json(&QueryResult::new(items, n, 0))
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
