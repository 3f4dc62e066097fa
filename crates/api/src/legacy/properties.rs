//! Legacy contact properties and groups: `/properties/v1/contacts/...`,
//! in the v1 shapes (bare arrays, `displayName`, ms timestamps).

use crate::error::v1::V1Error;
use crate::extract::QueryParams;
use crate::extract::{JsonBody, Path, Portal};
use crate::wire::json;
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde::{Deserialize, Serialize};
use spoke_domain::property::rules::{GroupInput, OptionInput, PropertyInput};
use spoke_domain::property::{PropertyDefinition, PropertyGroup};

const PROPERTIES: &str = "/properties/v1/contacts/properties";
const GROUPS: &str = "/properties/v1/contacts/groups";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(PROPERTIES, get(list_properties).post(create_property))
        .route(
            &format!("{PROPERTIES}/named/{{name}}"),
            get(get_property)
                .put(update_property)
                .delete(delete_property),
        )
        .route(GROUPS, get(list_groups).post(create_group))
        .route(
            &format!("{GROUPS}/named/{{name}}"),
            get(get_group).put(update_group).delete(delete_group),
        )
}

/// A v1 enumeration option.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct V1Option {
    label: Option<String>,
    value: Option<String>,
    #[serde(default)]
    display_order: Option<i32>,
    #[serde(default)]
    hidden: Option<bool>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    read_only: Option<bool>,
}

/// A v1 property definition.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct V1Property {
    name: String,
    label: String,
    description: String,
    group_name: String,
    #[serde(rename = "type")]
    property_type: &'static str,
    field_type: &'static str,
    options: Vec<V1Option>,
    deleted: bool,
    form_field: bool,
    display_order: i32,
    read_only_value: bool,
    read_only_definition: bool,
    hidden: bool,
    mutable_definition_not_deletable: bool,
    favorited: bool,
    favorited_order: i32,
    calculated: bool,
    external_options: bool,
    display_mode: &'static str,
    show_currency_symbol: Option<bool>,
    /// HubSpot writes `true` for its own properties and `null` otherwise.
    hubspot_defined: Option<bool>,
    created_user_id: Option<String>,
    updated_user_id: Option<String>,
    searchable_in_global_search: bool,
    has_unique_value: bool,
    number_display_hint: Option<String>,
    text_display_hint: Option<String>,
    options_are_mutable: Option<bool>,
    referenced_object_type: Option<String>,
    is_customized_default: bool,
    currency_property_name: Option<String>,
    created_at: Option<i64>,
    updated_at: Option<i64>,
}

impl From<&PropertyDefinition> for V1Property {
    fn from(d: &PropertyDefinition) -> Self {
        V1Property {
            name: d.name.clone(),
            label: d.label.clone(),
            description: d.description.clone(),
            group_name: d.group_name.clone(),
            property_type: d.property_type.as_str(),
            field_type: d.field_type.as_str(),
            options: d
                .options
                .iter()
                .map(|o| V1Option {
                    label: Some(o.label.clone()),
                    value: Some(o.value.clone()),
                    display_order: Some(o.display_order),
                    hidden: Some(o.hidden),
                    description: Some(o.description.clone()),
                    read_only: Some(d.read_only_definition),
                })
                .collect(),
            deleted: d.archived,
            form_field: d.form_field,
            display_order: d.display_order,
            read_only_value: d.read_only_value,
            read_only_definition: d.read_only_definition,
            hidden: d.hidden,
            mutable_definition_not_deletable: d.hubspot_defined,
            favorited: false,
            favorited_order: -1,
            calculated: d.calculated,
            external_options: d.external_options,
            display_mode: "current_value",
            show_currency_symbol: d.show_currency_symbol,
            hubspot_defined: d.hubspot_defined.then_some(true),
            created_user_id: d.created_user_id.clone(),
            updated_user_id: d.updated_user_id.clone(),
            searchable_in_global_search: false,
            has_unique_value: d.has_unique_value,
            number_display_hint: d.number_display_hint.clone(),
            text_display_hint: d.text_display_hint.clone(),
            options_are_mutable: None,
            referenced_object_type: d.referenced_object_type.clone(),
            is_customized_default: false,
            currency_property_name: d.currency_property_name.clone(),
            created_at: d.created_at.map(|t| t.millis()),
            updated_at: d.updated_at.map(|t| t.millis()),
        }
    }
}

/// A v1 property definition as sent (create and update).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct V1PropertyInput {
    name: Option<String>,
    label: Option<String>,
    description: Option<String>,
    group_name: Option<String>,
    #[serde(rename = "type")]
    property_type: Option<String>,
    field_type: Option<String>,
    options: Option<Vec<V1Option>>,
    display_order: Option<i32>,
    has_unique_value: Option<bool>,
    hidden: Option<bool>,
    form_field: Option<bool>,
    external_options: Option<bool>,
    show_currency_symbol: Option<bool>,
    number_display_hint: Option<String>,
    text_display_hint: Option<String>,
    referenced_object_type: Option<String>,
    currency_property_name: Option<String>,
}

impl From<V1PropertyInput> for PropertyInput {
    fn from(b: V1PropertyInput) -> Self {
        PropertyInput {
            name: b.name,
            label: b.label,
            description: b.description,
            group_name: b.group_name,
            property_type: b.property_type,
            field_type: b.field_type,
            options: b.options.map(|options| {
                options
                    .into_iter()
                    .map(|o| OptionInput {
                        label: o.label,
                        value: o.value,
                        description: o.description,
                        display_order: o.display_order,
                        hidden: o.hidden,
                    })
                    .collect()
            }),
            display_order: b.display_order,
            has_unique_value: b.has_unique_value,
            hidden: b.hidden,
            form_field: b.form_field,
            external_options: b.external_options,
            show_currency_symbol: b.show_currency_symbol,
            number_display_hint: b.number_display_hint,
            text_display_hint: b.text_display_hint,
            referenced_object_type: b.referenced_object_type,
            currency_property_name: b.currency_property_name,
            ..PropertyInput::default()
        }
    }
}

/// A v1 property group.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct V1Group {
    name: String,
    display_name: String,
    display_order: i32,
    hubspot_defined: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    properties: Option<Vec<V1Property>>,
}

impl V1Group {
    fn new(group: &PropertyGroup, properties: Option<Vec<V1Property>>) -> Self {
        V1Group {
            name: group.name.clone(),
            display_name: group.label.clone(),
            display_order: group.display_order,
            hubspot_defined: group.hubspot_defined,
            properties,
        }
    }
}

/// A v1 property group as sent.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct V1GroupInput {
    name: Option<String>,
    display_name: Option<String>,
    display_order: Option<i32>,
}

impl From<V1GroupInput> for GroupInput {
    fn from(b: V1GroupInput) -> Self {
        GroupInput {
            name: b.name,
            label: b.display_name,
            display_order: b.display_order,
        }
    }
}

/// `GET /properties/v1/contacts/properties`: a bare array.
async fn list_properties(
    State(state): State<AppState>,
    Portal(portal): Portal,
) -> Result<Response, V1Error> {
    let all: Vec<V1Property> = state
        .crm
        .list_properties(portal, false)
        .await?
        .iter()
        .map(Into::into)
        .collect();
    Ok(json(StatusCode::OK, &all))
}

/// `POST /properties/v1/contacts/properties`: 200, or 409 when the name
/// exists.
async fn create_property(
    State(state): State<AppState>,
    Portal(portal): Portal,
    JsonBody(input): JsonBody<V1PropertyInput>,
) -> Result<Response, V1Error> {
    let def = state.crm.create_property(portal, &input.into()).await?;
    Ok(json(StatusCode::OK, &V1Property::from(&def)))
}

/// `GET /properties/v1/contacts/properties/named/:name`
async fn get_property(
    State(state): State<AppState>,
    Portal(portal): Portal,
    Path(name): Path<String>,
) -> Result<Response, V1Error> {
    let def = state.crm.get_property(portal, &name, false).await?;
    Ok(json(StatusCode::OK, &V1Property::from(&def)))
}

/// `PUT /properties/v1/contacts/properties/named/:name`
async fn update_property(
    State(state): State<AppState>,
    Portal(portal): Portal,
    Path(name): Path<String>,
    JsonBody(input): JsonBody<V1PropertyInput>,
) -> Result<Response, V1Error> {
    let def = state
        .crm
        .update_property(portal, &name, &input.into())
        .await?;
    Ok(json(StatusCode::OK, &V1Property::from(&def)))
}

/// `DELETE /properties/v1/contacts/properties/named/:name`: 204.
async fn delete_property(
    State(state): State<AppState>,
    Portal(portal): Portal,
    Path(name): Path<String>,
) -> Result<Response, V1Error> {
    // v1 clients expect a 404 for a name that is not (or no longer) there.
    state.crm.get_property(portal, &name, false).await?;
    state.crm.archive_property(portal, &name).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `GET /properties/v1/contacts/groups[?includeProperties=true]`
async fn list_groups(
    State(state): State<AppState>,
    Portal(portal): Portal,
    query: QueryParams,
) -> Result<Response, V1Error> {
    let include = query.bool("includeProperties")?.unwrap_or(false);
    let properties = if include {
        state.crm.list_properties(portal, false).await?
    } else {
        Vec::new()
    };
    let groups: Vec<V1Group> = state
        .crm
        .list_groups(portal)
        .await?
        .iter()
        .map(|g| {
            let members = include.then(|| {
                properties
                    .iter()
                    .filter(|p| p.group_name == g.name)
                    .map(Into::into)
                    .collect()
            });
            V1Group::new(g, members)
        })
        .collect();
    Ok(json(StatusCode::OK, &groups))
}

/// `POST /properties/v1/contacts/groups`
async fn create_group(
    State(state): State<AppState>,
    Portal(portal): Portal,
    JsonBody(input): JsonBody<V1GroupInput>,
) -> Result<Response, V1Error> {
    let group = state.crm.create_group(portal, &input.into()).await?;
    Ok(json(StatusCode::OK, &V1Group::new(&group, None)))
}

/// `GET /properties/v1/contacts/groups/named/:name`
async fn get_group(
    State(state): State<AppState>,
    Portal(portal): Portal,
    Path(name): Path<String>,
) -> Result<Response, V1Error> {
    let group = state.crm.get_group(portal, &name).await?;
    Ok(json(StatusCode::OK, &V1Group::new(&group, None)))
}

/// `PUT /properties/v1/contacts/groups/named/:name`
async fn update_group(
    State(state): State<AppState>,
    Portal(portal): Portal,
    Path(name): Path<String>,
    JsonBody(input): JsonBody<V1GroupInput>,
) -> Result<Response, V1Error> {
    let group = state.crm.update_group(portal, &name, &input.into()).await?;
    Ok(json(StatusCode::OK, &V1Group::new(&group, None)))
}

/// `DELETE /properties/v1/contacts/groups/named/:name`: 204.
async fn delete_group(
    State(state): State<AppState>,
    Portal(portal): Portal,
    Path(name): Path<String>,
) -> Result<Response, V1Error> {
    state.crm.archive_group(portal, &name).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
