//! Writes: every function takes the caller's `&Transaction`, so a scan unit commits (or rolls
//! back) as one.

use rusqlite::{params, Connection, OptionalExtension, Transaction};

use super::model::*;
use super::{StoreError, StoreResult};

fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// A library as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct LibraryRecord {
    /// The library's id (also its CollectionFolder item's id).
    pub id: ItemId,
    /// Its name, unique ignoring case.
    pub name: String,
    /// Its content type.
    pub kind: LibraryKind,
    /// Its folders.
    pub folders: Vec<String>,
}

/// The id of the library called `name` (ignoring case): the CollectionFolder item id.
pub fn library_id_for(name: &str) -> ItemId {
    ItemId::derive(
        ItemKind::CollectionFolder,
        &format!("/root/default/{}", name.to_lowercase()),
    )
}

/// Creates a library, or updates its kind and folders when one of this name exists (ignoring
/// case; a renamed library keeps its first id). Returns its id.
pub fn put_library(
    tx: &Transaction<'_>,
    name: &str,
    kind: LibraryKind,
    folders: &[String],
) -> StoreResult<ItemId> {
    let existing: Option<Vec<u8>> = tx
        .query_row("SELECT id FROM libraries WHERE name = ?1", [name], |r| {
            r.get(0)
        })
        .optional()?;
    let id = match existing {
        Some(bytes) => blob_id(&bytes, "libraries.id")?,
        None => library_id_for(name),
    };
    let now = now_secs();
    tx.execute(
        "INSERT INTO libraries (id, name, kind, created_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT(id) DO UPDATE SET name = excluded.name, kind = excluded.kind",
        params![&id.0[..], name, kind.name(), now],
    )?;
    tx.execute(
        "DELETE FROM library_folders WHERE library_id = ?1",
        [&id.0[..]],
    )?;
    for f in folders {
        tx.execute(
            "INSERT OR IGNORE INTO library_folders (library_id, path) VALUES (?1, ?2)",
            params![&id.0[..], f],
        )?;
    }
    let mut folder_item = ItemRecord::new(ItemKind::CollectionFolder, "", name);
    folder_item.id = Some(id);
    folder_item.library_id = Some(id);
    folder_item.path = folders.first().cloned();
    folder_item.date_created = now;
    upsert_item(tx, &folder_item)?;
    Ok(id)
}

/// All libraries, by name.
pub fn list_libraries(conn: &Connection) -> StoreResult<Vec<LibraryRecord>> {
    let mut out = Vec::new();
    let mut stmt = conn.prepare("SELECT id, name, kind FROM libraries ORDER BY name")?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, Vec<u8>>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
        ))
    })?;
    for row in rows {
        let (id, name, kind) = row?;
        let id = blob_id(&id, "libraries.id")?;
        let kind = LibraryKind::from_name(&kind).ok_or(StoreError::Corrupt {
            column: "libraries.kind",
        })?;
        let folders = conn
            .prepare("SELECT path FROM library_folders WHERE library_id = ?1 ORDER BY path")?
            .query_map([&id.0[..]], |r| r.get::<_, String>(0))?
            .collect::<Result<_, _>>()?;
        out.push(LibraryRecord {
            id,
            name,
            kind,
            folders,
        });
    }
    Ok(out)
}

/// Renames a library (and its CollectionFolder item); its id stays. `Ok(false)` when another
/// library already has the new name (ignoring case).
pub fn rename_library(tx: &Transaction<'_>, id: ItemId, new_name: &str) -> StoreResult<bool> {
    let taken: bool = tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM libraries WHERE name = ?1 AND id != ?2)",
        params![new_name, &id.0[..]],
        |r| r.get(0),
    )?;
    if taken {
        return Ok(false);
    }
    tx.execute(
        "UPDATE libraries SET name = ?2 WHERE id = ?1",
        params![&id.0[..], new_name],
    )?;
    tx.execute(
        "UPDATE items SET name = ?2, sort_name = ?3 WHERE id = ?1",
        params![&id.0[..], new_name, sort_name(new_name)],
    )?;
    Ok(true)
}

/// The options stored for a library (a JSON object's text), if any.
pub fn library_options(conn: &Connection, id: ItemId) -> StoreResult<Option<String>> {
    Ok(conn
        .query_row(
            "SELECT options FROM library_options WHERE library_id = ?1",
            [&id.0[..]],
            |r| r.get(0),
        )
        .optional()?)
}

/// Stores a library's options (a JSON object's text), replacing what was stored.
pub fn set_library_options(tx: &Transaction<'_>, id: ItemId, options: &str) -> StoreResult<()> {
    tx.execute(
        "INSERT INTO library_options (library_id, options) VALUES (?1, ?2)
         ON CONFLICT(library_id) DO UPDATE SET options = excluded.options",
        params![&id.0[..], options],
    )?;
    Ok(())
}

/// Deletes a library with all its items.
pub fn delete_library(tx: &Transaction<'_>, id: ItemId) -> StoreResult<()> {
    tx.execute(
        "DELETE FROM items WHERE library_id = ?1 AND id != ?1",
        [&id.0[..]],
    )?;
    tx.execute("DELETE FROM items WHERE id = ?1", [&id.0[..]])?;
    tx.execute("DELETE FROM libraries WHERE id = ?1", [&id.0[..]])?;
    Ok(())
}

pub(crate) fn blob_id(bytes: &[u8], column: &'static str) -> StoreResult<ItemId> {
    <[u8; 16]>::try_from(bytes)
        .map(ItemId)
        .map_err(|_| StoreError::Corrupt { column })
}

fn opt_id(id: Option<ItemId>) -> Option<Vec<u8>> {
    id.map(|i| i.0.to_vec())
}

/// The by-name item kind a value links to, if values of that kind are items.
fn value_item_kind(kind: ValueKind, music: bool) -> ItemKind {
    match kind {
        ValueKind::Genre if music => ItemKind::MusicGenre,
        ValueKind::Genre => ItemKind::Genre,
        ValueKind::Studio => ItemKind::Studio,
        ValueKind::Artist | ValueKind::AlbumArtist => ItemKind::MusicArtist,
        // Tags are plain values; their id only keys the link.
        ValueKind::Tag => ItemKind::Folder,
    }
}

/// The id of the by-name item `name` of `kind` (genre, studio, person, artist).
pub fn by_name_id(kind: ItemKind, name: &str) -> ItemId {
    ItemId::derive(
        kind,
        &format!("/byname/{}/{}", kind.name(), name.to_lowercase()),
    )
}

fn ensure_by_name(
    tx: &Transaction<'_>,
    kind: ItemKind,
    name: &str,
    now: i64,
) -> StoreResult<ItemId> {
    let id = by_name_id(kind, name);
    tx.execute(
        "INSERT OR IGNORE INTO items (id, kind, name, sort_name, is_folder, date_created, date_modified)
         VALUES (?1, ?2, ?3, ?4, 0, ?5, ?5)",
        params![&id.0[..], kind.name(), name, sort_name(name), now],
    )?;
    Ok(id)
}

/// Inserts or replaces an item and everything linked to it (parts, streams, chapters, images,
/// provider ids, genres/studios/tags/artists, people, ancestors). The parent must exist.
pub fn upsert_item(tx: &Transaction<'_>, rec: &ItemRecord) -> StoreResult<()> {
    let id = rec.id.ok_or(StoreError::Corrupt { column: "items.id" })?;
    let kind = rec.kind.ok_or(StoreError::Corrupt {
        column: "items.kind",
    })?;
    let now = now_secs();
    let created = if rec.date_created > 0 {
        rec.date_created
    } else {
        now
    };
    let rating_before = super::rating_scores::before_upsert(tx, id, kind)?;
    tx.execute(
        "INSERT INTO items (id, kind, library_id, parent_id, owner_id, primary_version_id, series_id,
            season_id, path, name, sort_name, original_title, overview, tagline, production_year,
            premiere_date, community_rating, official_rating, run_time_ticks, index_number,
            parent_index_number, index_number_end, series_name, album, extra_type, is_folder,
            media_type, container, size, file_mtime, bitrate, video_3d_format, video_type,
            is_placeholder, probe_error, nfo_error, date_created, date_modified, fingerprint,
            rating_score, rating_sub_score)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18,
            ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30, ?31, ?32, ?33, ?34, ?35,
            ?36, ?37, ?38, ?39,
            -- Parental rating score (store/rating_scores.rs): the official rating's, or the
            -- parent's when the item has no rating string.
            CASE WHEN TRIM(COALESCE(?18, '')) = ''
                THEN (SELECT p.rating_score FROM items p WHERE p.id = ?4)
                ELSE jf_rating_score(?18, (SELECT code FROM rating_country WHERE id = 1)) END,
            CASE WHEN TRIM(COALESCE(?18, '')) = ''
                THEN (SELECT p.rating_sub_score FROM items p WHERE p.id = ?4)
                ELSE jf_rating_sub_score(?18, (SELECT code FROM rating_country WHERE id = 1)) END)
         ON CONFLICT(id) DO UPDATE SET kind = excluded.kind, library_id = excluded.library_id,
            parent_id = excluded.parent_id, owner_id = excluded.owner_id,
            primary_version_id = excluded.primary_version_id, series_id = excluded.series_id,
            season_id = excluded.season_id, path = excluded.path, name = excluded.name,
            sort_name = excluded.sort_name, original_title = excluded.original_title,
            overview = excluded.overview, tagline = excluded.tagline,
            production_year = excluded.production_year, premiere_date = excluded.premiere_date,
            community_rating = excluded.community_rating,
            official_rating = excluded.official_rating, run_time_ticks = excluded.run_time_ticks,
            index_number = excluded.index_number,
            parent_index_number = excluded.parent_index_number,
            index_number_end = excluded.index_number_end, series_name = excluded.series_name,
            album = excluded.album, extra_type = excluded.extra_type,
            is_folder = excluded.is_folder, media_type = excluded.media_type,
            container = excluded.container, size = excluded.size,
            file_mtime = excluded.file_mtime, bitrate = excluded.bitrate,
            video_3d_format = excluded.video_3d_format, video_type = excluded.video_type,
            is_placeholder = excluded.is_placeholder, probe_error = excluded.probe_error,
            nfo_error = excluded.nfo_error, date_modified = excluded.date_modified,
            fingerprint = excluded.fingerprint, rating_score = excluded.rating_score,
            rating_sub_score = excluded.rating_sub_score",
        params![
            &id.0[..],
            kind.name(),
            opt_id(rec.library_id),
            opt_id(rec.parent_id),
            opt_id(rec.owner_id),
            opt_id(rec.primary_version_id),
            opt_id(rec.series_id),
            opt_id(rec.season_id),
            rec.path,
            rec.name,
            rec.sort_name,
            rec.original_title,
            rec.overview,
            rec.tagline,
            rec.production_year,
            rec.premiere_date,
            rec.community_rating,
            rec.official_rating,
            rec.run_time_ticks,
            rec.index_number,
            rec.parent_index_number,
            rec.index_number_end,
            rec.series_name,
            rec.album,
            rec.extra_type,
            kind.is_folder(),
            rec.media_type.map(MediaType::name),
            rec.container,
            rec.size,
            rec.file_mtime,
            rec.bitrate,
            rec.video_3d_format,
            rec.video_type,
            rec.is_placeholder,
            rec.probe_error,
            rec.nfo_error,
            created,
            now,
            rec.fingerprint,
        ],
    )?;
    let key = &id.0[..];
    for table in [
        "item_ancestors",
        "item_parts",
        "media_streams",
        "chapters",
        "images",
        "provider_ids",
        "item_values",
        "people",
    ] {
        tx.prepare_cached(&format!("DELETE FROM {table} WHERE item_id = ?1"))?
            .execute([key])?;
    }
    if let Some(parent) = rec.parent_id.filter(|p| *p != id) {
        tx.prepare_cached(
            "INSERT OR IGNORE INTO item_ancestors (item_id, ancestor_id) VALUES (?1, ?2)",
        )?
        .execute(params![key, &parent.0[..]])?;
        tx.prepare_cached(
            "INSERT OR IGNORE INTO item_ancestors (item_id, ancestor_id)
             SELECT ?1, ancestor_id FROM item_ancestors WHERE item_id = ?2",
        )?
        .execute(params![key, &parent.0[..]])?;
    }
    super::rating_scores::after_upsert(tx, id, rating_before)?;
    for (i, part) in rec.additional_parts.iter().enumerate() {
        tx.prepare_cached(
            "INSERT INTO item_parts (item_id, part_index, path) VALUES (?1, ?2, ?3)",
        )?
        .execute(params![key, i as i64, part])?;
    }
    {
        let mut stmt = tx.prepare_cached(
            "INSERT OR REPLACE INTO media_streams (item_id, stream_index, kind, codec, profile, level,
                width, height, average_frame_rate, real_frame_rate, pixel_format, bit_depth,
                color_transfer, color_primaries, color_space, dv_profile, channels, channel_layout,
                sample_rate, bit_rate, language, title, is_default, is_forced, is_hearing_impaired,
                is_external, path)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
                ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27)",
        )?;
        for s in &rec.streams {
            stmt.execute(params![
                key,
                s.index,
                s.kind,
                s.codec,
                s.profile,
                s.level,
                s.width,
                s.height,
                s.average_frame_rate,
                s.real_frame_rate,
                s.pixel_format,
                s.bit_depth,
                s.color_transfer,
                s.color_primaries,
                s.color_space,
                s.dv_profile,
                s.channels,
                s.channel_layout,
                s.sample_rate,
                s.bit_rate,
                s.language,
                s.title,
                s.is_default,
                s.is_forced,
                s.is_hearing_impaired,
                s.is_external,
                s.path,
            ])?;
        }
    }
    for (i, c) in rec.chapters.iter().enumerate() {
        tx.prepare_cached(
            "INSERT INTO chapters (item_id, chapter_index, start_ticks, name) VALUES (?1, ?2, ?3, ?4)",
        )?
        .execute(params![key, i as i64, c.start_ticks, c.name])?;
    }
    for img in &rec.images {
        tx.prepare_cached(
            "INSERT OR REPLACE INTO images (item_id, image_type, image_index, path, width, height,
                blurhash, date_modified) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )?
        .execute(params![
            key,
            img.image_type,
            img.index,
            img.path,
            img.width,
            img.height,
            img.blurhash,
            img.date_modified
        ])?;
    }
    for (provider, value) in &rec.provider_ids {
        tx.prepare_cached(
            "INSERT OR REPLACE INTO provider_ids (item_id, provider, value) VALUES (?1, ?2, ?3)",
        )?
        .execute(params![key, provider, value])?;
    }
    let music = matches!(
        kind,
        ItemKind::Audio | ItemKind::MusicAlbum | ItemKind::MusicArtist | ItemKind::MusicVideo
    );
    for (vk, values) in [
        (ValueKind::Genre, &rec.genres),
        (ValueKind::Studio, &rec.studios),
        (ValueKind::Tag, &rec.tags),
        (ValueKind::Artist, &rec.artists),
        (ValueKind::AlbumArtist, &rec.album_artists),
    ] {
        for (position, v) in values
            .iter()
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
            .enumerate()
        {
            let value_id = if vk == ValueKind::Tag {
                by_name_id(ItemKind::Folder, &format!("tag/{v}"))
            } else {
                ensure_by_name(tx, value_item_kind(vk, music), v, now)?
            };
            tx.prepare_cached(
                "INSERT OR IGNORE INTO item_values (item_id, kind, value_id, value, position)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![key, vk.name(), &value_id.0[..], v, position as i64])?;
        }
    }
    for p in rec.people.iter().filter(|p| !p.name.trim().is_empty()) {
        let person = ensure_by_name(tx, ItemKind::Person, p.name.trim(), now)?;
        tx.prepare_cached(
            "INSERT OR IGNORE INTO people (item_id, person_id, role, kind, sort_order) VALUES (?1, ?2, ?3, ?4, ?5)",
        )?
        .execute(params![key, &person.0[..], p.role, p.kind, p.sort_order])?;
    }
    Ok(())
}

/// Deletes items (and, through the foreign keys, their children, extras, versions, streams,
/// images and links).
pub fn delete_items(tx: &Transaction<'_>, ids: &[ItemId]) -> StoreResult<usize> {
    // Foreign-key cascades are not counted by SQLite's change count: count what exists first,
    // so an extra deleted with its owner still counts once.
    let mut n = 0;
    for id in ids {
        let exists: bool = tx
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM items WHERE id = ?1)")?
            .query_row([&id.0[..]], |r| r.get(0))?;
        if exists {
            n += 1;
        }
    }
    let mut stmt = tx.prepare_cached("DELETE FROM items WHERE id = ?1")?;
    for id in ids {
        stmt.execute([&id.0[..]])?;
    }
    Ok(n)
}

/// Deletes by-name items (people, genres, studios, artists) no item links to any more.
pub fn delete_orphan_by_name_items(tx: &Transaction<'_>) -> StoreResult<usize> {
    Ok(tx.execute(
        "DELETE FROM items WHERE kind IN ('Person', 'Genre', 'MusicGenre', 'Studio', 'MusicArtist')
           AND path IS NULL
           AND NOT EXISTS (SELECT 1 FROM people WHERE person_id = items.id)
           AND NOT EXISTS (SELECT 1 FROM item_values WHERE value_id = items.id)",
        [],
    )?)
}

/// The stored tree hash of a scan unit.
pub fn unit_hash(conn: &Connection, library: ItemId, path: &str) -> StoreResult<Option<i64>> {
    Ok(conn
        .prepare_cached("SELECT tree_hash FROM scan_units WHERE library_id = ?1 AND path = ?2")?
        .query_row(params![&library.0[..], path], |r| r.get(0))
        .optional()?)
}

/// All stored scan units of a library: path -> tree hash.
pub fn unit_hashes(conn: &Connection, library: ItemId) -> StoreResult<Vec<(String, i64)>> {
    Ok(conn
        .prepare("SELECT path, tree_hash FROM scan_units WHERE library_id = ?1")?
        .query_map([&library.0[..]], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?)
}

/// Records a scan unit's tree hash.
pub fn set_unit_hash(
    tx: &Transaction<'_>,
    library: ItemId,
    path: &str,
    hash: i64,
) -> StoreResult<()> {
    tx.prepare_cached(
        "INSERT INTO scan_units (library_id, path, tree_hash) VALUES (?1, ?2, ?3)
         ON CONFLICT(library_id, path) DO UPDATE SET tree_hash = excluded.tree_hash",
    )?
    .execute(params![&library.0[..], path, hash])?;
    Ok(())
}

/// Forgets a scan unit (its folder is gone).
pub fn delete_unit(tx: &Transaction<'_>, library: ItemId, key: &str) -> StoreResult<()> {
    tx.execute(
        "DELETE FROM scan_units WHERE library_id = ?1 AND path = ?2",
        params![&library.0[..], key],
    )?;
    Ok(())
}

/// Records (or clears, with `None`) a scan error for a path.
pub fn set_scan_error(
    tx: &Transaction<'_>,
    library: ItemId,
    path: &str,
    error: Option<&str>,
) -> StoreResult<()> {
    match error {
        Some(e) => tx.execute(
            "INSERT OR REPLACE INTO scan_errors (library_id, path, error) VALUES (?1, ?2, ?3)",
            params![&library.0[..], path, e],
        )?,
        None => tx.execute(
            "DELETE FROM scan_errors WHERE library_id = ?1 AND path = ?2",
            params![&library.0[..], path],
        )?,
    };
    Ok(())
}

/// The scan errors recorded for a library: (path, error).
pub fn scan_errors(conn: &Connection, library: ItemId) -> StoreResult<Vec<(String, String)>> {
    Ok(conn
        .prepare("SELECT path, error FROM scan_errors WHERE library_id = ?1 ORDER BY path")?
        .query_map([&library.0[..]], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?)
}

/// What the scanner needs to know about a stored item to decide whether to rewrite it.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredItemState {
    /// Item id.
    pub id: ItemId,
    /// Path.
    pub path: Option<String>,
    /// Stored fingerprint.
    pub fingerprint: i64,
    /// File size and mtime of the media file as last probed.
    pub file: Option<(i64, i64)>,
    /// When the item was first stored.
    pub date_created: i64,
}

/// The stored state of every item of a library whose path is `unit` or lies below it.
pub fn items_under(
    conn: &Connection,
    library: ItemId,
    unit: &str,
) -> StoreResult<Vec<StoredItemState>> {
    let like = format!(
        "{}/%",
        unit.replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    );
    let mut stmt = conn.prepare_cached(
        "SELECT id, path, fingerprint, size, file_mtime, date_created FROM items
         WHERE library_id = ?1 AND id != ?1 AND (path = ?2 OR path LIKE ?3 ESCAPE '\\')",
    )?;
    let rows = stmt.query_map(params![&library.0[..], unit, like], |r| {
        Ok((
            r.get::<_, Vec<u8>>(0)?,
            r.get::<_, Option<String>>(1)?,
            r.get::<_, i64>(2)?,
            r.get::<_, Option<i64>>(3)?,
            r.get::<_, Option<i64>>(4)?,
            r.get::<_, i64>(5)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, path, fingerprint, size, mtime, date_created) = row?;
        out.push(StoredItemState {
            id: blob_id(&id, "items.id")?,
            path,
            fingerprint,
            file: size.zip(mtime),
            date_created,
        });
    }
    Ok(out)
}

/// Reads a `media_streams` row whose `stream_index` column is at `at` (the other columns
/// follow in table order).
pub(crate) fn read_stream(r: &rusqlite::Row<'_>, at: usize) -> rusqlite::Result<StreamRecord> {
    Ok(StreamRecord {
        index: r.get(at)?,
        kind: r.get(at + 1)?,
        codec: r.get(at + 2)?,
        profile: r.get(at + 3)?,
        level: r.get(at + 4)?,
        width: r.get(at + 5)?,
        height: r.get(at + 6)?,
        average_frame_rate: r.get(at + 7)?,
        real_frame_rate: r.get(at + 8)?,
        pixel_format: r.get(at + 9)?,
        bit_depth: r.get(at + 10)?,
        color_transfer: r.get(at + 11)?,
        color_primaries: r.get(at + 12)?,
        color_space: r.get(at + 13)?,
        dv_profile: r.get(at + 14)?,
        channels: r.get(at + 15)?,
        channel_layout: r.get(at + 16)?,
        sample_rate: r.get(at + 17)?,
        bit_rate: r.get(at + 18)?,
        language: r.get(at + 19)?,
        title: r.get(at + 20)?,
        is_default: r.get(at + 21)?,
        is_forced: r.get(at + 22)?,
        is_hearing_impaired: r.get(at + 23)?,
        is_external: r.get(at + 24)?,
        path: r.get(at + 25)?,
    })
}
