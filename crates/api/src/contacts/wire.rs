//! The v3 JSON shapes of contacts (SimplePublicObject and friends).

use serde::{Deserialize, Serialize};
use serde_json::Value;
use spoke_domain::contact::{Contact, PropertyHistory, PropertyVersion};
use spoke_domain::property::standard::{CALCULATED_PROPERTIES, DEFAULT_READ_PROPERTIES};
use spoke_domain::property::{InputValue, PropertySchema};
use std::collections::BTreeMap;

/// `SimplePublicObjectInputForCreate`.
#[derive(Deserialize)]
pub struct CreateInput {
    pub properties: serde_json::Map<String, Value>,
    #[serde(default)]
    pub associations: Vec<Value>,
}

/// `SimplePublicObjectInput` (PATCH).
#[derive(Deserialize)]
pub struct UpdateInput {
    pub properties: serde_json::Map<String, Value>,
}

/// Property values as clients send them.
pub fn input_values(properties: serde_json::Map<String, Value>) -> Vec<(String, InputValue)> {
    properties
        .into_iter()
        .map(|(name, value)| {
            let value = match value {
                Value::Null => InputValue::Null,
                Value::String(s) => InputValue::Text(s),
                Value::Number(n) => InputValue::Number(n.to_string()),
                Value::Bool(b) => InputValue::Bool(b),
                Value::Array(_) | Value::Object(_) => InputValue::Structured,
            };
            (name, value)
        })
        .collect()
}

/// Which properties a response carries.
pub enum Selection {
    /// HubSpot's default set, each only when it has a value.
    Defaults,
    /// The named properties: `null` when unset, left out when they are not
    /// (active) properties; the calculated ones always.
    Named(Vec<String>),
    /// Every property with a value (create and update responses).
    AllSet,
}

impl Selection {
    /// Whether the values depend on the portal's schema (to leave archived
    /// properties out). The default set is standard properties only, so the
    /// hottest read path skips the schema.
    pub fn needs_schema(&self) -> bool {
        !matches!(self, Selection::Defaults)
    }

    /// `schema` must be given when [`Selection::needs_schema`].
    pub fn values(
        &self,
        contact: &Contact,
        schema: Option<&PropertySchema>,
    ) -> BTreeMap<String, Option<String>> {
        let active = |name: &str| schema.is_none_or(|s| s.get(name).is_some());
        match self {
            Selection::AllSet => contact
                .values()
                .into_iter()
                .filter(|(name, _)| active(name))
                .map(|(name, value)| (name.to_string(), Some(value.into_owned())))
                .collect(),
            Selection::Defaults => DEFAULT_READ_PROPERTIES
                .iter()
                .filter_map(|name| {
                    contact
                        .value(name)
                        .map(|v| (name.to_string(), Some(v.into_owned())))
                })
                .collect(),
            Selection::Named(names) => {
                let mut out: BTreeMap<String, Option<String>> = CALCULATED_PROPERTIES
                    .iter()
                    .map(|name| {
                        (
                            name.to_string(),
                            contact.value(name).map(|v| v.into_owned()),
                        )
                    })
                    .collect();
                for name in names.iter().filter(|n| active(n)) {
                    out.insert(name.clone(), contact.value(name).map(|v| v.into_owned()));
                }
                out
            }
        }
    }
}

/// `ValueWithTimestamp`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ValueWithTimestamp {
    pub value: String,
    pub timestamp: String,
    pub source_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_label: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated_by_user_id: Option<i64>,
}

impl From<&PropertyVersion> for ValueWithTimestamp {
    fn from(v: &PropertyVersion) -> Self {
        ValueWithTimestamp {
            value: v.value.clone(),
            timestamp: v.timestamp.to_iso(),
            source_type: v.source.source_type.clone(),
            source_id: v.source.source_id.clone(),
            source_label: v.source.source_label.clone(),
            updated_by_user_id: v.source.updated_by_user_id,
        }
    }
}

/// `SimplePublicObject` (and `…WithAssociations`, whose associations Spoke
/// does not have yet).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SimplePublicObject {
    pub id: String,
    pub properties: BTreeMap<String, Option<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub properties_with_history: Option<BTreeMap<String, Vec<ValueWithTimestamp>>>,
    pub created_at: String,
    pub updated_at: String,
    pub archived: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub archived_at: Option<String>,
}

impl SimplePublicObject {
    pub fn new(
        contact: &Contact,
        selection: &Selection,
        schema: Option<&PropertySchema>,
        history: Option<&PropertyHistory>,
    ) -> Self {
        SimplePublicObject {
            id: contact.id.to_string(),
            properties: selection.values(contact, schema),
            properties_with_history: history.map(|h| {
                h.iter()
                    .map(|(name, versions)| {
                        (name.clone(), versions.iter().map(Into::into).collect())
                    })
                    .collect()
            }),
            created_at: contact.created_at.to_iso(),
            updated_at: contact.updated_at.to_iso(),
            archived: contact.archived(),
            archived_at: contact.archived_at.map(|t| t.to_iso()),
        }
    }
}

/// `NextPage`.
#[derive(Serialize)]
pub struct NextPage {
    pub after: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
}

/// `ForwardPaging`.
#[derive(Serialize)]
pub struct ForwardPaging {
    pub next: NextPage,
}

/// `CollectionResponseSimplePublicObjectWithAssociationsForwardPaging`.
#[derive(Serialize)]
pub struct Collection {
    pub results: Vec<SimplePublicObject>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub paging: Option<ForwardPaging>,
}

/// `SimplePublicUpsertObject`: a `SimplePublicObject` and whether it was
/// created.
#[derive(Serialize)]
pub struct UpsertObject {
    #[serde(flatten)]
    pub object: SimplePublicObject,
    pub new: bool,
}

/// `SimplePublicObjectBatchInputForCreate`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchCreateItem {
    pub properties: serde_json::Map<String, Value>,
    #[serde(default)]
    pub associations: Vec<Value>,
    pub object_write_trace_id: Option<String>,
}

/// `SimplePublicObjectBatchInput` and `…Upsert`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchWriteItem {
    pub id: Value,
    pub id_property: Option<String>,
    pub object_write_trace_id: Option<String>,
    pub properties: serde_json::Map<String, Value>,
}

/// `{ "inputs": [...] }`.
#[derive(Deserialize)]
pub struct Inputs<T> {
    pub inputs: Vec<T>,
}

/// `SimplePublicObjectId`.
#[derive(Deserialize)]
pub struct ObjectId {
    pub id: Value,
}

/// `BatchReadInputSimplePublicObjectId`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchReadInput {
    #[serde(default)]
    pub properties: Vec<String>,
    #[serde(default)]
    pub properties_with_history: Vec<String>,
    pub id_property: Option<String>,
    pub inputs: Vec<ObjectId>,
}

/// `PublicMergeInput`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MergeInput {
    pub primary_object_id: Value,
    pub object_id_to_merge: Value,
}

/// `PublicGdprDeleteInput`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GdprDeleteInput {
    pub object_id: Value,
    pub id_property: Option<String>,
}

/// Ids arrive as strings, or as numbers from hand-written clients.
pub fn id_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `CollectionResponseWithTotalSimplePublicObjectForwardPaging`.
#[derive(Serialize)]
pub struct SearchResults {
    pub total: u64,
    pub results: Vec<SimplePublicObject>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub paging: Option<ForwardPaging>,
}
