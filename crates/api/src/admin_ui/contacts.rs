//! Contacts: the table (columns, free-text search, one filter, sorting,
//! paging) and a contact's page (every value, editable; its history as a
//! timeline; its lists; the webhook deliveries that carried its events;
//! archive, restore and GDPR delete).

use super::forms::Form;
use super::layout::{confirm, failure, when, Ctx};
use super::portal_id;
use super::portals::{done_notice, unconfirmed};
use crate::error::ApiError;
use crate::extract::QueryParams;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{html, Markup};
use spoke_domain::contact::{ChangeSource, Contact, ContactLookup};
use spoke_domain::ids::{ContactId, PortalId};
use spoke_domain::property::{InputValue, PropertyDefinition, PropertySchema};
use spoke_domain::search::{FilterInput, Operator, SearchInput, SortInput};
use spoke_domain::webhooks::store::DeliveryFilter;
use spoke_domain::Error;
use std::collections::BTreeMap;

/// Rows per page of the table.
const PAGE: usize = 25;
/// Columns shown when none are chosen.
const DEFAULT_COLUMNS: [&str; 4] = ["email", "firstname", "lastname", "lastmodifieddate"];
/// Most columns one table shows.
const MAX_COLUMNS: usize = 12;
/// Filter rows of the table's form (all must pass).
const FILTER_ROWS: usize = 3;

/// A write made from this page: HubSpot's source for a person in its UI,
/// so webhooks carry `changeSource: CRM_UI` as on HubSpot.
fn ui_source() -> ChangeSource {
    ChangeSource {
        source_type: "CRM_UI".into(),
        source_id: None,
        source_label: None,
        updated_by_user_id: None,
    }
}

fn contact_path(portal: PortalId, id: ContactId) -> String {
    format!("/_spoke/ui/portals/{portal}/contacts/{id}")
}

/// What the table was asked for, from the query string.
struct TableQuery {
    text: Option<String>,
    columns: Vec<String>,
    /// Filters, all of which a contact must pass: property, operator, value.
    filters: Vec<(String, Operator, Option<String>)>,
    sort: Option<String>,
    descending: bool,
    after: Option<String>,
    archived: bool,
}

impl TableQuery {
    fn parse(query: &QueryParams, schema: &PropertySchema) -> TableQuery {
        let mut columns: Vec<String> = query
            .list("columns")
            .into_iter()
            .filter(|c| schema.get(c).is_some())
            .take(MAX_COLUMNS)
            .collect();
        if columns.is_empty() {
            columns = DEFAULT_COLUMNS.iter().map(|c| c.to_string()).collect();
        }
        let text = |key: &str| {
            query
                .get(key)
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_string)
        };
        let properties = query.all("property");
        let operators = query.all("operator");
        let values = query.all("value");
        let filters = properties
            .iter()
            .enumerate()
            .filter(|(_, p)| !p.trim().is_empty())
            .take(FILTER_ROWS)
            .map(|(i, p)| {
                let operator = operators
                    .get(i)
                    .and_then(|o| Operator::parse(o))
                    .unwrap_or(Operator::Eq);
                let value = values
                    .get(i)
                    .map(|v| v.trim().to_string())
                    .filter(|v| !v.is_empty());
                (p.trim().to_string(), operator, value)
            })
            .collect();
        TableQuery {
            text: text("q"),
            columns,
            filters,
            sort: text("sort"),
            descending: query.get("direction") == Some("desc"),
            after: text("after"),
            archived: query.get("archived") == Some("true"),
        }
    }

    /// Whether the search engine answers (else the id-ordered listing,
    /// whose cursor pages a million contacts as fast as ten).
    fn searching(&self) -> bool {
        !self.archived && (self.text.is_some() || !self.filters.is_empty() || self.sort.is_some())
    }

    /// The query string of this table with another `after`.
    fn link(&self, after: Option<&str>) -> String {
        let mut pairs: Vec<(&str, String)> = vec![("columns", self.columns.join(","))];
        if let Some(t) = &self.text {
            pairs.push(("q", t.clone()));
        }
        for (property, operator, value) in &self.filters {
            pairs.push(("property", property.clone()));
            pairs.push(("operator", operator.as_str().to_string()));
            pairs.push(("value", value.clone().unwrap_or_default()));
        }
        if let Some(s) = &self.sort {
            pairs.push(("sort", s.clone()));
            pairs.push((
                "direction",
                if self.descending { "desc" } else { "asc" }.into(),
            ));
        }
        if self.archived {
            pairs.push(("archived", "true".into()));
        }
        if let Some(a) = after {
            pairs.push(("after", a.to_string()));
        }
        let mut out = form_urlencoded::Serializer::new(String::new());
        for (k, v) in pairs {
            out.append_pair(k, &v);
        }
        out.finish()
    }
}

/// Operators offered by the filter form: those that take one value or none.
const OPERATORS: [Operator; 8] = [
    Operator::Eq,
    Operator::Neq,
    Operator::ContainsToken,
    Operator::Lt,
    Operator::Gt,
    Operator::HasProperty,
    Operator::NotHasProperty,
    Operator::NotContainsToken,
];

pub async fn table(
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
    if let Err(err) = state.access.portal(portal).await {
        return failure(err);
    }
    let schema = match state.crm.schema(portal).await {
        Ok(s) => s,
        Err(err) => return failure(err),
    };
    let asked = TableQuery::parse(&query, &schema);
    let (contacts, total, next) = match rows(&state, portal, &asked).await {
        Ok(found) => found,
        Err(err) => {
            // A bad search (an unknown property, a value of the wrong
            // type) is shown above the form, as the API words it.
            let (status, body) = ApiError::from(err).parts();
            if status.is_server_error() {
                return failure(Error::Internal(body.message));
            }
            return ctx.page(
                status,
                "Contacts",
                Some(portal),
                table_page(
                    &ctx,
                    portal,
                    &schema,
                    &asked,
                    &[],
                    None,
                    None,
                    Some(&body.message),
                    html! {},
                ),
            );
        }
    };
    ctx.page(
        StatusCode::OK,
        "Contacts",
        Some(portal),
        table_page(
            &ctx,
            portal,
            &schema,
            &asked,
            &contacts,
            total,
            next.as_deref(),
            None,
            done_notice(&query),
        ),
    )
}

type Rows = (Vec<Contact>, Option<u64>, Option<String>);

async fn rows(state: &AppState, portal: PortalId, asked: &TableQuery) -> Result<Rows, Error> {
    if !asked.searching() {
        let after = match asked.after.as_deref() {
            None => None,
            Some(a) => Some(ContactId::parse(a).ok_or_else(|| {
                Error::invalid_field("after", format!("\"{a}\" is not a contact id."))
            })?),
        };
        let page = state
            .crm
            .list_contacts(portal, after, PAGE, asked.archived)
            .await?;
        return Ok((
            page.contacts,
            None,
            page.next_after.map(|id| id.to_string()),
        ));
    }
    let filters: Vec<FilterInput> = asked
        .filters
        .iter()
        .map(|(property, operator, value)| FilterInput {
            property_name: Some(property.clone()),
            operator: Some(operator.as_str().to_string()),
            value: value.clone(),
            ..FilterInput::default()
        })
        .collect();
    let input = SearchInput {
        filter_groups: if filters.is_empty() {
            Vec::new()
        } else {
            vec![filters]
        },
        sorts: asked
            .sort
            .iter()
            .map(|s| SortInput {
                property_name: s.clone(),
                descending: asked.descending,
            })
            .collect(),
        query: asked.text.clone(),
        limit: Some(PAGE as i64),
        after: asked.after.clone(),
    };
    let page = state.crm.search(portal, &input).await?;
    Ok((
        page.contacts,
        Some(page.total),
        page.next_after.map(|n| n.to_string()),
    ))
}

fn label<'a>(schema: &'a PropertySchema, name: &'a str) -> &'a str {
    schema.get(name).map_or(name, |d| d.label.as_str())
}

#[allow(clippy::too_many_arguments)]
fn table_page(
    ctx: &Ctx,
    portal: PortalId,
    schema: &PropertySchema,
    asked: &TableQuery,
    contacts: &[Contact],
    total: Option<u64>,
    next: Option<&str>,
    problem: Option<&str>,
    notice: Markup,
) -> Markup {
    let _ = ctx;
    let base = format!("/_spoke/ui/portals/{portal}/contacts");
    let mut names: Vec<&PropertyDefinition> = schema.all().filter(|d| !d.archived).collect();
    names.sort_by(|a, b| a.label.cmp(&b.label));
    html! {
        h1 { "Contacts of portal " (portal) }
        (notice)
        form method="get" action=(base) role="search" {
            div class="row" {
                div {
                    label for="q" { "Search" }
                    input type="search" id="q" name="q" value=[asked.text.as_deref()] placeholder="Name, email, phone, company…";
                }
                div {
                    label for="columns" { "Columns (property names, comma-separated)" }
                    input type="text" id="columns" name="columns" value=(asked.columns.join(","));
                }
            }
            fieldset {
                legend { "Filters (a contact must pass all)" }
                @for i in 0..FILTER_ROWS {
                    @let row = asked.filters.get(i);
                    div class="row" {
                        div {
                            label for={ "property-" (i) } { "Property" }
                            select id={ "property-" (i) } name="property" {
                                option value="" { "(no filter)" }
                                @for d in &names {
                                    option value=(d.name) selected[row.is_some_and(|r| r.0 == d.name)] { (d.label) " (" (d.name) ")" }
                                }
                            }
                        }
                        div {
                            label for={ "operator-" (i) } { "Operator" }
                            select id={ "operator-" (i) } name="operator" {
                                @for op in OPERATORS {
                                    option value=(op.as_str()) selected[row.is_some_and(|r| r.1 == op)] { (op.as_str()) }
                                }
                            }
                        }
                        div {
                            label for={ "value-" (i) } { "Value" }
                            input type="text" id={ "value-" (i) } name="value" value=[row.and_then(|r| r.2.as_deref())];
                        }
                    }
                }
            }
            div class="row" {
                div {
                    label for="sort" { "Sort by" }
                    select id="sort" name="sort" {
                        option value="" { "(id order)" }
                        @for d in &names {
                            option value=(d.name) selected[asked.sort.as_deref() == Some(d.name.as_str())] { (d.label) }
                        }
                    }
                }
                div {
                    label for="direction" { "Direction" }
                    select id="direction" name="direction" {
                        option value="asc" selected[!asked.descending] { "ascending" }
                        option value="desc" selected[asked.descending] { "descending" }
                    }
                }
                div {
                    label class="confirm" for="archived" {
                        input type="checkbox" id="archived" name="archived" value="true" checked[asked.archived];
                        " Archived contacts"
                    }
                }
            }
            button type="submit" { "Show" }
            " " a href=(base) { "Clear" }
        }
        @if let Some(problem) = problem {
            p class="alert" role="alert" id="search-error" { (problem) }
        }
        @if let Some(total) = total {
            p class="muted" { (total) " contacts match." }
        }
        div class="scroll" {
            table id="contacts" {
                thead {
                    tr {
                        th scope="col" { "ID" }
                        @for c in &asked.columns { th scope="col" { (label(schema, c)) } }
                    }
                }
                tbody {
                    @for contact in contacts {
                        tr {
                            td { a href=(contact_path(portal, contact.id)) { (contact.id) } }
                            @for c in &asked.columns {
                                td { (contact.properties.get(c).map(String::as_str).unwrap_or("")) }
                            }
                        }
                    }
                }
            }
        }
        @if contacts.is_empty() && problem.is_none() {
            p class="muted" { "No contacts." }
        }
        nav class="pager" aria-label="Pages" {
            @if asked.after.is_some() {
                a href={ (base) "?" (asked.link(None)) } { "First page" }
            }
            @if let Some(next) = next {
                a href={ (base) "?" (asked.link(Some(next))) } rel="next" { "Next page" }
            }
        }
    }
}

/// A contact, active or archived.
async fn find(state: &AppState, portal: PortalId, id: &str) -> Result<Contact, Error> {
    let lookup = ContactLookup::Id(
        ContactId::parse(id)
            .ok_or_else(|| Error::NotFound(format!("\"{id}\" is not a contact id.")))?,
    );
    match state.crm.get_contact(portal, &lookup, false).await {
        Err(Error::NotFound(_)) => state.crm.get_contact(portal, &lookup, true).await,
        other => other,
    }
}

/// What the edit form sent back, when it failed: the values as typed and
/// each refused property's message.
#[derive(Default)]
struct Submitted {
    values: BTreeMap<String, String>,
    problems: BTreeMap<String, String>,
    message: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    Path((portal, id)): Path<(String, String)>,
    headers: HeaderMap,
    query: QueryParams,
) -> Response {
    let ctx = Ctx::new(&headers);
    let portal = match portal_id(&portal) {
        Ok(p) => p,
        Err(err) => return failure(err),
    };
    contact_page(
        &state,
        &ctx,
        portal,
        &id,
        StatusCode::OK,
        Submitted::default(),
        &query,
    )
    .await
}

async fn contact_page(
    state: &AppState,
    ctx: &Ctx,
    portal: PortalId,
    id: &str,
    status: StatusCode,
    submitted: Submitted,
    query: &QueryParams,
) -> Response {
    let contact = match find(state, portal, id).await {
        Ok(c) => c,
        Err(err) => return failure(err),
    };
    let schema = match state.crm.schema(portal).await {
        Ok(s) => s,
        Err(err) => return failure(err),
    };
    let names: Vec<String> = schema
        .all()
        .filter(|d| !d.archived)
        .map(|d| d.name.clone())
        .collect();
    let history = match state
        .crm
        .property_history(portal, std::slice::from_ref(&contact), &names)
        .await
    {
        Ok(mut h) => h.remove(&contact.id).unwrap_or_default(),
        Err(err) => return failure(err),
    };
    let memberships = match state.lists.contact_memberships(portal, &[contact.id]).await {
        Ok(m) => m,
        Err(err) => return failure(err),
    };
    let mut lists = Vec::new();
    for m in &memberships {
        let name = match state.lists.get(portal, m.list).await {
            Ok(list) => list.name,
            Err(_) => String::new(),
        };
        lists.push((m, name));
    }
    let deliveries = match state
        .webhooks
        .deliveries(&DeliveryFilter {
            portal: Some(portal),
            limit: 200,
            ..DeliveryFilter::default()
        })
        .await
    {
        Ok(d) => d,
        Err(err) => return failure(err),
    };
    let object_id = contact.id.to_string().parse::<i64>().unwrap_or(-1);
    let deliveries: Vec<_> = deliveries
        .into_iter()
        .filter(|d| d.events.iter().any(|e| e.object_id == object_id))
        .take(20)
        .collect();

    // Every version of every property, newest first.
    let mut timeline: Vec<(&str, &spoke_domain::contact::PropertyVersion)> = history
        .iter()
        .flat_map(|(name, versions)| versions.iter().map(move |v| (name.as_str(), v)))
        .collect();
    timeline.sort_by(|a, b| b.1.timestamp.cmp(&a.1.timestamp).then(a.0.cmp(b.0)));

    let mut defs: Vec<&PropertyDefinition> =
        schema.all().filter(|d| !d.archived && !d.hidden).collect();
    defs.sort_by(|a, b| a.label.cmp(&b.label));
    let set: Vec<&&PropertyDefinition> = defs
        .iter()
        .filter(|d| {
            contact.properties.contains_key(&d.name) || submitted.values.contains_key(&d.name)
        })
        .collect();
    let unset: Vec<&&PropertyDefinition> = defs
        .iter()
        .filter(|d| !contact.properties.contains_key(&d.name) && !d.read_only_value)
        .collect();
    let path = contact_path(portal, contact.id);
    let title = contact_title(&contact);
    let body = html! {
        p { a href={ "/_spoke/ui/portals/" (portal) "/contacts" } { "← Contacts" } }
        h1 { (title) }
        (done_notice(query))
        @if contact.archived() {
            p class="alert" { "This contact is archived (since " (contact.archived_at.map(when).unwrap_or_default()) "). It can be restored for 90 days." }
        }
        @if let Some(message) = &submitted.message {
            div class="alert" role="alert" id="form-error" {
                p { strong { "Nothing was saved." } }
                p { (message) }
            }
        }
        p class="muted" { "Contact " (contact.id) " · created " (when(contact.created_at)) " · updated " (when(contact.updated_at)) }
        h2 { "Properties" }
        form method="post" action=(path) id="edit" novalidate {
            (ctx.csrf_field())
            div class="scroll" {
                table {
                    thead { tr { th scope="col" { "Property" } th scope="col" { "Value" } } }
                    tbody {
                        @for d in &set {
                            @let field = format!("p:{}", d.name);
                            @let id = format!("field-{}", d.name);
                            @let current = contact.properties.get(&d.name).map(String::as_str).unwrap_or("");
                            @let shown = submitted.values.get(&d.name).map(String::as_str).unwrap_or(current);
                            @let problem = submitted.problems.get(&d.name);
                            tr {
                                th scope="row" { label for=(id) { (d.label) } span class="muted" { " " (d.name) } }
                                td {
                                    @if d.read_only_value || contact.archived() {
                                        span id=(id) { (current) }
                                    } @else {
                                        input type="text" id=(id) name=(field) value=(shown)
                                            aria-invalid=[problem.map(|_| "true")]
                                            aria-describedby=[problem.map(|_| format!("{id}-error"))];
                                        @if let Some(problem) = problem {
                                            p class="field-error" id={ (id) "-error" } { (problem) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            @if !contact.archived() {
                fieldset {
                    legend { "Set another property" }
                    div class="row" {
                        div {
                            label for="new-name" { "Property" }
                            select id="new-name" name="new_name" {
                                option value="" { "(choose)" }
                                @for d in &unset { option value=(d.name) { (d.label) " (" (d.name) ")" } }
                            }
                        }
                        div {
                            label for="new-value" { "Value" }
                            input type="text" id="new-value" name="new_value";
                        }
                    }
                }
                button type="submit" { "Save" }
            }
        }
        h2 { "History" }
        @if timeline.is_empty() {
            p class="muted" { "No recorded changes." }
        } @else {
            ol class="timeline" id="history" {
                @for (name, version) in &timeline {
                    li {
                        strong { (label(&schema, name)) } " set to "
                        @if version.value.is_empty() { em { "(cleared)" } } @else { q { (version.value) } }
                        br;
                        span class="muted" { (when(version.timestamp)) " · " (version.source.source_type)
                            @if let Some(l) = &version.source.source_label { " · " (l) } }
                    }
                }
            }
        }
        h2 { "Lists" }
        @if lists.is_empty() {
            p class="muted" { "In no list." }
        } @else {
            ul { @for (m, name) in &lists { li { (name) " (list " (m.list.0) "), added " (when(m.added_at)) } } }
        }
        h2 { "Webhook deliveries" }
        @if deliveries.is_empty() {
            p class="muted" { "No delivery carried this contact's events (among the portal's last 200)." }
        } @else {
            table {
                thead { tr { th scope="col" { "Delivery" } th scope="col" { "Events" } th scope="col" { "Status" } th scope="col" { "Attempts" } th scope="col" { "Created" } } }
                tbody {
                    @for d in &deliveries {
                        tr {
                            td { (d.id) }
                            td { @for e in d.events.iter().filter(|e| e.object_id == object_id) { (e.subscription_type) @if let Some(p) = &e.property_name { " (" (p) ")" } br; } }
                            td { (d.status.as_str()) }
                            td { (d.attempts.len()) }
                            td { (when(d.created_at)) }
                        }
                    }
                }
            }
        }
        h2 { "Archive, restore, delete" }
        @if contact.archived() {
            (ctx.button(&format!("{path}/restore"), "Restore contact", ""))
        } @else {
            (ctx.button(&format!("{path}/archive"), "Archive contact", "secondary"))
        }
        @if !contact.archived() {
            form method="post" action={ (path) "/merge" } {
                (ctx.csrf_field())
                label for="merge-id" { "Merge another contact into this one (its id)" }
                input type="text" id="merge-id" name="merge_id" inputmode="numeric" required;
                p class="muted" { "As HubSpot merges: this contact's values win where both have one; the other is merged away and its id now leads here." }
                (confirm("confirm-merge", "Merge them"))
                button type="submit" class="secondary" { "Merge" }
            }
        }
        form method="post" action={ (path) "/gdpr-delete" } {
            (ctx.csrf_field())
            p { "A GDPR delete removes the person for good: values, history and events; the email cannot be used again." }
            (confirm("confirm-gdpr", "I understand this cannot be undone"))
            button type="submit" class="danger" { "Delete permanently (GDPR)" }
        }
    };
    ctx.page(status, &title, Some(portal), body)
}

fn contact_title(contact: &Contact) -> String {
    let get = |n: &str| contact.properties.get(n).map(String::as_str).unwrap_or("");
    let name = format!("{} {}", get("firstname"), get("lastname"));
    let name = name.trim();
    match (name.is_empty(), get("email")) {
        (false, _) => name.to_string(),
        (true, "") => format!("Contact {}", contact.id),
        (true, email) => email.to_string(),
    }
}

pub async fn edit(
    State(state): State<AppState>,
    Path((portal, id)): Path<(String, String)>,
    form: Form,
) -> Response {
    let ctx = Ctx::new(&form.headers);
    let portal = match portal_id(&portal) {
        Ok(p) => p,
        Err(err) => return failure(err),
    };
    let contact = match find(&state, portal, &id).await {
        Ok(c) => c,
        Err(err) => return failure(err),
    };
    // Only values that changed are written, so saving the page does not
    // fill the history with unchanged values.
    let mut input: Vec<(String, InputValue)> = Vec::new();
    let mut typed = BTreeMap::new();
    for (key, value) in form.fields.pairs() {
        if let Some(name) = key.strip_prefix("p:") {
            typed.insert(name.to_string(), value.to_string());
            let current = contact
                .properties
                .get(name)
                .map(String::as_str)
                .unwrap_or("");
            if value != current {
                input.push((name.to_string(), InputValue::Text(value.to_string())));
            }
        }
    }
    if let Some(name) = form.text("new_name") {
        let value = form.get("new_value").unwrap_or("").to_string();
        typed.insert(name.to_string(), value.clone());
        input.retain(|(n, _)| n != name);
        input.push((name.to_string(), InputValue::Text(value)));
    }
    let path = contact_path(portal, contact.id);
    if input.is_empty() {
        return Redirect::to(&path).into_response();
    }
    match state
        .crm
        .update_contact(portal, &ContactLookup::Id(contact.id), &input, ui_source())
        .await
    {
        Ok(_) => Redirect::to(&format!("{path}?done=saved")).into_response(),
        Err(err) => {
            let (status, body) = ApiError::from(err).parts();
            if status.is_server_error() {
                return failure(Error::Internal(body.message));
            }
            let problems = body
                .errors
                .iter()
                .filter_map(|e| {
                    let name = e.context.get("propertyName")?.first()?;
                    Some((name.clone(), e.message.clone()))
                })
                .collect();
            let submitted = Submitted {
                values: typed,
                problems,
                message: Some(body.message),
            };
            contact_page(
                &state,
                &ctx,
                portal,
                &id,
                status,
                submitted,
                &QueryParams::parse(None),
            )
            .await
        }
    }
}

pub async fn archive(
    State(state): State<AppState>,
    Path((portal, id)): Path<(String, String)>,
    _form: Form,
) -> Response {
    let portal = match portal_id(&portal) {
        Ok(p) => p,
        Err(err) => return failure(err),
    };
    let contact = match find(&state, portal, &id).await {
        Ok(c) => c,
        Err(err) => return failure(err),
    };
    match state
        .crm
        .archive_contact(portal, &ContactLookup::Id(contact.id))
        .await
    {
        Ok(()) => Redirect::to(&format!(
            "{}?done=archived",
            contact_path(portal, contact.id)
        ))
        .into_response(),
        Err(err) => failure(err),
    }
}

pub async fn restore(
    State(state): State<AppState>,
    Path((portal, id)): Path<(String, String)>,
    _form: Form,
) -> Response {
    let portal = match portal_id(&portal) {
        Ok(p) => p,
        Err(err) => return failure(err),
    };
    match state.crm.restore_contact(portal, &id).await {
        Ok(contact) => Redirect::to(&format!(
            "{}?done=restored-contact",
            contact_path(portal, contact.id)
        ))
        .into_response(),
        Err(err) => failure(err),
    }
}

pub async fn gdpr_delete(
    State(state): State<AppState>,
    Path((portal, id)): Path<(String, String)>,
    form: Form,
) -> Response {
    let portal = match portal_id(&portal) {
        Ok(p) => p,
        Err(err) => return failure(err),
    };
    if !form.checked("confirm") {
        return unconfirmed();
    }
    match state.crm.gdpr_delete(portal, &id, None).await {
        Ok(_) => Redirect::to(&format!(
            "/_spoke/ui/portals/{portal}/contacts?done=gdpr-deleted"
        ))
        .into_response(),
        Err(err) => failure(err),
    }
}

pub async fn merge(
    State(state): State<AppState>,
    Path((portal, id)): Path<(String, String)>,
    form: Form,
) -> Response {
    let portal = match portal_id(&portal) {
        Ok(p) => p,
        Err(err) => return failure(err),
    };
    if !form.checked("confirm") {
        return unconfirmed();
    }
    let other = form.text("merge_id").unwrap_or("");
    match state.crm.merge_contacts(portal, &id, other).await {
        Ok(merged) => Redirect::to(&format!("{}?done=merged", contact_path(portal, merged.id)))
            .into_response(),
        Err(err) => failure(err),
    }
}
