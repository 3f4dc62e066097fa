//! Credentials, apps, OAuth grants, the admin's tokens and sessions.

use crate::credentials::{add_credential, allocate_app_id, insert_private_app, portal_exists};
use crate::portals::limit_settings;
use crate::{internal, SqliteStore};
use async_trait::async_trait;
use rusqlite::{params, Connection, OptionalExtension, Row, Transaction};
use spoke_domain::access::caller::{Credential, PortalTerms, StoredCredential};
use spoke_domain::access::limits::{MemoryCounter, RateCounter, Tier};
use spoke_domain::access::oauth::{
    AccessGrant, App, AuthorizationCode, Challenge, ChallengeMethod, RefreshGrant,
};
use spoke_domain::access::portals::{NewApp, NewPrivateApp, PrivateApp};
use spoke_domain::access::scopes::Scopes;
use spoke_domain::ids::{AppId, PortalId};
use spoke_domain::store::AccessStore;
use spoke_domain::time::Timestamp;
use spoke_domain::Result;
use std::sync::{Arc, PoisonError};

/// Bound on the credential cache; past it the cache starts over.
const MAX_CACHED_CREDENTIALS: usize = 100_000;
/// Expired OAuth access tokens are kept this long, so that a caller is told
/// how long ago its token expired, then deleted.
const KEEP_EXPIRED_MS: i64 = 7 * 86_400_000;

const APP_COLUMNS: &str = "app_id, name, client_id, client_secret_hash, redirect_uris, scopes, optional_scopes, token_ttl_seconds, created_at, client_secret";

#[async_trait]
impl AccessStore for SqliteStore {
    async fn credential(&self, secret_hash: [u8; 32]) -> Result<Option<StoredCredential>> {
        let cache = &self.inner.credentials;
        if let Some(found) = cache
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&secret_hash)
        {
            return Ok(Some(found.clone()));
        }
        let found = self.connections().read(|conn| {
            conn.prepare_cached(
                "SELECT t.portal_id, t.kind, t.app_id, t.scopes, t.expires_at, p.tier,
                        p.limits_mode, p.limit_ten_secondly, p.limit_daily, p.limit_search_per_second
                 FROM access_tokens t JOIN portals p ON p.id = t.portal_id
                 WHERE t.token_hash = ?1",
            )
            .and_then(|mut stmt| stmt.query_row([&secret_hash[..]], credential_row).optional())
            .map(Option::flatten)
            .map_err(internal)
        })?;
        if let Some(found) = &found {
            let mut cache = cache.write().unwrap_or_else(PoisonError::into_inner);
            if cache.len() >= MAX_CACHED_CREDENTIALS {
                cache.clear();
            }
            cache.insert(secret_hash, found.clone());
        }
        Ok(found)
    }

    async fn create_private_app(
        &self,
        portal: PortalId,
        app: NewPrivateApp,
    ) -> Result<Option<PrivateApp>> {
        self.connections()
            .write(move |tx| {
                if !portal_exists(tx, portal)? {
                    return Ok(None);
                }
                insert_private_app(tx, portal, &app, false).map(Some)
            })
            .await
    }

    async fn delete_private_app(&self, portal: PortalId, app: AppId) -> Result<bool> {
        let store = self.clone();
        self.connections()
            .write_then(
                move |tx| {
                    let deleted = tx
                        .execute(
                            "DELETE FROM private_apps WHERE portal_id = ?1 AND app_id = ?2",
                            params![portal.0, app.0],
                        )
                        .map_err(internal)?;
                    tx.execute(
                        "DELETE FROM access_tokens WHERE portal_id = ?1 AND kind = 'private_app' AND app_id = ?2",
                        params![portal.0, app.0],
                    )
                    .map_err(internal)?;
                    Ok(deleted > 0)
                },
                move |_, _| {
                    store.forget_credentials_of(portal);
                    Ok(())
                },
            )
            .await
    }

    async fn set_api_key(&self, portal: PortalId, key_hash: [u8; 32]) -> Result<bool> {
        let store = self.clone();
        self.connections()
            .write_then(
                move |tx| {
                    if !portal_exists(tx, portal)? {
                        return Ok(false);
                    }
                    tx.execute(
                        "DELETE FROM access_tokens WHERE portal_id = ?1 AND kind = 'api_key'",
                        [portal.0],
                    )
                    .map_err(internal)?;
                    add_credential(tx, key_hash, portal, "api_key", None, &Scopes::all(), None)?;
                    Ok(true)
                },
                move |_, _| {
                    store.forget_credentials_of(portal);
                    Ok(())
                },
            )
            .await
    }

    async fn delete_api_key(&self, portal: PortalId) -> Result<bool> {
        let store = self.clone();
        self.connections()
            .write_then(
                move |tx| {
                    tx.execute(
                        "DELETE FROM access_tokens WHERE portal_id = ?1 AND kind = 'api_key'",
                        [portal.0],
                    )
                    .map(|n| n > 0)
                    .map_err(internal)
                },
                move |_, _| {
                    store.forget_credentials_of(portal);
                    Ok(())
                },
            )
            .await
    }

    async fn create_app(&self, app: NewApp) -> Result<App> {
        self.connections()
            .write(move |tx| {
                let id = allocate_app_id(tx)?;
                let now = Timestamp::now();
                let uris = serde_json::to_string(&app.redirect_uris).map_err(internal)?;
                tx.execute(
                    "INSERT INTO apps (app_id, name, client_id, client_secret_hash, developer_key_hash,
                       redirect_uris, scopes, optional_scopes, token_ttl_seconds, created_at,
                       client_secret)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                    params![
                        id.0,
                        app.name,
                        app.client_id,
                        &app.client_secret_hash[..],
                        &app.developer_key_hash[..],
                        uris,
                        app.scopes.to_stored(),
                        app.optional_scopes.to_stored(),
                        app.token_ttl_seconds,
                        now.millis(),
                        app.client_secret
                    ],
                )
                .map_err(internal)?;
                Ok(App {
                    id,
                    name: app.name,
                    client_id: app.client_id,
                    client_secret_hash: app.client_secret_hash,
                    client_secret: Some(app.client_secret),
                    redirect_uris: app.redirect_uris,
                    scopes: app.scopes,
                    optional_scopes: app.optional_scopes,
                    token_ttl_seconds: app.token_ttl_seconds,
                    created_at: now,
                })
            })
            .await
    }

    async fn private_apps(&self, portal: PortalId) -> Result<Vec<PrivateApp>> {
        self.connections().read(|conn| {
            conn.prepare_cached(
                "SELECT app_id, name, scopes, created_at FROM private_apps
                  WHERE portal_id = ?1 ORDER BY app_id",
            )
            .and_then(|mut stmt| {
                stmt.query_map([portal.0], |r| {
                    Ok(PrivateApp {
                        id: AppId(r.get(0)?),
                        portal,
                        name: r.get(1)?,
                        scopes: Scopes::from_stored(&r.get::<_, String>(2)?),
                        created_at: Timestamp::from_stored(r.get(3)?),
                    })
                })?
                .collect()
            })
            .map_err(internal)
        })
    }

    async fn installs(&self, portal: PortalId) -> Result<Vec<(AppId, Scopes, Timestamp)>> {
        self.connections().read(|conn| {
            conn.prepare_cached(
                "SELECT app_id, scopes, installed_at FROM app_installs
                  WHERE portal_id = ?1 ORDER BY app_id",
            )
            .and_then(|mut stmt| {
                stmt.query_map([portal.0], |r| {
                    Ok((
                        AppId(r.get(0)?),
                        Scopes::from_stored(&r.get::<_, String>(1)?),
                        Timestamp::from_stored(r.get(2)?),
                    ))
                })?
                .collect()
            })
            .map_err(internal)
        })
    }

    async fn apps(&self) -> Result<Vec<App>> {
        self.connections().read(|conn| {
            conn.prepare_cached(&format!("SELECT {APP_COLUMNS} FROM apps ORDER BY app_id"))
                .and_then(|mut stmt| stmt.query_map([], app_row)?.collect())
                .map_err(internal)
        })
    }

    async fn app(&self, app: AppId) -> Result<Option<App>> {
        self.connections()
            .read(|conn| find_app(conn, "app_id = ?1", &app.0))
    }

    async fn app_by_client_id(&self, client_id: &str) -> Result<Option<App>> {
        self.connections()
            .read(|conn| find_app(conn, "client_id = ?1", &client_id))
    }

    async fn app_by_developer_key(&self, key_hash: [u8; 32]) -> Result<Option<App>> {
        self.connections()
            .read(|conn| find_app(conn, "developer_key_hash = ?1", &&key_hash[..]))
    }

    async fn authorize(&self, code: AuthorizationCode) -> Result<bool> {
        self.connections()
            .write(move |tx| {
                if !portal_exists(tx, code.portal)? {
                    return Ok(false);
                }
                let now = Timestamp::now().millis();
                tx.execute("DELETE FROM oauth_codes WHERE expires_at < ?1", [now])
                    .map_err(internal)?;
                tx.execute(
                    "INSERT INTO app_installs (portal_id, app_id, scopes, installed_at)
                     VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (portal_id, app_id) DO UPDATE SET scopes = excluded.scopes",
                    params![code.portal.0, code.app.0, code.scopes.to_stored(), now],
                )
                .map_err(internal)?;
                tx.execute(
                    "INSERT INTO oauth_codes (code_hash, portal_id, app_id, redirect_uri, scopes,
                       challenge, challenge_method, expires_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                    params![
                        &code.code_hash[..],
                        code.portal.0,
                        code.app.0,
                        code.redirect_uri,
                        code.scopes.to_stored(),
                        code.challenge.as_ref().map(|c| c.value.clone()),
                        code.challenge.as_ref().map(|c| c.method.as_str()),
                        code.expires_at.millis()
                    ],
                )
                .map_err(internal)?;
                Ok(true)
            })
            .await
    }

    async fn authorization_code(&self, code_hash: [u8; 32]) -> Result<Option<AuthorizationCode>> {
        self.connections().read(|conn| {
            conn.prepare_cached(
                "SELECT portal_id, app_id, redirect_uri, scopes, challenge, challenge_method, expires_at
                 FROM oauth_codes WHERE code_hash = ?1",
            )
            .and_then(|mut stmt| {
                stmt.query_row([&code_hash[..]], |r| {
                    let challenge = match (r.get::<_, Option<String>>(4)?, r.get::<_, Option<String>>(5)?) {
                        (Some(value), Some(method)) => Some(Challenge {
                            method: if method == "S256" {
                                ChallengeMethod::S256
                            } else {
                                ChallengeMethod::Plain
                            },
                            value,
                        }),
                        _ => None,
                    };
                    Ok(AuthorizationCode {
                        code_hash,
                        portal: PortalId(r.get(0)?),
                        app: AppId(r.get(1)?),
                        redirect_uri: r.get(2)?,
                        scopes: Scopes::from_stored(&r.get::<_, String>(3)?),
                        challenge,
                        expires_at: Timestamp::from_stored(r.get(6)?),
                    })
                })
                .optional()
            })
            .map_err(internal)
        })
    }

    async fn redeem_code(
        &self,
        code_hash: [u8; 32],
        access: AccessGrant,
        refresh: RefreshGrant,
    ) -> Result<bool> {
        self.connections()
            .write(move |tx| {
                let used = tx
                    .execute(
                        "DELETE FROM oauth_codes WHERE code_hash = ?1",
                        [&code_hash[..]],
                    )
                    .map_err(internal)?;
                if used == 0 {
                    return Ok(false);
                }
                insert_access_grant(tx, &access)?;
                tx.execute(
                    "INSERT INTO refresh_tokens (token_hash, portal_id, app_id, scopes, created_at)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![
                        &refresh.token_hash[..],
                        refresh.portal.0,
                        refresh.app.0,
                        refresh.scopes.to_stored(),
                        refresh.created_at.millis()
                    ],
                )
                .map_err(internal)?;
                Ok(true)
            })
            .await
    }

    async fn refresh_grant(&self, token_hash: [u8; 32]) -> Result<Option<RefreshGrant>> {
        self.connections().read(|conn| {
            conn.prepare_cached(
                "SELECT portal_id, app_id, scopes, created_at FROM refresh_tokens WHERE token_hash = ?1",
            )
            .and_then(|mut stmt| {
                stmt.query_row([&token_hash[..]], |r| {
                    Ok(RefreshGrant {
                        token_hash,
                        portal: PortalId(r.get(0)?),
                        app: AppId(r.get(1)?),
                        scopes: Scopes::from_stored(&r.get::<_, String>(2)?),
                        created_at: Timestamp::from_stored(r.get(3)?),
                    })
                })
                .optional()
            })
            .map_err(internal)
        })
    }

    async fn add_access_token(&self, access: AccessGrant) -> Result<()> {
        self.connections()
            .write(move |tx| insert_access_grant(tx, &access))
            .await
    }

    async fn access_grant(&self, token_hash: [u8; 32]) -> Result<Option<AccessGrant>> {
        self.connections().read(|conn| {
            conn.prepare_cached(
                "SELECT portal_id, app_id, scopes, expires_at FROM access_tokens
                 WHERE token_hash = ?1 AND kind = 'oauth'",
            )
            .and_then(|mut stmt| {
                stmt.query_row([&token_hash[..]], |r| {
                    Ok(AccessGrant {
                        token_hash,
                        portal: PortalId(r.get(0)?),
                        app: AppId(r.get::<_, Option<i64>>(1)?.unwrap_or(0)),
                        scopes: Scopes::from_stored(&r.get::<_, String>(2)?),
                        expires_at: Timestamp::from_stored(
                            r.get::<_, Option<i64>>(3)?.unwrap_or(0),
                        ),
                    })
                })
                .optional()
            })
            .map_err(internal)
        })
    }

    async fn delete_refresh_token(&self, token_hash: [u8; 32]) -> Result<bool> {
        self.connections()
            .write(move |tx| {
                tx.execute(
                    "DELETE FROM refresh_tokens WHERE token_hash = ?1",
                    [&token_hash[..]],
                )
                .map(|n| n > 0)
                .map_err(internal)
            })
            .await
    }

    async fn delete_access_token(&self, token_hash: [u8; 32]) -> Result<bool> {
        let store = self.clone();
        self.connections()
            .write_then(
                move |tx| {
                    tx.execute(
                        "DELETE FROM access_tokens WHERE token_hash = ?1 AND kind = 'oauth'",
                        [&token_hash[..]],
                    )
                    .map(|n| n > 0)
                    .map_err(internal)
                },
                move |_, _| {
                    store
                        .inner
                        .credentials
                        .write()
                        .unwrap_or_else(PoisonError::into_inner)
                        .remove(&token_hash);
                    Ok(())
                },
            )
            .await
    }

    async fn ensure_admin_token(
        &self,
        chosen: Option<[u8; 32]>,
        candidate: [u8; 32],
    ) -> Result<bool> {
        self.connections()
            .write(move |tx| {
                let now = Timestamp::now().millis();
                match chosen {
                    Some(hash) => tx
                        .execute(
                            "INSERT OR IGNORE INTO admin_tokens (token_hash, generated, created_at) VALUES (?1, 0, ?2)",
                            params![&hash[..], now],
                        )
                        .map(|_| false),
                    None => tx
                        .execute(
                            "INSERT OR IGNORE INTO admin_tokens (token_hash, generated, created_at) VALUES (?1, 1, ?2)",
                            params![&candidate[..], now],
                        )
                        .map(|n| n == 1),
                }
                .map_err(internal)
            })
            .await
    }

    async fn is_admin_token(&self, token_hash: [u8; 32]) -> Result<bool> {
        self.connections().read(|conn| {
            conn.prepare_cached("SELECT 1 FROM admin_tokens WHERE token_hash = ?1")
                .and_then(|mut stmt| stmt.exists([&token_hash[..]]))
                .map_err(internal)
        })
    }

    async fn add_session(&self, session_hash: [u8; 32], expires_at: Timestamp) -> Result<()> {
        self.connections()
            .write(move |tx| {
                tx.execute(
                    "DELETE FROM admin_sessions WHERE expires_at < ?1",
                    [Timestamp::now().millis()],
                )
                .map_err(internal)?;
                tx.execute(
                    "INSERT INTO admin_sessions (session_hash, expires_at) VALUES (?1, ?2)",
                    params![&session_hash[..], expires_at.millis()],
                )
                .map(drop)
                .map_err(internal)
            })
            .await
    }

    async fn end_session(&self, session_hash: [u8; 32]) -> Result<()> {
        self.connections()
            .write(move |tx| {
                tx.execute(
                    "DELETE FROM admin_sessions WHERE session_hash = ?1",
                    [&session_hash[..]],
                )
                .map(drop)
                .map_err(internal)
            })
            .await
    }

    async fn session_valid(&self, session_hash: [u8; 32], now: Timestamp) -> Result<bool> {
        self.connections().read(|conn| {
            conn.prepare_cached(
                "SELECT 1 FROM admin_sessions WHERE session_hash = ?1 AND expires_at > ?2",
            )
            .and_then(|mut stmt| stmt.exists(params![&session_hash[..], now.millis()]))
            .map_err(internal)
        })
    }

    fn rate_counter(&self) -> Arc<dyn RateCounter> {
        Arc::clone(&self.inner.counter) as Arc<dyn RateCounter>
    }
}

impl SqliteStore {
    /// Drops the cached credentials of a portal (after any change to its
    /// credentials or limits).
    pub(crate) fn forget_credentials_of(&self, portal: PortalId) {
        self.inner
            .credentials
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .retain(|_, c| c.portal != portal);
    }
}

/// The in-process rate counter of a store only this server opens.
pub(crate) fn new_counter() -> Arc<MemoryCounter> {
    Arc::new(MemoryCounter::default())
}

fn credential_row(r: &Row<'_>) -> rusqlite::Result<Option<StoredCredential>> {
    let kind: String = r.get(1)?;
    let app: Option<i64> = r.get(2)?;
    let credential = match (kind.as_str(), app) {
        ("private_app", Some(app)) => Credential::PrivateApp { app: AppId(app) },
        ("api_key", _) => Credential::ApiKey,
        ("oauth", Some(app)) => Credential::OAuth {
            app: AppId(app),
            expires_at: Timestamp::from_stored(r.get::<_, Option<i64>>(4)?.unwrap_or(0)),
        },
        _ => return Ok(None),
    };
    Ok(Some(StoredCredential {
        portal: PortalId(r.get(0)?),
        credential,
        scopes: Scopes::from_stored(&r.get::<_, String>(3)?),
        terms: PortalTerms {
            tier: Tier::parse(&r.get::<_, String>(5)?).unwrap_or_default(),
            limits: limit_settings(r, 6)?,
        },
    }))
}

fn find_app(
    conn: &Connection,
    condition: &str,
    value: &dyn rusqlite::ToSql,
) -> Result<Option<App>> {
    conn.prepare_cached(&format!("SELECT {APP_COLUMNS} FROM apps WHERE {condition}"))
        .and_then(|mut stmt| stmt.query_row([value], app_row).optional())
        .map_err(internal)
}

fn app_row(r: &Row<'_>) -> rusqlite::Result<App> {
    let secret: Vec<u8> = r.get(3)?;
    let uris: String = r.get(4)?;
    Ok(App {
        id: AppId(r.get(0)?),
        name: r.get(1)?,
        client_id: r.get(2)?,
        client_secret_hash: secret.try_into().unwrap_or([0; 32]),
        client_secret: r.get(9)?,
        redirect_uris: serde_json::from_str(&uris).unwrap_or_default(),
        scopes: Scopes::from_stored(&r.get::<_, String>(5)?),
        optional_scopes: Scopes::from_stored(&r.get::<_, String>(6)?),
        token_ttl_seconds: r.get(7)?,
        created_at: Timestamp::from_stored(r.get(8)?),
    })
}

fn insert_access_grant(tx: &Transaction<'_>, access: &AccessGrant) -> Result<()> {
    tx.execute(
        "DELETE FROM access_tokens WHERE kind = 'oauth' AND expires_at < ?1",
        [Timestamp::now().millis() - KEEP_EXPIRED_MS],
    )
    .map_err(internal)?;
    add_credential(
        tx,
        access.token_hash,
        access.portal,
        "oauth",
        Some(access.app),
        &access.scopes,
        Some(access.expires_at),
    )
}
