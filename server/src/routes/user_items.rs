//! A user's own item data and suggestions (SURFACE.md §4.2, §6): likes
//! (`POST`/`DELETE /UserItems/{id}/Rating`, legacy `/Users/{uid}/Items/{id}/Rating`), user data
//! (`GET`/`POST /UserItems/{id}/UserData`, legacy `/Users/{uid}/Items/{id}/UserData`, a partial
//! `UpdateUserItemDataDto`), and suggestions (`GET /Items/Suggestions`, legacy
//! `/Users/{uid}/Suggestions`). Changes are pushed to the user's sockets as `UserDataChanged`.
//! Another user's id needs administrator rights (403); an item the user may not see is 404.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hyper::Response;
use jellyfin_core::auth::User;
use jellyfin_core::auth::UserId;
use jellyfin_core::store::{ItemId, ItemKind, MediaType};
use jellyfin_core::userdata::{SuggestionQuery, UserData, UserDataUpdate, UserItemData};
use serde_json::{json as json_value, Value};

use super::items::{caller, dtos, item_id, visible_item};
use super::users::field;
use crate::dto::item::{user_data_dto, FieldSet, QueryResult, UserDataView};
use crate::error::Error;
use crate::http::{json, Body, Ctx, Server};

fn core<E: Into<jellyfin_core::Error>>(e: E) -> Error {
    match e.into() {
        jellyfin_core::Error::UserData(
            jellyfin_core::userdata::UserDataError::NegativePosition(p),
        ) => Error::BadRequest(format!("negative playback position {p}")),
        other => Error::Core(other),
    }
}

/// The `UserItemDataDto` of `data`, pushed to the user's sockets as `UserDataChanged` when
/// `changed`.
pub(crate) fn respond(
    server: &Server,
    user: &User,
    id: ItemId,
    run_time_ticks: Option<i64>,
    data: &UserItemData,
    changed: bool,
) -> Result<Response<Body>, Error> {
    let dto = user_data_dto(id, run_time_ticks, &UserDataView::from(data));
    if changed {
        server.sessions().broadcast_to_user(
            user.id,
            jellyfin_core::sessions::OutboundMessage::new(
                "UserDataChanged",
                json_value!({ "UserId": user.id.to_n(), "UserDataList": [&dto] }),
            ),
        );
    }
    json(&dto)
}

/// The caller's data of the item `id` (visible to them) changed by `change`, answered as its
/// `UserItemDataDto` and pushed to the user's sockets as `UserDataChanged` when `push`.
fn change<E: Into<jellyfin_core::Error>>(
    server: &Server,
    ctx: &Ctx,
    path_user: Option<&str>,
    id: &str,
    push: bool,
    change: impl FnOnce(&UserData<'_>, UserId, ItemId) -> Result<UserItemData, E>,
) -> Result<Response<Body>, Error> {
    let c = caller(server, ctx, path_user)?;
    let item = visible_item(server, &c.user, item_id(id)?)?;
    let id = item.id.ok_or(Error::NotFound)?;
    let data = change(&server.library().user_data(), c.user.id, id).map_err(core)?;
    respond(server, &c.user, id, item.run_time_ticks, &data, push)
}

/// `POST`/`DELETE /UserPlayedItems/{id}` and the legacy `/Users/{uid}/PlayedItems/{id}`.
pub fn set_played(
    server: &Server,
    ctx: &Ctx,
    path_user: Option<&str>,
    id: &str,
    played: bool,
) -> Result<Response<Body>, Error> {
    change(server, ctx, path_user, id, true, |ud, user, item| {
        if played {
            ud.mark_played(user, item, Some(SystemTime::now()))
        } else {
            ud.mark_unplayed(user, item)
        }
    })
}

/// `POST`/`DELETE /UserFavoriteItems/{id}` and the legacy `/Users/{uid}/FavoriteItems/{id}`.
pub fn set_favorite(
    server: &Server,
    ctx: &Ctx,
    path_user: Option<&str>,
    id: &str,
    favorite: bool,
) -> Result<Response<Body>, Error> {
    change(server, ctx, path_user, id, true, |ud, user, item| {
        ud.set_favorite(user, item, favorite)
    })
}

/// `POST /UserItems/{id}/Rating?likes=` (and `DELETE`, which clears likes), legacy
/// `/Users/{uid}/Items/{id}/Rating`.
pub fn set_likes(
    server: &Server,
    ctx: &Ctx,
    path_user: Option<&str>,
    id: &str,
    clear: bool,
) -> Result<Response<Body>, Error> {
    // Jellyfin's `likes` is a nullable bool: absent (or unparsable) clears it, as DELETE does.
    let likes = if clear { None } else { ctx.query.bool("likes") };
    change(server, ctx, path_user, id, true, |ud, user, item| {
        ud.set_likes(user, item, likes)
    })
}

/// `GET /UserItems/{id}/UserData`, legacy `/Users/{uid}/Items/{id}/UserData`.
pub fn user_data(
    server: &Server,
    ctx: &Ctx,
    path_user: Option<&str>,
    id: &str,
) -> Result<Response<Body>, Error> {
    change(server, ctx, path_user, id, false, |ud, user, item| {
        ud.get(user, item)
    })
}

/// `POST /UserItems/{id}/UserData`, legacy `/Users/{uid}/Items/{id}/UserData`: a partial
/// `UpdateUserItemDataDto` (fields absent or null keep their value).
pub fn update_user_data(
    server: &Server,
    ctx: &Ctx,
    path_user: Option<&str>,
    id: &str,
) -> Result<Response<Body>, Error> {
    let body: Value = if ctx.body.is_empty() {
        Value::Object(Default::default())
    } else {
        serde_json::from_slice(&ctx.body)
            .map_err(|e| Error::BadRequest(format!("invalid JSON body: {e}")))?
    };
    if !body.is_object() {
        return Err(Error::BadRequest(
            "the body must be an UpdateUserItemDataDto object".into(),
        ));
    }
    let update = parse_update(&body)?;
    change(server, ctx, path_user, id, true, |ud, user, item| {
        ud.update(user, item, &update)
    })
}

/// A present, non-null field.
fn present<'a>(body: &'a Value, key: &str) -> Option<&'a Value> {
    field(body, key).filter(|v| !v.is_null())
}

fn bad(key: &str) -> Error {
    Error::BadRequest(format!("invalid value for {key}"))
}

fn bool_field(body: &Value, key: &str) -> Result<Option<bool>, Error> {
    present(body, key)
        .map(|v| match v {
            Value::Bool(b) => Ok(*b),
            Value::String(s) if s.eq_ignore_ascii_case("true") => Ok(true),
            Value::String(s) if s.eq_ignore_ascii_case("false") => Ok(false),
            _ => Err(bad(key)),
        })
        .transpose()
}

fn int_field(body: &Value, key: &str) -> Result<Option<i64>, Error> {
    present(body, key)
        .map(|v| {
            v.as_i64()
                .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
                .ok_or_else(|| bad(key))
        })
        .transpose()
}

/// The update a posted `UpdateUserItemDataDto` asks for.
pub fn parse_update(body: &Value) -> Result<UserDataUpdate, Error> {
    let rating = present(body, "Rating")
        .map(|v| {
            v.as_f64()
                .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
                .ok_or_else(|| bad("Rating"))
        })
        .transpose()?;
    let play_count = int_field(body, "PlayCount")?
        .map(|n| i32::try_from(n).map_err(|_| bad("PlayCount")))
        .transpose()?;
    let last_played = present(body, "LastPlayedDate")
        .map(|v| {
            v.as_str()
                .and_then(parse_date)
                .ok_or_else(|| bad("LastPlayedDate"))
        })
        .transpose()?;
    Ok(UserDataUpdate {
        played: bool_field(body, "Played")?,
        play_count,
        playback_position_ticks: int_field(body, "PlaybackPositionTicks")?,
        is_favorite: bool_field(body, "IsFavorite")?,
        likes: bool_field(body, "Likes")?,
        rating,
        last_played,
    })
}

/// An ISO 8601 date-time (`2024-05-01T12:34:56.1234567Z`, an offset, or none for UTC; a date
/// alone is midnight UTC) or `yyyyMMddHHmmss`.
pub fn parse_date(text: &str) -> Option<SystemTime> {
    let t = text.trim();
    let digits = |s: &str| -> Option<i64> {
        (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    let (date, time) = if t.len() == 14 && t.bytes().all(|b| b.is_ascii_digit()) {
        let f = |r: std::ops::Range<usize>| digits(&t[r]);
        (
            (f(0..4)?, f(4..6)?, f(6..8)?),
            (f(8..10)?, f(10..12)?, f(12..14)?, 0, 0),
        )
    } else {
        let (d, rest) = t.split_at(t.find(['T', 't', ' ']).unwrap_or(t.len()));
        let mut parts = d.split('-');
        let date = (
            digits(parts.next()?)?,
            digits(parts.next()?)?,
            digits(parts.next()?)?,
        );
        if parts.next().is_some() {
            return None;
        }
        let rest = rest.get(1..).unwrap_or("");
        if rest.is_empty() {
            (date, (0, 0, 0, 0, 0))
        } else {
            let (clock, offset) = match rest.find(['Z', 'z', '+', '-']) {
                Some(i) => rest.split_at(i),
                None => (rest, ""),
            };
            let offset_secs = match offset {
                "" | "Z" | "z" => 0,
                o => {
                    let sign = if o.starts_with('-') { -1 } else { 1 };
                    let hm = o[1..].replace(':', "");
                    if hm.len() != 4 {
                        return None;
                    }
                    sign * (digits(&hm[..2])? * 3600 + digits(&hm[2..])? * 60)
                }
            };
            let (hms, fraction) = clock.split_once('.').unwrap_or((clock, ""));
            let mut p = hms.split(':');
            let (h, m) = (digits(p.next()?)?, digits(p.next()?)?);
            let s = p.next().map(digits).unwrap_or(Some(0))?;
            if p.next().is_some() || (!fraction.is_empty() && digits(fraction).is_none()) {
                return None;
            }
            let nanos: i64 = format!("{fraction:0<9}")[..9].parse().ok()?;
            (date, (h, m, s, nanos, offset_secs))
        }
    };
    let ((y, mo, d), (h, mi, s, nanos, offset)) = (date, time);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || s > 60 {
        return None;
    }
    // Days since 1970-01-01 (proleptic Gregorian), Howard Hinnant's algorithm.
    let y = if mo <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (mo + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = days * 86_400 + h * 3600 + mi * 60 + s - offset;
    let secs = u64::try_from(secs).ok()?;
    Some(UNIX_EPOCH + Duration::from_secs(secs) + Duration::from_nanos(nanos as u64))
}

/// `GET /Items/Suggestions`, legacy `/Users/{uid}/Suggestions`: random unplayed items the user
/// may see (`type`, `mediaType`, `startIndex`, `limit`), as a QueryResult of `BaseItemDto`.
pub fn suggestions(
    server: &Server,
    ctx: &Ctx,
    path_user: Option<&str>,
) -> Result<Response<Body>, Error> {
    let c = caller(server, ctx, path_user)?;
    let q = &ctx.query;
    // Unknown type names are dropped, as Jellyfin's binder does.
    let query = SuggestionQuery {
        kinds: q
            .list("type")
            .iter()
            .filter_map(|k| ItemKind::from_name(k))
            .collect(),
        media_types: q
            .list("mediaType")
            .iter()
            .filter_map(|m| MediaType::from_name(m))
            .collect(),
        start_index: q.int("startIndex").unwrap_or(0).max(0) as usize,
        limit: q.int("limit").filter(|l| *l >= 0).map(|l| l as usize),
    };
    let page = server
        .library()
        .user_data()
        .suggestions(&c.user, &query)
        .map_err(core)?;
    let fields = FieldSet::parse(q.list("fields"));
    let items = dtos(server, &c.user, &page.items, &fields)?;
    // Jellyfin's default is `enableTotalRecordCount=false`: the total is then the page size.
    let total = if q.bool("enableTotalRecordCount") == Some(true) {
        page.total_record_count
    } else {
        items.len()
    };
    json(&QueryResult::new(items, total, page.start_index))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_parse_in_the_forms_clients_send() {
        let at = |secs: u64, nanos: u64| {
            Some(UNIX_EPOCH + Duration::from_secs(secs) + Duration::from_nanos(nanos))
        };
        for (text, want) in [
            ("2024-05-01T12:34:56.0000000Z", at(1_714_566_896, 0)),
            (
                "2024-05-01T12:34:56.1234567Z",
                at(1_714_566_896, 123_456_700),
            ),
            ("2024-05-01T12:34:56Z", at(1_714_566_896, 0)),
            ("2024-05-01T12:34:56", at(1_714_566_896, 0)),
            ("2024-05-01T14:34:56+02:00", at(1_714_566_896, 0)),
            ("2024-05-01T10:34:56-0200", at(1_714_566_896, 0)),
            ("2024-05-01T12:34Z", at(1_714_566_840, 0)),
            ("2024-05-01", at(1_714_521_600, 0)),
            ("20240501123456", at(1_714_566_896, 0)),
            ("1970-01-01T00:00:00Z", at(0, 0)),
            ("2000-02-29T00:00:00Z", at(951_782_400, 0)),
            ("not a date", None),
            ("2024-13-01T00:00:00Z", None),
            ("2024-05-01T25:00:00Z", None),
            ("2024-05-01T12:34:56+2", None),
            ("1969-12-31T23:59:59Z", None),
            ("", None),
        ] {
            assert_eq!(parse_date(text), want, "{text:?}");
        }
    }

    #[test]
    fn updates_change_only_present_fields() {
        let none = parse_update(&json_value!({})).unwrap();
        assert_eq!(none, UserDataUpdate::default());
        let nulls = parse_update(&json_value!({"Played": null, "Likes": null})).unwrap();
        assert_eq!(nulls, UserDataUpdate::default());
        let some = parse_update(&json_value!({
            "played": true, "PlayCount": "3", "PlaybackPositionTicks": 600000000,
            "IsFavorite": false, "Likes": "true", "Rating": 7.5,
            "LastPlayedDate": "2024-05-01T12:34:56.0000000Z", "Key": "ignored"
        }))
        .unwrap();
        assert_eq!(some.played, Some(true));
        assert_eq!(some.play_count, Some(3));
        assert_eq!(some.playback_position_ticks, Some(600_000_000));
        assert_eq!(some.is_favorite, Some(false));
        assert_eq!(some.likes, Some(true));
        assert_eq!(some.rating, Some(7.5));
        assert_eq!(
            some.last_played,
            Some(UNIX_EPOCH + Duration::from_secs(1_714_566_896))
        );
        for bad in [
            json_value!({"Played": 3}),
            json_value!({"PlayCount": "x"}),
            json_value!({"PlayCount": 1e12}),
            json_value!({"LastPlayedDate": "yesterday"}),
            json_value!({"Rating": [1]}),
        ] {
            assert!(parse_update(&bad).is_err(), "{bad}");
        }
    }
}
