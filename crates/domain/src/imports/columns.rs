//! Which property each column of an import file fills.
//!
//! A column is mapped, in this order, by an explicit mapping (`--map
//! "Column=property"`, or the `columnMappings` of HubSpot's import
//! request; an empty property skips the column), by a property's internal
//! name, or by a property's label (both without regard to case). A column
//! that maps to nothing refuses the whole import before any row is read, so
//! a typo never silently drops a column of data. The one exception are
//! the columns of values Spoke computes (`hs_object_id`, `createdate`,
//! `lastmodifieddate`, as exports write them): they are skipped unless
//! mapped explicitly, so an export imports back as it is.

use crate::error::{Error, Result};
use crate::property::standard::CALCULATED_PROPERTIES;
use crate::property::PropertySchema;

/// One column of the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Column {
    pub header: String,
    /// The property it fills; `None` when the column is skipped.
    pub property: Option<String>,
}

/// The file's columns, mapped; one of them holds the email address that
/// identifies each row's contact.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Columns {
    pub columns: Vec<Column>,
    pub email: usize,
}

/// An explicit mapping of one column (`None`: skip it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ColumnMapping {
    pub column: String,
    pub property: Option<String>,
}

impl ColumnMapping {
    /// `Column=property` (`Column=` skips the column).
    pub fn parse(text: &str) -> Result<ColumnMapping> {
        let (column, property) = text.rsplit_once('=').ok_or_else(|| {
            Error::invalid_field(
                "map",
                format!("\"{text}\" is not a mapping: write Column=property, or Column= to skip a column."),
            )
        })?;
        let property = property.trim();
        Ok(ColumnMapping {
            column: column.trim().to_string(),
            property: (!property.is_empty()).then(|| property.to_string()),
        })
    }
}

/// Maps every header, or says every column that cannot be mapped and why.
pub fn map_columns(
    headers: &[String],
    schema: &PropertySchema,
    mappings: &[ColumnMapping],
) -> Result<Columns> {
    let mut problems = Vec::new();
    for mapping in mappings {
        if !headers.iter().any(|h| same(h, &mapping.column)) {
            problems.push(format!(
                "the mapping of \"{}\" names a column the file does not have",
                mapping.column
            ));
        }
    }
    let mut columns = Vec::with_capacity(headers.len());
    for (i, header) in headers.iter().enumerate() {
        let property = match mappings.iter().find(|m| same(&m.column, header)) {
            Some(mapping) => mapping.property.clone().map(|name| (name, true)),
            None => matching_property(header, schema).map(|name| (name, false)),
        };
        let property = property.filter(|(name, explicit)| *explicit || !computed(name));
        let skipped_ids = property.is_none()
            && matching_property(header, schema).is_some_and(|name| computed(&name));
        let label = if header.is_empty() {
            format!("column {} (no header)", i + 1)
        } else {
            format!("\"{header}\"")
        };
        let property = match property {
            None if skipped_ids || mappings.iter().any(|m| same(&m.column, header)) => None,
            None => {
                problems.push(format!(
                    "column {label} matches no contact property (map it with --map \"{header}=property\" or skip it with --map \"{header}=\")"
                ));
                None
            }
            Some((name, explicit)) => match schema.get_including_archived(&name) {
                None if explicit => {
                    problems.push(format!(
                        "column {label} is mapped to \"{name}\", which is not a contact property"
                    ));
                    None
                }
                Some(def) if def.archived => {
                    problems.push(format!(
                        "column {label} is mapped to \"{name}\", which is archived"
                    ));
                    None
                }
                Some(def) if def.read_only_value => {
                    problems.push(format!(
                        "column {label} is mapped to \"{name}\", a read only property whose value cannot be set"
                    ));
                    None
                }
                _ => Some(name),
            },
        };
        columns.push(Column {
            header: header.clone(),
            property,
        });
    }
    for (i, column) in columns.iter().enumerate() {
        let Some(property) = &column.property else {
            continue;
        };
        if let Some(first) = columns[..i]
            .iter()
            .find(|c| c.property.as_ref() == Some(property))
        {
            problems.push(format!(
                "columns \"{}\" and \"{}\" both fill \"{property}\"",
                first.header, column.header
            ));
        }
    }
    let email = columns
        .iter()
        .position(|c| c.property.as_deref() == Some("email"));
    if email.is_none() {
        problems.push(
            "no column holds the email address, by which an import finds each row's contact".into(),
        );
    }
    match (problems.is_empty(), email) {
        (true, Some(email)) => Ok(Columns { columns, email }),
        _ => Err(Error::invalid_field(
            "columnMappings",
            format!("The file cannot be imported: {}.", problems.join("; ")),
        )),
    }
}

/// A property whose values Spoke computes.
fn computed(name: &str) -> bool {
    CALCULATED_PROPERTIES.contains(&name)
}

/// The active property whose name or label is the header, without regard
/// to case.
fn matching_property(header: &str, schema: &PropertySchema) -> Option<String> {
    if header.is_empty() {
        return None;
    }
    if let Some(def) = schema.get(header) {
        return Some(def.name.clone());
    }
    let mut by_name = schema.active().filter(|d| same(&d.name, header));
    if let Some(def) = by_name.next() {
        return Some(def.name.clone());
    }
    let mut labelled: Vec<&str> = schema
        .active()
        .filter(|d| same(&d.label, header))
        .map(|d| d.name.as_str())
        .collect();
    // Two properties may share a label; the lowest name is chosen so that
    // the same file always maps the same way.
    labelled.sort_unstable();
    labelled.first().map(|n| n.to_string())
}

fn same(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b.trim())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::property::standard;

    fn schema() -> PropertySchema {
        PropertySchema::new(standard::contact_properties())
    }

    fn headers(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    fn message(err: Error) -> String {
        match err {
            Error::Invalid(i) => i.message,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn headers_map_by_name_or_label_without_regard_to_case() {
        let columns = map_columns(
            &headers(&["Email", "First Name", "LASTNAME", "Phone Number"]),
            &schema(),
            &[],
        )
        .unwrap();
        let mapped: Vec<_> = columns
            .columns
            .iter()
            .map(|c| c.property.as_deref())
            .collect();
        assert_eq!(
            mapped,
            [
                Some("email"),
                Some("firstname"),
                Some("lastname"),
                Some("phone")
            ]
        );
        assert_eq!(columns.email, 0);
    }

    #[test]
    fn an_explicit_mapping_wins_and_an_empty_one_skips() {
        let mappings = [
            ColumnMapping::parse("E-mail address=email").unwrap(),
            ColumnMapping::parse("Notes=").unwrap(),
        ];
        let columns = map_columns(
            &headers(&["E-mail address", "Notes", "firstname"]),
            &schema(),
            &mappings,
        )
        .unwrap();
        assert_eq!(columns.columns[0].property.as_deref(), Some("email"));
        assert_eq!(columns.columns[1].property, None);
        assert_eq!(columns.email, 0);
    }

    #[test]
    fn every_unmappable_column_is_named_at_once() {
        let err = map_columns(
            &headers(&[
                "email",
                "Favourite colour",
                "",
                "hs_additional_emails",
                "Record ID",
                "createdate",
            ]),
            &schema(),
            &[ColumnMapping::parse("Missing=firstname").unwrap()],
        )
        .unwrap_err();
        let text = message(err);
        assert!(
            text.contains("\"Favourite colour\" matches no contact property"),
            "{text}"
        );
        assert!(text.contains("column 3 (no header)"), "{text}");
        assert!(text.contains("read only"), "{text}");
        assert!(
            text.contains("\"Missing\" names a column the file does not have"),
            "{text}"
        );
        assert!(
            !text.contains("Record ID"),
            "record ids are skipped: {text}"
        );
        assert!(
            !text.contains("createdate"),
            "computed values are skipped: {text}"
        );
    }

    #[test]
    fn a_file_without_email_or_filling_a_property_twice_is_refused() {
        let text = message(map_columns(&headers(&["firstname"]), &schema(), &[]).unwrap_err());
        assert!(text.contains("no column holds the email address"), "{text}");
        let text = message(
            map_columns(
                &headers(&["email", "First Name", "firstname"]),
                &schema(),
                &[],
            )
            .unwrap_err(),
        );
        assert!(text.contains("both fill \"firstname\""), "{text}");
    }

    #[test]
    fn a_mapping_must_say_what_it_maps() {
        assert!(ColumnMapping::parse("no equals sign").is_err());
        assert_eq!(
            ColumnMapping::parse("a=b=c").unwrap(),
            ColumnMapping {
                column: "a=b".into(),
                property: Some("c".into())
            }
        );
    }
}
