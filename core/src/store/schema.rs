//! Numbered schema migrations, applied in order under `PRAGMA user_version`.
//!
//! Migration N brings a database from version N-1 to N. Never edit a released migration: add a
//! new one. Every foreign key column has an index.

/// The migrations; index 0 is migration 1.
pub const MIGRATIONS: &[&str] = &[
    // 1: libraries, items and everything hanging off them.
    r#"
CREATE TABLE libraries (
    id BLOB PRIMARY KEY NOT NULL,
    name TEXT NOT NULL UNIQUE COLLATE NOCASE,
    kind TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE TABLE library_folders (
    library_id BLOB NOT NULL REFERENCES libraries(id) ON DELETE CASCADE,
    path TEXT NOT NULL,
    PRIMARY KEY (library_id, path)
);
CREATE TABLE items (
    id BLOB PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL,
    library_id BLOB REFERENCES libraries(id) ON DELETE CASCADE,
    parent_id BLOB REFERENCES items(id) ON DELETE CASCADE,
    owner_id BLOB REFERENCES items(id) ON DELETE CASCADE,
    primary_version_id BLOB REFERENCES items(id) ON DELETE CASCADE,
    series_id BLOB REFERENCES items(id) ON DELETE SET NULL,
    season_id BLOB REFERENCES items(id) ON DELETE SET NULL,
    path TEXT,
    name TEXT NOT NULL,
    sort_name TEXT NOT NULL,
    original_title TEXT,
    overview TEXT,
    tagline TEXT,
    production_year INTEGER,
    premiere_date TEXT,
    community_rating REAL,
    official_rating TEXT,
    run_time_ticks INTEGER,
    index_number INTEGER,
    parent_index_number INTEGER,
    index_number_end INTEGER,
    series_name TEXT,
    album TEXT,
    extra_type TEXT,
    is_folder INTEGER NOT NULL,
    media_type TEXT,
    container TEXT,
    size INTEGER,
    file_mtime INTEGER,
    bitrate INTEGER,
    video_3d_format TEXT,
    video_type TEXT,
    is_placeholder INTEGER NOT NULL DEFAULT 0,
    probe_error TEXT,
    nfo_error TEXT,
    date_created INTEGER NOT NULL,
    date_modified INTEGER NOT NULL,
    fingerprint INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX items_library ON items(library_id);
CREATE INDEX items_parent ON items(parent_id, sort_name);
CREATE INDEX items_owner ON items(owner_id);
CREATE INDEX items_primary_version ON items(primary_version_id);
CREATE INDEX items_series ON items(series_id);
CREATE INDEX items_season ON items(season_id);
CREATE INDEX items_path ON items(path);
CREATE INDEX items_kind_sort ON items(kind, sort_name);
CREATE INDEX items_kind_year ON items(kind, production_year);
CREATE INDEX items_kind_created ON items(kind, date_created);
CREATE INDEX items_kind_premiere ON items(kind, premiere_date);

-- Every ancestor of an item (parent, grandparent, ...) for recursive queries.
CREATE TABLE item_ancestors (
    item_id BLOB NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    ancestor_id BLOB NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    PRIMARY KEY (item_id, ancestor_id)
) WITHOUT ROWID;
CREATE INDEX item_ancestors_ancestor ON item_ancestors(ancestor_id);

CREATE TABLE item_parts (
    item_id BLOB NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    part_index INTEGER NOT NULL,
    path TEXT NOT NULL,
    PRIMARY KEY (item_id, part_index)
) WITHOUT ROWID;

CREATE TABLE media_streams (
    item_id BLOB NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    stream_index INTEGER NOT NULL,
    kind TEXT NOT NULL,
    codec TEXT, profile TEXT, level REAL, width INTEGER, height INTEGER,
    average_frame_rate REAL, real_frame_rate REAL, pixel_format TEXT, bit_depth INTEGER,
    color_transfer TEXT, color_primaries TEXT, color_space TEXT, dv_profile INTEGER,
    channels INTEGER, channel_layout TEXT, sample_rate INTEGER, bit_rate INTEGER,
    language TEXT, title TEXT,
    is_default INTEGER NOT NULL, is_forced INTEGER NOT NULL, is_hearing_impaired INTEGER NOT NULL,
    is_external INTEGER NOT NULL, path TEXT,
    PRIMARY KEY (item_id, stream_index)
) WITHOUT ROWID;

CREATE TABLE chapters (
    item_id BLOB NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    chapter_index INTEGER NOT NULL,
    start_ticks INTEGER NOT NULL,
    name TEXT,
    PRIMARY KEY (item_id, chapter_index)
) WITHOUT ROWID;

CREATE TABLE images (
    item_id BLOB NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    image_type INTEGER NOT NULL,
    image_index INTEGER NOT NULL,
    path TEXT NOT NULL,
    width INTEGER, height INTEGER, blurhash TEXT,
    date_modified INTEGER NOT NULL,
    PRIMARY KEY (item_id, image_type, image_index)
) WITHOUT ROWID;

CREATE TABLE provider_ids (
    item_id BLOB NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    provider TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (item_id, provider)
) WITHOUT ROWID;
CREATE INDEX provider_ids_value ON provider_ids(provider, value);

-- Genres, studios, tags, artists: by-name items linked to items.
CREATE TABLE item_values (
    item_id BLOB NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    value_id BLOB NOT NULL,
    value TEXT NOT NULL,
    position INTEGER NOT NULL,
    PRIMARY KEY (item_id, kind, value_id)
) WITHOUT ROWID;
CREATE INDEX item_values_value ON item_values(value_id, kind);

CREATE TABLE people (
    item_id BLOB NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    person_id BLOB NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    role TEXT,
    kind TEXT NOT NULL,
    sort_order INTEGER,
    PRIMARY KEY (item_id, person_id, kind)
) WITHOUT ROWID;
CREATE INDEX people_person ON people(person_id);

-- Scan bookkeeping: a hash of each scan unit's subtree, to skip unchanged units.
CREATE TABLE scan_units (
    library_id BLOB NOT NULL REFERENCES libraries(id) ON DELETE CASCADE,
    path TEXT NOT NULL,
    tree_hash INTEGER NOT NULL,
    PRIMARY KEY (library_id, path)
) WITHOUT ROWID;

-- Files the scanner could not turn into items, with the reason.
CREATE TABLE scan_errors (
    library_id BLOB NOT NULL REFERENCES libraries(id) ON DELETE CASCADE,
    path TEXT NOT NULL,
    error TEXT NOT NULL,
    PRIMARY KEY (library_id, path)
) WITHOUT ROWID;
"#,
    // 2: users, their access tokens (one per user and device), API keys, per-user item data.
    // Times are Unix milliseconds.
    r#"
CREATE TABLE users (
    id BLOB PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    -- The name folded to lower case (Unicode): names are unique ignoring case.
    name_key TEXT NOT NULL UNIQUE,
    -- Argon2id PHC string; NULL when the user has no password.
    password_hash TEXT,
    -- UserPolicy / UserConfiguration JSON objects, unknown keys kept.
    policy TEXT NOT NULL,
    configuration TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    last_login_ms INTEGER,
    last_activity_ms INTEGER
);

-- One access token per (user, device_id): a new login from the device replaces the old one.
CREATE TABLE devices (
    access_token TEXT PRIMARY KEY NOT NULL,
    user_id BLOB NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    device_id TEXT NOT NULL,
    device_name TEXT NOT NULL,
    app_name TEXT NOT NULL,
    app_version TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    last_activity_ms INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX devices_user ON devices(user_id, device_id);
CREATE INDEX devices_device ON devices(device_id);

-- Per-device options set by an administrator (a custom name).
CREATE TABLE device_options (
    device_id TEXT PRIMARY KEY NOT NULL,
    custom_name TEXT
) WITHOUT ROWID;

-- API keys: act as an administrator with no user.
CREATE TABLE api_keys (
    id INTEGER PRIMARY KEY,
    access_token TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    last_activity_ms INTEGER NOT NULL
);

-- What a user did with an item. A missing row means the defaults (unplayed, position 0, ...).
CREATE TABLE user_data (
    user_id BLOB NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    item_id BLOB NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    played INTEGER NOT NULL DEFAULT 0,
    play_count INTEGER NOT NULL DEFAULT 0,
    playback_position_ticks INTEGER NOT NULL DEFAULT 0,
    is_favorite INTEGER NOT NULL DEFAULT 0,
    likes INTEGER,
    rating REAL,
    last_played_ms INTEGER,
    audio_stream_index INTEGER,
    subtitle_stream_index INTEGER,
    PRIMARY KEY (user_id, item_id)
) WITHOUT ROWID;
CREATE INDEX user_data_item ON user_data(item_id);
CREATE INDEX user_data_resume ON user_data(user_id, last_played_ms)
    WHERE playback_position_ticks > 0;
CREATE INDEX user_data_played ON user_data(user_id, item_id) WHERE played = 1;
CREATE INDEX user_data_favorite ON user_data(user_id, item_id) WHERE is_favorite = 1;
"#,
    // 3: display preferences, stored whole per (user, id, client).
    r#"
CREATE TABLE display_preferences (
    user_id BLOB NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    pref_id TEXT NOT NULL,
    client TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (user_id, pref_id, client)
) WITHOUT ROWID;
"#,
    // 4: browsing a library: items of a kind in a library by sort name, without extras and
    // alternate versions (covers the count and the first pages of `/Items`).
    r#"
CREATE INDEX items_browse ON items(library_id, kind, sort_name, id)
    WHERE owner_id IS NULL AND primary_version_id IS NULL;
CREATE INDEX items_browse_created ON items(library_id, kind, date_created, id)
    WHERE owner_id IS NULL AND primary_version_id IS NULL;
"#,
    // 5: the activity log, scheduled task state (stored triggers, last result) and per-library
    // options. Times are Unix milliseconds (UTC).
    r#"
-- Entries outlive the users they mention: user_id is not a foreign key (NULL: no user).
CREATE TABLE activity_log (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    overview TEXT,
    short_overview TEXT,
    type TEXT NOT NULL,
    item_id TEXT,
    user_id BLOB,
    date INTEGER NOT NULL,
    severity TEXT NOT NULL
);
CREATE INDEX activity_log_date ON activity_log(date);
CREATE INDEX activity_log_user ON activity_log(user_id, date);

-- One row per task key once anything about it is stored. triggers: a JSON array of trigger
-- objects, NULL for the task's defaults. last_*: the last run's result, NULL before any run.
CREATE TABLE scheduled_tasks (
    task_key TEXT PRIMARY KEY NOT NULL,
    triggers TEXT,
    last_start_ms INTEGER,
    last_end_ms INTEGER,
    last_status TEXT,
    last_error TEXT
) WITHOUT ROWID;

-- Jellyfin's LibraryOptions object of a library, stored whole (unknown keys kept).
CREATE TABLE library_options (
    library_id BLOB PRIMARY KEY NOT NULL REFERENCES libraries(id) ON DELETE CASCADE,
    options TEXT NOT NULL
) WITHOUT ROWID;
"#,
    // 6: parental rating scores per item (see store/rating_scores.rs): the score and sub-score
    // of the item's official rating in the server's rating country, or its parent's when it
    // has no rating string. Existing items are scored here with the SQL functions the store
    // registers on its writer before migrating (US ratings; the library handle re-scores when
    // the server's country differs).
    r#"
ALTER TABLE items ADD COLUMN rating_score INTEGER;
ALTER TABLE items ADD COLUMN rating_sub_score INTEGER;
CREATE TABLE rating_country (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    code TEXT NOT NULL
);
INSERT INTO rating_country (id, code) VALUES (1, 'us');
UPDATE items SET rating_score = jf_rating_score(official_rating, 'us'),
    rating_sub_score = jf_rating_sub_score(official_rating, 'us')
    WHERE TRIM(COALESCE(official_rating, '')) != '';
UPDATE items SET
    rating_score = (SELECT a.rating_score FROM item_ancestors ia JOIN items a ON a.id = ia.ancestor_id
        WHERE ia.item_id = items.id AND TRIM(COALESCE(a.official_rating, '')) != ''
        ORDER BY (SELECT COUNT(*) FROM item_ancestors d WHERE d.item_id = a.id) DESC LIMIT 1),
    rating_sub_score = (SELECT a.rating_sub_score FROM item_ancestors ia JOIN items a ON a.id = ia.ancestor_id
        WHERE ia.item_id = items.id AND TRIM(COALESCE(a.official_rating, '')) != ''
        ORDER BY (SELECT COUNT(*) FROM item_ancestors d WHERE d.item_id = a.id) DESC LIMIT 1)
    WHERE parent_id IS NOT NULL AND TRIM(COALESCE(official_rating, '')) = '';
CREATE INDEX items_rating ON items(rating_score, rating_sub_score);
"#,
];

#[cfg(test)]
mod tests {
    use super::MIGRATIONS;
    use crate::auth::{Auth, HashCost};
    use crate::store::{schema_version, ItemId, Store, StoreError, DATABASE_FILE};
    use crate::userdata::UserData;

    #[test]
    fn migration_2_upgrades_a_version_1_database() {
        let dir = tempfile::tempdir().unwrap();
        let old = ItemId([1; 16]);
        {
            // A database as a build with only migration 1 left it, with an item in it.
            let conn = rusqlite::Connection::open(dir.path().join(DATABASE_FILE)).unwrap();
            conn.execute_batch(MIGRATIONS[0]).unwrap();
            conn.pragma_update(None, "user_version", 1).unwrap();
            conn.execute(
                "INSERT INTO items (id, kind, name, sort_name, is_folder, date_created,
                    date_modified) VALUES (?1, 'Movie', 'Old', 'old', 0, 1, 1)",
                [&old.0[..]],
            )
            .unwrap();
        }
        let version = |store: &Store| -> i64 {
            store
                .read(|c| {
                    c.pragma_query_value(None, "user_version", |r| r.get(0))
                        .map_err(StoreError::from)
                })
                .unwrap()
        };
        let store = Store::open_in(dir.path()).unwrap();
        assert!(schema_version() >= 2);
        assert_eq!(version(&store), schema_version());
        let auth = Auth::new(&store).with_hash_cost(HashCost::MINIMAL);
        assert!(!auth.has_users().unwrap());
        let user = auth.ensure_admin("admin", "pw").unwrap().unwrap();
        UserData::new(&store)
            .set_favorite(user.id, old, true)
            .unwrap();
        drop(store);

        // Reopening applies nothing and keeps everything.
        let store = Store::open_in(dir.path()).unwrap();
        assert_eq!(version(&store), schema_version());
        assert_eq!(store.integrity_check().unwrap(), Ok(()));
        assert!(UserData::new(&store).get(user.id, old).unwrap().is_favorite);
        assert_eq!(
            Auth::new(&store).user(user.id).unwrap().unwrap().name,
            "admin"
        );
        // Display preferences (migration 3) are kept whole, per client, and go with the user.
        let ud = UserData::new(&store);
        assert_eq!(
            ud.display_preferences(user.id, "usersettings", "emby")
                .unwrap(),
            None
        );
        let prefs = serde_json::json!({"CustomPrefs": {"a": null, "b": "1"}, "Unknown": [1]});
        ud.save_display_preferences(user.id, "usersettings", "emby", &prefs)
            .unwrap();
        assert_eq!(
            ud.display_preferences(user.id, "usersettings", "emby")
                .unwrap(),
            Some(prefs)
        );
        assert_eq!(
            ud.display_preferences(user.id, "usersettings", "other")
                .unwrap(),
            None
        );
        Auth::new(&store)
            .with_hash_cost(HashCost::MINIMAL)
            .create_user_with_policy("second", "", crate::auth::UserPolicy::first_admin())
            .unwrap();
        Auth::new(&store)
            .delete_user(user.id)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            ud.display_preferences(user.id, "usersettings", "emby")
                .unwrap(),
            None
        );
    }

    #[test]
    fn the_rating_score_migration_scores_existing_items() {
        use crate::ratings::{stored_score, RatingScore};
        let dir = tempfile::tempdir().unwrap();
        let (series, episode, movie) = (ItemId([1; 16]), ItemId([2; 16]), ItemId([3; 16]));
        let at = MIGRATIONS
            .iter()
            .position(|m| m.contains("ADD COLUMN rating_score"))
            .unwrap();
        {
            // A database as the build before the rating scores left it.
            let conn = rusqlite::Connection::open(dir.path().join(DATABASE_FILE)).unwrap();
            for m in &MIGRATIONS[..at] {
                conn.execute_batch(m).unwrap();
            }
            conn.pragma_update(None, "user_version", at as i64).unwrap();
            for (id, kind, rating, parent) in [
                (series, "Series", Some("TV-14"), None),
                (episode, "Episode", None, Some(series)),
                (movie, "Movie", Some("R"), None),
            ] {
                conn.execute(
                    "INSERT INTO items (id, kind, parent_id, name, sort_name, official_rating,
                        is_folder, date_created, date_modified)
                     VALUES (?1, ?2, ?3, 'x', 'x', ?4, 0, 1, 1)",
                    rusqlite::params![
                        &id.0[..],
                        kind,
                        parent.map(|p: ItemId| p.0.to_vec()),
                        rating
                    ],
                )
                .unwrap();
            }
            conn.execute(
                "INSERT INTO item_ancestors (item_id, ancestor_id) VALUES (?1, ?2)",
                rusqlite::params![&episode.0[..], &series.0[..]],
            )
            .unwrap();
        }
        let store = Store::open_in(dir.path()).unwrap();
        let score = |id| store.read(|c| stored_score(c, id)).unwrap();
        assert_eq!(score(series), Some(RatingScore::new(14, Some(0))));
        assert_eq!(score(episode), Some(RatingScore::new(14, Some(0))));
        assert_eq!(score(movie), Some(RatingScore::new(17, Some(0))));
        assert_eq!(store.integrity_check().unwrap(), Ok(()));
    }
}
