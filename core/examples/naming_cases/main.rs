//! Runs naming test vectors (the schema of `shared/naming/cases.json`) through `jellyfin-core`.
//!
//! ```text
//! cargo run -p jellyfin-core --example naming_cases -- ../shared/naming/cases.json [--quiet]
//! ```
//! Prints each failure with its id, input, expected and actual values, then `N passed, M failed`.
//! Exits non-zero when a case fails or the file cannot be read.

mod harness;

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("usage: naming_cases CASES.json [--quiet]");
        std::process::exit(2);
    };
    let quiet = args.any(|a| a == "--quiet");
    match harness::run_file(std::path::Path::new(&path)) {
        Ok(summary) => {
            for f in &summary.failures {
                if !quiet {
                    println!("{f}\n");
                }
            }
            println!(
                "{} passed, {} failed",
                summary.passed,
                summary.failures.len()
            );
            if !summary.failures.is_empty() {
                std::process::exit(1);
            }
        }
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    }
}
