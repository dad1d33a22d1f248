//! Integration tests of `jellyfin-core` (one test binary for the crate).

#[path = "../../examples/naming_cases/harness.rs"]
mod harness;

/// The upstream naming vectors: every case in `../shared/naming/cases.json` must pass, and the
/// file must hold as many cases as the harness counted (none silently skipped).
#[test]
fn naming_vectors_all_pass() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/naming/cases.json");
    let text =
        std::fs::read_to_string(&path).expect("../shared/naming/cases.json next to the repository");
    let total = serde_json::from_str::<serde_json::Value>(&text).unwrap()["cases"]
        .as_array()
        .unwrap()
        .len();
    let summary = harness::run_file(&path).unwrap();
    for f in &summary.failures {
        eprintln!("{f}\n");
    }
    assert_eq!(
        summary.failures.len(),
        0,
        "{} naming cases failed",
        summary.failures.len()
    );
    assert_eq!(summary.passed, total);
}

mod library;
mod search;
mod subtitles;
