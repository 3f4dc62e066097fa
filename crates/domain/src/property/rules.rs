//! The rules for creating and changing property and group definitions:
//! names, type and field-type pairs, options, unique values, groups.
//! Every problem names the field it is about (HubSpot's `in`).

use super::{
    normalize_value, FieldType, InputValue, PropertyDefinition, PropertyGroup, PropertyOption,
    PropertySchema, PropertyType,
};
use crate::error::{Error, ErrorDetail, PropertyProblem};
use crate::time::Timestamp;
use serde::Deserialize;

/// HubSpot allows at most this many `hasUniqueValue` properties per object.
pub const MAX_UNIQUE_PROPERTIES: usize = 10;
/// Longest property or group name.
pub const MAX_NAME_CHARS: usize = 100;

const NUMBER_DISPLAY_HINTS: [&str; 6] = [
    "currency",
    "duration",
    "formatted",
    "percentage",
    "probability",
    "unformatted",
];
const TEXT_DISPLAY_HINTS: [&str; 8] = [
    "domain_name",
    "email",
    "ip_address",
    "multi_line",
    "phone_number",
    "physical_address",
    "postal_code",
    "unformatted_single_line",
];
const DATE_DISPLAY_HINTS: [&str; 4] = [
    "absolute",
    "absolute_with_relative",
    "time_since",
    "time_until",
];
const DATA_SENSITIVITIES: [&str; 3] = ["non_sensitive", "sensitive", "highly_sensitive"];

/// One enumeration option as a client sent it (HubSpot's `OptionInput`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OptionInput {
    pub label: Option<String>,
    pub value: Option<String>,
    pub description: Option<String>,
    pub display_order: Option<i32>,
    pub hidden: Option<bool>,
}

/// A property definition as a client sent it (create, or the fields of an
/// update). Everything is optional so that a missing field gets Spoke's own
/// message naming it. Deserialized from HubSpot's `PropertyCreate` and
/// `PropertyUpdate` bodies.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PropertyInput {
    pub name: Option<String>,
    pub label: Option<String>,
    pub description: Option<String>,
    pub group_name: Option<String>,
    #[serde(rename = "type")]
    pub property_type: Option<String>,
    pub field_type: Option<String>,
    pub options: Option<Vec<OptionInput>>,
    pub display_order: Option<i32>,
    pub has_unique_value: Option<bool>,
    pub hidden: Option<bool>,
    pub form_field: Option<bool>,
    pub external_options: Option<bool>,
    pub show_currency_symbol: Option<bool>,
    pub number_display_hint: Option<String>,
    pub text_display_hint: Option<String>,
    pub date_display_hint: Option<String>,
    pub referenced_object_type: Option<String>,
    pub calculation_formula: Option<String>,
    pub currency_property_name: Option<String>,
    pub data_sensitivity: Option<String>,
}

/// A property group as a client sent it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GroupInput {
    pub name: Option<String>,
    pub label: Option<String>,
    pub display_order: Option<i32>,
}

fn detail(field: &str, message: impl Into<String>) -> ErrorDetail {
    ErrorDetail::new(message).location(field)
}

/// HubSpot's naming rule for properties and groups: a lowercase letter, then
/// lowercase letters, digits and underscores; `hs_` is HubSpot's own.
pub fn check_name(name: &str, field: &str, what: &str) -> Option<ErrorDetail> {
    let mut chars = name.chars();
    let well_formed = chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if name.is_empty() {
        Some(detail(field, format!("The {what} name is required.")))
    } else if name.len() > MAX_NAME_CHARS {
        Some(detail(
            field,
            format!("The {what} name \"{name}\" is longer than {MAX_NAME_CHARS} characters."),
        ))
    } else if !well_formed {
        Some(detail(
            field,
            format!(
                "The {what} name \"{name}\" is not valid: it must start with a lowercase letter and contain only lowercase letters, digits and underscores."
            ),
        ))
    } else if name.starts_with("hs_") {
        Some(detail(
            field,
            format!("The {what} name \"{name}\" is not valid: names starting with \"hs_\" are reserved for HubSpot."),
        ))
    } else {
        None
    }
}

/// Field types each type may use.
fn field_types_of(ty: PropertyType) -> &'static [FieldType] {
    use FieldType as F;
    match ty {
        PropertyType::String => &[F::Text, F::Textarea, F::Html, F::File, F::Phonenumber],
        PropertyType::Number => &[F::Number, F::CalculationEquation],
        PropertyType::Bool => &[F::Booleancheckbox, F::CalculationEquation],
        PropertyType::Enumeration => &[F::Checkbox, F::Radio, F::Select, F::Booleancheckbox],
        PropertyType::Date | PropertyType::Datetime => &[F::Date],
        PropertyType::PhoneNumber => &[F::Phonenumber],
    }
}

/// HubSpot's options of a checkbox `bool` property.
fn yes_no_options() -> Vec<PropertyOption> {
    [("Yes", "true"), ("No", "false")]
        .iter()
        .enumerate()
        .map(|(i, (label, value))| PropertyOption {
            label: label.to_string(),
            value: value.to_string(),
            description: String::new(),
            display_order: i as i32,
            hidden: false,
        })
        .collect()
}

fn parse_type(text: &str, problems: &mut Vec<ErrorDetail>) -> Option<PropertyType> {
    let parsed = PropertyType::parse(text);
    if parsed.is_none() {
        let all: Vec<&str> = PropertyType::ALL.iter().map(|t| t.as_str()).collect();
        problems.push(detail(
            "type",
            format!(
                "\"{text}\" is not a property type; use one of {}.",
                all.join(", ")
            ),
        ));
    }
    parsed
}

fn parse_field_type(text: &str, problems: &mut Vec<ErrorDetail>) -> Option<FieldType> {
    let parsed = FieldType::parse(text);
    if parsed.is_none() {
        let all: Vec<&str> = FieldType::ALL.iter().map(|t| t.as_str()).collect();
        problems.push(detail(
            "fieldType",
            format!(
                "\"{text}\" is not a field type; use one of {}.",
                all.join(", ")
            ),
        ));
    }
    parsed
}

fn build_options(inputs: &[OptionInput], problems: &mut Vec<ErrorDetail>) -> Vec<PropertyOption> {
    let mut options: Vec<PropertyOption> = Vec::new();
    for (i, input) in inputs.iter().enumerate() {
        let at = |field: &str| format!("options[{i}].{field}");
        let label = input.label.clone().unwrap_or_default();
        let value = input.value.clone().unwrap_or_default();
        if label.is_empty() {
            problems.push(detail(&at("label"), format!("Option {i} has no label.")));
        }
        if value.is_empty() {
            problems.push(detail(&at("value"), format!("Option {i} has no value.")));
        } else if value.contains(';') {
            problems.push(detail(
                &at("value"),
                format!("Option value \"{value}\" contains ';', which separates values of multi-select properties."),
            ));
        } else if options.iter().any(|o| o.value == value) {
            problems.push(detail(
                &at("value"),
                format!("Option value \"{value}\" appears more than once."),
            ));
        }
        options.push(PropertyOption {
            label,
            value,
            description: input.description.clone().unwrap_or_default(),
            display_order: input.display_order.unwrap_or(i as i32),
            hidden: input.hidden.unwrap_or(false),
        });
    }
    options
}

fn check_hint(
    value: &Option<String>,
    allowed: &[&str],
    field: &str,
    problems: &mut Vec<ErrorDetail>,
) {
    if let Some(v) = value {
        if !allowed.contains(&v.as_str()) {
            problems.push(detail(
                field,
                format!(
                    "\"{v}\" is not a valid {field}; use one of {}.",
                    allowed.join(", ")
                ),
            ));
        }
    }
}

/// Checks a whole definition: type and field type agree, options suit the
/// type, the group exists, hints are known values.
fn check_definition(
    def: &PropertyDefinition,
    groups: &[PropertyGroup],
    problems: &mut Vec<ErrorDetail>,
) {
    if def.label.trim().is_empty() {
        problems.push(detail("label", "The property label is required."));
    }
    if !field_types_of(def.property_type).contains(&def.field_type) {
        let allowed: Vec<&str> = field_types_of(def.property_type)
            .iter()
            .map(|f| f.as_str())
            .collect();
        problems.push(detail(
            "fieldType",
            format!(
                "Field type \"{}\" cannot be used with type \"{}\"; use one of {}.",
                def.field_type.as_str(),
                def.property_type.as_str(),
                allowed.join(", ")
            ),
        ));
    }
    let bool_values = |o: &PropertyOption| o.value == "true" || o.value == "false";
    match def.property_type {
        PropertyType::Enumeration => {}
        PropertyType::Bool if def.options.iter().all(bool_values) => {}
        PropertyType::Bool => problems.push(detail(
            "options",
            "The options of a bool property may only have the values \"true\" and \"false\".",
        )),
        other if !def.options.is_empty() => problems.push(detail(
            "options",
            format!(
                "Options are only allowed on enumeration properties, not on type \"{}\".",
                other.as_str()
            ),
        )),
        _ => {}
    }
    if def.field_type == FieldType::CalculationEquation && def.calculation_formula.is_none() {
        problems.push(detail(
            "calculationFormula",
            "A calculation_equation property needs a calculationFormula.",
        ));
    }
    if !groups
        .iter()
        .any(|g| g.name == def.group_name && !g.archived)
    {
        problems.push(detail(
            "groupName",
            format!("Property group \"{}\" does not exist.", def.group_name),
        ));
    }
    check_hint(
        &def.number_display_hint,
        &NUMBER_DISPLAY_HINTS,
        "numberDisplayHint",
        problems,
    );
    check_hint(
        &def.text_display_hint,
        &TEXT_DISPLAY_HINTS,
        "textDisplayHint",
        problems,
    );
    check_hint(
        &def.date_display_hint,
        &DATE_DISPLAY_HINTS,
        "dateDisplayHint",
        problems,
    );
    check_hint(
        &def.data_sensitivity,
        &DATA_SENSITIVITIES,
        "dataSensitivity",
        problems,
    );
}

/// Copies the optional fields an update may change onto `def`.
fn apply_common(def: &mut PropertyDefinition, input: &PropertyInput) {
    let PropertyInput {
        label,
        description,
        group_name,
        display_order,
        hidden,
        form_field,
        external_options,
        show_currency_symbol,
        number_display_hint,
        text_display_hint,
        date_display_hint,
        calculation_formula,
        currency_property_name,
        ..
    } = input;
    if let Some(v) = label {
        def.label = v.clone();
    }
    if let Some(v) = description {
        def.description = v.clone();
    }
    if let Some(v) = group_name {
        def.group_name = v.clone();
    }
    if let Some(v) = display_order {
        def.display_order = *v;
    }
    if let Some(v) = hidden {
        def.hidden = *v;
    }
    if let Some(v) = form_field {
        def.form_field = *v;
    }
    if let Some(v) = external_options {
        def.external_options = *v;
    }
    if let Some(v) = show_currency_symbol {
        def.show_currency_symbol = Some(*v);
    }
    for (target, value) in [
        (&mut def.number_display_hint, number_display_hint),
        (&mut def.text_display_hint, text_display_hint),
        (&mut def.date_display_hint, date_display_hint),
        (&mut def.calculation_formula, calculation_formula),
        (&mut def.currency_property_name, currency_property_name),
    ] {
        if let Some(v) = value {
            *target = Some(v.clone());
        }
    }
}

/// The 400 for these problems, one per field: a missing field is not also
/// reported as empty.
fn refusal(mut problems: Vec<ErrorDetail>) -> Error {
    let mut seen = Vec::new();
    problems.retain(|p| {
        let first = !seen.contains(&p.location);
        seen.push(p.location.clone());
        first
    });
    Error::invalid_fields(problems)
}

fn invalid_unless_empty(problems: Vec<ErrorDetail>) -> Result<(), Error> {
    if problems.is_empty() {
        Ok(())
    } else {
        Err(refusal(problems))
    }
}

/// Builds a new custom property from a create request.
pub fn new_property(
    input: &PropertyInput,
    schema: &PropertySchema,
    groups: &[PropertyGroup],
    now: Timestamp,
) -> Result<PropertyDefinition, Error> {
    let mut problems = Vec::new();
    let name = input.name.clone().unwrap_or_default();
    problems.extend(check_name(&name, "name", "property"));
    for (value, field) in [
        (&input.label, "label"),
        (&input.property_type, "type"),
        (&input.field_type, "fieldType"),
        (&input.group_name, "groupName"),
    ] {
        if value.is_none() {
            problems.push(detail(field, format!("The field \"{field}\" is required.")));
        }
    }
    let ty = input
        .property_type
        .as_deref()
        .and_then(|t| parse_type(t, &mut problems));
    let field = input
        .field_type
        .as_deref()
        .and_then(|f| parse_field_type(f, &mut problems));
    let options = build_options(input.options.as_deref().unwrap_or(&[]), &mut problems);
    // A missing or unknown type or field type is among the problems.
    let (Some(ty), Some(field)) = (ty, field) else {
        return Err(refusal(problems));
    };
    let mut def = PropertyDefinition::new(&name, "", ty, field);
    apply_common(&mut def, input);
    def.options = if ty == PropertyType::Bool && options.is_empty() {
        yes_no_options()
    } else {
        options
    };
    def.has_unique_value = input.has_unique_value.unwrap_or(false);
    def.referenced_object_type = input.referenced_object_type.clone();
    def.data_sensitivity = input.data_sensitivity.clone();
    def.created_at = Some(now);
    def.updated_at = Some(now);
    check_definition(&def, groups, &mut problems);
    if def.has_unique_value {
        let unique_allowed = matches!(
            (ty, field),
            (PropertyType::String, FieldType::Text) | (PropertyType::Number, FieldType::Number)
        );
        if !unique_allowed {
            problems.push(detail(
                "hasUniqueValue",
                "Only single-line text (string/text) and number properties can require unique values.",
            ));
        }
        let unique = schema.active().filter(|d| d.has_unique_value).count();
        if unique >= MAX_UNIQUE_PROPERTIES {
            problems.push(detail(
                "hasUniqueValue",
                format!("A portal may have at most {MAX_UNIQUE_PROPERTIES} properties with unique values."),
            ));
        }
    }
    invalid_unless_empty(problems)?;
    if let Some(existing) = schema.get_including_archived(&name) {
        return Err(Error::AlreadyExists(if existing.archived {
            format!("A property named \"{name}\" exists already, archived; archived properties keep their names.")
        } else {
            format!("A property named \"{name}\" exists already.")
        }));
    }
    Ok(def)
}

/// Applies an update to an existing definition. HubSpot-defined and
/// read-only definitions refuse every change; a name or unique-value change
/// is refused; type changes are checked here for shape, and against
/// existing values by [`reencode_value`] when stored.
pub fn updated_property(
    existing: &PropertyDefinition,
    input: &PropertyInput,
    groups: &[PropertyGroup],
    now: Timestamp,
) -> Result<PropertyDefinition, Error> {
    if existing.read_only_definition || existing.hubspot_defined {
        return Err(Error::invalid(format!(
            "\"{}\" is a HubSpot-defined property; its definition cannot be changed.",
            existing.name
        )));
    }
    let mut problems = Vec::new();
    if input.name.as_deref().is_some_and(|n| n != existing.name) {
        problems.push(detail("name", "A property cannot be renamed."));
    }
    if input
        .has_unique_value
        .is_some_and(|u| u != existing.has_unique_value)
    {
        problems.push(detail(
            "hasUniqueValue",
            "hasUniqueValue is fixed when a property is created.",
        ));
    }
    let mut def = existing.clone();
    apply_common(&mut def, input);
    if let Some(t) = &input.property_type {
        if let Some(ty) = parse_type(t, &mut problems) {
            def.property_type = ty;
        }
    }
    if let Some(f) = &input.field_type {
        if let Some(field) = parse_field_type(f, &mut problems) {
            def.field_type = field;
        }
    }
    if let Some(options) = &input.options {
        def.options = build_options(options, &mut problems);
    }
    if def.property_type == PropertyType::Bool && def.options.is_empty() {
        def.options = yes_no_options();
    }
    let keeps_options = matches!(
        def.property_type,
        PropertyType::Enumeration | PropertyType::Bool
    );
    if !keeps_options && input.options.is_none() && existing.property_type != def.property_type {
        // Leaving enumeration (or bool) drops its options.
        def.options.clear();
    }
    check_definition(&def, groups, &mut problems);
    invalid_unless_empty(problems)?;
    def.updated_at = Some(now);
    Ok(def)
}

/// A stored value in the form `def` (a changed definition) requires, or the
/// reason it cannot be kept.
pub fn reencode_value(
    def: &PropertyDefinition,
    stored: &str,
) -> Result<Option<String>, PropertyProblem> {
    normalize_value(def, &InputValue::text(stored))
}

/// Whether a definition change may alter how stored values are written.
pub fn changes_values(old: &PropertyDefinition, new: &PropertyDefinition) -> bool {
    old.property_type != new.property_type || old.field_type != new.field_type
}

/// A new custom group.
pub fn new_group(input: &GroupInput, groups: &[PropertyGroup]) -> Result<PropertyGroup, Error> {
    let mut problems = Vec::new();
    let name = input.name.clone().unwrap_or_default();
    problems.extend(check_name(&name, "name", "group"));
    let label = input.label.clone().unwrap_or_default();
    if label.trim().is_empty() {
        problems.push(detail("label", "The group label is required."));
    }
    invalid_unless_empty(problems)?;
    if let Some(existing) = groups.iter().find(|g| g.name == name) {
        return Err(Error::AlreadyExists(if existing.archived {
            format!("A property group named \"{name}\" exists already, archived.")
        } else {
            format!("A property group named \"{name}\" exists already.")
        }));
    }
    Ok(PropertyGroup {
        name,
        label,
        display_order: input.display_order.unwrap_or(-1),
        hubspot_defined: false,
        archived: false,
    })
}

/// A group's label and display order changed.
pub fn updated_group(existing: &PropertyGroup, input: &GroupInput) -> Result<PropertyGroup, Error> {
    let mut problems = Vec::new();
    if input.name.as_deref().is_some_and(|n| n != existing.name) {
        problems.push(detail("name", "A property group cannot be renamed."));
    }
    if input.label.as_deref().is_some_and(|l| l.trim().is_empty()) {
        problems.push(detail("label", "The group label cannot be empty."));
    }
    invalid_unless_empty(problems)?;
    let mut group = existing.clone();
    if let Some(label) = &input.label {
        group.label = label.clone();
    }
    if let Some(order) = input.display_order {
        group.display_order = order;
    }
    Ok(group)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::property::standard;

    fn schema() -> PropertySchema {
        PropertySchema::new(standard::contact_properties())
    }

    fn input(name: &str, ty: &str, field: &str) -> PropertyInput {
        PropertyInput {
            name: Some(name.into()),
            label: Some("Label".into()),
            group_name: Some("contactinformation".into()),
            property_type: Some(ty.into()),
            field_type: Some(field.into()),
            ..PropertyInput::default()
        }
    }

    fn fields_of(err: Error) -> Vec<String> {
        match err {
            Error::Invalid(invalid) => invalid
                .details
                .into_iter()
                .map(|d| d.location.unwrap_or_default())
                .collect(),
            other => panic!("not a validation error: {other:?}"),
        }
    }

    fn create(i: &PropertyInput) -> Result<PropertyDefinition, Error> {
        new_property(i, &schema(), &standard::contact_groups(), Timestamp::now())
    }

    #[test]
    fn a_valid_property_of_each_type_is_accepted() {
        for (ty, field) in [
            ("string", "text"),
            ("number", "number"),
            ("bool", "booleancheckbox"),
            ("enumeration", "select"),
            ("date", "date"),
            ("datetime", "date"),
            ("phone_number", "phonenumber"),
        ] {
            let def = create(&input("my_prop", ty, field)).unwrap_or_else(|e| panic!("{ty}: {e}"));
            assert!(!def.hubspot_defined);
        }
    }

    #[test]
    fn bool_properties_get_yes_and_no_options() {
        let def = create(&input("flag", "bool", "booleancheckbox")).unwrap();
        let values: Vec<&str> = def.options.iter().map(|o| o.value.as_str()).collect();
        assert_eq!(values, ["true", "false"]);
    }

    #[test]
    fn names_follow_hubspots_rules() {
        for bad in [
            "",
            "Upper",
            "1abc",
            "has space",
            "hs_mine",
            "dash-ed",
            &"a".repeat(101),
        ] {
            assert_eq!(
                fields_of(create(&input(bad, "string", "text")).unwrap_err()),
                ["name"],
                "{bad:?}"
            );
        }
    }

    #[test]
    fn every_missing_required_field_is_named() {
        let err = create(&PropertyInput::default()).unwrap_err();
        assert_eq!(
            fields_of(err),
            ["name", "label", "type", "fieldType", "groupName"]
        );
    }

    #[test]
    fn definitions_are_checked_field_by_field() {
        let unknown_type = input("p", "text", "text");
        assert_eq!(fields_of(create(&unknown_type).unwrap_err()), ["type"]);
        let mismatch = input("p", "number", "text");
        assert_eq!(fields_of(create(&mismatch).unwrap_err()), ["fieldType"]);
        let mut options_on_string = input("p", "string", "text");
        options_on_string.options = Some(vec![OptionInput {
            label: Some("A".into()),
            value: Some("a".into()),
            ..OptionInput::default()
        }]);
        assert_eq!(
            fields_of(create(&options_on_string).unwrap_err()),
            ["options"]
        );
        let mut duplicates = input("p", "enumeration", "radio");
        let option = |v: &str| OptionInput {
            label: Some(v.to_uppercase()),
            value: Some(v.into()),
            ..OptionInput::default()
        };
        duplicates.options = Some(vec![option("a"), option("b"), option("a")]);
        assert_eq!(
            fields_of(create(&duplicates).unwrap_err()),
            ["options[2].value"]
        );
        let mut unknown_group = input("p", "string", "text");
        unknown_group.group_name = Some("nowhere".into());
        assert_eq!(
            fields_of(create(&unknown_group).unwrap_err()),
            ["groupName"]
        );
    }

    #[test]
    fn unique_values_only_for_text_and_numbers() {
        let mut ok = input("code", "string", "text");
        ok.has_unique_value = Some(true);
        assert!(create(&ok).unwrap().has_unique_value);
        let mut bad = input("code", "enumeration", "select");
        bad.has_unique_value = Some(true);
        assert_eq!(fields_of(create(&bad).unwrap_err()), ["hasUniqueValue"]);
    }

    #[test]
    fn existing_names_conflict_even_when_archived() {
        assert!(matches!(
            create(&input("email", "string", "text")),
            Err(Error::AlreadyExists(_))
        ));
        let mut defs = standard::contact_properties();
        let mut custom =
            PropertyDefinition::new("old", "Old", PropertyType::String, FieldType::Text);
        custom.archived = true;
        defs.push(custom);
        let err = new_property(
            &input("old", "string", "text"),
            &PropertySchema::new(defs),
            &standard::contact_groups(),
            Timestamp::now(),
        )
        .unwrap_err();
        assert!(
            matches!(&err, Error::AlreadyExists(m) if m.contains("archived")),
            "{err:?}"
        );
    }

    #[test]
    fn standard_definitions_refuse_updates() {
        let email = schema().get("email").unwrap().clone();
        let change = PropertyInput {
            label: Some("E-mail".into()),
            ..PropertyInput::default()
        };
        let err = updated_property(
            &email,
            &change,
            &standard::contact_groups(),
            Timestamp::now(),
        );
        assert!(matches!(err, Err(Error::Invalid(_))));
    }

    #[test]
    fn type_changes_are_shaped_and_values_reencoded() {
        let old = create(&input("size", "string", "text")).unwrap();
        let change = PropertyInput {
            property_type: Some("number".into()),
            field_type: Some("number".into()),
            ..PropertyInput::default()
        };
        let new =
            updated_property(&old, &change, &standard::contact_groups(), Timestamp::now()).unwrap();
        assert!(changes_values(&old, &new));
        assert_eq!(reencode_value(&new, "42.50").unwrap(), Some("42.5".into()));
        assert!(reencode_value(&new, "large").is_err());
        let half = PropertyInput {
            property_type: Some("number".into()),
            ..PropertyInput::default()
        };
        let err = updated_property(&old, &half, &standard::contact_groups(), Timestamp::now());
        assert_eq!(fields_of(err.unwrap_err()), ["fieldType"]);
    }

    #[test]
    fn groups_have_names_and_labels() {
        let groups = standard::contact_groups();
        let ok = GroupInput {
            name: Some("billing".into()),
            label: Some("Billing".into()),
            display_order: None,
        };
        assert_eq!(new_group(&ok, &groups).unwrap().display_order, -1);
        let dup = GroupInput {
            name: Some("contactinformation".into()),
            label: Some("x".into()),
            display_order: None,
        };
        assert!(matches!(
            new_group(&dup, &groups),
            Err(Error::AlreadyExists(_))
        ));
        assert!(matches!(
            new_group(&GroupInput::default(), &groups),
            Err(Error::Invalid(_))
        ));
    }
}
