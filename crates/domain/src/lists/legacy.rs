//! The legacy v1 lists API's filters (`[[{"operator", "property", "value",
//! "type"}]]`: OR of AND groups) as the v3 filter tree every list keeps,
//! and back, for the v1 answers.

use crate::error::{Error, Result};
use crate::property::{PropertySchema, PropertyType};
use serde_json::{json, Map, Value};

fn invalid(message: impl Into<String>) -> Error {
    Error::invalid(message)
}

/// The v3 tree of v1 filters: an OR root over one AND branch per group.
pub fn from_v1(filters: &Value, schema: &PropertySchema) -> Result<Value> {
    let groups = filters
        .as_array()
        .ok_or_else(|| invalid("filters must be an array of arrays of filters."))?;
    let mut branches = Vec::new();
    for group in groups {
        let group = group
            .as_array()
            .ok_or_else(|| invalid("filters must be an array of arrays of filters."))?;
        let converted = group
            .iter()
            .map(|f| filter(f, schema))
            .collect::<Result<Vec<_>>>()?;
        branches
            .push(json!({"filterBranchType": "AND", "filters": converted, "filterBranches": []}));
    }
    Ok(json!({"filterBranchType": "OR", "filters": [], "filterBranches": branches}))
}

fn text(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn filter(value: &Value, schema: &PropertySchema) -> Result<Value> {
    let f: &Map<String, Value> = value
        .as_object()
        .ok_or_else(|| invalid("A filter must be a JSON object."))?;
    let operator = f
        .get("operator")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid("A v1 filter needs an operator."))?;
    let family = f.get("filterFamily").and_then(Value::as_str).unwrap_or("");
    if family == "InList" || operator == "IN_LIST" || operator == "NOT_IN_LIST" {
        let list = text(f.get("list")).ok_or_else(|| invalid("An InList filter needs a list."))?;
        let legacy: i64 = list
            .parse()
            .map_err(|_| invalid(format!("{list} is not a list id.")))?;
        let id = super::list::from_legacy_id(legacy)
            .ok_or_else(|| invalid(format!("No list has id {legacy}.")))?;
        let negated = operator == "NOT_IN_LIST" || operator == "NEQ";
        return Ok(json!({
            "filterType": "IN_LIST",
            "listId": id.0.to_string(),
            "operator": if negated { "NOT_IN_LIST" } else { "IN_LIST" },
        }));
    }
    if !family.is_empty() && family != "PropertyValue" {
        return Err(invalid(format!(
            "Spoke does not evaluate v1 filters of family {family}; it evaluates PropertyValue and InList filters."
        )));
    }
    let property = f
        .get("property")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid("A v1 filter needs a property."))?;
    let def = schema.get(property).ok_or_else(|| {
        invalid(format!(
            "Property {property} does not exist for object type 0-1 (contacts)."
        ))
    })?;
    let value = text(f.get("value"));
    let need = || {
        value.clone().ok_or_else(|| {
            invalid(format!(
                "The {operator} filter on {property} needs a value."
            ))
        })
    };
    let op = |o: Value| Ok(json!({"filterType": "PROPERTY", "property": property, "operation": o}));
    match operator {
        "IS_NOT_EMPTY" | "HAS_PROPERTY" | "IS_KNOWN" => {
            return op(json!({"operationType": "ALL_PROPERTY", "operator": "IS_KNOWN"}))
        }
        "IS_EMPTY" | "NOT_HAS_PROPERTY" | "IS_UNKNOWN" => {
            return op(json!({"operationType": "ALL_PROPERTY", "operator": "IS_UNKNOWN"}))
        }
        _ => {}
    }
    let kind = if property == "hs_object_id" {
        PropertyType::Number
    } else {
        def.property_type
    };
    let bad = || {
        invalid(format!(
            "Operator {operator} is not a v1 list operator for property {property} (of type {}).",
            kind.as_str()
        ))
    };
    match kind {
        PropertyType::String | PropertyType::PhoneNumber => {
            let v3 = match operator {
                "EQ" => "IS_EQUAL_TO",
                "NEQ" => "IS_NOT_EQUAL_TO",
                "CONTAINS" => "CONTAINS",
                "NOT_CONTAINS" => "DOES_NOT_CONTAIN",
                "STR_STARTS_WITH" | "STARTS_WITH" => "STARTS_WITH",
                "STR_ENDS_WITH" | "ENDS_WITH" => "ENDS_WITH",
                _ => return Err(bad()),
            };
            op(json!({"operationType": "STRING", "operator": v3, "value": need()?}))
        }
        PropertyType::Number => {
            let v3 = match operator {
                "EQ" => "IS_EQUAL_TO",
                "NEQ" => "IS_NOT_EQUAL_TO",
                "LT" => "IS_LESS_THAN",
                "LTE" => "IS_LESS_THAN_OR_EQUAL_TO",
                "GT" => "IS_GREATER_THAN",
                "GTE" => "IS_GREATER_THAN_OR_EQUAL_TO",
                _ => return Err(bad()),
            };
            op(json!({"operationType": "NUMBER", "operator": v3, "value": need()?}))
        }
        PropertyType::Bool => {
            let v3 = match operator {
                "EQ" => "IS_EQUAL_TO",
                "NEQ" => "IS_NOT_EQUAL_TO",
                _ => return Err(bad()),
            };
            op(json!({"operationType": "BOOL", "operator": v3, "value": need()?}))
        }
        PropertyType::Enumeration => {
            let values: Vec<String> = need()?
                .split([';', ','])
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_string)
                .collect();
            let v3 = match operator {
                "EQ" | "SET_ANY" => "IS_ANY_OF",
                "NEQ" | "SET_NOT_ANY" => "IS_NONE_OF",
                "SET_ALL" => "CONTAINS_ALL",
                "SET_NOT_ALL" => "DOES_NOT_CONTAIN_ALL",
                "SET_EQ" => "IS_EXACTLY",
                "SET_NEQ" => "IS_NOT_EXACTLY",
                _ => return Err(bad()),
            };
            op(json!({"operationType": "ENUMERATION", "operator": v3, "values": values}))
        }
        PropertyType::Date | PropertyType::Datetime => {
            let ms: i64 = need()?
                .trim()
                .parse()
                .map_err(|_| invalid(format!("The {operator} filter on {property} needs a value in milliseconds since the epoch.")))?;
            let (v3, ts) = match operator {
                "EQ" => ("IS_EQUAL_TO", ms),
                "LT" => ("IS_BEFORE", ms),
                "LTE" => ("IS_BEFORE", ms + 1),
                "GT" => ("IS_AFTER", ms),
                "GTE" => ("IS_AFTER", ms - 1),
                _ => return Err(bad()),
            };
            op(json!({"operationType": "DATETIME", "operator": v3, "timestamp": ts}))
        }
    }
}

/// The v1 form of a v3 tree of HubSpot's shape (an OR root over AND
/// branches of filters Spoke can state in v1); `[]` for any other tree.
pub fn to_v1(tree: &Value) -> Value {
    let groups = tree["filterBranches"].as_array().and_then(|branches| {
        branches
            .iter()
            .map(|b| {
                if !b["filterBranches"].as_array().is_none_or(Vec::is_empty) {
                    return None;
                }
                b["filters"]
                    .as_array()?
                    .iter()
                    .map(filter_to_v1)
                    .collect::<Option<Vec<Value>>>()
                    .map(Value::Array)
            })
            .collect::<Option<Vec<Value>>>()
    });
    Value::Array(groups.unwrap_or_default())
}

fn filter_to_v1(f: &Value) -> Option<Value> {
    if f["filterType"] == "IN_LIST" {
        let id: i64 = f["listId"].as_str()?.parse().ok()?;
        let operator = if f["operator"] == "NOT_IN_LIST" {
            "NOT_IN_LIST"
        } else {
            "IN_LIST"
        };
        return Some(
            json!({"filterFamily": "InList", "list": id + super::list::LEGACY_ID_OFFSET, "operator": operator}),
        );
    }
    let property = f["property"].as_str()?;
    let op = &f["operation"];
    let kind = op["operationType"].as_str()?.to_ascii_uppercase();
    let (operator, value, type_name) = match (kind.as_str(), op["operator"].as_str()?) {
        ("ALL_PROPERTY", "IS_KNOWN") => ("IS_NOT_EMPTY", Value::Null, "string"),
        ("ALL_PROPERTY", "IS_UNKNOWN") => ("IS_EMPTY", Value::Null, "string"),
        ("STRING", o) => (
            match o {
                "IS_EQUAL_TO" => "EQ",
                "IS_NOT_EQUAL_TO" => "NEQ",
                "CONTAINS" => "CONTAINS",
                "DOES_NOT_CONTAIN" => "NOT_CONTAINS",
                "STARTS_WITH" => "STR_STARTS_WITH",
                "ENDS_WITH" => "STR_ENDS_WITH",
                _ => return None,
            },
            op["value"].clone(),
            "string",
        ),
        ("NUMBER", o) => (
            match o {
                "IS_EQUAL_TO" => "EQ",
                "IS_NOT_EQUAL_TO" => "NEQ",
                "IS_LESS_THAN" => "LT",
                "IS_LESS_THAN_OR_EQUAL_TO" => "LTE",
                "IS_GREATER_THAN" => "GT",
                "IS_GREATER_THAN_OR_EQUAL_TO" => "GTE",
                _ => return None,
            },
            op["value"].clone(),
            "number",
        ),
        ("BOOL", o) => (
            match o {
                "IS_EQUAL_TO" => "EQ",
                "IS_NOT_EQUAL_TO" => "NEQ",
                _ => return None,
            },
            op["value"].clone(),
            "bool",
        ),
        ("ENUMERATION", o) => (
            match o {
                "IS_ANY_OF" => "SET_ANY",
                "IS_NONE_OF" => "SET_NOT_ANY",
                "CONTAINS_ALL" => "SET_ALL",
                "DOES_NOT_CONTAIN_ALL" => "SET_NOT_ALL",
                "IS_EXACTLY" => "SET_EQ",
                "IS_NOT_EXACTLY" => "SET_NEQ",
                _ => return None,
            },
            json!(op["values"]
                .as_array()?
                .iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(";")),
            "enumeration",
        ),
        ("DATETIME", o) => (
            match o {
                "IS_EQUAL_TO" => "EQ",
                "IS_BEFORE" => "LT",
                "IS_AFTER" => "GT",
                _ => return None,
            },
            op["timestamp"].clone(),
            "datetime",
        ),
        _ => return None,
    };
    let mut out = json!({"filterFamily": "PropertyValue", "operator": operator, "property": property, "type": type_name});
    if !value.is_null() {
        out["value"] = value;
    }
    Some(out)
}
