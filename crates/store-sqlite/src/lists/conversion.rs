//! Lists that become static on a schedule, and the history of list sizes
//! and filter edits, in SQLite. What is due is the domain's decision
//! ([`ConversionTime::is_due`]); this file reads and writes the rows.

use super::follow::{bump_generation, list_exists};
use super::not_found;
use crate::contacts::timestamp;
use crate::internal;
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use spoke_domain::ids::{ListId, PortalId};
use spoke_domain::lists::conversion::{ConversionTime, ListConversion, ListHistory, SizePoint};
use spoke_domain::time::Timestamp;
use spoke_domain::Result;

/// Notes that a list's filters were edited at `at` (ms).
pub(super) fn record_edit(
    tx: &Transaction<'_>,
    portal: PortalId,
    list: ListId,
    at: i64,
) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT OR IGNORE INTO list_history (portal_id, list_id, kind, at) VALUES (?1, ?2, 'edit', ?3)",
    )?
    .execute(params![portal.0, list.0, at])
    .map(drop)
}

/// A live list's conversion.
pub(super) fn conversion(
    conn: &Connection,
    portal: PortalId,
    list: ListId,
) -> Result<ListConversion> {
    let row: Option<(Option<String>, Option<i64>, Option<i64>)> = conn
        .prepare_cached(
            "SELECT conversion, conversion_requested_at, converted_at FROM lists
             WHERE portal_id = ?1 AND id = ?2 AND deleted_at IS NULL",
        )
        .and_then(|mut stmt| {
            stmt.query_row(params![portal.0, list.0], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .optional()
        })
        .map_err(internal)?;
    let (requested, requested_at, converted_at) = row.ok_or_else(|| not_found(list))?;
    Ok(ListConversion {
        list,
        requested: requested.as_deref().map(parse_requested).transpose()?,
        requested_at: requested_at.map(timestamp),
        converted_at: converted_at.map(timestamp),
    })
}

fn parse_requested(text: &str) -> Result<ConversionTime> {
    let value = serde_json::from_str(text).map_err(internal)?;
    ConversionTime::from_stored(&value)
}

/// Asks for, or cancels, a live list's conversion.
pub(super) fn schedule(
    tx: &Transaction<'_>,
    portal: PortalId,
    list: ListId,
    requested: Option<ConversionTime>,
    at: Timestamp,
) -> Result<ListConversion> {
    if !list_exists(tx, portal, list)? {
        return Err(not_found(list));
    }
    tx.prepare_cached(
        "UPDATE lists SET conversion = ?3, conversion_requested_at = ?4
         WHERE portal_id = ?1 AND id = ?2",
    )
    .and_then(|mut stmt| {
        stmt.execute(params![
            portal.0,
            list.0,
            requested.map(|r| r.to_json().to_string()),
            requested.map(|_| at.millis())
        ])
    })
    .map_err(internal)?;
    conversion(tx, portal, list)
}

/// Converts every list due at `now`, across portals.
pub(super) fn convert_due(tx: &Transaction<'_>, now: Timestamp) -> Result<usize> {
    type Pending = (i64, i64, String, i64, Option<i64>);
    let pending: Vec<Pending> = tx
        .prepare_cached(
            "SELECT portal_id, id, conversion, conversion_requested_at, members_changed_at
             FROM lists
             WHERE conversion IS NOT NULL AND converted_at IS NULL AND deleted_at IS NULL
               AND processing_type = 'DYNAMIC' AND processing_status = 'COMPLETE'",
        )
        .and_then(|mut stmt| {
            stmt.query_map([], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })?
            .collect()
        })
        .map_err(internal)?;
    let mut converted = 0;
    for (portal, list, requested, requested_at, changed_at) in pending {
        let requested = parse_requested(&requested)?;
        if !requested.is_due(timestamp(requested_at), changed_at.map(timestamp), now) {
            continue;
        }
        tx.prepare_cached(
            "UPDATE lists SET processing_type = 'MANUAL', filters = NULL, relative_to_now = 0,
                    version = version + 1, updated_at = ?3, converted_at = ?3
             WHERE portal_id = ?1 AND id = ?2",
        )
        .and_then(|mut stmt| stmt.execute(params![portal, list, now.millis()]))
        .map_err(internal)?;
        bump_generation(tx, PortalId(portal))?;
        converted += 1;
    }
    Ok(converted)
}

/// Records the size of every evaluated live list whose size changed since
/// its last point, across portals.
pub(super) fn record_sizes(tx: &Transaction<'_>, at: Timestamp) -> Result<usize> {
    tx.prepare_cached(
        "INSERT OR IGNORE INTO list_history (portal_id, list_id, kind, at, size)
         SELECT l.portal_id, l.id, 'size', ?1, l.size FROM lists l
         WHERE l.deleted_at IS NULL AND l.processing_status = 'COMPLETE'
           AND l.size IS NOT (SELECT h.size FROM list_history h
                              WHERE h.portal_id = l.portal_id AND h.list_id = l.id
                                AND h.kind = 'size'
                              ORDER BY h.at DESC LIMIT 1)",
    )
    .and_then(|mut stmt| stmt.execute([at.millis()]))
    .map_err(internal)
}

/// A live list's sizes and edits from `from` to `to`: the size in force at
/// `from` (stamped `from`), then every point and edit up to `to`.
pub(super) fn history(
    conn: &Connection,
    portal: PortalId,
    list: ListId,
    from: Timestamp,
    to: Timestamp,
) -> Result<ListHistory> {
    if !list_exists(conn, portal, list)? {
        return Err(not_found(list));
    }
    let mut out = ListHistory::default();
    let before: Option<i64> = conn
        .prepare_cached(
            "SELECT size FROM list_history
             WHERE portal_id = ?1 AND list_id = ?2 AND kind = 'size' AND at < ?3
             ORDER BY at DESC LIMIT 1",
        )
        .and_then(|mut stmt| {
            stmt.query_row(params![portal.0, list.0, from.millis()], |r| r.get(0))
                .optional()
        })
        .map_err(internal)?;
    if let Some(size) = before.filter(|_| from <= to) {
        out.sizes.push(SizePoint { at: from, size });
    }
    let rows: Vec<(String, i64, Option<i64>)> = conn
        .prepare_cached(
            "SELECT kind, at, size FROM list_history
             WHERE portal_id = ?1 AND list_id = ?2 AND at >= ?3 AND at <= ?4
             ORDER BY at, kind",
        )
        .and_then(|mut stmt| {
            stmt.query_map(params![portal.0, list.0, from.millis(), to.millis()], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })?
            .collect()
        })
        .map_err(internal)?;
    for (kind, at, size) in rows {
        match (kind.as_str(), size) {
            ("size", Some(size)) => out.sizes.push(SizePoint {
                at: timestamp(at),
                size,
            }),
            ("edit", _) => out.edits.push(timestamp(at)),
            _ => {}
        }
    }
    Ok(out)
}
