//! The activity log: what happened on the server, as Jellyfin's dashboard lists it (logins and
//! failed logins, users created, deleted, locked out, password and policy changes, sessions
//! starting and ending, playback starting and stopping, scheduled tasks that failed).
//!
//! Entries are recorded where the action happens, in the action's own transaction when it
//! writes the store (see [`record`]); [`events`] builds each kind of entry with Jellyfin's
//! `Type` string and its (en-US) wording; [`SessionLogger`] turns session events (from
//! [`crate::sessions::SessionManager`]) into entries. Entries outlive the users they mention
//! (`user_id` is not a foreign key) and are removed by age ([`Activity::clean`], the
//! `CleanActivityLog` task). Dates are stored as Unix milliseconds (UTC).

pub mod events;
mod sessions;

#[cfg(test)]
mod tests;

use std::time::{Duration, SystemTime};

use rusqlite::types::Value as SqlValue;
use rusqlite::{params, params_from_iter, Connection, Transaction};

use crate::auth::{from_ms, to_ms, UserId};
use crate::store::{Store, StoreError};

pub use sessions::SessionLogger;

/// How serious an entry is (Jellyfin's `LogLevel`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Severity {
    /// `Trace`.
    Trace,
    /// `Debug`.
    Debug,
    /// `Information` (most entries).
    #[default]
    Information,
    /// `Warning`.
    Warning,
    /// `Error` (failed logins, lockouts, failed tasks).
    Error,
    /// `Critical`.
    Critical,
}

impl Severity {
    const ALL: [Severity; 6] = [
        Severity::Trace,
        Severity::Debug,
        Severity::Information,
        Severity::Warning,
        Severity::Error,
        Severity::Critical,
    ];

    /// Jellyfin's name of the level (`Information`, `Error`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Severity::Trace => "Trace",
            Severity::Debug => "Debug",
            Severity::Information => "Information",
            Severity::Warning => "Warning",
            Severity::Error => "Error",
            Severity::Critical => "Critical",
        }
    }

    /// The level named `name` (ignoring case).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|s| s.name().eq_ignore_ascii_case(name))
    }
}

/// An entry to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEntry {
    /// The sentence shown (`admin successfully authenticated`).
    pub name: String,
    /// Longer details.
    pub overview: Option<String>,
    /// A short detail line.
    pub short_overview: Option<String>,
    /// Jellyfin's `Type` (`AuthenticationSucceeded`, `VideoPlayback`, ...).
    pub kind: String,
    /// The item the entry is about (N format), if any.
    pub item_id: Option<String>,
    /// The user the entry is about, if any.
    pub user_id: Option<UserId>,
    /// How serious it is.
    pub severity: Severity,
}

impl NewEntry {
    /// An `Information` entry with a name and a type and nothing else.
    pub fn new(name: impl Into<String>, kind: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            overview: None,
            short_overview: None,
            kind: kind.into(),
            item_id: None,
            user_id: None,
            severity: Severity::Information,
        }
    }

    /// The same entry about `user`.
    pub fn user(mut self, user: UserId) -> Self {
        self.user_id = Some(user);
        self
    }

    /// The same entry with a severity.
    pub fn severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }
}

/// A recorded entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Increasing id.
    pub id: i64,
    /// When it was recorded (millisecond precision).
    pub date: SystemTime,
    /// What was recorded.
    pub entry: NewEntry,
}

/// Which entries to list: newest first, paged.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EntryQuery {
    /// Entries to skip.
    pub start_index: usize,
    /// At most this many (`None`: all).
    pub limit: Option<usize>,
    /// Only entries at or after this time.
    pub min_date: Option<SystemTime>,
    /// `Some(true)`: only entries about a user; `Some(false)`: only entries about none.
    pub has_user_id: Option<bool>,
}

/// Records an entry at `now` in the caller's transaction; returns its id.
pub fn record(tx: &Transaction<'_>, entry: &NewEntry, now: SystemTime) -> Result<i64, StoreError> {
    tx.execute(
        "INSERT INTO activity_log (name, overview, short_overview, type, item_id, user_id, date,
            severity) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            entry.name,
            entry.overview,
            entry.short_overview,
            entry.kind,
            entry.item_id,
            entry.user_id.map(|u| u.0.to_vec()),
            to_ms(now),
            entry.severity.name(),
        ],
    )?;
    Ok(tx.last_insert_rowid())
}

/// The entries matching `query` (newest first) and how many match in all.
pub fn entries(conn: &Connection, query: &EntryQuery) -> Result<(Vec<Entry>, usize), StoreError> {
    let mut filters: Vec<&str> = Vec::new();
    let mut args: Vec<SqlValue> = Vec::new();
    if let Some(min) = query.min_date {
        filters.push("date >= ?");
        args.push(SqlValue::Integer(to_ms(min)));
    }
    match query.has_user_id {
        Some(true) => filters.push("user_id IS NOT NULL"),
        Some(false) => filters.push("user_id IS NULL"),
        None => {}
    }
    let filter = if filters.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", filters.join(" AND "))
    };
    let total: i64 = conn.query_row(
        &format!("SELECT COUNT(*) FROM activity_log {filter}"),
        params_from_iter(args.iter()),
        |r| r.get(0),
    )?;
    let limit = query
        .limit
        .map_or(-1, |l| i64::try_from(l).unwrap_or(i64::MAX));
    let offset = i64::try_from(query.start_index).unwrap_or(i64::MAX);
    let mut stmt = conn.prepare(&format!(
        "SELECT id, name, overview, short_overview, type, item_id, user_id, date, severity
         FROM activity_log {filter} ORDER BY date DESC, id DESC LIMIT {limit} OFFSET {offset}"
    ))?;
    let rows = stmt.query_map(params_from_iter(args.iter()), |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, Option<String>>(2)?,
            r.get::<_, Option<String>>(3)?,
            r.get::<_, String>(4)?,
            r.get::<_, Option<String>>(5)?,
            r.get::<_, Option<Vec<u8>>>(6)?,
            r.get::<_, i64>(7)?,
            r.get::<_, String>(8)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, name, overview, short_overview, kind, item_id, user, date, severity) = row?;
        let user_id = user
            .map(|b| {
                <[u8; 16]>::try_from(b.as_slice())
                    .map(UserId)
                    .map_err(|_| StoreError::Corrupt {
                        column: "activity_log.user_id",
                    })
            })
            .transpose()?;
        out.push(Entry {
            id,
            date: from_ms(date),
            entry: NewEntry {
                name,
                overview,
                short_overview,
                kind,
                item_id,
                user_id,
                severity: Severity::from_name(&severity).ok_or(StoreError::Corrupt {
                    column: "activity_log.severity",
                })?,
            },
        });
    }
    Ok((out, usize::try_from(total).unwrap_or(0)))
}

/// Deletes the entries recorded before `cutoff`; returns how many.
pub fn delete_before(tx: &Transaction<'_>, cutoff: SystemTime) -> Result<usize, StoreError> {
    Ok(tx.execute("DELETE FROM activity_log WHERE date < ?1", [to_ms(cutoff)])?)
}

/// The activity log of a [`Store`].
#[derive(Debug, Clone, Copy)]
pub struct Activity<'a> {
    store: &'a Store,
}

impl<'a> Activity<'a> {
    /// The log kept in `store`.
    pub fn new(store: &'a Store) -> Self {
        Self { store }
    }

    /// Records an entry now; returns its id.
    pub fn record(&self, entry: &NewEntry) -> Result<i64, StoreError> {
        // Item queries never read the log: cached item listings stay valid.
        self.store
            .write_user_state(|tx| record(tx, entry, SystemTime::now()))
    }

    /// Entries matching `query`, newest first, and how many match in all.
    pub fn entries(&self, query: &EntryQuery) -> Result<(Vec<Entry>, usize), StoreError> {
        self.store.read(|c| entries(c, query))
    }

    /// Deletes entries older than `retention_days` days (Jellyfin's `ActivityLogRetentionDays`);
    /// returns how many.
    pub fn clean(&self, retention_days: u32) -> Result<usize, StoreError> {
        let age = Duration::from_secs(u64::from(retention_days) * 86_400);
        let cutoff = SystemTime::now()
            .checked_sub(age)
            .unwrap_or(SystemTime::UNIX_EPOCH);
        self.store.write_user_state(|tx| delete_before(tx, cutoff))
    }
}
