//! Search and the recent listings, answered by PostgreSQL from the indexes
//! it maintains in the write's own transaction: a write that has returned
//! is found through any node.

mod sql;
pub(crate) mod terms;

use crate::contacts::row::{decode, COLUMNS};
use crate::db::db;
use deadpool_postgres::GenericClient;
use spoke_domain::contact::Contact;
use spoke_domain::ids::{ContactId, PortalId};
use spoke_domain::property::PropertySchema;
use spoke_domain::search::{matches, sort_ids, SearchHits, SearchRequest};
use spoke_domain::store::{RecentBy, RecentQuery};
use spoke_domain::Result;
use tokio_postgres::types::ToSql;

pub(crate) async fn search(
    client: &impl GenericClient,
    portal: PortalId,
    request: &SearchRequest,
    schema: &PropertySchema,
) -> Result<SearchHits> {
    let query = sql::build(portal, request, schema);
    let params: Vec<&(dyn ToSql + Sync)> = query
        .params
        .iter()
        .map(|p| p.as_ref() as &(dyn ToSql + Sync))
        .collect();
    if !query.exact {
        let used = &params[..query.condition_params];
        return checked(client, &query, used, request, schema).await;
    }
    let (limit, offset) = (request.limit as i64, request.offset as i64);
    let paging = params.len() + 1;
    let mut all = params;
    all.push(&limit);
    all.push(&offset);
    if !query.uses_terms {
        // Over columns only: the count reads an index alone, and the page
        // walks an index in order and stops.
        let count = format!(
            "SELECT count(*) FROM contacts c WHERE c.portal_id = $1 AND {}",
            query.condition
        );
        let page = format!(
            "SELECT c.contact_id FROM contacts c WHERE c.portal_id = $1 AND {}
             ORDER BY {} LIMIT ${paging} OFFSET ${}",
            query.condition,
            query.order_c,
            paging + 1
        );
        let counted = &all[..query.condition_params];
        let (total, page) = tokio::try_join!(
            client.query_one(count.as_str(), counted),
            client.query(page.as_str(), &all)
        )
        .map_err(db)?;
        let total: i64 = total.get(0);
        return Ok(SearchHits {
            total: total as u64,
            ids: page.iter().map(|r| ContactId(r.get(0))).collect(),
        });
    }
    // Over search terms: the matches are read once, counted and paged.
    let key = query
        .key
        .as_deref()
        .map(|k| format!(", {k} AS k"))
        .unwrap_or_default();
    let sql = format!(
        "WITH m AS MATERIALIZED (
             SELECT c.contact_id{key} FROM contacts c WHERE c.portal_id = $1 AND {})
         SELECT (SELECT count(*) FROM m),
                ARRAY(SELECT m.contact_id FROM m ORDER BY {} LIMIT ${paging} OFFSET ${})",
        query.condition,
        query.order,
        paging + 1
    );
    let row = client.query_one(sql.as_str(), &all).await.map_err(db)?;
    let total: i64 = row.get(0);
    let ids: Vec<i64> = row.get(1);
    Ok(SearchHits {
        total: total as u64,
        ids: ids.into_iter().map(ContactId).collect(),
    })
}

/// A search whose SQL only narrows: every candidate is checked with the
/// domain's evaluation, then sorted and paged as the domain orders.
async fn checked(
    client: &impl GenericClient,
    query: &sql::SearchSql,
    params: &[&(dyn ToSql + Sync)],
    request: &SearchRequest,
    schema: &PropertySchema,
) -> Result<SearchHits> {
    let sql = format!(
        "SELECT {COLUMNS} FROM contacts c WHERE c.portal_id = $1 AND {}",
        query.condition
    );
    let rows = client.query(sql.as_str(), params).await.map_err(db)?;
    let mut matched: Vec<Contact> = Vec::new();
    for row in &rows {
        let contact = decode(row)?.contact;
        if matches(request, &contact, schema) {
            matched.push(contact);
        }
    }
    let ordered = sort_ids(&matched, request.sort.as_ref(), schema);
    Ok(SearchHits {
        total: matched.len() as u64,
        ids: ordered
            .into_iter()
            .skip(request.offset)
            .take(request.limit)
            .collect(),
    })
}

/// Active contacts newest first by creation or modification time, then
/// highest id first, after the position `before`.
pub(crate) async fn recent(
    client: &impl GenericClient,
    portal: PortalId,
    query: RecentQuery,
) -> Result<Vec<ContactId>> {
    let column = match query.by {
        RecentBy::Created => "created_at",
        RecentBy::Modified => "updated_at",
    };
    let limit = query.limit as i64;
    let rows = match query.before {
        Some((at, id)) => {
            let sql = format!(
                "SELECT contact_id FROM contacts
                 WHERE portal_id = $1 AND state = 0 AND ({column}, contact_id) < ($2, $3)
                 ORDER BY {column} DESC, contact_id DESC LIMIT $4"
            );
            client
                .query(sql.as_str(), &[&portal.0, &at.millis(), &id.0, &limit])
                .await
        }
        None => {
            let sql = format!(
                "SELECT contact_id FROM contacts WHERE portal_id = $1 AND state = 0
                 ORDER BY {column} DESC, contact_id DESC LIMIT $2"
            );
            client.query(sql.as_str(), &[&portal.0, &limit]).await
        }
    }
    .map_err(db)?;
    Ok(rows.iter().map(|r| ContactId(r.get(0))).collect())
}
