//! Points and windows in time that list filters compare dates with:
//! HubSpot's `TIME_POINT`, `TIME_RANGED` and `CALENDAR_DATE` operations.
//!
//! A point is a fixed date and time in a zone (`DATE`), a point relative to
//! now in a zone (`INDEXED`: now, the start of today, a day of this week,
//! month, quarter or year, moved by an offset), or another property of the
//! same contact (`PROPERTY_REFERENCED`: its value or when it was last set).
//! A calendar window is this, the last or the next days, weeks, months,
//! quarters or years (UTC, fiscal years from the month given).
//!
//! Weeks start on Monday (ISO 8601). Fiscal years in indexed points start
//! in January: a Spoke portal has no fiscal year setting, and January is
//! HubSpot's default.

use crate::error::{Error, Result};
use crate::property::{PropertySchema, PropertyType};
use crate::time::Timestamp;
use jiff::civil::{Date, Time, Weekday};
use jiff::tz::TimeZone;
use jiff::{Span, Zoned};
use serde_json::{Map, Value};

/// A point in time a date is compared with.
#[derive(Clone, Debug, PartialEq)]
pub enum TimePoint {
    /// A fixed instant, in ms.
    Fixed(i64),
    /// Relative to the time of evaluation.
    Indexed {
        reference: IndexReference,
        offset: Offset,
        zone: TimeZone,
    },
    /// Another property of the same contact: its value, or when it was
    /// last set (`updated_at`).
    Property { property: String, updated_at: bool },
}

/// Hour, minute, second and millisecond set on a reference (each optional;
/// unset fields keep the reference's own: midnight, or now's for `NOW`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TimeOfDay {
    hour: Option<i8>,
    minute: Option<i8>,
    second: Option<i8>,
    millisecond: Option<i16>,
}

/// What an indexed point starts from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IndexReference {
    Now(TimeOfDay),
    Today(TimeOfDay),
    /// A day of the current week.
    Week(Weekday, TimeOfDay),
    /// A day of the current month.
    Month {
        day: i8,
        time: TimeOfDay,
    },
    /// A month (1 to 3) and day of the current quarter.
    Quarter {
        month: i8,
        day: i8,
        time: TimeOfDay,
    },
    /// A month and day of the current year.
    Year {
        month: i8,
        day: i8,
        time: TimeOfDay,
    },
}

/// HubSpot's `PublicIndexOffset`: added field by field, calendar-aware.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Offset {
    years: i64,
    months: i64,
    weeks: i64,
    days: i64,
    hours: i64,
    minutes: i64,
    seconds: i64,
    milliseconds: i64,
}

/// One end of a range, with whether a value on it is inside.
#[derive(Clone, Debug, PartialEq)]
pub struct Bound {
    pub point: TimePoint,
    pub inclusive: bool,
}

/// A unit of the calendar.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CalendarUnit {
    Day,
    Week,
    Month,
    Quarter,
    Year,
}

/// Which window of units around now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CalendarMode {
    /// The `count` units before the current one.
    Last,
    /// The current unit.
    This,
    /// The current unit up to now.
    ThisSoFar,
    /// The `count` units after the current one.
    Next,
}

/// A `CALENDAR_DATE` window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CalendarWindow {
    pub unit: CalendarUnit,
    pub mode: CalendarMode,
    pub count: i64,
    /// The month (1 to 12) quarters and years start in.
    pub fiscal_start: i8,
}

fn invalid(message: impl Into<String>) -> Error {
    Error::invalid(message)
}

const MONTHS: [&str; 12] = [
    "JANUARY",
    "FEBRUARY",
    "MARCH",
    "APRIL",
    "MAY",
    "JUNE",
    "JULY",
    "AUGUST",
    "SEPTEMBER",
    "OCTOBER",
    "NOVEMBER",
    "DECEMBER",
];

/// A month given as a number or an English name, 1 to 12.
pub(crate) fn month_number(value: Option<&Value>) -> Option<i8> {
    let n = match value? {
        Value::Number(n) => n.as_i64()?,
        Value::String(s) => s.trim().parse::<i64>().ok().or_else(|| {
            MONTHS
                .iter()
                .position(|m| m.eq_ignore_ascii_case(s.trim()))
                .map(|i| i as i64 + 1)
        })?,
        _ => return None,
    };
    i8::try_from(n).ok().filter(|m| (1..=12).contains(m))
}

fn small(object: &Map<String, Value>, key: &str) -> Option<i64> {
    match object.get(key)? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn zone(object: &Map<String, Value>, property: &str) -> Result<TimeZone> {
    match object.get("zoneId").and_then(Value::as_str) {
        None | Some("") => Ok(TimeZone::UTC),
        Some(name) => TimeZone::get(name).map_err(|_| {
            invalid(format!(
                "The filter on {property} names an unknown time zone {name}: expected an IANA zone such as Europe/Paris or US/Eastern."
            ))
        }),
    }
}

fn time_of_day(object: &Map<String, Value>, property: &str) -> Result<TimeOfDay> {
    let field = |key: &str, max: i64| -> Result<Option<i64>> {
        match object.get(key) {
            None | Some(Value::Null) => Ok(None),
            _ => small(object, key)
                .filter(|v| (0..=max).contains(v))
                .map(Some)
                .ok_or_else(|| {
                    invalid(format!(
                        "The time point of the filter on {property} has an invalid {key}: expected 0 to {max}."
                    ))
                }),
        }
    };
    Ok(TimeOfDay {
        hour: field("hour", 23)?.map(|v| v as i8),
        minute: field("minute", 59)?.map(|v| v as i8),
        second: field("second", 59)?.map(|v| v as i8),
        millisecond: field("millisecond", 999)?.map(|v| v as i16),
    })
}

impl TimePoint {
    /// Reads a `timePoint` (`DATE`, `INDEXED` or `PROPERTY_REFERENCED`).
    /// A referenced property must be a date or datetime of the portal.
    pub fn parse(
        value: &Value,
        property: &str,
        schema: Option<&PropertySchema>,
    ) -> Result<TimePoint> {
        let object = value.as_object().ok_or_else(|| {
            invalid(format!(
                "The filter on {property} needs a time point (a JSON object)."
            ))
        })?;
        let kind = object
            .get("timeType")
            .and_then(Value::as_str)
            .ok_or_else(|| {
                invalid(format!(
                    "The time point of the filter on {property} needs a timeType: DATE, INDEXED or PROPERTY_REFERENCED."
                ))
            })?;
        match kind {
            "DATE" => {
                let bad = || {
                    invalid(format!(
                        "The DATE time point of the filter on {property} needs a valid year, month and day."
                    ))
                };
                let year = small(object, "year")
                    .and_then(|y| i16::try_from(y).ok())
                    .ok_or_else(bad)?;
                let month = month_number(object.get("month")).ok_or_else(bad)?;
                let day = small(object, "day")
                    .and_then(|d| i8::try_from(d).ok())
                    .ok_or_else(bad)?;
                let date = Date::new(year, month, day).map_err(|_| bad())?;
                let time = time_of_day(object, property)?;
                let zone = zone(object, property)?;
                let at = set_time(date, time, None)
                    .to_zoned(zone)
                    .map_err(|_| bad())?;
                Ok(TimePoint::Fixed(at.timestamp().as_millisecond()))
            }
            "INDEXED" => {
                let reference = object
                    .get("indexReference")
                    .and_then(Value::as_object)
                    .ok_or_else(|| {
                        invalid(format!(
                            "The INDEXED time point of the filter on {property} needs an indexReference."
                        ))
                    })?;
                Ok(TimePoint::Indexed {
                    reference: IndexReference::parse(reference, property)?,
                    offset: match object.get("offset") {
                        None | Some(Value::Null) => Offset::default(),
                        Some(v) => Offset::parse(v, property)?,
                    },
                    zone: zone(object, property)?,
                })
            }
            "PROPERTY_REFERENCED" => {
                let other = object
                    .get("property")
                    .and_then(Value::as_str)
                    .ok_or_else(|| {
                        invalid(format!(
                            "The PROPERTY_REFERENCED time point of the filter on {property} needs a property."
                        ))
                    })?;
                if let Some(schema) = schema {
                    date_property(schema, other)?;
                }
                let updated_at = match object.get("referenceType").and_then(Value::as_str) {
                    None | Some("VALUE") => false,
                    Some("UPDATED_AT") => true,
                    Some(other) => {
                        return Err(invalid(format!(
                            "Spoke does not evaluate time points of referenceType {other}; it evaluates VALUE and UPDATED_AT."
                        )))
                    }
                };
                Ok(TimePoint::Property {
                    property: other.to_string(),
                    updated_at,
                })
            }
            other => Err(invalid(format!(
                "Unknown timeType {other} in the filter on {property}: expected DATE, INDEXED or PROPERTY_REFERENCED."
            ))),
        }
    }

    /// Whether the point moves with the time of evaluation.
    pub fn relative_to_now(&self) -> bool {
        matches!(self, TimePoint::Indexed { .. })
    }

    /// The instant, in ms, for points that do not name a property.
    pub fn at(&self, now: Timestamp) -> Option<i64> {
        match self {
            TimePoint::Fixed(ms) => Some(*ms),
            TimePoint::Indexed {
                reference,
                offset,
                zone,
            } => {
                let now = jiff::Timestamp::from_millisecond(now.millis())
                    .ok()?
                    .to_zoned(zone.clone());
                let start = reference.resolve(&now)?;
                offset.add_to(start).map(|z| z.timestamp().as_millisecond())
            }
            TimePoint::Property { .. } => None,
        }
    }
}

/// Checks that `name` is a date or datetime property of the portal.
pub(crate) fn date_property(schema: &PropertySchema, name: &str) -> Result<()> {
    let def = schema.get(name).ok_or_else(|| {
        invalid(format!(
            "Property {name} does not exist for object type 0-1 (contacts)."
        ))
    })?;
    if matches!(
        def.property_type,
        PropertyType::Date | PropertyType::Datetime
    ) || matches!(name, "createdate" | "lastmodifieddate")
    {
        Ok(())
    } else {
        Err(invalid(format!(
            "Property {name} is of type {}, not a date or datetime: a time point cannot refer to it.",
            def.property_type.as_str()
        )))
    }
}

/// `date` at the given time of day, unset fields from `base` (or 0).
fn set_time(date: Date, time: TimeOfDay, base: Option<Time>) -> jiff::civil::DateTime {
    let base = base.unwrap_or(Time::midnight());
    let ms = time
        .millisecond
        .map(i32::from)
        .unwrap_or(base.subsec_nanosecond() / 1_000_000);
    date.to_datetime(Time::constant(
        time.hour.unwrap_or(base.hour()),
        time.minute.unwrap_or(base.minute()),
        time.second.unwrap_or(base.second()),
        ms * 1_000_000,
    ))
}

impl IndexReference {
    fn parse(object: &Map<String, Value>, property: &str) -> Result<IndexReference> {
        let time = time_of_day(object, property)?;
        let kind = object
            .get("referenceType")
            .and_then(Value::as_str)
            .unwrap_or("");
        let day = |max: i64| -> Result<i8> {
            small(object, "day")
                .filter(|d| (1..=max).contains(d))
                .map(|d| d as i8)
                .ok_or_else(|| {
                    invalid(format!(
                        "The {kind} reference of the filter on {property} needs a day from 1 to {max}."
                    ))
                })
        };
        Ok(match kind {
            "NOW" => IndexReference::Now(time),
            "TODAY" => IndexReference::Today(time),
            "WEEK" => {
                let name = object
                    .get("dayOfWeek")
                    .and_then(Value::as_str)
                    .unwrap_or("");
                let weekday = match name {
                    "MONDAY" => Weekday::Monday,
                    "TUESDAY" => Weekday::Tuesday,
                    "WEDNESDAY" => Weekday::Wednesday,
                    "THURSDAY" => Weekday::Thursday,
                    "FRIDAY" => Weekday::Friday,
                    "SATURDAY" => Weekday::Saturday,
                    "SUNDAY" => Weekday::Sunday,
                    _ => {
                        return Err(invalid(format!(
                            "The WEEK reference of the filter on {property} needs a dayOfWeek (MONDAY to SUNDAY)."
                        )))
                    }
                };
                IndexReference::Week(weekday, time)
            }
            "MONTH" => IndexReference::Month { day: day(31)?, time },
            "QUARTER" | "FISCAL_QUARTER" => IndexReference::Quarter {
                month: small(object, "month")
                    .filter(|m| (1..=3).contains(m))
                    .map(|m| m as i8)
                    .ok_or_else(|| {
                        invalid(format!(
                            "The {kind} reference of the filter on {property} needs a month of the quarter from 1 to 3."
                        ))
                    })?,
                day: day(31)?,
                time,
            },
            "YEAR" | "FISCAL_YEAR" => IndexReference::Year {
                month: month_number(object.get("month")).ok_or_else(|| {
                    invalid(format!(
                        "The {kind} reference of the filter on {property} needs a month from 1 to 12."
                    ))
                })?,
                day: day(31)?,
                time,
            },
            other => {
                return Err(invalid(format!(
                    "Unknown referenceType {other:?} in the filter on {property}: expected NOW, TODAY, WEEK, MONTH, QUARTER, YEAR, FISCAL_QUARTER or FISCAL_YEAR."
                )))
            }
        })
    }

    /// The reference's instant in the zone of `now`. A day past the end
    /// of its month is that month's last day.
    fn resolve(&self, now: &Zoned) -> Option<Zoned> {
        let today = now.date();
        let day_in = |year: i16, month: i8, day: i8| -> Option<Date> {
            let first = Date::new(year, month, 1).ok()?;
            Date::new(year, month, day.min(first.days_in_month())).ok()
        };
        let (date, time, base) = match *self {
            IndexReference::Now(time) => (today, time, Some(now.time())),
            IndexReference::Today(time) => (today, time, None),
            IndexReference::Week(weekday, time) => {
                let monday = today
                    .checked_sub(
                        Span::new().days(i64::from(today.weekday().to_monday_zero_offset())),
                    )
                    .ok()?;
                let date = monday
                    .checked_add(Span::new().days(i64::from(weekday.to_monday_zero_offset())))
                    .ok()?;
                (date, time, None)
            }
            IndexReference::Month { day, time } => {
                (day_in(today.year(), today.month(), day)?, time, None)
            }
            IndexReference::Quarter { month, day, time } => {
                let first = (today.month() - 1) / 3 * 3 + 1;
                (day_in(today.year(), first + month - 1, day)?, time, None)
            }
            IndexReference::Year { month, day, time } => {
                (day_in(today.year(), month, day)?, time, None)
            }
        };
        set_time(date, time, base)
            .to_zoned(now.time_zone().clone())
            .ok()
    }
}

impl Offset {
    fn parse(value: &Value, property: &str) -> Result<Offset> {
        let object = value.as_object().ok_or_else(|| {
            invalid(format!(
                "The offset of the filter on {property} must be a JSON object."
            ))
        })?;
        let field = |key: &str| -> Result<i64> {
            match object.get(key) {
                None | Some(Value::Null) => Ok(0),
                _ => small(object, key)
                    .filter(|v| v.abs() <= 1_000_000)
                    .ok_or_else(|| {
                        invalid(format!(
                            "The offset of the filter on {property} has an invalid {key}: expected a whole number."
                        ))
                    }),
            }
        };
        Ok(Offset {
            years: field("years")?,
            months: field("months")? + 3 * field("quarters")?,
            weeks: field("weeks")?,
            days: field("days")?,
            hours: field("hours")?,
            minutes: field("minutes")?,
            seconds: field("seconds")?,
            milliseconds: field("milliseconds")?,
        })
    }

    /// Adds the calendar fields (years, months, weeks, days) in the zone,
    /// then the exact ones.
    fn add_to(&self, start: Zoned) -> Option<Zoned> {
        let calendar = Span::new()
            .try_years(self.years)
            .and_then(|s| s.try_months(self.months))
            .and_then(|s| s.try_weeks(self.weeks))
            .and_then(|s| s.try_days(self.days))
            .ok()?;
        let exact = Span::new()
            .try_hours(self.hours)
            .and_then(|s| s.try_minutes(self.minutes))
            .and_then(|s| s.try_seconds(self.seconds))
            .and_then(|s| s.try_milliseconds(self.milliseconds))
            .ok()?;
        start.checked_add(calendar).ok()?.checked_add(exact).ok()
    }
}

impl CalendarWindow {
    /// Reads a `CALENDAR_DATE` operation's unit, count and fiscal year.
    pub fn parse(
        op: &Map<String, Value>,
        operator: &str,
        property: &str,
    ) -> Result<CalendarWindow> {
        let mode = match operator {
            "IN_LAST_TIME_UNIT" => CalendarMode::Last,
            "IN_THIS_TIME_UNIT" => CalendarMode::This,
            "IN_THIS_TIME_UNIT_SO_FAR" => CalendarMode::ThisSoFar,
            "IN_NEXT_TIME_UNIT" => CalendarMode::Next,
            _ => {
                return Err(invalid(format!(
                    "Operator {operator} is not valid for operation type CALENDAR_DATE: expected IN_LAST_TIME_UNIT, IN_THIS_TIME_UNIT, IN_THIS_TIME_UNIT_SO_FAR or IN_NEXT_TIME_UNIT."
                )))
            }
        };
        let unit = match op.get("timeUnit").and_then(Value::as_str) {
            Some("DAY") => CalendarUnit::Day,
            Some("WEEK") => CalendarUnit::Week,
            Some("MONTH") => CalendarUnit::Month,
            Some("QUARTER") => CalendarUnit::Quarter,
            Some("YEAR") => CalendarUnit::Year,
            _ => {
                return Err(invalid(format!(
                    "The CALENDAR_DATE filter on {property} needs a timeUnit: DAY, WEEK, MONTH, QUARTER or YEAR."
                )))
            }
        };
        let count = match op.get("timeUnitCount") {
            None | Some(Value::Null) => 1,
            _ => small(op, "timeUnitCount")
                .filter(|c| (1..=1000).contains(c))
                .ok_or_else(|| {
                    invalid(format!(
                        "The timeUnitCount of the filter on {property} must be between 1 and 1000."
                    ))
                })?,
        };
        let fiscal = op
            .get("useFiscalYear")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let fiscal_start = if fiscal {
            match op.get("fiscalYearStart") {
                None | Some(Value::Null) => 1,
                v => month_number(v).ok_or_else(|| {
                    invalid(format!(
                        "The fiscalYearStart of the filter on {property} must be a month (JANUARY to DECEMBER)."
                    ))
                })?,
            }
        } else {
            1
        };
        Ok(CalendarWindow {
            unit,
            mode,
            count,
            fiscal_start,
        })
    }

    /// The window at `now`, as `[start, end)` in ms (UTC).
    pub fn window(&self, now: Timestamp) -> Option<(i64, i64)> {
        let now = jiff::Timestamp::from_millisecond(now.millis())
            .ok()?
            .to_zoned(TimeZone::UTC);
        let today = now.date();
        let (start, step) = match self.unit {
            CalendarUnit::Day => (today, Span::new().days(1)),
            CalendarUnit::Week => (
                today
                    .checked_sub(
                        Span::new().days(i64::from(today.weekday().to_monday_zero_offset())),
                    )
                    .ok()?,
                Span::new().weeks(1),
            ),
            CalendarUnit::Month => (today.first_of_month(), Span::new().months(1)),
            CalendarUnit::Quarter | CalendarUnit::Year => {
                let months = if self.unit == CalendarUnit::Quarter {
                    3
                } else {
                    12
                };
                // Months since the fiscal year's first month, within the unit.
                let into =
                    (i64::from(today.month()) - i64::from(self.fiscal_start)).rem_euclid(months);
                let start = today
                    .first_of_month()
                    .checked_sub(Span::new().months(into))
                    .ok()?;
                (start, Span::new().months(months))
            }
        };
        let nth = |n: i64| -> Option<i64> {
            let date = start.checked_add(step.checked_mul(n).ok()?).ok()?;
            Some(
                date.to_zoned(TimeZone::UTC)
                    .ok()?
                    .timestamp()
                    .as_millisecond(),
            )
        };
        Some(match self.mode {
            CalendarMode::Last => (nth(-self.count)?, nth(0)?),
            CalendarMode::This => (nth(0)?, nth(1)?),
            CalendarMode::ThisSoFar => (nth(0)?, now.timestamp().as_millisecond() + 1),
            CalendarMode::Next => (nth(1)?, nth(1 + self.count)?),
        })
    }
}
