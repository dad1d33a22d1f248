//! Each kind of activity entry as Jellyfin 10.11 records it: its `Type` string, the user it is
//! about and its en-US wording (`Emby.Server.Implementations/Localization/Core/en-US.json`,
//! consumers in `Jellyfin.Server.Implementations/Events/Consumers`).

use std::time::Duration;

use super::{NewEntry, Severity};
use crate::auth::UserId;
use crate::store::{ItemId, MediaType};

/// `AuthenticationSucceeded`: `{user} successfully authenticated`.
pub fn authentication_succeeded(user_name: &str, user: UserId) -> NewEntry {
    NewEntry::new(
        format!("{user_name} successfully authenticated"),
        "AuthenticationSucceeded",
    )
    .user(user)
}

/// `AuthenticationFailed` (Error, about no user): `Failed login try from {entered name}`.
pub fn authentication_failed(entered_name: &str) -> NewEntry {
    NewEntry::new(
        format!("Failed login try from {entered_name}"),
        "AuthenticationFailed",
    )
    .severity(Severity::Error)
}

/// `UserLockedOut` (Error): `User {user} has been locked out`.
pub fn user_locked_out(user_name: &str, user: UserId) -> NewEntry {
    NewEntry::new(
        format!("User {user_name} has been locked out"),
        "UserLockedOut",
    )
    .user(user)
    .severity(Severity::Error)
}

/// `UserCreated`: `User {user} has been created`.
pub fn user_created(user_name: &str, user: UserId) -> NewEntry {
    NewEntry::new(format!("User {user_name} has been created"), "UserCreated").user(user)
}

/// `UserDeleted` (about no user: the user is gone): `User {user} has been deleted`.
pub fn user_deleted(user_name: &str) -> NewEntry {
    NewEntry::new(format!("User {user_name} has been deleted"), "UserDeleted")
}

/// `UserPasswordChanged`: `Password has been changed for user {user}`.
pub fn user_password_changed(user_name: &str, user: UserId) -> NewEntry {
    NewEntry::new(
        format!("Password has been changed for user {user_name}"),
        "UserPasswordChanged",
    )
    .user(user)
}

/// `UserPolicyUpdated`: `User policy has been updated for {user}`.
pub fn user_policy_updated(user_name: &str, user: UserId) -> NewEntry {
    NewEntry::new(
        format!("User policy has been updated for {user_name}"),
        "UserPolicyUpdated",
    )
    .user(user)
}

/// `SessionStarted`: `{user} is online from {device}`.
pub fn session_started(user_name: &str, user: UserId, device_name: &str) -> NewEntry {
    NewEntry::new(
        format!("{user_name} is online from {device_name}"),
        "SessionStarted",
    )
    .user(user)
}

/// `SessionEnded`: `{user} has disconnected from {device}`.
pub fn session_ended(user_name: &str, user: UserId, device_name: &str) -> NewEntry {
    NewEntry::new(
        format!("{user_name} has disconnected from {device_name}"),
        "SessionEnded",
    )
    .user(user)
}

/// What a playback entry says about the item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlayedItem {
    /// The item.
    pub id: ItemId,
    /// Its name.
    pub name: String,
    /// Its series, for an episode.
    pub series_name: Option<String>,
    /// Its first artist, for music.
    pub artist: Option<String>,
    /// Audio or video (other media types are not logged, as in Jellyfin).
    pub media_type: Option<MediaType>,
}

impl PlayedItem {
    /// Jellyfin's display name: `Artist - Series - Name` with the parts that exist.
    fn display_name(&self) -> String {
        let mut name = self.name.clone();
        if let Some(series) = self.series_name.as_deref().filter(|s| !s.is_empty()) {
            name = format!("{series} - {name}");
        }
        if let Some(artist) = self.artist.as_deref().filter(|s| !s.is_empty()) {
            name = format!("{artist} - {name}");
        }
        name
    }
}

/// `VideoPlayback`/`AudioPlayback`: `{user} is playing {item} on {device}`; `None` for media
/// that is neither audio nor video.
pub fn playback_started(
    user_name: &str,
    user: UserId,
    item: &PlayedItem,
    device_name: &str,
) -> Option<NewEntry> {
    let kind = match item.media_type? {
        MediaType::Video => "VideoPlayback",
        MediaType::Audio => "AudioPlayback",
        _ => return None,
    };
    let mut e = NewEntry::new(
        format!(
            "{user_name} is playing {} on {device_name}",
            item.display_name()
        ),
        kind,
    )
    .user(user);
    e.item_id = Some(item.id.to_n());
    Some(e)
}

/// `VideoPlaybackStopped`/`AudioPlaybackStopped`: `{user} has finished playing {item} on
/// {device}`; `None` for media that is neither audio nor video.
pub fn playback_stopped(
    user_name: &str,
    user: UserId,
    item: &PlayedItem,
    device_name: &str,
) -> Option<NewEntry> {
    let kind = match item.media_type? {
        MediaType::Video => "VideoPlaybackStopped",
        MediaType::Audio => "AudioPlaybackStopped",
        _ => return None,
    };
    let mut e = NewEntry::new(
        format!(
            "{user_name} has finished playing {} on {device_name}",
            item.display_name()
        ),
        kind,
    )
    .user(user);
    e.item_id = Some(item.id.to_n());
    Some(e)
}

/// `TaskFailed` (Error, about no user): `{task} failed`, the error as overview and the running
/// time as short overview. Jellyfin logs failed tasks only, not completed ones.
pub fn task_failed(task_name: &str, error: &str, running: Duration) -> NewEntry {
    let mut e =
        NewEntry::new(format!("{task_name} failed"), "TaskFailed").severity(Severity::Error);
    if !error.is_empty() {
        e.overview = Some(error.to_owned());
    }
    e.short_overview = Some(format!("Running time: {}", friendly_duration(running)));
    e
}

/// A duration as Jellyfin words it: `1 hour, 2 minutes and 1 second`; `0 seconds` when under a
/// second.
pub fn friendly_duration(d: Duration) -> String {
    let secs = d.as_secs();
    let mut days = secs / 86_400;
    let mut parts: Vec<String> = Vec::new();
    let push = |parts: &mut Vec<String>, n: u64, unit: &str| {
        parts.push(if n == 1 {
            format!("{n} {unit}")
        } else {
            format!("{n} {unit}s")
        })
    };
    if days >= 365 {
        push(&mut parts, days / 365, "year");
        days %= 365;
    }
    if days >= 30 {
        push(&mut parts, days / 30, "month");
        days %= 30;
    }
    if days >= 1 {
        push(&mut parts, days, "day");
    }
    let (h, m, s) = ((secs / 3600) % 24, (secs / 60) % 60, secs % 60);
    if h >= 1 {
        push(&mut parts, h, "hour");
    }
    if m >= 1 {
        push(&mut parts, m, "minute");
    }
    if s >= 1 || parts.is_empty() {
        push(&mut parts, s, "second");
    }
    match parts.len() {
        1 => parts.remove(0),
        n => format!("{} and {}", parts[..n - 1].join(", "), parts[n - 1]),
    }
}
