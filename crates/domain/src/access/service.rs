//! The access operations the HTTP layer calls: authenticating a caller,
//! counting its calls, the sandbox admin API's portals and apps, and the
//! OAuth authorization-code flow.

use super::caller::{Caller, Credential};
use super::limits::{
    Admission, InForce, LimitSettings, Limiter, LimitsMode, RateClass, Tier, Window,
};
use super::oauth::{
    self, AccessGrant, App, AuthorizationCode, AuthorizationRequest, RefreshGrant, RequestProblem,
};
use super::portals::{check_name, NewApp, NewPortal, NewPrivateApp, PortalRecord, PrivateApp};
use super::scopes::Scopes;
use super::secrets;
use crate::error::{Error, Result};
use crate::ids::{AppId, PortalId};
use crate::store::Store;
use crate::time::Timestamp;
use std::sync::Arc;

/// HubSpot's message when no credentials were sent.
pub const NO_CREDENTIALS: &str = "Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview";
const UNKNOWN_TOKEN: &str = "The access token used to make this call is not valid. Check that it was copied in full and belongs to this Spoke server.";
const UNKNOWN_API_KEY: &str = "The API key provided is invalid. Create or rotate the portal's API key with PUT /_spoke/v1/portals/{portalId}/api-key.";

/// The credential a request presents, as read from its header or query.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Presented<'a> {
    /// `Authorization: Bearer <token>`, or the legacy `?access_token=`.
    Bearer(&'a str),
    /// `?hapikey=`.
    ApiKey(&'a str),
    Nothing,
}

/// A portal just created and the token that reaches it (shown once).
#[derive(Clone, Debug)]
pub struct CreatedPortal {
    pub portal: PortalRecord,
    pub app: PrivateApp,
    pub access_token: String,
}

/// A public app just created, with its secrets (shown once).
#[derive(Clone, Debug)]
pub struct CreatedApp {
    pub app: App,
    pub client_secret: String,
    pub developer_api_key: String,
}

/// Tokens bought with a code or a refresh token.
#[derive(Clone, Debug)]
pub struct IssuedTokens {
    pub access_token: String,
    pub refresh_token: String,
    pub expires_in: u32,
    pub portal: PortalId,
    pub scopes: Scopes,
}

/// A refusal of the token endpoint, with HubSpot's status word.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OAuthError {
    /// `BAD_AUTH_CODE`, `BAD_REFRESH_TOKEN`, `BAD_CLIENT_ID`, ...
    pub status: &'static str,
    /// RFC 6749's error code (`invalid_grant`, `invalid_client`, ...).
    pub error: &'static str,
    pub message: String,
}

impl OAuthError {
    fn new(status: &'static str, error: &'static str, message: impl Into<String>) -> OAuthError {
        OAuthError {
            status,
            error,
            message: message.into(),
        }
    }

    fn bad_client() -> OAuthError {
        OAuthError::new(
            "BAD_CLIENT_ID",
            "invalid_client",
            "missing or unknown client id",
        )
    }
}

/// A token endpoint's failure: a refusal, or a store failure.
#[derive(Debug)]
pub enum TokenFailure {
    Refused(OAuthError),
    Store(Error),
}

impl From<Error> for TokenFailure {
    fn from(err: Error) -> Self {
        TokenFailure::Store(err)
    }
}

impl From<OAuthError> for TokenFailure {
    fn from(err: OAuthError) -> Self {
        TokenFailure::Refused(err)
    }
}

/// What the token endpoint was sent (form fields, absent when empty).
#[derive(Clone, Debug, Default)]
pub struct TokenRequest {
    pub grant_type: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    pub redirect_uri: Option<String>,
    pub code: Option<String>,
    pub code_verifier: Option<String>,
    pub refresh_token: Option<String>,
}

/// Facts about a token, for the introspection endpoints.
#[derive(Clone, Debug)]
pub struct TokenFacts {
    pub app: App,
    pub portal: PortalId,
    pub scopes: Scopes,
    /// Access tokens only: seconds left (negative once expired).
    pub expires_in: Option<i64>,
}

#[derive(Clone)]
pub struct Access {
    store: Arc<dyn Store>,
    limiter: Arc<Limiter>,
    default_limits: LimitsMode,
}

impl Access {
    pub fn new(store: Arc<dyn Store>, default_limits: LimitsMode) -> Access {
        let limiter = Arc::new(Limiter::new(store.rate_counter()));
        Access {
            store,
            limiter,
            default_limits,
        }
    }

    /// The server's default limits mode (`--rate-limits`).
    pub fn default_limits(&self) -> LimitsMode {
        self.default_limits
    }

    // --- callers -------------------------------------------------------

    /// The caller a request's credential names.
    pub async fn authenticate(&self, presented: Presented<'_>, now: Timestamp) -> Result<Caller> {
        let (secret, unknown) = match presented {
            Presented::Nothing => return Err(Error::Unauthenticated(NO_CREDENTIALS.into())),
            Presented::Bearer(token) => (token, UNKNOWN_TOKEN),
            Presented::ApiKey(key) => (key, UNKNOWN_API_KEY),
        };
        if secret.is_empty() {
            return Err(Error::Unauthenticated(NO_CREDENTIALS.into()));
        }
        if secret.len() > oauth::MAX_SECRET_LEN {
            return Err(Error::Unauthenticated(format!(
                "The credential is {} characters long; HubSpot's are at most {}. Check that the header holds one token.",
                secret.len(),
                oauth::MAX_SECRET_LEN
            )));
        }
        let found = self.store.credential(secrets::digest(secret)).await?;
        let Some(found) = found else {
            return Err(Error::Unauthenticated(unknown.into()));
        };
        // A key must come as a key, a token as a token.
        let expected_key = matches!(presented, Presented::ApiKey(_));
        if expected_key != matches!(found.credential, Credential::ApiKey) {
            return Err(Error::Unauthenticated(unknown.into()));
        }
        if let Credential::OAuth { expires_at, .. } = found.credential {
            if expires_at <= now {
                let seconds_ago = (now.millis() - expires_at.millis()) / 1000;
                return Err(Error::Expired { seconds_ago });
            }
        }
        Ok(Caller {
            portal: found.portal,
            credential: found.credential,
            scopes: found.scopes,
            terms: found.terms,
        })
    }

    /// The limits a caller's portal is under.
    pub fn limits_of(&self, caller: &Caller) -> InForce {
        caller
            .terms
            .limits
            .in_force(caller.terms.tier, self.default_limits)
    }

    /// Counts one call; the admission says what remains or which policy
    /// refused it.
    pub async fn admit(
        &self,
        caller: &Caller,
        class: RateClass,
        now: Timestamp,
    ) -> Result<Admission> {
        let limits = self.limits_of(caller);
        if limits.mode == LimitsMode::Off {
            return Ok(Admission::default());
        }
        self.limiter
            .admit(caller.portal, caller.credential, class, &limits, now)
            .await
    }

    /// The portal's daily usage: the limit, calls made today and when the
    /// count starts over.
    pub async fn daily_usage(
        &self,
        caller: &Caller,
        now: Timestamp,
    ) -> Result<(u64, u64, Timestamp)> {
        let limits = self.limits_of(caller);
        let max = limits.daily.unwrap_or(caller.terms.tier.daily());
        let window = Window::daily(max);
        let used = match limits.daily {
            Some(_) => self.limiter.used_today(caller.portal, max, now).await?,
            None => 0,
        };
        Ok((max, used, window.bucket_end(now)))
    }

    // --- the sandbox admin API ----------------------------------------

    pub async fn is_admin(&self, token: &str) -> Result<bool> {
        if token.is_empty() || token.len() > oauth::MAX_SECRET_LEN {
            return Ok(false);
        }
        self.store.is_admin_token(secrets::digest(token)).await
    }

    pub async fn create_portal(&self, name: Option<&str>, tier: Tier) -> Result<CreatedPortal> {
        let name = name.map(|n| check_name("name", n)).transpose()?;
        let access_token = secrets::private_app_token();
        let (portal, app) = self
            .store
            .create_portal(NewPortal {
                name,
                tier,
                first_app: NewPrivateApp {
                    name: "Spoke private app".into(),
                    scopes: Scopes::all(),
                    token_hash: secrets::digest(&access_token),
                },
            })
            .await?;
        Ok(CreatedPortal {
            portal,
            app,
            access_token,
        })
    }

    pub async fn portals(&self) -> Result<Vec<PortalRecord>> {
        self.store.portals().await
    }

    pub async fn portal(&self, portal: PortalId) -> Result<PortalRecord> {
        self.store
            .portal(portal)
            .await?
            .ok_or_else(|| no_portal(portal))
    }

    pub async fn delete_portal(&self, portal: PortalId) -> Result<()> {
        if self.store.delete_portal(portal).await? {
            Ok(())
        } else {
            Err(no_portal(portal))
        }
    }

    /// Empties a portal of what its calls wrote ([`crate::sandbox`]) and
    /// answers it as it is now.
    pub async fn reset_portal(
        &self,
        portal: PortalId,
        keep_properties: bool,
    ) -> Result<PortalRecord> {
        if !self.store.reset_portal(portal, keep_properties).await? {
            return Err(no_portal(portal));
        }
        self.portal(portal).await
    }

    pub async fn set_limits(
        &self,
        portal: PortalId,
        limits: LimitSettings,
    ) -> Result<PortalRecord> {
        self.store
            .set_limits(portal, limits)
            .await?
            .ok_or_else(|| no_portal(portal))
    }

    /// The limits in force for a portal.
    pub fn in_force(&self, portal: &PortalRecord) -> InForce {
        portal.limits.in_force(portal.tier, self.default_limits)
    }

    pub async fn create_private_app(
        &self,
        portal: PortalId,
        name: Option<&str>,
        scopes: Scopes,
    ) -> Result<(PrivateApp, String)> {
        let name = match name {
            Some(n) => check_name("name", n)?,
            None => "Private app".into(),
        };
        if scopes.is_empty() {
            return Err(Error::invalid_field(
                "scopes",
                "A private app needs at least one scope.",
            ));
        }
        let token = secrets::private_app_token();
        let app = self
            .store
            .create_private_app(
                portal,
                NewPrivateApp {
                    name,
                    scopes,
                    token_hash: secrets::digest(&token),
                },
            )
            .await?
            .ok_or_else(|| no_portal(portal))?;
        Ok((app, token))
    }

    /// A portal's private apps (their tokens are never shown again).
    pub async fn private_apps(&self, portal: PortalId) -> Result<Vec<PrivateApp>> {
        self.portal(portal).await?;
        self.store.private_apps(portal).await
    }

    /// The public apps installed in a portal, with the scopes granted.
    pub async fn installs(&self, portal: PortalId) -> Result<Vec<(App, Scopes, Timestamp)>> {
        self.portal(portal).await?;
        let mut out = Vec::new();
        for (id, scopes, at) in self.store.installs(portal).await? {
            if let Some(app) = self.store.app(id).await? {
                out.push((app, scopes, at));
            }
        }
        Ok(out)
    }

    /// Every public app.
    pub async fn apps(&self) -> Result<Vec<App>> {
        self.store.apps().await
    }

    pub async fn delete_private_app(&self, portal: PortalId, app: AppId) -> Result<()> {
        if self.store.delete_private_app(portal, app).await? {
            Ok(())
        } else {
            Err(Error::NotFound(format!(
                "Portal {portal} has no private app {app}."
            )))
        }
    }

    /// Creates or rotates the portal's API key.
    pub async fn rotate_api_key(&self, portal: PortalId) -> Result<String> {
        let key = secrets::api_key();
        if self
            .store
            .set_api_key(portal, secrets::digest(&key))
            .await?
        {
            Ok(key)
        } else {
            Err(no_portal(portal))
        }
    }

    pub async fn delete_api_key(&self, portal: PortalId) -> Result<()> {
        if self.store.delete_api_key(portal).await? {
            return Ok(());
        }
        self.portal(portal).await?;
        Err(Error::NotFound(format!("Portal {portal} has no API key.")))
    }

    pub async fn create_app(
        &self,
        name: Option<&str>,
        redirect_uris: Vec<String>,
        scopes: Scopes,
        optional_scopes: Scopes,
        token_ttl_seconds: Option<u32>,
    ) -> Result<CreatedApp> {
        let name = match name {
            Some(n) => check_name("name", n)?,
            None => "OAuth app".into(),
        };
        if redirect_uris.is_empty() {
            return Err(Error::invalid_field(
                "redirectUris",
                "An OAuth app needs at least one redirect URL.",
            ));
        }
        if redirect_uris.len() > oauth::MAX_REDIRECT_URIS {
            return Err(Error::invalid_field(
                "redirectUris",
                format!(
                    "An app may register at most {} redirect URLs.",
                    oauth::MAX_REDIRECT_URIS
                ),
            ));
        }
        for uri in &redirect_uris {
            oauth::check_redirect_uri(uri)?;
        }
        if scopes.is_empty() {
            return Err(Error::invalid_field(
                "scopes",
                "An OAuth app needs at least one required scope.",
            ));
        }
        let ttl = token_ttl_seconds.unwrap_or(oauth::DEFAULT_TOKEN_TTL_SECONDS);
        if ttl == 0 || ttl > oauth::MAX_TOKEN_TTL_SECONDS {
            return Err(Error::invalid_field(
                "accessTokenTtlSeconds",
                format!(
                    "accessTokenTtlSeconds must be between 1 and {}, not {ttl}.",
                    oauth::MAX_TOKEN_TTL_SECONDS
                ),
            ));
        }
        let client_secret = secrets::client_secret();
        let developer_api_key = secrets::api_key();
        let app = self
            .store
            .create_app(NewApp {
                name,
                client_id: secrets::client_id(),
                client_secret_hash: secrets::digest(&client_secret),
                client_secret: client_secret.clone(),
                developer_key_hash: secrets::digest(&developer_api_key),
                redirect_uris,
                scopes,
                optional_scopes,
                token_ttl_seconds: ttl,
            })
            .await?;
        Ok(CreatedApp {
            app,
            client_secret,
            developer_api_key,
        })
    }

    /// The public app a developer API key belongs to.
    pub async fn app_of_developer_key(&self, key: &str) -> Result<Option<App>> {
        if key.is_empty() || key.len() > oauth::MAX_SECRET_LEN {
            return Ok(None);
        }
        self.store.app_by_developer_key(secrets::digest(key)).await
    }

    // --- OAuth ----------------------------------------------------------

    /// The public app with this client id.
    pub async fn app_for_client(&self, client_id: &str) -> Result<Option<App>> {
        if client_id.is_empty() || client_id.len() > oauth::MAX_SECRET_LEN {
            return Ok(None);
        }
        self.store.app_by_client_id(client_id).await
    }

    /// The app an authorization request names, with the scopes an approval
    /// would grant; or why the request cannot go on.
    pub async fn check_authorization(
        &self,
        request: &AuthorizationRequest,
    ) -> Result<std::result::Result<(App, Scopes), RequestProblem>> {
        let app = if request.client_id.len() > oauth::MAX_SECRET_LEN {
            None
        } else {
            self.store.app_by_client_id(&request.client_id).await?
        };
        let Some(app) = app else {
            return Ok(Err(RequestProblem::UnknownClient));
        };
        Ok(request.check(&app).map(|granted| (app, granted)))
    }

    /// Approves an authorization request for a portal: installs the app and
    /// returns the code and the URL to send the browser to.
    pub async fn approve(
        &self,
        request: &AuthorizationRequest,
        portal: PortalId,
        now: Timestamp,
    ) -> Result<std::result::Result<(String, String), RequestProblem>> {
        let (app, granted) = match self.check_authorization(request).await? {
            Ok(found) => found,
            Err(problem) => return Ok(Err(problem)),
        };
        let code = secrets::authorization_code();
        let stored = AuthorizationCode {
            code_hash: secrets::digest(&code),
            app: app.id,
            portal,
            redirect_uri: request.redirect_uri.clone(),
            scopes: granted,
            challenge: request.challenge.clone(),
            expires_at: Timestamp::from_stored(now.millis() + oauth::CODE_LIFETIME_MS),
        };
        if !self.store.authorize(stored).await? {
            return Err(no_portal(portal));
        }
        let mut params = vec![("code", code.as_str())];
        if let Some(state) = &request.state {
            params.push(("state", state.as_str()));
        }
        let url = oauth::with_query(&request.redirect_uri, &params);
        Ok(Ok((code, url)))
    }

    /// The URL a denial sends the browser to.
    pub fn denial_url(request: &AuthorizationRequest) -> String {
        let mut params = vec![("error", "access_denied")];
        if let Some(state) = &request.state {
            params.push(("state", state.as_str()));
        }
        oauth::with_query(&request.redirect_uri, &params)
    }

    /// The token endpoint: `authorization_code` and `refresh_token` grants.
    pub async fn token(
        &self,
        form: &TokenRequest,
        now: Timestamp,
    ) -> std::result::Result<IssuedTokens, TokenFailure> {
        let grant = form.grant_type.as_deref().unwrap_or("");
        if !matches!(grant, "authorization_code" | "refresh_token") {
            return Err(OAuthError::new(
                "BAD_GRANT_TYPE",
                "unsupported_grant_type",
                if grant.is_empty() {
                    "missing grant_type: use authorization_code or refresh_token".to_string()
                } else {
                    format!(
                        "unsupported grant_type '{grant}': use authorization_code or refresh_token"
                    )
                },
            )
            .into());
        }
        let app = self.client(form).await?;
        match grant {
            "authorization_code" => self.exchange_code(&app, form, now).await,
            _ => self.refresh(&app, form, now).await,
        }
    }

    /// The app of the request's client id and secret.
    async fn client(&self, form: &TokenRequest) -> std::result::Result<App, TokenFailure> {
        let client_id = form.client_id.as_deref().unwrap_or("");
        if client_id.is_empty() || client_id.len() > oauth::MAX_SECRET_LEN {
            return Err(OAuthError::bad_client().into());
        }
        let Some(app) = self.store.app_by_client_id(client_id).await? else {
            return Err(OAuthError::bad_client().into());
        };
        let secret = form.client_secret.as_deref().unwrap_or("");
        if secret.len() > oauth::MAX_SECRET_LEN
            || !secrets::matches(secret, &app.client_secret_hash)
        {
            return Err(OAuthError::new(
                "BAD_CLIENT_SECRET",
                "invalid_client",
                "missing or invalid client secret",
            )
            .into());
        }
        Ok(app)
    }

    async fn exchange_code(
        &self,
        app: &App,
        form: &TokenRequest,
        now: Timestamp,
    ) -> std::result::Result<IssuedTokens, TokenFailure> {
        let bad_code = || {
            OAuthError::new(
                "BAD_AUTH_CODE",
                "invalid_grant",
                "missing or unknown auth code",
            )
        };
        let code = form.code.as_deref().unwrap_or("");
        if code.is_empty() || code.len() > oauth::MAX_SECRET_LEN {
            return Err(bad_code().into());
        }
        let code_hash = secrets::digest(code);
        let Some(stored) = self.store.authorization_code(code_hash).await? else {
            return Err(bad_code().into());
        };
        if stored.app != app.id || stored.expires_at <= now {
            return Err(bad_code().into());
        }
        if form.redirect_uri.as_deref() != Some(stored.redirect_uri.as_str()) {
            return Err(OAuthError::new(
                "BAD_REDIRECT_URI",
                "invalid_grant",
                "redirect_uri does not match the one of the authorization request",
            )
            .into());
        }
        if let Some(challenge) = &stored.challenge {
            let verified = form
                .code_verifier
                .as_deref()
                .is_some_and(|v| challenge.verify(v));
            if !verified {
                return Err(OAuthError::new(
                    "BAD_AUTH_CODE",
                    "invalid_grant",
                    "missing or invalid code_verifier for the auth code's code_challenge",
                )
                .into());
            }
        }
        let access_token = secrets::oauth_access_token();
        let refresh_token = secrets::refresh_token();
        let access = self.access_grant(app, stored.portal, &stored.scopes, &access_token, now);
        let refresh = RefreshGrant {
            token_hash: secrets::digest(&refresh_token),
            app: app.id,
            portal: stored.portal,
            scopes: stored.scopes.clone(),
            created_at: now,
        };
        if !self.store.redeem_code(code_hash, access, refresh).await? {
            return Err(bad_code().into());
        }
        Ok(IssuedTokens {
            access_token,
            refresh_token,
            expires_in: app.token_ttl_seconds,
            portal: stored.portal,
            scopes: stored.scopes,
        })
    }

    async fn refresh(
        &self,
        app: &App,
        form: &TokenRequest,
        now: Timestamp,
    ) -> std::result::Result<IssuedTokens, TokenFailure> {
        let bad = || {
            OAuthError::new(
                "BAD_REFRESH_TOKEN",
                "invalid_grant",
                "missing or invalid refresh token",
            )
        };
        let token = form.refresh_token.as_deref().unwrap_or("");
        if token.is_empty() || token.len() > oauth::MAX_SECRET_LEN {
            return Err(bad().into());
        }
        let Some(grant) = self.store.refresh_grant(secrets::digest(token)).await? else {
            return Err(bad().into());
        };
        if grant.app != app.id {
            return Err(bad().into());
        }
        let access_token = secrets::oauth_access_token();
        let access = self.access_grant(app, grant.portal, &grant.scopes, &access_token, now);
        self.store.add_access_token(access).await?;
        Ok(IssuedTokens {
            access_token,
            refresh_token: token.to_string(),
            expires_in: app.token_ttl_seconds,
            portal: grant.portal,
            scopes: grant.scopes,
        })
    }

    fn access_grant(
        &self,
        app: &App,
        portal: PortalId,
        scopes: &Scopes,
        token: &str,
        now: Timestamp,
    ) -> AccessGrant {
        AccessGrant {
            token_hash: secrets::digest(token),
            app: app.id,
            portal,
            scopes: scopes.clone(),
            expires_at: Timestamp::from_stored(
                now.millis() + i64::from(app.token_ttl_seconds) * 1000,
            ),
        }
    }

    /// Facts about an OAuth access token (expired ones included).
    pub async fn access_token_facts(
        &self,
        token: &str,
        now: Timestamp,
    ) -> Result<Option<TokenFacts>> {
        if token.is_empty() || token.len() > oauth::MAX_SECRET_LEN {
            return Ok(None);
        }
        let Some(grant) = self.store.access_grant(secrets::digest(token)).await? else {
            return Ok(None);
        };
        let Some(app) = self.store.app(grant.app).await? else {
            return Ok(None);
        };
        Ok(Some(TokenFacts {
            app,
            portal: grant.portal,
            scopes: grant.scopes,
            expires_in: Some((grant.expires_at.millis() - now.millis()).div_euclid(1000)),
        }))
    }

    /// Facts about a refresh token.
    pub async fn refresh_token_facts(&self, token: &str) -> Result<Option<TokenFacts>> {
        if token.is_empty() || token.len() > oauth::MAX_SECRET_LEN {
            return Ok(None);
        }
        let Some(grant) = self.store.refresh_grant(secrets::digest(token)).await? else {
            return Ok(None);
        };
        let Some(app) = self.store.app(grant.app).await? else {
            return Ok(None);
        };
        Ok(Some(TokenFacts {
            app,
            portal: grant.portal,
            scopes: grant.scopes,
            expires_in: None,
        }))
    }

    /// Deletes a refresh token (access tokens it bought live on until they
    /// expire, as at HubSpot). `false` when it was unknown.
    pub async fn delete_refresh_token(&self, token: &str) -> Result<bool> {
        if token.is_empty() || token.len() > oauth::MAX_SECRET_LEN {
            return Ok(false);
        }
        self.store
            .delete_refresh_token(secrets::digest(token))
            .await
    }

    /// Revokes a token of either kind (`/oauth/v3/token/revoke`). Unknown
    /// tokens are not an error, as RFC 7009 says.
    pub async fn revoke(&self, token: &str) -> Result<()> {
        if token.is_empty() || token.len() > oauth::MAX_SECRET_LEN {
            return Ok(());
        }
        let hash = secrets::digest(token);
        if !self.store.delete_refresh_token(hash).await? {
            self.store.delete_access_token(hash).await?;
        }
        Ok(())
    }

    /// Checks an app's client credentials (introspection and revocation
    /// take them too).
    pub async fn client_app(&self, form: &TokenRequest) -> std::result::Result<App, TokenFailure> {
        self.client(form).await
    }

    // --- browser sessions ---------------------------------------------

    /// Signs a browser in with the admin token: the session's secret, or
    /// `None` when the token is wrong.
    pub async fn sign_in(&self, admin_token: &str, now: Timestamp) -> Result<Option<String>> {
        if !self.is_admin(admin_token).await? {
            return Ok(None);
        }
        let session = secrets::session_token();
        let expires = Timestamp::from_stored(now.millis() + SESSION_LIFETIME_MS);
        self.store
            .add_session(secrets::digest(&session), expires)
            .await?;
        Ok(Some(session))
    }

    /// Ends a browser's session: its cookie stops working, even if copied.
    pub async fn sign_out(&self, session: &str) -> Result<()> {
        if session.is_empty() || session.len() > oauth::MAX_SECRET_LEN {
            return Ok(());
        }
        self.store.end_session(secrets::digest(session)).await
    }

    pub async fn session_valid(&self, session: &str, now: Timestamp) -> Result<bool> {
        if session.is_empty() || session.len() > oauth::MAX_SECRET_LEN {
            return Ok(false);
        }
        self.store
            .session_valid(secrets::digest(session), now)
            .await
    }
}

/// How long a browser stays signed in.
pub const SESSION_LIFETIME_MS: i64 = 12 * 3600 * 1000;

/// The 404 of a portal that does not exist.
pub fn no_portal(portal: PortalId) -> Error {
    Error::NotFound(format!("Portal {portal} does not exist."))
}
