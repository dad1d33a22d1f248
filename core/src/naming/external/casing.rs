//! Text comparison helpers with .NET semantics, shared by the naming rules of this crate.
//!
//! `StringComparison.OrdinalIgnoreCase` compares strings char by char after a simple (one to one)
//! upper-case mapping; [`fold`] reproduces that mapping, so two strings are equal ignoring case
//! exactly when their folded forms are equal, and a folded string contains another folded string
//! exactly when the originals do. [`culture_cmp`] approximates the default culture-sensitive
//! string ordering LINQ's `OrderBy` uses for strings.

use std::cmp::Ordering;

/// The simple upper-case mapping of `c` (a char that maps to several chars stays as it is).
pub(crate) fn fold_char(c: char) -> char {
    if c.is_ascii() {
        return c.to_ascii_uppercase();
    }
    let mut upper = c.to_uppercase();
    match (upper.next(), upper.next()) {
        (Some(u), None) => u,
        _ => c,
    }
}

/// `s` with every char simply upper-cased: the comparison key of `OrdinalIgnoreCase`.
pub(crate) fn fold(s: &str) -> String {
    s.chars().map(fold_char).collect()
}

/// `a == b` under `OrdinalIgnoreCase`.
pub(crate) fn eq_ignore_case(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        return a.eq_ignore_ascii_case(b);
    }
    a.chars().map(fold_char).eq(b.chars().map(fold_char))
}

/// `hay.Contains(needle, OrdinalIgnoreCase)`.
pub(crate) fn contains_ignore_case(hay: &str, needle: &str) -> bool {
    if needle.is_empty() {
        return true;
    }
    fold(hay).contains(&fold(needle))
}

/// When `s` starts with `prefix` (ignoring case), the rest of `s` after it.
pub(crate) fn strip_prefix_ignore_case<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let mut rest = s.char_indices();
    for p in prefix.chars() {
        let (_, c) = rest.next()?;
        if fold_char(c) != fold_char(p) {
            return None;
        }
    }
    let at = rest.next().map_or(s.len(), |(i, _)| i);
    s.get(at..)
}

/// Ordinal comparison of UTF-16 code units, as .NET `string.CompareOrdinal` does.
pub(crate) fn ordinal_cmp(a: &str, b: &str) -> Ordering {
    a.encode_utf16().cmp(b.encode_utf16())
}

/// Primary sort class of a char in a culture-sensitive ordering: white space, then punctuation
/// and symbols, then digits, then letters.
fn char_class(c: char) -> u8 {
    if c.is_whitespace() {
        0
    } else if c.is_numeric() {
        2
    } else if c.is_alphabetic() {
        3
    } else {
        1
    }
}

/// An approximation of the default culture-sensitive string comparison (ICU root collation):
/// letters compare ignoring case first (lower case sorts before upper case on a tie), white space
/// sorts before punctuation, punctuation before digits, digits before letters. Remaining ties are
/// broken ordinally so that the order is total.
pub(crate) fn culture_cmp(a: &str, b: &str) -> Ordering {
    let primary = |c: char| {
        let lower = c.to_lowercase().next().unwrap_or(c);
        (char_class(c), lower)
    };
    let by_primary = a.chars().map(primary).cmp(b.chars().map(primary));
    if by_primary != Ordering::Equal {
        return by_primary;
    }
    // Lower case before upper case.
    let tertiary = |c: char| c.is_uppercase();
    let by_case = a.chars().map(tertiary).cmp(b.chars().map(tertiary));
    if by_case != Ordering::Equal {
        return by_case;
    }
    ordinal_cmp(a, b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ignore_case_helpers() {
        assert!(eq_ignore_case("Disc", "DISC"));
        assert!(eq_ignore_case("straße", "STRAßE"));
        assert!(!eq_ignore_case("ss", "ß"));
        assert!(contains_ignore_case("Harry Potter [HQ]", "potter"));
        assert!(contains_ignore_case("x", ""));
        assert_eq!(
            strip_prefix_ignore_case("DIGITAL MEDIA 1", "digital media"),
            Some(" 1")
        );
        assert_eq!(strip_prefix_ignore_case("dÉsc", "désc"), Some(""));
        assert_eq!(strip_prefix_ignore_case("cd", "cdx"), None);
        assert_eq!(strip_prefix_ignore_case("é", "e"), None);
    }

    #[test]
    fn culture_order() {
        assert_eq!(culture_cmp("a", "B"), Ordering::Less);
        assert_eq!(culture_cmp("a", "A"), Ordering::Less);
        assert_eq!(culture_cmp("mp3", "ogg"), Ordering::Less);
        assert_eq!(culture_cmp("x [1]", "x1"), Ordering::Less);
        assert_eq!(culture_cmp("same", "same"), Ordering::Equal);
    }
}
