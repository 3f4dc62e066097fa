//! A portal's property definitions, and validation of a whole write.

use super::{normalize_value, InputValue, PropertyDefinition};
use crate::contact::PropertyChanges;
use crate::error::{Error, ProblemCode, PropertyProblem};
use std::collections::HashMap;

/// Every contact property definition of one portal, archived ones included.
#[derive(Clone, Debug, Default)]
pub struct PropertySchema {
    by_name: HashMap<String, PropertyDefinition>,
}

impl PropertySchema {
    pub fn new(definitions: impl IntoIterator<Item = PropertyDefinition>) -> Self {
        PropertySchema {
            by_name: definitions
                .into_iter()
                .map(|d| (d.name.clone(), d))
                .collect(),
        }
    }

    /// An active (not archived) definition.
    pub fn get(&self, name: &str) -> Option<&PropertyDefinition> {
        self.by_name.get(name).filter(|d| !d.archived)
    }

    /// A definition whether archived or not.
    pub fn get_including_archived(&self, name: &str) -> Option<&PropertyDefinition> {
        self.by_name.get(name)
    }

    /// Every definition, archived ones included, in no particular order.
    pub fn all(&self) -> impl Iterator<Item = &PropertyDefinition> {
        self.by_name.values()
    }

    /// Active definitions, in no particular order.
    pub fn active(&self) -> impl Iterator<Item = &PropertyDefinition> {
        self.by_name.values().filter(|d| !d.archived)
    }

    /// Active properties whose values identify one contact (email and every
    /// `hasUniqueValue` property).
    pub fn identifying(&self) -> impl Iterator<Item = &PropertyDefinition> {
        self.active().filter(|d| d.identifies_contact())
    }

    /// Validates every value of a write. All problems are reported at once,
    /// in input order; on any problem nothing may be written.
    pub fn validate_write(&self, input: &[(String, InputValue)]) -> Result<PropertyChanges, Error> {
        let mut changes = PropertyChanges::default();
        let mut problems = Vec::new();
        for (name, value) in input {
            let Some(def) = self.get(name) else {
                let message = if self.get_including_archived(name).is_some() {
                    format!("Property \"{name}\" does not exist (it is archived)")
                } else {
                    format!("Property \"{name}\" does not exist")
                };
                problems.push(PropertyProblem::new(
                    name,
                    ProblemCode::PropertyDoesntExist,
                    message,
                ));
                continue;
            };
            if def.read_only_value {
                problems.push(PropertyProblem::new(
                    name,
                    ProblemCode::ReadOnlyValue,
                    format!("\"{name}\" is a read only property; its value cannot be set."),
                ));
                continue;
            }
            match normalize_value(def, value) {
                Ok(normalized) => changes.set(name.clone(), normalized),
                Err(problem) => problems.push(problem),
            }
        }
        if problems.is_empty() {
            Ok(changes)
        } else {
            Err(Error::InvalidPropertyValues(problems))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::property::standard;

    fn schema() -> PropertySchema {
        PropertySchema::new(standard::contact_properties())
    }

    #[test]
    fn valid_writes_become_changes() {
        let changes = schema()
            .validate_write(&[
                ("email".into(), InputValue::text("A@B.co")),
                ("firstname".into(), InputValue::text("")),
            ])
            .unwrap();
        assert_eq!(changes.get("email"), Some(&Some("a@b.co".to_string())));
        assert_eq!(changes.get("firstname"), Some(&None));
    }

    #[test]
    fn every_problem_is_reported() {
        let err = schema()
            .validate_write(&[
                ("nope".into(), InputValue::text("x")),
                ("hs_object_id".into(), InputValue::text("5")),
                ("email".into(), InputValue::text("bad")),
                ("firstname".into(), InputValue::text("fine")),
            ])
            .unwrap_err();
        let Error::InvalidPropertyValues(problems) = err else {
            panic!("wrong error")
        };
        let codes: Vec<_> = problems.iter().map(|p| p.code).collect();
        assert_eq!(
            codes,
            [
                ProblemCode::PropertyDoesntExist,
                ProblemCode::ReadOnlyValue,
                ProblemCode::InvalidEmail
            ]
        );
    }

    #[test]
    fn archived_definitions_are_not_writable() {
        let mut defs = standard::contact_properties();
        defs.iter_mut()
            .find(|d| d.name == "company")
            .unwrap()
            .archived = true;
        let schema = PropertySchema::new(defs);
        assert!(schema.get("company").is_none());
        assert!(schema.get_including_archived("company").is_some());
        assert!(schema
            .validate_write(&[("company".into(), InputValue::text("x"))])
            .is_err());
    }
}
