//! Instants as HubSpot writes them: milliseconds since the Unix epoch inside,
//! ISO-8601 with milliseconds and `Z` on the v3 wire.

use serde::{Deserialize, Serialize};
use std::time::{SystemTime, UNIX_EPOCH};
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Date, OffsetDateTime, UtcOffset};

/// An instant, in milliseconds since the Unix epoch (UTC).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Timestamp(i64);

/// Range of instants Spoke accepts: years 0001 to 9999, as HubSpot does.
const MIN_MILLIS: i64 = -62_135_596_800_000;
const MAX_MILLIS: i64 = 253_402_300_799_999;

impl Timestamp {
    pub fn now() -> Timestamp {
        let millis = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0);
        Timestamp(millis)
    }

    /// `None` outside years 0001..=9999.
    pub fn from_millis(millis: i64) -> Option<Timestamp> {
        (MIN_MILLIS..=MAX_MILLIS)
            .contains(&millis)
            .then_some(Timestamp(millis))
    }

    /// A value read back from storage, clamped into range (it was in range
    /// when written).
    pub fn from_stored(millis: i64) -> Timestamp {
        Timestamp(millis.clamp(MIN_MILLIS, MAX_MILLIS))
    }

    pub fn millis(self) -> i64 {
        self.0
    }

    fn to_datetime(self) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp_nanos(self.0 as i128 * 1_000_000)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH)
    }

    /// `2019-10-30T03:30:17.883Z`, the form of every v3 timestamp.
    ///
    /// Written by hand: it is on the path of every contact read, four times
    /// per contact, and the general formatter costs several times more.
    pub fn to_iso(self) -> String {
        let days = self.0.div_euclid(86_400_000);
        let ms_of_day = self.0.rem_euclid(86_400_000);
        let (year, month, day) = civil_from_days(days);
        let (h, m, s, ms) = (
            ms_of_day / 3_600_000,
            ms_of_day / 60_000 % 60,
            ms_of_day / 1000 % 60,
            ms_of_day % 1000,
        );
        let mut out = [0u8; 24];
        let mut put = |at: usize, value: i64, width: usize| {
            let mut v = value;
            for i in (0..width).rev() {
                out[at + i] = b'0' + (v % 10) as u8;
                v /= 10;
            }
        };
        put(0, year, 4);
        put(5, month, 2);
        put(8, day, 2);
        put(11, h, 2);
        put(14, m, 2);
        put(17, s, 2);
        put(20, ms, 3);
        for (at, c) in [
            (4, b'-'),
            (7, b'-'),
            (10, b'T'),
            (13, b':'),
            (16, b':'),
            (19, b'.'),
            (23, b'Z'),
        ] {
            out[at] = c;
        }
        // Only ASCII digits and separators were written.
        String::from_utf8_lossy(&out).into_owned()
    }

    /// Parses RFC 3339 (`2024-01-15T10:00:00Z`, `…+02:00`, with or without
    /// fractional seconds). Sub-millisecond digits are truncated.
    pub fn parse_iso(text: &str) -> Option<Timestamp> {
        let parsed = OffsetDateTime::parse(text, &Rfc3339).ok()?;
        let millis = (parsed.unix_timestamp_nanos() / 1_000_000) as i64;
        Timestamp::from_millis(millis)
    }

    /// Midnight UTC of `date`.
    pub fn from_date(date: Date) -> Timestamp {
        let dt = date.midnight().assume_offset(UtcOffset::UTC);
        Timestamp((dt.unix_timestamp_nanos() / 1_000_000) as i64)
    }

    /// The UTC calendar date and the milliseconds since that date's midnight.
    pub fn date_and_time_of_day(self) -> (Date, i64) {
        let dt = self.to_datetime();
        let midnight = Timestamp::from_date(dt.date());
        (dt.date(), self.0 - midnight.0)
    }
}

/// (year, month, day) of a day number counted from 1970-01-01, proleptic
/// Gregorian (Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// `YYYY-MM-DD`, the wire form of HubSpot `date` properties.
pub fn format_date(date: Date) -> String {
    let format = format_description!("[year]-[month]-[day]");
    date.format(&format).unwrap_or_default()
}

/// Parses `YYYY-MM-DD`.
pub fn parse_date(text: &str) -> Option<Date> {
    let format = format_description!("[year]-[month]-[day]");
    Date::parse(text, &format).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_round_trip_keeps_milliseconds() {
        let t = Timestamp::parse_iso("2019-10-30T03:30:17.883Z").unwrap();
        assert_eq!(t.millis(), 1_572_406_217_883);
        assert_eq!(t.to_iso(), "2019-10-30T03:30:17.883Z");
    }

    #[test]
    fn hand_written_iso_matches_the_time_crate_everywhere() {
        let format = format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
        );
        let mut ms = MIN_MILLIS;
        while ms <= MAX_MILLIS {
            let t = Timestamp(ms);
            assert_eq!(t.to_iso(), t.to_datetime().format(&format).unwrap(), "{ms}");
            ms += 86_399_999_937; // about a day, never aligned, across all years
        }
        for ms in [0, -1, 951_782_400_000, 1_709_164_800_000, MAX_MILLIS] {
            let t = Timestamp(ms);
            assert_eq!(t.to_iso(), t.to_datetime().format(&format).unwrap(), "{ms}");
        }
    }

    #[test]
    fn iso_with_offset_is_normalised_to_utc() {
        let t = Timestamp::parse_iso("2024-01-15T12:00:00+02:00").unwrap();
        assert_eq!(t.to_iso(), "2024-01-15T10:00:00.000Z");
    }

    #[test]
    fn out_of_range_millis_are_refused() {
        assert!(Timestamp::from_millis(MAX_MILLIS + 1).is_none());
        assert!(Timestamp::from_millis(0).is_some());
    }

    #[test]
    fn dates_round_trip() {
        let d = parse_date("2024-02-29").unwrap();
        assert_eq!(format_date(d), "2024-02-29");
        assert!(parse_date("2023-02-29").is_none());
        assert_eq!(Timestamp::from_date(d).millis(), 1_709_164_800_000);
    }
}
