//! The check of each row before anything is written: its width, its email,
//! every value against its property's type, and emails seen earlier in the
//! same file. A row with any problem is not written at all; each problem
//! becomes one error with the row's line, in HubSpot's error types.

use super::columns::Columns;
use super::file::FileRow;
use super::ImportError;
use crate::contact::unique_key;
use crate::error::{Error, ProblemCode};
use crate::property::{InputValue, PropertySchema};
use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::Arc;

/// A row that passed: the contact's email and the values to write (empty
/// cells are left out, so they never clear a value, as on HubSpot).
#[derive(Clone, Debug, PartialEq)]
pub struct CheckedRow {
    pub line: u64,
    pub email: String,
    pub properties: Vec<(String, InputValue)>,
    /// The row as read, for errors the write itself may still raise.
    pub fields: Vec<String>,
}

/// What the check made of a row.
#[derive(Clone, Debug, PartialEq)]
pub enum Checked {
    Write(CheckedRow),
    Refused(Vec<ImportError>),
}

/// Checks the rows of one file, in order.
pub struct RowChecker {
    columns: Columns,
    schema: Arc<PropertySchema>,
    /// Emails written so far, by a 64-bit hash of their key, with the line
    /// that wrote them: 16 bytes a row, not the addresses themselves.
    seen: HashMap<u64, u64>,
}

impl RowChecker {
    pub fn new(columns: Columns, schema: Arc<PropertySchema>) -> RowChecker {
        RowChecker {
            columns,
            schema,
            seen: HashMap::new(),
        }
    }

    pub fn columns(&self) -> &Columns {
        &self.columns
    }

    pub fn check(&mut self, row: FileRow) -> Checked {
        let line = row.line;
        let fields: Vec<String> = row
            .fields
            .iter()
            .map(|f| match f {
                Ok(text) => text.clone(),
                Err(bytes) => String::from_utf8_lossy(bytes).into_owned(),
            })
            .collect();
        let error = |error_type: &str, message: String, column: Option<usize>| ImportError {
            line,
            error_type: error_type.to_string(),
            message,
            invalid_value: column.and_then(|c| fields.get(c).cloned()),
            column: column.map(|c| c as u32),
            fields: fields.clone(),
        };
        let width = self.columns.columns.len();
        if row.fields.len() != width {
            return Checked::Refused(vec![error(
                "INCORRECT_NUMBER_OF_COLUMNS",
                format!(
                    "Line {line} has {} values; the header has {width} columns.",
                    row.fields.len()
                ),
                None,
            )]);
        }
        if let Some(column) = row.fields.iter().position(|f| f.is_err()) {
            return Checked::Refused(vec![error(
                "COULD_NOT_PARSE_ROW",
                format!(
                    "Line {line}, column \"{}\", is not UTF-8 text; save the file as CSV UTF-8.",
                    self.columns.columns[column].header
                ),
                Some(column),
            )]);
        }
        let mut properties = Vec::new();
        for (i, column) in self.columns.columns.iter().enumerate() {
            let value = &fields[i];
            if let (Some(property), false) = (&column.property, value.trim().is_empty()) {
                properties.push((property.clone(), InputValue::text(value.as_str())));
            }
        }
        let email_column = self.columns.email;
        if fields[email_column].trim().is_empty() {
            return Checked::Refused(vec![error(
                "MISSING_REQUIRED_PROPERTY",
                format!(
                    "Line {line} has no email address; an import finds each row's contact by email."
                ),
                Some(email_column),
            )]);
        }
        let changes = match self.schema.validate_write(&properties) {
            Ok(changes) => changes,
            Err(Error::InvalidPropertyValues(problems)) => {
                return Checked::Refused(
                    problems
                        .into_iter()
                        .map(|p| {
                            let column = self
                                .columns
                                .columns
                                .iter()
                                .position(|c| c.property.as_deref() == Some(p.name.as_str()));
                            error(
                                error_type(p.code),
                                format!("Line {line}: {}", p.message),
                                column,
                            )
                        })
                        .collect(),
                )
            }
            Err(other) => {
                return Checked::Refused(vec![error("UNKNOWN_ERROR", other.to_string(), None)])
            }
        };
        let email = changes
            .get("email")
            .cloned()
            .flatten()
            .unwrap_or_else(|| fields[email_column].trim().to_string());
        let key = hash(&unique_key(&email));
        if let Some(first) = self.seen.get(&key) {
            return Checked::Refused(vec![error(
                "DUPLICATE_ALTERNATE_ID",
                format!("Line {line} repeats the email address of line {first}, which was imported; this line was not."),
                Some(email_column),
            )]);
        }
        self.seen.insert(key, line);
        Checked::Write(CheckedRow {
            line,
            email,
            properties,
            fields,
        })
    }
}

/// HubSpot's import error type for a refused value.
pub fn error_type(code: ProblemCode) -> &'static str {
    match code {
        ProblemCode::InvalidEmail => "INVALID_EMAIL",
        ProblemCode::InvalidDate => "COULD_NOT_PARSE_DATE",
        ProblemCode::InvalidLong => "COULD_NOT_PARSE_NUMBER",
        ProblemCode::InvalidBoolean | ProblemCode::InvalidOption => "INVALID_ENUMERATION_OPTION",
        ProblemCode::ValueTooLong => "COLUMN_TOO_LARGE",
        ProblemCode::BlockedEmail => "GDPR_BLACKLISTED_EMAIL",
        ProblemCode::PropertyDoesntExist => "PROPERTY_DEFINITION_NOT_FOUND",
        ProblemCode::ReadOnlyValue | ProblemCode::InvalidValue => "FAILED_VALIDATION",
    }
}

fn hash(key: &str) -> u64 {
    let mut hasher = DefaultHasher::new();
    key.hash(&mut hasher);
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::imports::columns::map_columns;
    use crate::imports::file::CsvFile;
    use crate::property::standard;

    fn check_file(text: &str) -> Vec<Checked> {
        let schema = Arc::new(PropertySchema::new(standard::contact_properties()));
        let mut file = CsvFile::open(text.as_bytes()).unwrap();
        let columns = map_columns(file.headers(), &schema, &[]).unwrap();
        let mut checker = RowChecker::new(columns, schema);
        let mut out = Vec::new();
        while let Some(row) = file.next_row().unwrap() {
            out.push(checker.check(row));
        }
        out
    }

    fn refusal(checked: &Checked) -> (&str, u64, Option<u32>) {
        match checked {
            Checked::Refused(errors) => (
                errors[0].error_type.as_str(),
                errors[0].line,
                errors[0].column,
            ),
            Checked::Write(row) => panic!("line {} passed", row.line),
        }
    }

    #[test]
    fn a_good_row_writes_its_non_empty_values() {
        let out = check_file("email,firstname,lastname\nA@X.io,Ann,\n");
        let Checked::Write(row) = &out[0] else {
            panic!("{out:?}")
        };
        assert_eq!(row.email, "a@x.io");
        assert_eq!(
            row.properties,
            [
                ("email".to_string(), InputValue::text("A@X.io")),
                ("firstname".to_string(), InputValue::text("Ann"))
            ]
        );
    }

    #[test]
    fn each_kind_of_bad_row_is_refused_with_its_line_and_column() {
        let out = check_file(
            "email,firstname,lifecyclestage\n\
             not-an-email,Ann,lead\n\
             ,Bo,lead\n\
             c@x.io,Cy\n\
             d@x.io,Di,not-a-stage\n\
             e@x.io,Ed,lead\n\
             E@x.io,Ed again,lead\n",
        );
        assert_eq!(refusal(&out[0]), ("INVALID_EMAIL", 2, Some(0)));
        assert_eq!(refusal(&out[1]), ("MISSING_REQUIRED_PROPERTY", 3, Some(0)));
        assert_eq!(refusal(&out[2]), ("INCORRECT_NUMBER_OF_COLUMNS", 4, None));
        assert_eq!(refusal(&out[3]), ("INVALID_ENUMERATION_OPTION", 5, Some(2)));
        assert!(matches!(out[4], Checked::Write(_)));
        assert_eq!(refusal(&out[5]), ("DUPLICATE_ALTERNATE_ID", 7, Some(0)));
        let Checked::Refused(errors) = &out[5] else {
            unreachable!()
        };
        assert!(
            errors[0].message.contains("line 6"),
            "{}",
            errors[0].message
        );
        assert_eq!(errors[0].fields, ["E@x.io", "Ed again", "lead"]);
    }

    #[test]
    fn a_refused_row_does_not_claim_its_email() {
        let out = check_file("email,lifecyclestage\na@x.io,nope\na@x.io,lead\n");
        assert!(matches!(out[0], Checked::Refused(_)));
        assert!(matches!(out[1], Checked::Write(_)), "{:?}", out[1]);
    }
}
