//! Reads: items by id and the `ItemQuery` behind `/Items`-style browsing (SURFACE.md §3):
//! parent or ancestor, recursion, kinds, media types, ids, name ranges, genres, years, studios,
//! people, ratings, played/favorite hooks, sorting and paging with a total count.

use rusqlite::types::Value;
use rusqlite::{params_from_iter, Connection, OptionalExtension, Row};

use super::cache::{Listed, QueryCache, MAX_KEY_LEN};
use super::model::*;
use super::write::blob_id;
use super::{StoreError, StoreResult};

/// Sort keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortBy {
    /// Sort name.
    SortName,
    /// Display name.
    Name,
    /// Production year.
    ProductionYear,
    /// Premiere date.
    PremiereDate,
    /// Date added to the library.
    DateCreated,
    /// Community rating.
    CommunityRating,
    /// Runtime.
    Runtime,
    /// Random order.
    Random,
    /// Index number (episode, track).
    IndexNumber,
    /// Parent index number (season, disc).
    ParentIndexNumber,
}

impl SortBy {
    /// Parses Jellyfin's name (`SortName`, `ProductionYear`, ...), ignoring case.
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name.to_ascii_lowercase().as_str() {
            "sortname" => SortBy::SortName,
            "name" => SortBy::Name,
            "productionyear" => SortBy::ProductionYear,
            "premieredate" => SortBy::PremiereDate,
            "datecreated" => SortBy::DateCreated,
            "communityrating" => SortBy::CommunityRating,
            "runtime" => SortBy::Runtime,
            "random" => SortBy::Random,
            "indexnumber" => SortBy::IndexNumber,
            "parentindexnumber" => SortBy::ParentIndexNumber,
            _ => return None,
        })
    }

    fn column(self) -> &'static str {
        match self {
            SortBy::SortName => "items.sort_name",
            SortBy::Name => "items.name",
            SortBy::ProductionYear => "items.production_year",
            SortBy::PremiereDate => "items.premiere_date",
            SortBy::DateCreated => "items.date_created",
            SortBy::CommunityRating => "items.community_rating",
            SortBy::Runtime => "items.run_time_ticks",
            SortBy::Random => "random()",
            SortBy::IndexNumber => "items.index_number",
            SortBy::ParentIndexNumber => "items.parent_index_number",
        }
    }
}

/// Sort direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortOrder {
    /// Smallest first.
    #[default]
    Ascending,
    /// Largest first.
    Descending,
}

/// A set of ids to keep or drop (the played/favorite hooks: user data supplies the ids).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdFilter {
    /// The ids.
    pub ids: Vec<ItemId>,
    /// `true`: keep only these ids; `false`: drop these ids.
    pub include: bool,
}

/// An item query. Empty lists mean "no constraint".
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ItemQuery {
    /// Items whose parent (or, when `recursive`, any ancestor) is this item.
    pub parent_id: Option<ItemId>,
    /// Search all descendants of `parent_id` instead of its children.
    pub recursive: bool,
    /// Restrict to these kinds.
    pub include_kinds: Vec<ItemKind>,
    /// Exclude these kinds.
    pub exclude_kinds: Vec<ItemKind>,
    /// Restrict to these media types.
    pub media_types: Vec<MediaType>,
    /// Restrict to these ids.
    pub ids: Vec<ItemId>,
    /// Restrict to one library.
    pub library_id: Option<ItemId>,
    /// Only items of these libraries (a user's library access); by-name items (people,
    /// genres...) belong to no library and always pass. `None`: every library.
    pub visible_libraries: Option<Vec<ItemId>>,
    /// A user's parental control (rating limit, unrated kinds blocked) on the stored rating
    /// scores; `None`: none. See [`crate::ratings::ParentalControl`].
    pub parental: Option<crate::ratings::ParentalControl>,
    /// Exclude these ids.
    pub exclude_ids: Vec<ItemId>,
    /// Folders only (`true`) or non-folders only (`false`).
    pub is_folder: Option<bool>,
    /// Names containing this text, ignoring case (a plain search until the search index
    /// serves it).
    pub search_term: Option<String>,
    /// Sort names starting with this (ignoring case).
    pub name_starts_with: Option<String>,
    /// Sort names greater than or equal to this.
    pub name_starts_with_or_greater: Option<String>,
    /// Sort names less than this.
    pub name_less_than: Option<String>,
    /// Items with any of these genres.
    pub genres: Vec<String>,
    /// Items from any of these production years.
    pub years: Vec<i32>,
    /// Items from any of these studios.
    pub studios: Vec<String>,
    /// Items crediting any of these people (by name).
    pub persons: Vec<String>,
    /// Items with any of these tags.
    pub tags: Vec<String>,
    /// Items with any of these official ratings.
    pub official_ratings: Vec<String>,
    /// Played hook.
    pub played: Option<IdFilter>,
    /// Favorite hook.
    pub favorite: Option<IdFilter>,
    /// Include extras (owned items). Off by default, as in Jellyfin's browse views.
    pub include_extras: bool,
    /// Include non-primary versions. Off by default.
    pub include_alternate_versions: bool,
    /// Sort keys, applied in order; a missing order uses the first order, else ascending.
    pub sort: Vec<(SortBy, SortOrder)>,
    /// Paging: how many to skip.
    pub start_index: usize,
    /// Paging: how many to return (`None`: all).
    pub limit: Option<usize>,
}

/// One page of results with the total count of matches.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct QueryResult<T> {
    /// The page.
    pub items: Vec<T>,
    /// How many items match in all.
    pub total_record_count: usize,
    /// The first index of the page.
    pub start_index: usize,
}

const ITEM_COLUMNS: &str =
    "items.id, items.kind, items.library_id, items.parent_id, items.owner_id,
    items.primary_version_id, items.series_id, items.season_id, items.path, items.name,
    items.sort_name, items.original_title, items.overview, items.tagline, items.production_year,
    items.premiere_date, items.community_rating, items.official_rating, items.run_time_ticks,
    items.index_number, items.parent_index_number, items.index_number_end, items.series_name,
    items.album, items.extra_type, items.media_type, items.container, items.size,
    items.file_mtime, items.bitrate, items.video_3d_format, items.video_type,
    items.is_placeholder, items.probe_error, items.nfo_error, items.date_created,
    items.fingerprint";
/// How many columns [`ITEM_COLUMNS`] selects.
const ITEM_COLUMN_COUNT: usize = 37;

fn opt_blob(r: &Row<'_>, i: usize, column: &'static str) -> rusqlite::Result<Option<ItemId>> {
    match r.get::<_, Option<Vec<u8>>>(i)? {
        None => Ok(None),
        Some(b) => blob_id(&b, column).map(Some).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Blob, Box::new(e))
        }),
    }
}

fn read_item(r: &Row<'_>) -> rusqlite::Result<ItemRecord> {
    let kind: String = r.get(1)?;
    let media_type: Option<String> = r.get(25)?;
    Ok(ItemRecord {
        id: opt_blob(r, 0, "items.id")?,
        kind: ItemKind::from_name(&kind),
        library_id: opt_blob(r, 2, "items.library_id")?,
        parent_id: opt_blob(r, 3, "items.parent_id")?,
        owner_id: opt_blob(r, 4, "items.owner_id")?,
        primary_version_id: opt_blob(r, 5, "items.primary_version_id")?,
        series_id: opt_blob(r, 6, "items.series_id")?,
        season_id: opt_blob(r, 7, "items.season_id")?,
        path: r.get(8)?,
        name: r.get(9)?,
        sort_name: r.get(10)?,
        original_title: r.get(11)?,
        overview: r.get(12)?,
        tagline: r.get(13)?,
        production_year: r.get(14)?,
        premiere_date: r.get(15)?,
        community_rating: r.get(16)?,
        official_rating: r.get(17)?,
        run_time_ticks: r.get(18)?,
        index_number: r.get(19)?,
        parent_index_number: r.get(20)?,
        index_number_end: r.get(21)?,
        series_name: r.get(22)?,
        album: r.get(23)?,
        extra_type: r.get(24)?,
        media_type: media_type.as_deref().and_then(MediaType::from_name),
        container: r.get(26)?,
        size: r.get(27)?,
        file_mtime: r.get(28)?,
        bitrate: r.get(29)?,
        video_3d_format: r.get(30)?,
        video_type: r.get(31)?,
        is_placeholder: r.get(32)?,
        probe_error: r.get(33)?,
        nfo_error: r.get(34)?,
        date_created: r.get(35)?,
        fingerprint: r.get(36)?,
        ..ItemRecord::default()
    })
}

/// Fills the linked data of an item: values, people, provider ids, images, parts, streams and
/// chapters.
fn load_links(conn: &Connection, item: &mut ItemRecord) -> StoreResult<()> {
    load_links_many(conn, std::slice::from_mut(item))
}

/// Runs `sql` (whose first column is `item_id`, filtered by `item_id IN ({list})`) for the
/// items of a page and hands each row, read by `read` from column 1 on, to `attach` with the
/// index of its item.
fn for_each_linked<T>(
    conn: &Connection,
    sql: &str,
    ids: &[Value],
    index: &std::collections::HashMap<ItemId, usize>,
    read: impl Fn(&Row<'_>) -> rusqlite::Result<T>,
    mut attach: impl FnMut(usize, T),
) -> StoreResult<()> {
    let list = vec!["?"; ids.len()].join(", ");
    let mut stmt = conn.prepare_cached(&sql.replace("{list}", &list))?;
    let rows = stmt.query_map(params_from_iter(ids.iter()), |r| {
        Ok((r.get::<_, Vec<u8>>(0)?, read(r)?))
    })?;
    for row in rows {
        let (id, value) = row?;
        let at = <[u8; 16]>::try_from(id.as_slice())
            .ok()
            .and_then(|b| index.get(&ItemId(b)).copied());
        if let Some(i) = at {
            attach(i, value);
        }
    }
    Ok(())
}

/// Fills the linked data of many items with one query per linked table (a page of results).
fn load_links_many(conn: &Connection, items: &mut [ItemRecord]) -> StoreResult<()> {
    if items.is_empty() {
        return Ok(());
    }
    let index: std::collections::HashMap<ItemId, usize> = items
        .iter()
        .enumerate()
        .filter_map(|(i, item)| item.id.map(|id| (id, i)))
        .collect();
    let ids: Vec<Value> = index.keys().map(|id| Value::Blob(id.0.to_vec())).collect();
    for_each_linked(
        conn,
        "SELECT item_id, kind, value FROM item_values WHERE item_id IN ({list})
         ORDER BY item_id, kind, position",
        &ids,
        &index,
        |r| Ok((r.get::<_, String>(1)?, r.get::<_, String>(2)?)),
        |i, (kind, value)| {
            let item = &mut items[i];
            match kind.as_str() {
                "Genre" => item.genres.push(value),
                "Studio" => item.studios.push(value),
                "Tag" => item.tags.push(value),
                "Artist" => item.artists.push(value),
                "AlbumArtist" => item.album_artists.push(value),
                _ => {}
            }
        },
    )?;
    for_each_linked(
        conn,
        "SELECT pl.item_id, p.name, pl.role, pl.kind, pl.sort_order FROM people pl
         JOIN items p ON p.id = pl.person_id WHERE pl.item_id IN ({list})
         ORDER BY pl.item_id, pl.sort_order IS NULL, pl.sort_order, p.sort_name",
        &ids,
        &index,
        |r| {
            Ok(PersonCredit {
                name: r.get(1)?,
                role: r.get(2)?,
                kind: r.get(3)?,
                sort_order: r.get(4)?,
            })
        },
        |i, p| items[i].people.push(p),
    )?;
    for_each_linked(
        conn,
        "SELECT item_id, provider, value FROM provider_ids WHERE item_id IN ({list})
         ORDER BY item_id, provider",
        &ids,
        &index,
        |r| Ok((r.get::<_, String>(1)?, r.get::<_, String>(2)?)),
        |i, pair| items[i].provider_ids.push(pair),
    )?;
    for_each_linked(
        conn,
        "SELECT item_id, image_type, image_index, path, width, height, blurhash, date_modified
         FROM images WHERE item_id IN ({list}) ORDER BY item_id, image_type, image_index",
        &ids,
        &index,
        |r| {
            Ok(ImageRecord {
                image_type: r.get(1)?,
                index: r.get(2)?,
                path: r.get(3)?,
                width: r.get(4)?,
                height: r.get(5)?,
                blurhash: r.get(6)?,
                date_modified: r.get(7)?,
            })
        },
        |i, img| items[i].images.push(img),
    )?;
    for_each_linked(
        conn,
        "SELECT item_id, path FROM item_parts WHERE item_id IN ({list})
         ORDER BY item_id, part_index",
        &ids,
        &index,
        |r| r.get::<_, String>(1),
        |i, path| items[i].additional_parts.push(path),
    )?;
    for_each_linked(
        conn,
        "SELECT item_id, stream_index, kind, codec, profile, level, width, height,
            average_frame_rate, real_frame_rate, pixel_format, bit_depth, color_transfer,
            color_primaries, color_space, dv_profile, channels, channel_layout, sample_rate,
            bit_rate, language, title, is_default, is_forced, is_hearing_impaired, is_external,
            path
         FROM media_streams WHERE item_id IN ({list}) ORDER BY item_id, stream_index",
        &ids,
        &index,
        |r| super::write::read_stream(r, 1),
        |i, stream| items[i].streams.push(stream),
    )?;
    for_each_linked(
        conn,
        "SELECT item_id, start_ticks, name FROM chapters WHERE item_id IN ({list})
         ORDER BY item_id, chapter_index",
        &ids,
        &index,
        |r| {
            Ok(ChapterRecord {
                start_ticks: r.get(1)?,
                name: r.get(2)?,
            })
        },
        |i, chapter| items[i].chapters.push(chapter),
    )
}

/// One item with everything linked to it, or `None`.
pub fn get_item(conn: &Connection, id: ItemId) -> StoreResult<Option<ItemRecord>> {
    let mut item = conn
        .prepare_cached(&format!("SELECT {ITEM_COLUMNS} FROM items WHERE id = ?1"))?
        .query_row([&id.0[..]], read_item)
        .optional()?;
    if let Some(item) = item.as_mut() {
        load_links(conn, item)?;
    }
    Ok(item)
}

/// The items with these ids, with their linked rows, in the order of `ids` (unknown ids are
/// skipped).
pub fn get_items(conn: &Connection, ids: &[ItemId]) -> StoreResult<Vec<ItemRecord>> {
    let mut items = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {ITEM_COLUMNS} FROM items WHERE {}",
            any_of("items.id", chunk.len())
        ))?;
        let rows = stmt.query_map(
            params_from_iter(chunk.iter().map(|id| &id.0[..])),
            read_item,
        )?;
        for row in rows {
            items.push(row?);
        }
    }
    load_links_many(conn, &mut items)?;
    let position: std::collections::HashMap<ItemId, usize> =
        ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
    items.sort_by_key(|i| i.id.and_then(|id| position.get(&id).copied()));
    Ok(items)
}

/// Ids of the items that are extras of `owner`, by sort name.
pub fn extras_of(conn: &Connection, owner: ItemId) -> StoreResult<Vec<ItemId>> {
    ids_where(conn, "owner_id = ?1", owner)
}

/// Ids of the alternate versions of `primary`, in stored order.
pub fn alternate_versions_of(conn: &Connection, primary: ItemId) -> StoreResult<Vec<ItemId>> {
    ids_where(conn, "primary_version_id = ?1", primary)
}

fn ids_where(conn: &Connection, clause: &str, id: ItemId) -> StoreResult<Vec<ItemId>> {
    let rows: Vec<Vec<u8>> = conn
        .prepare_cached(&format!(
            "SELECT id FROM items WHERE {clause} ORDER BY sort_name, id"
        ))?
        .query_map([&id.0[..]], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    rows.iter().map(|b| blob_id(b, "items.id")).collect()
}

fn any_of(column_expr: &str, n: usize) -> String {
    let marks = vec!["?"; n].join(", ");
    format!("{column_expr} IN ({marks})")
}

fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// The `WHERE` clause and its arguments for a query.
fn build_where(conn: &Connection, q: &ItemQuery) -> StoreResult<(String, Vec<Value>)> {
    let mut clauses: Vec<String> = Vec::new();
    let mut args: Vec<Value> = Vec::new();
    let blob = |id: &ItemId| Value::Blob(id.0.to_vec());
    // A recursive query under a library folder is a query on the library (an indexed column)
    // rather than on the ancestor closure.
    let parent_is_library = match (&q.parent_id, q.recursive) {
        (Some(parent), true) => conn
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM libraries WHERE id = ?1)")?
            .query_row([&parent.0[..]], |r| r.get::<_, bool>(0))?,
        _ => false,
    };
    if let (Some(parent), true) = (&q.parent_id, parent_is_library) {
        clauses.push("items.library_id = ?".into());
        args.push(blob(parent));
        clauses.push("items.id != ?".into());
        args.push(blob(parent));
    } else if let Some(parent) = &q.parent_id {
        if q.recursive {
            clauses.push(
                "items.id IN (SELECT item_id FROM item_ancestors WHERE ancestor_id = ?)".into(),
            );
        } else {
            clauses.push("items.parent_id = ?".into());
        }
        args.push(blob(parent));
    }
    if let Some(lib) = &q.library_id {
        clauses.push("items.library_id = ?".into());
        args.push(blob(lib));
    }
    if !q.include_kinds.is_empty() {
        clauses.push(any_of("items.kind", q.include_kinds.len()));
        args.extend(q.include_kinds.iter().map(|k| Value::Text(k.name().into())));
    }
    if !q.exclude_kinds.is_empty() {
        clauses.push(format!(
            "NOT {}",
            any_of("items.kind", q.exclude_kinds.len())
        ));
        args.extend(q.exclude_kinds.iter().map(|k| Value::Text(k.name().into())));
    }
    if !q.media_types.is_empty() {
        clauses.push(any_of("items.media_type", q.media_types.len()));
        args.extend(q.media_types.iter().map(|m| Value::Text(m.name().into())));
    }
    if !q.ids.is_empty() {
        clauses.push(any_of("items.id", q.ids.len()));
        args.extend(q.ids.iter().map(blob));
    }
    if let Some(libs) = &q.visible_libraries {
        if libs.is_empty() {
            clauses.push("items.library_id IS NULL".into());
        } else {
            clauses.push(format!(
                "(items.library_id IS NULL OR {})",
                any_of("items.library_id", libs.len())
            ));
            args.extend(libs.iter().map(blob));
        }
    }
    if let Some(control) = &q.parental {
        let (clause, values) = control.sql();
        clauses.push(clause);
        args.extend(values);
    }
    if !q.exclude_ids.is_empty() {
        clauses.push(format!("NOT {}", any_of("items.id", q.exclude_ids.len())));
        args.extend(q.exclude_ids.iter().map(blob));
    }
    if let Some(folder) = q.is_folder {
        clauses.push("items.is_folder = ?".into());
        args.push(Value::Integer(i64::from(folder)));
    }
    if let Some(term) = q
        .search_term
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        clauses.push(
            "(items.name LIKE ? ESCAPE '\\' OR items.original_title LIKE ? ESCAPE '\\')".into(),
        );
        let pattern = format!("%{}%", escape_like(term));
        args.push(Value::Text(pattern.clone()));
        args.push(Value::Text(pattern));
    }
    if let Some(prefix) = &q.name_starts_with {
        clauses.push("items.sort_name LIKE ? ESCAPE '\\'".into());
        args.push(Value::Text(format!("{}%", escape_like(&sort_name(prefix)))));
    }
    if let Some(v) = &q.name_starts_with_or_greater {
        clauses.push("items.sort_name >= ?".into());
        args.push(Value::Text(sort_name(v)));
    }
    if let Some(v) = &q.name_less_than {
        clauses.push("items.sort_name < ?".into());
        args.push(Value::Text(sort_name(v)));
    }
    for (kind, values) in [
        ("Genre", &q.genres),
        ("Studio", &q.studios),
        ("Tag", &q.tags),
    ] {
        if !values.is_empty() {
            clauses.push(format!(
                "EXISTS (SELECT 1 FROM item_values v WHERE v.item_id = items.id AND v.kind = '{kind}'
                 AND {})",
                any_of("v.value COLLATE NOCASE", values.len())
            ));
            args.extend(values.iter().map(|v| Value::Text(v.clone())));
        }
    }
    if !q.years.is_empty() {
        clauses.push(any_of("items.production_year", q.years.len()));
        args.extend(q.years.iter().map(|y| Value::Integer(i64::from(*y))));
    }
    if !q.persons.is_empty() {
        clauses.push(format!(
            "EXISTS (SELECT 1 FROM people pl JOIN items p ON p.id = pl.person_id
             WHERE pl.item_id = items.id AND {})",
            any_of("p.name COLLATE NOCASE", q.persons.len())
        ));
        args.extend(q.persons.iter().map(|v| Value::Text(v.clone())));
    }
    if !q.official_ratings.is_empty() {
        clauses.push(any_of("items.official_rating", q.official_ratings.len()));
        args.extend(q.official_ratings.iter().map(|v| Value::Text(v.clone())));
    }
    for filter in [&q.played, &q.favorite].into_iter().flatten() {
        if filter.ids.is_empty() {
            if filter.include {
                clauses.push("0".into());
            }
            continue;
        }
        let test = any_of("items.id", filter.ids.len());
        clauses.push(if filter.include {
            test
        } else {
            format!("NOT {test}")
        });
        args.extend(filter.ids.iter().map(blob));
    }
    if !q.include_extras {
        clauses.push("items.owner_id IS NULL".into());
    }
    if !q.include_alternate_versions {
        clauses.push("items.primary_version_id IS NULL".into());
    }
    let where_sql = if clauses.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", clauses.join(" AND "))
    };
    Ok((where_sql, args))
}

/// Runs a query: one page of fully loaded items and the total number of matches.
pub fn query_items(conn: &Connection, q: &ItemQuery) -> StoreResult<QueryResult<ItemRecord>> {
    query_items_cached(conn, q, None)
}

/// [`query_items`] with the total count, and the order of later pages, taken from `cache`.
///
/// A first page is one indexed query. A later page (`start_index >= limit`) of a query whose
/// order is not random comes from the query's ordered listing of row ids, computed once per
/// content generation: paging deep into a large library then costs a slice and 100 row lookups
/// instead of SQLite stepping over every row before the offset.
pub(crate) fn query_items_cached(
    conn: &Connection,
    q: &ItemQuery,
    cache: Option<&QueryCache>,
) -> StoreResult<QueryResult<ItemRecord>> {
    let plan = Plan::new(conn, q)?;
    if let Some((page, total)) = plan.listed_page(conn, q, cache)? {
        let rows: Vec<i64> = page.iter().map(|(row, _)| *row).collect();
        let mut items = items_by_rowid(conn, &rows)?;
        load_links_many(conn, &mut items)?;
        return Ok(QueryResult {
            items,
            total_record_count: total,
            start_index: q.start_index,
        });
    }
    let total = plan.total(conn, cache)?;
    let mut items: Vec<ItemRecord> = conn
        .prepare(&plan.page_sql(q, ITEM_COLUMNS))?
        .query_map(params_from_iter(plan.args.iter()), read_item)?
        .collect::<Result<_, _>>()?;
    load_links_many(conn, &mut items)?;
    Ok(QueryResult {
        items,
        total_record_count: total,
        start_index: q.start_index,
    })
}

/// The ids of a page of an item query (nothing else is read), with its total count; counts
/// and later pages come from `cache` as in [`query_items_cached`].
pub(crate) fn query_item_ids_cached(
    conn: &Connection,
    q: &ItemQuery,
    cache: Option<&QueryCache>,
) -> StoreResult<QueryResult<ItemId>> {
    let plan = Plan::new(conn, q)?;
    if let Some((page, total)) = plan.listed_page(conn, q, cache)? {
        return Ok(QueryResult {
            items: page.iter().map(|(_, id)| *id).collect(),
            total_record_count: total,
            start_index: q.start_index,
        });
    }
    let total = plan.total(conn, cache)?;
    let ids: Vec<Vec<u8>> = conn
        .prepare(&plan.page_sql(q, "items.id"))?
        .query_map(params_from_iter(plan.args.iter()), |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    Ok(QueryResult {
        items: ids
            .iter()
            .map(|b| blob_id(b, "items.id"))
            .collect::<StoreResult<_>>()?,
        total_record_count: total,
        start_index: q.start_index,
    })
}

/// An item query in SQL: its `WHERE`, arguments and `ORDER BY`.
struct Plan {
    where_sql: String,
    args: Vec<Value>,
    order: String,
    /// The cache key of its count (the listing key adds the order).
    key: String,
}

impl Plan {
    fn new(conn: &Connection, q: &ItemQuery) -> StoreResult<Self> {
        let (where_sql, args) = build_where(conn, q)?;
        let key = format!("{where_sql}|{args:?}");
        Ok(Self {
            where_sql,
            args,
            order: order_by(q),
            key,
        })
    }

    /// The page as (row id, item id) from the query's ordered listing, when it is cached or
    /// worth computing (a later page of a query in a stable order). `None`: query directly.
    fn listed_page(
        &self,
        conn: &Connection,
        q: &ItemQuery,
        cache: Option<&QueryCache>,
    ) -> StoreResult<Option<(Vec<Listed>, usize)>> {
        let Some(cache) = cache.filter(|_| {
            q.limit.is_some()
                && !q.sort.iter().any(|(by, _)| *by == SortBy::Random)
                && self.key.len() + self.order.len() <= MAX_KEY_LEN
        }) else {
            return Ok(None);
        };
        let listing_key = format!("{}|{}", self.key, self.order);
        let rows = match cache.listing(&listing_key) {
            Some(rows) => rows,
            None if q.start_index >= q.limit.unwrap_or(usize::MAX) => {
                cache.compute_listing(listing_key, &|| {
                    let mut stmt = conn.prepare(&format!(
                        "SELECT items.rowid, items.id FROM items {} ORDER BY {}",
                        self.where_sql, self.order
                    ))?;
                    let rows = stmt.query_map(params_from_iter(self.args.iter()), |r| {
                        Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?))
                    })?;
                    let mut out = Vec::new();
                    for row in rows {
                        let (rowid, id) = row?;
                        out.push((rowid, blob_id(&id, "items.id")?));
                    }
                    Ok(out)
                })?
            }
            None => return Ok(None),
        };
        let start = q.start_index.min(rows.len());
        let end = start
            .saturating_add(q.limit.unwrap_or(usize::MAX))
            .min(rows.len());
        Ok(Some((rows[start..end].to_vec(), rows.len())))
    }

    /// The total count (cached per content generation when a cache is given).
    fn total(&self, conn: &Connection, cache: Option<&QueryCache>) -> StoreResult<usize> {
        let compute = || -> StoreResult<i64> {
            Ok(conn.query_row(
                &format!("SELECT COUNT(*) FROM items {}", self.where_sql),
                params_from_iter(self.args.iter()),
                |r| r.get(0),
            )?)
        };
        let total = match cache {
            // Keys with long id lists are not worth keeping.
            Some(cache) if self.key.len() <= MAX_KEY_LEN => {
                cache.count(self.key.clone(), &compute)?
            }
            _ => compute()?,
        };
        usize::try_from(total).map_err(|_| StoreError::Corrupt { column: "COUNT(*)" })
    }

    /// One page of `columns` in the query's order.
    fn page_sql(&self, q: &ItemQuery, columns: &str) -> String {
        let limit = q.limit.map(|l| l as i64).unwrap_or(-1);
        format!(
            "SELECT {columns} FROM items {} ORDER BY {} LIMIT {limit} OFFSET {}",
            self.where_sql, self.order, q.start_index
        )
    }
}

/// The `ORDER BY` of a query: its sorts, then sort name and id (a total order).
fn order_by(q: &ItemQuery) -> String {
    let default_order = q.sort.first().map(|(_, o)| *o).unwrap_or_default();
    let mut order: Vec<String> = q
        .sort
        .iter()
        .map(|(by, o)| {
            let dir = if *o == SortOrder::Descending {
                "DESC"
            } else {
                "ASC"
            };
            // Missing values sort last in either direction.
            if *by == SortBy::Random {
                "random()".to_owned()
            } else if matches!(by, SortBy::SortName | SortBy::Name | SortBy::DateCreated) {
                // Never null: a plain order lets SQLite walk an index instead of sorting.
                format!("{} {dir}", by.column())
            } else {
                format!("{c} IS NULL, {c} {dir}", c = by.column())
            }
        })
        .collect();
    if order.is_empty() {
        let dir = if default_order == SortOrder::Descending {
            "DESC"
        } else {
            "ASC"
        };
        order.push(format!("items.sort_name {dir}"));
    }
    // Ties: by sort name, then id (an index can deliver this order without a sort).
    if !q.sort.iter().any(|(by, _)| *by == SortBy::SortName) {
        order.push("items.sort_name ASC".into());
    }
    order.push("items.id ASC".into());
    order.join(", ")
}

/// The items with these row ids, in the order given (rows gone since are skipped).
fn items_by_rowid(conn: &Connection, rows: &[i64]) -> StoreResult<Vec<ItemRecord>> {
    let mut by_row: std::collections::HashMap<i64, ItemRecord> =
        std::collections::HashMap::with_capacity(rows.len());
    for chunk in rows.chunks(500) {
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {ITEM_COLUMNS}, items.rowid FROM items WHERE {}",
            any_of("items.rowid", chunk.len())
        ))?;
        let found = stmt.query_map(params_from_iter(chunk.iter()), |r| {
            Ok((r.get::<_, i64>(ITEM_COLUMN_COUNT)?, read_item(r)?))
        })?;
        for row in found {
            let (rowid, item) = row?;
            by_row.insert(rowid, item);
        }
    }
    Ok(rows.iter().filter_map(|r| by_row.remove(r)).collect())
}

/// For many owners at once: their extras as (trailers, other extras) counts. Owners without
/// extras are absent.
pub fn extra_counts(
    conn: &Connection,
    owners: &[ItemId],
) -> StoreResult<std::collections::HashMap<ItemId, (usize, usize)>> {
    let mut out = std::collections::HashMap::new();
    for chunk in owners.chunks(500) {
        let sql = format!(
            "SELECT owner_id, extra_type = 'Trailer', COUNT(*) FROM items WHERE {} GROUP BY 1, 2",
            any_of("owner_id", chunk.len())
        );
        let args: Vec<Value> = chunk.iter().map(|i| Value::Blob(i.0.to_vec())).collect();
        let rows: Vec<(Vec<u8>, bool, i64)> = conn
            .prepare(&sql)?
            .query_map(params_from_iter(args.iter()), |r| {
                Ok((
                    r.get(0)?,
                    r.get::<_, Option<bool>>(1)?.unwrap_or(false),
                    r.get(2)?,
                ))
            })?
            .collect::<Result<_, _>>()?;
        for (owner, trailer, n) in rows {
            let entry = out
                .entry(blob_id(&owner, "items.owner_id")?)
                .or_insert((0, 0));
            if trailer {
                entry.0 += n as usize;
            } else {
                entry.1 += n as usize;
            }
        }
    }
    Ok(out)
}

/// For many primaries at once: the ids of their alternate versions. Items without versions
/// are absent.
pub fn alternate_versions_of_many(
    conn: &Connection,
    primaries: &[ItemId],
) -> StoreResult<std::collections::HashMap<ItemId, Vec<ItemId>>> {
    let mut out: std::collections::HashMap<ItemId, Vec<ItemId>> = std::collections::HashMap::new();
    for chunk in primaries.chunks(500) {
        let sql = format!(
            "SELECT primary_version_id, id FROM items WHERE {} ORDER BY sort_name, id",
            any_of("primary_version_id", chunk.len())
        );
        let args: Vec<Value> = chunk.iter().map(|i| Value::Blob(i.0.to_vec())).collect();
        let rows: Vec<(Vec<u8>, Vec<u8>)> = conn
            .prepare(&sql)?
            .query_map(params_from_iter(args.iter()), |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?
            .collect::<Result<_, _>>()?;
        for (primary, id) in rows {
            out.entry(blob_id(&primary, "items.primary_version_id")?)
                .or_default()
                .push(blob_id(&id, "items.id")?);
        }
    }
    Ok(out)
}

/// For many folders at once: how many direct children each has (extras and alternate
/// versions not counted). Folders without children are absent.
pub fn child_counts(
    conn: &Connection,
    parents: &[ItemId],
) -> StoreResult<std::collections::HashMap<ItemId, usize>> {
    let mut out = std::collections::HashMap::new();
    for chunk in parents.chunks(500) {
        let sql = format!(
            "SELECT parent_id, COUNT(*) FROM items WHERE {} AND owner_id IS NULL
             AND primary_version_id IS NULL GROUP BY parent_id",
            any_of("parent_id", chunk.len())
        );
        let args: Vec<Value> = chunk.iter().map(|i| Value::Blob(i.0.to_vec())).collect();
        let rows: Vec<(Vec<u8>, i64)> = conn
            .prepare(&sql)?
            .query_map(params_from_iter(args.iter()), |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?
            .collect::<Result<_, _>>()?;
        for (parent, n) in rows {
            out.insert(blob_id(&parent, "items.parent_id")?, n as usize);
        }
    }
    Ok(out)
}
