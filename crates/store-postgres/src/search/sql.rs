//! A validated search as SQL over `contacts c`: filter groups OR'd, filters
//! AND'd, with equality and token tests as one tsquery per group
//! (one GIN scan), number ranges over `contact_numbers`, and creation and
//! modification times and ids over columns.
//!
//! Where SQL can only narrow (a range over text, a wildcard inside a word,
//! a value longer than a term keeps), the condition is a superset of the
//! answer and the query is marked inexact: the store then checks every
//! candidate with the domain's own evaluation.

use super::terms::{number_text, prefix, quoted, term, Kind, MAX_TERM_BYTES};
use spoke_domain::ids::PortalId;
use spoke_domain::property::{PropertySchema, PropertyType};
use spoke_domain::search::{
    Bound, Filter, Predicate, SearchRequest, Sort, Term, SEARCHABLE_PROPERTIES,
};
use tokio_postgres::types::ToSql;

pub(crate) type Param = Box<dyn ToSql + Sync + Send>;

/// The SQL of one search.
pub(crate) struct SearchSql {
    /// A condition over `c` (the state included; `$1` is the portal, which
    /// the statement binds).
    pub condition: String,
    /// The sort key over `c`, when the order is not by id alone.
    pub key: Option<String>,
    /// `ORDER BY` over `m.contact_id` and `m.k` (the key).
    pub order: String,
    /// The same order over `c` (ids in creation order: creation times
    /// never go back, so an index on them serves an order by id).
    pub order_c: String,
    /// Whether the condition tests search terms (a GIN scan, whose
    /// matches are best read once); otherwise it is over columns and
    /// indexes that count without reading the table.
    pub uses_terms: bool,
    /// Parameters of the condition, then of the key.
    pub params: Vec<Param>,
    /// How many of `params` the condition uses.
    pub condition_params: usize,
    /// False when `condition` is a superset of the answer.
    pub exact: bool,
}

/// One filter's part of a group.
enum Cond {
    /// A tsquery operand (parenthesized), exact.
    Terms(String),
    /// A tsquery operand that may match more than the filter.
    TermsSuperset(String),
    /// An SQL condition over `c`.
    Sql(String),
    /// An SQL condition that may match more than the filter.
    SqlSuperset(String),
    /// Every active contact.
    All,
    /// No contact.
    Nothing,
}

struct Builder<'a> {
    portal: PortalId,
    schema: &'a PropertySchema,
    params: Vec<Param>,
    exact: bool,
    uses_terms: bool,
}

pub(crate) fn build(
    portal: PortalId,
    request: &SearchRequest,
    schema: &PropertySchema,
) -> SearchSql {
    let mut b = Builder {
        portal,
        schema,
        params: vec![Box::new(portal.0)],
        exact: true,
        uses_terms: false,
    };
    // The portal ($1) is bound by the statement the condition goes into.
    let mut condition = "c.state = 0".to_string();
    if !request.groups.is_empty() {
        let groups: Vec<String> = request
            .groups
            .iter()
            .map(|g| format!("({})", b.group(g)))
            .collect();
        condition.push_str(&format!(" AND ({})", groups.join(" OR ")));
    }
    let mut words: Vec<String> = Vec::new();
    for word in &request.query_words {
        match b.query_word(word) {
            None => condition.push_str(" AND FALSE"),
            Some(Cond::Terms(operand)) => words.push(operand),
            Some(Cond::SqlSuperset(sql)) => {
                b.exact = false;
                condition.push_str(&format!(" AND {sql}"));
            }
            Some(_) => unreachable!("a query word is terms or a superset"),
        }
    }
    if !words.is_empty() {
        b.uses_terms = true;
        let tsquery = b.text(words.join(" & "));
        condition.push_str(&format!(" AND c.terms @@ {tsquery}::text::tsquery"));
    }
    let condition_params = b.params.len();
    let (key, order, order_c) = b.sort(request.sort.as_ref());
    SearchSql {
        condition,
        key,
        order,
        order_c,
        uses_terms: b.uses_terms,
        params: b.params,
        condition_params,
        exact: b.exact,
    }
}

impl Builder<'_> {
    fn param(&mut self, value: impl ToSql + Sync + Send + 'static) -> String {
        self.params.push(Box::new(value));
        format!("${}", self.params.len())
    }

    fn text(&mut self, value: String) -> String {
        self.param(value)
    }

    /// A term as a tsquery operand; `prefix` matches every term starting
    /// with it. Cut terms make the query inexact.
    fn operand(
        &mut self,
        property: &str,
        kind: Kind,
        text: &str,
        prefix_match: bool,
    ) -> (String, bool) {
        let (t, whole) = term(self.portal, property, kind, text);
        let suffix = if prefix_match { ":*" } else { "" };
        (format!("{}{suffix}", quoted(&t)), whole)
    }

    fn any_of(&mut self, parts: Vec<(String, bool)>) -> Cond {
        let whole = parts.iter().all(|(_, w)| *w);
        let joined: Vec<String> = parts.into_iter().map(|(p, _)| p).collect();
        let operand = format!("({})", joined.join(" | "));
        if whole {
            Cond::Terms(operand)
        } else {
            Cond::TermsSuperset(operand)
        }
    }

    /// The contacts with a value of the property (read from their values).
    /// The name is a literal, not a parameter, since the condition may be
    /// left out of the statement (a negated superset).
    fn present(&mut self, property: &str) -> String {
        format!("c.properties ? '{}'", property.replace('\'', "''"))
    }

    fn group(&mut self, filters: &[Filter]) -> String {
        let mut positive: Vec<String> = Vec::new();
        let mut negative: Vec<String> = Vec::new();
        let mut sql: Vec<String> = Vec::new();
        for filter in filters {
            match (self.filter(filter), filter.negated) {
                (Cond::Terms(q), false) => positive.push(q),
                (Cond::Terms(q), true) => negative.push(q),
                (Cond::TermsSuperset(q), false) => {
                    self.exact = false;
                    positive.push(q);
                }
                (Cond::TermsSuperset(_) | Cond::SqlSuperset(_), true) => {
                    // The complement of a superset is a subset: leave the
                    // filter to the check of candidates.
                    self.exact = false;
                }
                (Cond::SqlSuperset(s), false) => {
                    self.exact = false;
                    sql.push(s);
                }
                (Cond::Sql(s), false) => sql.push(s),
                (Cond::Sql(s), true) => sql.push(format!("NOT ({s})")),
                (Cond::All, false) | (Cond::Nothing, true) => {}
                (Cond::All, true) | (Cond::Nothing, false) => sql.push("FALSE".into()),
            }
        }
        if !positive.is_empty() || !negative.is_empty() {
            self.uses_terms = true;
        }
        if !positive.is_empty() {
            let mut q = positive.join(" & ");
            if !negative.is_empty() {
                q = format!("{q} & !({})", negative.join(" | "));
            }
            let p = self.text(q);
            sql.push(format!("c.terms @@ {p}::text::tsquery"));
        } else if !negative.is_empty() {
            let p = self.text(negative.join(" | "));
            sql.push(format!("NOT (c.terms @@ {p}::text::tsquery)"));
        }
        if sql.is_empty() {
            "TRUE".into()
        } else {
            sql.join(" AND ")
        }
    }

    fn filter(&mut self, filter: &Filter) -> Cond {
        let property = filter.property.as_str();
        match property {
            "hs_object_id" => return self.integral("c.contact_id", &filter.predicate, true),
            "createdate" => return self.integral("c.created_at", &filter.predicate, false),
            "lastmodifieddate" => return self.integral("c.updated_at", &filter.predicate, false),
            _ => {}
        }
        let Some(def) = self.schema.get(property) else {
            return Cond::Nothing;
        };
        match &filter.predicate {
            Predicate::Exists => Cond::Sql(self.present(property)),
            Predicate::Equals(t) => {
                let part = self.term_operand(property, t);
                self.any_of(vec![part])
            }
            Predicate::AnyOf(terms) => {
                let parts = terms
                    .iter()
                    .map(|t| self.term_operand(property, t))
                    .collect();
                self.any_of(parts)
            }
            Predicate::Range(low, high) => match (number(low), number(high)) {
                (Ok(l), Ok(h)) if numeric(def.property_type) => {
                    if !sensible(l, h) {
                        return Cond::Nothing;
                    }
                    let p = self.param(property.to_string());
                    let mut c = format!(
                        "c.contact_id IN (SELECT n.contact_id FROM contact_numbers n WHERE n.portal_id = $1 AND n.property = {p}"
                    );
                    if let Some((v, inclusive)) = l {
                        let v = self.param(v);
                        c.push_str(&format!(
                            " AND n.value {} {v}",
                            if inclusive { ">=" } else { ">" }
                        ));
                    }
                    if let Some((v, inclusive)) = h {
                        let v = self.param(v);
                        c.push_str(&format!(
                            " AND n.value {} {v}",
                            if inclusive { "<=" } else { "<" }
                        ));
                    }
                    c.push(')');
                    Cond::Sql(c)
                }
                (Ok(_), Ok(_)) => Cond::Nothing,
                // A range over text: the contacts with a value, checked after.
                _ => Cond::SqlSuperset(self.present(property)),
            },
            Predicate::Token(pattern) => self.token(property, pattern),
        }
    }

    fn term_operand(&mut self, property: &str, t: &Term) -> (String, bool) {
        match t {
            Term::Text(text) => self.operand(property, Kind::Exact, text, false),
            Term::Number(n) => self.operand(property, Kind::Number, &number_text(*n), false),
        }
    }

    /// A token pattern: a word of the value or the whole value, `*` any run
    /// of characters.
    fn token(&mut self, property: &str, pattern: &str) -> Cond {
        let stars = pattern.matches('*').count();
        let body = pattern.trim_matches('*');
        if stars == 0 {
            let parts = vec![
                self.operand(property, Kind::Word, pattern, false),
                self.operand(property, Kind::Exact, pattern, false),
            ];
            self.any_of(parts)
        } else if stars == 1 && pattern.ends_with('*') {
            if body.is_empty() {
                return Cond::Sql(self.present(property));
            }
            if body.len() > MAX_TERM_BYTES {
                return Cond::SqlSuperset(self.present(property));
            }
            let parts = vec![
                self.operand(property, Kind::Word, body, true),
                self.operand(property, Kind::Exact, body, true),
            ];
            self.any_of(parts)
        } else if stars == 1 && pattern.starts_with('*') && body.starts_with('@') {
            let part = self.operand(property, Kind::Word, body, false);
            self.any_of(vec![part])
        } else {
            Cond::SqlSuperset(self.present(property))
        }
    }

    /// Ids and timestamps: whole numbers compared as columns.
    fn integral(&mut self, column: &str, predicate: &Predicate, id: bool) -> Cond {
        // The in-memory index holds 32-bit ids: the same answer here.
        let (floor, ceiling) = if id {
            (0.0, f64::from(u32::MAX))
        } else {
            (i64::MIN as f64, i64::MAX as f64)
        };
        let whole = |n: f64| (n.fract() == 0.0 && n >= floor && n <= ceiling).then_some(n as i64);
        match predicate {
            Predicate::Exists => Cond::All,
            Predicate::Token(_) => Cond::Nothing,
            Predicate::Equals(Term::Number(n)) => match whole(*n) {
                Some(v) => {
                    let p = self.param(v);
                    Cond::Sql(format!("{column} = {p}"))
                }
                None => Cond::Nothing,
            },
            Predicate::AnyOf(terms) => {
                let values: Vec<i64> = terms
                    .iter()
                    .filter_map(|t| match t {
                        Term::Number(n) => whole(*n),
                        Term::Text(_) => None,
                    })
                    .collect();
                if values.is_empty() {
                    return Cond::Nothing;
                }
                let p = self.param(values);
                Cond::Sql(format!("{column} = ANY({p})"))
            }
            Predicate::Range(low, high) => {
                let from = match low {
                    Bound::Excluded(Term::Number(n)) => n.floor() + 1.0,
                    Bound::Included(Term::Number(n)) => n.ceil(),
                    _ => floor,
                };
                let to = match high {
                    Bound::Excluded(Term::Number(n)) => n.ceil() - 1.0,
                    Bound::Included(Term::Number(n)) => n.floor(),
                    _ => ceiling,
                };
                let (from, to) = (from.max(floor), to.min(ceiling));
                if from > to {
                    return Cond::Nothing;
                }
                let (a, b) = (self.param(from as i64), self.param(to as i64));
                Cond::Sql(format!("{column} BETWEEN {a} AND {b}"))
            }
            Predicate::Equals(Term::Text(_)) => Cond::Nothing,
        }
    }

    /// One word of the free-text query: a prefix of a word of any
    /// searchable property (a value of one word keeps it as its exact
    /// term). `None` when no searchable property is active; the word's
    /// condition is a tsquery operand, or SQL for a word too long for a
    /// term.
    fn query_word(&mut self, word: &str) -> Option<Cond> {
        let names: Vec<&str> = SEARCHABLE_PROPERTIES
            .iter()
            .copied()
            .filter(|name| self.schema.get(name).is_some())
            .collect();
        if names.is_empty() {
            return None;
        }
        if word.len() > MAX_TERM_BYTES {
            let any: Vec<String> = names.iter().map(|n| self.present(n)).collect();
            return Some(Cond::SqlSuperset(format!("({})", any.join(" OR "))));
        }
        let mut parts = Vec::new();
        for name in names {
            parts.push(self.operand(name, Kind::Word, word, true).0);
            parts.push(self.operand(name, Kind::Exact, word, true).0);
        }
        Some(Cond::Terms(format!("({})", parts.join(" | "))))
    }

    /// The sort key and the order of the page, over `m` and over `c`.
    fn sort(&mut self, sort: Option<&Sort>) -> (Option<String>, String, String) {
        let by_id = |direction: &str| {
            (
                None,
                format!("m.contact_id {direction}"),
                format!("c.created_at {direction}, c.contact_id {direction}"),
            )
        };
        let Some(sort) = sort else {
            return by_id("ASC");
        };
        let direction = if sort.descending { "DESC" } else { "ASC" };
        let property = sort.property.as_str();
        let key = match property {
            // Ids are handed out in creation order.
            "hs_object_id" | "createdate" => return by_id(direction),
            "lastmodifieddate" => "c.updated_at::float8".to_string(),
            _ => match self.schema.get(property) {
                Some(def) if numeric(def.property_type) => {
                    let p = self.param(property.to_string());
                    format!(
                        "(SELECT n.value FROM contact_numbers n WHERE n.portal_id = $1 AND n.property = {p} AND n.contact_id = c.contact_id)"
                    )
                }
                Some(_) => {
                    // The lowest (highest, descending) exact value: a
                    // multi-select sorts by its first option either way.
                    let start = prefix(self.portal, property, Kind::Exact);
                    let from = (start.chars().count() + 1) as i32;
                    let (p, f) = (self.param(start), self.param(from));
                    let pick = if sort.descending { "max" } else { "min" };
                    format!(
                        "(SELECT {pick}(substr(l, {f}) COLLATE \"C\") FROM unnest(tsvector_to_array(c.terms)) l WHERE starts_with(l, {p}))"
                    )
                }
                None => return by_id("ASC"),
            },
        };
        let order = format!("m.k {direction} NULLS LAST, m.contact_id ASC");
        let order_c = format!("{key} {direction} NULLS LAST, c.contact_id ASC");
        (Some(key), order, order_c)
    }
}

fn numeric(ty: PropertyType) -> bool {
    matches!(
        ty,
        PropertyType::Number | PropertyType::Date | PropertyType::Datetime
    )
}

type NumberBound = Option<(f64, bool)>;

fn number(bound: &Bound) -> Result<NumberBound, ()> {
    match bound {
        Bound::Unbounded => Ok(None),
        Bound::Included(Term::Number(n)) => Ok(Some((*n, true))),
        Bound::Excluded(Term::Number(n)) => Ok(Some((*n, false))),
        _ => Err(()),
    }
}

/// Whether a range can hold anything (the index treats others as empty).
fn sensible(low: NumberBound, high: NumberBound) -> bool {
    match (low, high) {
        (Some((a, true)), Some((b, true))) => a <= b,
        (Some((a, _)), Some((b, _))) => a < b,
        _ => true,
    }
}
