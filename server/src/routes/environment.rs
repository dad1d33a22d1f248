//! The directory browser (`/Environment/*`): the library editor's folder picker over the
//! server's file system, as Jellyfin's `EnvironmentController` answers it. The spec gate lets
//! only administrators (or anyone while the startup wizard runs) reach these routes.

use hyper::{Response, StatusCode};
use jellyfin_core::host::{self, BrowseError, FsEntry};
use serde_json::{json, Value};

use super::users::field;
use crate::error::Error;
use crate::http::{empty, json, Body, Ctx, Server};

fn entry_dto(e: &FsEntry) -> Value {
    json!({ "Name": e.name, "Path": e.path, "Type": e.kind.name() })
}

/// `GET /Environment/DefaultDirectoryBrowser`: no default (Jellyfin's `{}`: a null `Path`).
pub fn default_directory_browser() -> Result<Response<Body>, Error> {
    json(&json!({}))
}

/// `GET /Environment/Drives`: `/` and the other mounts holding files.
pub fn drives() -> Result<Response<Body>, Error> {
    json(&host::drives().iter().map(entry_dto).collect::<Vec<_>>())
}

/// `GET /Environment/NetworkShares`: obsolete in Jellyfin, always empty.
pub fn network_shares() -> Result<Response<Body>, Error> {
    json(&Vec::<Value>::new())
}

/// `GET /Environment/DirectoryContents?path=&includeFiles=&includeDirectories=` (both default
/// to false, as in Jellyfin). 400 for a relative path, 404 for a missing directory, 403 for
/// one the server may not read.
pub fn directory_contents(_server: &Server, ctx: &Ctx) -> Result<Response<Body>, Error> {
    let path = ctx
        .query
        .get("path")
        .filter(|p| !p.is_empty())
        .ok_or_else(|| Error::BadRequest("path is required".into()))?;
    let files = ctx.query.bool("includeFiles").unwrap_or(false);
    let dirs = ctx.query.bool("includeDirectories").unwrap_or(false);
    let list = host::directory_contents(path, files, dirs).map_err(|e| match e {
        BrowseError::NotAbsolute(_) => Error::BadRequest(e.to_string()),
        BrowseError::NotFound(_) => Error::NotFound,
        BrowseError::PermissionDenied(_) => Error::Forbidden,
        other => Error::Io(std::io::Error::other(other.to_string())),
    })?;
    json(&list.iter().map(entry_dto).collect::<Vec<_>>())
}

/// `GET /Environment/ParentPath?path=`: the parent as a JSON string, `null` for `/`.
pub fn parent_path(ctx: &Ctx) -> Result<Response<Body>, Error> {
    let path = ctx
        .query
        .get("path")
        .ok_or_else(|| Error::BadRequest("path is required".into()))?;
    json(&host::parent_path(path))
}

/// `POST /Environment/ValidatePath` (`{Path, ValidateWritable, IsFile}`): 204 when the path
/// passes, 404 otherwise.
pub fn validate_path(ctx: &Ctx) -> Result<Response<Body>, Error> {
    let b: Value = serde_json::from_slice(&ctx.body)
        .map_err(|e| Error::BadRequest(format!("invalid JSON body: {e}")))?;
    let path = field(&b, "Path").and_then(Value::as_str).unwrap_or("");
    let writable = field(&b, "ValidateWritable")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let is_file = field(&b, "IsFile").and_then(Value::as_bool);
    if host::validate_path(path, writable, is_file) {
        Ok(empty(StatusCode::NO_CONTENT))
    } else {
        Err(Error::NotFound)
    }
}
