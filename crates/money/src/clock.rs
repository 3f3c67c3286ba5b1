//! Wall-clock helpers: UTC arithmetic by hand, and the machine's time zone (via chrono) where a
//! person reads the time: "today" and the time printed on a receipt.

pub fn unix_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

/// The UTC calendar date of a unix time (Howard Hinnant's days-to-civil algorithm).
pub fn civil_date(unix_secs: i64) -> (i64, u32, u32) {
    let z = unix_secs.div_euclid(86_400) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// `2026-11-23T12:15:00Z`
pub fn format_utc(unix_secs: i64) -> String {
    let (y, m, d) = civil_date(unix_secs);
    let secs = unix_secs.rem_euclid(86_400);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", secs / 3600, secs / 60 % 60, secs % 60)
}

/// The machine's offset from UTC at `unix_secs`, in seconds (daylight saving included).
pub fn local_offset_secs(unix_secs: i64) -> i32 {
    use chrono::{Local, Offset, TimeZone};
    Local.timestamp_opt(unix_secs, 0).single().map_or(0, |t| t.offset().fix().local_minus_utc())
}

/// The Unix time of the last local midnight at or before `unix_secs`: where "today" starts.
pub fn local_day_start(unix_secs: i64) -> i64 {
    let offset = i64::from(local_offset_secs(unix_secs));
    let local = unix_secs + offset;
    let midnight = local - local.rem_euclid(86_400) - offset;
    // A zone change since midnight (daylight saving) moves midnight by the difference.
    midnight + i64::from(local_offset_secs(unix_secs)) - i64::from(local_offset_secs(midnight))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates_match_known_days() {
        assert_eq!(civil_date(0), (1970, 1, 1));
        assert_eq!(civil_date(951_782_400), (2000, 2, 29));
        assert_eq!(civil_date(1_795_392_000), (2026, 11, 23));
        assert_eq!(format_utc(1_795_392_000 + 12 * 3600 + 15 * 60 + 7), "2026-11-23T12:15:07Z");
    }

    #[test]
    fn the_local_day_starts_at_a_local_midnight_before_now() {
        let now = 1_795_392_000 + 13 * 3600 + 7;
        let start = local_day_start(now);
        assert!(start <= now && now - start < 86_400 + 3600, "{start} vs {now}");
        let local = start + i64::from(local_offset_secs(start));
        assert_eq!(local.rem_euclid(86_400), 0, "midnight in the machine's zone");
    }
}
