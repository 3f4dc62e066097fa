//! Turning a DYNAMIC list into a static one on a schedule (HubSpot's
//! `schedule-conversion`), and a list's history of sizes and edits
//! (`size-and-edits-history`).
//!
//! A conversion is asked for on a date (at the start of that day, UTC) or
//! after a time without activity: no contact joined or left the list for
//! that many days, weeks or months, counted from the later of the last
//! change of members and the request. The list worker converts lists that
//! are due ([`super::ListStore::convert_due_lists`]): the list becomes
//! MANUAL with the members it has, and keeps no filters.

use crate::error::{Error, Result};
use crate::ids::ListId;
use crate::time::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::Span;
use serde_json::{json, Value};

/// When a list is to become static.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConversionTime {
    /// At the start (UTC) of this day.
    Date { year: i16, month: i8, day: i8 },
    /// After this long without a contact joining or leaving.
    Inactivity { offset: i64, unit: InactivityUnit },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InactivityUnit {
    Day,
    Week,
    Month,
}

impl InactivityUnit {
    fn as_str(self) -> &'static str {
        match self {
            InactivityUnit::Day => "DAY",
            InactivityUnit::Week => "WEEK",
            InactivityUnit::Month => "MONTH",
        }
    }
}

/// Longest inactivity a conversion may wait for, in any unit (ten years of
/// days).
pub const MAX_INACTIVITY: i64 = 3_650;

fn invalid(message: impl Into<String>) -> Error {
    Error::invalid(message)
}

impl ConversionTime {
    /// Reads HubSpot's `PublicListConversionTime`; a date must be today or
    /// later (UTC).
    pub fn parse(value: &Value, now: Timestamp) -> Result<ConversionTime> {
        ConversionTime::read(value, Some(now))
    }

    /// Reads what [`ConversionTime::to_json`] stored (no date check).
    pub fn from_stored(value: &Value) -> Result<ConversionTime> {
        ConversionTime::read(value, None)
    }

    /// Reads the JSON; a date is checked against `now` when given.
    fn read(value: &Value, now: Option<Timestamp>) -> Result<ConversionTime> {
        let object = value
            .as_object()
            .ok_or_else(|| invalid("The conversion time must be a JSON object."))?;
        let int = |key: &str| object.get(key).and_then(Value::as_i64);
        match object.get("conversionType").and_then(Value::as_str) {
            Some("CONVERSION_DATE") => {
                let bad =
                    || invalid("A CONVERSION_DATE needs a valid year, month (1 to 12) and day.");
                let year = int("year")
                    .and_then(|y| i16::try_from(y).ok())
                    .ok_or_else(bad)?;
                let month = int("month")
                    .and_then(|m| i8::try_from(m).ok())
                    .ok_or_else(bad)?;
                let day = int("day")
                    .and_then(|d| i8::try_from(d).ok())
                    .ok_or_else(bad)?;
                let date = Date::new(year, month, day).map_err(|_| bad())?;
                if let Some(now) = now {
                    let today = to_utc(now)?.date();
                    if date < today {
                        return Err(invalid(format!(
                            "The conversion date {date} is in the past: choose today ({today}) or a later day."
                        )));
                    }
                }
                Ok(ConversionTime::Date { year, month, day })
            }
            Some("INACTIVITY") => {
                let offset = int("offset")
                    .filter(|o| (1..=MAX_INACTIVITY).contains(o))
                    .ok_or_else(|| {
                        invalid(format!(
                            "An INACTIVITY conversion needs an offset from 1 to {MAX_INACTIVITY}."
                        ))
                    })?;
                let unit = match object.get("timeUnit").and_then(Value::as_str) {
                    Some("DAY") => InactivityUnit::Day,
                    Some("WEEK") => InactivityUnit::Week,
                    Some("MONTH") => InactivityUnit::Month,
                    _ => {
                        return Err(invalid(
                            "An INACTIVITY conversion needs a timeUnit: DAY, WEEK or MONTH.",
                        ))
                    }
                };
                Ok(ConversionTime::Inactivity { offset, unit })
            }
            Some(other) => Err(invalid(format!(
                "Unknown conversionType {other}: expected CONVERSION_DATE or INACTIVITY."
            ))),
            None => Err(invalid(
                "The conversion time needs a conversionType: CONVERSION_DATE or INACTIVITY.",
            )),
        }
    }

    /// HubSpot's JSON, as stored and answered.
    pub fn to_json(&self) -> Value {
        match *self {
            ConversionTime::Date { year, month, day } => json!({
                "conversionType": "CONVERSION_DATE", "year": year, "month": month, "day": day,
            }),
            ConversionTime::Inactivity { offset, unit } => json!({
                "conversionType": "INACTIVITY", "offset": offset, "timeUnit": unit.as_str(),
            }),
        }
    }

    /// Whether a list asked for at `requested_at`, whose members last
    /// changed at `members_changed_at`, is due at `now`.
    pub fn is_due(
        &self,
        requested_at: Timestamp,
        members_changed_at: Option<Timestamp>,
        now: Timestamp,
    ) -> bool {
        self.due_at(requested_at, members_changed_at)
            .is_some_and(|at| at <= now.millis())
    }

    /// When the list is due, in ms.
    pub fn due_at(
        &self,
        requested_at: Timestamp,
        members_changed_at: Option<Timestamp>,
    ) -> Option<i64> {
        match *self {
            ConversionTime::Date { year, month, day } => Date::new(year, month, day)
                .ok()?
                .to_zoned(TimeZone::UTC)
                .ok()
                .map(|z| z.timestamp().as_millisecond()),
            ConversionTime::Inactivity { offset, unit } => {
                let since =
                    members_changed_at.map_or(requested_at, |changed| changed.max(requested_at));
                let span = match unit {
                    InactivityUnit::Day => Span::new().try_days(offset),
                    InactivityUnit::Week => Span::new().try_weeks(offset),
                    InactivityUnit::Month => Span::new().try_months(offset),
                }
                .ok()?;
                to_utc(since)
                    .ok()?
                    .checked_add(span)
                    .ok()
                    .map(|z| z.timestamp().as_millisecond())
            }
        }
    }
}

fn to_utc(at: Timestamp) -> Result<jiff::Zoned> {
    jiff::Timestamp::from_millisecond(at.millis())
        .map(|t| t.to_zoned(TimeZone::UTC))
        .map_err(Error::internal)
}

/// A list's conversion: asked for, and done.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListConversion {
    pub list: ListId,
    pub requested: Option<ConversionTime>,
    pub requested_at: Option<Timestamp>,
    pub converted_at: Option<Timestamp>,
}

impl ListConversion {
    /// HubSpot's `PublicListConversionResponse`.
    pub fn to_json(&self) -> Value {
        let mut out = json!({"listId": self.list.0.to_string()});
        if let Some(requested) = &self.requested {
            out["requestedConversionTime"] = requested.to_json();
        }
        if let Some(at) = self.converted_at {
            out["convertedAt"] = json!(at.to_iso());
        }
        out
    }
}

/// A list's size at a time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SizePoint {
    pub at: Timestamp,
    pub size: i64,
}

/// What `size-and-edits-history/between` answers: the sizes the list had
/// (a point each time the list worker saw it change) and when its filters
/// were edited.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ListHistory {
    pub sizes: Vec<SizePoint>,
    pub edits: Vec<Timestamp>,
}

impl ListHistory {
    /// HubSpot's `ListSizeAndEditHistoryResponse`.
    pub fn to_json(&self) -> Value {
        json!({
            "sizeHistory": self.sizes.iter().map(|p| json!({
                "size": p.size, "timestamp": p.at.to_iso(),
            })).collect::<Vec<_>>(),
            "editHistory": self.edits.iter().map(|t| t.to_iso()).collect::<Vec<_>>(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 86_400_000;
    /// 2024-03-11T12:00:00Z
    const NOW: i64 = 1_710_158_400_000;

    fn at(ms: i64) -> Timestamp {
        Timestamp::from_millis(ms).unwrap()
    }

    #[test]
    fn dates_are_due_at_the_start_of_their_day() {
        let now = at(NOW);
        let today = ConversionTime::parse(
            &json!({"conversionType": "CONVERSION_DATE", "year": 2024, "month": 3, "day": 11}),
            now,
        )
        .unwrap();
        assert!(today.is_due(now, None, now));
        let tomorrow = ConversionTime::parse(
            &json!({"conversionType": "CONVERSION_DATE", "year": 2024, "month": 3, "day": 12}),
            now,
        )
        .unwrap();
        assert!(!tomorrow.is_due(now, None, now));
        assert!(tomorrow.is_due(now, None, at(NOW + DAY / 2)));
        let past = ConversionTime::parse(
            &json!({"conversionType": "CONVERSION_DATE", "year": 2024, "month": 3, "day": 10}),
            now,
        )
        .unwrap_err();
        assert!(past.to_string().contains("in the past"), "{past}");
        let bad = ConversionTime::parse(
            &json!({"conversionType": "CONVERSION_DATE", "year": 2024, "month": 2, "day": 30}),
            now,
        )
        .unwrap_err();
        assert!(bad.to_string().contains("valid year"), "{bad}");
        assert_eq!(
            ConversionTime::from_stored(&tomorrow.to_json()).unwrap(),
            tomorrow
        );
    }

    #[test]
    fn inactivity_counts_from_the_last_change_of_members_or_the_request() {
        let weeks = ConversionTime::parse(
            &json!({"conversionType": "INACTIVITY", "offset": 2, "timeUnit": "WEEK"}),
            at(NOW),
        )
        .unwrap();
        let requested = at(NOW);
        assert!(!weeks.is_due(requested, None, at(NOW + 13 * DAY)));
        assert!(weeks.is_due(requested, None, at(NOW + 14 * DAY)));
        // Members changed ten days after the request: the clock restarts.
        let changed = Some(at(NOW + 10 * DAY));
        assert!(!weeks.is_due(requested, changed, at(NOW + 14 * DAY)));
        assert!(weeks.is_due(requested, changed, at(NOW + 24 * DAY)));
        // A change before the request does not move it back.
        assert!(weeks.is_due(requested, Some(at(NOW - 30 * DAY)), at(NOW + 14 * DAY)));
        // Months are calendar months: 2024-03-11 + 1 month = 2024-04-11.
        let month = ConversionTime::Inactivity {
            offset: 1,
            unit: InactivityUnit::Month,
        };
        assert_eq!(month.due_at(requested, None), Some(NOW + 31 * DAY));
        for bad in [
            json!({"conversionType": "INACTIVITY", "offset": 0, "timeUnit": "DAY"}),
            json!({"conversionType": "INACTIVITY", "offset": 3, "timeUnit": "YEAR"}),
            json!({"conversionType": "SOMETIME"}),
            json!({}),
        ] {
            assert!(ConversionTime::parse(&bad, at(NOW)).is_err(), "{bad}");
        }
    }

    #[test]
    fn answers_have_hubspots_shape() {
        let c = ListConversion {
            list: ListId(5),
            requested: Some(ConversionTime::Inactivity {
                offset: 3,
                unit: InactivityUnit::Day,
            }),
            requested_at: Some(at(NOW)),
            converted_at: Some(at(NOW)),
        };
        assert_eq!(
            c.to_json(),
            json!({"listId": "5", "convertedAt": "2024-03-11T12:00:00.000Z",
                   "requestedConversionTime": {"conversionType": "INACTIVITY", "offset": 3, "timeUnit": "DAY"}})
        );
    }
}
