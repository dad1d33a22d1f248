//! Local artwork facts (being written).
