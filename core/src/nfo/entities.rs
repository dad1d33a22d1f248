//! Entity references in NFO text: the XML ones, numeric character references, and the HTML 4
//! named entities that Kodi scrapers and hand-edited files put into NFOs (`&nbsp;`, `&eacute;`).
//!
//! A reference that resolves to nothing stays in the text as written (`&foo;`), so that an NFO
//! with a stray or unknown entity still reads.

/// HTML 4 Latin-1 entities, U+00A0 to U+00FF in order.
const LATIN1: [&str; 96] = [
    "nbsp", "iexcl", "cent", "pound", "curren", "yen", "brvbar", "sect", "uml", "copy", "ordf",
    "laquo", "not", "shy", "reg", "macr", "deg", "plusmn", "sup2", "sup3", "acute", "micro",
    "para", "middot", "cedil", "sup1", "ordm", "raquo", "frac14", "frac12", "frac34", "iquest",
    "Agrave", "Aacute", "Acirc", "Atilde", "Auml", "Aring", "AElig", "Ccedil", "Egrave", "Eacute",
    "Ecirc", "Euml", "Igrave", "Iacute", "Icirc", "Iuml", "ETH", "Ntilde", "Ograve", "Oacute",
    "Ocirc", "Otilde", "Ouml", "times", "Oslash", "Ugrave", "Uacute", "Ucirc", "Uuml", "Yacute",
    "THORN", "szlig", "agrave", "aacute", "acirc", "atilde", "auml", "aring", "aelig", "ccedil",
    "egrave", "eacute", "ecirc", "euml", "igrave", "iacute", "icirc", "iuml", "eth", "ntilde",
    "ograve", "oacute", "ocirc", "otilde", "ouml", "divide", "oslash", "ugrave", "uacute", "ucirc",
    "uuml", "yacute", "thorn", "yuml",
];

/// Other HTML entities common in metadata text (typography, currency, a few symbols).
const OTHER: &[(&str, char)] = &[
    ("OElig", '\u{152}'),
    ("oelig", '\u{153}'),
    ("Scaron", '\u{160}'),
    ("scaron", '\u{161}'),
    ("Yuml", '\u{178}'),
    ("fnof", '\u{192}'),
    ("circ", '\u{2C6}'),
    ("tilde", '\u{2DC}'),
    ("ensp", '\u{2002}'),
    ("emsp", '\u{2003}'),
    ("thinsp", '\u{2009}'),
    ("zwnj", '\u{200C}'),
    ("zwj", '\u{200D}'),
    ("lrm", '\u{200E}'),
    ("rlm", '\u{200F}'),
    ("ndash", '\u{2013}'),
    ("mdash", '\u{2014}'),
    ("lsquo", '\u{2018}'),
    ("rsquo", '\u{2019}'),
    ("sbquo", '\u{201A}'),
    ("ldquo", '\u{201C}'),
    ("rdquo", '\u{201D}'),
    ("bdquo", '\u{201E}'),
    ("dagger", '\u{2020}'),
    ("Dagger", '\u{2021}'),
    ("bull", '\u{2022}'),
    ("hellip", '\u{2026}'),
    ("permil", '\u{2030}'),
    ("prime", '\u{2032}'),
    ("Prime", '\u{2033}'),
    ("lsaquo", '\u{2039}'),
    ("rsaquo", '\u{203A}'),
    ("oline", '\u{203E}'),
    ("frasl", '\u{2044}'),
    ("euro", '\u{20AC}'),
    ("trade", '\u{2122}'),
    ("larr", '\u{2190}'),
    ("uarr", '\u{2191}'),
    ("rarr", '\u{2192}'),
    ("darr", '\u{2193}'),
    ("minus", '\u{2212}'),
    ("infin", '\u{221E}'),
    ("hearts", '\u{2665}'),
];

/// The character a named entity (without `&` and `;`) stands for: the five XML entities, then
/// the HTML ones. Names are case-sensitive, as in HTML.
pub(crate) fn named(name: &str) -> Option<char> {
    let xml = match name {
        "lt" => Some('<'),
        "gt" => Some('>'),
        "amp" => Some('&'),
        "apos" => Some('\''),
        "quot" => Some('"'),
        _ => None,
    };
    xml.or_else(|| {
        LATIN1
            .iter()
            .position(|n| *n == name)
            .and_then(|i| char::from_u32(0xA0 + i as u32))
    })
    .or_else(|| OTHER.iter().find(|(n, _)| *n == name).map(|(_, c)| *c))
}

/// A numeric character reference body (`#233`, `#xE9`) as a character; `None` when invalid
/// (including NUL and surrogates).
pub(crate) fn numeric(body: &str) -> Option<char> {
    let digits = body.strip_prefix('#')?;
    let code = match digits.strip_prefix(['x', 'X']) {
        Some(hex) => u32::from_str_radix(hex, 16).ok()?,
        None => digits.parse::<u32>().ok()?,
    };
    if code == 0 {
        return None;
    }
    char::from_u32(code)
}

/// Appends the expansion of the reference `&body;` to `out`, or the reference itself, as
/// written, when it is unknown.
pub(crate) fn push_reference(out: &mut String, body: &str) {
    let resolved = if body.starts_with('#') {
        numeric(body)
    } else {
        named(body)
    };
    match resolved {
        Some(c) => out.push(c),
        None => {
            out.push('&');
            out.push_str(body);
            out.push(';');
        }
    }
}

/// Expands every `&...;` reference in `raw` (an attribute value) the same way.
pub(crate) fn unescape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        match after.find(';') {
            Some(semi) if !after[..semi].contains(['&', ' ', '<']) => {
                push_reference(&mut out, &after[..semi]);
                rest = &after[semi + 1..];
            }
            _ => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references() {
        let cases: &[(&str, &str)] = &[
            ("amp", "&"),
            ("lt", "<"),
            ("nbsp", "\u{A0}"),
            ("eacute", "é"),
            ("Eacute", "É"),
            ("yuml", "ÿ"),
            ("iexcl", "¡"),
            ("szlig", "ß"),
            ("hellip", "…"),
            ("rsquo", "’"),
            ("#233", "é"),
            ("#xE9", "é"),
            ("#XE9", "é"),
            ("#0", "&#0;"),
            ("#xD800", "&#xD800;"),
            ("#99999999999", "&#99999999999;"),
            ("bogus", "&bogus;"),
            ("", "&;"),
        ];
        for (body, want) in cases {
            let mut out = String::new();
            push_reference(&mut out, body);
            assert_eq!(&out, want, "&{body};");
        }
    }

    #[test]
    fn unescape_values() {
        assert_eq!(unescape("a &amp; b"), "a & b");
        assert_eq!(unescape("caf&eacute;"), "café");
        assert_eq!(unescape("a & b; c"), "a & b; c");
        assert_eq!(unescape("x&y"), "x&y");
        assert_eq!(unescape("&unknown;"), "&unknown;");
        assert_eq!(unescape("&#65;&#x42;"), "AB");
    }
}
