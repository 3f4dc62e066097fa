//! The standard contact properties and groups every portal starts with,
//! with HubSpot's names, labels, types, field types and options.

use super::{FieldType, PropertyDefinition, PropertyGroup, PropertyOption, PropertyType};

pub const CONTACT_INFORMATION: &str = "contactinformation";
pub const EMAIL_INFORMATION: &str = "emailinformation";
pub const SALES_PROPERTIES: &str = "sales_properties";
pub const SOCIAL_MEDIA: &str = "socialmediainformation";

/// Properties whose values Spoke computes on every write.
pub const CALCULATED_PROPERTIES: [&str; 3] = ["createdate", "hs_object_id", "lastmodifieddate"];

/// Returned by reads that name no properties (HubSpot's default set).
pub const DEFAULT_READ_PROPERTIES: [&str; 6] = [
    "createdate",
    "email",
    "firstname",
    "hs_object_id",
    "lastmodifieddate",
    "lastname",
];

pub fn contact_groups() -> Vec<PropertyGroup> {
    [
        (CONTACT_INFORMATION, "Contact information"),
        (EMAIL_INFORMATION, "Email information"),
        (SALES_PROPERTIES, "Sales properties"),
        (SOCIAL_MEDIA, "Social media information"),
    ]
    .into_iter()
    .enumerate()
    .map(|(order, (name, label))| PropertyGroup {
        name: name.to_string(),
        label: label.to_string(),
        display_order: order as i32,
        hubspot_defined: true,
        archived: false,
    })
    .collect()
}

fn options(pairs: &[(&str, &str)]) -> Vec<PropertyOption> {
    pairs
        .iter()
        .enumerate()
        .map(|(order, (value, label))| PropertyOption {
            label: label.to_string(),
            value: value.to_string(),
            description: String::new(),
            display_order: order as i32,
            hidden: false,
        })
        .collect()
}

pub const LIFECYCLE_STAGES: [(&str, &str); 8] = [
    ("subscriber", "Subscriber"),
    ("lead", "Lead"),
    ("marketingqualifiedlead", "Marketing Qualified Lead"),
    ("salesqualifiedlead", "Sales Qualified Lead"),
    ("opportunity", "Opportunity"),
    ("customer", "Customer"),
    ("evangelist", "Evangelist"),
    ("other", "Other"),
];

pub const LEAD_STATUSES: [(&str, &str); 8] = [
    ("NEW", "New"),
    ("OPEN", "Open"),
    ("IN_PROGRESS", "In Progress"),
    ("OPEN_DEAL", "Open Deal"),
    ("UNQUALIFIED", "Unqualified"),
    ("ATTEMPTED_TO_CONTACT", "Attempted to Contact"),
    ("CONNECTED", "Connected"),
    ("BAD_TIMING", "Bad Timing"),
];

const EMPLOYEE_RANGES: [(&str, &str); 7] = [
    ("1-5", "1-5"),
    ("5-25", "5-25"),
    ("25-50", "25-50"),
    ("50-100", "50-100"),
    ("100-500", "100-500"),
    ("500-1000", "500-1000"),
    ("1000+", "1000+"),
];

/// The standard contact properties, in display order.
pub fn contact_properties() -> Vec<PropertyDefinition> {
    use FieldType as F;
    use PropertyType as T;
    fn text(name: &'static str, label: &'static str) -> Row {
        (name, label, PropertyType::String, FieldType::Text)
    }
    fn phone(name: &'static str, label: &'static str) -> Row {
        (name, label, PropertyType::String, FieldType::Phonenumber)
    }
    type Row = (&'static str, &'static str, PropertyType, FieldType);
    let rows: Vec<Row> = vec![
        text("email", "Email"),
        text("firstname", "First Name"),
        text("lastname", "Last Name"),
        text("salutation", "Salutation"),
        phone("phone", "Phone Number"),
        phone("mobilephone", "Mobile Phone Number"),
        phone("fax", "Fax Number"),
        text("company", "Company Name"),
        text("website", "Website URL"),
        text("jobtitle", "Job Title"),
        text("industry", "Industry"),
        text("annualrevenue", "Annual Revenue"),
        (
            "numemployees",
            "Number of Employees",
            T::Enumeration,
            F::Select,
        ),
        text("address", "Street Address"),
        text("city", "City"),
        text("state", "State/Region"),
        text("zip", "Postal Code"),
        text("country", "Country/Region"),
        text("date_of_birth", "Date of birth"),
        ("message", "Message", T::String, F::Textarea),
        text("twitterhandle", "Twitter Username"),
        text("hubspotutk", "UserToken"),
        (
            "lifecyclestage",
            "Lifecycle Stage",
            T::Enumeration,
            F::Radio,
        ),
        ("hs_lead_status", "Lead Status", T::Enumeration, F::Radio),
        ("closedate", "Close Date", T::Datetime, F::Date),
        (
            "hs_additional_emails",
            "Additional email addresses",
            T::Enumeration,
            F::Checkbox,
        ),
        ("createdate", "Create Date", T::Datetime, F::Date),
        (
            "lastmodifieddate",
            "Last Modified Date",
            T::Datetime,
            F::Date,
        ),
        ("hs_object_id", "Record ID", T::Number, F::Number),
    ];
    rows.into_iter()
        .enumerate()
        .map(|(order, (name, label, ty, field))| {
            let mut def = PropertyDefinition::new(name, label, ty, field);
            def.hubspot_defined = true;
            def.read_only_definition = true;
            def.archivable = false;
            def.display_order = order as i32;
            match name {
                "lifecyclestage" => {
                    def.options = options(&LIFECYCLE_STAGES);
                    def.description = "The qualification of contacts to sales readiness.".into();
                }
                "hs_lead_status" => {
                    def.options = options(&LEAD_STATUSES);
                    def.group_name = SALES_PROPERTIES.into();
                    def.description =
                        "The contact's sales, prospecting or outreach status.".into();
                }
                "numemployees" => def.options = options(&EMPLOYEE_RANGES),
                "closedate" => def.group_name = SALES_PROPERTIES.into(),
                "twitterhandle" => def.group_name = SOCIAL_MEDIA.into(),
                "email" => {
                    def.description = "A contact's email address.".into();
                }
                "hubspotutk" => {
                    def.form_field = false;
                    def.description = "The visitor token (the hubspotutk cookie) of this contact's browser; the legacy API finds contacts by it. Spoke lets API writes set it, so such lookups can be tested.".into();
                }
                "hs_additional_emails" => {
                    // Managed through the secondary-email endpoints, not by writes.
                    def.read_only_value = true;
                    def.form_field = false;
                    def.description = "A set of additional email addresses for a contact.".into();
                }
                "createdate" | "lastmodifieddate" | "hs_object_id" => {
                    def.read_only_value = true;
                    def.calculated = false;
                    def.form_field = false;
                    def.description = match name {
                        "createdate" => "The date that a contact entered the system.",
                        "lastmodifieddate" => "Most recent timestamp of any property update for a contact.",
                        _ => "The unique ID for this record. This value is set automatically by HubSpot.",
                    }
                    .into();
                }
                _ => {}
            }
            def
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn every_required_standard_property_is_present_once() {
        let props = contact_properties();
        let names: HashSet<&str> = props.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names.len(), props.len(), "duplicate standard property");
        for required in [
            "email",
            "firstname",
            "lastname",
            "phone",
            "mobilephone",
            "company",
            "website",
            "jobtitle",
            "address",
            "city",
            "state",
            "zip",
            "country",
            "lifecyclestage",
            "hs_lead_status",
            "hs_additional_emails",
            "createdate",
            "lastmodifieddate",
            "hs_object_id",
        ] {
            assert!(names.contains(required), "{required} missing");
        }
    }

    #[test]
    fn every_standard_property_belongs_to_a_standard_group() {
        let groups: HashSet<String> = contact_groups().into_iter().map(|g| g.name).collect();
        for p in contact_properties() {
            assert!(
                groups.contains(&p.group_name),
                "{} has group {}",
                p.name,
                p.group_name
            );
        }
    }

    #[test]
    fn calculated_properties_are_read_only() {
        for p in contact_properties() {
            if CALCULATED_PROPERTIES.contains(&p.name.as_str()) {
                assert!(p.read_only_value, "{} must be read-only", p.name);
            }
        }
    }
}
