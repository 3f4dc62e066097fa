//! The schema stays ready to be distributed by portal: every table but the
//! listed reference tables has the portal id first in its primary key, and
//! every statement on such a table names the portal.

use spoke_store_postgres::catalogue::{CROSS_PORTAL_FILES, REFERENCE_TABLES};
use spoke_store_postgres::testing::TestDatabase;
use spoke_store_postgres::{PostgresOptions, PostgresStore};

/// Tables of portal data (every table the migrations make, but the
/// reference tables).
async fn tables(url: &str) -> Vec<(String, Option<String>)> {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    client
        .query(
            "SELECT c.relname::text,
                    (SELECT a.attname::text FROM pg_index i
                       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = i.indkey[0]
                      WHERE i.indrelid = c.oid AND i.indisprimary)
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = current_schema() AND c.relkind = 'r'
             ORDER BY 1",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect()
}

#[tokio::test]
async fn every_table_of_portal_data_leads_its_primary_key_with_the_portal() {
    let Some(db) = TestDatabase::create("catalogue").await else {
        return;
    };
    let _store = PostgresStore::open(&PostgresOptions {
        url: db.url.clone(),
        pool_size: 2,
    })
    .await
    .unwrap();
    let tables = tables(&db.url).await;
    assert!(
        tables.len() >= 8,
        "the migrations made the tables: {tables:?}"
    );
    let mut broken = Vec::new();
    for (table, first) in &tables {
        if REFERENCE_TABLES.iter().any(|(name, _)| name == table) {
            continue;
        }
        if first.as_deref() != Some("portal_id") {
            broken.push(format!("{table} (primary key starts with {first:?})"));
        }
    }
    assert!(
        broken.is_empty(),
        "tables of portal data must lead their primary key with portal_id, or be listed in catalogue.rs: {broken:?}"
    );
    for (name, _) in REFERENCE_TABLES {
        assert!(
            tables.iter().any(|(t, _)| t == name),
            "{name} is listed as a reference table but does not exist"
        );
    }
}

/// Every SQL statement in the store's code that touches a table of portal
/// data binds the portal (`portal_id`), so no query crosses portals.
#[test]
fn every_statement_on_portal_data_names_the_portal() {
    let portal_tables = [
        "contacts",
        "unique_values",
        "contact_changes",
        "outbox",
        "properties",
        "property_groups",
        "contact_numbers",
        "contact_merges",
        "lists",
        "list_memberships",
        "list_folders",
        "list_generations",
        "list_history",
    ];
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    let mut dirs = vec![src];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    let mut checked = 0;
    let mut unbound = Vec::new();
    for file in files {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        if CROSS_PORTAL_FILES.iter().any(|(f, _)| *f == name) {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap();
        for literal in string_literals(&text) {
            let upper = literal.to_uppercase();
            let is_sql = ["SELECT ", "UPDATE ", "DELETE FROM", "INSERT INTO"]
                .iter()
                .any(|k| upper.contains(k));
            let touches = portal_tables.iter().any(|t| {
                [" FROM ", "UPDATE ", "INTO ", "JOIN "].iter().any(|k| {
                    literal.contains(&format!("{k}{t} ")) || literal.contains(&format!("{k}{t}\n"))
                })
            });
            if is_sql && touches {
                checked += 1;
                if !literal.contains("portal_id") {
                    unbound.push(format!("{}: {literal}", file.display()));
                }
            }
        }
    }
    assert!(
        checked > 30,
        "found only {checked} statements: the scan is broken"
    );
    assert!(
        unbound.is_empty(),
        "statements not bound to a portal: {unbound:#?}"
    );
}

/// The contents of the string literals of Rust source (plain ones).
fn string_literals(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    let mut current: Option<String> = None;
    while let Some(c) = chars.next() {
        match (&mut current, c) {
            (None, '"') => current = Some(String::new()),
            (None, '/') if chars.peek() == Some(&'/') => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        break;
                    }
                }
            }
            (None, '\'') => {
                // A char literal such as '"' must not open a string.
                let next: Vec<char> = chars.clone().take(3).collect();
                if next.len() >= 2 && next[1] == '\'' {
                    chars.next();
                    chars.next();
                } else if next.len() >= 3 && next[0] == '\\' && next[2] == '\'' {
                    chars.next();
                    chars.next();
                    chars.next();
                }
            }
            (None, _) => {}
            (Some(s), '\\') => {
                if let Some(escaped) = chars.next() {
                    s.push(escaped);
                }
            }
            (Some(_), '"') => out.extend(current.take()),
            (Some(s), c) => s.push(c),
        }
    }
    out
}
