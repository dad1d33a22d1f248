//! The HLS playlists of a stream: `master.m3u8` (one variant) and `main.m3u8` (the whole
//! duration listed up front as VOD; the segments are produced on demand).

use super::command::{AudioOutput, HlsOutput, SegmentFormat, VideoOutput};

/// The RFC 6381 codec names of the output (`avc1.640028,mp4a.40.2`).
pub fn codecs(output: &HlsOutput) -> String {
    let mut out = Vec::new();
    match output.video.as_ref().map(|v| &v.output) {
        Some(VideoOutput::H264 { .. }) => out.push("avc1.640028".to_owned()),
        Some(VideoOutput::Copy { codec, .. }) => out.push(
            match codec.as_str() {
                "h264" => "avc1.640028",
                "hevc" | "h265" => "hvc1.2.4.L120.B0",
                "av1" => "av01.0.08M.08",
                "vp9" => "vp09.00.40.08",
                other => other,
            }
            .to_owned(),
        ),
        None => {}
    }
    match output.audio.as_ref().map(|a| &a.output) {
        Some(AudioOutput::Aac { .. }) => out.push("mp4a.40.2".to_owned()),
        Some(AudioOutput::Copy { codec, .. }) => out.push(
            match codec.as_str() {
                "aac" => "mp4a.40.2",
                "mp3" => "mp4a.40.34",
                "ac3" => "ac-3",
                "eac3" => "ec-3",
                "opus" => "Opus",
                "flac" => "fLaC",
                other => other,
            }
            .to_owned(),
        ),
        None => {}
    }
    out.join(",")
}

/// `master.m3u8`: one variant (`BANDWIDTH`, `AVERAGE-BANDWIDTH`, `CODECS`, and for video
/// `RESOLUTION` and `FRAME-RATE` when known) pointing at the relative `main.m3u8?{query}`.
pub fn master_playlist(output: &HlsOutput, query: &str) -> String {
    let bandwidth = output.bandwidth().max(1);
    let mut inf = format!(
        "#EXT-X-STREAM-INF:BANDWIDTH={bandwidth},AVERAGE-BANDWIDTH={bandwidth},CODECS=\"{}\"",
        codecs(output)
    );
    let (size, rate) = match output.video.as_ref().map(|v| &v.output) {
        Some(VideoOutput::H264 {
            width,
            height,
            frame_rate,
            ..
        })
        | Some(VideoOutput::Copy {
            width,
            height,
            frame_rate,
            ..
        }) => (width.zip(*height), *frame_rate),
        None => (None, None),
    };
    if let Some((w, h)) = size {
        inf.push_str(&format!(",RESOLUTION={w}x{h}"));
    }
    if let Some(r) = rate.filter(|r| *r > 0.0) {
        inf.push_str(&format!(",FRAME-RATE={r:.3}"));
    }
    format!("#EXTM3U\n{inf}\n{}\n", with_query("main.m3u8", query))
}

fn with_query(path: &str, query: &str) -> String {
    let query = query.trim_start_matches(['?', '&']);
    if query.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{query}")
    }
}

/// `main.m3u8`: the VOD media playlist listing every segment of the duration, each
/// `hls1/{playlist_id}/{n}.{ts|mp4}?{query}&runtimeTicks=..&actualSegmentLengthTicks=..`
/// (fMP4: version 7 and the init segment `hls1/{playlist_id}/-1.mp4?{query}`).
pub fn media_playlist(output: &HlsOutput, playlist_id: &str, query: &str) -> String {
    let query = query.trim_start_matches(['?', '&']);
    let join = |path: String, extra: &str| {
        let q = [query, extra]
            .iter()
            .filter(|s| !s.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join("&");
        with_query(&path, &q)
    };
    let ext = output.format.extension();
    let version = match output.format {
        SegmentFormat::MpegTs => 3,
        SegmentFormat::Fmp4 => 7,
    };
    let mut out = format!(
        "#EXTM3U\n#EXT-X-PLAYLIST-TYPE:VOD\n#EXT-X-VERSION:{version}\n#EXT-X-TARGETDURATION:{}\n#EXT-X-MEDIA-SEQUENCE:0\n",
        output.segment_seconds
    );
    if output.format == SegmentFormat::Fmp4 {
        out.push_str(&format!(
            "#EXT-X-MAP:URI=\"{}\"\n",
            join(format!("hls1/{playlist_id}/-1.mp4"), "")
        ));
    }
    let seg_ticks = i64::from(output.segment_seconds) * 10_000_000;
    for n in 0..output.segment_count() {
        let duration = output.segment_duration(n);
        let start_ticks = i64::from(n) * seg_ticks;
        let len_ticks = (duration * 1e7).round() as i64;
        out.push_str(&format!("#EXTINF:{duration:.6}, nodesc\n"));
        out.push_str(&join(
            format!("hls1/{playlist_id}/{n}.{ext}"),
            &format!("runtimeTicks={start_ticks}&actualSegmentLengthTicks={len_ticks}"),
        ));
        out.push('\n');
    }
    out.push_str("#EXT-X-ENDLIST\n");
    out
}
