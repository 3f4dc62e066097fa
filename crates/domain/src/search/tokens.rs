//! How text is cut into tokens, for `CONTAINS_TOKEN` and the free-text
//! `query`.
//!
//! A value's tokens are its lowercase runs of letters and digits; a value
//! with an `@` also yields the `@domain` part, so HubSpot's documented
//! `*@hubspot.com` pattern is a single token lookup. The whole lowercase
//! value is indexed separately (as the property's term).

/// Tokens of a value, lowercase, without duplicates.
pub fn tokens(value: &str) -> Vec<String> {
    let lower = value.to_lowercase();
    let mut out: Vec<String> = Vec::new();
    for word in lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if !out.iter().any(|t| t == word) {
            out.push(word.to_string());
        }
    }
    if let Some(at) = lower.rfind('@') {
        let domain = &lower[at..];
        if domain.len() > 1 && !out.iter().any(|t| t == domain) {
            out.push(domain.to_string());
        }
    }
    out
}

/// The words of a free-text query: lowercase runs of letters and digits.
pub fn query_words(query: &str) -> Vec<String> {
    tokens(query)
        .into_iter()
        .filter(|t| !t.starts_with('@'))
        .collect()
}

/// Whether `text` matches `pattern`, where `*` matches any run of
/// characters (including none). Both are expected lowercase.
pub fn wildcard_match(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !text.starts_with(first) || text.len() < first.len() + last.len() || !text.ends_with(last) {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for middle in &parts[1..parts.len() - 1] {
        match rest.find(middle) {
            Some(at) => rest = &rest[at + middle.len()..],
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_split_into_lowercase_words_and_a_domain() {
        assert_eq!(
            tokens("Jane.Doe+crm@Example.com"),
            ["jane", "doe", "crm", "example", "com", "@example.com"]
        );
        assert_eq!(
            tokens("Software  Engineer, Sr"),
            ["software", "engineer", "sr"]
        );
        assert_eq!(tokens("+1 (555) 0100"), ["1", "555", "0100"]);
        assert_eq!(tokens("Zoë Ørsted"), ["zoë", "ørsted"]);
        assert!(tokens("--").is_empty());
    }

    #[test]
    fn wildcards_match_any_run() {
        assert!(wildcard_match("*@hubspot.com", "a@hubspot.com"));
        assert!(!wildcard_match("*@hubspot.com", "a@hubspot.co"));
        assert!(wildcard_match("jo*", "john"));
        assert!(wildcard_match("jo*", "jo"));
        assert!(wildcard_match("*oh*", "john"));
        assert!(wildcard_match("j*n", "john"));
        assert!(!wildcard_match("j*n*x", "john"));
        assert!(wildcard_match("*", ""));
        assert!(
            !wildcard_match("ab*ba", "aba"),
            "first and last may not overlap"
        );
        assert!(wildcard_match("exact", "exact"));
    }
}
