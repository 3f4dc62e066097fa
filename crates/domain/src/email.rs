//! Email addresses: parsed once, stored lowercased, compared exactly after.

use std::fmt;

/// A syntactically valid email address, lowercased.
///
/// HubSpot refuses addresses such as `example.lcom`, `dsfsafas@` or
/// `a@b` with `INVALID_EMAIL`; it also checks top-level domains against a
/// list, which Spoke approximates by requiring an alphabetic TLD of at least
/// two letters (or an IDN `xn--` label).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    pub fn parse(text: &str) -> Option<Email> {
        let text = text.trim();
        if text.len() > 254 {
            return None;
        }
        let (local, domain) = text.rsplit_once('@')?;
        if !valid_local(local) || !valid_domain(domain) {
            return None;
        }
        Some(Email(text.to_ascii_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }

    /// The part after `@`.
    pub fn domain(&self) -> &str {
        self.0.rsplit_once('@').map(|(_, d)| d).unwrap_or("")
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn valid_local(local: &str) -> bool {
    const SPECIALS: &[u8] = b"!#$%&'*+/=?^_`{|}~.-";
    !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || SPECIALS.contains(&b))
}

fn valid_domain(domain: &str) -> bool {
    let labels: Vec<&str> = domain.split('.').collect();
    if labels.len() < 2 || domain.len() > 253 {
        return false;
    }
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    };
    let tld = labels[labels.len() - 1];
    let tld_ok = (tld.len() >= 2 && tld.bytes().all(|b| b.is_ascii_alphabetic()))
        || (tld.len() > 4 && tld.to_ascii_lowercase().starts_with("xn--"));
    labels.iter().all(|l| label_ok(l)) && tld_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ordinary_addresses_and_lowercases_them() {
        assert_eq!(
            Email::parse("Jane.Doe+crm@Example.COM").unwrap().as_str(),
            "jane.doe+crm@example.com"
        );
        assert_eq!(Email::parse(" a@b.co ").unwrap().as_str(), "a@b.co");
        assert_eq!(Email::parse("a@b.co").unwrap().domain(), "b.co");
    }

    #[test]
    fn refuses_what_hubspot_refuses() {
        for bad in [
            "",
            "example.lcom",
            "dsfsafas@",
            "@example.com",
            "a@b",
            "a@b.c",
            "a@b.123",
            "a..b@example.com",
            ".a@example.com",
            "a@-example.com",
            "a b@example.com",
            "a@exa mple.com",
            "None",
        ] {
            assert!(Email::parse(bad).is_none(), "{bad:?} should be refused");
        }
    }
}
