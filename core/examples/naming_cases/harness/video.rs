//! Adapters for the video naming APIs (VideoResolver, ExtraRuleResolver, Format3DParser,
//! StubResolver, StackResolver, VideoListResolver).

use super::{opt, values_match, Check};
use jellyfin_core::naming::extras::{self, ExtraRule, ExtraRuleKind, ExtraType, RuleMediaType};
use jellyfin_core::naming::stack::{self, StackEntry};
use jellyfin_core::naming::video::{
    self, Format3DRule, ResolveOptions, StubTypeRule, VideoFileInfo,
};
use jellyfin_core::naming::video_list::{self, VersionGrouping, VideoItem};
use jellyfin_core::naming::NamingOptions;
use serde_json::{Map, Value};

/// Runs `api` if it belongs to this adapter; returns whether it did.
pub fn run(api: &str, c: &mut Check<'_>, defaults: &NamingOptions) -> bool {
    let custom;
    let opts = match overridden(c, defaults) {
        Some(o) => {
            custom = o;
            &custom
        }
        None => defaults,
    };
    match api {
        "VideoResolver.CleanDateTime" => {
            let name = c.input_str("name").unwrap_or_else(|| c.path());
            let r = video::clean_date_time(opts, name);
            c.field("name", r.name);
            c.field("year", opt(r.year));
        }
        "VideoResolver.TryCleanString" => {
            let r = video::clean_string(opts, c.path());
            c.field("cleaned", r.is_some());
            c.field("name", opt(r));
        }
        "Format3DParser.Parse" => {
            let r = video::parse_3d(opts, c.path());
            c.field("is_3d", r.is_3d);
            c.field("format_3d", opt(r.token));
        }
        "StubResolver.TryResolveFile" => {
            let r = video::resolve_stub(opts, c.path());
            c.field("is_stub", r.is_some());
            c.field("stub_type", opt(r.and_then(|s| s.stub_type)));
        }
        "VideoResolver.ResolveFile" | "VideoResolver.ResolveDirectory" => {
            let is_dir = api.ends_with("Directory") || c.is_directory();
            let r = video::resolve(opts, c.path(), is_dir, ResolveOptions::default());
            c.field("resolves", r.is_some());
            match r {
                Some(v) => video_file_fields(c, &v),
                None => {
                    for k in ["container", "name", "year", "path"] {
                        c.field(k, Value::Null);
                    }
                }
            }
        }
        "ExtraRuleResolver.GetExtraInfo" => {
            let root = c.input_str("library_root").filter(|r| !r.is_empty());
            let r = extras::classify(opts, c.path(), root);
            c.field("extra_type", opt(r.extra_type.map(ExtraType::name)));
            c.field("matched_rule_index", opt(r.rule_index.map(|i| i as u64)));
        }
        "StackResolver.ResolveFiles"
        | "StackResolver.ResolveDirectories"
        | "StackResolver.Resolve" => {
            let stacks = match api {
                "StackResolver.ResolveFiles" => {
                    stack::resolve_files(opts, &c.input_strings("files"))
                }
                "StackResolver.ResolveDirectories" => {
                    stack::resolve_directories(opts, &c.input_strings("files"))
                }
                _ => stack::resolve(opts, &entries(c)),
            };
            c.field("stack_count", stacks.len() as u64);
            if let Some(expected) = c.expect.get("stacks").and_then(Value::as_array) {
                c.mark("stacks");
                for e in expected {
                    let at = e.get("at").and_then(Value::as_u64).unwrap_or(0) as usize;
                    let Some(s) = stacks.get(at) else {
                        c.fail(format!(
                            "stacks[{at}]: missing (got {} stacks)",
                            stacks.len()
                        ));
                        continue;
                    };
                    if let Some(n) = e.get("name") {
                        if n != &Value::from(s.name.clone()) {
                            c.fail(format!("stacks[{at}].name: expected {n}, got {:?}", s.name));
                        }
                    }
                    if let Some(n) = e.get("file_count") {
                        if n.as_u64() != Some(s.files.len() as u64) {
                            c.fail(format!(
                                "stacks[{at}].file_count: expected {n}, got {}",
                                s.files.len()
                            ));
                        }
                    }
                }
            }
        }
        "VideoListResolver.Resolve" => {
            let grouping = match c.option("collection_type").and_then(Value::as_str) {
                Some(t) if t.eq_ignore_ascii_case("tvshows") => VersionGrouping::Episodes,
                _ => VersionGrouping::Movies,
            };
            let items = video_list::resolve_paths(opts, &entries(c), grouping);
            check_item_list(c, &items);
        }
        _ => return false,
    }
    true
}

fn entries(c: &Check<'_>) -> Vec<StackEntry> {
    if let Some(list) = c.input.get("entries").and_then(Value::as_array) {
        return list
            .iter()
            .map(|e| StackEntry {
                path: e
                    .get("path")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned(),
                is_directory: e
                    .get("is_directory")
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
            })
            .collect();
    }
    let is_directory = c.is_directory();
    c.input_strings("files")
        .into_iter()
        .map(|path| StackEntry { path, is_directory })
        .collect()
}

fn video_file_fields(c: &mut Check<'_>, v: &VideoFileInfo) {
    c.field("path", v.path.clone());
    c.field("container", opt(v.container.clone()));
    c.field("name", v.name.clone());
    c.field("year", opt(v.year));
    c.field("extra_type", opt(v.extra_type.map(ExtraType::name)));
    c.field("format_3d", opt(v.format_3d.token.clone()));
    c.field("is_3d", v.format_3d.is_3d);
    c.field("is_stub", v.is_stub);
    c.field("stub_type", opt(v.stub_type.clone()));
    c.field("is_directory", v.is_directory);
    c.field(
        "file_name_without_extension",
        v.file_name_without_extension().to_owned(),
    );
}

fn str_field<'a>(m: &'a Map<String, Value>, keys: &[&str]) -> Option<&'a str> {
    keys.iter().find_map(|k| m.get(*k).and_then(Value::as_str))
}

/// Builds options with the rule lists a case replaces (`*_override`), if it replaces any.
fn overridden(c: &Check<'_>, defaults: &NamingOptions) -> Option<NamingOptions> {
    let options = c.input.get("options")?.as_object()?;
    let mut opts: Option<NamingOptions> = None;
    for (key, value) in options {
        if !key.ends_with("_override") {
            continue;
        }
        let o = opts.get_or_insert_with(|| defaults.clone());
        let list = value.as_array().cloned().unwrap_or_default();
        let k = key.to_ascii_lowercase();
        if k.contains("extra") {
            o.video.extra_rules = list
                .iter()
                .filter_map(|r| {
                    let r = r.as_object()?;
                    let extra_type =
                        ExtraType::from_name(str_field(r, &["extra_type", "ExtraType", "type"])?)?;
                    let kind = match str_field(r, &["rule_type", "RuleType", "kind"])?
                        .to_ascii_lowercase()
                        .as_str()
                    {
                        "suffix" => ExtraRuleKind::Suffix,
                        "filename" => ExtraRuleKind::Filename,
                        "regex" => ExtraRuleKind::Regex,
                        "directoryname" | "directory_name" => ExtraRuleKind::DirectoryName,
                        _ => return None,
                    };
                    let token = str_field(r, &["token", "Token"])?;
                    let media = match str_field(r, &["media_type", "MediaType"]).unwrap_or("Video")
                    {
                        m if m.eq_ignore_ascii_case("audio") => RuleMediaType::Audio,
                        _ => RuleMediaType::Video,
                    };
                    Some(ExtraRule::new(extra_type, kind, token, media))
                })
                .collect();
        } else if k.contains("3d") {
            o.video.format3d_rules = list
                .iter()
                .filter_map(|r| {
                    let r = r.as_object()?;
                    Some(Format3DRule {
                        preceding_token: str_field(r, &["preceding_token", "PrecedingToken"])
                            .filter(|s| !s.is_empty())
                            .map(str::to_owned),
                        token: str_field(r, &["token", "Token"])?.to_owned(),
                    })
                })
                .collect();
        } else if k.contains("stub") {
            o.video.stub_types = list
                .iter()
                .filter_map(|r| {
                    let r = r.as_object()?;
                    Some(StubTypeRule {
                        stub_type: str_field(r, &["stub_type", "StubType"])?.to_owned(),
                        token: str_field(r, &["token", "Token"])?.to_owned(),
                    })
                })
                .collect();
        }
    }
    opts
}

/// Describes the assertions on a list of items (VideoListResolver).
fn check_item_list(c: &mut Check<'_>, items: &[VideoItem]) {
    c.field("result_count", items.len() as u64);
    if let Some(cw) = c.expect.get("count_where").and_then(Value::as_object) {
        c.mark("count_where");
        for (k, v) in cw {
            let n = match k.as_str() {
                "extra_type_null" => items.iter().filter(|i| i.extra_type.is_none()).count(),
                "extra_type_not_null" => items.iter().filter(|i| i.extra_type.is_some()).count(),
                other => {
                    c.fail(format!("count_where.{other}: unknown counter"));
                    continue;
                }
            };
            if v.as_u64() != Some(n as u64) {
                c.fail(format!("count_where.{k}: expected {v}, got {n}"));
            }
        }
    }
    if let Some(all) = c.expect.get("all_items").and_then(Value::as_object) {
        c.mark("all_items");
        for (i, item) in items.iter().enumerate() {
            for p in item_problems(all, item) {
                c.fail(format!("all_items[{i}].{p}"));
            }
        }
    }
    if let Some(list) = c.expect.get("items").and_then(Value::as_array) {
        c.mark("items");
        for (n, e) in list.iter().enumerate() {
            let Some(e) = e.as_object() else { continue };
            match select(e, items) {
                Ok(item) => {
                    for p in item_problems(e, item) {
                        c.fail(format!("items[{n}].{p}"));
                    }
                }
                Err(msg) => c.fail(format!("items[{n}]: {msg}")),
            }
        }
    }
}

fn first_path(item: &VideoItem) -> &str {
    item.files.first().map(|f| f.path.as_str()).unwrap_or("")
}

fn select<'a>(e: &Map<String, Value>, items: &'a [VideoItem]) -> Result<&'a VideoItem, String> {
    if let Some(at) = e.get("at").and_then(Value::as_u64) {
        return items
            .get(at as usize)
            .ok_or_else(|| format!("no item at {at} (have {})", items.len()));
    }
    let Some(w) = e.get("where").and_then(Value::as_object) else {
        return Err("no selector".to_owned());
    };
    items
        .iter()
        .find(|i| {
            w.iter().all(|(k, v)| match k.as_str() {
                "name" => v.as_str() == Some(i.name.as_str()),
                "first_file_path_contains" => v.as_str().is_some_and(|s| first_path(i).contains(s)),
                "extra_type" => match v.as_str() {
                    None => i.extra_type.is_none(),
                    Some(t) => i.extra_type.map(ExtraType::name) == Some(t),
                },
                "extra_type_not_null" => i.extra_type.is_some() == v.as_bool().unwrap_or(true),
                _ => false,
            })
        })
        .ok_or_else(|| format!("no item where {}", Value::Object(w.clone())))
}

fn item_problems(e: &Map<String, Value>, item: &VideoItem) -> Vec<String> {
    let mut out = Vec::new();
    fn cmp_into(out: &mut Vec<String>, k: &str, expected: &Value, actual: Value) {
        if !values_match(expected, &actual, "exact") {
            out.push(format!("{k}: expected {expected}, got {actual}"));
        }
    }
    for (k, v) in e {
        let mut cmp =
            |k: &str, expected: &Value, actual: Value| cmp_into(&mut out, k, expected, actual);
        match k.as_str() {
            "at" | "where" => {}
            "name" => cmp(k, v, item.name.clone().into()),
            "year" => cmp(k, v, opt(item.year)),
            "file_count" => cmp(k, v, (item.files.len() as u64).into()),
            "extra_type" => cmp(k, v, opt(item.extra_type.map(ExtraType::name))),
            "first_file_path" => cmp(k, v, first_path(item).into()),
            "first_file_path_contains" => {
                let ok = v.as_str().is_some_and(|s| first_path(item).contains(s));
                cmp(k, &Value::Bool(true), ok.into())
            }
            "all_files_path_contain" => {
                let ok = v
                    .as_str()
                    .is_some_and(|s| item.files.iter().all(|f| f.path.contains(s)));
                cmp(k, &Value::Bool(true), ok.into())
            }
            "first_file_is_3d" => cmp(k, v, item.files.first().map(|f| f.format_3d.is_3d).into()),
            "first_file_format_3d" => {
                let actual = opt(item.files.first().and_then(|f| f.format_3d.token.clone()));
                if !values_match(v, &actual, "ignore_case") {
                    out.push(format!("{k}: expected {v}, got {actual}"));
                }
            }
            "alternate_version_count" => cmp(k, v, (item.alternate_versions.len() as u64).into()),
            "alternate_version_paths_include"
            | "alternate_versions_any_first_file_path_contains" => {
                let wanted: Vec<&str> = match v {
                    Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
                    Value::String(s) => vec![s.as_str()],
                    _ => vec![],
                };
                for w in wanted {
                    let found = item.alternate_versions.iter().any(|a| {
                        if k == "alternate_version_paths_include" {
                            first_path(a) == w
                        } else {
                            first_path(a).contains(w)
                        }
                    });
                    if !found {
                        out.push(format!("{k}: no alternate version matching {w:?}"));
                    }
                }
            }
            "alternate_versions" => {
                for (n, ae) in v.as_array().into_iter().flatten().enumerate() {
                    let Some(ae) = ae.as_object() else { continue };
                    match select(ae, &item.alternate_versions) {
                        Ok(a) => {
                            for p in item_problems(ae, a) {
                                out.push(format!("alternate_versions[{n}].{p}"));
                            }
                        }
                        Err(msg) => out.push(format!("alternate_versions[{n}]: {msg}")),
                    }
                }
            }
            "extras_count" => cmp(k, v, 0u64.into()),
            other => out.push(format!("{other}: assertion not understood by the harness")),
        }
    }
    out
}
