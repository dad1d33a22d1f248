//! Pages of `/Items` over real HTTP, as they come from cached listings and DTO fragments: every
//! page equals the same slice of the unpaged answer, a user's data change shows at once without
//! touching the rest of the item, another process's write to the store shows on the next page,
//! and `Fields` still decide the fields.

use jellyfin_core::auth::DeviceInfo;
use jellyfin_core::store::{self, ItemKind, ItemRecord, LibraryKind, MediaType};
use jellyfin_core::{LibraryConfig, MediaLibrary};
use serde_json::Value;

use super::{call, call_json, start};

fn movie(lib: store::ItemId, root: &std::path::Path, n: usize, name: &str) -> ItemRecord {
    let path = root.join(format!("{n}.mkv")).display().to_string();
    let mut r = ItemRecord::new(ItemKind::Movie, &path, name);
    r.library_id = Some(lib);
    r.parent_id = Some(lib);
    r.path = Some(path);
    r.media_type = Some(MediaType::Video);
    r.overview = Some(format!("Overview of {name}"));
    r.run_time_ticks = Some(72_000_000_000);
    r.production_year = Some(1990 + n as i32);
    r
}

fn ids(page: &Value) -> Vec<String> {
    page["Items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["Id"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn pages_follow_user_data_and_other_writers() {
    let dir = tempfile::tempdir().unwrap();
    let media = dir.path().join("media");
    std::fs::create_dir_all(&media).unwrap();
    // The store is written by another handle, as the `scan` command would do.
    let writer = MediaLibrary::open(LibraryConfig::new(dir.path())).unwrap();
    let lib = writer
        .add_library("Movies", LibraryKind::Movies, std::slice::from_ref(&media))
        .unwrap()
        .id;
    writer
        .store()
        .write(|tx| {
            for n in 0..30 {
                store::upsert_item(tx, &movie(lib, &media, n, &format!("Movie {n:02}")))?;
            }
            Ok::<_, store::StoreError>(())
        })
        .unwrap();
    writer.auth().ensure_admin("admin", "pw").unwrap();
    let token = writer
        .auth()
        .authenticate_by_name("admin", "pw", &DeviceInfo::new("t", "t", "pages", "1"))
        .unwrap()
        .token;
    let server = start(dir.path());
    let base = format!(
        "/Items?ParentId={}&Recursive=true&IncludeItemTypes=Movie&SortBy=ProductionYear,SortName&SortOrder=Descending&Fields=Overview",
        lib.to_n()
    );
    let page = |start: usize| {
        call_json(
            server.addr,
            "GET",
            &format!("{base}&StartIndex={start}&Limit=7"),
            &token,
            None,
        )
    };

    let all = call_json(server.addr, "GET", &base, &token, None);
    assert_eq!(all["TotalRecordCount"], 30);
    let mut paged = Vec::new();
    for round in 0..2 {
        // Twice: the second round is served from the listing and the fragments.
        let mut seen = Vec::new();
        for start in (0..35).step_by(7) {
            let p = page(start);
            assert_eq!(p["TotalRecordCount"], 30, "round {round} start {start}");
            assert_eq!(p["StartIndex"], start);
            seen.extend(ids(&p));
        }
        assert_eq!(seen, ids(&all), "round {round}");
        paged = seen;
    }
    assert_eq!(paged.len(), 30);

    // A user's data change: the item's UserData changes, nothing else of the page does.
    let before = page(7);
    let target = ids(&before)[2].clone();
    let (status, _, _) = call(
        server.addr,
        "POST",
        &format!("/UserPlayedItems/{target}"),
        &token,
        None,
    );
    assert_eq!(status, 200);
    let after = page(7);
    for (b, a) in before["Items"]
        .as_array()
        .unwrap()
        .iter()
        .zip(after["Items"].as_array().unwrap())
    {
        let played = a["Id"] == target.as_str();
        assert_eq!(a["UserData"]["Played"], played, "{}", a["Name"]);
        assert_eq!(a["UserData"]["Key"], a["Id"]);
        let strip = |v: &Value| {
            let mut v = v.clone();
            v.as_object_mut().unwrap().remove("UserData");
            v
        };
        assert_eq!(strip(a), strip(b));
        assert_eq!(
            a["Overview"],
            format!("Overview of {}", a["Name"].as_str().unwrap())
        );
    }

    // Another handle renames an item and adds one: the next pages show both.
    let renamed = movie(lib, &media, 12, "Renamed Twelve");
    writer
        .store()
        .write(|tx| {
            store::upsert_item(tx, &renamed)?;
            store::upsert_item(tx, &movie(lib, &media, 40, "Movie 40"))
        })
        .unwrap();
    let p = page(7);
    assert_eq!(p["TotalRecordCount"], 31);
    let names: Vec<&str> = p["Items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["Name"].as_str().unwrap())
        .collect();
    // Descending years: Movie 40 (2030) first, then 29, 28 ... so page 2 holds 23..17 (it held
    // 22..16 before), 12 is on page 3.
    assert_eq!(names[0], "Movie 23", "{names:?}");
    let p3 = page(14);
    let p3_names: Vec<&str> = p3["Items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["Name"].as_str().unwrap())
        .collect();
    assert!(p3_names.contains(&"Renamed Twelve"), "{p3_names:?}");
    assert!(!p3_names.contains(&"Movie 12"), "{p3_names:?}");

    // Fields decide the fields, per request.
    let bare = call_json(
        server.addr,
        "GET",
        &format!(
            "/Items?ParentId={}&Recursive=true&IncludeItemTypes=Movie&StartIndex=7&Limit=7",
            lib.to_n()
        ),
        &token,
        None,
    );
    assert!(
        bare["Items"][0].get("Overview").is_none(),
        "{}",
        bare["Items"][0]
    );
    assert!(page(7)["Items"][0]["Overview"].as_str().is_some());
}
