//! `POST /contacts/v1/contact/batch/`: creates or updates up to 1,000
//! contacts in one transaction. 202 with no body when all were written; a
//! single invalid input refuses the whole batch with 400, naming every
//! failing input as HubSpot does (`invalidEmails`, `failureMessages`).

use super::wire::{input_values, PropertyValue};
use crate::error::v1::V1Error;
use crate::error::validation_results;
use crate::extract::QueryParams;
use crate::extract::{JsonBody, Portal};
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{json, Value};
use spoke_domain::contact::ChangeSource;
use spoke_domain::crm::{BatchFailures, LegacyBatchItem};
use spoke_domain::error::ProblemCode;
use spoke_domain::property::InputValue;
use spoke_domain::Error;

#[derive(Deserialize)]
pub struct BatchItem {
    #[serde(default)]
    vid: Option<Value>,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    properties: Vec<PropertyValue>,
}

fn text_of(value: Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::String(s) => Some(s),
        other => Some(other.to_string()),
    }
}

pub async fn create_or_update(
    State(state): State<AppState>,
    Portal(portal): Portal,
    query: QueryParams,
    JsonBody(items): JsonBody<Vec<BatchItem>>,
) -> Result<Response, V1Error> {
    let source = ChangeSource {
        source_id: query.get("auditId").map(str::to_string),
        ..ChangeSource::api()
    };
    // The address each input gives, for `invalidEmails`.
    let mut emails: Vec<Option<String>> = Vec::with_capacity(items.len());
    let items = items
        .into_iter()
        .map(|item| {
            let properties = input_values(item.properties);
            let email = properties
                .iter()
                .find(|(name, _)| name == "email")
                .and_then(|(_, value)| match value {
                    InputValue::Text(text) => Some(text.clone()),
                    _ => None,
                })
                .or_else(|| item.email.clone());
            emails.push(email);
            LegacyBatchItem {
                vid: item.vid.and_then(text_of),
                email: item.email,
                properties,
            }
        })
        .collect();
    match state.crm.write_legacy_batch(portal, items, source).await? {
        Ok(()) => Ok(StatusCode::ACCEPTED.into_response()),
        Err(failures) => Err(refused(failures, &emails)),
    }
}

/// HubSpot's body for a refused batch.
fn refused(failures: BatchFailures, emails: &[Option<String>]) -> V1Error {
    let mut invalid_emails: Vec<String> = Vec::new();
    let mut messages: Vec<Value> = Vec::new();
    for (index, err) in failures {
        match &err {
            Error::InvalidPropertyValues(problems) => {
                for (problem, result) in problems.iter().zip(validation_results(problems)) {
                    if problem.code == ProblemCode::InvalidEmail {
                        invalid_emails.extend(emails.get(index).cloned().flatten());
                        messages.push(json!({
                            "index": index,
                            "error": { "status": "error", "message": problem.message },
                        }));
                    } else {
                        messages.push(json!({
                            "index": index,
                            "propertyValidationResult": result,
                        }));
                    }
                }
            }
            other => messages.push(json!({
                "index": index,
                "error": { "status": "error", "message": other.to_string() },
            })),
        }
    }
    V1Error::from(Error::invalid("Errors found processing batch update"))
        .with("invalidEmails", json!(invalid_emails))
        .with("failureMessages", Value::Array(messages))
}
