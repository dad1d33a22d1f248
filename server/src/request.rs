//! Request parsing with Jellyfin's leniency (SURFACE.md §1.2-§1.4): case-insensitive query keys,
//! both array encodings (repeated keys and comma lists, `%2C` included) and pipe lists,
//! booleans in any case, and every form of the `MediaBrowser` authorization header.

use hyper::HeaderMap;

/// Query parameters, looked up ignoring the key's case.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query {
    pairs: Vec<(String, String)>,
    /// The keys as sent (same order as `pairs`).
    keys: Vec<String>,
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 3;
                    }
                    None => {
                        out.push(b'%');
                        i += 1;
                    }
                }
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Decodes `%XX` escapes of a path segment (`+` stays a plus).
pub fn percent_decode_path(s: &str) -> String {
    percent_decode_header(s)
}

/// Decodes `%XX` escapes only (no `+` as space): header values are not form-encoded.
fn percent_decode_header(s: &str) -> String {
    if !s.contains('%') {
        return s.to_owned();
    }
    percent_decode(&s.replace('+', "%2B"))
}

impl Query {
    /// Parses a raw query string (`a=1&B=2`).
    pub fn parse(raw: Option<&str>) -> Self {
        let pairs = raw
            .unwrap_or("")
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                (percent_decode(k), percent_decode(v))
            })
            .collect::<Vec<(String, String)>>();
        let keys = pairs.iter().map(|(k, _)| k.clone()).collect();
        let pairs = pairs
            .into_iter()
            .map(|(k, v)| (k.to_ascii_lowercase(), v))
            .collect();
        Self { pairs, keys }
    }

    /// Every pair as sent (keys in their case, values decoded), in request order.
    pub fn pairs(&self) -> Vec<(&str, &str)> {
        self.keys
            .iter()
            .zip(&self.pairs)
            .map(|(k, (_, v))| (k.as_str(), v.as_str()))
            .collect()
    }

    /// The first value of `key` (ignoring case), if present and not empty.
    pub fn get(&self, key: &str) -> Option<&str> {
        let key = key.to_ascii_lowercase();
        self.pairs
            .iter()
            .find(|(k, v)| *k == key && !v.is_empty())
            .map(|(_, v)| v.as_str())
    }

    /// Every value of `key`: repeated keys and comma-separated values, trimmed, empties dropped.
    pub fn list(&self, key: &str) -> Vec<String> {
        self.split_list(key, ',')
    }

    /// Every value of `key` split on `|` (genres, studios, tags, official ratings...), also
    /// accepting repeated keys.
    pub fn pipe_list(&self, key: &str) -> Vec<String> {
        self.split_list(key, '|')
    }

    fn split_list(&self, key: &str, sep: char) -> Vec<String> {
        let key = key.to_ascii_lowercase();
        self.pairs
            .iter()
            .filter(|(k, _)| *k == key)
            .flat_map(|(_, v)| {
                v.split(sep)
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    /// A boolean (`true`/`True`/`1`); `None` when absent or not a boolean.
    pub fn bool(&self, key: &str) -> Option<bool> {
        match self.get(key)?.to_ascii_lowercase().as_str() {
            "true" | "1" => Some(true),
            "false" | "0" => Some(false),
            _ => None,
        }
    }

    /// An integer; `None` when absent or not a number.
    pub fn int(&self, key: &str) -> Option<i64> {
        self.get(key)?.trim().parse().ok()
    }
}

/// What an `Authorization: MediaBrowser ...` header (or its legacy forms) carries.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuthHeader {
    /// The client application (`Jellyfin Web`).
    pub client: Option<String>,
    /// The device name.
    pub device: Option<String>,
    /// The device id.
    pub device_id: Option<String>,
    /// The client version.
    pub version: Option<String>,
    /// The access token, from the header, the token headers or the `ApiKey`/`api_key` query.
    pub token: Option<String>,
}

/// Parses the `key=value, ...` list of a `MediaBrowser`/`Emby` authorization header. Values
/// may be quoted or not and may be percent-encoded; unknown keys are ignored.
pub fn parse_authorization(value: &str) -> Option<AuthHeader> {
    let value = value.trim();
    let (scheme, rest) = value.split_once(char::is_whitespace)?;
    if !scheme.eq_ignore_ascii_case("mediabrowser") && !scheme.eq_ignore_ascii_case("emby") {
        return None;
    }
    let mut out = AuthHeader::default();
    for part in rest.split(',') {
        let Some((k, v)) = part.split_once('=') else {
            continue;
        };
        let v = v.trim().trim_matches('"');
        let v = percent_decode_header(v);
        let v = (!v.is_empty()).then_some(v);
        match k.trim().to_ascii_lowercase().as_str() {
            "client" => out.client = v,
            "device" => out.device = v,
            "deviceid" => out.device_id = v,
            "version" => out.version = v,
            "token" => out.token = v,
            _ => {}
        }
    }
    Some(out)
}

/// The caller's credentials from every place clients put them, in Jellyfin's order of
/// precedence: `Authorization`, `X-Emby-Authorization`, `X-Emby-Token`, `X-MediaBrowser-Token`,
/// then the `ApiKey` and `api_key` query parameters.
pub fn auth_from(headers: &HeaderMap, query: &Query) -> AuthHeader {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .filter(|v| !v.trim().is_empty())
    };
    let mut out = header("authorization")
        .and_then(parse_authorization)
        .or_else(|| header("x-emby-authorization").and_then(parse_authorization))
        .unwrap_or_default();
    if out.token.is_none() {
        out.token = header("x-emby-token")
            .or_else(|| header("x-mediabrowser-token"))
            .map(str::to_owned)
            .or_else(|| query.get("apikey").map(str::to_owned))
            .or_else(|| query.get("api_key").map(str::to_owned));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_keys_ignore_case_and_lists_take_both_encodings() {
        let q = Query::parse(Some("ParentId=abc&fields=A&Fields=B%2CC&genres=Action%7CDrama&Recursive=True&limit=5&empty="));
        assert_eq!(q.get("parentid"), Some("abc"));
        assert_eq!(q.list("FIELDS"), ["A", "B", "C"]);
        assert_eq!(q.pipe_list("Genres"), ["Action", "Drama"]);
        assert_eq!(q.bool("recursive"), Some(true));
        assert_eq!(q.int("Limit"), Some(5));
        assert_eq!(q.get("empty"), None);
        assert_eq!(q.get("missing"), None);
        assert_eq!(Query::parse(Some("a=%ZZ&b=%")).get("a"), Some("%ZZ"));
        assert_eq!(Query::parse(Some("a=%")).get("a"), Some("%"));
    }

    #[test]
    fn every_authorization_form_parses() {
        let cases: &[(&str, &str, Option<&str>, Option<&str>)] = &[
            (
                "authorization",
                r#"MediaBrowser Client="Jellyfin Web", Device="Firefox", DeviceId="abc", Version="10.11.0", Token="t1""#,
                Some("t1"),
                Some("Jellyfin Web"),
            ),
            (
                "authorization",
                "MediaBrowser Client=Kodi%20Addon, Device=Living%20Room, DeviceId=d, Version=1, UserId=x, Token=t2",
                Some("t2"),
                Some("Kodi Addon"),
            ),
            ("authorization", r#"emby client="x", token="t3""#, Some("t3"), Some("x")),
            ("x-emby-authorization", r#"MediaBrowser Client="old", Token="t4""#, Some("t4"), Some("old")),
            ("x-emby-token", "t5", Some("t5"), None),
            ("x-mediabrowser-token", "t6", Some("t6"), None),
            ("authorization", "Bearer nope", None, None),
        ];
        for (name, value, token, client) in cases {
            let mut h = HeaderMap::new();
            h.insert(*name, value.parse().unwrap());
            let a = auth_from(&h, &Query::default());
            assert_eq!(a.token.as_deref(), *token, "{name}: {value}");
            assert_eq!(a.client.as_deref(), *client, "{name}: {value}");
        }
        let q = Query::parse(Some("api_key=t7"));
        assert_eq!(
            auth_from(&HeaderMap::new(), &q).token.as_deref(),
            Some("t7")
        );
        let q = Query::parse(Some("ApiKey=t8&api_key=t9"));
        assert_eq!(
            auth_from(&HeaderMap::new(), &q).token.as_deref(),
            Some("t8")
        );
        // The header wins over the query.
        let mut h = HeaderMap::new();
        h.insert("x-emby-token", "h".parse().unwrap());
        assert_eq!(auth_from(&h, &q).token.as_deref(), Some("h"));
    }
}
