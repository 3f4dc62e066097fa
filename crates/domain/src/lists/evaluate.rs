//! What a filter tree means for one contact. Every store evaluates lists
//! with this function, whether a contact is written or a whole portal is
//! evaluated for a new list, so membership has one meaning.

use super::filters::{
    BranchType, Check, Comparative, Comparison, FilterBranch, FilterTest, OptionMatch,
    PropertyTest, Rolling, TextMatch, When,
};
use super::time_points::{Bound, TimePoint};
use crate::contact::{Contact, PropertyHistory};
use crate::ids::ListId;
use crate::property::{PropertySchema, PropertyType};
use crate::search::{value_entries_untokenized as value_entries, Entries};
use crate::time::Timestamp;
use std::cell::RefCell;
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
    /// The contact's current values as filters compare them, worked out
    /// once per property however many lists ask.
    pub values: &'a ValueCache,
}

/// A contact's current values, as entries, by property (`None`: the
/// portal has no such property; `Some(None)`: the contact has no value).
#[derive(Default)]
pub struct ValueCache(RefCell<Vec<(String, Cached)>>);

type Cached = Option<Option<Entries>>;

impl ValueCache {
    /// Runs `f` on the entries of `property`, computing them once.
    fn with<R>(
        &self,
        property: &str,
        compute: impl FnOnce() -> Cached,
        f: impl FnOnce(Option<Option<&Entries>>) -> R,
    ) -> R {
        {
            let cache = self.0.borrow();
            if let Some((_, e)) = cache.iter().find(|(p, _)| p == property) {
                return f(e.as_ref().map(Option::as_ref));
            }
        }
        let e = compute();
        let out = f(e.as_ref().map(Option::as_ref));
        self.0.borrow_mut().push((property.to_string(), e));
        out
    }
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
    // A property archived after the list was made: nobody has a value.
    let missing = || t.when == When::Never || (t.check != Check::Known && t.include_no_value);
    let type_of = |def: &crate::property::PropertyDefinition| {
        if t.property == "hs_object_id" {
            PropertyType::Number
        } else {
            def.property_type
        }
    };
    let versions = subject.history.get(&t.property);
    match t.when {
        When::Now => match &t.check {
            Check::UpdatedWithinDays(days) => {
                if schema.get(&t.property).is_none() {
                    return missing();
                }
                let last = versions.and_then(|v| v.first()).map(|v| v.timestamp);
                let within = last
                    .is_some_and(|at| (now.millis() - at.millis()) as f64 <= *days as f64 * DAY_MS);
                within == t.wanted
            }
            Check::Time { .. } | Check::Compare { .. } => {
                if schema.get(&t.property).is_none() {
                    return missing();
                }
                relational_passes(t, subject, schema, now)
            }
            check => subject.values.with(
                &t.property,
                || {
                    schema
                        .get(&t.property)
                        .map(|def| current_entries(&t.property, type_of(def), subject.contact))
                },
                |cached| match (check, cached) {
                    (_, None) => missing(),
                    (Check::Known, Some(current)) => current.is_some() == t.wanted,
                    (_, Some(None)) => t.include_no_value,
                    (check, Some(Some(e))) => passes(check, e, now) == t.wanted,
                },
            ),
        },
        When::Ever | When::Never => {
            let Some(def) = schema.get(&t.property) else {
                return missing();
            };
            let property_type = type_of(def);
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

/// A contact's current value of a property, as filters compare it.
fn current_entries(
    property: &str,
    property_type: PropertyType,
    contact: &Contact,
) -> Option<Entries> {
    let number = |n: f64| {
        Some(Entries {
            numbers: vec![n],
            ..Entries::default()
        })
    };
    match property {
        "hs_object_id" => number(contact.id.0 as f64),
        "createdate" => number(contact.created_at.millis() as f64),
        "lastmodifieddate" => number(contact.updated_at.millis() as f64),
        name => Some(value_entries(property_type, contact.properties.get(name)?)),
    }
}

/// Whether one value (as its entries) passes a check.
fn passes(check: &Check, e: &Entries, now: Timestamp) -> bool {
    let now_ms = now.millis() as f64;
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
            let held = |w: &String| e.texts.iter().any(|t| t == w);
            match m {
                OptionMatch::AnyOf => e.texts.iter().any(|t| wanted.contains(t)),
                OptionMatch::Exactly => {
                    wanted.iter().all(held) && e.texts.iter().all(|t| wanted.contains(t))
                }
                OptionMatch::ContainsAll => wanted.iter().all(held),
            }
        }
        Check::TimeBetween(low, high) => e
            .numbers
            .iter()
            .any(|x| low.is_none_or(|l| *x >= l as f64) && high.is_none_or(|h| *x <= h as f64)),
        Check::Rolling(r, days) => {
            let span = *days as f64 * DAY_MS;
            e.numbers.iter().any(|x| match r {
                Rolling::LessThanDaysAgo => now_ms - span <= *x && *x <= now_ms,
                Rolling::MoreThanDaysAgo => *x < now_ms - span,
                Rolling::LessThanDaysFromNow => now_ms <= *x && *x <= now_ms + span,
                Rolling::MoreThanDaysFromNow => *x > now_ms + span,
            })
        }
        Check::Calendar(window) => window.window(now).is_some_and(|(start, end)| {
            e.numbers
                .iter()
                .any(|x| *x >= start as f64 && *x < end as f64)
        }),
        // Read from the history or another property, not from one value
        // (see `property_passes`).
        Check::UpdatedWithinDays(_) | Check::Time { .. } | Check::Compare { .. } => false,
    }
}

/// When `property` was last set: from the history (newest first), or the
/// contact's own times for `createdate` and `lastmodifieddate`.
fn updated_at(subject: &Subject<'_>, property: &str) -> Option<f64> {
    match property {
        "createdate" => Some(subject.contact.created_at.millis() as f64),
        "lastmodifieddate" => Some(subject.contact.updated_at.millis() as f64),
        _ => subject
            .history
            .get(property)
            .and_then(|v| v.first())
            .map(|v| v.timestamp.millis() as f64),
    }
}

/// A property's current value as entries (`None`: no value, or no such
/// property).
fn entries_of(subject: &Subject<'_>, schema: &PropertySchema, property: &str) -> Option<Entries> {
    let def = schema.get(property)?;
    let property_type = if property == "hs_object_id" {
        PropertyType::Number
    } else {
        def.property_type
    };
    current_entries(property, property_type, subject.contact)
}

/// Where a time point is for this contact (`None`: it names a property
/// the contact has no value of).
fn point_at(
    point: &TimePoint,
    subject: &Subject<'_>,
    schema: &PropertySchema,
    now: Timestamp,
) -> Option<f64> {
    match point {
        TimePoint::Property {
            property,
            updated_at: true,
        } => updated_at(subject, property),
        TimePoint::Property { property, .. } => entries_of(subject, schema, property)?
            .numbers
            .first()
            .copied(),
        point => point.at(now).map(|ms| ms as f64),
    }
}

fn within(
    x: f64,
    low: &Option<Bound>,
    high: &Option<Bound>,
    subject: &Subject<'_>,
    schema: &PropertySchema,
    now: Timestamp,
) -> Option<bool> {
    let above = match low {
        None => true,
        Some(b) => {
            let at = point_at(&b.point, subject, schema, now)?;
            if b.inclusive {
                x >= at
            } else {
                x > at
            }
        }
    };
    let below = match high {
        None => true,
        Some(b) => {
            let at = point_at(&b.point, subject, schema, now)?;
            if b.inclusive {
                x <= at
            } else {
                x < at
            }
        }
    };
    Some(above && below)
}

/// `TIME_POINT`, `TIME_RANGED` and `COMPARATIVE_*` filters, which read
/// more than the property's own value. A contact without a value gets
/// `includeObjectsWithNoValueSet`; a point or comparison that cannot be
/// made (the other property has no value and no default) fails.
fn relational_passes(
    t: &PropertyTest,
    subject: &Subject<'_>,
    schema: &PropertySchema,
    now: Timestamp,
) -> bool {
    let outcome = match &t.check {
        Check::Time {
            updated_at: true,
            low,
            high,
        } => match updated_at(subject, &t.property) {
            None => return t.include_no_value,
            Some(x) => within(x, low, high, subject, schema, now),
        },
        Check::Time { low, high, .. } => {
            let Some(own) = entries_of(subject, schema, &t.property) else {
                return t.include_no_value;
            };
            own.numbers
                .iter()
                .map(|x| within(*x, low, high, subject, schema, now))
                .try_fold(false, |any, r| r.map(|r| any || r))
        }
        Check::Compare {
            other,
            how: how @ (Comparative::UpdatedBefore | Comparative::UpdatedAfter),
            default,
        } => match updated_at(subject, &t.property) {
            None => return t.include_no_value,
            Some(x) => updated_at(subject, other)
                .or_else(|| default.as_deref().and_then(time_of_text))
                .map(|y| {
                    if *how == Comparative::UpdatedBefore {
                        x < y
                    } else {
                        x > y
                    }
                }),
        },
        Check::Compare {
            other,
            how: Comparative::Text(m),
            default,
        } => {
            let Some(own) = entries_of(subject, schema, &t.property) else {
                return t.include_no_value;
            };
            let theirs = entries_of(subject, schema, other)
                .map(|e| e.texts)
                .or_else(|| default.as_ref().map(|d| vec![d.to_lowercase()]));
            theirs.map(|theirs| {
                own.texts.iter().any(|a| {
                    theirs.iter().any(|b| match m {
                        TextMatch::Equals => a == b,
                        TextMatch::Contains => a.contains(b.as_str()),
                        TextMatch::StartsWith => a.starts_with(b.as_str()),
                        TextMatch::EndsWith => a.ends_with(b.as_str()),
                    })
                })
            })
        }
        Check::Compare {
            other,
            how,
            default,
        } => {
            let Some(own) = entries_of(subject, schema, &t.property) else {
                return t.include_no_value;
            };
            let theirs = entries_of(subject, schema, other)
                .and_then(|e| e.numbers.first().copied())
                .or_else(|| default.as_deref().and_then(time_of_text));
            theirs.map(|y| {
                own.numbers.iter().any(|x| {
                    if *how == Comparative::Before {
                        *x < y
                    } else {
                        *x > y
                    }
                })
            })
        }
        _ => None,
    };
    outcome.is_some_and(|passed| passed == t.wanted)
}

/// A default comparison value as ms: milliseconds, an ISO date or datetime.
fn time_of_text(text: &str) -> Option<f64> {
    let text = text.trim();
    text.parse::<i64>()
        .ok()
        .or_else(|| Timestamp::parse_iso(text).map(Timestamp::millis))
        .or_else(|| crate::time::parse_date(text).map(|d| Timestamp::from_date(d).millis()))
        .map(|ms| ms as f64)
}
