//! External files that belong to a video or song: subtitles, audio tracks, lyrics.

/// Compiled external-file rules.
#[derive(Debug, Clone, Default)]
pub struct ExternalRules {}
