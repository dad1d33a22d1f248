//! A user's policy (what they may do) and configuration (their playback and home settings), as
//! Jellyfin's `UserPolicy` and `UserConfiguration` JSON objects.
//!
//! Clients GET these objects, change a few fields and POST them back whole, possibly with keys
//! this build does not know. So each is stored as a JSON object: known keys are read into typed
//! fields (keys ignoring case, numbers also as strings, as Jellyfin reads them), unknown keys
//! are kept verbatim in `extra` and written back. A post is merged: keys present in it replace
//! the stored values, absent keys keep theirs.

use serde_json::{Map, Number, Value};

use super::{AuthError, AuthResult};
use crate::store::ItemId;

/// Who may use SyncPlay (Jellyfin's `SyncPlayUserAccessType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SyncPlayAccess {
    /// May create and join groups.
    #[default]
    CreateAndJoinGroups,
    /// May only join groups.
    JoinGroups,
    /// No SyncPlay.
    None,
}

/// When subtitles are shown (Jellyfin's `SubtitlePlaybackMode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SubtitleMode {
    /// The file's default track.
    #[default]
    Default,
    /// Always.
    Always,
    /// Forced tracks only.
    OnlyForced,
    /// Never.
    None,
    /// When the audio is not in the preferred language.
    Smart,
}

/// A JSON enum: its names in Jellyfin's casing, index = the .NET value.
trait JsonEnum: Sized + Copy + 'static {
    const ALL: &'static [(Self, &'static str)];
}

impl JsonEnum for SyncPlayAccess {
    const ALL: &'static [(Self, &'static str)] = &[
        (SyncPlayAccess::CreateAndJoinGroups, "CreateAndJoinGroups"),
        (SyncPlayAccess::JoinGroups, "JoinGroups"),
        (SyncPlayAccess::None, "None"),
    ];
}

impl JsonEnum for SubtitleMode {
    const ALL: &'static [(Self, &'static str)] = &[
        (SubtitleMode::Default, "Default"),
        (SubtitleMode::Always, "Always"),
        (SubtitleMode::OnlyForced, "OnlyForced"),
        (SubtitleMode::None, "None"),
        (SubtitleMode::Smart, "Smart"),
    ];
}

impl SyncPlayAccess {
    /// Jellyfin's name.
    pub fn name(self) -> &'static str {
        enum_name(self)
    }
}

impl SubtitleMode {
    /// Jellyfin's name.
    pub fn name(self) -> &'static str {
        enum_name(self)
    }
}

fn enum_name<T: JsonEnum + PartialEq>(v: T) -> &'static str {
    T::ALL
        .iter()
        .find(|(e, _)| *e == v)
        .map(|(_, n)| *n)
        .unwrap_or("")
}

/// How one typed field reads from and writes to JSON.
trait JsonField: Sized {
    /// `Ok(None)`: keep the current value (a `null` for a field that cannot be null).
    fn read(v: &Value, key: &str) -> AuthResult<Option<Self>>;
    /// `None`: leave the key out (a null, which Jellyfin omits).
    fn write(&self) -> Option<Value>;
}

fn invalid(key: &str, reason: &'static str) -> AuthError {
    AuthError::InvalidJson {
        field: key.to_owned(),
        reason,
    }
}

impl JsonField for bool {
    fn read(v: &Value, key: &str) -> AuthResult<Option<Self>> {
        match v {
            Value::Null => Ok(None),
            Value::Bool(b) => Ok(Some(*b)),
            Value::String(s) if s.eq_ignore_ascii_case("true") => Ok(Some(true)),
            Value::String(s) if s.eq_ignore_ascii_case("false") => Ok(Some(false)),
            _ => Err(invalid(key, "expected true or false")),
        }
    }
    fn write(&self) -> Option<Value> {
        Some(Value::Bool(*self))
    }
}

impl JsonField for i32 {
    fn read(v: &Value, key: &str) -> AuthResult<Option<Self>> {
        let n = match v {
            Value::Null => return Ok(None),
            Value::Number(n) => n.as_i64(),
            Value::String(s) => s.trim().parse::<i64>().ok(),
            _ => None,
        };
        n.and_then(|n| i32::try_from(n).ok())
            .map(Some)
            .ok_or_else(|| invalid(key, "expected a 32-bit integer"))
    }
    fn write(&self) -> Option<Value> {
        Some(Value::Number(Number::from(*self)))
    }
}

impl JsonField for String {
    fn read(v: &Value, key: &str) -> AuthResult<Option<Self>> {
        match v {
            Value::Null => Ok(None),
            Value::String(s) => Ok(Some(s.clone())),
            _ => Err(invalid(key, "expected a string")),
        }
    }
    fn write(&self) -> Option<Value> {
        Some(Value::String(self.clone()))
    }
}

impl<T: JsonField> JsonField for Option<T> {
    fn read(v: &Value, key: &str) -> AuthResult<Option<Self>> {
        match v {
            Value::Null => Ok(Some(None)),
            _ => Ok(T::read(v, key)?.map(Some)),
        }
    }
    fn write(&self) -> Option<Value> {
        self.as_ref().and_then(T::write)
    }
}

impl JsonField for Vec<String> {
    fn read(v: &Value, key: &str) -> AuthResult<Option<Self>> {
        match v {
            Value::Null => Ok(Some(Vec::new())),
            Value::Array(a) => a
                .iter()
                .map(|e| match e {
                    Value::String(s) => Ok(s.clone()),
                    Value::Number(n) => Ok(n.to_string()),
                    _ => Err(invalid(key, "expected a list of strings")),
                })
                .collect::<AuthResult<_>>()
                .map(Some),
            _ => Err(invalid(key, "expected a list of strings")),
        }
    }
    fn write(&self) -> Option<Value> {
        Some(Value::Array(
            self.iter().map(|s| Value::String(s.clone())).collect(),
        ))
    }
}

impl JsonField for Vec<ItemId> {
    fn read(v: &Value, key: &str) -> AuthResult<Option<Self>> {
        match v {
            Value::Null => Ok(Some(Vec::new())),
            Value::Array(a) => {
                let mut out = Vec::with_capacity(a.len());
                for e in a {
                    match e {
                        // Jellyfin reads "" as the empty GUID; it selects nothing.
                        Value::String(s) if s.trim().is_empty() => {}
                        Value::String(s) => out.push(
                            ItemId::parse(s.trim()).ok_or_else(|| invalid(key, "expected ids"))?,
                        ),
                        _ => return Err(invalid(key, "expected a list of ids")),
                    }
                }
                Ok(Some(out))
            }
            _ => Err(invalid(key, "expected a list of ids")),
        }
    }
    fn write(&self) -> Option<Value> {
        Some(Value::Array(
            self.iter().map(|i| Value::String(i.to_n())).collect(),
        ))
    }
}

/// Raw JSON values (lists of objects this build keeps but does not interpret).
impl JsonField for Vec<Value> {
    fn read(v: &Value, key: &str) -> AuthResult<Option<Self>> {
        match v {
            Value::Null => Ok(Some(Vec::new())),
            Value::Array(a) => Ok(Some(a.clone())),
            _ => Err(invalid(key, "expected a list")),
        }
    }
    fn write(&self) -> Option<Value> {
        Some(Value::Array(self.clone()))
    }
}

macro_rules! impl_enum_field {
    ($t:ty) => {
        impl JsonField for $t {
            fn read(v: &Value, key: &str) -> AuthResult<Option<Self>> {
                match v {
                    Value::Null => Ok(None),
                    Value::String(s) => <$t as JsonEnum>::ALL
                        .iter()
                        .find(|(_, n)| n.eq_ignore_ascii_case(s.trim()))
                        .map(|(e, _)| Some(*e))
                        .ok_or_else(|| invalid(key, "unknown value")),
                    Value::Number(n) => n
                        .as_u64()
                        .and_then(|i| <$t as JsonEnum>::ALL.get(i as usize))
                        .map(|(e, _)| Some(*e))
                        .ok_or_else(|| invalid(key, "unknown value")),
                    _ => Err(invalid(key, "expected a string")),
                }
            }
            fn write(&self) -> Option<Value> {
                Some(Value::String(enum_name(*self).to_owned()))
            }
        }
    };
}
impl_enum_field!(SyncPlayAccess);
impl_enum_field!(SubtitleMode);

macro_rules! json_object {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $(
                #[doc = $doc:literal]
                $field:ident : $ty:ty = $key:literal, $default:expr;
            )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq)]
        pub struct $name {
            $(
                #[doc = concat!("`", $key, "`: ", $doc)]
                pub $field: $ty,
            )*
            /// Keys this build does not know, kept as posted and written back.
            pub extra: Map<String, Value>,
        }

        impl Default for $name {
            fn default() -> Self {
                Self {
                    $( $field: $default, )*
                    extra: Map::new(),
                }
            }
        }

        impl $name {
            /// The JSON keys of the typed fields, in Jellyfin's casing.
            pub const KEYS: &'static [&'static str] = &[$($key),*];

            /// Merges a posted JSON object: keys present replace the current values (keys
            /// matched ignoring case; unknown keys kept in `extra`), absent keys stay.
            pub fn merge_json(&mut self, posted: &Value) -> AuthResult<()> {
                let Value::Object(obj) = posted else {
                    return Err(invalid(stringify!($name), "expected a JSON object"));
                };
                // Parse everything first so an error leaves `self` unchanged.
                let mut next = self.clone();
                'keys: for (key, value) in obj {
                    $(
                        if key.eq_ignore_ascii_case($key) {
                            if let Some(v) = <$ty as JsonField>::read(value, $key)? {
                                next.$field = v;
                            }
                            continue 'keys;
                        }
                    )*
                    next.extra.retain(|k, _| !k.eq_ignore_ascii_case(key));
                    next.extra.insert(key.clone(), value.clone());
                }
                *self = next;
                Ok(())
            }

            /// Reads a stored or posted JSON object over the defaults.
            pub fn from_json(value: &Value) -> AuthResult<Self> {
                let mut out = Self::default();
                out.merge_json(value)?;
                Ok(out)
            }

            /// The JSON object: every typed field (nulls left out) in Jellyfin's casing, then the
            /// unknown keys.
            pub fn to_json(&self) -> Value {
                let mut obj = Map::new();
                $(
                    if let Some(v) = JsonField::write(&self.$field) {
                        obj.insert($key.to_owned(), v);
                    }
                )*
                for (k, v) in &self.extra {
                    if !Self::KEYS.iter().any(|known| known.eq_ignore_ascii_case(k)) {
                        obj.insert(k.clone(), v.clone());
                    }
                }
                Value::Object(obj)
            }
        }
    };
}

/// The default authentication provider id Jellyfin reports.
pub const DEFAULT_AUTHENTICATION_PROVIDER: &str =
    "Jellyfin.Server.Implementations.Users.DefaultAuthenticationProvider";
/// The default password reset provider id Jellyfin reports.
pub const DEFAULT_PASSWORD_RESET_PROVIDER: &str =
    "Jellyfin.Server.Implementations.Users.DefaultPasswordResetProvider";

json_object! {
    /// What a user may do (Jellyfin's `UserPolicy`). Defaults are Jellyfin's for a new user.
    pub struct UserPolicy {
        /// administrator.
        is_administrator: bool = "IsAdministrator", false;
        /// hidden from the login screen (Jellyfin hides new users).
        is_hidden: bool = "IsHidden", true;
        /// may manage collections.
        enable_collection_management: bool = "EnableCollectionManagement", false;
        /// may manage subtitles.
        enable_subtitle_management: bool = "EnableSubtitleManagement", false;
        /// may manage lyrics.
        enable_lyric_management: bool = "EnableLyricManagement", false;
        /// disabled: cannot log in, tokens refused with 403.
        is_disabled: bool = "IsDisabled", false;
        /// highest parental rating score allowed; none for no limit.
        max_parental_rating: Option<i32> = "MaxParentalRating", None;
        /// parental sub-rating limit.
        max_parental_sub_rating: Option<i32> = "MaxParentalSubRating", None;
        /// items with these tags are hidden.
        blocked_tags: Vec<String> = "BlockedTags", Vec::new();
        /// when non-empty, only items with these tags are shown.
        allowed_tags: Vec<String> = "AllowedTags", Vec::new();
        /// may change their own preferences.
        enable_user_preference_access: bool = "EnableUserPreferenceAccess", true;
        /// access schedules (kept as JSON objects).
        access_schedules: Vec<Value> = "AccessSchedules", Vec::new();
        /// unrated item kinds that are blocked (`Movie`, `Book`, ...).
        block_unrated_items: Vec<String> = "BlockUnratedItems", Vec::new();
        /// may control other users' sessions.
        enable_remote_control_of_other_users: bool = "EnableRemoteControlOfOtherUsers", false;
        /// may control shared devices.
        enable_shared_device_control: bool = "EnableSharedDeviceControl", true;
        /// may connect from outside the local network.
        enable_remote_access: bool = "EnableRemoteAccess", true;
        /// may manage live TV.
        enable_live_tv_management: bool = "EnableLiveTvManagement", true;
        /// may watch live TV.
        enable_live_tv_access: bool = "EnableLiveTvAccess", true;
        /// may play media.
        enable_media_playback: bool = "EnableMediaPlayback", true;
        /// may have audio transcoded.
        enable_audio_playback_transcoding: bool = "EnableAudioPlaybackTranscoding", true;
        /// may have video transcoded.
        enable_video_playback_transcoding: bool = "EnableVideoPlaybackTranscoding", true;
        /// may have media remuxed.
        enable_playback_remuxing: bool = "EnablePlaybackRemuxing", true;
        /// remote sources are always transcoded.
        force_remote_source_transcoding: bool = "ForceRemoteSourceTranscoding", false;
        /// may delete content.
        enable_content_deletion: bool = "EnableContentDeletion", false;
        /// libraries the user may delete from.
        enable_content_deletion_from_folders: Vec<String> = "EnableContentDeletionFromFolders", Vec::new();
        /// may download media.
        enable_content_downloading: bool = "EnableContentDownloading", true;
        /// may sync-transcode.
        enable_sync_transcoding: bool = "EnableSyncTranscoding", true;
        /// may convert media.
        enable_media_conversion: bool = "EnableMediaConversion", true;
        /// devices allowed when not all are.
        enabled_devices: Vec<String> = "EnabledDevices", Vec::new();
        /// every device allowed.
        enable_all_devices: bool = "EnableAllDevices", true;
        /// channels allowed when not all are.
        enabled_channels: Vec<ItemId> = "EnabledChannels", Vec::new();
        /// every channel allowed.
        enable_all_channels: bool = "EnableAllChannels", true;
        /// libraries visible when not all are.
        enabled_folders: Vec<ItemId> = "EnabledFolders", Vec::new();
        /// every library visible.
        enable_all_folders: bool = "EnableAllFolders", true;
        /// failed logins since the last success.
        invalid_login_attempt_count: i32 = "InvalidLoginAttemptCount", 0;
        /// -1: never lock out; 0: Jellyfin's default (3, 5 for administrators); n: n tries.
        login_attempts_before_lockout: i32 = "LoginAttemptsBeforeLockout", -1;
        /// most simultaneous sessions (0: no limit).
        max_active_sessions: i32 = "MaxActiveSessions", 0;
        /// may share publicly.
        enable_public_sharing: bool = "EnablePublicSharing", true;
        /// libraries hidden from the user.
        blocked_media_folders: Vec<ItemId> = "BlockedMediaFolders", Vec::new();
        /// channels hidden from the user.
        blocked_channels: Vec<ItemId> = "BlockedChannels", Vec::new();
        /// bit rate limit outside the local network (0: none).
        remote_client_bitrate_limit: i32 = "RemoteClientBitrateLimit", 0;
        /// the authentication provider.
        authentication_provider_id: String = "AuthenticationProviderId", DEFAULT_AUTHENTICATION_PROVIDER.to_owned();
        /// the password reset provider.
        password_reset_provider_id: String = "PasswordResetProviderId", DEFAULT_PASSWORD_RESET_PROVIDER.to_owned();
        /// SyncPlay rights.
        sync_play_access: SyncPlayAccess = "SyncPlayAccess", SyncPlayAccess::CreateAndJoinGroups;
    }
}

json_object! {
    /// A user's own settings (Jellyfin's `UserConfiguration`). Defaults are Jellyfin's.
    pub struct UserConfiguration {
        /// preferred audio language.
        audio_language_preference: Option<String> = "AudioLanguagePreference", None;
        /// play the default audio track.
        play_default_audio_track: bool = "PlayDefaultAudioTrack", true;
        /// preferred subtitle language.
        subtitle_language_preference: Option<String> = "SubtitleLanguagePreference", None;
        /// show missing episodes.
        display_missing_episodes: bool = "DisplayMissingEpisodes", false;
        /// libraries grouped into one view.
        grouped_folders: Vec<ItemId> = "GroupedFolders", Vec::new();
        /// when subtitles show.
        subtitle_mode: SubtitleMode = "SubtitleMode", SubtitleMode::Default;
        /// show the collections view.
        display_collections_view: bool = "DisplayCollectionsView", false;
        /// allow the local-network password.
        enable_local_password: bool = "EnableLocalPassword", false;
        /// order of the home views.
        ordered_views: Vec<ItemId> = "OrderedViews", Vec::new();
        /// libraries left out of "Latest".
        latest_items_excludes: Vec<ItemId> = "LatestItemsExcludes", Vec::new();
        /// libraries left out of "My Media".
        my_media_excludes: Vec<ItemId> = "MyMediaExcludes", Vec::new();
        /// hide played items in "Latest".
        hide_played_in_latest: bool = "HidePlayedInLatest", true;
        /// remember audio track choices.
        remember_audio_selections: bool = "RememberAudioSelections", true;
        /// remember subtitle track choices.
        remember_subtitle_selections: bool = "RememberSubtitleSelections", true;
        /// play the next episode automatically.
        enable_next_episode_auto_play: bool = "EnableNextEpisodeAutoPlay", true;
        /// the chosen cast receiver.
        cast_receiver_id: Option<String> = "CastReceiverId", None;
    }
}

impl UserPolicy {
    /// The policy of the first administrator, as Jellyfin creates it: administrator, content
    /// deletion, remote control of other users.
    pub fn first_admin() -> Self {
        Self {
            is_administrator: true,
            enable_content_deletion: true,
            enable_remote_control_of_other_users: true,
            ..Self::default()
        }
    }

    /// How many failed logins disable the account: `None` for never.
    pub fn lockout_limit(&self) -> Option<i32> {
        match self.login_attempts_before_lockout {
            n if n < 0 => None,
            0 if self.is_administrator => Some(5),
            0 => Some(3),
            n => Some(n),
        }
    }
}
