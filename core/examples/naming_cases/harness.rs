//! The data-driven naming harness, shared by the `naming_cases` example and the integration test.
//!
//! Each case names an upstream API (`api`), gives `input` and asserts the fields in `expect`.
//! Every expected field must be checked by the adapter for that API: a field nobody checked is
//! reported as a failure, so a new vector can never pass by being ignored.

#![allow(dead_code)]

#[path = "harness/audio.rs"]
mod audio;
#[path = "harness/tv.rs"]
mod tv;
#[path = "harness/video.rs"]
mod video;

use jellyfin_core::naming::NamingOptions;
use serde_json::{Map, Value};
use std::collections::BTreeSet;
use std::path::Path;

/// Result of running a cases file.
pub struct Summary {
    pub passed: usize,
    pub failures: Vec<String>,
}

/// Loads `path` and runs every case in it.
pub fn run_file(path: &Path) -> Result<Summary, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let doc: Value = serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let cases = doc
        .get("cases")
        .and_then(Value::as_array)
        .ok_or_else(|| format!("{}: no \"cases\" array", path.display()))?;
    let defaults = NamingOptions::default();
    let mut summary = Summary {
        passed: 0,
        failures: Vec::new(),
    };
    for case in cases {
        let id = case
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or("<no id>")
            .to_owned();
        let outcome =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run_case(case, &defaults)));
        let problems = match outcome {
            Ok(p) => p,
            Err(_) => vec!["PANIC while running the case".to_owned()],
        };
        if problems.is_empty() {
            summary.passed += 1;
        } else {
            summary.failures.push(format!(
                "FAIL {id} [{}]\n  input:    {}\n  expected: {}\n  {}",
                case.get("api").and_then(Value::as_str).unwrap_or("?"),
                case.get("input").unwrap_or(&Value::Null),
                case.get("expect").unwrap_or(&Value::Null),
                problems.join("\n  ")
            ));
        }
    }
    Ok(summary)
}

fn run_case(case: &Value, defaults: &NamingOptions) -> Vec<String> {
    let api = case.get("api").and_then(Value::as_str).unwrap_or("");
    let empty = Map::new();
    let input = case
        .get("input")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let expect = case
        .get("expect")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let compare = case
        .get("compare")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let mut c = Check::new(input, expect, compare);
    let handled = video::run(api, &mut c, defaults)
        || tv::run(api, &mut c, defaults)
        || audio::run(api, &mut c, defaults);
    if !handled {
        return vec![format!("unknown api {api:?}")];
    }
    c.finish()
}

/// The input of a case and the checks made against its expectations.
pub struct Check<'a> {
    pub input: &'a Map<String, Value>,
    pub expect: &'a Map<String, Value>,
    compare: &'a Map<String, Value>,
    checked: BTreeSet<String>,
    pub problems: Vec<String>,
}

impl<'a> Check<'a> {
    fn new(
        input: &'a Map<String, Value>,
        expect: &'a Map<String, Value>,
        compare: &'a Map<String, Value>,
    ) -> Self {
        Self {
            input,
            expect,
            compare,
            checked: BTreeSet::new(),
            problems: Vec::new(),
        }
    }

    /// A string input field (`None` when absent or null).
    pub fn input_str(&self, key: &str) -> Option<&'a str> {
        self.input.get(key).and_then(Value::as_str)
    }

    /// `input.path`, or `""`.
    pub fn path(&self) -> &'a str {
        self.input_str("path").unwrap_or("")
    }

    pub fn is_directory(&self) -> bool {
        self.input
            .get("is_directory")
            .and_then(Value::as_bool)
            .unwrap_or(false)
    }

    /// An option from `input.options`.
    pub fn option(&self, key: &str) -> Option<&'a Value> {
        self.input.get("options").and_then(|o| o.get(key))
    }

    pub fn option_bool(&self, key: &str) -> Option<bool> {
        self.option(key).and_then(Value::as_bool)
    }

    /// A list of strings from the input (`files`).
    pub fn input_strings(&self, key: &str) -> Vec<String> {
        self.input
            .get(key)
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Whether the case asserts `key`.
    pub fn expects(&self, key: &str) -> bool {
        self.expect.contains_key(key)
    }

    /// Marks `key` as checked without comparing (the adapter compared it itself).
    pub fn mark(&mut self, key: &str) {
        self.checked.insert(key.to_owned());
    }

    /// Compares `actual` with `expect[key]` when the case asserts `key`.
    pub fn field(&mut self, key: &str, actual: impl Into<Value>) {
        let Some(expected) = self.expect.get(key) else {
            return;
        };
        self.checked.insert(key.to_owned());
        let actual = actual.into();
        let mode = self
            .compare
            .get(key)
            .and_then(Value::as_str)
            .unwrap_or("exact");
        if !values_match(expected, &actual, mode) {
            self.problems
                .push(format!("{key}: expected {expected}, got {actual}"));
        }
    }

    /// Records a failure.
    pub fn fail(&mut self, msg: String) {
        self.problems.push(msg);
    }

    fn finish(mut self) -> Vec<String> {
        for key in self.expect.keys() {
            if !self.checked.contains(key) {
                self.problems
                    .push(format!("{key}: expected field not checked by the harness"));
            }
        }
        self.problems
    }
}

/// Compares an expected JSON value with an actual one under a comparison mode.
pub fn values_match(expected: &Value, actual: &Value, mode: &str) -> bool {
    match mode {
        "ignore_case" => match (expected, actual) {
            (Value::String(e), Value::String(a)) => e.to_lowercase() == a.to_lowercase(),
            _ => expected == actual,
        },
        "null_or_empty" => {
            let empty = |v: &Value| v.is_null() || v.as_str() == Some("");
            if empty(expected) {
                empty(actual)
            } else {
                expected == actual
            }
        }
        _ => match (expected, actual) {
            (Value::Number(e), Value::Number(a)) => e.as_f64() == a.as_f64(),
            _ => expected == actual,
        },
    }
}

/// `Some(x)` as JSON, `None` as `null`.
pub fn opt<T: Into<Value>>(v: Option<T>) -> Value {
    v.map(Into::into).unwrap_or(Value::Null)
}
