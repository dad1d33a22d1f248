//! When a trigger next fires (Jellyfin's `IntervalTrigger`, `DailyTrigger`, `WeeklyTrigger`,
//! `StartupTrigger`). Times of day are UTC: the core keeps no time-zone database.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::{Trigger, TriggerKind, TICKS_PER_SECOND};

const DAY: u64 = 86_400;

fn ticks_to_duration(ticks: i64) -> Option<Duration> {
    (ticks > 0).then(|| Duration::from_nanos(ticks as u64 * 100))
}

/// When `trigger` next fires, given the end of the task's last run (`None`: never ran) and when
/// the server started. `None` when it will not fire (an invalid trigger, a start-up trigger
/// that already ran since the start).
///
/// - Interval: the interval after the last run ended; an hour after the start for a task that
///   never ran (as Jellyfin does).
/// - Daily / weekly: the first time of day (on the day of week) after the later of the last
///   run's end and the start, so a time missed while the server was down is not caught up.
/// - Start-up: at the start, unless the task ran since.
pub fn next_run(
    trigger: &Trigger,
    last_end: Option<SystemTime>,
    started_at: SystemTime,
) -> Option<SystemTime> {
    match trigger.kind {
        TriggerKind::Interval => {
            let interval = ticks_to_duration(trigger.interval_ticks?)?;
            match last_end {
                Some(end) => end.checked_add(interval),
                None => started_at.checked_add(Duration::from_secs(3_600)),
            }
        }
        TriggerKind::Startup => match last_end {
            Some(end) if end >= started_at => None,
            _ => Some(started_at),
        },
        TriggerKind::Daily | TriggerKind::Weekly => {
            let time_of_day = trigger.time_of_day_ticks.unwrap_or(0);
            if !(0..DAY as i64 * TICKS_PER_SECOND).contains(&time_of_day) {
                return None;
            }
            let base = last_end.map_or(started_at, |e| e.max(started_at));
            let base_secs = base.duration_since(UNIX_EPOCH).ok()?.as_secs();
            let day_start = base_secs - base_secs % DAY;
            let offset = (time_of_day / TICKS_PER_SECOND) as u64;
            let weekday = |secs: u64| ((secs / DAY + 4) % 7) as u8; // 1970-01-01 was a Thursday.
            let wanted_day = match trigger.kind {
                TriggerKind::Weekly => Some(trigger.day_of_week.filter(|d| *d < 7)?),
                _ => None,
            };
            (0..8u64)
                .map(|d| day_start + d * DAY + offset)
                .find(|&t| t > base_secs && wanted_day.is_none_or(|w| weekday(t) == w))
                .map(|t| UNIX_EPOCH + Duration::from_secs(t))
        }
    }
}
