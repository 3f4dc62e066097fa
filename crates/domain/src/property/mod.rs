//! HubSpot's property type system: definitions, groups, the standard contact
//! properties every portal starts with, and value validation.

mod reencode;
pub mod rules;
mod schema;
pub mod standard;
mod value;

pub use reencode::{reencode_stored_values, ValueRewrite};
pub use schema::PropertySchema;
pub use value::{normalize_value, InputValue, MAX_VALUE_CHARS};

use crate::time::Timestamp;
use serde::{Deserialize, Serialize};

/// A property's data type (`type` on the wire).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PropertyType {
    Bool,
    Date,
    Datetime,
    Enumeration,
    Number,
    PhoneNumber,
    String,
}

impl PropertyType {
    pub const ALL: [PropertyType; 7] = [
        PropertyType::Bool,
        PropertyType::Date,
        PropertyType::Datetime,
        PropertyType::Enumeration,
        PropertyType::Number,
        PropertyType::PhoneNumber,
        PropertyType::String,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PropertyType::Bool => "bool",
            PropertyType::Date => "date",
            PropertyType::Datetime => "datetime",
            PropertyType::Enumeration => "enumeration",
            PropertyType::Number => "number",
            PropertyType::PhoneNumber => "phone_number",
            PropertyType::String => "string",
        }
    }

    pub fn parse(text: &str) -> Option<PropertyType> {
        PropertyType::ALL.into_iter().find(|t| t.as_str() == text)
    }
}

/// How a property is edited in HubSpot's UI (`fieldType` on the wire).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    Booleancheckbox,
    CalculationEquation,
    Checkbox,
    Date,
    File,
    Html,
    Number,
    Phonenumber,
    Radio,
    Select,
    Text,
    Textarea,
}

impl FieldType {
    pub const ALL: [FieldType; 12] = [
        FieldType::Booleancheckbox,
        FieldType::CalculationEquation,
        FieldType::Checkbox,
        FieldType::Date,
        FieldType::File,
        FieldType::Html,
        FieldType::Number,
        FieldType::Phonenumber,
        FieldType::Radio,
        FieldType::Select,
        FieldType::Text,
        FieldType::Textarea,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FieldType::Booleancheckbox => "booleancheckbox",
            FieldType::CalculationEquation => "calculation_equation",
            FieldType::Checkbox => "checkbox",
            FieldType::Date => "date",
            FieldType::File => "file",
            FieldType::Html => "html",
            FieldType::Number => "number",
            FieldType::Phonenumber => "phonenumber",
            FieldType::Radio => "radio",
            FieldType::Select => "select",
            FieldType::Text => "text",
            FieldType::Textarea => "textarea",
        }
    }

    pub fn parse(text: &str) -> Option<FieldType> {
        FieldType::ALL.into_iter().find(|t| t.as_str() == text)
    }
}

/// One allowed value of an enumeration property.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PropertyOption {
    pub label: String,
    pub value: String,
    pub description: String,
    pub display_order: i32,
    pub hidden: bool,
}

/// A property definition. Standard (HubSpot-defined) and custom properties
/// share this shape; `hubspot_defined` tells them apart.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PropertyDefinition {
    pub name: String,
    pub label: String,
    pub description: String,
    pub group_name: String,
    pub property_type: PropertyType,
    pub field_type: FieldType,
    pub options: Vec<PropertyOption>,
    pub display_order: i32,
    /// No two contacts may hold the same value (compared case-insensitively).
    pub has_unique_value: bool,
    pub hidden: bool,
    pub form_field: bool,
    pub hubspot_defined: bool,
    pub calculated: bool,
    pub external_options: bool,
    /// Values are maintained by Spoke; writes are refused.
    pub read_only_value: bool,
    /// The definition cannot be changed.
    pub read_only_definition: bool,
    pub archivable: bool,
    pub show_currency_symbol: Option<bool>,
    pub number_display_hint: Option<String>,
    pub text_display_hint: Option<String>,
    pub date_display_hint: Option<String>,
    pub referenced_object_type: Option<String>,
    pub calculation_formula: Option<String>,
    pub currency_property_name: Option<String>,
    pub data_sensitivity: Option<String>,
    pub created_user_id: Option<String>,
    pub updated_user_id: Option<String>,
    pub created_at: Option<Timestamp>,
    pub updated_at: Option<Timestamp>,
    pub archived: bool,
    pub archived_at: Option<Timestamp>,
}

impl PropertyDefinition {
    /// A writable custom-looking definition with everything else defaulted;
    /// the standard catalogue and tests build on it.
    pub fn new(
        name: &str,
        label: &str,
        property_type: PropertyType,
        field_type: FieldType,
    ) -> Self {
        PropertyDefinition {
            name: name.to_string(),
            label: label.to_string(),
            description: String::new(),
            group_name: standard::CONTACT_INFORMATION.to_string(),
            property_type,
            field_type,
            options: Vec::new(),
            display_order: -1,
            has_unique_value: false,
            hidden: false,
            form_field: true,
            hubspot_defined: false,
            calculated: false,
            external_options: false,
            read_only_value: false,
            read_only_definition: false,
            archivable: true,
            show_currency_symbol: None,
            number_display_hint: None,
            text_display_hint: None,
            date_display_hint: None,
            referenced_object_type: None,
            calculation_formula: None,
            currency_property_name: None,
            data_sensitivity: None,
            created_user_id: None,
            updated_user_id: None,
            created_at: None,
            updated_at: None,
            archived: false,
            archived_at: None,
        }
    }

    /// Several values joined with `;` (multi-select checkboxes).
    pub fn is_multi_valued(&self) -> bool {
        self.property_type == PropertyType::Enumeration && self.field_type == FieldType::Checkbox
    }

    /// Values identify a contact: email, the visitor token (`hubspotutk`,
    /// by which the legacy API finds contacts), and every `hasUniqueValue`
    /// property.
    pub fn identifies_contact(&self) -> bool {
        self.has_unique_value || self.name == "email" || self.name == "hubspotutk"
    }
}

/// A property group (`groupName` of a definition points at one).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PropertyGroup {
    pub name: String,
    pub label: String,
    pub display_order: i32,
    pub hubspot_defined: bool,
    pub archived: bool,
}
