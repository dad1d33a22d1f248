//! TV naming: episode numbers and dates in paths, season folders, series folders.

/// Compiled TV rules.
#[derive(Debug, Clone, Default)]
pub struct TvRules {}
