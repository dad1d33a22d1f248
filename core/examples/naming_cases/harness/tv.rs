//! Adapters for the tv naming APIs (EpisodePathParser, EpisodeResolver, SeasonPathParser,
//! SeriesPathParser, SeriesResolver, TvParserHelpers).

use super::{opt, Check};
use jellyfin_core::naming::tv::{self, EpisodeExpression, ExpressionFilter};
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
        "EpisodePathParser.Parse" => {
            let r = tv::parse_episode_path(opts, c.path(), c.is_directory(), filter(c), true);
            c.field("success", r.success);
            c.field("series_name", opt(r.series_name));
            c.field("season_number", opt(r.season_number));
            c.field("episode_number", opt(r.episode_number));
            c.field("ending_episode_number", opt(r.ending_episode_number));
            c.field("year", opt(r.year));
            c.field("month", opt(r.month));
            c.field("day", opt(r.day));
            c.field("air_date", opt(air_date(r.year, r.month, r.day)));
            c.field("is_by_date", r.is_by_date);
        }
        "EpisodeResolver.Resolve" => {
            let r = tv::resolve_episode(opts, c.path(), c.is_directory(), filter(c), true);
            c.field("resolves", r.is_some());
            let Some(e) = r else {
                let keys: Vec<String> = c
                    .expect
                    .keys()
                    .filter(|k| *k != "resolves")
                    .cloned()
                    .collect();
                for k in keys {
                    c.field(&k, Value::Null);
                }
                return true;
            };
            c.field("path", e.path.clone());
            c.field("container", opt(e.container));
            c.field("series_name", opt(e.series_name));
            c.field("season_number", opt(e.season_number));
            c.field("episode_number", opt(e.episode_number));
            c.field("ending_episode_number", opt(e.ending_episode_number));
            c.field("year", opt(e.year));
            c.field("month", opt(e.month));
            c.field("day", opt(e.day));
            c.field("air_date", opt(air_date(e.year, e.month, e.day)));
            c.field("is_by_date", e.is_by_date);
            c.field("is_stub", e.is_stub);
            c.field("stub_type", opt(e.stub_type));
            c.field("is_3d", e.is_3d);
            c.field("format_3d", opt(e.format_3d));
        }
        "SeasonPathParser.Parse" => {
            let special = c.option_bool("support_special_aliases").unwrap_or(true);
            let numeric = c
                .option_bool("support_numeric_season_folders")
                .unwrap_or(true);
            let r =
                tv::parse_season_path(opts, c.path(), c.input_str("parent_path"), special, numeric);
            c.field("success", r.success);
            c.field("season_number", opt(r.season_number));
            c.field("is_season_folder", r.is_season_folder);
        }
        "SeriesPathParser.Parse" => {
            let r = tv::parse_series_path(opts, c.path());
            c.field("success", r.success);
            c.field("series_name", opt(r.series_name));
        }
        "SeriesResolver.Resolve" => {
            let r = tv::resolve_series(opts, c.path());
            c.field("name", r.name);
            c.field("year", opt(r.year));
            c.field("path", r.path);
        }
        "TvParserHelpers.TryParseSeriesStatus" => {
            let r = c
                .input_str("status_string")
                .and_then(tv::parse_series_status);
            c.field("success", r.is_some());
            c.field("series_status", opt(r.map(|s| s.name())));
        }
        _ => return false,
    }
    true
}

/// The expression filter from `input.options`.
fn filter(c: &Check<'_>) -> ExpressionFilter {
    ExpressionFilter {
        is_named: c.option_bool("is_named"),
        is_optimistic: c.option_bool("is_optimistic"),
        supports_absolute_numbers: c.option_bool("supports_absolute_numbers"),
    }
}

/// `yyyy-mm-dd` when the date is complete.
fn air_date(year: Option<i32>, month: Option<i32>, day: Option<i32>) -> Option<String> {
    Some(format!("{:04}-{:02}-{:02}", year?, month?, day?))
}

fn str_field<'a>(m: &'a Map<String, Value>, keys: &[&str]) -> Option<&'a str> {
    keys.iter().find_map(|k| m.get(*k).and_then(Value::as_str))
}

fn bool_field(m: &Map<String, Value>, keys: &[&str]) -> Option<bool> {
    keys.iter().find_map(|k| m.get(*k).and_then(Value::as_bool))
}

/// One episode expression of an override list: a string, or an object with the expression and
/// its flags.
fn expression(v: &Value, named_by_default: bool) -> Option<EpisodeExpression> {
    if let Some(s) = v.as_str() {
        let mut e = EpisodeExpression::try_new(s)?;
        e.is_named = named_by_default;
        return Some(e);
    }
    let m = v.as_object()?;
    let mut e = EpisodeExpression::try_new(str_field(
        m,
        &["expression", "Expression", "regex", "pattern"],
    )?)?;
    e.is_by_date = bool_field(m, &["is_by_date", "IsByDate", "by_date"]).unwrap_or(false);
    e.is_named = bool_field(m, &["is_named", "IsNamed"]).unwrap_or(named_by_default);
    e.is_optimistic = bool_field(m, &["is_optimistic", "IsOptimistic"]).unwrap_or(false);
    e.supports_absolute_numbers = bool_field(
        m,
        &[
            "supports_absolute_numbers",
            "supports_absolute_episode_numbers",
            "SupportsAbsoluteEpisodeNumbers",
        ],
    )
    .unwrap_or(true);
    e.date_formats = ["date_time_formats", "date_formats", "DateTimeFormats"]
        .iter()
        .find_map(|k| m.get(*k).and_then(Value::as_array))
        .map(|a| {
            a.iter()
                .filter_map(|f| f.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    Some(e)
}

/// Builds options with the episode expression lists a case replaces (`*_override`).
fn overridden(c: &Check<'_>, defaults: &NamingOptions) -> Option<NamingOptions> {
    let options = c.input.get("options")?.as_object()?;
    let mut opts: Option<NamingOptions> = None;
    for (key, value) in options {
        let k = key.to_ascii_lowercase();
        if !k.ends_with("_override") || !k.contains("episode") {
            continue;
        }
        let o = opts.get_or_insert_with(|| defaults.clone());
        let list = value.as_array().cloned().unwrap_or_default();
        if k.contains("multi") {
            o.tv.multiple_episode_expressions =
                list.iter().filter_map(|v| expression(v, true)).collect();
        } else {
            o.tv.episode_expressions = list.iter().filter_map(|v| expression(v, false)).collect();
        }
    }
    opts
}
