//! Audio naming: music multi-disc folders and audiobooks.

/// Compiled audio rules.
#[derive(Debug, Clone, Default)]
pub struct AudioRules {}
