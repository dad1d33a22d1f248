//! Single videos: name and year cleaning, 3D flags, stubs.

use super::NamingOptions;

/// Compiled video rules.
#[derive(Debug, Clone, Default)]
pub struct VideoRules {}

/// Jellyfin's 3D format of a video, read from its path.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Format3D {
    /// Whether a 3D rule matched.
    pub is_3d: bool,
    /// The matched token (`hsbs`, `sbs`, `mvc`, ...), lower-case.
    pub token: Option<String>,
}

/// Reads the 3D format from a path (section 8 of the conventions).
pub fn parse_3d(opts: &NamingOptions, path: &str) -> Format3D {
    let _ = (opts, path);
    Format3D::default()
}

/// An offline-disc placeholder (`Movie.dvd.disc`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stub {
    /// `dvd`, `hddvd`, `bluray`, `vhs`, `tv`, or `None` for an untyped stub.
    pub stub_type: Option<String>,
}

/// Returns `Some` when `path` is a stub file, with its type.
pub fn resolve_stub(opts: &NamingOptions, path: &str) -> Option<Stub> {
    let _ = (opts, path);
    None
}
