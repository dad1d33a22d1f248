//! Per-user item data: played state, play count, resume position, favorite, likes, rating, last
//! played date and remembered stream choices, one row per (user, item), plus the rules Jellyfin
//! applies to playback reports (`UserDataManager.UpdatePlayState`, `SessionManager`'s
//! start/progress/stopped handlers, `BaseItem.MarkPlayed`/`MarkUnplayed`) and the lists built
//! from the data: resume, played and favorite ids, unplayed counts of folders, next up.
//!
//! A missing row means the defaults (unplayed, position 0, not favorite). Rows go away with
//! their user or item (foreign keys). Reads take a `&Connection`, writes a `&Transaction`;
//! [`UserData`] wraps them over a [`Store`].

mod rules;
mod suggestions;

#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::time::SystemTime;

use rusqlite::types::Value as SqlValue;
use rusqlite::{params, params_from_iter, Connection, OptionalExtension, Row, Transaction};

use crate::auth::{from_ms, to_ms, user_exists, UserId};
use crate::store::{
    IdFilter, IdHash, IdMap, ItemId, ItemKind, MediaType, QueryResult, Store, StoreError,
};

pub use rules::{apply_play_state, PlayClass, PlayableItem, ResumeRules, TICKS_PER_SECOND};
pub use suggestions::{suggestion_query, suggestions, SuggestionQuery};

/// Errors of user data operations.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum UserDataError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// No item has this id.
    #[error("no item {0}")]
    UnknownItem(ItemId),
    /// No user has this id.
    #[error("no user {0}")]
    UnknownUser(UserId),
    /// A playback report with a negative position (Jellyfin answers 400).
    #[error("negative playback position {0}")]
    NegativePosition(i64),
}

impl From<rusqlite::Error> for UserDataError {
    fn from(e: rusqlite::Error) -> Self {
        UserDataError::Store(StoreError::Sqlite(e))
    }
}

/// A `Result` with [`UserDataError`].
pub type UserDataResult<T> = Result<T, UserDataError>;

/// What one user did with one item.
#[derive(Debug, Clone, PartialEq)]
pub struct UserItemData {
    /// The item.
    pub item_id: ItemId,
    /// Watched / read / listened to.
    pub played: bool,
    /// How many times playback started (or the item was marked played).
    pub play_count: i32,
    /// Where to resume, in 100 ns ticks; 0 when not in progress.
    pub playback_position_ticks: i64,
    /// Favorite.
    pub is_favorite: bool,
    /// Thumbs up (`true`) or down (`false`); `None` when not rated.
    pub likes: Option<bool>,
    /// A user rating.
    pub rating: Option<f64>,
    /// When playback last started, or the date given when marked played.
    pub last_played: Option<SystemTime>,
    /// The audio stream last chosen.
    pub audio_stream_index: Option<i32>,
    /// The subtitle stream last chosen (-1: off).
    pub subtitle_stream_index: Option<i32>,
}

impl UserItemData {
    /// The data of an item the user never touched.
    pub fn new(item_id: ItemId) -> Self {
        Self {
            item_id,
            played: false,
            play_count: 0,
            playback_position_ticks: 0,
            is_favorite: false,
            likes: None,
            rating: None,
            last_played: None,
            audio_stream_index: None,
            subtitle_stream_index: None,
        }
    }

    /// Jellyfin's `PlayedPercentage`: position over runtime in percent, when both are known and
    /// the item is in progress.
    pub fn played_percentage(&self, run_time_ticks: Option<i64>) -> Option<f64> {
        match run_time_ticks {
            Some(rt) if rt > 0 && self.playback_position_ticks > 0 => {
                Some(self.playback_position_ticks as f64 * 100.0 / rt as f64)
            }
            _ => None,
        }
    }
}

/// A partial update (Jellyfin's `UpdateUserItemDataDto`): `Some` fields replace, `None` keep.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct UserDataUpdate {
    /// Played.
    pub played: Option<bool>,
    /// Play count.
    pub play_count: Option<i32>,
    /// Resume position.
    pub playback_position_ticks: Option<i64>,
    /// Favorite.
    pub is_favorite: Option<bool>,
    /// Likes.
    pub likes: Option<bool>,
    /// Rating.
    pub rating: Option<f64>,
    /// Last played date.
    pub last_played: Option<SystemTime>,
}

/// Stream choices reported with playback progress, remembered when the user's configuration
/// says so (`RememberAudioSelections` / `RememberSubtitleSelections`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StreamSelection {
    /// The audio stream index, or `None` to forget it.
    pub audio_stream_index: Option<i32>,
    /// The subtitle stream index (-1: off), or `None` to forget it.
    pub subtitle_stream_index: Option<i32>,
}

/// The played state of a folder (series, season, album...) computed from its playable
/// descendants (no folders, placeholders, extras or alternate versions).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FolderPlayState {
    /// Playable descendants.
    pub total: u32,
    /// Those the user has not played (`UnplayedItemCount`).
    pub unplayed: u32,
}

impl FolderPlayState {
    /// Whether everything in the folder is played (an empty folder counts as played, as in
    /// Jellyfin).
    pub fn played(&self) -> bool {
        self.unplayed == 0
    }

    /// The share played, in percent; `None` for an empty folder.
    pub fn played_percentage(&self) -> Option<f64> {
        (self.total > 0)
            .then(|| 100.0 * f64::from(self.total - self.unplayed) / f64::from(self.total))
    }
}

/// Which in-progress items [`resume`] lists.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ResumeQuery {
    /// Only these media types (empty: all).
    pub media_types: Vec<MediaType>,
    /// Only these kinds (empty: all).
    pub include_kinds: Vec<ItemKind>,
    /// Not these kinds.
    pub exclude_kinds: Vec<ItemKind>,
    /// Only descendants of this item (a library, a series...).
    pub parent_id: Option<ItemId>,
    /// Paging: how many to skip.
    pub start_index: usize,
    /// Paging: how many to return (`None`: all).
    pub limit: Option<usize>,
}

/// The next episode to watch in a series.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NextUp {
    /// The series.
    pub series_id: ItemId,
    /// The first unplayed episode after the furthest played one.
    pub episode_id: ItemId,
    /// When the user last finished an episode of the series.
    pub last_played: Option<SystemTime>,
}

/// The most recently played episode of a series.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeriesProgress {
    /// The series.
    pub series_id: ItemId,
    /// The episode.
    pub episode_id: ItemId,
    /// When it was last played.
    pub last_played: Option<SystemTime>,
}

fn id_from_blob(bytes: &[u8]) -> Result<ItemId, StoreError> {
    <[u8; 16]>::try_from(bytes)
        .map(ItemId)
        .map_err(|_| StoreError::Corrupt {
            column: "user_data.item_id",
        })
}

const DATA_COLUMNS: &str = "item_id, played, play_count, playback_position_ticks, is_favorite, \
                            likes, rating, last_played_ms, audio_stream_index, subtitle_stream_index";

fn read_data(row: &Row<'_>) -> rusqlite::Result<(Vec<u8>, UserItemData)> {
    let id: Vec<u8> = row.get(0)?;
    Ok((
        id,
        UserItemData {
            item_id: ItemId([0; 16]),
            played: row.get(1)?,
            play_count: row.get(2)?,
            playback_position_ticks: row.get(3)?,
            is_favorite: row.get(4)?,
            likes: row.get(5)?,
            rating: row.get(6)?,
            last_played: row.get::<_, Option<i64>>(7)?.map(from_ms),
            audio_stream_index: row.get(8)?,
            subtitle_stream_index: row.get(9)?,
        },
    ))
}

/// The user's data for an item (defaults when there is none).
pub fn get(conn: &Connection, user: UserId, item: ItemId) -> UserDataResult<UserItemData> {
    let row = conn
        .prepare_cached(&format!(
            "SELECT {DATA_COLUMNS} FROM user_data WHERE user_id = ?1 AND item_id = ?2"
        ))?
        .query_row(params![&user.0[..], &item.0[..]], read_data)
        .optional()?;
    Ok(row
        .map(|(_, data)| UserItemData {
            item_id: item,
            ..data
        })
        .unwrap_or_else(|| UserItemData::new(item)))
}

/// The user's data for many items at once (one query per 500 ids); every requested id is in
/// the map, with defaults when there is no data.
pub fn get_many(
    conn: &Connection,
    user: UserId,
    items: &[ItemId],
) -> UserDataResult<IdMap<UserItemData>> {
    let mut out: IdMap<UserItemData> = items
        .iter()
        .map(|id| (*id, UserItemData::new(*id)))
        .collect();
    for chunk in items.chunks(500) {
        let marks = vec!["?"; chunk.len()].join(", ");
        // Cached: pages ask for the same number of items again and again.
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {DATA_COLUMNS} FROM user_data WHERE user_id = ? AND item_id IN ({marks})"
        ))?;
        let args = std::iter::once(SqlValue::Blob(user.0.to_vec()))
            .chain(chunk.iter().map(|id| SqlValue::Blob(id.0.to_vec())));
        let rows = stmt.query_map(params_from_iter(args), read_data)?;
        for row in rows {
            let (id, data) = row?;
            let id = id_from_blob(&id)?;
            out.insert(
                id,
                UserItemData {
                    item_id: id,
                    ..data
                },
            );
        }
    }
    Ok(out)
}

/// Writes the whole data of an item for a user.
pub fn save(tx: &Transaction<'_>, user: UserId, data: &UserItemData) -> UserDataResult<()> {
    tx.prepare_cached(
        "INSERT INTO user_data (user_id, item_id, played, play_count, playback_position_ticks,
            is_favorite, likes, rating, last_played_ms, audio_stream_index, subtitle_stream_index)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
         ON CONFLICT(user_id, item_id) DO UPDATE SET played = excluded.played,
            play_count = excluded.play_count,
            playback_position_ticks = excluded.playback_position_ticks,
            is_favorite = excluded.is_favorite, likes = excluded.likes, rating = excluded.rating,
            last_played_ms = excluded.last_played_ms,
            audio_stream_index = excluded.audio_stream_index,
            subtitle_stream_index = excluded.subtitle_stream_index",
    )?
    .execute(params![
        &user.0[..],
        &data.item_id.0[..],
        data.played,
        data.play_count,
        data.playback_position_ticks,
        data.is_favorite,
        data.likes,
        data.rating,
        data.last_played.map(to_ms),
        data.audio_stream_index,
        data.subtitle_stream_index,
    ])?;
    Ok(())
}

fn check_user(conn: &Connection, user: UserId) -> UserDataResult<()> {
    if user_exists(conn, user)? {
        Ok(())
    } else {
        Err(UserDataError::UnknownUser(user))
    }
}

/// Loads the item (its play class and runtime) and checks the user exists.
fn load(conn: &Connection, user: UserId, item: ItemId) -> UserDataResult<PlayableItem> {
    check_user(conn, user)?;
    PlayableItem::load(conn, item)?.ok_or(UserDataError::UnknownItem(item))
}

/// Changes one item's data with `f` and saves it.
fn modify(
    tx: &Transaction<'_>,
    user: UserId,
    item: ItemId,
    f: impl FnOnce(&mut UserItemData),
) -> UserDataResult<UserItemData> {
    let mut data = get(tx, user, item)?;
    f(&mut data);
    save(tx, user, &data)?;
    Ok(data)
}

/// The playable descendants of a folder (no folders, placeholders, extras or alternate
/// versions), the set Jellyfin marks when a folder is marked played.
pub fn playable_descendants(conn: &Connection, folder: ItemId) -> UserDataResult<Vec<ItemId>> {
    let mut stmt = conn.prepare_cached(
        "SELECT i.id FROM item_ancestors a JOIN items i ON i.id = a.item_id
         WHERE a.ancestor_id = ?1 AND i.is_folder = 0 AND i.is_placeholder = 0
           AND i.owner_id IS NULL AND i.primary_version_id IS NULL",
    )?;
    let rows = stmt.query_map([&folder.0[..]], |r| r.get::<_, Vec<u8>>(0))?;
    let mut out = Vec::new();
    for row in rows {
        out.push(id_from_blob(&row?)?);
    }
    Ok(out)
}

/// Marks an item played, as Jellyfin's `MarkPlayed` (with the position reset): with a date, the
/// play count goes up and the date is recorded; without, the count is at least 1 and the last
/// played date is kept (or set to `now`). A folder marks all its playable descendants; the
/// returned data is then the folder's, shown played.
pub fn mark_played(
    tx: &Transaction<'_>,
    user: UserId,
    item: ItemId,
    date_played: Option<SystemTime>,
    now: SystemTime,
) -> UserDataResult<UserItemData> {
    let target = load(tx, user, item)?;
    let mark = |data: &mut UserItemData| {
        if date_played.is_some() {
            data.play_count = data.play_count.saturating_add(1);
        }
        data.play_count = data.play_count.max(1);
        data.playback_position_ticks = 0;
        data.last_played = date_played.or(data.last_played).or(Some(now));
        data.played = true;
    };
    if target.is_folder {
        for child in playable_descendants(tx, item)? {
            modify(tx, user, child, mark)?;
        }
        let mut data = get(tx, user, item)?;
        data.played = true;
        return Ok(data);
    }
    modify(tx, user, item, mark)
}

/// Marks an item unplayed, as Jellyfin's `MarkUnplayed`: not played, position 0, play count 0,
/// no last played date. A folder marks all its playable descendants.
pub fn mark_unplayed(
    tx: &Transaction<'_>,
    user: UserId,
    item: ItemId,
) -> UserDataResult<UserItemData> {
    let target = load(tx, user, item)?;
    let unmark = |data: &mut UserItemData| {
        data.played = false;
        data.playback_position_ticks = 0;
        data.play_count = 0;
        data.last_played = None;
    };
    if target.is_folder {
        for child in playable_descendants(tx, item)? {
            modify(tx, user, child, unmark)?;
        }
        let mut data = get(tx, user, item)?;
        data.played = false;
        return Ok(data);
    }
    modify(tx, user, item, unmark)
}

/// Sets or clears the favorite flag.
pub fn set_favorite(
    tx: &Transaction<'_>,
    user: UserId,
    item: ItemId,
    favorite: bool,
) -> UserDataResult<UserItemData> {
    load(tx, user, item)?;
    modify(tx, user, item, |d| d.is_favorite = favorite)
}

/// Sets likes (`Some(true)` thumbs up, `Some(false)` down) or clears them (`None`).
pub fn set_likes(
    tx: &Transaction<'_>,
    user: UserId,
    item: ItemId,
    likes: Option<bool>,
) -> UserDataResult<UserItemData> {
    load(tx, user, item)?;
    modify(tx, user, item, |d| d.likes = likes)
}

/// Applies a partial update (Jellyfin's `UpdateUserItemDataDto`).
pub fn update(
    tx: &Transaction<'_>,
    user: UserId,
    item: ItemId,
    change: &UserDataUpdate,
) -> UserDataResult<UserItemData> {
    load(tx, user, item)?;
    if let Some(p) = change.playback_position_ticks {
        if p < 0 {
            return Err(UserDataError::NegativePosition(p));
        }
    }
    modify(tx, user, item, |d| {
        if let Some(v) = change.playback_position_ticks {
            d.playback_position_ticks = v;
        }
        if let Some(v) = change.play_count {
            d.play_count = v;
        }
        if let Some(v) = change.is_favorite {
            d.is_favorite = v;
        }
        if let Some(v) = change.likes {
            d.likes = Some(v);
        }
        if let Some(v) = change.played {
            d.played = v;
        }
        if let Some(v) = change.last_played {
            d.last_played = Some(v);
        }
        if let Some(v) = change.rating {
            d.rating = Some(v);
        }
    })
}

/// Playback started (`/Sessions/Playing`), as Jellyfin's `OnPlaybackStart`: the play count goes
/// up and the last played date is `now`; an item that cannot resume but has a played state
/// (music) is played from here on, any other is unplayed until it completes.
pub fn playback_start(
    tx: &Transaction<'_>,
    user: UserId,
    item: ItemId,
    now: SystemTime,
) -> UserDataResult<UserItemData> {
    let target = load(tx, user, item)?;
    modify(tx, user, item, |d| {
        d.play_count = d.play_count.saturating_add(1);
        d.last_played = Some(now);
        d.played = target.class.supports_played_status() && !target.class.supports_resume();
    })
}

/// A progress report (`/Sessions/Playing/Progress`): with a position, the resume rules apply
/// (see [`apply_play_state`]); `streams` are remembered when given. Returns the data and
/// whether the report completed the item.
pub fn playback_progress(
    tx: &Transaction<'_>,
    user: UserId,
    item: ItemId,
    position_ticks: Option<i64>,
    streams: Option<StreamSelection>,
    rules: &ResumeRules,
) -> UserDataResult<(UserItemData, bool)> {
    let target = load(tx, user, item)?;
    let mut data = get(tx, user, item)?;
    let mut completed = false;
    if let Some(position) = position_ticks {
        completed = apply_play_state(&mut data, &target, position.max(0), rules);
    }
    if let Some(s) = streams {
        data.audio_stream_index = s.audio_stream_index;
        data.subtitle_stream_index = s.subtitle_stream_index;
    }
    save(tx, user, &data)?;
    Ok((data, completed))
}

/// Playback stopped (`/Sessions/Playing/Stopped`), as Jellyfin's `OnPlaybackStopped`: a
/// failed playback changes nothing; with a position the resume rules apply; without one the
/// item is taken as played to the end (count up, played, position 0). A negative position is
/// [`UserDataError::NegativePosition`]. Returns the data and whether the item was completed.
pub fn playback_stopped(
    tx: &Transaction<'_>,
    user: UserId,
    item: ItemId,
    position_ticks: Option<i64>,
    failed: bool,
    rules: &ResumeRules,
) -> UserDataResult<(UserItemData, bool)> {
    if let Some(p) = position_ticks.filter(|p| *p < 0) {
        return Err(UserDataError::NegativePosition(p));
    }
    let target = load(tx, user, item)?;
    let mut data = get(tx, user, item)?;
    if failed {
        return Ok((data, false));
    }
    let completed = match position_ticks {
        Some(position) => apply_play_state(&mut data, &target, position, rules),
        None => {
            data.play_count = data.play_count.saturating_add(1);
            data.played = target.class.supports_played_status();
            data.playback_position_ticks = 0;
            true
        }
    };
    save(tx, user, &data)?;
    Ok((data, completed))
}

fn any_of(column: &str, n: usize) -> String {
    format!("{column} IN ({})", vec!["?"; n].join(", "))
}

/// In-progress items (position > 0), most recently played first, paged, with the total count.
pub fn resume(
    conn: &Connection,
    user: UserId,
    query: &ResumeQuery,
) -> UserDataResult<QueryResult<ItemId>> {
    let mut clauses = vec![
        "d.user_id = ?".to_owned(),
        "d.playback_position_ticks > 0".to_owned(),
    ];
    let mut args = vec![SqlValue::Blob(user.0.to_vec())];
    if !query.media_types.is_empty() {
        clauses.push(any_of("i.media_type", query.media_types.len()));
        args.extend(
            query
                .media_types
                .iter()
                .map(|m| SqlValue::Text(m.name().to_owned())),
        );
    }
    if !query.include_kinds.is_empty() {
        clauses.push(any_of("i.kind", query.include_kinds.len()));
        args.extend(
            query
                .include_kinds
                .iter()
                .map(|k| SqlValue::Text(k.name().to_owned())),
        );
    }
    if !query.exclude_kinds.is_empty() {
        clauses.push(format!(
            "NOT {}",
            any_of("i.kind", query.exclude_kinds.len())
        ));
        args.extend(
            query
                .exclude_kinds
                .iter()
                .map(|k| SqlValue::Text(k.name().to_owned())),
        );
    }
    if let Some(parent) = query.parent_id {
        clauses.push(
            "EXISTS (SELECT 1 FROM item_ancestors a WHERE a.item_id = i.id AND a.ancestor_id = ?)"
                .to_owned(),
        );
        args.push(SqlValue::Blob(parent.0.to_vec()));
    }
    let from = format!(
        "FROM user_data d JOIN items i ON i.id = d.item_id WHERE {}",
        clauses.join(" AND ")
    );
    let total: i64 = conn.query_row(
        &format!("SELECT COUNT(*) {from}"),
        params_from_iter(args.iter()),
        |r| r.get(0),
    )?;
    let limit = query.limit.map_or(-1, |l| l as i64);
    let mut stmt = conn.prepare(&format!(
        "SELECT d.item_id {from} ORDER BY d.last_played_ms IS NULL, d.last_played_ms DESC,
            d.item_id LIMIT {limit} OFFSET {}",
        query.start_index
    ))?;
    let rows = stmt.query_map(params_from_iter(args.iter()), |r| r.get::<_, Vec<u8>>(0))?;
    let mut items = Vec::new();
    for row in rows {
        items.push(id_from_blob(&row?)?);
    }
    Ok(QueryResult {
        items,
        total_record_count: total as usize,
        start_index: query.start_index,
    })
}

fn ids_where(conn: &Connection, user: UserId, condition: &str) -> UserDataResult<Vec<ItemId>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT item_id FROM user_data WHERE user_id = ?1 AND {condition} ORDER BY item_id"
    ))?;
    let rows = stmt.query_map([&user.0[..]], |r| r.get::<_, Vec<u8>>(0))?;
    let mut out = Vec::new();
    for row in rows {
        out.push(id_from_blob(&row?)?);
    }
    Ok(out)
}

/// The items the user has played.
pub fn played_item_ids(conn: &Connection, user: UserId) -> UserDataResult<Vec<ItemId>> {
    ids_where(conn, user, "played = 1")
}

/// The user's favorite items.
pub fn favorite_item_ids(conn: &Connection, user: UserId) -> UserDataResult<Vec<ItemId>> {
    ids_where(conn, user, "is_favorite = 1")
}

/// The `ItemQuery.played` filter for `IsPlayed=is_played`.
pub fn played_filter(conn: &Connection, user: UserId, is_played: bool) -> UserDataResult<IdFilter> {
    Ok(IdFilter {
        ids: played_item_ids(conn, user)?,
        include: is_played,
    })
}

/// The `ItemQuery.favorite` filter for `IsFavorite=is_favorite`.
pub fn favorite_filter(
    conn: &Connection,
    user: UserId,
    is_favorite: bool,
) -> UserDataResult<IdFilter> {
    Ok(IdFilter {
        ids: favorite_item_ids(conn, user)?,
        include: is_favorite,
    })
}

/// The played state of folders (series, seasons, albums...) from their playable descendants,
/// for `UnplayedItemCount`, `Played` and `PlayedPercentage`. Every requested id is in the map.
pub fn folder_play_states(
    conn: &Connection,
    user: UserId,
    folders: &[ItemId],
) -> UserDataResult<IdMap<FolderPlayState>> {
    let mut out: IdMap<FolderPlayState> = folders
        .iter()
        .map(|id| (*id, FolderPlayState::default()))
        .collect();
    for chunk in folders.chunks(500) {
        let sql = format!(
            "SELECT a.ancestor_id, COUNT(*), COALESCE(SUM(COALESCE(d.played, 0) = 0), 0)
             FROM item_ancestors a JOIN items i ON i.id = a.item_id
             LEFT JOIN user_data d ON d.user_id = ? AND d.item_id = i.id
             WHERE {} AND i.is_folder = 0 AND i.is_placeholder = 0
               AND i.owner_id IS NULL AND i.primary_version_id IS NULL
             GROUP BY a.ancestor_id",
            any_of("a.ancestor_id", chunk.len())
        );
        let args = std::iter::once(SqlValue::Blob(user.0.to_vec()))
            .chain(chunk.iter().map(|id| SqlValue::Blob(id.0.to_vec())));
        let mut stmt = conn.prepare(&sql)?;
        let rows = stmt.query_map(params_from_iter(args), |r| {
            Ok((
                r.get::<_, Vec<u8>>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, i64>(2)?,
            ))
        })?;
        for row in rows {
            let (id, total, unplayed) = row?;
            out.insert(
                id_from_blob(&id)?,
                FolderPlayState {
                    total: total as u32,
                    unplayed: unplayed as u32,
                },
            );
        }
    }
    Ok(out)
}

/// For each series with a played episode, the most recently played one, most recent first.
pub fn last_played_per_series(
    conn: &Connection,
    user: UserId,
) -> UserDataResult<Vec<SeriesProgress>> {
    let mut stmt = conn.prepare_cached(
        "SELECT i.series_id, i.id, MAX(d.last_played_ms) AS last
         FROM user_data d JOIN items i ON i.id = d.item_id
         WHERE d.user_id = ?1 AND d.played = 1 AND i.kind = 'Episode'
           AND i.series_id IS NOT NULL
         GROUP BY i.series_id
         ORDER BY last IS NULL, last DESC, i.series_id",
    )?;
    let rows = stmt.query_map([&user.0[..]], |r| {
        Ok((
            r.get::<_, Vec<u8>>(0)?,
            r.get::<_, Vec<u8>>(1)?,
            r.get::<_, Option<i64>>(2)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (series, episode, last) = row?;
        out.push(SeriesProgress {
            series_id: id_from_blob(&series)?,
            episode_id: id_from_blob(&episode)?,
            last_played: last.map(from_ms),
        });
    }
    Ok(out)
}

/// Next up: for each series with a played episode (only `series` when given), the first
/// unplayed episode after the furthest played one in (season, episode) order, specials
/// (season 0) left out; series ordered by when the user last finished one of their episodes.
pub fn next_up(
    conn: &Connection,
    user: UserId,
    series: Option<ItemId>,
) -> UserDataResult<Vec<NextUp>> {
    let mut furthest = conn.prepare_cached(
        "SELECT COALESCE(i.parent_index_number, 1), COALESCE(i.index_number, 0)
         FROM user_data d JOIN items i ON i.id = d.item_id
         WHERE d.user_id = ?1 AND d.played = 1 AND i.series_id = ?2 AND i.kind = 'Episode'
           AND COALESCE(i.parent_index_number, 1) != 0
         ORDER BY 1 DESC, 2 DESC LIMIT 1",
    )?;
    let mut next = conn.prepare_cached(
        "SELECT i.id FROM items i
         LEFT JOIN user_data d ON d.user_id = ?1 AND d.item_id = i.id
         WHERE i.series_id = ?2 AND i.kind = 'Episode' AND i.is_placeholder = 0
           AND i.owner_id IS NULL AND i.primary_version_id IS NULL
           AND COALESCE(d.played, 0) = 0
           AND COALESCE(i.parent_index_number, 1) != 0
           AND (COALESCE(i.parent_index_number, 1), COALESCE(i.index_number, 0)) > (?3, ?4)
         ORDER BY COALESCE(i.parent_index_number, 1), COALESCE(i.index_number, 0), i.sort_name
         LIMIT 1",
    )?;
    let mut out = Vec::new();
    for progress in last_played_per_series(conn, user)? {
        if series.is_some_and(|s| s != progress.series_id) {
            continue;
        }
        let sid = &progress.series_id.0[..];
        let Some((season, episode)) = furthest
            .query_row(params![&user.0[..], sid], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?))
            })
            .optional()?
        else {
            continue;
        };
        let found = next
            .query_row(params![&user.0[..], sid, season, episode], |r| {
                r.get::<_, Vec<u8>>(0)
            })
            .optional()?;
        if let Some(id) = found {
            out.push(NextUp {
                series_id: progress.series_id,
                episode_id: id_from_blob(&id)?,
                last_played: progress.last_played,
            });
        }
    }
    Ok(out)
}

/// The handle doing user data operations on a [`Store`] with a set of [`ResumeRules`].
#[derive(Debug, Clone, Copy)]
pub struct UserData<'a> {
    store: &'a Store,
    rules: ResumeRules,
    cache: Option<&'a UserDataCache>,
}

/// Users' item data kept between requests (a page of items asks for the data of each of its
/// items on every request).
///
/// An entry is valid while neither its user's data generation, moved after every write of that
/// user's data through [`UserData`], nor the store's content generation (deletions, other
/// processes) moved since it was read.
#[derive(Debug, Default)]
pub struct UserDataCache {
    inner: std::sync::Mutex<CachedUserData>,
}

/// A cached item's data and the (user, content) generations it was read under.
type CachedEntry = ((u64, u64), UserItemData);

#[derive(Debug, Default)]
struct CachedUserData {
    generations: HashMap<UserId, u64, IdHash>,
    entries: HashMap<(UserId, ItemId), CachedEntry, IdHash>,
}

/// At most this many (user, item) entries are kept.
const MAX_CACHED_USER_DATA: usize = 50_000;

impl UserDataCache {
    /// The (content, user) generations of `user` now.
    fn generations(&self, store: &Store, user: UserId) -> (u64, u64) {
        let content = store.content_generation();
        let own = self
            .inner
            .lock()
            .map(|c| c.generations.get(&user).copied().unwrap_or(0))
            .unwrap_or(u64::MAX);
        (content, own)
    }

    /// Called after a write of `user`'s data.
    fn moved(&self, user: UserId) {
        if let Ok(mut c) = self.inner.lock() {
            *c.generations.entry(user).or_insert(0) += 1;
        }
    }
}

impl<'a> UserData<'a> {
    /// A handle with Jellyfin's default resume rules.
    pub fn new(store: &'a Store) -> Self {
        Self {
            store,
            rules: ResumeRules::default(),
            cache: None,
        }
    }

    /// The same handle keeping read data in `cache` (shared by the handles of one library).
    pub fn with_cache(self, cache: &'a UserDataCache) -> Self {
        Self {
            cache: Some(cache),
            ..self
        }
    }

    /// A write of `user`'s data; the cached data of the user is read again after it.
    fn write<T>(
        &self,
        user: UserId,
        f: impl FnOnce(&rusqlite::Transaction<'_>) -> UserDataResult<T>,
    ) -> UserDataResult<T> {
        let result = self.store.write_user_state(f);
        if let Some(cache) = self.cache {
            cache.moved(user);
        }
        result
    }

    /// The same handle with other resume rules (the server configuration's).
    pub fn with_rules(self, rules: ResumeRules) -> Self {
        Self { rules, ..self }
    }

    /// The resume rules in use.
    pub fn rules(&self) -> &ResumeRules {
        &self.rules
    }

    /// The display preferences a client stored for `pref_id` (`usersettings`, a view's
    /// `DisplayPreferencesId`), exactly as posted; `None` when never stored.
    pub fn display_preferences(
        &self,
        user: UserId,
        pref_id: &str,
        client: &str,
    ) -> UserDataResult<Option<serde_json::Value>> {
        self.store.read(|c| {
            let text: Option<String> = c
                .prepare_cached(
                    "SELECT value FROM display_preferences
                     WHERE user_id = ?1 AND pref_id = ?2 AND client = ?3",
                )?
                .query_row(rusqlite::params![&user.0[..], pref_id, client], |r| {
                    r.get(0)
                })
                .optional()?;
            Ok(text.and_then(|t| serde_json::from_str(&t).ok()))
        })
    }

    /// Stores a client's display preferences whole (unknown keys included).
    pub fn save_display_preferences(
        &self,
        user: UserId,
        pref_id: &str,
        client: &str,
        value: &serde_json::Value,
    ) -> UserDataResult<()> {
        self.store.write_user_state(|tx| {
            tx.execute(
                "INSERT OR REPLACE INTO display_preferences (user_id, pref_id, client, value)
                 VALUES (?1, ?2, ?3, ?4)",
                rusqlite::params![&user.0[..], pref_id, client, value.to_string()],
            )?;
            Ok(())
        })
    }

    /// See [`get`].
    pub fn get(&self, user: UserId, item: ItemId) -> UserDataResult<UserItemData> {
        self.store.read(|c| get(c, user, item))
    }

    /// See [`get_many`].
    pub fn get_many(&self, user: UserId, items: &[ItemId]) -> UserDataResult<IdMap<UserItemData>> {
        let Some(cache) = self.cache else {
            return self.store.read(|c| get_many(c, user, items));
        };
        // Generations read before the data: data read after a write is filed under the
        // generations before it, which that write has moved on from.
        let generations = cache.generations(self.store, user);
        let mut out = IdMap::with_capacity_and_hasher(items.len(), IdHash);
        let mut missing = Vec::new();
        if let Ok(c) = cache.inner.lock() {
            for id in items {
                match c.entries.get(&(user, *id)) {
                    Some((g, data)) if *g == generations => {
                        out.insert(*id, data.clone());
                    }
                    _ => missing.push(*id),
                }
            }
        } else {
            missing.extend_from_slice(items);
        }
        if missing.is_empty() {
            return Ok(out);
        }
        let read = self.store.read(|c| get_many(c, user, &missing))?;
        if let Ok(mut c) = cache.inner.lock() {
            if c.entries.len() + read.len() > MAX_CACHED_USER_DATA {
                c.entries.clear();
            }
            for (id, data) in &read {
                c.entries.insert((user, *id), (generations, data.clone()));
            }
        }
        out.extend(read);
        Ok(out)
    }

    /// See [`mark_played`]; `date_played` defaults as there, `now` is the current time.
    pub fn mark_played(
        &self,
        user: UserId,
        item: ItemId,
        date_played: Option<SystemTime>,
    ) -> UserDataResult<UserItemData> {
        let now = SystemTime::now();
        self.write(user, |tx| mark_played(tx, user, item, date_played, now))
    }

    /// See [`mark_unplayed`].
    pub fn mark_unplayed(&self, user: UserId, item: ItemId) -> UserDataResult<UserItemData> {
        self.write(user, |tx| mark_unplayed(tx, user, item))
    }

    /// See [`set_favorite`].
    pub fn set_favorite(
        &self,
        user: UserId,
        item: ItemId,
        favorite: bool,
    ) -> UserDataResult<UserItemData> {
        self.write(user, |tx| set_favorite(tx, user, item, favorite))
    }

    /// See [`suggestions`].
    pub fn suggestions(
        &self,
        user: &crate::auth::User,
        query: &SuggestionQuery,
    ) -> UserDataResult<QueryResult<crate::store::ItemRecord>> {
        suggestions(self.store, user, query)
    }

    /// See [`set_likes`].
    pub fn set_likes(
        &self,
        user: UserId,
        item: ItemId,
        likes: Option<bool>,
    ) -> UserDataResult<UserItemData> {
        self.write(user, |tx| set_likes(tx, user, item, likes))
    }

    /// See [`update`].
    pub fn update(
        &self,
        user: UserId,
        item: ItemId,
        change: &UserDataUpdate,
    ) -> UserDataResult<UserItemData> {
        self.write(user, |tx| update(tx, user, item, change))
    }

    /// See [`playback_start`].
    pub fn playback_start(&self, user: UserId, item: ItemId) -> UserDataResult<UserItemData> {
        let now = SystemTime::now();
        self.write(user, |tx| playback_start(tx, user, item, now))
    }

    /// See [`playback_progress`].
    pub fn playback_progress(
        &self,
        user: UserId,
        item: ItemId,
        position_ticks: Option<i64>,
        streams: Option<StreamSelection>,
    ) -> UserDataResult<(UserItemData, bool)> {
        self.write(user, |tx| {
            playback_progress(tx, user, item, position_ticks, streams, &self.rules)
        })
    }

    /// See [`playback_stopped`].
    pub fn playback_stopped(
        &self,
        user: UserId,
        item: ItemId,
        position_ticks: Option<i64>,
        failed: bool,
    ) -> UserDataResult<(UserItemData, bool)> {
        self.write(user, |tx| {
            playback_stopped(tx, user, item, position_ticks, failed, &self.rules)
        })
    }

    /// See [`resume`].
    pub fn resume(&self, user: UserId, query: &ResumeQuery) -> UserDataResult<QueryResult<ItemId>> {
        self.store.read(|c| resume(c, user, query))
    }

    /// See [`played_filter`].
    pub fn played_filter(&self, user: UserId, is_played: bool) -> UserDataResult<IdFilter> {
        self.store.read(|c| played_filter(c, user, is_played))
    }

    /// See [`favorite_filter`].
    pub fn favorite_filter(&self, user: UserId, is_favorite: bool) -> UserDataResult<IdFilter> {
        self.store.read(|c| favorite_filter(c, user, is_favorite))
    }

    /// See [`folder_play_states`].
    pub fn folder_play_states(
        &self,
        user: UserId,
        folders: &[ItemId],
    ) -> UserDataResult<IdMap<FolderPlayState>> {
        self.store.read(|c| folder_play_states(c, user, folders))
    }

    /// See [`next_up`].
    pub fn next_up(&self, user: UserId, series: Option<ItemId>) -> UserDataResult<Vec<NextUp>> {
        self.store.read(|c| next_up(c, user, series))
    }
}
