//! Shared inputs for the workspace benchmarks (the benchmarks themselves are in `benches/`).

/// A deterministic, realistic mix of media paths: clean movie folders, scene releases, episodes
/// in season folders and scene-named episodes, anime, extras, and tagged music.
pub fn path_mix(n: usize) -> Vec<String> {
    const WORDS: &[&str] = &[
        "silent", "river", "night", "garden", "stone", "empire", "city", "shadow", "light",
        "winter", "summer", "last", "first", "broken", "golden", "iron", "secret", "lost",
        "hidden", "wild", "dark", "bright", "northern", "island", "harbor", "machine", "dream",
        "echo", "storm", "fire", "glass", "paper",
    ];
    const TAGS: &[&str] = &[
        "1080p.BluRay.x264-GRP",
        "720p.WEB-DL.AAC2.0.H.264-NTb",
        "2160p.UHD.BluRay.x265.10bit.HDR-TEAM",
        "DVDRip.XviD-AC3",
        "1080p.WEBRip.x265-RARBG",
    ];
    // A small xorshift generator: the same n always gives the same paths.
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let title = |next: &mut dyn FnMut() -> u64, sep: &str| {
        let words = 1 + (next() % 3) as usize;
        (0..words)
            .map(|_| {
                let w = WORDS[(next() % WORDS.len() as u64) as usize];
                let mut c = w.chars();
                c.next()
                    .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                    .unwrap_or_default()
            })
            .collect::<Vec<_>>()
            .join(sep)
    };
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let year = 1950 + next() % 75;
        let season = 1 + next() % 12;
        let episode = 1 + next() % 24;
        let tag = TAGS[(next() % TAGS.len() as u64) as usize];
        let path = match next() % 10 {
            0 | 1 => {
                let t = title(&mut next, " ");
                format!("/media/movies/{t} ({year})/{t} ({year}).mkv")
            }
            2 => {
                let t = title(&mut next, ".");
                format!("/media/movies/{t}.{year}.{tag}.mkv")
            }
            3 => {
                let t = title(&mut next, " ");
                format!("/media/movies/{t} ({year})/{t} ({year})-trailer.mp4")
            }
            4 | 5 => {
                let t = title(&mut next, " ");
                format!("/media/tv/{t}/Season {season:02}/{t} - S{season:02}E{episode:02} - Episode.mkv")
            }
            6 => {
                let t = title(&mut next, ".");
                format!("/media/tv/{t}/{t}.S{season:02}E{episode:02}.{tag}.mkv")
            }
            7 => {
                let t = title(&mut next, " ");
                format!(
                    "/media/anime/{t}/[Group] {t} - {:02} [1080p].mkv",
                    episode + 100
                )
            }
            _ => {
                let a = title(&mut next, " ");
                let b = title(&mut next, " ");
                format!("/media/music/{a}/{b} ({year})/{episode:02} - {b}.flac")
            }
        };
        out.push(path);
    }
    out
}
