//! The v3 JSON shapes of properties and groups.

use serde::{Deserialize, Serialize};
use spoke_domain::property::rules::{GroupInput, PropertyInput};
use spoke_domain::property::{PropertyDefinition, PropertyGroup, PropertyOption};

/// `Option`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OptionBody {
    pub label: String,
    pub value: String,
    pub display_order: i32,
    pub hidden: bool,
    pub description: String,
}

impl From<&PropertyOption> for OptionBody {
    fn from(o: &PropertyOption) -> Self {
        OptionBody {
            label: o.label.clone(),
            value: o.value.clone(),
            display_order: o.display_order,
            hidden: o.hidden,
            description: o.description.clone(),
        }
    }
}

/// `PropertyModificationMetadata`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ModificationMetadata {
    pub archivable: bool,
    pub read_only_definition: bool,
    pub read_only_options: bool,
    pub read_only_value: bool,
}

/// `Property`: every field of the schema, absent optional ones as `null`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PropertyBody {
    pub updated_at: Option<String>,
    pub created_at: Option<String>,
    pub archived_at: Option<String>,
    pub name: String,
    pub label: String,
    #[serde(rename = "type")]
    pub property_type: &'static str,
    pub field_type: &'static str,
    pub description: String,
    pub group_name: String,
    pub options: Vec<OptionBody>,
    pub created_user_id: Option<String>,
    pub updated_user_id: Option<String>,
    pub referenced_object_type: Option<String>,
    pub display_order: i32,
    pub calculated: bool,
    pub external_options: bool,
    pub archived: bool,
    pub has_unique_value: bool,
    pub hidden: bool,
    pub hubspot_defined: bool,
    pub show_currency_symbol: Option<bool>,
    pub modification_metadata: ModificationMetadata,
    pub form_field: bool,
    pub data_sensitivity: String,
    pub sensitive_data_categories: Option<Vec<String>>,
    pub calculation_formula: Option<String>,
    pub currency_property_name: Option<String>,
    pub number_display_hint: Option<String>,
    pub text_display_hint: Option<String>,
    pub date_display_hint: Option<String>,
}

impl From<&PropertyDefinition> for PropertyBody {
    fn from(d: &PropertyDefinition) -> Self {
        PropertyBody {
            updated_at: d.updated_at.map(|t| t.to_iso()),
            created_at: d.created_at.map(|t| t.to_iso()),
            archived_at: d.archived_at.map(|t| t.to_iso()),
            name: d.name.clone(),
            label: d.label.clone(),
            property_type: d.property_type.as_str(),
            field_type: d.field_type.as_str(),
            description: d.description.clone(),
            group_name: d.group_name.clone(),
            options: d.options.iter().map(Into::into).collect(),
            created_user_id: d.created_user_id.clone(),
            updated_user_id: d.updated_user_id.clone(),
            referenced_object_type: d.referenced_object_type.clone(),
            display_order: d.display_order,
            calculated: d.calculated,
            external_options: d.external_options,
            archived: d.archived,
            has_unique_value: d.has_unique_value,
            hidden: d.hidden,
            hubspot_defined: d.hubspot_defined,
            show_currency_symbol: d.show_currency_symbol,
            modification_metadata: ModificationMetadata {
                archivable: d.archivable && !d.hubspot_defined,
                read_only_definition: d.read_only_definition,
                read_only_options: d.read_only_definition,
                read_only_value: d.read_only_value,
            },
            form_field: d.form_field,
            data_sensitivity: d
                .data_sensitivity
                .clone()
                .unwrap_or_else(|| "non_sensitive".into()),
            sensitive_data_categories: None,
            calculation_formula: d.calculation_formula.clone(),
            currency_property_name: d.currency_property_name.clone(),
            number_display_hint: d.number_display_hint.clone(),
            text_display_hint: d.text_display_hint.clone(),
            date_display_hint: d.date_display_hint.clone(),
        }
    }
}

/// `CollectionResponse…NoPaging`.
#[derive(Serialize)]
pub struct Results<T: Serialize> {
    pub results: Vec<T>,
}

/// `PropertyName`.
#[derive(Deserialize)]
pub struct PropertyName {
    pub name: String,
}

/// `BatchInputPropertyCreate`.
#[derive(Deserialize)]
pub struct BatchCreateInput {
    pub inputs: Vec<PropertyInput>,
}

/// `BatchReadInputPropertyName`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchReadInput {
    pub inputs: Vec<PropertyName>,
    #[serde(default)]
    pub archived: bool,
    pub data_sensitivity: Option<String>,
}

/// `BatchInputPropertyName`.
#[derive(Deserialize)]
pub struct BatchNamesInput {
    pub inputs: Vec<PropertyName>,
}

/// `PropertyGroup`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupBody {
    pub name: String,
    pub label: String,
    pub display_order: i32,
    pub archived: bool,
}

impl From<&PropertyGroup> for GroupBody {
    fn from(g: &PropertyGroup) -> Self {
        GroupBody {
            name: g.name.clone(),
            label: g.label.clone(),
            display_order: g.display_order,
            archived: g.archived,
        }
    }
}

/// `PropertyGroupCreate` and `PropertyGroupUpdate`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupInputBody {
    pub name: Option<String>,
    pub label: Option<String>,
    pub display_order: Option<i32>,
}

impl From<GroupInputBody> for GroupInput {
    fn from(b: GroupInputBody) -> Self {
        GroupInput {
            name: b.name,
            label: b.label,
            display_order: b.display_order,
        }
    }
}
