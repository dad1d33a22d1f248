//! Fuzzes every naming entry point with arbitrary UTF-8: no input may panic or hang.
//!
//! The input is used as a path, as a file name, and split on newlines as a folder listing.

#![no_main]

use jellyfin_core::naming::{
    audio, book, external, extras, ignore, provider_ids, stack, tv, video, video_list,
    NamingOptions,
};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn options() -> &'static NamingOptions {
    static OPTS: OnceLock<NamingOptions> = OnceLock::new();
    OPTS.get_or_init(NamingOptions::default)
}

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else { return };
    let o = options();
    for is_dir in [false, true] {
        let _ = video::resolve(o, s, is_dir, video::ResolveOptions::default());
        let _ = tv::parse_episode_path(o, s, is_dir, tv::ExpressionFilter::default(), true);
        let _ = tv::resolve_episode(o, s, is_dir, tv::ExpressionFilter::default(), true);
        let _ = ignore::is_ignored(s, is_dir);
    }
    let _ = video::clean_date_time(o, s);
    let _ = video::clean_string(o, s);
    let _ = video::parse_3d(o, s);
    let _ = video::resolve_stub(o, s);
    let _ = extras::classify(o, s, Some("/"));
    let _ = tv::parse_season_path(o, s, None, true, true);
    let _ = tv::parse_series_path(o, s);
    let _ = tv::resolve_series(o, s);
    let _ = tv::parse_series_status(s);
    let _ = audio::resolve_audiobook_file(o, s);
    let _ = book::parse_book_file_name(o, s);
    let _ = provider_ids::find_imdb_id(s);
    let _ = provider_ids::find_provider_id(s, "tmdbid");
    let _ = ignore::DotIgnore::parse(s).is_ignored(s, false);
    let _ = external::flags_string("/m/Movie.mkv", s);

    let lines: Vec<String> = s.lines().map(str::to_owned).collect();
    let _ = stack::resolve_files(o, &lines);
    let _ = stack::resolve_directories(o, &lines);
    let _ = audio::resolve_audiobooks(o, &lines);
    for grouping in [
        video_list::VersionGrouping::Movies,
        video_list::VersionGrouping::Episodes,
    ] {
        let entries: Vec<stack::StackEntry> = lines
            .iter()
            .map(|p| stack::StackEntry { path: p.clone(), is_directory: false })
            .collect();
        let _ = video_list::resolve_paths(o, &entries, grouping);
    }
});
