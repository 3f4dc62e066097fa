//! What each endpoint of the portal APIs needs: the scopes (from the
//! `security` sections of HubSpot's OpenAPI files) and the rate-limit class.
//! One table for every API family; a path it does not know needs a scope
//! no credential holds, so a route added without a rule fails closed.

use axum::http::Method;
use spoke_domain::access::limits::RateClass;
use spoke_domain::access::Need;

/// An endpoint's requirements.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Endpoint {
    pub need: Need,
    pub class: RateClass,
}

/// The requirement of a path no rule covers.
const UNCLASSIFIED: Need = Need {
    any_of: &["spoke.unclassified-endpoint"],
    granular: &["spoke.unclassified-endpoint"],
};

const CONTACTS: [&str; 2] = ["/crm/v3/objects/contacts", "/crm/objects/2026-03/contacts"];

fn under(path: &str, prefix: &str) -> bool {
    path == prefix
        || path
            .strip_prefix(prefix)
            .is_some_and(|rest| rest.starts_with('/'))
}

/// The requirements of `method` on `path`.
pub fn classify(method: &Method, path: &str) -> Endpoint {
    let reads = *method == Method::GET || *method == Method::HEAD;
    let standard = |need| Endpoint {
        need,
        class: RateClass::Standard,
    };
    if CONTACTS.iter().any(|p| under(path, p)) {
        if *method == Method::POST && path.ends_with("/search") {
            return Endpoint {
                need: Need::CONTACTS_READ,
                class: RateClass::Search,
            };
        }
        let read = reads || (*method == Method::POST && path.ends_with("/batch/read"));
        return standard(if read {
            Need::CONTACTS_READ
        } else {
            Need::CONTACTS_WRITE
        });
    }
    if under(path, "/crm/v3/properties") {
        let read = reads || (*method == Method::POST && path.ends_with("/batch/read"));
        return standard(if read {
            Need::SCHEMAS_READ
        } else {
            Need::SCHEMAS_WRITE
        });
    }
    if under(path, "/crm/v3/lists") {
        let read_posts = ["/search", "/idmapping", "/records/memberships/batch/read"];
        let read =
            reads || (*method == Method::POST && read_posts.iter().any(|s| path.ends_with(s)));
        return standard(if read {
            Need::LISTS_READ
        } else {
            Need::LISTS_WRITE
        });
    }
    if under(path, "/contacts/v1") {
        return standard(if reads {
            Need::CONTACTS_READ
        } else {
            Need::CONTACTS_WRITE
        });
    }
    if under(path, "/properties/v1") {
        return standard(if reads {
            Need::SCHEMAS_READ
        } else {
            Need::SCHEMAS_WRITE
        });
    }
    if under(path, "/crm/v3/imports") {
        return standard(Need::IMPORT);
    }
    if under(path, "/crm/v3/exports") {
        return standard(Need::EXPORT);
    }
    if path == "/integrations/v1/limit/daily" {
        return Endpoint {
            need: Need::ANY,
            class: RateClass::Uncounted,
        };
    }
    if under(path, "/account-info/v3") || under(path, "/integrations/v1") {
        return standard(Need::ANY);
    }
    standard(UNCLASSIFIED)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn need(method: Method, path: &str) -> Need {
        classify(&method, path).need
    }

    #[test]
    fn contacts_reads_and_writes() {
        for prefix in CONTACTS {
            assert_eq!(need(Method::GET, prefix), Need::CONTACTS_READ);
            assert_eq!(
                need(Method::GET, &format!("{prefix}/12")),
                Need::CONTACTS_READ
            );
            assert_eq!(
                need(Method::POST, &format!("{prefix}/batch/read")),
                Need::CONTACTS_READ
            );
            for write in [
                "",
                "/batch/create",
                "/batch/update",
                "/batch/upsert",
                "/batch/archive",
                "/merge",
                "/gdpr-delete",
            ] {
                assert_eq!(
                    need(Method::POST, &format!("{prefix}{write}")),
                    Need::CONTACTS_WRITE,
                    "{write}"
                );
            }
            assert_eq!(
                need(Method::PATCH, &format!("{prefix}/12")),
                Need::CONTACTS_WRITE
            );
            assert_eq!(
                need(Method::DELETE, &format!("{prefix}/12")),
                Need::CONTACTS_WRITE
            );
            let search = classify(&Method::POST, &format!("{prefix}/search"));
            assert_eq!(
                (search.need, search.class),
                (Need::CONTACTS_READ, RateClass::Search)
            );
        }
        // A contact whose id is "search" is read, not searched.
        assert_eq!(
            classify(&Method::GET, "/crm/v3/objects/contacts/search").class,
            RateClass::Standard
        );
    }

    #[test]
    fn properties_lists_and_legacy() {
        assert_eq!(
            need(Method::GET, "/crm/v3/properties/contacts"),
            Need::SCHEMAS_READ
        );
        assert_eq!(
            need(Method::POST, "/crm/v3/properties/contacts/batch/read"),
            Need::SCHEMAS_READ
        );
        assert_eq!(
            need(Method::POST, "/crm/v3/properties/contacts"),
            Need::SCHEMAS_WRITE
        );
        assert_eq!(
            need(Method::DELETE, "/crm/v3/properties/contacts/groups/g"),
            Need::SCHEMAS_WRITE
        );
        assert_eq!(need(Method::POST, "/crm/v3/lists/search"), Need::LISTS_READ);
        assert_eq!(
            need(Method::PUT, "/crm/v3/lists/1/memberships/add"),
            Need::LISTS_WRITE
        );
        assert_eq!(
            need(Method::GET, "/contacts/v1/lists/all/contacts/all"),
            Need::CONTACTS_READ
        );
        assert_eq!(
            need(Method::POST, "/contacts/v1/contact"),
            Need::CONTACTS_WRITE
        );
        assert_eq!(
            need(Method::GET, "/properties/v1/contacts/properties"),
            Need::SCHEMAS_READ
        );
        assert_eq!(
            need(Method::PUT, "/properties/v1/contacts/properties/named/x"),
            Need::SCHEMAS_WRITE
        );
        assert_eq!(
            classify(&Method::GET, "/integrations/v1/limit/daily"),
            Endpoint {
                need: Need::ANY,
                class: RateClass::Uncounted
            }
        );
        assert_eq!(need(Method::GET, "/integrations/v1/me"), Need::ANY);
        assert_eq!(need(Method::GET, "/account-info/v3/details"), Need::ANY);
        assert_eq!(need(Method::GET, "/crm/v3/objects/contactsx"), UNCLASSIFIED);
        assert_eq!(need(Method::GET, "/somewhere"), UNCLASSIFIED);
    }
}
