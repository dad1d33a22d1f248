//! Text subtitle formats: SubRip, WebVTT and ASS/SSA parsed into a [`SubtitleTrack`] and
//! written back out, with styling reduced to what each format can carry.
//!
//! The neutral cue text ([`Cue::text`]) is plain Unicode with `\n` between lines, where only
//! `<i>`, `<b>`, `<u>` and their closing tags are markup. Parsers reduce their format's styling
//! to that (ASS override blocks `{\i1}` become `<i>`, WebVTT classes and voices are dropped,
//! SubRip `<font>` is dropped); writers expand it again (`<i>` becomes `{\i1}` in ASS, and is
//! kept in SubRip and WebVTT). ASS events also keep their original fields ([`AssEvent`]), so
//! ASS to ASS is a pass-through.

use super::{AssEvent, Cue, SubtitleTrack};

/// Ticks (100 ns) per millisecond.
const TICKS_PER_MS: i64 = 10_000;

/// The header written before ASS events when the source has none (libass's defaults: a 384x288
/// script, one `Default` style, white Arial 16 with a thin outline, bottom centre).
const DEFAULT_ASS_HEADER: &str = "[Script Info]\n\
ScriptType: v4.00+\n\
PlayResX: 384\n\
PlayResY: 288\n\
ScaledBorderAndShadow: yes\n\
\n\
[V4+ Styles]\n\
Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, \
Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, \
Alignment, MarginL, MarginR, MarginV, Encoding\n\
Style: Default,Arial,16,&Hffffff,&Hffffff,&H0,&H0,0,0,0,0,100,100,0,0,1,1,0,2,10,10,10,0\n";

/// The ASS event fields in the order `Dialogue:` lines carry them (v4+; v4 says `Marked` for
/// `Layer`).
const ASS_EVENT_FIELDS: &str =
    "Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text";

/// Text of a subtitle file: UTF-8 (BOM stripped), UTF-16 with a BOM, or, when the bytes are not
/// valid UTF-8, Windows-1252 (the usual encoding of old SubRip files).
pub fn decode(bytes: &[u8]) -> String {
    if let Some(rest) = bytes.strip_prefix(&[0xef, 0xbb, 0xbf]) {
        return String::from_utf8_lossy(rest).into_owned();
    }
    let utf16 = |rest: &[u8], le: bool| {
        let units: Vec<u16> = rest
            .chunks_exact(2)
            .map(|c| {
                if le {
                    u16::from_le_bytes([c[0], c[1]])
                } else {
                    u16::from_be_bytes([c[0], c[1]])
                }
            })
            .collect();
        String::from_utf16_lossy(&units)
    };
    if let Some(rest) = bytes.strip_prefix(&[0xff, 0xfe]) {
        return utf16(rest, true);
    }
    if let Some(rest) = bytes.strip_prefix(&[0xfe, 0xff]) {
        return utf16(rest, false);
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_owned(),
        Err(_) => bytes.iter().map(|&b| windows_1252(b)).collect(),
    }
}

/// One Windows-1252 byte as a character (the 0x80..0x9f block differs from Latin-1).
fn windows_1252(b: u8) -> char {
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8d}', 'Ž',
        '\u{8f}', '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9d}',
        'ž', 'Ÿ',
    ];
    match b {
        0x80..=0x9f => HIGH[usize::from(b - 0x80)],
        _ => char::from(b),
    }
}

fn normalize_newlines(s: &str) -> String {
    s.replace("\r\n", "\n").replace('\r', "\n")
}

/// A clock time (`[H:]MM:SS[.,]fff`, any number of hour digits, any fraction digits) in ticks.
pub fn parse_clock(s: &str) -> Option<i64> {
    let s = s.trim();
    let parts: Vec<&str> = s.split(':').collect();
    let (h, m, sec) = match parts.as_slice() {
        [h, m, sec] => (*h, *m, *sec),
        [m, sec] => ("0", *m, *sec),
        _ => return None,
    };
    let num = |v: &str| -> Option<i64> {
        if v.is_empty() || v.len() > 9 || !v.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        v.parse().ok()
    };
    let (whole, fraction) = match sec.find(['.', ',']) {
        Some(i) => (&sec[..i], &sec[i + 1..]),
        None => (sec, ""),
    };
    let mut fraction_ticks = 0i64;
    if !fraction.is_empty() {
        if !fraction.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        // Seven digits are ticks; fewer are scaled up, more are cut.
        let digits: String = fraction.chars().take(7).collect();
        let scale = 10i64.pow(7 - digits.len() as u32);
        fraction_ticks = digits.parse::<i64>().ok()? * scale;
    }
    // Hour counts large enough to overflow are not a time.
    num(h)?
        .checked_mul(3600)?
        .checked_add(num(m)? * 60 + num(whole)?)?
        .checked_mul(10_000_000)?
        .checked_add(fraction_ticks)
}

/// `HH:MM:SS` + separator + milliseconds (rounded), as SubRip (`,`) and WebVTT (`.`) write.
fn clock_ms(ticks: i64, separator: char) -> String {
    let ms = ticks.max(0).saturating_add(TICKS_PER_MS / 2) / TICKS_PER_MS;
    format!(
        "{:02}:{:02}:{:02}{separator}{:03}",
        ms / 3_600_000,
        ms / 60_000 % 60,
        ms / 1000 % 60,
        ms % 1000
    )
}

/// `H:MM:SS.cc` (centiseconds, rounded), as ASS writes.
fn clock_ass(ticks: i64) -> String {
    let cs = ticks.max(0).saturating_add(50_000) / 100_000;
    format!(
        "{}:{:02}:{:02}.{:02}",
        cs / 360_000,
        cs / 6000 % 60,
        cs / 100 % 60,
        cs % 100
    )
}

/// The start and end of a `start --> end [settings]` line.
fn parse_timing(line: &str) -> Option<(i64, i64)> {
    let (left, right) = line.split_once("-->")?;
    let start = parse_clock(left.split_whitespace().next()?)?;
    let end = parse_clock(right.split_whitespace().next()?)?;
    Some((start, end))
}

fn is_cue_number(line: &str) -> bool {
    let t = line.trim();
    !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit())
}

/// Timing lines and their text blocks, shared by SubRip and WebVTT: a block's text runs to a
/// blank line; in SubRip also to the next `number` + timing pair (files that omit the blank
/// line).
fn parse_blocks(text: &str, srt: bool, reduce: fn(&str) -> String) -> Vec<Cue> {
    let text = normalize_newlines(text.trim_start_matches('\u{feff}'));
    let lines: Vec<&str> = text.lines().collect();
    let mut cues = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let Some((start, end)) = lines[i]
            .contains("-->")
            .then(|| parse_timing(lines[i]))
            .flatten()
        else {
            i += 1;
            continue;
        };
        i += 1;
        let mut body: Vec<&str> = Vec::new();
        while i < lines.len() && !lines[i].trim().is_empty() {
            let next_is_timing = |j: usize| lines.get(j).is_some_and(|l| parse_timing(l).is_some());
            if parse_timing(lines[i]).is_some()
                || (srt && is_cue_number(lines[i]) && next_is_timing(i + 1))
            {
                break;
            }
            body.push(lines[i]);
            i += 1;
        }
        let text = reduce(&body.join("\n"));
        cues.push(Cue {
            start,
            end: end.max(start),
            text,
            ass: None,
        });
    }
    cues
}

/// Parses SubRip text.
pub fn parse_srt(text: &str) -> SubtitleTrack {
    SubtitleTrack {
        cues: parse_blocks(text, true, reduce_markup),
        ass_header: None,
    }
}

/// Parses WebVTT text (header, `NOTE`, `STYLE` and `REGION` blocks are skipped; cue settings
/// are dropped).
pub fn parse_vtt(text: &str) -> SubtitleTrack {
    SubtitleTrack {
        cues: parse_blocks(text, false, reduce_webvtt),
        ass_header: None,
    }
}

/// Parses an ASS or SSA script: everything before `[Events]` is kept as the header, and each
/// `Dialogue:` line becomes a cue, its fields read by the section's `Format:` line.
pub fn parse_ass(text: &str) -> SubtitleTrack {
    let text = normalize_newlines(text.trim_start_matches('\u{feff}'));
    let mut header = String::new();
    let mut in_events = false;
    let mut format: Vec<String> = ASS_EVENT_FIELDS
        .split(',')
        .map(|f| f.trim().to_ascii_lowercase())
        .collect();
    let mut cues = Vec::new();
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with('[') && trimmed.ends_with(']') {
            in_events = trimmed.eq_ignore_ascii_case("[events]");
            if in_events {
                continue;
            }
        }
        if !in_events {
            header.push_str(line);
            header.push('\n');
            continue;
        }
        if let Some(rest) = strip_prefix_ci(trimmed, "format:") {
            format = rest
                .split(',')
                .map(|f| f.trim().to_ascii_lowercase())
                .collect();
        } else if let Some(rest) = strip_prefix_ci(trimmed, "dialogue:") {
            let fields: Vec<&str> = rest.trim_start().splitn(format.len(), ',').collect();
            let field = |name: &str| {
                format
                    .iter()
                    .position(|f| f == name)
                    .and_then(|i| fields.get(i))
                    .map(|v| v.to_string())
                    .unwrap_or_default()
            };
            let (Some(start), Some(end)) =
                (parse_clock(&field("start")), parse_clock(&field("end")))
            else {
                continue;
            };
            let layer = match field("layer") {
                l if l.is_empty() => field("marked"),
                l => l,
            };
            let event = AssEvent {
                layer,
                style: field("style"),
                name: field("name"),
                margin_l: field("marginl"),
                margin_r: field("marginr"),
                margin_v: field("marginv"),
                effect: field("effect"),
                text: field("text"),
            };
            cues.push(Cue {
                start,
                end: end.max(start),
                text: reduce_ass(&event.text),
                ass: Some(event),
            });
        }
    }
    let header = header.trim_end().to_owned();
    SubtitleTrack {
        cues,
        ass_header: (!header.is_empty()).then_some(header),
    }
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    (s.len() >= prefix.len()
        && s.is_char_boundary(prefix.len())
        && s[..prefix.len()].eq_ignore_ascii_case(prefix))
    .then(|| &s[prefix.len()..])
}

/// The kept tag (`i`, `b`, `u`, with `/` when closing) of an HTML-like tag body, if kept.
fn kept_tag(body: &str) -> Option<String> {
    let body = body.trim();
    let (closing, name) = match body.strip_prefix('/') {
        Some(n) => (true, n.trim()),
        None => (false, body),
    };
    let name = name
        .split_whitespace()
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    matches!(name.as_str(), "i" | "b" | "u").then(|| {
        if closing {
            format!("</{name}>")
        } else {
            format!("<{name}>")
        }
    })
}

/// Whether `<` at `rest` starts a tag (`<x`, `</x`, `<00:` for WebVTT timestamps).
fn tag_end(rest: &str) -> Option<usize> {
    let after = rest.strip_prefix('<')?;
    let first = after.trim_start_matches('/').chars().next()?;
    if !(first.is_ascii_alphanumeric()) {
        return None;
    }
    rest.find('>')
}

/// Keeps `<i>`, `<b>`, `<u>` (lower-cased), drops other tags (`<font>`) and ASS override blocks
/// (`{\an8}`), as SubRip and mov_text text is reduced.
pub(super) fn reduce_markup(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if c == '<' {
            if let Some(end) = tag_end(rest) {
                if let Some(tag) = kept_tag(&rest[1..end]) {
                    out.push_str(&tag);
                }
                rest = &rest[end + 1..];
                continue;
            }
        }
        if c == '{' && rest[1..].starts_with('\\') {
            if let Some(end) = rest.find('}') {
                rest = &rest[end + 1..];
                continue;
            }
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    tidy(&out)
}

/// Reduces WebVTT cue text: tags as [`reduce_markup`] (classes, voices, ruby and
/// timestamps dropped), then character references decoded.
pub(super) fn reduce_webvtt(text: &str) -> String {
    let reduced = reduce_markup(text);
    let mut out = String::with_capacity(reduced.len());
    let mut rest = reduced.as_str();
    while let Some(c) = rest.chars().next() {
        if c == '&' {
            let entities = [
                ("&amp;", "&"),
                ("&lt;", "<"),
                ("&gt;", ">"),
                ("&nbsp;", "\u{a0}"),
                ("&lrm;", "\u{200e}"),
                ("&rlm;", "\u{200f}"),
                ("&quot;", "\""),
                ("&apos;", "'"),
            ];
            if let Some((e, v)) = entities.iter().find(|(e, _)| rest.starts_with(e)) {
                out.push_str(v);
                rest = &rest[e.len()..];
                continue;
            }
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// Reduces ASS event text: `\N` breaks lines, `\h` is a no-break space, `\n` a space (a line
/// break only in a wrapping style clients rarely use); in override blocks `\i`, `\b` and `\u`
/// become tags, `\r` closes them, everything else is dropped, and drawings (`\p1`...`\p0`)
/// are removed. Tags still open at the end are closed.
pub fn reduce_ass(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut open = [false; 3]; // i, b, u
    let names = ['i', 'b', 'u'];
    let mut drawing = false;
    let mut rest = text;
    let set = |out: &mut String, open: &mut [bool; 3], k: usize, on: bool| {
        if open[k] != on {
            open[k] = on;
            out.push_str(if on { "<" } else { "</" });
            out.push(names[k]);
            out.push('>');
        }
    };
    while let Some(c) = rest.chars().next() {
        if c == '{' {
            if let Some(end) = rest.find('}') {
                let block = &rest[1..end];
                for code in block.split('\\').skip(1) {
                    let code = code.trim();
                    let value = |prefix: char| code.strip_prefix(prefix);
                    if let Some(v) = value('p').filter(|v| v.bytes().all(|b| b.is_ascii_digit())) {
                        drawing = v.parse::<u32>().unwrap_or(0) > 0;
                    } else if code.starts_with('r') {
                        for k in 0..3 {
                            set(&mut out, &mut open, k, false);
                        }
                    } else {
                        for (k, name) in names.iter().enumerate() {
                            if let Some(v) = value(*name) {
                                if let Ok(n) = v.trim().parse::<u32>() {
                                    set(&mut out, &mut open, k, n > 0);
                                }
                            }
                        }
                    }
                }
                rest = &rest[end + 1..];
                continue;
            }
        }
        if c == '\\' {
            match rest[1..].chars().next() {
                Some('N') => {
                    if !drawing {
                        out.push('\n');
                    }
                    rest = &rest[2..];
                    continue;
                }
                Some('n') => {
                    if !drawing {
                        out.push(' ');
                    }
                    rest = &rest[2..];
                    continue;
                }
                Some('h') => {
                    if !drawing {
                        out.push('\u{a0}');
                    }
                    rest = &rest[2..];
                    continue;
                }
                _ => {}
            }
        }
        if !drawing {
            out.push(c);
        }
        rest = &rest[c.len_utf8()..];
    }
    for k in 0..3 {
        set(&mut out, &mut open, k, false);
    }
    tidy(&out)
}

/// Plain text (no markup) as cue text: newlines normalised, lines tidied.
#[cfg_attr(not(feature = "libav"), allow(dead_code))] // used by extraction
pub(super) fn plain(text: &str) -> String {
    tidy(&normalize_newlines(text))
}

/// Trims lines, drops empty ones (a blank line would end a SubRip or WebVTT cue).
fn tidy(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Writes SubRip: numbered cues, `HH:MM:SS,mmm`, `<i>`/`<b>`/`<u>` kept.
pub fn write_srt(track: &SubtitleTrack) -> String {
    let mut out = String::new();
    for (n, cue) in track.cues.iter().filter(|c| !c.text.is_empty()).enumerate() {
        out.push_str(&format!(
            "{}\n{} --> {}\n{}\n\n",
            n + 1,
            clock_ms(cue.start, ','),
            clock_ms(cue.end, ','),
            cue.text
        ));
    }
    out
}

/// Escapes cue text for WebVTT, keeping the `<i>`/`<b>`/`<u>` tags.
fn escape_vtt(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if c == '<' {
            if let Some(tag) = ["<i>", "</i>", "<b>", "</b>", "<u>", "</u>"]
                .iter()
                .find(|t| rest.starts_with(**t))
            {
                out.push_str(tag);
                rest = &rest[tag.len()..];
                continue;
            }
        }
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            _ => out.push(c),
        }
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// Writes WebVTT: the `WEBVTT` header, then `HH:MM:SS.mmm --> HH:MM:SS.mmm` cues; with
/// `time_map`, the `X-TIMESTAMP-MAP` line HLS players need (as Jellyfin writes it).
pub fn write_vtt(track: &SubtitleTrack, time_map: bool) -> String {
    let mut out = String::from("WEBVTT\n");
    if time_map {
        out.push_str("X-TIMESTAMP-MAP=MPEGTS:900000,LOCAL:00:00:00.000\n");
    }
    out.push('\n');
    for cue in track.cues.iter().filter(|c| !c.text.is_empty()) {
        out.push_str(&format!(
            "{} --> {}\n{}\n\n",
            clock_ms(cue.start, '.'),
            clock_ms(cue.end, '.'),
            escape_vtt(&cue.text)
        ));
    }
    out
}

/// Neutral text as ASS event text: tags become override codes, lines are joined with `\N`.
fn to_ass_text(text: &str) -> String {
    text.replace("<i>", "{\\i1}")
        .replace("</i>", "{\\i0}")
        .replace("<b>", "{\\b1}")
        .replace("</b>", "{\\b0}")
        .replace("<u>", "{\\u1}")
        .replace("</u>", "{\\u0}")
        .replace('\n', "\\N")
}

/// Writes an ASS script: the source's header (or a default one, 384x288 with one `Default`
/// style), then the events; events read from ASS keep their original fields and text.
pub fn write_ass(track: &SubtitleTrack) -> String {
    let header = track
        .ass_header
        .as_deref()
        .filter(|h| !h.trim().is_empty())
        .unwrap_or(DEFAULT_ASS_HEADER)
        .trim_end();
    // A v4 (SSA) script names the first event field `Marked`.
    let v4 = header.contains("[V4 Styles]") || header.contains("[v4 styles]");
    let mut out = String::with_capacity(header.len() + track.cues.len() * 80);
    out.push_str(header);
    out.push_str("\n\n[Events]\nFormat: ");
    if v4 {
        out.push_str(&ASS_EVENT_FIELDS.replacen("Layer", "Marked", 1));
    } else {
        out.push_str(ASS_EVENT_FIELDS);
    }
    out.push('\n');
    for cue in &track.cues {
        let line = match &cue.ass {
            Some(e) => format!(
                "Dialogue: {},{},{},{},{},{},{},{},{},{}\n",
                e.layer,
                clock_ass(cue.start),
                clock_ass(cue.end),
                e.style,
                e.name,
                e.margin_l,
                e.margin_r,
                e.margin_v,
                e.effect,
                e.text
            ),
            None if cue.text.is_empty() => continue,
            None => format!(
                "Dialogue: {},{},{},Default,,0,0,0,,{}\n",
                if v4 { "Marked=0" } else { "0" },
                clock_ass(cue.start),
                clock_ass(cue.end),
                to_ass_text(&cue.text)
            ),
        };
        out.push_str(&line);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cue(start_ms: i64, end_ms: i64, text: &str) -> Cue {
        Cue {
            start: start_ms * TICKS_PER_MS,
            end: end_ms * TICKS_PER_MS,
            text: text.into(),
            ass: None,
        }
    }

    #[test]
    fn clocks() {
        let cases = [
            ("00:00:01,500", Some(15_000_000)),
            ("00:00:01.5", Some(15_000_000)),
            ("1:02:03.04", Some((3723 * 1000 + 40) * TICKS_PER_MS)),
            ("02:03.250", Some((123 * 1000 + 250) * TICKS_PER_MS)),
            ("00:00:00.0000001", Some(1)),
            ("00:00:00.12345678", Some(1_234_567)),
            ("100:00:00,000", Some(360_000 * 10_000_000)),
            ("00:00:xx,000", None),
            ("00:00", Some(0)),
            ("0", None),
            ("", None),
            ("00:00:01,5a0", None),
            ("999999999:00:00,000", None),
        ];
        for (s, want) in cases {
            assert_eq!(parse_clock(s), want, "{s}");
        }
        assert_eq!(clock_ms(15_000_000, ','), "00:00:01,500");
        assert_eq!(clock_ms(3_723_040 * TICKS_PER_MS, '.'), "01:02:03.040");
        assert_eq!(clock_ms(-5, '.'), "00:00:00.000");
        assert_eq!(clock_ms(9_999, '.'), "00:00:00.001");
        assert_eq!(clock_ass(3_723_040 * TICKS_PER_MS), "1:02:03.04");
        assert_eq!(clock_ass(15_049_999), "0:00:01.50");
        // Extreme values do not overflow.
        assert!(clock_ms(i64::MAX, '.').starts_with("256204778:48:05."));
        assert!(clock_ass(i64::MAX).starts_with("256204778:"));
    }

    #[test]
    fn srt_round_trip_and_styling() {
        let srt = "\u{feff}1\r\n00:00:00,500 --> 00:00:02,000\r\nHello, <I>there</I>.\r\n<font color=\"#ff0000\">Red</font> {\\an8}top\r\n\r\n2\r\n00:00:03,000 --> 00:00:04,250 X1:0\r\nSecond\r\n3\r\n00:00:05,000 --> 00:00:06,000\r\nNo blank line before\r\n";
        let track = parse_srt(srt);
        let texts: Vec<&str> = track.cues.iter().map(|c| c.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                "Hello, <i>there</i>.\nRed top",
                "Second",
                "No blank line before"
            ]
        );
        assert_eq!(track.cues[1].start, 30_000_000);
        assert_eq!(track.cues[1].end, 42_500_000);
        let written = write_srt(&track);
        assert!(written
            .starts_with("1\n00:00:00,500 --> 00:00:02,000\nHello, <i>there</i>.\nRed top\n\n2\n"));
        assert_eq!(parse_srt(&written), track);
    }

    #[test]
    fn vtt_parse_and_write() {
        let vtt = "WEBVTT - title\n\nNOTE a comment\n\nSTYLE\n::cue { color: red }\n\nintro\n00:01.000 --> 00:02.500 align:start\n<v Bob>Hi &amp; <c.loud>bye</c> &lt;3</v>\n<i>x</i>\n\n00:00:03.000 --> 00:00:04.000\n<00:00:03.500>karaoke\n";
        let track = parse_vtt(vtt);
        assert_eq!(track.cues.len(), 2);
        assert_eq!(track.cues[0].text, "Hi & bye <3\n<i>x</i>");
        assert_eq!(track.cues[0].start, 10_000_000);
        assert_eq!(track.cues[0].end, 25_000_000);
        assert_eq!(track.cues[1].text, "karaoke");
        let out = write_vtt(&track, false);
        assert_eq!(
            out,
            "WEBVTT\n\n00:00:01.000 --> 00:00:02.500\nHi &amp; bye &lt;3\n<i>x</i>\n\n00:00:03.000 --> 00:00:04.000\nkaraoke\n\n"
        );
        assert_eq!(parse_vtt(&out), track);
        let mapped = write_vtt(&track, true);
        assert!(mapped.starts_with("WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:900000,LOCAL:00:00:00.000\n\n"));
    }

    #[test]
    fn ass_reduction() {
        let cases = [
            ("Plain", "Plain"),
            (
                "{\\i1}Italic{\\i0} and {\\b1}bold",
                "<i>Italic</i> and <b>bold</b>",
            ),
            ("Line one\\NLine two", "Line one\nLine two"),
            ("soft\\nbreak", "soft break"),
            ("no\\hbreak", "no\u{a0}break"),
            ("{\\pos(10,20)\\fs30}Moved", "Moved"),
            ("{\\b700}Heavy{\\r}plain", "<b>Heavy</b>plain"),
            ("{\\p1}m 0 0 l 100 0 100 100{\\p0}Shape", "Shape"),
            ("{\\u1}open", "<u>open</u>"),
            ("{unclosed", "{unclosed"),
            ("{\\i1}{\\i1}twice{\\i0}{\\i0}", "<i>twice</i>"),
        ];
        for (ass, want) in cases {
            assert_eq!(reduce_ass(ass), want, "{ass}");
        }
    }

    #[test]
    fn ass_parse_pass_through_and_conversion() {
        let script = "[Script Info]\nTitle: t\nScriptType: v4.00+\n\n[V4+ Styles]\nFormat: Name, Fontname, Fontsize\nStyle: Top,Arial,20\n\n[Events]\nFormat: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\nComment: 0,0:00:00.00,0:00:01.00,Top,,0,0,0,,ignored\nDialogue: 1,0:00:01.50,0:00:03.00,Top,Ann,0,0,10,,{\\i1}Hello{\\i0}, world\\Nagain\n";
        let track = parse_ass(script);
        assert_eq!(track.cues.len(), 1);
        let c = &track.cues[0];
        assert_eq!((c.start, c.end), (15_000_000, 30_000_000));
        assert_eq!(c.text, "<i>Hello</i>, world\nagain");
        let e = c.ass.as_ref().unwrap();
        assert_eq!(
            (e.layer.as_str(), e.style.as_str(), e.name.as_str()),
            ("1", "Top", "Ann")
        );
        assert_eq!(e.margin_v, "10");
        assert!(track
            .ass_header
            .as_deref()
            .unwrap()
            .contains("Style: Top,Arial,20"));
        let out = write_ass(&track);
        assert!(out.starts_with("[Script Info]\nTitle: t"));
        assert!(out.contains(
            "Dialogue: 1,0:00:01.50,0:00:03.00,Top,Ann,0,0,10,,{\\i1}Hello{\\i0}, world\\Nagain\n"
        ));
        assert_eq!(parse_ass(&out), track);
        let srt = write_srt(&track);
        assert_eq!(
            srt,
            "1\n00:00:01,500 --> 00:00:03,000\n<i>Hello</i>, world\nagain\n\n"
        );
    }

    #[test]
    fn ass_from_plain_cues() {
        let track = SubtitleTrack {
            cues: vec![cue(500, 2000, "<i>Hi</i>\nthere"), cue(3000, 3500, "")],
            ass_header: None,
        };
        let out = write_ass(&track);
        assert!(out.starts_with("[Script Info]\nScriptType: v4.00+"));
        assert!(out.contains("Style: Default,"));
        assert!(out.ends_with(
            "[Events]\nFormat: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\nDialogue: 0,0:00:00.50,0:00:02.00,Default,,0,0,0,,{\\i1}Hi{\\i0}\\Nthere\n"
        ));
        let back = parse_ass(&out);
        assert_eq!(back.cues[0].text, "<i>Hi</i>\nthere");
    }

    #[test]
    fn ssa_v4_scripts_keep_marked() {
        let script = "[Script Info]\nScriptType: v4.00\n\n[V4 Styles]\nFormat: Name\nStyle: Default\n\n[Events]\nFormat: Marked, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\nDialogue: Marked=0,0:00:01.00,0:00:02.00,Default,,0000,0000,0000,,Old style\n";
        let track = parse_ass(script);
        assert_eq!(track.cues[0].ass.as_ref().unwrap().layer, "Marked=0");
        let out = write_ass(&track);
        assert!(out.contains("Format: Marked, Start,"));
        assert!(out.contains(
            "Dialogue: Marked=0,0:00:01.00,0:00:02.00,Default,,0000,0000,0000,,Old style"
        ));
    }

    #[test]
    fn decoding() {
        assert_eq!(decode(b"\xef\xbb\xbfhi"), "hi");
        assert_eq!(decode(&[0xff, 0xfe, b'h', 0, b'i', 0]), "hi");
        assert_eq!(decode(&[0xfe, 0xff, 0, b'h', 0, b'i']), "hi");
        assert_eq!(decode(b"caf\xe9 \x93q\x94"), "café “q”");
        assert_eq!(decode("déjà".as_bytes()), "déjà");
    }

    #[test]
    fn malformed_input_never_panics() {
        for s in [
            "-->",
            "1\n-->\n",
            "00:00:01,000 -->",
            "\u{feff}",
            "[Events]\nDialogue: x",
            "[Events]\nFormat: Text\nDialogue: a",
            "{\\",
            "\\",
            "<",
            "<i",
            "é<é>é{\\é}é\\Né",
        ] {
            let _ = parse_srt(s);
            let _ = parse_vtt(s);
            let _ = parse_ass(s);
            let _ = reduce_ass(s);
            let _ = reduce_markup(s);
        }
    }
}
