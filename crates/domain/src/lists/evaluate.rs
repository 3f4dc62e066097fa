//! What a filter tree means for one contact. Every store evaluates lists
//! with this function, whether a contact is written or a whole portal is
//! evaluated for a new list, so membership has one meaning.

use super::filters::{
    BranchType, Check, Comparison, FilterBranch, FilterTest, OptionMatch, PropertyTest, Rolling,
    TextMatch, When,
};
use crate::contact::{Contact, PropertyHistory};
use crate::ids::ListId;
use crate::property::{PropertySchema, PropertyType};
use crate::search::{entries, value_entries, Entries};
use crate::time::Timestamp;
use std::cmp::Ordering;
use std::collections::BTreeSet;

const DAY_MS: f64 = 86_400_000.0;

/// A contact as a list sees it.
pub struct Subject<'a> {
    pub contact: &'a Contact,
    /// The history of the properties some filter reads the past of
    /// ([`FilterBranch::history_properties`]), newest first.
    pub history: &'a PropertyHistory,
    /// The lists the contact is in now (for `IN_LIST`).
    pub lists: &'a BTreeSet<ListId>,
}

/// Whether the contact passes the tree, evaluated at `now`.
pub fn matches(
    branch: &FilterBranch,
    subject: &Subject<'_>,
    schema: &PropertySchema,
    now: Timestamp,
) -> bool {
    let mut results = branch
        .filters
        .iter()
        .map(|f| filter_passes(&f.test, subject, schema, now))
        .chain(
            branch
                .branches
                .iter()
                .map(|b| matches(b, subject, schema, now)),
        );
    match branch.branch_type {
        BranchType::Or => results.any(|r| r),
        BranchType::And => results.all(|r| r),
        BranchType::NotAll => !results.all(|r| r),
        BranchType::NotAny => !results.any(|r| r),
    }
}

fn filter_passes(
    test: &FilterTest,
    subject: &Subject<'_>,
    schema: &PropertySchema,
    now: Timestamp,
) -> bool {
    match test {
        FilterTest::Constant(accept) => *accept,
        FilterTest::InList { list, negated } => subject.lists.contains(list) != *negated,
        FilterTest::Property(t) => property_passes(t, subject, schema, now),
    }
}

fn property_passes(
    t: &PropertyTest,
    subject: &Subject<'_>,
    schema: &PropertySchema,
    now: Timestamp,
) -> bool {
    let Some(def) = schema.get(&t.property) else {
        // A property archived after the list was made: nobody has a value.
        return t.when == When::Never || (t.check != Check::Known && t.include_no_value);
    };
    let property_type = if t.property == "hs_object_id" {
        PropertyType::Number
    } else {
        def.property_type
    };
    let versions = subject.history.get(&t.property);
    match t.when {
        When::Now => match &t.check {
            Check::UpdatedWithinDays(days) => {
                let last = versions.and_then(|v| v.first()).map(|v| v.timestamp);
                let within = last
                    .is_some_and(|at| (now.millis() - at.millis()) as f64 <= *days as f64 * DAY_MS);
                within == t.wanted
            }
            check => {
                let current = if t.property == "hs_object_id" {
                    Some(Entries {
                        numbers: vec![subject.contact.id.0 as f64],
                        ..Entries::default()
                    })
                } else {
                    entries(def, subject.contact)
                };
                match (check, current) {
                    (Check::Known, current) => current.is_some() == t.wanted,
                    (_, None) => t.include_no_value,
                    (check, Some(e)) => passes(check, &e, now) == t.wanted,
                }
            }
        },
        When::Ever | When::Never => {
            let ever = versions.is_some_and(|versions| {
                versions
                    .iter()
                    .filter(|v| !v.value.is_empty())
                    .any(|v| passes(&t.check, &value_entries(property_type, &v.value), now))
            });
            ever == (t.when == When::Ever)
        }
    }
}

/// Whether one value (as its entries) passes a check.
fn passes(check: &Check, e: &Entries, now: Timestamp) -> bool {
    let now = now.millis() as f64;
    match check {
        Check::Known => true,
        Check::Text(m, values) => e.texts.iter().any(|text| {
            values.iter().any(|v| match m {
                TextMatch::Equals => text == v,
                TextMatch::Contains => text.contains(v.as_str()),
                TextMatch::StartsWith => text.starts_with(v.as_str()),
                TextMatch::EndsWith => text.ends_with(v.as_str()),
            })
        }),
        Check::Number(c, n) => e.numbers.iter().any(|x| {
            let order = x.total_cmp(n);
            match c {
                Comparison::Equal => order == Ordering::Equal,
                Comparison::Greater => order == Ordering::Greater,
                Comparison::GreaterOrEqual => order != Ordering::Less,
                Comparison::Less => order == Ordering::Less,
                Comparison::LessOrEqual => order != Ordering::Greater,
            }
        }),
        Check::NumberBetween(low, high) => e.numbers.iter().any(|x| low <= x && x <= high),
        Check::Bool(b) => e
            .texts
            .iter()
            .any(|t| t == if *b { "true" } else { "false" }),
        Check::Options(m, wanted) => {
            let held: BTreeSet<&str> = e.texts.iter().map(String::as_str).collect();
            match m {
                OptionMatch::AnyOf => wanted.iter().any(|w| held.contains(w.as_str())),
                OptionMatch::Exactly => {
                    held.len() == wanted.len() && wanted.iter().all(|w| held.contains(w.as_str()))
                }
                OptionMatch::ContainsAll => wanted.iter().all(|w| held.contains(w.as_str())),
            }
        }
        Check::TimeBetween(low, high) => e
            .numbers
            .iter()
            .any(|x| low.is_none_or(|l| *x >= l as f64) && high.is_none_or(|h| *x <= h as f64)),
        Check::Rolling(r, days) => {
            let span = *days as f64 * DAY_MS;
            e.numbers.iter().any(|x| match r {
                Rolling::LessThanDaysAgo => now - span <= *x && *x <= now,
                Rolling::MoreThanDaysAgo => *x < now - span,
                Rolling::LessThanDaysFromNow => now <= *x && *x <= now + span,
                Rolling::MoreThanDaysFromNow => *x > now + span,
            })
        }
        // Read from the history, not from a value (see `property_passes`).
        Check::UpdatedWithinDays(_) => false,
    }
}
