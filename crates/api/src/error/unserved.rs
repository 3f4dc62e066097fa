//! HubSpot APIs that Spoke does not serve, by path: a call to one gets a 404
//! that says so (and what Spoke serves), not the "no route" of a typo.

/// Path prefixes of HubSpot's APIs and what they are, most specific first.
const UNSERVED: &[(&str, &str)] = &[
    ("/crm/v3/objects/companies", "companies"),
    ("/crm/v3/objects/deals", "deals"),
    ("/crm/v3/objects/tickets", "tickets"),
    ("/crm/v3/objects/products", "products"),
    ("/crm/v3/objects/line_items", "line items"),
    ("/crm/v3/objects/quotes", "quotes"),
    ("/crm/v3/objects/leads", "leads"),
    ("/crm/v3/objects/calls", "calls (engagements)"),
    ("/crm/v3/objects/emails", "emails (engagements)"),
    ("/crm/v3/objects/meetings", "meetings (engagements)"),
    ("/crm/v3/objects/notes", "notes (engagements)"),
    ("/crm/v3/objects/tasks", "tasks (engagements)"),
    (
        "/crm/v3/objects/communications",
        "communications (engagements)",
    ),
    ("/crm/v3/objects", "CRM objects other than contacts"),
    ("/crm/objects/2026-03", "CRM objects other than contacts"),
    ("/crm/v4/associations", "associations"),
    ("/crm/v4/objects", "associations"),
    ("/crm/v3/associations", "associations"),
    ("/crm/associations", "associations"),
    ("/crm/v3/owners", "owners"),
    ("/crm/v3/pipelines", "pipelines"),
    ("/crm/v3/schemas", "custom object schemas"),
    ("/crm/v3/extensions", "CRM extensions"),
    ("/crm/v3/timeline", "timeline events"),
    ("/crm-associations/v1", "associations (v1)"),
    ("/companies/v2", "companies (v2)"),
    ("/deals/v1", "deals (v1)"),
    ("/engagements/v1", "engagements (v1)"),
    ("/owners/v2", "owners (v2)"),
    ("/crm-pipelines/v1", "pipelines (v1)"),
    ("/marketing", "marketing"),
    ("/marketing-emails", "marketing emails"),
    ("/email/public", "email events"),
    ("/forms", "forms"),
    ("/cms", "CMS"),
    ("/content", "CMS content"),
    ("/automation", "workflows"),
    ("/conversations", "conversations"),
    ("/files", "files"),
    ("/filemanager", "files"),
    ("/events", "custom events"),
    ("/analytics", "analytics"),
    ("/communication-preferences", "subscription preferences"),
    ("/settings", "account settings"),
    ("/e-commerce", "e-commerce bridge"),
    ("/cms/v3", "CMS"),
    ("/business-units", "business units"),
];

/// What Spoke serves, for the message.
const SERVED: &str = "contacts (v3, 2026-03 and v1), properties, lists, imports, exports, webhooks, OAuth and account details";

/// The HubSpot API `path` belongs to, when it is one Spoke does not serve.
pub fn unserved(path: &str) -> Option<&'static str> {
    if path.split('/').any(|segment| segment == "associations") {
        return Some("associations");
    }
    let contacts = ["/crm/v3/objects/contacts", "/crm/objects/2026-03/contacts"];
    if contacts.iter().any(|c| under(path, c)) {
        return None;
    }
    UNSERVED
        .iter()
        .find(|(prefix, _)| under(path, prefix))
        .map(|(_, api)| *api)
}

fn under(path: &str, prefix: &str) -> bool {
    path.strip_prefix(prefix)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// The 404 message for a call to an API Spoke does not serve.
pub fn message(api: &str, method: &str, path: &str) -> String {
    format!(
        "Spoke does not implement this HubSpot API ({api}): {method} {path}. It serves {SERVED}."
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hubspot_apis_spoke_does_not_serve_are_named() {
        assert_eq!(unserved("/crm/v3/objects/companies/12"), Some("companies"));
        assert_eq!(unserved("/crm/v3/objects/companies"), Some("companies"));
        assert_eq!(
            unserved("/crm/v4/associations/contacts/companies/batch/read"),
            Some("associations")
        );
        assert_eq!(
            unserved("/crm/v3/objects/2-1234"),
            Some("CRM objects other than contacts")
        );
        assert_eq!(unserved("/crm/v3/owners/"), Some("owners"));
        assert_eq!(
            unserved("/crm/v3/objects/companiesx"),
            Some("CRM objects other than contacts")
        );
        assert_eq!(
            unserved("/crm/v3/contactz"),
            None,
            "a typo is just no route"
        );
        assert_eq!(unserved("/crm/v3/objects/contacts/1/nothing"), None);
        assert_eq!(
            unserved("/crm/v3/objects/contacts/1/associations/companies"),
            Some("associations")
        );
        assert_eq!(unserved("/nothing"), None);
    }
}
