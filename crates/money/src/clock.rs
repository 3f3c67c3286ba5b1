//! Wall-clock helpers, all on jiff: UTC dates for what is stored and exported, and the machine's
//! time zone where a person reads the time: "today" and the time printed on a receipt.

use jiff::tz::{Offset, TimeZone};
use jiff::Timestamp;

pub fn unix_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

/// `unix_secs` as a jiff instant. jiff spans the years -9999 to 9999; a time beyond them (only a
/// hostile gateway's expiry could be one) is pinned to the nearer end instead of failing.
fn instant(unix_secs: i64) -> Timestamp {
    Timestamp::from_second(unix_secs).unwrap_or(if unix_secs < 0 { Timestamp::MIN } else { Timestamp::MAX })
}

/// The UTC calendar date of a unix time.
pub fn civil_date(unix_secs: i64) -> (i64, u32, u32) {
    let date = Offset::UTC.to_datetime(instant(unix_secs)).date();
    (i64::from(date.year()), date.month() as u32, date.day() as u32)
}

/// `2026-11-23T12:15:00Z`
pub fn format_utc(unix_secs: i64) -> String {
    instant(unix_secs).strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// The machine's offset from UTC at `unix_secs`, in seconds (daylight saving included). `TZ` is
/// honoured, then /etc/localtime (the OS setting on Windows and macOS); failing both, UTC.
pub fn local_offset_secs(unix_secs: i64) -> i32 {
    TimeZone::system().to_offset(instant(unix_secs)).seconds()
}

/// The Unix time of the last local midnight at or before `unix_secs`: where "today" starts (the
/// first instant of the day where a clock change skips midnight).
pub fn local_day_start(unix_secs: i64) -> i64 {
    let now = instant(unix_secs).to_zoned_datetime(TimeZone::system());
    now.start_of_day().map_or(unix_secs, |start| start.timestamp().as_second())
}

/// The Unix time of local midnight starting the day `date` ("2026-12-04"), in the machine's zone;
/// `None` for text that is not a calendar date.
pub fn local_date_start(date: &str) -> Option<i64> {
    let date: jiff::civil::Date = date.trim().parse().ok()?;
    let start = date.to_zoned_datetime(TimeZone::system()).ok()?.start_of_day().ok()?;
    Some(start.timestamp().as_second())
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
    fn century_leap_rules_and_times_before_1970() {
        // 1900 and 2100 are not leap years, 1600 and 2000 are: the day after Feb 28 is Mar 1.
        assert_eq!(civil_date(-2_203_891_200 - 1), (1900, 2, 28));
        assert_eq!(civil_date(-2_203_891_200), (1900, 3, 1));
        assert_eq!(civil_date(4_107_542_400 - 1), (2100, 2, 28));
        assert_eq!(civil_date(-11_670_998_400), (1600, 2, 29));
        assert_eq!(civil_date(-1), (1969, 12, 31));
        assert_eq!(format_utc(-1), "1969-12-31T23:59:59Z");
        assert_eq!(format_utc(-2_203_891_200 + 3661), "1900-03-01T01:01:01Z");
    }

    #[test]
    fn the_local_day_starts_at_a_local_midnight_before_now() {
        let now = 1_795_392_000 + 13 * 3600 + 7;
        let start = local_day_start(now);
        assert!(start <= now && now - start < 86_400 + 3600, "{start} vs {now}");
        let local = start + i64::from(local_offset_secs(start));
        assert_eq!(local.rem_euclid(86_400), 0, "midnight in the machine's zone");
    }

    /// 2026-03-08T18:00:00Z: the day North America moves its clocks forward.
    const SPRING_FORWARD: i64 = 1_772_992_800;

    /// Runs this test again in a child process per `TZ` value (the zone is read once per process,
    /// and changing this process's environment would race the other tests), and checks the
    /// offset and the day start the child computes.
    #[test]
    fn the_tz_variable_picks_the_local_zone() {
        if let Ok(want) = std::env::var("PAYDESK_CLOCK_TEST_WANT") {
            let (offset, start) = want.split_once(',').unwrap();
            assert_eq!(local_offset_secs(SPRING_FORWARD), offset.parse::<i32>().unwrap());
            assert_eq!(local_day_start(SPRING_FORWARD), start.parse::<i64>().unwrap());
            return;
        }
        let mut zones = vec![
            ("", 0, 1_772_928_000),
            ("UTC0", 0, 1_772_928_000),
            // POSIX rules need no zone database: India (+05:30), and New York and St. John's,
            // whose midnight that day was still on winter time.
            ("IST-5:30", 19_800, 1_772_908_200),
            ("EST5EDT,M3.2.0,M11.1.0", -4 * 3600, 1_772_946_000),
            ("NST3:30NDT,M3.2.0,M11.1.0", -9000, 1_772_940_600),
        ];
        // Zone names need the system's zoneinfo, which a bare machine may lack.
        if std::path::Path::new("/usr/share/zoneinfo/America/New_York").exists() {
            zones.extend([("Asia/Kolkata", 19_800, 1_772_908_200), ("America/New_York", -4 * 3600, 1_772_946_000)]);
        }
        for (tz, offset, start) in zones {
            let child = std::process::Command::new(std::env::current_exe().unwrap())
                .args(["--exact", "clock::tests::the_tz_variable_picks_the_local_zone", "--test-threads=1"])
                .env("TZ", tz)
                .env("PAYDESK_CLOCK_TEST_WANT", format!("{offset},{start}"))
                .output()
                .unwrap();
            let said = String::from_utf8_lossy(&child.stdout);
            assert!(child.status.success() && said.contains("1 passed"), "TZ={tz:?}: {said}");
        }
    }
}
