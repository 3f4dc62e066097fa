//! Properties and groups: the list by group; create a property or a group;
//! edit a property's label and options; archive a custom property or an
//! empty custom group. Through the same rules as `/crm/v3/properties`.

use super::forms::Form;
use super::layout::{confirm, failure, Ctx};
use super::portal_id;
use super::portals::done_notice;
use crate::error::ApiError;
use crate::extract::QueryParams;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{html, Markup};
use spoke_domain::ids::PortalId;
use spoke_domain::property::rules::{GroupInput, OptionInput, PropertyInput};
use spoke_domain::property::PropertyDefinition;

/// The kinds a property can be created as: HubSpot's `type` and
/// `fieldType` pairs, as its UI offers them.
const KINDS: [(&str, &str, &str); 10] = [
    ("string", "text", "Single-line text"),
    ("string", "textarea", "Multi-line text"),
    ("number", "number", "Number"),
    ("enumeration", "select", "Dropdown select"),
    ("enumeration", "radio", "Radio select"),
    ("enumeration", "checkbox", "Multiple checkboxes"),
    ("bool", "booleancheckbox", "Single checkbox"),
    ("date", "date", "Date picker"),
    ("datetime", "date", "Date and time"),
    ("phone_number", "phonenumber", "Phone number"),
];

/// Options typed one per line, as `value` or `value | label`.
fn options(text: &str) -> Vec<OptionInput> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .enumerate()
        .map(|(i, line)| {
            let (value, label) = match line.split_once('|') {
                Some((v, l)) => (v.trim(), l.trim()),
                None => (line, line),
            };
            OptionInput {
                label: Some(label.to_string()),
                value: Some(value.to_string()),
                description: None,
                display_order: Some(i as i32),
                hidden: Some(false),
            }
        })
        .collect()
}

fn options_text(def: &PropertyDefinition) -> String {
    def.options
        .iter()
        .map(|o| {
            if o.label == o.value {
                o.value.clone()
            } else {
                format!("{} | {}", o.value, o.label)
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn base(portal: PortalId) -> String {
    format!("/_spoke/ui/portals/{portal}/properties")
}

pub async fn list(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    query: QueryParams,
) -> Response {
    let ctx = Ctx::new(&headers);
    let portal = match portal_id(&id) {
        Ok(p) => p,
        Err(err) => return failure(err),
    };
    listing(&state, &ctx, portal, StatusCode::OK, None, &query).await
}

async fn listing(
    state: &AppState,
    ctx: &Ctx,
    portal: PortalId,
    status: StatusCode,
    problem: Option<&str>,
    query: &QueryParams,
) -> Response {
    if let Err(err) = state.access.portal(portal).await {
        return failure(err);
    }
    let (properties, groups) = match (
        state.crm.list_properties(portal, false).await,
        state.crm.list_groups(portal).await,
    ) {
        (Ok(p), Ok(g)) => (p, g),
        (Err(err), _) | (_, Err(err)) => return failure(err),
    };
    let base = base(portal);
    let body = html! {
        h1 { "Properties of portal " (portal) }
        (done_notice(query))
        @if let Some(problem) = problem {
            p class="alert" role="alert" id="form-error" { (problem) }
        }
        @for group in &groups {
            @let members: Vec<&PropertyDefinition> = properties.iter().filter(|p| p.group_name == group.name).collect();
            section aria-labelledby={ "group-" (group.name) } {
                h2 id={ "group-" (group.name) } { (group.label) " " span class="muted" { "(" (group.name) ", " (members.len()) ")" } }
                @if !group.hubspot_defined && members.is_empty() {
                    (ctx.button(&format!("{base}/groups/{}/archive", group.name), "Archive this empty group", "secondary"))
                }
                @if !members.is_empty() {
                    div class="scroll" {
                        table {
                            thead { tr { th scope="col" { "Label" } th scope="col" { "Name" } th scope="col" { "Type" } th scope="col" { "Options" } th scope="col" { "Defined by" } } }
                            tbody {
                                @for p in &members {
                                    tr {
                                        td { a href={ (base) "/" (p.name) } { (p.label) } }
                                        td { code { (p.name) } }
                                        td { (p.property_type.as_str()) " / " (p.field_type.as_str()) }
                                        td { (p.options.len()) }
                                        td { @if p.hubspot_defined { "HubSpot" } @else { "custom" } }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        h2 { "Create a property" }
        form method="post" action=(base) id="new-property" {
            (ctx.csrf_field())
            div class="row" {
                div { label for="prop-label" { "Label" } input type="text" id="prop-label" name="label" required; }
                div { label for="prop-name" { "Internal name" } input type="text" id="prop-name" name="name" required pattern="[a-z][a-z0-9_]*"; }
            }
            div class="row" {
                div {
                    label for="prop-kind" { "Field type" }
                    select id="prop-kind" name="kind" {
                        @for (t, f, label) in KINDS { option value={ (t) ":" (f) } { (label) } }
                    }
                }
                div {
                    label for="prop-group" { "Group" }
                    select id="prop-group" name="group" {
                        @for g in &groups { option value=(g.name) selected[g.name == "contactinformation"] { (g.label) } }
                    }
                }
            }
            label for="prop-options" { "Options (for selects and checkboxes): one per line, " code { "value" } " or " code { "value | label" } }
            textarea id="prop-options" name="options" rows="4" {}
            button type="submit" { "Create property" }
        }
        h2 { "Create a group" }
        form method="post" action={ (base) "/groups" } {
            (ctx.csrf_field())
            div class="row" {
                div { label for="group-label" { "Label" } input type="text" id="group-label" name="label" required; }
                div { label for="group-name" { "Internal name" } input type="text" id="group-name" name="name" required; }
            }
            button type="submit" { "Create group" }
        }
    };
    ctx.page(status, "Properties", Some(portal), body)
}

/// A refused form, re-shown with the API's message.
async fn refused(
    state: &AppState,
    ctx: &Ctx,
    portal: PortalId,
    err: spoke_domain::Error,
) -> Response {
    let (status, body) = ApiError::from(err).parts();
    if status.is_server_error() {
        return failure(spoke_domain::Error::Internal(body.message));
    }
    let detail: Vec<String> = body.errors.iter().map(|e| e.message.clone()).collect();
    let text = if detail.is_empty() {
        body.message
    } else {
        format!("{} {}", body.message, detail.join(" "))
    };
    listing(
        state,
        ctx,
        portal,
        status,
        Some(&text),
        &QueryParams::parse(None),
    )
    .await
}

pub async fn create(State(state): State<AppState>, Path(id): Path<String>, form: Form) -> Response {
    let ctx = Ctx::new(&form.headers);
    let portal = match portal_id(&id) {
        Ok(p) => p,
        Err(err) => return failure(err),
    };
    let (property_type, field_type) = form
        .text("kind")
        .and_then(|k| k.split_once(':'))
        .map_or((None, None), |(t, f)| {
            (Some(t.to_string()), Some(f.to_string()))
        });
    let input = PropertyInput {
        name: form.text("name").map(str::to_string),
        label: form.text("label").map(str::to_string),
        group_name: form.text("group").map(str::to_string),
        property_type,
        field_type,
        options: Some(options(form.get("options").unwrap_or(""))),
        ..PropertyInput::default()
    };
    match state.crm.create_property(portal, &input).await {
        Ok(def) => {
            Redirect::to(&format!("{}/{}?done=saved", base(portal), def.name)).into_response()
        }
        Err(err) => refused(&state, &ctx, portal, err).await,
    }
}

pub async fn create_group(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: Form,
) -> Response {
    let ctx = Ctx::new(&form.headers);
    let portal = match portal_id(&id) {
        Ok(p) => p,
        Err(err) => return failure(err),
    };
    let input = GroupInput {
        name: form.text("name").map(str::to_string),
        label: form.text("label").map(str::to_string),
        display_order: None,
    };
    match state.crm.create_group(portal, &input).await {
        Ok(_) => Redirect::to(&format!("{}?done=saved", base(portal))).into_response(),
        Err(err) => refused(&state, &ctx, portal, err).await,
    }
}

pub async fn archive_group(
    State(state): State<AppState>,
    Path((id, name)): Path<(String, String)>,
    _form: Form,
) -> Response {
    let portal = match portal_id(&id) {
        Ok(p) => p,
        Err(err) => return failure(err),
    };
    match state.crm.archive_group(portal, &name).await {
        Ok(()) => Redirect::to(&format!("{}?done=archived-group", base(portal))).into_response(),
        Err(err) => failure(err),
    }
}

pub async fn show(
    State(state): State<AppState>,
    Path((id, name)): Path<(String, String)>,
    headers: HeaderMap,
    query: QueryParams,
) -> Response {
    let ctx = Ctx::new(&headers);
    let portal = match portal_id(&id) {
        Ok(p) => p,
        Err(err) => return failure(err),
    };
    property_page(&state, &ctx, portal, &name, StatusCode::OK, None, &query).await
}

async fn property_page(
    state: &AppState,
    ctx: &Ctx,
    portal: PortalId,
    name: &str,
    status: StatusCode,
    problem: Option<&str>,
    query: &QueryParams,
) -> Response {
    let def = match state.crm.get_property(portal, name, false).await {
        Ok(d) => d,
        Err(err) => return failure(err),
    };
    let path = format!("{}/{}", base(portal), def.name);
    let editable = !def.read_only_definition;
    let enumeration = def.property_type.as_str() == "enumeration";
    let body: Markup = html! {
        p { a href=(base(portal)) { "← Properties" } }
        h1 { (def.label) }
        (done_notice(query))
        @if let Some(problem) = problem {
            p class="alert" role="alert" id="form-error" { (problem) }
        }
        dl {
            dt { "Internal name" } dd { code { (def.name) } }
            dt { "Type" } dd { (def.property_type.as_str()) " / " (def.field_type.as_str()) }
            dt { "Group" } dd { (def.group_name) }
            dt { "Defined by" } dd { @if def.hubspot_defined { "HubSpot" } @else { "custom" } }
            @if !def.description.is_empty() { dt { "Description" } dd { (def.description) } }
        }
        @if editable {
            form method="post" action=(path) {
                (ctx.csrf_field())
                label for="edit-label" { "Label" }
                input type="text" id="edit-label" name="label" value=(def.label);
                @if enumeration {
                    label for="edit-options" { "Options: one per line, " code { "value" } " or " code { "value | label" } }
                    textarea id="edit-options" name="options" rows=(def.options.len().max(3) + 1) { (options_text(&def)) }
                }
                button type="submit" { "Save" }
            }
        } @else {
            p class="muted" { "HubSpot does not let this property's definition be changed." }
            @if enumeration {
                ul { @for o in &def.options { li { (o.label) " " code { (o.value) } } } }
            }
        }
        @if !def.hubspot_defined && def.archivable {
            h2 { "Archive" }
            form method="post" action={ (path) "/archive" } {
                (ctx.csrf_field())
                p { "Archived properties disappear from contacts and the API; HubSpot keeps them 90 days." }
                (confirm("confirm-archive", "Archive this property"))
                button type="submit" class="danger" { "Archive property" }
            }
        }
    };
    ctx.page(status, &def.label, Some(portal), body)
}

pub async fn edit(
    State(state): State<AppState>,
    Path((id, name)): Path<(String, String)>,
    form: Form,
) -> Response {
    let ctx = Ctx::new(&form.headers);
    let portal = match portal_id(&id) {
        Ok(p) => p,
        Err(err) => return failure(err),
    };
    let input = PropertyInput {
        label: form.text("label").map(str::to_string),
        options: form.get("options").map(options),
        ..PropertyInput::default()
    };
    match state.crm.update_property(portal, &name, &input).await {
        Ok(def) => {
            Redirect::to(&format!("{}/{}?done=saved", base(portal), def.name)).into_response()
        }
        Err(err) => {
            let (status, body) = ApiError::from(err).parts();
            if status.is_server_error() {
                return failure(spoke_domain::Error::Internal(body.message));
            }
            let detail: Vec<String> = body.errors.iter().map(|e| e.message.clone()).collect();
            let text = format!("{} {}", body.message, detail.join(" "));
            property_page(
                &state,
                &ctx,
                portal,
                &name,
                status,
                Some(text.trim()),
                &QueryParams::parse(None),
            )
            .await
        }
    }
}

pub async fn archive(
    State(state): State<AppState>,
    Path((id, name)): Path<(String, String)>,
    form: Form,
) -> Response {
    let portal = match portal_id(&id) {
        Ok(p) => p,
        Err(err) => return failure(err),
    };
    if !form.checked("confirm") {
        return super::portals::unconfirmed();
    }
    match state.crm.archive_property(portal, &name).await {
        Ok(()) => Redirect::to(&format!("{}?done=archived-property", base(portal))).into_response(),
        Err(err) => failure(err),
    }
}
