//! Browsing: views, `/Items` with the filters, sorts, paging and `Fields` clients send, item
//! details, seasons and episodes, extras, resume, latest, next up, by-name lists, user data
//! (played, favorites) and playback reporting.

use std::collections::HashMap;

use hyper::{Response, StatusCode};
use jellyfin_core::auth::{visible_library_ids, AuthContext, User};
use jellyfin_core::store::{
    self, IdFilter, IdHash, IdMap, ItemId, ItemKind, ItemQuery, ItemRecord, LibraryKind, MediaType,
    SortBy, SortOrder,
};
use jellyfin_core::userdata::{ResumeQuery, UserItemData};
use serde_json::{json as json_value, Value};

use super::auth::{acting_user, require};
use crate::dto::fragments::{Fragment, FragmentKey};
use crate::dto::item::{
    item_dto, user_data_dto, BaseItemDto, DtoContext, FieldSet, QueryResult, UserDataView,
};
use crate::error::Error;
use crate::http::{empty, json, json_bytes, Body, Ctx, Server};

fn core<E: Into<jellyfin_core::Error>>(e: E) -> Error {
    Error::Core(e.into())
}

/// A parsed item id from a path or query (N or D format); 404 when it is not an id.
pub fn item_id(text: &str) -> Result<ItemId, Error> {
    ItemId::parse(text).ok_or(Error::NotFound)
}

/// The calling user and the request context for item routes.
pub struct Caller {
    /// The authenticated identity.
    pub auth: AuthContext,
    /// The user the request acts for.
    pub user: User,
}

/// Authenticates and resolves the acting user (`userId` in the path or query).
pub fn caller(server: &Server, ctx: &Ctx, path_user: Option<&str>) -> Result<Caller, Error> {
    let auth = require(server, ctx)?;
    let requested = path_user.or_else(|| ctx.query.get("userId"));
    let user = acting_user(server, &auth, requested)?;
    Ok(Caller { auth, user })
}

fn visible(user: &User) -> Option<Vec<ItemId>> {
    visible_library_ids(user)
}

/// The user's parental control (rating limit, unrated kinds blocked), for item queries.
fn parental(user: &User) -> Option<jellyfin_core::ratings::ParentalControl> {
    jellyfin_core::ratings::ParentalControl::for_policy(&user.policy)
}

/// Loads an item the user may see (404 otherwise: a hidden item is not found).
pub fn visible_item(server: &Server, user: &User, id: ItemId) -> Result<ItemRecord, Error> {
    let item = server
        .library()
        .item(id)
        .map_err(core)?
        .ok_or(Error::NotFound)?;
    if let (Some(libs), Some(lib)) = (visible(user), item.library_id) {
        if !libs.contains(&lib) {
            return Err(Error::NotFound);
        }
    }
    // Above the user's parental limit (or unrated and blocked): not found, as in Jellyfin.
    if let Some(control) = parental(user) {
        let allowed = server
            .library()
            .store()
            .read(|c| jellyfin_core::ratings::item_allowed(c, id, item.kind, &control))
            .map_err(core)?;
        if !allowed {
            return Err(Error::NotFound);
        }
    }
    Ok(item)
}

/// Builds DTOs for items with the user's data, counts, ancestors and alternate versions.
pub fn dtos(
    server: &Server,
    user: &User,
    items: &[ItemRecord],
    fields: &FieldSet,
) -> Result<Vec<BaseItemDto>, Error> {
    let with_ids: Vec<&ItemRecord> = items.iter().filter(|i| i.id.is_some()).collect();
    let views = user_views(
        server,
        user,
        &with_ids
            .iter()
            .filter_map(|i| Some((i.id?, counts_children(i))))
            .collect::<Vec<_>>(),
    )?;
    let mut out = dtos_without_user_data(server, user, items, fields)?;
    for (dto, item) in out.iter_mut().zip(with_ids) {
        if let (Some(id), Some(view)) = (item.id, item.id.and_then(|id| views.get(&id))) {
            dto.user_data = Some(user_data_dto(id, item.run_time_ticks, view));
        }
    }
    Ok(out)
}

/// Folders other than libraries: their user data carries their children's played counts.
fn counts_children(item: &ItemRecord) -> bool {
    item.kind.is_some_and(|k| k.is_folder()) && item.kind != Some(ItemKind::CollectionFolder)
}

/// The user's data of items given as (id, [`counts_children`]); every item gets a view.
fn user_views(
    server: &Server,
    user: &User,
    items: &[(ItemId, bool)],
) -> Result<IdMap<UserDataView>, Error> {
    let lib = server.library();
    let ids: Vec<ItemId> = items.iter().map(|(id, _)| *id).collect();
    let data = lib.user_data().get_many(user.id, &ids).map_err(core)?;
    let folders: Vec<ItemId> = items
        .iter()
        .filter(|(_, folder)| *folder)
        .map(|(id, _)| *id)
        .collect();
    let folder_states = if folders.is_empty() {
        IdMap::default()
    } else {
        lib.user_data()
            .folder_play_states(user.id, &folders)
            .map_err(core)?
    };
    Ok(ids
        .iter()
        .map(|id| {
            let mut view = data
                .get(id)
                .map(UserDataView::from)
                .unwrap_or_else(|| UserDataView::from(&UserItemData::new(*id)));
            if let Some(state) = folder_states.get(id) {
                view.unplayed_item_count = Some(state.unplayed);
                view.played = state.played();
                view.played_percentage = state.played_percentage();
            }
            (*id, view)
        })
        .collect())
}

/// DTOs of items (with an id) with counts, ancestors and alternate versions, and a
/// placeholder in `UserData` (the caller sets it, or removes it for a shared fragment).
fn dtos_without_user_data(
    server: &Server,
    user: &User,
    items: &[ItemRecord],
    fields: &FieldSet,
) -> Result<Vec<BaseItemDto>, Error> {
    let lib = server.library();
    let folders: Vec<ItemId> = items
        .iter()
        .filter(|i| counts_children(i))
        .filter_map(|i| i.id)
        .collect();
    let libraries = lib.libraries().map_err(core)?;
    // Counts and versions for the whole page in a few queries, not per item.
    let playable: Vec<ItemId> = items
        .iter()
        .filter(|i| i.kind.is_some_and(|k| !k.is_folder()) && i.primary_version_id.is_none())
        .filter_map(|i| i.id)
        .collect();
    let (extra_counts, alternate_ids, child_counts) = lib
        .store()
        .read(|c| {
            Ok::<_, store::StoreError>((
                store::extra_counts(c, &playable)?,
                store::alternate_versions_of_many(c, &playable)?,
                store::child_counts(c, &folders)?,
            ))
        })
        .map_err(core)?;
    let server_id = server.id();
    let mut loaded: HashMap<ItemId, Option<ItemRecord>> = HashMap::new();
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let Some(id) = item.id else { continue };
        // Ancestors whose names and images are inherited: season and series, album. Episodes
        // of one page share them, so each is loaded once.
        let mut wanted: Vec<ItemId> = [item.season_id, item.series_id]
            .into_iter()
            .flatten()
            .collect();
        if item.kind == Some(ItemKind::Audio) {
            wanted.extend(item.parent_id);
        }
        for a in wanted
            .iter()
            .chain(alternate_ids.get(&id).into_iter().flatten())
        {
            if !loaded.contains_key(a) {
                let record = lib.item(*a).map_err(core)?;
                loaded.insert(*a, record);
            }
        }
        let ancestor_refs: Vec<&ItemRecord> = wanted
            .iter()
            .filter_map(|a| loaded.get(a)?.as_ref())
            .collect();
        let alternates: Vec<ItemRecord> = alternate_ids
            .get(&id)
            .into_iter()
            .flatten()
            .filter_map(|a| loaded.get(a)?.clone())
            .collect();
        let mut ctx = DtoContext::new(&server_id, fields);
        ctx.user_data = Some(UserDataView::default());
        ctx.ancestors = &ancestor_refs;
        ctx.alternates = &alternates;
        if item.kind == Some(ItemKind::CollectionFolder) {
            ctx.library_kind = libraries
                .iter()
                .find(|l| Some(l.id) == item.id)
                .map(|l| l.kind);
        }
        if item.kind.is_some_and(|k| k.is_folder()) {
            ctx.child_count = Some(child_counts.get(&id).copied().unwrap_or(0));
        }
        if item.kind.is_some_and(|k| !k.is_folder()) {
            let (trailers, others) = extra_counts.get(&id).copied().unwrap_or((0, 0));
            ctx.local_trailer_count = Some(trailers);
            ctx.special_feature_count = Some(others);
        }
        ctx.can_download = user.policy.enable_content_downloading;
        ctx.can_delete = false;
        out.push(item_dto(item, &ctx));
    }
    Ok(out)
}

fn kinds(values: Vec<String>) -> Vec<ItemKind> {
    values
        .iter()
        .filter_map(|v| ItemKind::from_name(v))
        .collect()
}

fn sorts(ctx: &Ctx) -> Vec<(SortBy, SortOrder)> {
    let orders: Vec<SortOrder> = ctx
        .query
        .list("sortOrder")
        .iter()
        .map(|o| {
            if o.eq_ignore_ascii_case("descending") {
                SortOrder::Descending
            } else {
                SortOrder::Ascending
            }
        })
        .collect();
    let first = orders.first().copied().unwrap_or_default();
    ctx.query
        .list("sortBy")
        .iter()
        .filter_map(|s| SortBy::from_name(s))
        .enumerate()
        .map(|(i, by)| (by, orders.get(i).copied().unwrap_or(first)))
        .collect()
}

fn id_list(ctx: &Ctx, key: &str) -> Vec<ItemId> {
    ctx.query
        .list(key)
        .iter()
        .filter_map(|s| ItemId::parse(s))
        .collect()
}

/// Names of by-name items given by id (`GenreIds`, `StudioIds`, `PersonIds`).
fn names_of(server: &Server, ids: &[ItemId]) -> Result<Vec<String>, Error> {
    let mut out = Vec::new();
    for id in ids {
        if let Some(r) = server.library().item(*id).map_err(core)? {
            out.push(r.name);
        }
    }
    Ok(out)
}

/// Translates `/Items` query parameters into a core query for `user`.
pub fn item_query(server: &Server, ctx: &Ctx, user: &User) -> Result<ItemQuery, Error> {
    let q = &ctx.query;
    let mut query = ItemQuery {
        parent_id: q.get("parentId").and_then(ItemId::parse),
        recursive: q.bool("recursive").unwrap_or(false),
        include_kinds: kinds(q.list("includeItemTypes")),
        exclude_kinds: kinds(q.list("excludeItemTypes")),
        media_types: q
            .list("mediaTypes")
            .iter()
            .filter_map(|m| MediaType::from_name(m))
            .collect(),
        ids: id_list(ctx, "ids"),
        exclude_ids: id_list(ctx, "excludeItemIds"),
        visible_libraries: visible(user),
        parental: parental(user),
        name_starts_with: q.get("nameStartsWith").map(str::to_owned),
        name_starts_with_or_greater: q.get("nameStartsWithOrGreater").map(str::to_owned),
        name_less_than: q.get("nameLessThan").map(str::to_owned),
        search_term: q.get("searchTerm").map(str::to_owned),
        genres: q.pipe_list("genres"),
        years: q
            .list("years")
            .iter()
            .filter_map(|y| y.parse().ok())
            .collect(),
        studios: q.pipe_list("studios"),
        persons: q.pipe_list("person"),
        tags: q.pipe_list("tags"),
        official_ratings: q.pipe_list("officialRatings"),
        sort: sorts(ctx),
        start_index: q.int("startIndex").unwrap_or(0).max(0) as usize,
        limit: q.int("limit").filter(|l| *l >= 0).map(|l| l as usize),
        ..ItemQuery::default()
    };
    query
        .genres
        .extend(names_of(server, &id_list(ctx, "genreIds"))?);
    query
        .studios
        .extend(names_of(server, &id_list(ctx, "studioIds"))?);
    query
        .persons
        .extend(names_of(server, &id_list(ctx, "personIds"))?);
    let mut filters: Vec<String> = q
        .list("filters")
        .iter()
        .map(|f| f.to_ascii_lowercase())
        .collect();
    if let Some(p) = q.bool("isPlayed") {
        filters.push(if p {
            "isplayed".into()
        } else {
            "isunplayed".into()
        });
    }
    if q.bool("isFavorite") == Some(true) {
        filters.push("isfavorite".into());
    }
    let ud = server.library().user_data();
    for f in filters {
        match f.as_str() {
            "isplayed" => query.played = Some(ud.played_filter(user.id, true).map_err(core)?),
            "isunplayed" => query.played = Some(ud.played_filter(user.id, false).map_err(core)?),
            "isfavorite" => query.favorite = Some(ud.favorite_filter(user.id, true).map_err(core)?),
            "isfolder" => query.is_folder = Some(true),
            "isnotfolder" => query.is_folder = Some(false),
            "isresumable" => {
                let ids = ud
                    .resume(user.id, &ResumeQuery::default())
                    .map_err(core)?
                    .items;
                query.played = Some(IdFilter { ids, include: true });
            }
            _ => {}
        }
    }
    Ok(query)
}

/// Runs `query` for `user` and answers its page as a QueryResult of DTOs.
fn page_response(
    server: &Server,
    ctx: &Ctx,
    user: &User,
    query: &ItemQuery,
) -> Result<Response<Body>, Error> {
    let page = server.library().query_ids(query).map_err(core)?;
    ids_response(server, ctx, user, &page)
}

/// A page of item ids answered as a QueryResult of their DTOs (built by [`dto_array`]).
fn ids_response(
    server: &Server,
    ctx: &Ctx,
    user: &User,
    page: &store::QueryResult<ItemId>,
) -> Result<Response<Body>, Error> {
    let (items, n) = dto_array(server, user, &page.items, &fields_of(ctx))?;
    let total = reported_total(ctx, page.total_record_count, n);
    let mut body = Vec::with_capacity(items.len() + 64);
    body.extend_from_slice(b"{\"Items\":");
    body.extend_from_slice(&items);
    body.extend_from_slice(
        format!(
            ",\"TotalRecordCount\":{total},\"StartIndex\":{}}}",
            page.start_index
        )
        .as_bytes(),
    );
    Ok(json_bytes(body))
}

/// The `TotalRecordCount` to send: Jellyfin sends the page size when the total is not asked
/// for (`enableTotalRecordCount=false`).
fn reported_total(ctx: &Ctx, total: usize, page_len: usize) -> usize {
    if ctx.query.bool("enableTotalRecordCount") == Some(false) {
        page_len
    } else {
        total
    }
}

/// The JSON array of the DTOs of `ids`, in order (items gone meanwhile are skipped), and its
/// length. Each item's part comes from the fragment cache, built in one batch for the items
/// missing there; the user's data is added per request.
pub fn dto_array(
    server: &Server,
    user: &User,
    ids: &[ItemId],
    fields: &FieldSet,
) -> Result<(Vec<u8>, usize), Error> {
    // Read before building: a fragment built from newer data is filed under an older
    // generation, never the reverse (see `dto::fragments`).
    let generation = server.library().store().content_generation();
    let key = |item: ItemId| FragmentKey {
        item,
        fields: fields.bits(),
        can_download: user.policy.enable_content_downloading,
        generation,
    };
    let mut found: IdMap<Fragment> = IdMap::with_capacity_and_hasher(ids.len(), IdHash);
    let mut missing = Vec::new();
    for id in ids {
        match server.fragments().get(&key(*id)) {
            Some(f) => {
                found.insert(*id, f);
            }
            None => missing.push(*id),
        }
    }
    if !missing.is_empty() {
        let items = server.library().items(&missing).map_err(core)?;
        let built = dtos_without_user_data(server, user, &items, fields)?;
        for (item, mut dto) in items.iter().filter(|i| i.id.is_some()).zip(built) {
            let Some(id) = item.id else { continue };
            dto.user_data = None;
            let json = serde_json::to_vec(&dto).map_err(|e| Error::BadRequest(e.to_string()))?;
            let fragment = Fragment {
                json: json.into(),
                is_folder: counts_children(item),
                run_time_ticks: item.run_time_ticks,
            };
            server.fragments().insert(key(id), fragment.clone());
            found.insert(id, fragment);
        }
    }
    let present: Vec<(ItemId, bool)> = ids
        .iter()
        .filter_map(|id| Some((*id, found.get(id)?.is_folder)))
        .collect();
    let views = user_views(server, user, &present)?;
    let mut out = Vec::with_capacity(found.values().map(|f| f.json.len() + 200).sum::<usize>() + 2);
    out.push(b'[');
    for (i, (id, _)) in present.iter().enumerate() {
        let fragment = &found[id];
        if i > 0 {
            out.push(b',');
        }
        let data = views.get(id).map(|v| {
            move |out: &mut Vec<u8>| {
                serde_json::to_writer(out, &user_data_dto(*id, fragment.run_time_ticks, v))
            }
        });
        fragment
            .write_with(&mut out, data)
            .map_err(|e| Error::BadRequest(e.to_string()))?;
    }
    out.push(b']');
    Ok((out, present.len()))
}

fn fields_of(ctx: &Ctx) -> FieldSet {
    FieldSet::parse(ctx.query.list("fields"))
}

fn result(
    items: Vec<BaseItemDto>,
    total: usize,
    start: usize,
    ctx: &Ctx,
) -> Result<Response<Body>, Error> {
    let total = reported_total(ctx, total, items.len());
    json(&QueryResult::new(items, total, start))
}

/// `GET /UserViews`, `/Users/{uid}/Views`: the user's libraries.
pub fn views(server: &Server, ctx: &Ctx, path_user: Option<&str>) -> Result<Response<Body>, Error> {
    let c = caller(server, ctx, path_user)?;
    let libs = server.library().libraries().map_err(core)?;
    let allowed = visible(&c.user);
    let mut items = Vec::new();
    for l in libs {
        if allowed.as_ref().is_some_and(|a| !a.contains(&l.id)) {
            continue;
        }
        if let Some(item) = server.library().item(l.id).map_err(core)? {
            items.push(item);
        }
    }
    let dtos = dtos(server, &c.user, &items, &FieldSet::all())?;
    let n = dtos.len();
    result(dtos, n, 0, ctx)
}

/// `GET /Items`, `/Users/{uid}/Items`.
pub fn items(server: &Server, ctx: &Ctx, path_user: Option<&str>) -> Result<Response<Body>, Error> {
    let c = caller(server, ctx, path_user)?;
    let query = item_query(server, ctx, &c.user)?;
    if query.parent_id.is_none()
        && !query.recursive
        && query.ids.is_empty()
        && query.search_term.is_none()
    {
        // The root's children are the user's views.
        return views(server, ctx, path_user);
    }
    page_response(server, ctx, &c.user, &query)
}

/// What an instant mix starts from: an item id, or a music genre's name.
pub enum MixSeed<'a> {
    /// `/Items/{id}/InstantMix` and the album, artist, song, playlist forms (or `?id=`).
    Item(&'a str),
    /// `/MusicGenres/{name}/InstantMix`.
    MusicGenre(&'a str),
}

/// The instant mix routes: tracks sharing the seed's genres, in random order.
pub fn instant_mix(server: &Server, ctx: &Ctx, seed: MixSeed<'_>) -> Result<Response<Body>, Error> {
    let c = caller(server, ctx, None)?;
    let id = match seed {
        MixSeed::Item(text) => item_id(text)?,
        MixSeed::MusicGenre(name) => store::by_name_id(ItemKind::MusicGenre, name),
    };
    let item = visible_item(server, &c.user, id)?;
    let scope = item_query(server, ctx, &c.user)?;
    let limit = ctx
        .query
        .int("limit")
        .and_then(|l| usize::try_from(l).ok())
        .unwrap_or(200);
    let ids = server
        .library()
        .instant_mix(&item, &scope, limit)
        .map_err(core)?;
    let total = ids.len();
    let page = store::QueryResult {
        items: ids,
        total_record_count: total,
        start_index: 0,
    };
    ids_response(server, ctx, &c.user, &page)
}

/// `GET /Items/{id}/CriticReviews` (deprecated; Jellyfin keeps no reviews): an empty result.
pub fn critic_reviews(server: &Server, ctx: &Ctx, id: &str) -> Result<Response<Body>, Error> {
    let c = caller(server, ctx, None)?;
    visible_item(server, &c.user, item_id(id)?)?;
    json(&QueryResult::<BaseItemDto>::new(Vec::new(), 0, 0))
}

/// `GET /Items/{id}`, `/Users/{uid}/Items/{id}`: the item with all fields.
pub fn item(
    server: &Server,
    ctx: &Ctx,
    path_user: Option<&str>,
    id: &str,
) -> Result<Response<Body>, Error> {
    let c = caller(server, ctx, path_user)?;
    let item = visible_item(server, &c.user, item_id(id)?)?;
    let mut dto = dtos(server, &c.user, &[item], &FieldSet::all())?;
    json(&dto.pop().ok_or(Error::NotFound)?)
}

/// `GET /Items/Root`, `/Users/{uid}/Items/Root`.
pub fn root(server: &Server, ctx: &Ctx, path_user: Option<&str>) -> Result<Response<Body>, Error> {
    let c = caller(server, ctx, path_user)?;
    let id = ItemId::derive(ItemKind::Folder, "/root");
    json(&json_value!({
        "Name": "Media Folders",
        "ServerId": server.id(),
        "Id": id.to_n(),
        "IsFolder": true,
        "Type": "UserRootFolder",
        "MediaType": "Unknown",
        "LocationType": "FileSystem",
        "ImageTags": {},
        "BackdropImageTags": [],
        "ImageBlurHashes": {},
        "UserData": {
            "PlaybackPositionTicks": 0, "PlayCount": 0, "IsFavorite": false, "Played": false,
            "Key": id.to_n(), "ItemId": id.to_n()
        },
        "ChildCount": server.library().libraries().map_err(core)?.iter()
            .filter(|l| visible(&c.user).is_none_or(|v| v.contains(&l.id))).count(),
    }))
}

/// `GET /Shows/{id}/Seasons`.
pub fn seasons(server: &Server, ctx: &Ctx, series: &str) -> Result<Response<Body>, Error> {
    let c = caller(server, ctx, None)?;
    let series = visible_item(server, &c.user, item_id(series)?)?;
    let query = ItemQuery {
        parent_id: series.id,
        include_kinds: vec![ItemKind::Season],
        parental: parental(&c.user),
        sort: vec![(SortBy::IndexNumber, SortOrder::Ascending)],
        ..ItemQuery::default()
    };
    page_response(server, ctx, &c.user, &query)
}

/// `GET /Shows/{id}/Episodes` (`seasonId`/`season`, `startItemId`, paging).
pub fn episodes(server: &Server, ctx: &Ctx, series: &str) -> Result<Response<Body>, Error> {
    let c = caller(server, ctx, None)?;
    let series = visible_item(server, &c.user, item_id(series)?)?;
    let mut query = ItemQuery {
        parent_id: series.id,
        recursive: true,
        include_kinds: vec![ItemKind::Episode],
        parental: parental(&c.user),
        sort: vec![
            (SortBy::ParentIndexNumber, SortOrder::Ascending),
            (SortBy::IndexNumber, SortOrder::Ascending),
        ],
        ..ItemQuery::default()
    };
    if let Some(season) = ctx.query.get("seasonId").and_then(ItemId::parse) {
        query.parent_id = Some(season);
        query.recursive = false;
    }
    let mut items = server.library().query(&query).map_err(core)?.items;
    if let Some(n) = ctx.query.int("season") {
        items.retain(|e| e.parent_index_number == Some(n as i32));
    }
    if let Some(start) = ctx.query.get("startItemId").and_then(ItemId::parse) {
        if let Some(pos) = items.iter().position(|e| e.id == Some(start)) {
            items.drain(..pos);
        }
    }
    let total = items.len();
    let start = ctx.query.int("startIndex").unwrap_or(0).max(0) as usize;
    let limit = ctx
        .query
        .int("limit")
        .map(|l| l.max(0) as usize)
        .unwrap_or(usize::MAX);
    let page: Vec<ItemRecord> = items.into_iter().skip(start).take(limit).collect();
    let dtos = dtos(server, &c.user, &page, &fields_of(ctx))?;
    result(dtos, total, start, ctx)
}

fn extras(
    server: &Server,
    ctx: &Ctx,
    path_user: Option<&str>,
    id: &str,
    trailers: bool,
) -> Result<Response<Body>, Error> {
    let c = caller(server, ctx, path_user)?;
    let item = visible_item(server, &c.user, item_id(id)?)?;
    let Some(owner) = item.id else {
        return Err(Error::NotFound);
    };
    let ids = server
        .library()
        .store()
        .read(|conn| store::extras_of(conn, owner))
        .map_err(core)?;
    let mut items = Vec::new();
    for e in ids {
        if let Some(r) = server.library().item(e).map_err(core)? {
            let is_trailer = r.extra_type.as_deref() == Some("Trailer");
            if is_trailer == trailers {
                items.push(r);
            }
        }
    }
    json(&dtos(server, &c.user, &items, &fields_of(ctx))?)
}

/// `GET /Items/{id}/SpecialFeatures` (bare array).
pub fn special_features(
    server: &Server,
    ctx: &Ctx,
    path_user: Option<&str>,
    id: &str,
) -> Result<Response<Body>, Error> {
    extras(server, ctx, path_user, id, false)
}

/// `GET /Items/{id}/LocalTrailers` (bare array).
pub fn local_trailers(
    server: &Server,
    ctx: &Ctx,
    path_user: Option<&str>,
    id: &str,
) -> Result<Response<Body>, Error> {
    extras(server, ctx, path_user, id, true)
}

/// `GET /Items/{id}/Intros`: no intros (cinema mode answers fast).
pub fn intros(server: &Server, ctx: &Ctx) -> Result<Response<Body>, Error> {
    require(server, ctx)?;
    json(&QueryResult::<Value>::new(Vec::new(), 0, 0))
}

/// `GET /Items/{id}/ThemeMedia`: empty results.
pub fn theme_media(server: &Server, ctx: &Ctx, id: &str) -> Result<Response<Body>, Error> {
    require(server, ctx)?;
    let owner = item_id(id)?.to_n();
    let empty =
        json_value!({"Items": [], "TotalRecordCount": 0, "StartIndex": 0, "OwnerId": owner});
    json(&json_value!({
        "ThemeVideosResult": empty,
        "ThemeSongsResult": empty,
        "SoundtrackSongsResult": empty,
    }))
}

/// `GET /MediaSegments/{id}`: none.
pub fn media_segments(server: &Server, ctx: &Ctx) -> Result<Response<Body>, Error> {
    require(server, ctx)?;
    json(&QueryResult::<Value>::new(Vec::new(), 0, 0))
}

/// `GET /Items/{id}/Similar`: same kind sharing a genre.
pub fn similar(server: &Server, ctx: &Ctx, id: &str) -> Result<Response<Body>, Error> {
    let c = caller(server, ctx, None)?;
    let item = visible_item(server, &c.user, item_id(id)?)?;
    if item.genres.is_empty() {
        return result(Vec::new(), 0, 0, ctx);
    }
    let query = ItemQuery {
        include_kinds: item.kind.into_iter().collect(),
        genres: item.genres.clone(),
        exclude_ids: item.id.into_iter().collect(),
        visible_libraries: visible(&c.user),
        parental: parental(&c.user),
        sort: vec![(SortBy::CommunityRating, SortOrder::Descending)],
        limit: Some(ctx.query.int("limit").unwrap_or(12).clamp(0, 100) as usize),
        ..ItemQuery::default()
    };
    page_response(server, ctx, &c.user, &query)
}

/// `GET /UserItems/Resume`, `/Users/{uid}/Items/Resume`.
pub fn resume(
    server: &Server,
    ctx: &Ctx,
    path_user: Option<&str>,
) -> Result<Response<Body>, Error> {
    let c = caller(server, ctx, path_user)?;
    let q = ResumeQuery {
        media_types: ctx
            .query
            .list("mediaTypes")
            .iter()
            .filter_map(|m| MediaType::from_name(m))
            .collect(),
        include_kinds: kinds(ctx.query.list("includeItemTypes")),
        exclude_kinds: kinds(ctx.query.list("excludeItemTypes")),
        parent_id: ctx.query.get("parentId").and_then(ItemId::parse),
        start_index: ctx.query.int("startIndex").unwrap_or(0).max(0) as usize,
        limit: ctx
            .query
            .int("limit")
            .filter(|l| *l >= 0)
            .map(|l| l as usize),
    };
    let page = server
        .library()
        .user_data()
        .resume(c.user.id, &q)
        .map_err(core)?;
    let mut items = Vec::new();
    for id in &page.items {
        if let Ok(item) = visible_item(server, &c.user, *id) {
            items.push(item);
        }
    }
    let dtos = dtos(server, &c.user, &items, &fields_of(ctx))?;
    result(dtos, page.total_record_count, page.start_index, ctx)
}

/// `GET /Items/Latest`, `/Users/{uid}/Items/Latest` (bare array; episodes grouped by series).
pub fn latest(
    server: &Server,
    ctx: &Ctx,
    path_user: Option<&str>,
) -> Result<Response<Body>, Error> {
    let c = caller(server, ctx, path_user)?;
    let limit = ctx.query.int("limit").unwrap_or(16).clamp(0, 100) as usize;
    let mut kinds = kinds(ctx.query.list("includeItemTypes"));
    if kinds.is_empty() {
        kinds = vec![
            ItemKind::Movie,
            ItemKind::Episode,
            ItemKind::Audio,
            ItemKind::Video,
            ItemKind::MusicVideo,
            ItemKind::Book,
            ItemKind::AudioBook,
        ];
    }
    let mut query = ItemQuery {
        parent_id: ctx.query.get("parentId").and_then(ItemId::parse),
        recursive: true,
        include_kinds: kinds,
        visible_libraries: visible(&c.user),
        parental: parental(&c.user),
        sort: vec![(SortBy::DateCreated, SortOrder::Descending)],
        limit: Some(limit * 8),
        ..ItemQuery::default()
    };
    if ctx.query.bool("isPlayed") == Some(false) {
        query.played = Some(
            server
                .library()
                .user_data()
                .played_filter(c.user.id, false)
                .map_err(core)?,
        );
    }
    let page = server.library().query(&query).map_err(core)?;
    // Group episodes under their series and tracks under their album, as Jellyfin does.
    let group = ctx.query.bool("groupItems").unwrap_or(true);
    let mut seen = std::collections::HashSet::new();
    let mut out: Vec<ItemRecord> = Vec::new();
    for item in page.items {
        let key = match (group, item.kind) {
            (true, Some(ItemKind::Episode)) => item.series_id,
            (true, Some(ItemKind::Audio)) => item.parent_id,
            _ => item.id,
        };
        let Some(key) = key else { continue };
        if !seen.insert(key) {
            continue;
        }
        if Some(key) != item.id {
            if let Some(parent) = server.library().item(key).map_err(core)? {
                out.push(parent);
            }
        } else {
            out.push(item);
        }
        if out.len() >= limit {
            break;
        }
    }
    json(&dtos(server, &c.user, &out, &fields_of(ctx))?)
}

/// `GET /Shows/NextUp`.
pub fn next_up(server: &Server, ctx: &Ctx) -> Result<Response<Body>, Error> {
    let c = caller(server, ctx, None)?;
    let series = ctx.query.get("seriesId").and_then(ItemId::parse);
    let next = server
        .library()
        .user_data()
        .next_up(c.user.id, series)
        .map_err(core)?;
    let mut items = Vec::new();
    for n in next {
        if let Ok(item) = visible_item(server, &c.user, n.episode_id) {
            items.push(item);
        }
    }
    let start = ctx.query.int("startIndex").unwrap_or(0).max(0) as usize;
    let limit = ctx
        .query
        .int("limit")
        .map(|l| l.max(0) as usize)
        .unwrap_or(usize::MAX);
    let total = items.len();
    let page: Vec<ItemRecord> = items.into_iter().skip(start).take(limit).collect();
    let dtos = dtos(server, &c.user, &page, &fields_of(ctx))?;
    result(dtos, total, start, ctx)
}

/// `GET /Genres`, `/Studios`, `/Persons`, `/Artists`, `/Artists/AlbumArtists`, `/MusicGenres`:
/// by-name items linked to the visible items matching the query.
pub fn by_name(server: &Server, ctx: &Ctx, kind: ItemKind) -> Result<Response<Body>, Error> {
    let c = caller(server, ctx, None)?;
    let mut query = ItemQuery {
        include_kinds: vec![kind],
        name_starts_with: ctx.query.get("nameStartsWith").map(str::to_owned),
        search_term: ctx.query.get("searchTerm").map(str::to_owned),
        sort: vec![(SortBy::SortName, SortOrder::Ascending)],
        start_index: ctx.query.int("startIndex").unwrap_or(0).max(0) as usize,
        limit: ctx
            .query
            .int("limit")
            .filter(|l| *l >= 0)
            .map(|l| l as usize),
        ..ItemQuery::default()
    };
    // Only names used by items under the requested parent (or anywhere visible).
    let used = server
        .library()
        .query(&ItemQuery {
            parent_id: ctx.query.get("parentId").and_then(ItemId::parse),
            recursive: true,
            include_kinds: kinds(ctx.query.list("includeItemTypes")),
            visible_libraries: visible(&c.user),
            parental: parental(&c.user),
            ..ItemQuery::default()
        })
        .map_err(core)?;
    let mut names: Vec<ItemId> = Vec::new();
    for item in &used.items {
        let values: Vec<&String> = match kind {
            ItemKind::Genre | ItemKind::MusicGenre => item.genres.iter().collect(),
            ItemKind::Studio => item.studios.iter().collect(),
            ItemKind::Person => item.people.iter().map(|p| &p.name).collect(),
            ItemKind::MusicArtist => item.artists.iter().chain(&item.album_artists).collect(),
            _ => Vec::new(),
        };
        for v in values {
            names.push(store::by_name_id(kind, v));
        }
    }
    names.sort();
    names.dedup();
    query.ids = names;
    if query.ids.is_empty() {
        return result(Vec::new(), 0, query.start_index, ctx);
    }
    page_response(server, ctx, &c.user, &query)
}

/// `GET /Genres/{name}`, `/Persons/{name}`, `/Studios/{name}`, `/Artists/{name}`.
pub fn by_name_item(
    server: &Server,
    ctx: &Ctx,
    kind: ItemKind,
    name: &str,
) -> Result<Response<Body>, Error> {
    let c = caller(server, ctx, None)?;
    let id = store::by_name_id(kind, name);
    let item = server
        .library()
        .item(id)
        .map_err(core)?
        .ok_or(Error::NotFound)?;
    let mut dto = dtos(server, &c.user, &[item], &FieldSet::all())?;
    json(&dto.pop().ok_or(Error::NotFound)?)
}

fn playback_body(ctx: &Ctx) -> Result<Value, Error> {
    if ctx.body.is_empty() {
        return Ok(Value::Object(Default::default()));
    }
    serde_json::from_slice(&ctx.body)
        .map_err(|e| Error::BadRequest(format!("invalid JSON body: {e}")))
}

fn number(v: &Value, key: &str) -> Option<i64> {
    let f = super::users::field(v, key)?;
    f.as_i64()
        .or_else(|| f.as_str().and_then(|s| s.parse().ok()))
}

/// `POST /Sessions/Playing`, `/Sessions/Playing/Progress`, `/Sessions/Playing/Stopped` (and the
/// legacy per-user routes, where the item id is in the path).
pub fn playback_report(
    server: &Server,
    ctx: &Ctx,
    stage: PlaybackStage,
    path_item: Option<&str>,
) -> Result<Response<Body>, Error> {
    let c = caller(server, ctx, None)?;
    let body = playback_body(ctx)?;
    if stage == PlaybackStage::Stopped {
        // Stopping playback ends the session's transcode (and deletes its segments).
        super::hls::stop_for_report(server, &body);
    }
    let id_text = path_item
        .map(str::to_owned)
        .or_else(|| {
            super::users::field(&body, "ItemId")
                .and_then(Value::as_str)
                .map(str::to_owned)
        })
        .or_else(|| ctx.query.get("itemId").map(str::to_owned));
    let Some(id_text) = id_text else {
        return Ok(empty(StatusCode::NO_CONTENT));
    };
    let item = visible_item(server, &c.user, item_id(&id_text)?)?;
    let id = item.id.ok_or(Error::NotFound)?;
    let position = number(&body, "PositionTicks").or_else(|| ctx.query.int("positionTicks"));
    if position.is_some_and(|p| p < 0) {
        return Err(Error::BadRequest("negative PositionTicks".into()));
    }
    let ud = server.library().user_data();
    let sessions = server.sessions();
    if let Some(session) = sessions.touch(&c.auth) {
        match stage {
            PlaybackStage::Start => {
                if let Some(r) = crate::ws::playback_report_from_json(&body, Some(id)) {
                    sessions.playback_started(&session.id, r);
                }
            }
            PlaybackStage::Progress => {
                if let Some(r) = crate::ws::playback_report_from_json(&body, Some(id)) {
                    sessions.playback_progress(&session.id, r);
                }
            }
            PlaybackStage::Stopped => {
                sessions.playback_stopped(&session.id, id);
            }
        }
    }
    match stage {
        PlaybackStage::Start => {
            ud.playback_start(c.user.id, id).map_err(core)?;
        }
        PlaybackStage::Progress => {
            if let Some(p) = position {
                ud.playback_progress(c.user.id, id, Some(p), None)
                    .map_err(core)?;
            }
        }
        PlaybackStage::Stopped => {
            let failed = super::users::field(&body, "Failed")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            let (data, _) = ud
                .playback_stopped(c.user.id, id, position, failed)
                .map_err(core)?;
            super::user_items::respond(server, &c.user, id, item.run_time_ticks, &data, true)?;
        }
    }
    Ok(empty(StatusCode::NO_CONTENT))
}

/// Which playback report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlaybackStage {
    /// Playback started.
    Start,
    /// Progress (position) update.
    Progress,
    /// Playback stopped.
    Stopped,
}

/// Whether a library kind's items are videos (for views' collection types).
pub fn is_video_library(kind: LibraryKind) -> bool {
    !matches!(kind, LibraryKind::Music | LibraryKind::Books)
}

/// `GET /Items/Filters` (legacy) and `/Items/Filters2`: the genres, tags, official ratings and
/// years of the items the query selects.
pub fn filters(server: &Server, ctx: &Ctx, v2: bool) -> Result<Response<Body>, Error> {
    let c = caller(server, ctx, None)?;
    let mut query = item_query(server, ctx, &c.user)?;
    if query.parent_id.is_some() {
        query.recursive = true;
    }
    query.start_index = 0;
    query.limit = None;
    let mut genres = std::collections::BTreeSet::new();
    let mut tags = std::collections::BTreeSet::new();
    let mut ratings = std::collections::BTreeSet::new();
    let mut years = std::collections::BTreeSet::new();
    if let Some(facets) = server.library().item_facets(&query).map_err(core)? {
        // From the search index: no item is read.
        let values = |v: &[jellyfin_core::search::FacetCount]| -> Vec<String> {
            v.iter().map(|f| f.value.clone()).collect()
        };
        genres.extend(values(&facets.genres));
        tags.extend(values(&facets.tags));
        ratings.extend(values(&facets.official_ratings));
        years.extend(
            facets
                .years
                .iter()
                .filter_map(|y| y.value.parse::<i32>().ok()),
        );
    } else {
        for item in &server.library().query(&query).map_err(core)?.items {
            genres.extend(item.genres.iter().cloned());
            tags.extend(item.tags.iter().cloned());
            ratings.extend(item.official_rating.iter().cloned());
            years.extend(item.production_year);
        }
    }
    if v2 {
        let kind = if query
            .include_kinds
            .iter()
            .any(|k| matches!(k, ItemKind::Audio | ItemKind::MusicAlbum))
        {
            ItemKind::MusicGenre
        } else {
            ItemKind::Genre
        };
        json(&json_value!({
            "Genres": genres.iter().map(|g| json_value!({"Name": g, "Id": store::by_name_id(kind, g).to_n()})).collect::<Vec<_>>(),
            "Tags": tags,
        }))
    } else {
        json(&json_value!({
            "Genres": genres,
            "Tags": tags,
            "OfficialRatings": ratings,
            "Years": years,
        }))
    }
}
