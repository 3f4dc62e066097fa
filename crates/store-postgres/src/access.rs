//! Credentials, apps, OAuth grants, the admin's tokens and sessions.
//! Credentials are cached per node; every change announces itself so that
//! other nodes drop their copies (a deleted app's token gets 401 through
//! any node at once).

use crate::credentials::{add_credential, allocate_app_id, insert_private_app, portal_exists};
use crate::db::{client, db};
use crate::invalidation::{notify, Notice};
use crate::portals::limit_settings;
use crate::PostgresStore;
use async_trait::async_trait;
use deadpool_postgres::{GenericClient, Transaction};
use spoke_domain::access::caller::{Credential, PortalTerms, StoredCredential};
use spoke_domain::access::limits::{RateCounter, Tier};
use spoke_domain::access::oauth::{
    AccessGrant, App, AuthorizationCode, Challenge, ChallengeMethod, RefreshGrant,
};
use spoke_domain::access::portals::{NewApp, NewPrivateApp, PrivateApp};
use spoke_domain::access::scopes::Scopes;
use spoke_domain::ids::{AppId, PortalId};
use spoke_domain::store::AccessStore;
use spoke_domain::time::Timestamp;
use spoke_domain::Result;
use std::sync::Arc;
use tokio_postgres::types::Json;
use tokio_postgres::Row;

/// Expired OAuth access tokens are kept this long, so that a caller is told
/// how long ago its token expired, then deleted.
const KEEP_EXPIRED_MS: i64 = 7 * 86_400_000;

const APP_COLUMNS: &str = "app_id, name, client_id, client_secret_hash, redirect_uris, scopes, optional_scopes, token_ttl_seconds, created_at, client_secret";

#[async_trait]
impl AccessStore for PostgresStore {
    async fn credential(&self, secret_hash: [u8; 32]) -> Result<Option<StoredCredential>> {
        if let Some(found) = self.caches().credential(&secret_hash) {
            return Ok(Some(found));
        }
        let reader = self.inner.readers.reader().await?;
        let stmt = reader
            .statement(
                "SELECT t.portal_id, t.kind, t.app_id, t.scopes, t.expires_at, p.tier,
                        p.limits_mode, p.limit_ten_secondly, p.limit_daily, p.limit_search_per_second
                 FROM access_tokens t JOIN portals p ON p.portal_id = t.portal_id
                 WHERE t.token_hash = $1",
            )
            .await?;
        let found = reader
            .client()
            .query_opt(&stmt, &[&&secret_hash[..]])
            .await
            .map_err(db)?
            .and_then(|row| credential_row(&row));
        if let Some(found) = &found {
            self.caches().keep_credential(secret_hash, found.clone());
        }
        Ok(found)
    }

    async fn create_private_app(
        &self,
        portal: PortalId,
        app: NewPrivateApp,
    ) -> Result<Option<PrivateApp>> {
        let mut client = client(self.pool()).await?;
        let tx = client.transaction().await.map_err(db)?;
        if !portal_exists(&tx, portal).await? {
            return Ok(None);
        }
        let created = insert_private_app(&tx, portal, &app, false).await?;
        tx.commit().await.map_err(db)?;
        Ok(Some(created))
    }

    async fn delete_private_app(&self, portal: PortalId, app: AppId) -> Result<bool> {
        let mut client = client(self.pool()).await?;
        let tx = client.transaction().await.map_err(db)?;
        let deleted = tx
            .execute(
                "DELETE FROM private_apps WHERE portal_id = $1 AND app_id = $2",
                &[&portal.0, &app.0],
            )
            .await
            .map_err(db)?;
        tx.execute(
            "DELETE FROM access_tokens WHERE portal_id = $1 AND kind = 'private_app' AND app_id = $2",
            &[&portal.0, &app.0],
        )
        .await
        .map_err(db)?;
        self.commit_credentials_change(tx, portal).await?;
        Ok(deleted > 0)
    }

    async fn set_api_key(&self, portal: PortalId, key_hash: [u8; 32]) -> Result<bool> {
        let mut client = client(self.pool()).await?;
        let tx = client.transaction().await.map_err(db)?;
        if !portal_exists(&tx, portal).await? {
            return Ok(false);
        }
        tx.execute(
            "DELETE FROM access_tokens WHERE portal_id = $1 AND kind = 'api_key'",
            &[&portal.0],
        )
        .await
        .map_err(db)?;
        add_credential(&tx, key_hash, portal, "api_key", None, &Scopes::all(), None).await?;
        self.commit_credentials_change(tx, portal).await?;
        Ok(true)
    }

    async fn delete_api_key(&self, portal: PortalId) -> Result<bool> {
        let mut client = client(self.pool()).await?;
        let tx = client.transaction().await.map_err(db)?;
        let deleted = tx
            .execute(
                "DELETE FROM access_tokens WHERE portal_id = $1 AND kind = 'api_key'",
                &[&portal.0],
            )
            .await
            .map_err(db)?;
        self.commit_credentials_change(tx, portal).await?;
        Ok(deleted > 0)
    }

    async fn create_app(&self, app: NewApp) -> Result<App> {
        let mut client = client(self.pool()).await?;
        let tx = client.transaction().await.map_err(db)?;
        let id = allocate_app_id(&tx).await?;
        let now = Timestamp::now();
        tx.execute(
            "INSERT INTO apps (app_id, name, client_id, client_secret_hash, developer_key_hash,
               redirect_uris, scopes, optional_scopes, token_ttl_seconds, created_at, client_secret)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            &[
                &id.0,
                &app.name,
                &app.client_id,
                &&app.client_secret_hash[..],
                &&app.developer_key_hash[..],
                &Json(&app.redirect_uris),
                &app.scopes.to_stored(),
                &app.optional_scopes.to_stored(),
                &i64::from(app.token_ttl_seconds),
                &now.millis(),
                &app.client_secret,
            ],
        )
        .await
        .map_err(db)?;
        tx.commit().await.map_err(db)?;
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
    }

    async fn private_apps(&self, portal: PortalId) -> Result<Vec<PrivateApp>> {
        let client = client(self.pool()).await?;
        let rows = client
            .query(
                "SELECT app_id, name, scopes, created_at FROM private_apps
                  WHERE portal_id = $1 ORDER BY app_id",
                &[&portal.0],
            )
            .await
            .map_err(db)?;
        Ok(rows
            .iter()
            .map(|r| PrivateApp {
                id: AppId(r.get(0)),
                portal,
                name: r.get(1),
                scopes: Scopes::from_stored(r.get(2)),
                created_at: Timestamp::from_stored(r.get(3)),
            })
            .collect())
    }

    async fn installs(&self, portal: PortalId) -> Result<Vec<(AppId, Scopes, Timestamp)>> {
        let client = client(self.pool()).await?;
        let rows = client
            .query(
                "SELECT app_id, scopes, installed_at FROM app_installs
                  WHERE portal_id = $1 ORDER BY app_id",
                &[&portal.0],
            )
            .await
            .map_err(db)?;
        Ok(rows
            .iter()
            .map(|r| {
                (
                    AppId(r.get(0)),
                    Scopes::from_stored(r.get(1)),
                    Timestamp::from_stored(r.get(2)),
                )
            })
            .collect())
    }

    async fn apps(&self) -> Result<Vec<App>> {
        let client = client(self.pool()).await?;
        let rows = client
            .query(
                &format!("SELECT {APP_COLUMNS} FROM apps ORDER BY app_id"),
                &[],
            )
            .await
            .map_err(db)?;
        Ok(rows.iter().map(app_row).collect())
    }

    async fn app(&self, app: AppId) -> Result<Option<App>> {
        self.find_app("app_id = $1", &app.0).await
    }

    async fn app_by_client_id(&self, client_id: &str) -> Result<Option<App>> {
        self.find_app("client_id = $1", &client_id).await
    }

    async fn app_by_developer_key(&self, key_hash: [u8; 32]) -> Result<Option<App>> {
        self.find_app("developer_key_hash = $1", &&key_hash[..])
            .await
    }

    async fn authorize(&self, code: AuthorizationCode) -> Result<bool> {
        let mut client = client(self.pool()).await?;
        let tx = client.transaction().await.map_err(db)?;
        if !portal_exists(&tx, code.portal).await? {
            return Ok(false);
        }
        let now = Timestamp::now().millis();
        tx.execute("DELETE FROM oauth_codes WHERE expires_at < $1", &[&now])
            .await
            .map_err(db)?;
        tx.execute(
            "INSERT INTO app_installs (portal_id, app_id, scopes, installed_at)
             VALUES ($1, $2, $3, $4)
             ON CONFLICT (portal_id, app_id) DO UPDATE SET scopes = excluded.scopes",
            &[&code.portal.0, &code.app.0, &code.scopes.to_stored(), &now],
        )
        .await
        .map_err(db)?;
        tx.execute(
            "INSERT INTO oauth_codes (code_hash, portal_id, app_id, redirect_uri, scopes,
               challenge, challenge_method, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            &[
                &&code.code_hash[..],
                &code.portal.0,
                &code.app.0,
                &code.redirect_uri,
                &code.scopes.to_stored(),
                &code.challenge.as_ref().map(|c| c.value.as_str()),
                &code.challenge.as_ref().map(|c| c.method.as_str()),
                &code.expires_at.millis(),
            ],
        )
        .await
        .map_err(db)?;
        tx.commit().await.map_err(db)?;
        Ok(true)
    }

    async fn authorization_code(&self, code_hash: [u8; 32]) -> Result<Option<AuthorizationCode>> {
        let client = client(self.pool()).await?;
        let row = client
            .query_opt(
                "SELECT portal_id, app_id, redirect_uri, scopes, challenge, challenge_method, expires_at
                 FROM oauth_codes WHERE code_hash = $1",
                &[&&code_hash[..]],
            )
            .await
            .map_err(db)?;
        Ok(row.map(|r| {
            let challenge = match (r.get::<_, Option<String>>(4), r.get::<_, Option<&str>>(5)) {
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
            AuthorizationCode {
                code_hash,
                portal: PortalId(r.get(0)),
                app: AppId(r.get(1)),
                redirect_uri: r.get(2),
                scopes: Scopes::from_stored(r.get(3)),
                challenge,
                expires_at: Timestamp::from_stored(r.get(6)),
            }
        }))
    }

    async fn redeem_code(
        &self,
        code_hash: [u8; 32],
        access: AccessGrant,
        refresh: RefreshGrant,
    ) -> Result<bool> {
        let mut client = client(self.pool()).await?;
        let tx = client.transaction().await.map_err(db)?;
        let used = tx
            .execute(
                "DELETE FROM oauth_codes WHERE code_hash = $1",
                &[&&code_hash[..]],
            )
            .await
            .map_err(db)?;
        if used == 0 {
            return Ok(false);
        }
        insert_access_grant(&tx, &access).await?;
        tx.execute(
            "INSERT INTO refresh_tokens (token_hash, portal_id, app_id, scopes, created_at)
             VALUES ($1, $2, $3, $4, $5)",
            &[
                &&refresh.token_hash[..],
                &refresh.portal.0,
                &refresh.app.0,
                &refresh.scopes.to_stored(),
                &refresh.created_at.millis(),
            ],
        )
        .await
        .map_err(db)?;
        tx.commit().await.map_err(db)?;
        Ok(true)
    }

    async fn refresh_grant(&self, token_hash: [u8; 32]) -> Result<Option<RefreshGrant>> {
        let client = client(self.pool()).await?;
        let row = client
            .query_opt(
                "SELECT portal_id, app_id, scopes, created_at FROM refresh_tokens WHERE token_hash = $1",
                &[&&token_hash[..]],
            )
            .await
            .map_err(db)?;
        Ok(row.map(|r| RefreshGrant {
            token_hash,
            portal: PortalId(r.get(0)),
            app: AppId(r.get(1)),
            scopes: Scopes::from_stored(r.get(2)),
            created_at: Timestamp::from_stored(r.get(3)),
        }))
    }

    async fn add_access_token(&self, access: AccessGrant) -> Result<()> {
        let mut client = client(self.pool()).await?;
        let tx = client.transaction().await.map_err(db)?;
        insert_access_grant(&tx, &access).await?;
        tx.commit().await.map_err(db)
    }

    async fn access_grant(&self, token_hash: [u8; 32]) -> Result<Option<AccessGrant>> {
        let client = client(self.pool()).await?;
        let row = client
            .query_opt(
                "SELECT portal_id, app_id, scopes, expires_at FROM access_tokens
                 WHERE token_hash = $1 AND kind = 'oauth'",
                &[&&token_hash[..]],
            )
            .await
            .map_err(db)?;
        Ok(row.map(|r| AccessGrant {
            token_hash,
            portal: PortalId(r.get(0)),
            app: AppId(r.get::<_, Option<i64>>(1).unwrap_or(0)),
            scopes: Scopes::from_stored(r.get(2)),
            expires_at: Timestamp::from_stored(r.get::<_, Option<i64>>(3).unwrap_or(0)),
        }))
    }

    async fn delete_refresh_token(&self, token_hash: [u8; 32]) -> Result<bool> {
        let client = client(self.pool()).await?;
        let deleted = client
            .execute(
                "DELETE FROM refresh_tokens WHERE token_hash = $1",
                &[&&token_hash[..]],
            )
            .await
            .map_err(db)?;
        Ok(deleted > 0)
    }

    async fn delete_access_token(&self, token_hash: [u8; 32]) -> Result<bool> {
        let mut client = client(self.pool()).await?;
        let tx = client.transaction().await.map_err(db)?;
        let deleted = tx
            .execute(
                "DELETE FROM access_tokens WHERE token_hash = $1 AND kind = 'oauth'",
                &[&&token_hash[..]],
            )
            .await
            .map_err(db)?;
        notify(&tx, self.channel(), &Notice::Token(token_hash))
            .await
            .map_err(db)?;
        tx.commit().await.map_err(db)?;
        self.caches().forget(&Notice::Token(token_hash));
        Ok(deleted > 0)
    }

    async fn ensure_admin_token(
        &self,
        chosen: Option<[u8; 32]>,
        candidate: [u8; 32],
    ) -> Result<bool> {
        let client = client(self.pool()).await?;
        let now = Timestamp::now().millis();
        let (hash, generated) = match chosen {
            Some(hash) => (hash, false),
            None => (candidate, true),
        };
        // Two nodes starting at once: the unique index on the generated flag
        // lets one generated token in.
        let inserted = client
            .execute(
                "INSERT INTO admin_tokens (token_hash, generated, created_at) VALUES ($1, $2, $3)
                 ON CONFLICT DO NOTHING",
                &[&&hash[..], &generated, &now],
            )
            .await
            .map_err(db)?;
        Ok(generated && inserted == 1)
    }

    async fn is_admin_token(&self, token_hash: [u8; 32]) -> Result<bool> {
        let client = client(self.pool()).await?;
        let row = client
            .query_opt(
                "SELECT 1 FROM admin_tokens WHERE token_hash = $1",
                &[&&token_hash[..]],
            )
            .await
            .map_err(db)?;
        Ok(row.is_some())
    }

    async fn add_session(&self, session_hash: [u8; 32], expires_at: Timestamp) -> Result<()> {
        let mut client = client(self.pool()).await?;
        let tx = client.transaction().await.map_err(db)?;
        tx.execute(
            "DELETE FROM admin_sessions WHERE expires_at < $1",
            &[&Timestamp::now().millis()],
        )
        .await
        .map_err(db)?;
        tx.execute(
            "INSERT INTO admin_sessions (session_hash, expires_at) VALUES ($1, $2)",
            &[&&session_hash[..], &expires_at.millis()],
        )
        .await
        .map_err(db)?;
        tx.commit().await.map_err(db)
    }

    async fn end_session(&self, session_hash: [u8; 32]) -> Result<()> {
        let client = client(self.pool()).await?;
        client
            .execute(
                "DELETE FROM admin_sessions WHERE session_hash = $1",
                &[&&session_hash[..]],
            )
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn session_valid(&self, session_hash: [u8; 32], now: Timestamp) -> Result<bool> {
        let client = client(self.pool()).await?;
        let row = client
            .query_opt(
                "SELECT 1 FROM admin_sessions WHERE session_hash = $1 AND expires_at > $2",
                &[&&session_hash[..], &now.millis()],
            )
            .await
            .map_err(db)?;
        Ok(row.is_some())
    }

    fn rate_counter(&self) -> Arc<dyn RateCounter> {
        Arc::new(crate::rate_usage::SharedCounter::new(self.pool().clone()))
    }
}

impl PostgresStore {
    /// Commits a change to a portal's credentials and tells every node.
    async fn commit_credentials_change(&self, tx: Transaction<'_>, portal: PortalId) -> Result<()> {
        notify(&tx, self.channel(), &Notice::Credentials(portal))
            .await
            .map_err(db)?;
        tx.commit().await.map_err(db)?;
        self.caches().forget(&Notice::Credentials(portal));
        Ok(())
    }

    async fn find_app(
        &self,
        condition: &str,
        value: &(dyn tokio_postgres::types::ToSql + Sync),
    ) -> Result<Option<App>> {
        let client = client(self.pool()).await?;
        let row = client
            .query_opt(
                &format!("SELECT {APP_COLUMNS} FROM apps WHERE {condition}"),
                &[value],
            )
            .await
            .map_err(db)?;
        Ok(row.map(|r| app_row(&r)))
    }
}

fn credential_row(r: &Row) -> Option<StoredCredential> {
    let kind: &str = r.get(1);
    let app: Option<i64> = r.get(2);
    let credential = match (kind, app) {
        ("private_app", Some(app)) => Credential::PrivateApp { app: AppId(app) },
        ("api_key", _) => Credential::ApiKey,
        ("oauth", Some(app)) => Credential::OAuth {
            app: AppId(app),
            expires_at: Timestamp::from_stored(r.get::<_, Option<i64>>(4).unwrap_or(0)),
        },
        _ => return None,
    };
    Some(StoredCredential {
        portal: PortalId(r.get(0)),
        credential,
        scopes: Scopes::from_stored(r.get(3)),
        terms: PortalTerms {
            tier: Tier::parse(r.get(5)).unwrap_or_default(),
            limits: limit_settings(r, 6),
        },
    })
}

fn app_row(r: &Row) -> App {
    let secret: &[u8] = r.get(3);
    let Json(uris): Json<Vec<String>> = r.get(4);
    App {
        id: AppId(r.get(0)),
        name: r.get(1),
        client_id: r.get(2),
        client_secret_hash: secret.try_into().unwrap_or([0; 32]),
        client_secret: r.get(9),
        redirect_uris: uris,
        scopes: Scopes::from_stored(r.get(5)),
        optional_scopes: Scopes::from_stored(r.get(6)),
        token_ttl_seconds: u32::try_from(r.get::<_, i64>(7)).unwrap_or(0),
        created_at: Timestamp::from_stored(r.get(8)),
    }
}

async fn insert_access_grant(tx: &Transaction<'_>, access: &AccessGrant) -> Result<()> {
    tx.execute(
        "DELETE FROM access_tokens WHERE kind = 'oauth' AND expires_at < $1",
        &[&(Timestamp::now().millis() - KEEP_EXPIRED_MS)],
    )
    .await
    .map_err(db)?;
    add_credential(
        tx,
        access.token_hash,
        access.portal,
        "oauth",
        Some(access.app),
        &access.scopes,
        Some(access.expires_at),
    )
    .await
}
