//! User-facing routes over real HTTP: parental ratings in queries and item details,
//! `/Localization/*`, avatars, Quick Connect, likes and user data, suggestions, the legacy user
//! aliases, and the 403 for another user's id on each of them.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use jellyfin_core::auth::DeviceInfo;
use jellyfin_core::store::{self, ItemId, ItemKind, ItemRecord, LibraryKind, MediaType};
use jellyfin_server::{Server, ServerConfig};
use serde_json::{json, Value};

use super::{start, Running};

const DEVICE: &str =
    r#"MediaBrowser Client="it", Device="it-box", DeviceId="it-device", Version="1.0""#;

struct Reply {
    status: u16,
    head: String,
    body: Vec<u8>,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&self.body)))
    }
}

fn call(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Reply {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    s.write_all(req.as_bytes()).unwrap();
    s.write_all(body).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a response head");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    Reply {
        status,
        head,
        body: raw[split + 4..].to_vec(),
    }
}

struct Fixture {
    _dir: tempfile::TempDir,
    s: Running,
    admin: String,
    viewer: String,
    admin_id: String,
    viewer_id: String,
    /// Movie ids by name.
    movies: Vec<(String, ItemId)>,
    episode: ItemId,
}

impl Fixture {
    fn get(&self, token: &str, path: &str) -> Reply {
        call(self.s.addr, "GET", path, &[("X-Emby-Token", token)], b"")
    }

    fn send(&self, method: &str, token: &str, path: &str, body: &Value) -> Reply {
        call(
            self.s.addr,
            method,
            path,
            &[
                ("X-Emby-Token", token),
                ("Content-Type", "application/json"),
            ],
            body.to_string().as_bytes(),
        )
    }

    fn movie(&self, name: &str) -> ItemId {
        self.movies.iter().find(|(n, _)| n == name).unwrap().1
    }

    fn movie_names(&self, token: &str, extra: &str) -> Vec<String> {
        let r = self.get(
            token,
            &format!("/Items?Recursive=true&IncludeItemTypes=Movie{extra}"),
        );
        assert_eq!(r.status, 200);
        let mut names: Vec<String> = r.json()["Items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["Name"].as_str().unwrap().to_owned())
            .collect();
        names.sort();
        names
    }
}

/// A server with an administrator, a viewer, and rated movies and a rated series.
fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let (admin, viewer, admin_id, viewer_id, movies, episode) = {
        let server = Server::open(ServerConfig::new(dir.path())).unwrap();
        let lib = server.library();
        let auth = lib.auth();
        let a = auth.ensure_admin("admin", "pw").unwrap().unwrap();
        let v = auth.create_user("viewer", "pw").unwrap();
        let login = |name: &str, device: &str| {
            auth.authenticate_by_name(name, "pw", &DeviceInfo::new(device, "d", "it", "1"))
                .unwrap()
                .token
        };
        let (admin, viewer) = (login("admin", "dev-a"), login("viewer", "dev-v"));
        let movies_dir = dir.path().join("movies");
        let library = lib
            .add_library(
                "Movies",
                LibraryKind::Movies,
                std::slice::from_ref(&movies_dir),
            )
            .unwrap();
        let shows = lib
            .add_library("Shows", LibraryKind::TvShows, &[dir.path().join("shows")])
            .unwrap();
        let mut movies = Vec::new();
        let mut episode = None;
        lib.store()
            .write(|tx| {
                for (name, rating) in [
                    ("Kids", Some("G")),
                    ("Teen", Some("PG-13")),
                    ("Adult", Some("R")),
                    ("Unrated", None),
                ] {
                    let path = movies_dir.join(format!("{name}.mkv"));
                    let mut r = ItemRecord::new(ItemKind::Movie, path.to_str().unwrap(), name);
                    r.path = Some(path.to_string_lossy().into_owned());
                    r.library_id = Some(library.id);
                    r.parent_id = Some(library.id);
                    r.media_type = Some(MediaType::Video);
                    r.official_rating = rating.map(str::to_owned);
                    r.run_time_ticks = Some(600_000_000);
                    movies.push((name.to_owned(), r.id.unwrap()));
                    store::upsert_item(tx, &r)?;
                }
                let mut series = ItemRecord::new(ItemKind::Series, "/shows/Show", "Show");
                series.library_id = Some(shows.id);
                series.parent_id = Some(shows.id);
                series.official_rating = Some("TV-MA".into());
                store::upsert_item(tx, &series)?;
                let mut e = ItemRecord::new(ItemKind::Episode, "/shows/Show/e1.mkv", "Pilot");
                e.library_id = Some(shows.id);
                e.parent_id = series.id;
                e.series_id = series.id;
                e.media_type = Some(MediaType::Video);
                episode = e.id;
                store::upsert_item(tx, &e)
            })
            .unwrap();
        (
            admin,
            viewer,
            a.id.to_n(),
            v.id.to_n(),
            movies,
            episode.unwrap(),
        )
    };
    let s = start(dir.path());
    Fixture {
        _dir: dir,
        s,
        admin,
        viewer,
        admin_id,
        viewer_id,
        movies,
        episode,
    }
}

#[test]
fn parental_limits_filter_queries_and_hide_details() {
    let f = fixture();
    let all = ["Adult", "Kids", "Teen", "Unrated"];
    assert_eq!(f.movie_names(&f.viewer, ""), all);
    // The administrator sets the viewer's limit to PG-13 (score 13).
    let user = f.get(&f.admin, &format!("/Users/{}", f.viewer_id)).json();
    let mut policy = user["Policy"].clone();
    policy["MaxParentalRating"] = json!(13);
    let path = format!("/Users/{}/Policy", f.viewer_id);
    assert_eq!(f.send("POST", &f.admin, &path, &policy).status, 204);
    assert_eq!(f.movie_names(&f.viewer, ""), ["Kids", "Teen", "Unrated"]);
    assert_eq!(f.movie_names(&f.admin, ""), all);
    let adult = f.movie("Adult").to_n();
    assert_eq!(f.get(&f.viewer, &format!("/Items/{adult}")).status, 404);
    assert_eq!(
        f.get(&f.viewer, &format!("/Users/{}/Items/{adult}", f.viewer_id))
            .status,
        404
    );
    assert_eq!(f.get(&f.admin, &format!("/Items/{adult}")).status, 200);
    let teen = f.movie("Teen").to_n();
    assert_eq!(f.get(&f.viewer, &format!("/Items/{teen}")).status, 200);
    // The episode inherits its series' TV-MA.
    let episode = f.episode.to_n();
    assert_eq!(f.get(&f.viewer, &format!("/Items/{episode}")).status, 404);
    let r = f.get(
        &f.viewer,
        "/Items?Recursive=true&IncludeItemTypes=Episode,Series",
    );
    assert_eq!(r.json()["TotalRecordCount"], 0);
    assert_eq!(f.get(&f.admin, &format!("/Items/{episode}")).status, 200);
    // Counts follow the limit too.
    assert_eq!(f.get(&f.viewer, "/Items/Counts").json()["MovieCount"], 3);
    // Unrated movies blocked; the sub-score limit lets TV-MA's 17.1 pass a 17 limit only with it.
    policy["BlockUnratedItems"] = json!(["Movie"]);
    assert_eq!(f.send("POST", &f.admin, &path, &policy).status, 204);
    assert_eq!(f.movie_names(&f.viewer, ""), ["Kids", "Teen"]);
    policy["MaxParentalRating"] = json!(17);
    policy["BlockUnratedItems"] = json!([]);
    assert_eq!(f.send("POST", &f.admin, &path, &policy).status, 204);
    assert_eq!(f.get(&f.viewer, &format!("/Items/{episode}")).status, 404);
    policy["MaxParentalSubRating"] = json!(1);
    assert_eq!(f.send("POST", &f.admin, &path, &policy).status, 204);
    assert_eq!(f.get(&f.viewer, &format!("/Items/{episode}")).status, 200);
    assert_eq!(f.movie_names(&f.viewer, ""), all);
}

#[test]
fn localization_lists_have_the_spec_shapes() {
    let f = fixture();
    let ratings = f.get(&f.viewer, "/Localization/ParentalRatings");
    assert_eq!(ratings.status, 200);
    insta::assert_json_snapshot!("localization_parental_ratings_us", ratings.json());
    let cultures = f.get(&f.viewer, "/Localization/Cultures").json();
    let cultures = cultures.as_array().unwrap();
    assert!(cultures.len() > 150);
    let french = cultures
        .iter()
        .find(|c| c["TwoLetterISOLanguageName"] == "fr")
        .unwrap();
    insta::assert_json_snapshot!("localization_culture_fr", french);
    let countries = f.get(&f.viewer, "/Localization/Countries").json();
    let us = countries
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["Name"] == "US")
        .unwrap()
        .clone();
    insta::assert_json_snapshot!("localization_country_us", us);
    let options = f.get(&f.viewer, "/Localization/Options").json();
    assert!(options
        .as_array()
        .unwrap()
        .iter()
        .any(|o| o == &json!({"Name": "English (United States)", "Value": "en-US"})));
    // The list follows the server's metadata country.
    let mut config = f.get(&f.admin, "/System/Configuration").json();
    config["MetadataCountryCode"] = json!("DE");
    assert_eq!(
        f.send("POST", &f.admin, "/System/Configuration", &config)
            .status,
        204
    );
    let de = f.get(&f.viewer, "/Localization/ParentalRatings").json();
    assert!(de
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r == &json!({"Name": "FSK-16", "Value": 16, "RatingScore": {"score": 16}})));
    // Anonymous callers are refused once the wizard is done.
    assert_eq!(
        call(f.s.addr, "GET", "/Localization/Cultures", &[], b"").status,
        401
    );
}

fn png(width: u32, height: u32) -> Vec<u8> {
    let img = image::RgbImage::from_pixel(width, height, image::Rgb([10, 120, 200]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

fn base64(bytes: &[u8]) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut s = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().fold(0u32, |a, b| (a << 8) | u32::from(*b)) << (8 * (3 - chunk.len()));
        for i in 0..=chunk.len() {
            s.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
        for _ in chunk.len()..3 {
            s.push('=');
        }
    }
    s
}

#[test]
fn avatars_upload_serve_resize_and_delete() {
    let f = fixture();
    let me = format!("/Users/{}/Images/Primary", f.viewer_id);
    assert_eq!(f.get(&f.viewer, &me).status, 404);
    assert!(
        f.get(&f.viewer, &format!("/Users/{}", f.viewer_id)).json()["PrimaryImageTag"].is_null()
    );
    // jellyfin-web's upload: base64 text with the image's content type.
    let r = call(
        f.s.addr,
        "POST",
        &me,
        &[("X-Emby-Token", &f.viewer), ("Content-Type", "image/png")],
        base64(&png(40, 20)).as_bytes(),
    );
    assert_eq!(r.status, 204, "{}", String::from_utf8_lossy(&r.body));
    let user = f.get(&f.viewer, &format!("/Users/{}", f.viewer_id)).json();
    let tag = user["PrimaryImageTag"].as_str().unwrap().to_owned();
    assert_eq!(tag.len(), 32);
    let mut masked = user.clone();
    for key in [
        "Id",
        "ServerId",
        "PrimaryImageTag",
        "LastLoginDate",
        "LastActivityDate",
    ] {
        masked[key] = format!("<{key}>").into();
    }
    masked["Policy"] = "<policy>".into();
    masked["Configuration"] = "<configuration>".into();
    insta::assert_json_snapshot!("user_dto_with_avatar", masked);
    // Anonymous GET, by the legacy path and by /UserImage; the bytes decode as the upload.
    for path in [
        me.clone(),
        format!("/UserImage?userId={}&tag={tag}", f.viewer_id),
        format!("/users/{}/images/primary/0", f.viewer_id),
    ] {
        let r = call(f.s.addr, "GET", &path, &[], b"");
        assert_eq!(r.status, 200, "{path}");
        assert!(
            r.head
                .to_ascii_lowercase()
                .contains("content-type: image/png"),
            "{}",
            r.head
        );
        let img = image::load_from_memory(&r.body).unwrap();
        assert_eq!((img.width(), img.height()), (40, 20), "{path}");
    }
    let r = call(f.s.addr, "HEAD", &me, &[], b"");
    assert_eq!(r.status, 200);
    let small = call(
        f.s.addr,
        "GET",
        &format!("{me}?maxWidth=10&format=jpg"),
        &[],
        b"",
    );
    assert_eq!(small.status, 200);
    let img = image::load_from_memory(&small.body).unwrap();
    assert_eq!((img.width(), img.height()), (10, 5));
    assert_eq!(
        call(
            f.s.addr,
            "GET",
            &format!("/Users/{}/Images/Backdrop", f.viewer_id),
            &[],
            b""
        )
        .status,
        404
    );
    // The session list shows the avatar's tag on the viewer's session.
    let sessions = f.get(&f.admin, "/Sessions").json();
    let viewer_session = sessions
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["UserId"] == f.viewer_id.as_str())
        .expect("the viewer's session");
    assert_eq!(viewer_session["UserPrimaryImageTag"], tag.as_str());
    // Raw bytes with an image type are accepted too; broken data is 400 and keeps the avatar.
    let r = call(
        f.s.addr,
        "POST",
        &format!("/UserImage?userId={}", f.viewer_id),
        &[("X-Emby-Token", &f.viewer), ("Content-Type", "image/png")],
        &png(8, 8),
    );
    assert_eq!(r.status, 204);
    let tag2 = f.get(&f.viewer, "/Users/Me").json()["PrimaryImageTag"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(tag2, tag);
    for bad in [&b"not an image"[..], &png(8, 8)[..30]] {
        let r = call(
            f.s.addr,
            "POST",
            &me,
            &[("X-Emby-Token", &f.viewer), ("Content-Type", "image/png")],
            bad,
        );
        assert_eq!(r.status, 400);
    }
    assert_eq!(
        f.get(&f.viewer, "/Users/Me").json()["PrimaryImageTag"],
        tag2.as_str()
    );
    // Another user's avatar: 403 for the viewer, allowed for the administrator.
    let admins = format!("/Users/{}/Images/Primary", f.admin_id);
    let r = call(
        f.s.addr,
        "POST",
        &admins,
        &[("X-Emby-Token", &f.viewer)],
        base64(&png(4, 4)).as_bytes(),
    );
    assert_eq!(r.status, 403);
    assert_eq!(
        call(f.s.addr, "DELETE", &me, &[("X-Emby-Token", &f.admin)], b"").status,
        204
    );
    assert_eq!(f.get(&f.viewer, &me).status, 404);
    assert!(f.get(&f.viewer, "/Users/Me").json()["PrimaryImageTag"].is_null());
    assert_eq!(
        call(
            f.s.addr,
            "DELETE",
            &admins,
            &[("X-Emby-Token", &f.viewer)],
            b""
        )
        .status,
        403
    );
    // A user whose policy forbids changing their preferences cannot change their avatar.
    let mut policy = f.get(&f.admin, &format!("/Users/{}", f.viewer_id)).json()["Policy"].clone();
    policy["EnableUserPreferenceAccess"] = json!(false);
    let policy_path = format!("/Users/{}/Policy", f.viewer_id);
    assert_eq!(f.send("POST", &f.admin, &policy_path, &policy).status, 204);
    let r = call(
        f.s.addr,
        "POST",
        &me,
        &[("X-Emby-Token", &f.viewer)],
        base64(&png(4, 4)).as_bytes(),
    );
    assert_eq!(r.status, 403);
    // No token: 401 for writes; a GET without a user id is 400.
    assert_eq!(call(f.s.addr, "POST", &me, &[], b"x").status, 401);
    assert_eq!(call(f.s.addr, "GET", "/UserImage", &[], b"").status, 400);
}

#[test]
fn quick_connect_flow_over_http() {
    let f = fixture();
    let addr = f.s.addr;
    let r = call(addr, "GET", "/QuickConnect/Enabled", &[], b"");
    assert_eq!(r.json(), json!(true));
    // Initiating needs the device fields.
    assert_eq!(
        call(addr, "POST", "/QuickConnect/Initiate", &[], b"").status,
        400
    );
    let r = call(
        addr,
        "POST",
        "/QuickConnect/Initiate",
        &[("Authorization", DEVICE)],
        b"",
    );
    assert_eq!(r.status, 200);
    let started = r.json();
    let secret = started["Secret"].as_str().unwrap().to_owned();
    let code = started["Code"].as_str().unwrap().to_owned();
    assert_eq!(secret.len(), 64);
    assert_eq!(code.len(), 6);
    let mut masked = started.clone();
    masked["Secret"] = "<secret>".into();
    masked["Code"] = "<code>".into();
    masked["DateAdded"] = "<date>".into();
    insta::assert_json_snapshot!("quick_connect_result", masked);
    // The legacy GET form works as well.
    let r = call(
        addr,
        "GET",
        "/QuickConnect/Initiate",
        &[("Authorization", DEVICE)],
        b"",
    );
    assert_eq!(r.status, 200);

    let poll = |secret: &str| {
        call(
            addr,
            "GET",
            &format!("/QuickConnect/Connect?secret={secret}"),
            &[],
            b"",
        )
    };
    assert_eq!(poll(&secret).json()["Authenticated"], false);
    assert_eq!(poll("unknown").status, 404);
    let auth_body = |secret: &str| json!({ "Secret": secret }).to_string();
    let exchange = |secret: &str| {
        call(
            addr,
            "POST",
            "/Users/AuthenticateWithQuickConnect",
            &[
                ("Authorization", DEVICE),
                ("Content-Type", "application/json"),
            ],
            auth_body(secret).as_bytes(),
        )
    };
    assert_eq!(exchange(&secret).status, 404);
    // Authorizing: a user for themselves; not for another user unless administrator.
    let authorize = |token: &str, user: &str| {
        call(
            addr,
            "POST",
            &format!("/QuickConnect/Authorize?code={code}&userId={user}"),
            &[("X-Emby-Token", token)],
            b"",
        )
    };
    assert_eq!(
        call(
            addr,
            "POST",
            &format!("/QuickConnect/Authorize?code={code}"),
            &[],
            b""
        )
        .status,
        401
    );
    assert_eq!(authorize(&f.viewer, &f.admin_id).status, 403);
    let r = authorize(&f.viewer, &f.viewer_id);
    assert_eq!(r.status, 200);
    assert_eq!(r.json(), json!(true));
    assert_eq!(authorize(&f.viewer, &f.viewer_id).status, 400);
    assert_eq!(poll(&secret).json()["Authenticated"], true);
    let r = exchange(&secret);
    assert_eq!(r.status, 200);
    let result = r.json();
    assert_eq!(result["User"]["Id"], f.viewer_id.as_str());
    assert_eq!(result["SessionInfo"]["DeviceId"], "it-device");
    let mut keys: Vec<&String> = result.as_object().unwrap().keys().collect();
    keys.sort();
    insta::assert_json_snapshot!("quick_connect_authentication_result_keys", keys);
    let token = result["AccessToken"].as_str().unwrap();
    let me = call(addr, "GET", "/Users/Me", &[("X-Emby-Token", token)], b"");
    assert_eq!(me.json()["Name"], "viewer");
    // Turned off in the configuration: Enabled is false and initiating is 401.
    let mut config = f.get(&f.admin, "/System/Configuration").json();
    config["QuickConnectAvailable"] = json!(false);
    assert_eq!(
        f.send("POST", &f.admin, "/System/Configuration", &config)
            .status,
        204
    );
    assert_eq!(
        call(addr, "GET", "/QuickConnect/Enabled", &[], b"").json(),
        json!(false)
    );
    assert_eq!(
        call(
            addr,
            "POST",
            "/QuickConnect/Initiate",
            &[("Authorization", DEVICE)],
            b""
        )
        .status,
        401
    );
    assert_eq!(poll(&secret).status, 401);
}

#[test]
fn likes_user_data_and_suggestions() {
    let f = fixture();
    let kids = f.movie("Kids").to_n();
    let r = f.send(
        "POST",
        &f.viewer,
        &format!("/UserItems/{kids}/Rating?likes=true"),
        &json!({}),
    );
    assert_eq!(r.status, 200);
    let mut liked = r.json();
    assert_eq!(liked["ItemId"], kids.as_str());
    liked["ItemId"] = "<item id>".into();
    liked["Key"] = "<key>".into();
    insta::assert_json_snapshot!("user_item_data_liked", liked);
    let r = f.send(
        "DELETE",
        &f.viewer,
        &format!("/UserItems/{kids}/Rating"),
        &json!({}),
    );
    assert!(r.json().get("Likes").is_none(), "{}", r.json());
    let legacy = format!("/Users/{}/Items/{kids}/Rating?likes=false", f.viewer_id);
    assert_eq!(
        f.send("POST", &f.viewer, &legacy, &json!({})).json()["Likes"],
        false
    );
    assert_eq!(
        f.get(&f.viewer, &format!("/Items/{kids}")).json()["UserData"]["Likes"],
        false
    );
    // Another user's data: 403 for a non-administrator, on every legacy user route.
    let theirs = format!("/Users/{}/Items/{kids}", f.admin_id);
    assert_eq!(
        f.send(
            "POST",
            &f.viewer,
            &format!("{theirs}/Rating?likes=true"),
            &json!({})
        )
        .status,
        403
    );
    assert_eq!(
        f.send("DELETE", &f.viewer, &format!("{theirs}/Rating"), &json!({}))
            .status,
        403
    );
    assert_eq!(
        f.send("POST", &f.viewer, &format!("{theirs}/UserData"), &json!({}))
            .status,
        403
    );
    assert_eq!(f.get(&f.viewer, &format!("{theirs}/UserData")).status, 403);
    assert_eq!(
        f.get(&f.viewer, &format!("/Users/{}/Suggestions", f.admin_id))
            .status,
        403
    );
    assert_eq!(
        f.get(
            &f.viewer,
            &format!("/Items/Suggestions?userId={}", f.admin_id)
        )
        .status,
        403
    );
    // The administrator may act for the viewer.
    assert_eq!(
        f.send(
            "POST",
            &f.admin,
            &format!("/Users/{}/Items/{kids}/Rating?likes=true", f.viewer_id),
            &json!({})
        )
        .json()["Likes"],
        true
    );

    // A partial update changes only what it names.
    let path = format!("/UserItems/{kids}/UserData");
    let r = f.send(
        "POST",
        &f.viewer,
        &path,
        &json!({"PlayCount": 3, "IsFavorite": true}),
    );
    assert_eq!(r.status, 200);
    let data = r.json();
    assert_eq!(
        (
            data["PlayCount"].clone(),
            data["IsFavorite"].clone(),
            data["Likes"].clone()
        ),
        (json!(3), json!(true), json!(true))
    );
    let r = f.send(
        "POST",
        &f.viewer,
        &format!("/Users/{}/Items/{kids}/UserData", f.viewer_id),
        &json!({"PlaybackPositionTicks": 200000000, "LastPlayedDate": "2024-05-01T12:34:56.0000000Z", "Played": null}),
    );
    let data = r.json();
    assert_eq!(data["PlaybackPositionTicks"], 200_000_000);
    assert_eq!(data["LastPlayedDate"], "2024-05-01T12:34:56.0000000Z");
    assert_eq!(
        (data["PlayCount"].clone(), data["IsFavorite"].clone()),
        (json!(3), json!(true))
    );
    assert_eq!(f.get(&f.viewer, &path).json(), data);
    assert_eq!(
        f.send(
            "POST",
            &f.viewer,
            &path,
            &json!({"PlaybackPositionTicks": -1})
        )
        .status,
        400
    );
    assert_eq!(
        f.send("POST", &f.viewer, &path, &json!({"Played": "maybe"}))
            .status,
        400
    );
    assert_eq!(f.send("POST", &f.viewer, &path, &json!([1])).status, 400);

    // Suggestions: unplayed movies only, as a QueryResult.
    let names = |r: &Reply| -> Vec<String> {
        let mut v: Vec<String> = r.json()["Items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["Name"].as_str().unwrap().to_owned())
            .collect();
        v.sort();
        v
    };
    let r = f.get(&f.viewer, "/Items/Suggestions?type=Movie&limit=10");
    assert_eq!(r.status, 200);
    assert_eq!(names(&r), ["Adult", "Kids", "Teen", "Unrated"]);
    assert_eq!(r.json()["TotalRecordCount"], 4);
    let teen = f.movie("Teen").to_n();
    assert_eq!(
        f.send(
            "POST",
            &f.viewer,
            &format!("/UserPlayedItems/{teen}"),
            &json!({})
        )
        .status,
        200
    );
    let r = f.get(
        &f.viewer,
        &format!(
            "/Users/{}/Suggestions?Type=Movie&Limit=10&EnableTotalRecordCount=true",
            f.viewer_id
        ),
    );
    assert_eq!(names(&r), ["Adult", "Kids", "Unrated"]);
    assert_eq!(r.json()["TotalRecordCount"], 3);
    let r = f.get(&f.viewer, "/Items/Suggestions?type=Movie&limit=2");
    assert_eq!(r.json()["Items"].as_array().unwrap().len(), 2);
    assert_eq!(r.json()["TotalRecordCount"], 2);
    // Episodes are suggested only when asked for.
    let r = f.get(&f.viewer, "/Items/Suggestions?type=Episode");
    assert_eq!(names(&r), ["Pilot"]);
}

#[test]
fn legacy_user_aliases() {
    let f = fixture();
    let addr = f.s.addr;
    let r = call(
        addr,
        "POST",
        &format!("/Users/{}/Authenticate?pw=pw", f.viewer_id),
        &[("Authorization", DEVICE)],
        b"",
    );
    assert_eq!(r.status, 200);
    let result = r.json();
    assert_eq!(result["User"]["Name"], "viewer");
    let token = result["AccessToken"].as_str().unwrap();
    assert_eq!(
        call(addr, "GET", "/Users/Me", &[("X-Emby-Token", token)], b"").status,
        200
    );
    // The password in a body works too; a wrong one is 401, an unknown user 404.
    let r = call(
        addr,
        "POST",
        &format!("/Users/{}/Authenticate", f.viewer_id),
        &[
            ("Authorization", DEVICE),
            ("Content-Type", "application/json"),
        ],
        br#"{"Pw":"pw"}"#,
    );
    assert_eq!(r.status, 200);
    let wrong = format!("/Users/{}/Authenticate?pw=nope", f.viewer_id);
    assert_eq!(
        call(addr, "POST", &wrong, &[("Authorization", DEVICE)], b"").status,
        401
    );
    let unknown = "/Users/0123456789abcdef0123456789abcdef/Authenticate?pw=pw";
    assert_eq!(
        call(addr, "POST", unknown, &[("Authorization", DEVICE)], b"").status,
        404
    );
    // Easy passwords are gone in 10.11: 403 for users, 401 without a token.
    let easy = format!("/Users/{}/EasyPassword", f.viewer_id);
    assert_eq!(
        f.send("POST", &f.viewer, &easy, &json!({"NewPw": "1234"}))
            .status,
        403
    );
    assert_eq!(call(addr, "POST", &easy, &[], b"{}").status, 401);
}
