//! Media probing (being written).
