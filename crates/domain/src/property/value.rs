//! Validation of one property value against its definition, producing the
//! canonical text Spoke stores and returns (HubSpot stores every value as a
//! string).

use super::{PropertyDefinition, PropertyType};
use crate::email::Email;
use crate::error::{ProblemCode, PropertyProblem};
use crate::time::{format_date, parse_date, Timestamp};
use std::borrow::Cow;

/// HubSpot refuses string values longer than this many characters.
pub const MAX_VALUE_CHARS: usize = 65_536;

/// A property value as a client sent it, before validation. Official clients
/// send strings; curl users and older integrations send numbers and booleans.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InputValue {
    Null,
    Text(String),
    /// A JSON number, in its source text.
    Number(String),
    Bool(bool),
    /// A JSON object or array: never a valid property value.
    Structured,
}

impl InputValue {
    pub fn text(value: impl Into<String>) -> InputValue {
        InputValue::Text(value.into())
    }
}

/// Validates `input` for `def`. `Ok(None)` clears the property (an empty
/// string or null); `Ok(Some(text))` is the canonical stored form.
pub fn normalize_value(
    def: &PropertyDefinition,
    input: &InputValue,
) -> Result<Option<String>, PropertyProblem> {
    let problem = |code, message: String| PropertyProblem::new(&def.name, code, message);
    let text: Cow<'_, str> = match input {
        InputValue::Null => return Ok(None),
        InputValue::Text(text) => Cow::Borrowed(text),
        InputValue::Number(text) => Cow::Borrowed(text),
        InputValue::Bool(b) => Cow::Borrowed(if *b { "true" } else { "false" }),
        InputValue::Structured => {
            return Err(problem(
                ProblemCode::InvalidValue,
                format!(
                    "The value of \"{}\" must be a string, a number or a boolean, not an object or array.",
                    def.name
                ),
            ))
        }
    };
    if text.is_empty() {
        return Ok(None);
    }
    if text.len() > MAX_VALUE_CHARS && text.chars().count() > MAX_VALUE_CHARS {
        return Err(problem(
            ProblemCode::ValueTooLong,
            format!(
                "The value of \"{}\" is {} characters long; the maximum is {MAX_VALUE_CHARS}.",
                def.name,
                text.chars().count()
            ),
        ));
    }
    let text = text.as_ref();
    let normalized = match def.property_type {
        PropertyType::String | PropertyType::PhoneNumber => {
            if def.name == "email" {
                Email::parse(text).map(Email::into_string).ok_or_else(|| {
                    problem(
                        ProblemCode::InvalidEmail,
                        format!("Email address {text} is invalid"),
                    )
                })?
            } else {
                text.to_string()
            }
        }
        PropertyType::Number => normalize_number(text).ok_or_else(|| {
            problem(
                ProblemCode::InvalidLong,
                format!("{text} was not a valid number."),
            )
        })?,
        PropertyType::Bool => match text.to_ascii_lowercase().as_str() {
            "true" => "true".to_string(),
            "false" => "false".to_string(),
            _ => {
                return Err(problem(
                    ProblemCode::InvalidBoolean,
                    format!("{text} was not a valid boolean: use true or false."),
                ))
            }
        },
        PropertyType::Date => {
            normalize_date(text).map_err(|m| problem(ProblemCode::InvalidDate, m))?
        }
        PropertyType::Datetime => {
            normalize_datetime(text).map_err(|m| problem(ProblemCode::InvalidDate, m))?
        }
        PropertyType::Enumeration => {
            normalize_enumeration(def, text).map_err(|m| problem(ProblemCode::InvalidOption, m))?
        }
    };
    Ok(Some(normalized))
}

/// Integers keep their digits; other numbers take Rust's shortest
/// round-tripping decimal form (`1.50` → `1.5`).
fn normalize_number(text: &str) -> Option<String> {
    let t = text.trim();
    if let Ok(i) = t.parse::<i64>() {
        return Some(i.to_string());
    }
    // Rust also parses "inf" and "NaN"; HubSpot does not.
    let numeric_chars = t
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+' | b'e' | b'E'));
    if t.is_empty() || !numeric_chars || !t.bytes().any(|b| b.is_ascii_digit()) {
        return None;
    }
    let f: f64 = t.parse().ok()?;
    if !f.is_finite() {
        return None;
    }
    if f == 0.0 {
        return Some("0".into());
    }
    if f == f.trunc() && f.abs() < 1e15 {
        return Some((f as i64).to_string());
    }
    Some(format!("{f}"))
}

fn parse_millis(text: &str) -> Option<Timestamp> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Timestamp::from_millis(text.parse().ok()?)
}

/// Dates are midnight UTC: `YYYY-MM-DD`, or a millisecond timestamp or ISO
/// datetime that falls exactly on midnight UTC.
fn normalize_date(text: &str) -> Result<String, String> {
    if let Some(date) = parse_date(text) {
        return Ok(format_date(date));
    }
    let instant = parse_millis(text)
        .or_else(|| Timestamp::parse_iso(text))
        .ok_or_else(|| {
            format!("{text} is not a valid date: use YYYY-MM-DD or milliseconds since the epoch at midnight UTC.")
        })?;
    let (date, time_of_day) = instant.date_and_time_of_day();
    if time_of_day != 0 {
        // HubSpot's own wording, unpadded fields included.
        let (h, m, s, ms) = (
            time_of_day / 3_600_000,
            time_of_day / 60_000 % 60,
            time_of_day / 1000 % 60,
            time_of_day % 1000,
        );
        return Err(format!("{text} is at {h}:{m}:{s}.{ms} UTC, not midnight!"));
    }
    Ok(format_date(date))
}

/// Datetimes accept milliseconds since the epoch, ISO 8601, or a bare date
/// (midnight UTC); they are stored as ISO 8601 with milliseconds.
fn normalize_datetime(text: &str) -> Result<String, String> {
    parse_millis(text)
        .or_else(|| Timestamp::parse_iso(text))
        .or_else(|| parse_date(text).map(Timestamp::from_date))
        .map(Timestamp::to_iso)
        .ok_or_else(|| {
            format!("{text} is not a valid datetime: use ISO 8601 or milliseconds since the epoch.")
        })
}

fn normalize_enumeration(def: &PropertyDefinition, text: &str) -> Result<String, String> {
    let allowed = |v: &str| def.options.iter().any(|o| o.value == v);
    let refuse = |v: &str| {
        let values: Vec<&str> = def.options.iter().map(|o| o.value.as_str()).collect();
        format!(
            "{v} was not one of the allowed options: [{}]",
            values.join(", ")
        )
    };
    if !def.is_multi_valued() {
        return if allowed(text) {
            Ok(text.to_string())
        } else {
            Err(refuse(text))
        };
    }
    let mut chosen: Vec<&str> = Vec::new();
    for part in text.split(';').filter(|p| !p.is_empty()) {
        if !allowed(part) {
            return Err(refuse(part));
        }
        if !chosen.contains(&part) {
            chosen.push(part);
        }
    }
    Ok(chosen.join(";"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::property::{standard, FieldType, PropertyOption};

    fn def(ty: PropertyType, field: FieldType) -> PropertyDefinition {
        PropertyDefinition::new("p", "P", ty, field)
    }

    fn ok(d: &PropertyDefinition, input: &str) -> String {
        normalize_value(d, &InputValue::text(input))
            .unwrap()
            .unwrap()
    }

    fn code(d: &PropertyDefinition, input: InputValue) -> ProblemCode {
        normalize_value(d, &input).unwrap_err().code
    }

    #[test]
    fn empty_and_null_clear_the_value() {
        let d = def(PropertyType::Number, FieldType::Number);
        assert_eq!(normalize_value(&d, &InputValue::text("")).unwrap(), None);
        assert_eq!(normalize_value(&d, &InputValue::Null).unwrap(), None);
    }

    #[test]
    fn numbers_are_canonical() {
        let d = def(PropertyType::Number, FieldType::Number);
        assert_eq!(ok(&d, "42"), "42");
        assert_eq!(ok(&d, "1.50"), "1.5");
        assert_eq!(ok(&d, "-0.0"), "0");
        assert_eq!(ok(&d, "1e3"), "1000");
        assert_eq!(ok(&d, "9007199254740993"), "9007199254740993");
        assert_eq!(
            normalize_value(&d, &InputValue::Number("7".into())).unwrap(),
            Some("7".into())
        );
        for bad in ["abc", "1/1/1", "inf", "NaN", "1,5", "."] {
            assert_eq!(
                code(&d, InputValue::text(bad)),
                ProblemCode::InvalidLong,
                "{bad}"
            );
        }
    }

    #[test]
    fn booleans_are_true_or_false() {
        let d = def(PropertyType::Bool, FieldType::Booleancheckbox);
        assert_eq!(ok(&d, "TRUE"), "true");
        assert_eq!(
            normalize_value(&d, &InputValue::Bool(false)).unwrap(),
            Some("false".into())
        );
        assert_eq!(
            code(&d, InputValue::text("yes")),
            ProblemCode::InvalidBoolean
        );
    }

    #[test]
    fn dates_must_be_midnight_utc() {
        let d = def(PropertyType::Date, FieldType::Date);
        assert_eq!(ok(&d, "2024-01-15"), "2024-01-15");
        assert_eq!(ok(&d, "1705276800000"), "2024-01-15");
        assert_eq!(ok(&d, "2024-01-15T00:00:00Z"), "2024-01-15");
        let err = normalize_value(&d, &InputValue::text("1579179660000")).unwrap_err();
        assert_eq!(err.code, ProblemCode::InvalidDate);
        assert_eq!(
            err.message,
            "1579179660000 is at 13:1:0.0 UTC, not midnight!"
        );
        assert_eq!(
            code(&d, InputValue::text("15/01/2024")),
            ProblemCode::InvalidDate
        );
    }

    #[test]
    fn datetimes_are_stored_as_iso_with_millis() {
        let d = def(PropertyType::Datetime, FieldType::Date);
        assert_eq!(ok(&d, "1572406217883"), "2019-10-30T03:30:17.883Z");
        assert_eq!(
            ok(&d, "2019-10-30T05:30:17.883+02:00"),
            "2019-10-30T03:30:17.883Z"
        );
        assert_eq!(ok(&d, "2019-10-30"), "2019-10-30T00:00:00.000Z");
        assert_eq!(
            code(&d, InputValue::text("yesterday")),
            ProblemCode::InvalidDate
        );
    }

    #[test]
    fn enumerations_take_option_values() {
        let props = standard::contact_properties();
        let stage = props.iter().find(|p| p.name == "lifecyclestage").unwrap();
        assert_eq!(ok(stage, "lead"), "lead");
        let err = normalize_value(stage, &InputValue::text("Lead")).unwrap_err();
        assert_eq!(err.code, ProblemCode::InvalidOption);
        assert!(err
            .message
            .starts_with("Lead was not one of the allowed options: [subscriber, lead,"));
    }

    #[test]
    fn checkboxes_join_values_with_semicolons() {
        let mut d = def(PropertyType::Enumeration, FieldType::Checkbox);
        d.options = ["a", "b", "c"]
            .iter()
            .map(|v| PropertyOption {
                label: v.to_uppercase(),
                value: v.to_string(),
                description: String::new(),
                display_order: 0,
                hidden: false,
            })
            .collect();
        assert_eq!(ok(&d, "a;c;a"), "a;c");
        assert_eq!(ok(&d, ";b;"), "b");
        assert_eq!(
            code(&d, InputValue::text("a;z")),
            ProblemCode::InvalidOption
        );
    }

    #[test]
    fn email_is_validated_and_lowercased() {
        let props = standard::contact_properties();
        let email = props.iter().find(|p| p.name == "email").unwrap();
        assert_eq!(ok(email, "Jane@Example.com"), "jane@example.com");
        let err = normalize_value(email, &InputValue::text("example.lcom")).unwrap_err();
        assert_eq!(err.code, ProblemCode::InvalidEmail);
        assert_eq!(err.message, "Email address example.lcom is invalid");
    }

    #[test]
    fn strings_accept_numbers_and_refuse_structures_and_huge_values() {
        let d = def(PropertyType::String, FieldType::Text);
        assert_eq!(
            normalize_value(&d, &InputValue::Number("935".into())).unwrap(),
            Some("935".into())
        );
        assert_eq!(code(&d, InputValue::Structured), ProblemCode::InvalidValue);
        let huge = "x".repeat(MAX_VALUE_CHARS + 1);
        assert_eq!(code(&d, InputValue::Text(huge)), ProblemCode::ValueTooLong);
        let at_limit = "é".repeat(MAX_VALUE_CHARS);
        assert!(normalize_value(&d, &InputValue::Text(at_limit)).is_ok());
    }
}
