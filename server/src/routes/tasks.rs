//! Scheduled tasks (`/ScheduledTasks*`): the core's tasks as Jellyfin's `TaskInfo`, starting and
//! stopping them, and their triggers. The access rules (administrator) come from the spec gate.

use hyper::{Response, StatusCode};
use jellyfin_core::tasks::{TaskInfo, TaskKind, TaskResult, Trigger, TriggerKind, WEEKDAYS};
use serde_json::{json, Map, Value};

use super::users::field;
use crate::dto::item::format_system_time;
use crate::error::Error;
use crate::http::{empty, json, Body, Ctx, Server};

/// `TaskTriggerInfo`.
pub fn trigger_dto(t: &Trigger) -> Value {
    let mut o = Map::new();
    o.insert("Type".into(), t.kind.name().into());
    if let Some(v) = t.time_of_day_ticks {
        o.insert("TimeOfDayTicks".into(), v.into());
    }
    if let Some(v) = t.interval_ticks {
        o.insert("IntervalTicks".into(), v.into());
    }
    if let Some(d) = t.day_of_week.and_then(|d| WEEKDAYS.get(usize::from(d))) {
        o.insert("DayOfWeek".into(), (*d).into());
    }
    if let Some(v) = t.max_runtime_ticks {
        o.insert("MaxRuntimeTicks".into(), v.into());
    }
    Value::Object(o)
}

fn result_dto(kind: TaskKind, r: &TaskResult) -> Value {
    let mut o = Map::new();
    o.insert("StartTimeUtc".into(), format_system_time(r.start).into());
    o.insert("EndTimeUtc".into(), format_system_time(r.end).into());
    o.insert("Status".into(), r.status.name().into());
    o.insert("Name".into(), kind.name().into());
    o.insert("Key".into(), kind.key().into());
    o.insert("Id".into(), kind.id().into());
    if let Some(e) = &r.error {
        o.insert("ErrorMessage".into(), e.clone().into());
    }
    Value::Object(o)
}

/// `TaskInfo` (`State` and `IsHidden` always present; the progress only while running).
pub fn task_info_dto(t: &TaskInfo) -> Value {
    let mut o = Map::new();
    o.insert("Name".into(), t.kind.name().into());
    o.insert("State".into(), t.state.name().into());
    if let Some(p) = t.progress {
        o.insert("CurrentProgressPercentage".into(), json!(p));
    }
    o.insert("Id".into(), t.id.clone().into());
    if let Some(r) = &t.last_result {
        o.insert("LastExecutionResult".into(), result_dto(t.kind, r));
    }
    o.insert(
        "Triggers".into(),
        Value::Array(t.triggers.iter().map(trigger_dto).collect()),
    );
    o.insert("Description".into(), t.description.clone().into());
    o.insert("Category".into(), t.kind.category().into());
    o.insert("IsHidden".into(), false.into());
    o.insert("Key".into(), t.kind.key().into());
    Value::Object(o)
}

/// Every task as `[TaskInfo]` (the `ScheduledTasksInfo` push sends the same).
pub fn task_list(server: &Server) -> Result<Vec<Value>, Error> {
    Ok(server
        .tasks()
        .list()
        .map_err(Error::Core)?
        .iter()
        .map(task_info_dto)
        .collect())
}

fn task(server: &Server, id: &str) -> Result<TaskKind, Error> {
    server.tasks().find(id).ok_or(Error::NotFound)
}

/// `GET /ScheduledTasks?isHidden=&isEnabled=`: no task is hidden and all are enabled, so the
/// filters keep all or none.
pub fn list(server: &Server, ctx: &Ctx) -> Result<Response<Body>, Error> {
    let keep =
        ctx.query.bool("isHidden") != Some(true) && ctx.query.bool("isEnabled") != Some(false);
    let list = if keep { task_list(server)? } else { Vec::new() };
    json(&list)
}

/// `GET /ScheduledTasks/{id}`.
pub fn get(server: &Server, id: &str) -> Result<Response<Body>, Error> {
    let kind = task(server, id)?;
    json(&task_info_dto(
        &server.tasks().info(kind).map_err(Error::Core)?,
    ))
}

/// `POST /ScheduledTasks/Running/{id}`: starts the task (a running one keeps running).
pub fn start(server: &Server, id: &str) -> Result<Response<Body>, Error> {
    let kind = task(server, id)?;
    server.tasks().start(kind);
    Ok(empty(StatusCode::NO_CONTENT))
}

/// `DELETE /ScheduledTasks/Running/{id}`: asks the task to stop (nothing to do when idle).
pub fn stop(server: &Server, id: &str) -> Result<Response<Body>, Error> {
    let kind = task(server, id)?;
    let _ = server.tasks().cancel(kind);
    Ok(empty(StatusCode::NO_CONTENT))
}

/// A `TaskTriggerInfo` body (keys in any case, numbers as numbers or strings).
pub fn trigger_from_json(v: &Value) -> Result<Trigger, Error> {
    let bad = |what: &str| Error::BadRequest(format!("invalid trigger: {what}"));
    let kind = field(v, "Type")
        .and_then(Value::as_str)
        .and_then(TriggerKind::from_name)
        .ok_or_else(|| bad("Type"))?;
    let ticks = |key: &str| -> Result<Option<i64>, Error> {
        match field(v, key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => n.as_i64().map(Some).ok_or_else(|| bad(key)),
            Some(Value::String(s)) => s.trim().parse().map(Some).map_err(|_| bad(key)),
            Some(_) => Err(bad(key)),
        }
    };
    let day_of_week = match field(v, "DayOfWeek") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(
            WEEKDAYS
                .iter()
                .position(|d| d.eq_ignore_ascii_case(s.trim()))
                .ok_or_else(|| bad("DayOfWeek"))? as u8,
        ),
        Some(Value::Number(n)) => Some(
            n.as_u64()
                .filter(|d| *d < 7)
                .ok_or_else(|| bad("DayOfWeek"))? as u8,
        ),
        Some(_) => return Err(bad("DayOfWeek")),
    };
    Ok(Trigger {
        kind,
        time_of_day_ticks: ticks("TimeOfDayTicks")?,
        interval_ticks: ticks("IntervalTicks")?,
        day_of_week,
        max_runtime_ticks: ticks("MaxRuntimeTicks")?,
    })
}

/// `POST /ScheduledTasks/{id}/Triggers` (body `[TaskTriggerInfo]`): stored, returned by the
/// task's `Triggers` from then on.
pub fn set_triggers(server: &Server, ctx: &Ctx, id: &str) -> Result<Response<Body>, Error> {
    let kind = task(server, id)?;
    let body: Value = serde_json::from_slice(&ctx.body)
        .map_err(|e| Error::BadRequest(format!("invalid JSON body: {e}")))?;
    let list = body
        .as_array()
        .ok_or_else(|| Error::BadRequest("expected an array of triggers".into()))?;
    // Null entries are skipped, as Jellyfin does.
    let triggers = list
        .iter()
        .filter(|t| !t.is_null())
        .map(trigger_from_json)
        .collect::<Result<Vec<_>, _>>()?;
    server
        .tasks()
        .set_triggers(kind, &triggers)
        .map_err(Error::Core)?;
    Ok(empty(StatusCode::NO_CONTENT))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn triggers_parse_from_clients_and_round_trip() {
        let cases = [
            json!({"Type": "IntervalTrigger", "IntervalTicks": 432000000000i64}),
            json!({"Type": "DailyTrigger", "TimeOfDayTicks": 108000000000i64}),
            json!({"Type": "WeeklyTrigger", "TimeOfDayTicks": 0, "DayOfWeek": "Tuesday", "MaxRuntimeTicks": 36000000000i64}),
            json!({"Type": "StartupTrigger"}),
        ];
        for c in cases {
            assert_eq!(trigger_dto(&trigger_from_json(&c).unwrap()), c);
        }
        let lenient =
            json!({"type": "intervaltrigger", "intervalTicks": "600000000", "dayOfWeek": 2});
        let t = trigger_from_json(&lenient).unwrap();
        assert_eq!(
            (t.kind, t.interval_ticks, t.day_of_week),
            (TriggerKind::Interval, Some(600_000_000), Some(2))
        );
        for bad in [
            json!({}),
            json!({"Type": "Hourly"}),
            json!({"Type": "WeeklyTrigger", "DayOfWeek": "Someday"}),
            json!({"Type": "IntervalTrigger", "IntervalTicks": "soon"}),
        ] {
            assert!(trigger_from_json(&bad).is_err(), "{bad}");
        }
    }
}
