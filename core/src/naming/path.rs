//! Path text handling with Jellyfin's semantics on Linux: only `/` separates path segments for
//! file-name purposes (episode expressions accept `\` themselves), and an extension is the text
//! from the last `.` of the file name.

/// The last path segment (everything after the last `/`).
pub fn file_name(path: &str) -> &str {
    match path.rfind('/') {
        Some(i) => &path[i + 1..],
        None => path,
    }
}

/// The extension of the file name, with its dot (`".mkv"`), or `""`.
pub fn extension(path: &str) -> &str {
    let name = file_name(path);
    match name.rfind('.') {
        Some(i) => &name[i..],
        None => "",
    }
}

/// The file name without its extension. A name that is only an extension (`.mp3`) gives `""`.
pub fn file_stem(path: &str) -> &str {
    let name = file_name(path);
    match name.rfind('.') {
        Some(i) => &name[..i],
        None => name,
    }
}

/// The directory part of `path` (before the last `/`), or `None` when there is none.
pub fn parent(path: &str) -> Option<&str> {
    let trimmed = path.trim_end_matches('/');
    let i = trimmed.rfind('/')?;
    if i == 0 {
        Some("/")
    } else {
        Some(&trimmed[..i])
    }
}

/// The name of the directory that holds `path` (`"b"` for `"/a/b/c.mkv"`), or `""`.
pub fn parent_name(path: &str) -> &str {
    match parent(path) {
        Some("/") | None => "",
        Some(p) => file_name(p),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_like_dotnet_on_linux() {
        let cases: &[(&str, &str, &str, &str, Option<&str>)] = &[
            (
                "/a/b/Movie.2010.mkv",
                "Movie.2010.mkv",
                ".mkv",
                "Movie.2010",
                Some("/a/b"),
            ),
            ("Movie", "Movie", "", "Movie", None),
            (".mp3", ".mp3", ".mp3", "", None),
            ("C:\\x\\y.avi", "C:\\x\\y.avi", ".avi", "C:\\x\\y", None),
            ("/file.mkv", "file.mkv", ".mkv", "file", Some("/")),
            ("", "", "", "", None),
        ];
        for (p, name, ext, stem, par) in cases {
            assert_eq!(file_name(p), *name, "{p}");
            assert_eq!(extension(p), *ext, "{p}");
            assert_eq!(file_stem(p), *stem, "{p}");
            assert_eq!(parent(p), *par, "{p}");
        }
        assert_eq!(parent_name("/a/b/c.mkv"), "b");
        assert_eq!(parent_name("c.mkv"), "");
    }
}
