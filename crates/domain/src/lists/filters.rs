//! A list's filters: HubSpot's `filterBranch` tree, read from its JSON and
//! checked against the portal's properties. What a filter means is in
//! [`super::evaluate`].
//!
//! Spoke evaluates `PROPERTY`, `IN_LIST` and `CONSTANT` filters in `OR`,
//! `AND`, `NOT_ALL` and `NOT_ANY` branches. Any other filter or branch type
//! (page views, email events, form submissions, associations, ...) is
//! refused with a 400 that names it: a list that silently ignored part of
//! its definition would hold the wrong contacts.

use super::time_points::{date_property, month_number, Bound, CalendarWindow, TimePoint};
use crate::error::{Error, Result};
use crate::ids::ListId;
use crate::property::{PropertySchema, PropertyType};
use crate::time::Timestamp;
use serde_json::{json, Map, Value};
use std::collections::BTreeSet;

/// Deepest nesting of branches Spoke accepts (the root is depth 1).
pub const MAX_DEPTH: usize = 10;
/// Most filters one list may hold, over all its branches.
pub const MAX_FILTERS: usize = 250;
/// Most values one operation may list.
pub const MAX_VALUES: usize = 500;

const DAY_MS: i64 = 86_400_000;

/// How a branch combines its filters and sub-branches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BranchType {
    /// At least one passes.
    Or,
    /// All pass.
    And,
    /// Not all pass.
    NotAll,
    /// None passes.
    NotAny,
}

impl BranchType {
    pub fn as_str(self) -> &'static str {
        match self {
            BranchType::Or => "OR",
            BranchType::And => "AND",
            BranchType::NotAll => "NOT_ALL",
            BranchType::NotAny => "NOT_ANY",
        }
    }
}

/// A node of the tree.
#[derive(Clone, Debug, PartialEq)]
pub struct FilterBranch {
    pub branch_type: BranchType,
    pub filters: Vec<ListFilter>,
    pub branches: Vec<FilterBranch>,
}

/// One filter, with the JSON it was given in (echoed back as given).
#[derive(Clone, Debug, PartialEq)]
pub struct ListFilter {
    pub test: FilterTest,
    pub json: Value,
}

#[derive(Clone, Debug, PartialEq)]
pub enum FilterTest {
    Property(Box<PropertyTest>),
    /// Membership of another list of the portal (`NOT_IN_LIST` negates).
    InList {
        list: ListId,
        negated: bool,
    },
    /// Always passes, or never.
    Constant(bool),
}

/// Whether the test is of the current value, or of any value the property
/// has ever held (its history), or of none of them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum When {
    Now,
    Ever,
    Never,
}

/// A test of one property of a contact.
#[derive(Clone, Debug, PartialEq)]
pub struct PropertyTest {
    pub property: String,
    pub check: Check,
    pub when: When,
    /// The result wanted of the check (`false` for `IS_NOT_EQUAL_TO`,
    /// `DOES_NOT_CONTAIN`, `IS_NONE_OF`, `IS_NOT_BETWEEN`, ...).
    pub wanted: bool,
    /// What a contact without a value gets (HubSpot's
    /// `includeObjectsWithNoValueSet`); not for `IS_KNOWN` and its kin.
    pub include_no_value: bool,
}

/// What is checked of one value.
#[derive(Clone, Debug, PartialEq)]
pub enum Check {
    /// The contact has a value (HubSpot's `IS_KNOWN`; `IS_UNKNOWN` wants
    /// false). Spoke stores no empty values, so blank is unknown.
    Known,
    /// Case-insensitive text: equal to, containing, starting or ending with
    /// any of the (lowercase) values.
    Text(TextMatch, Vec<String>),
    /// A number compared with the operand.
    Number(Comparison, f64),
    /// A number within `[low, high]`.
    NumberBetween(f64, f64),
    /// `true` or `false`.
    Bool(bool),
    /// An enumeration's options: any of, exactly, all of.
    Options(OptionMatch, BTreeSet<String>),
    /// A date or datetime (in ms) within `[low, high]`, either end open.
    TimeBetween(Option<i64>, Option<i64>),
    /// A date or datetime within a window of days around now.
    Rolling(Rolling, i64),
    /// The property was last set within the last days (history).
    UpdatedWithinDays(i64),
    /// A date or datetime (or, with `updated_at`, when the property was
    /// last set) after `low` and before `high` (`TIME_POINT`,
    /// `TIME_RANGED`).
    Time {
        updated_at: bool,
        low: Option<Bound>,
        high: Option<Bound>,
    },
    /// A date or datetime within a calendar window around now.
    Calendar(CalendarWindow),
    /// Compared with another property of the same contact
    /// (`COMPARATIVE_DATE`, `COMPARATIVE_STRING`,
    /// `COMPARATIVE_PROPERTY_UPDATED`); `default` stands in when the other
    /// property has no value.
    Compare {
        other: String,
        how: Comparative,
        default: Option<String>,
    },
}

/// How a property is compared with another.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Comparative {
    /// Its date is before the other's.
    Before,
    /// Its date is after the other's.
    After,
    /// Its text against the other's (case-insensitive).
    Text(TextMatch),
    /// It was last set before the other was.
    UpdatedBefore,
    /// It was last set after the other was.
    UpdatedAfter,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TextMatch {
    Equals,
    Contains,
    StartsWith,
    EndsWith,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Comparison {
    Equal,
    Greater,
    GreaterOrEqual,
    Less,
    LessOrEqual,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OptionMatch {
    AnyOf,
    Exactly,
    ContainsAll,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rolling {
    LessThanDaysAgo,
    MoreThanDaysAgo,
    LessThanDaysFromNow,
    MoreThanDaysFromNow,
}

impl FilterBranch {
    /// Reads and checks a `filterBranch` against the portal's properties.
    /// Lists named by `IN_LIST` filters are checked by the caller
    /// ([`FilterBranch::lists`]).
    pub fn parse(value: &Value, schema: &PropertySchema) -> Result<FilterBranch> {
        parse_branch(value, Some(schema), 1, &mut 0)
    }

    /// Reads a tree a store kept (checked when it was given). A property
    /// archived since is no longer checked: nobody has a value of it.
    pub fn parse_stored(value: &Value) -> Result<FilterBranch> {
        parse_branch(value, None, 1, &mut 0)
    }

    /// HubSpot's enforced structure: an `OR` root holding no filters of its
    /// own, whose branches are `AND` branches (any type below those).
    pub fn check_shape(&self) -> Result<()> {
        if self.branch_type != BranchType::Or {
            return Err(invalid(format!(
                "The root filter branch must be an OR branch, not {}.",
                self.branch_type.as_str()
            )));
        }
        if !self.filters.is_empty() {
            return Err(invalid(
                "The root OR filter branch holds AND branches, not filters: put its filters in an AND branch.",
            ));
        }
        if let Some(other) = self
            .branches
            .iter()
            .find(|b| b.branch_type != BranchType::And)
        {
            return Err(invalid(format!(
                "The branches of the root OR filter branch must be AND branches, not {}.",
                other.branch_type.as_str()
            )));
        }
        Ok(())
    }

    /// The JSON HubSpot answers with: every branch with its
    /// `filterBranchType` and `filterBranchOperator`, filters as given.
    pub fn to_json(&self) -> Value {
        json!({
            "filterBranchType": self.branch_type.as_str(),
            "filterBranchOperator": self.branch_type.as_str(),
            "filters": self.filters.iter().map(|f| f.json.clone()).collect::<Vec<_>>(),
            "filterBranches": self.branches.iter().map(FilterBranch::to_json).collect::<Vec<_>>(),
        })
    }

    /// Every filter of the tree, depth first.
    pub fn all_filters(&self) -> Vec<&ListFilter> {
        let mut out: Vec<&ListFilter> = self.filters.iter().collect();
        for branch in &self.branches {
            out.extend(branch.all_filters());
        }
        out
    }

    /// The lists its `IN_LIST` filters name.
    pub fn lists(&self) -> BTreeSet<ListId> {
        self.all_filters()
            .into_iter()
            .filter_map(|f| match f.test {
                FilterTest::InList { list, .. } => Some(list),
                _ => None,
            })
            .collect()
    }

    /// The properties whose history some filter reads.
    pub fn history_properties(&self) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        for f in self.all_filters() {
            let FilterTest::Property(t) = &f.test else {
                continue;
            };
            if t.when != When::Now {
                out.insert(t.property.clone());
            }
            match &t.check {
                Check::UpdatedWithinDays(_) => {
                    out.insert(t.property.clone());
                }
                Check::Time {
                    updated_at,
                    low,
                    high,
                } => {
                    if *updated_at {
                        out.insert(t.property.clone());
                    }
                    for bound in low.iter().chain(high) {
                        if let TimePoint::Property {
                            property,
                            updated_at: true,
                        } = &bound.point
                        {
                            out.insert(property.clone());
                        }
                    }
                }
                Check::Compare {
                    other,
                    how: Comparative::UpdatedBefore | Comparative::UpdatedAfter,
                    ..
                } => {
                    out.insert(t.property.clone());
                    out.insert(other.clone());
                }
                _ => {}
            }
        }
        out
    }

    /// Whether some filter depends on the time of evaluation (rolling
    /// ranges): such lists are re-evaluated on a schedule.
    pub fn relative_to_now(&self) -> bool {
        self.all_filters().into_iter().any(|f| match &f.test {
            FilterTest::Property(t) => match &t.check {
                Check::Rolling(..) | Check::UpdatedWithinDays(_) | Check::Calendar(_) => true,
                Check::Time { low, high, .. } => {
                    low.iter().chain(high).any(|b| b.point.relative_to_now())
                }
                _ => false,
            },
            _ => false,
        })
    }
}

fn invalid(message: impl Into<String>) -> Error {
    Error::invalid(message)
}

fn parse_branch(
    value: &Value,
    schema: Option<&PropertySchema>,
    depth: usize,
    count: &mut usize,
) -> Result<FilterBranch> {
    if depth > MAX_DEPTH {
        return Err(invalid(format!(
            "Filter branches may be nested at most {MAX_DEPTH} deep."
        )));
    }
    let object = value
        .as_object()
        .ok_or_else(|| invalid("A filter branch must be a JSON object."))?;
    let kind = object
        .get("filterBranchType")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid("A filter branch needs a filterBranchType."))?;
    let branch_type = match kind {
        "OR" => BranchType::Or,
        "AND" => BranchType::And,
        "NOT_ALL" => BranchType::NotAll,
        "NOT_ANY" => BranchType::NotAny,
        "RESTRICTED" | "UNIFIED_EVENTS" | "ASSOCIATION" | "PROPERTY_ASSOCIATION" => {
            return Err(invalid(format!(
                "Spoke does not evaluate filter branches of type {kind}; it evaluates OR, AND, NOT_ALL and NOT_ANY branches."
            )))
        }
        other => {
            return Err(invalid(format!(
                "Unknown filterBranchType {other}: expected one of OR, AND, NOT_ALL, NOT_ANY."
            )))
        }
    };
    let mut filters = Vec::new();
    for filter in array(object, "filters")? {
        *count += 1;
        if *count > MAX_FILTERS {
            return Err(invalid(format!(
                "A list may have at most {MAX_FILTERS} filters."
            )));
        }
        filters.push(parse_filter(filter, schema)?);
    }
    let mut branches = Vec::new();
    for branch in array(object, "filterBranches")? {
        branches.push(parse_branch(branch, schema, depth + 1, count)?);
    }
    Ok(FilterBranch {
        branch_type,
        filters,
        branches,
    })
}

fn array<'a>(object: &'a Map<String, Value>, key: &str) -> Result<&'a [Value]> {
    match object.get(key) {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::Array(items)) => Ok(items),
        Some(_) => Err(invalid(format!("{key} must be an array."))),
    }
}

fn parse_filter(value: &Value, schema: Option<&PropertySchema>) -> Result<ListFilter> {
    let object = value
        .as_object()
        .ok_or_else(|| invalid("A filter must be a JSON object."))?;
    let kind = object
        .get("filterType")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid("A filter needs a filterType."))?;
    let test = match kind {
        "PROPERTY" => FilterTest::Property(Box::new(parse_property_filter(object, schema)?)),
        "IN_LIST" => {
            let list = match object.get("listId") {
                Some(Value::String(s)) => ListId::parse(s),
                Some(Value::Number(n)) => n.as_i64().filter(|n| *n > 0).map(ListId),
                _ => None,
            }
            .ok_or_else(|| invalid("An IN_LIST filter needs the listId of a list."))?;
            let negated = match object.get("operator").and_then(Value::as_str) {
                None | Some("IN_LIST") => false,
                Some("NOT_IN_LIST") => true,
                Some(other) => {
                    return Err(invalid(format!(
                        "Unknown IN_LIST operator {other}: expected IN_LIST or NOT_IN_LIST."
                    )))
                }
            };
            FilterTest::InList { list, negated }
        }
        "CONSTANT" => FilterTest::Constant(
            object
                .get("shouldAccept")
                .and_then(Value::as_bool)
                .ok_or_else(|| invalid("A CONSTANT filter needs shouldAccept (true or false)."))?,
        ),
        other => {
            return Err(invalid(format!(
                "Spoke does not evaluate filters of type {other}; it evaluates PROPERTY, IN_LIST and CONSTANT filters."
            )))
        }
    };
    Ok(ListFilter {
        test,
        json: value.clone(),
    })
}

/// The operation types Spoke evaluates, under their spec names (the
/// lowercase names of HubSpot's filter guide are accepted too).
fn operation_type(raw: &str) -> String {
    let upper = raw.to_ascii_uppercase().replace('-', "_");
    match upper.as_str() {
        "ALLTYPES" => "ALL_PROPERTY".into(),
        "DATETIME_RANGED" => "RANGED_DATE".into(),
        "DATETIME_ROLLING" => "ROLLING_DATE_RANGE".into(),
        _ => upper,
    }
}

fn parse_property_filter(
    object: &Map<String, Value>,
    schema: Option<&PropertySchema>,
) -> Result<PropertyTest> {
    let property = object
        .get("property")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid("A PROPERTY filter needs a property."))?;
    let def = match schema {
        Some(schema) => Some(schema.get(property).ok_or_else(|| {
            invalid(format!(
                "Property {property} does not exist for object type 0-1 (contacts)."
            ))
        })?),
        None => None,
    };
    let op = object
        .get("operation")
        .and_then(Value::as_object)
        .ok_or_else(|| invalid(format!("The filter on {property} needs an operation.")))?;
    let kind = operation_type(
        op.get("operationType")
            .and_then(Value::as_str)
            .ok_or_else(|| invalid(format!("The filter on {property} needs an operationType.")))?,
    );
    let operator = op
        .get("operator")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid(format!("The filter on {property} needs an operator.")))?;
    let include_no_value = op
        .get("includeObjectsWithNoValueSet")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let ptype = match def {
        _ if property == "hs_object_id" => Some(PropertyType::Number),
        Some(def) => Some(def.property_type),
        None => None,
    };
    let fits = |types: &[PropertyType]| -> Result<()> {
        match ptype {
            None => Ok(()),
            Some(ptype) if types.contains(&ptype) => Ok(()),
            Some(ptype) => Err(invalid(format!(
                "Operation type {kind} does not apply to property {property}, which is of type {}.",
                ptype.as_str()
            ))),
        }
    };
    let bad_operator = || {
        invalid(format!(
            "Operator {operator} is not valid for operation type {kind}."
        ))
    };
    let test = |check: Check, when: When, wanted: bool| PropertyTest {
        property: property.to_string(),
        check,
        when,
        wanted,
        include_no_value,
    };
    let texts = [PropertyType::String, PropertyType::PhoneNumber];
    let times = [PropertyType::Date, PropertyType::Datetime];
    Ok(match kind.as_str() {
        "ALL_PROPERTY" => match operator {
            "IS_KNOWN" | "IS_NOT_BLANK" => test(Check::Known, When::Now, true),
            "IS_UNKNOWN" | "IS_BLANK" => test(Check::Known, When::Now, false),
            _ => return Err(bad_operator()),
        },
        "STRING" | "MULTISTRING" => {
            fits(&texts)?;
            let values: Vec<String> = if kind == "STRING" {
                vec![string_operand(op, "value", property)?]
            } else {
                string_list(op, property)?
            }
            .into_iter()
            .map(|v| v.to_lowercase())
            .collect();
            let (m, when, wanted) = match operator {
                "IS_EQUAL_TO" => (TextMatch::Equals, When::Now, true),
                "IS_NOT_EQUAL_TO" => (TextMatch::Equals, When::Now, false),
                "CONTAINS" | "CONTAINS_EXACTLY" => (TextMatch::Contains, When::Now, true),
                "DOES_NOT_CONTAIN" | "DOES_NOT_CONTAIN_EXACTLY" => {
                    (TextMatch::Contains, When::Now, false)
                }
                "STARTS_WITH" => (TextMatch::StartsWith, When::Now, true),
                "ENDS_WITH" => (TextMatch::EndsWith, When::Now, true),
                "HAS_EVER_BEEN_EQUAL_TO" => (TextMatch::Equals, When::Ever, true),
                "HAS_NEVER_BEEN_EQUAL_TO" => (TextMatch::Equals, When::Never, true),
                "HAS_EVER_CONTAINED" => (TextMatch::Contains, When::Ever, true),
                "HAS_NEVER_CONTAINED" => (TextMatch::Contains, When::Never, true),
                _ => return Err(bad_operator()),
            };
            test(Check::Text(m, values), when, wanted)
        }
        "NUMBER" => {
            fits(&[PropertyType::Number])?;
            let n = number_operand(op, "value", property)?;
            let (c, when, wanted) = match operator {
                "IS_EQUAL_TO" => (Comparison::Equal, When::Now, true),
                "IS_NOT_EQUAL_TO" => (Comparison::Equal, When::Now, false),
                "IS_GREATER_THAN" => (Comparison::Greater, When::Now, true),
                "IS_GREATER_THAN_OR_EQUAL_TO" => (Comparison::GreaterOrEqual, When::Now, true),
                "IS_LESS_THAN" => (Comparison::Less, When::Now, true),
                "IS_LESS_THAN_OR_EQUAL_TO" => (Comparison::LessOrEqual, When::Now, true),
                "HAS_EVER_BEEN_EQUAL_TO" => (Comparison::Equal, When::Ever, true),
                "HAS_NEVER_BEEN_EQUAL_TO" => (Comparison::Equal, When::Never, true),
                _ => return Err(bad_operator()),
            };
            test(Check::Number(c, n), when, wanted)
        }
        "NUMBER_RANGED" => {
            fits(&[PropertyType::Number])?;
            let low = number_operand(op, "lowerBound", property)?;
            let high = number_operand(op, "upperBound", property)?;
            let wanted = match operator {
                "IS_BETWEEN" => true,
                "IS_NOT_BETWEEN" => false,
                _ => return Err(bad_operator()),
            };
            test(Check::NumberBetween(low, high), When::Now, wanted)
        }
        "BOOL" => {
            fits(&[PropertyType::Bool])?;
            let value = match op.get("value") {
                Some(Value::Bool(b)) => *b,
                Some(Value::String(s)) if s.eq_ignore_ascii_case("true") => true,
                Some(Value::String(s)) if s.eq_ignore_ascii_case("false") => false,
                _ => {
                    return Err(invalid(format!(
                        "The BOOL filter on {property} needs a value of true or false."
                    )))
                }
            };
            let (when, wanted) = match operator {
                "IS_EQUAL_TO" => (When::Now, true),
                "IS_NOT_EQUAL_TO" => (When::Now, false),
                "HAS_EVER_BEEN_EQUAL_TO" => (When::Ever, true),
                "HAS_NEVER_BEEN_EQUAL_TO" => (When::Never, true),
                _ => return Err(bad_operator()),
            };
            test(Check::Bool(value), when, wanted)
        }
        "ENUMERATION" => {
            fits(&[PropertyType::Enumeration, PropertyType::Bool])?;
            let values: BTreeSet<String> = string_list(op, property)?.into_iter().collect();
            if let Some(def) = def.filter(|d| {
                d.property_type == PropertyType::Enumeration && !d.options.is_empty()
            }) {
                if let Some(unknown) = values
                    .iter()
                    .find(|v| !def.options.iter().any(|o| &o.value == *v))
                {
                    return Err(invalid(format!(
                        "{unknown} is not an option of property {property}."
                    )));
                }
            }
            let (m, when, wanted) = match operator {
                "IS_ANY_OF" => (OptionMatch::AnyOf, When::Now, true),
                "IS_NONE_OF" => (OptionMatch::AnyOf, When::Now, false),
                "IS_EXACTLY" => (OptionMatch::Exactly, When::Now, true),
                "IS_NOT_EXACTLY" => (OptionMatch::Exactly, When::Now, false),
                "CONTAINS_ALL" | "CONTAINS_ALL_OF" => (OptionMatch::ContainsAll, When::Now, true),
                "DOES_NOT_CONTAIN_ALL" | "DOES_NOT_CONTAIN_ALL_OF" => {
                    (OptionMatch::ContainsAll, When::Now, false)
                }
                "HAS_EVER_BEEN_ANY_OF" => (OptionMatch::AnyOf, When::Ever, true),
                "HAS_NEVER_BEEN_ANY_OF" => (OptionMatch::AnyOf, When::Never, true),
                "HAS_EVER_BEEN_EXACTLY" => (OptionMatch::Exactly, When::Ever, true),
                "HAS_NEVER_BEEN_EXACTLY" => (OptionMatch::Exactly, When::Never, true),
                "HAS_EVER_CONTAINED_ALL" => (OptionMatch::ContainsAll, When::Ever, true),
                "HAS_NEVER_CONTAINED_ALL" => (OptionMatch::ContainsAll, When::Never, true),
                _ => return Err(bad_operator()),
            };
            test(Check::Options(m, values), when, wanted)
        }
        "DATETIME" | "DATE" => {
            fits(&times)?;
            let (start, end) = if kind == "DATETIME" {
                let ms = integer_operand(op, "timestamp", property)?;
                day_of(ms)
            } else {
                date_operand(op, property)?
            };
            let (low, high) = match operator {
                "IS_EQUAL_TO" => (Some(start), Some(end)),
                "IS_BEFORE_DATE" => (None, Some(start - 1)),
                "IS_AFTER_DATE" => (Some(end + 1), None),
                "IS_BEFORE" if kind == "DATETIME" => {
                    let ms = integer_operand(op, "timestamp", property)?;
                    (None, Some(ms - 1))
                }
                "IS_AFTER" if kind == "DATETIME" => {
                    let ms = integer_operand(op, "timestamp", property)?;
                    (Some(ms + 1), None)
                }
                _ => return Err(bad_operator()),
            };
            test(Check::TimeBetween(low, high), When::Now, true)
        }
        "RANGED_DATE" => {
            fits(&times)?;
            let low = integer_operand_either(op, &["lowerBound", "lowerBoundTimestamp"], property)?;
            let high =
                integer_operand_either(op, &["upperBound", "upperBoundTimestamp"], property)?;
            let wanted = match operator {
                "IS_BETWEEN" => true,
                "IS_NOT_BETWEEN" => false,
                _ => return Err(bad_operator()),
            };
            test(Check::TimeBetween(Some(low), Some(high)), When::Now, wanted)
        }
        "ROLLING_DATE_RANGE" => {
            fits(&times)?;
            let days = days_operand(op, property)?;
            let rolling = match operator {
                "IS_LESS_THAN_X_DAYS_AGO" => Rolling::LessThanDaysAgo,
                "IS_MORE_THAN_X_DAYS_AGO" => Rolling::MoreThanDaysAgo,
                "IS_LESS_THAN_X_DAYS_FROM_NOW" => Rolling::LessThanDaysFromNow,
                "IS_MORE_THAN_X_DAYS_FROM_NOW" => Rolling::MoreThanDaysFromNow,
                _ => return Err(bad_operator()),
            };
            test(Check::Rolling(rolling, days), When::Now, true)
        }
        "ROLLING_PROPERTY_UPDATED" => {
            let days = days_operand(op, property)?;
            let wanted = match operator {
                "UPDATED_IN_LAST_X_DAYS" => true,
                "NOT_UPDATED_IN_LAST_X_DAYS" => false,
                _ => return Err(bad_operator()),
            };
            test(Check::UpdatedWithinDays(days), When::Now, wanted)
        }
        "TIME_POINT" | "TIME_RANGED" => {
            let updated_at = match op.get("propertyParser").and_then(Value::as_str) {
                None | Some("VALUE") => false,
                Some("UPDATED_AT") => true,
                Some(other) => {
                    return Err(invalid(format!(
                        "Unknown propertyParser {other} in the filter on {property}: expected VALUE or UPDATED_AT."
                    )))
                }
            };
            if !updated_at {
                fits(&times)?;
            }
            let inclusive = |key: &str, default: bool| -> Result<bool> {
                match op.get(key).and_then(Value::as_str) {
                    None => Ok(default),
                    Some("INCLUSIVE") => Ok(true),
                    Some("EXCLUSIVE") => Ok(false),
                    Some(other) => Err(invalid(format!(
                        "Unknown {key} {other} in the filter on {property}: expected INCLUSIVE or EXCLUSIVE."
                    ))),
                }
            };
            let point = |key: &str| -> Result<TimePoint> {
                let value = op.get(key).ok_or_else(|| {
                    invalid(format!("The {kind} filter on {property} needs a {key}."))
                })?;
                TimePoint::parse(value, property, schema)
            };
            let (low, high, wanted) = if kind == "TIME_POINT" {
                let bound = Bound {
                    point: point("timePoint")?,
                    inclusive: inclusive("endpointBehavior", false)?,
                };
                match operator {
                    "IS_AFTER" => (Some(bound), None, true),
                    "IS_BEFORE" => (None, Some(bound), true),
                    _ => return Err(bad_operator()),
                }
            } else {
                let wanted = match operator {
                    "IS_BETWEEN" => true,
                    "IS_NOT_BETWEEN" => false,
                    _ => return Err(bad_operator()),
                };
                let low = Bound {
                    point: point("lowerBoundTimePoint")?,
                    inclusive: inclusive("lowerBoundEndpointBehavior", true)?,
                };
                let high = Bound {
                    point: point("upperBoundTimePoint")?,
                    inclusive: inclusive("upperBoundEndpointBehavior", true)?,
                };
                (Some(low), Some(high), wanted)
            };
            test(
                Check::Time {
                    updated_at,
                    low,
                    high,
                },
                When::Now,
                wanted,
            )
        }
        "CALENDAR_DATE" => {
            fits(&times)?;
            test(
                Check::Calendar(CalendarWindow::parse(op, operator, property)?),
                When::Now,
                true,
            )
        }
        "COMPARATIVE_DATE" | "COMPARATIVE_STRING" | "COMPARATIVE_PROPERTY_UPDATED" => {
            let other = op
                .get("comparisonPropertyName")
                .and_then(Value::as_str)
                .ok_or_else(|| {
                    invalid(format!(
                        "The {kind} filter on {property} needs a comparisonPropertyName."
                    ))
                })?;
            let (how, wanted) = match (kind.as_str(), operator) {
                ("COMPARATIVE_DATE", "IS_BEFORE") => (Comparative::Before, true),
                ("COMPARATIVE_DATE", "IS_AFTER") => (Comparative::After, true),
                ("COMPARATIVE_PROPERTY_UPDATED", "IS_BEFORE") => (Comparative::UpdatedBefore, true),
                ("COMPARATIVE_PROPERTY_UPDATED", "IS_AFTER") => (Comparative::UpdatedAfter, true),
                ("COMPARATIVE_STRING", "IS_EQUAL_TO") => {
                    (Comparative::Text(TextMatch::Equals), true)
                }
                ("COMPARATIVE_STRING", "IS_NOT_EQUAL_TO") => {
                    (Comparative::Text(TextMatch::Equals), false)
                }
                ("COMPARATIVE_STRING", "CONTAINS") => {
                    (Comparative::Text(TextMatch::Contains), true)
                }
                ("COMPARATIVE_STRING", "DOES_NOT_CONTAIN") => {
                    (Comparative::Text(TextMatch::Contains), false)
                }
                ("COMPARATIVE_STRING", "STARTS_WITH") => {
                    (Comparative::Text(TextMatch::StartsWith), true)
                }
                ("COMPARATIVE_STRING", "ENDS_WITH") => {
                    (Comparative::Text(TextMatch::EndsWith), true)
                }
                _ => return Err(bad_operator()),
            };
            match kind.as_str() {
                "COMPARATIVE_DATE" => {
                    fits(&times)?;
                    if let Some(schema) = schema {
                        date_property(schema, other)?;
                    }
                }
                "COMPARATIVE_STRING" => {
                    fits(&texts)?;
                    if let Some(other_def) = schema.and_then(|s| s.get(other)) {
                        if !texts.contains(&other_def.property_type) {
                            return Err(invalid(format!(
                                "Property {other} is of type {}: COMPARATIVE_STRING compares string properties.",
                                other_def.property_type.as_str()
                            )));
                        }
                    }
                }
                _ => {}
            }
            if let Some(schema) = schema {
                if schema.get(other).is_none() {
                    return Err(invalid(format!(
                        "Property {other} does not exist for object type 0-1 (contacts)."
                    )));
                }
            }
            let default = match op.get("defaultComparisonValue") {
                None | Some(Value::Null) => None,
                Some(Value::String(s)) => Some(s.clone()),
                Some(Value::Number(n)) => Some(n.to_string()),
                Some(_) => {
                    return Err(invalid(format!(
                        "The defaultComparisonValue of the filter on {property} must be a string."
                    )))
                }
            };
            test(
                Check::Compare {
                    other: other.to_string(),
                    how,
                    default,
                },
                When::Now,
                wanted,
            )
        }
        other => {
            return Err(invalid(format!(
                "Spoke does not evaluate operation type {other}; it evaluates ALL_PROPERTY, STRING, MULTISTRING, NUMBER, NUMBER_RANGED, BOOL, ENUMERATION, DATE, DATETIME, RANGED_DATE, ROLLING_DATE_RANGE, ROLLING_PROPERTY_UPDATED, TIME_POINT, TIME_RANGED, CALENDAR_DATE, COMPARATIVE_DATE, COMPARATIVE_STRING and COMPARATIVE_PROPERTY_UPDATED."
            )))
        }
    })
}

fn string_operand(op: &Map<String, Value>, key: &str, property: &str) -> Result<String> {
    match op.get(key) {
        Some(Value::String(s)) => Ok(s.clone()),
        Some(Value::Number(n)) => Ok(n.to_string()),
        _ => Err(invalid(format!(
            "The filter on {property} needs a {key} (a string)."
        ))),
    }
}

fn string_list(op: &Map<String, Value>, property: &str) -> Result<Vec<String>> {
    let items = op.get("values").and_then(Value::as_array).ok_or_else(|| {
        invalid(format!(
            "The filter on {property} needs values (an array of strings)."
        ))
    })?;
    if items.is_empty() || items.len() > MAX_VALUES {
        return Err(invalid(format!(
            "The filter on {property} needs between 1 and {MAX_VALUES} values."
        )));
    }
    items
        .iter()
        .map(|v| match v {
            Value::String(s) => Ok(s.clone()),
            Value::Number(n) => Ok(n.to_string()),
            Value::Bool(b) => Ok(b.to_string()),
            _ => Err(invalid(format!(
                "The values of the filter on {property} must be strings."
            ))),
        })
        .collect()
}

fn number_operand(op: &Map<String, Value>, key: &str, property: &str) -> Result<f64> {
    match op.get(key) {
        Some(Value::Number(n)) => n.as_f64(),
        Some(Value::String(s)) => s.trim().parse::<f64>().ok().filter(|n| n.is_finite()),
        _ => None,
    }
    .ok_or_else(|| invalid(format!("The filter on {property} needs a number as {key}.")))
}

fn integer_operand(op: &Map<String, Value>, key: &str, property: &str) -> Result<i64> {
    match op.get(key) {
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(s)) => s.trim().parse::<i64>().ok(),
        _ => None,
    }
    .ok_or_else(|| {
        invalid(format!(
            "The filter on {property} needs {key} in milliseconds since the epoch."
        ))
    })
}

fn integer_operand_either(op: &Map<String, Value>, keys: &[&str], property: &str) -> Result<i64> {
    let key = keys
        .iter()
        .find(|k| op.contains_key(**k))
        .unwrap_or(&keys[0]);
    integer_operand(op, key, property)
}

fn days_operand(op: &Map<String, Value>, property: &str) -> Result<i64> {
    integer_operand(op, "numberOfDays", property).and_then(|d| {
        if (0..=36_500).contains(&d) {
            Ok(d)
        } else {
            Err(invalid(format!(
                "numberOfDays of the filter on {property} must be between 0 and 36500."
            )))
        }
    })
}

/// The first and last millisecond of the UTC day holding `ms`.
fn day_of(ms: i64) -> (i64, i64) {
    let start = ms.div_euclid(DAY_MS) * DAY_MS;
    (start, start + DAY_MS - 1)
}

/// A DATE operation's `year`, `month` (a number or a month's name) and
/// `day`, as the first and last millisecond of that UTC day.
fn date_operand(op: &Map<String, Value>, property: &str) -> Result<(i64, i64)> {
    let bad = || {
        invalid(format!(
            "The DATE filter on {property} needs a valid year, month and day."
        ))
    };
    let year = op.get("year").and_then(Value::as_i64).ok_or_else(bad)?;
    let month = month_number(op.get("month")).ok_or_else(bad)?;
    let day = op.get("day").and_then(Value::as_i64).ok_or_else(bad)?;
    let month = u8::try_from(month)
        .ok()
        .and_then(|m| time::Month::try_from(m).ok())
        .ok_or_else(bad)?;
    let date = i32::try_from(year)
        .ok()
        .zip(u8::try_from(day).ok())
        .and_then(|(y, d)| time::Date::from_calendar_date(y, month, d).ok())
        .ok_or_else(bad)?;
    Ok(day_of(Timestamp::from_date(date).millis()))
}
