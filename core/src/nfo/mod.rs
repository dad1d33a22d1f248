//! NFO metadata files (being written).
