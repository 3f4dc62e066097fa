//! Portals the admin API manages, credentials, OAuth grants, the admin's
//! tokens and sessions, and rate counts.

use crate::{default_portal, new_portal, portal_of, write};
use spoke_domain::access::caller::Credential;
use spoke_domain::access::limits::{Allowance, LimitKey, LimitSettings, LimitsMode, Tier, Window};
use spoke_domain::access::oauth::{AccessGrant, AuthorizationCode, Challenge, RefreshGrant};
use spoke_domain::access::portals::{NewApp, NewPortal, NewPrivateApp};
use spoke_domain::access::secrets::digest;
use spoke_domain::access::Scopes;
use spoke_domain::ids::{AppId, PortalId};
use spoke_domain::store::Store;
use spoke_domain::time::Timestamp;
use std::sync::Arc;

fn scopes(names: &[&str]) -> Scopes {
    Scopes::parse("scopes", names.iter().copied()).unwrap()
}

fn private_app(name: &str, token: &str, granted: &[&str]) -> NewPrivateApp {
    NewPrivateApp {
        name: name.into(),
        scopes: scopes(granted),
        token_hash: digest(token),
    }
}

fn new_app(client_id: &str) -> NewApp {
    NewApp {
        name: "An app".into(),
        client_id: client_id.into(),
        client_secret_hash: digest(&format!("{client_id}-secret")),
        client_secret: format!("{client_id}-secret"),
        developer_key_hash: digest(&format!("{client_id}-developer-key")),
        redirect_uris: vec!["http://localhost:3000/callback".into()],
        scopes: scopes(&["crm.objects.contacts.read", "oauth"]),
        optional_scopes: scopes(&["crm.objects.contacts.write"]),
        token_ttl_seconds: 60,
    }
}

fn code(portal: PortalId, app: AppId, text: &str) -> AuthorizationCode {
    AuthorizationCode {
        code_hash: digest(text),
        app,
        portal,
        redirect_uri: "http://localhost:3000/callback".into(),
        scopes: scopes(&["crm.objects.contacts.read", "oauth"]),
        challenge: Some(Challenge {
            method: spoke_domain::access::oauth::ChallengeMethod::S256,
            value: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM".into(),
        }),
        expires_at: Timestamp::from_stored(Timestamp::now().millis() + 600_000),
    }
}

fn grants(
    portal: PortalId,
    app: AppId,
    access: &str,
    refresh: &str,
) -> (AccessGrant, RefreshGrant) {
    let granted = scopes(&["crm.objects.contacts.read", "oauth"]);
    (
        AccessGrant {
            token_hash: digest(access),
            app,
            portal,
            scopes: granted.clone(),
            expires_at: Timestamp::from_stored(Timestamp::now().millis() + 60_000),
        },
        RefreshGrant {
            token_hash: digest(refresh),
            app,
            portal,
            scopes: granted,
            created_at: Timestamp::now(),
        },
    )
}

pub async fn portals_are_created_listed_and_limited(store: Arc<dyn Store>) {
    let default = default_portal(&store).await;
    let (portal, app) = store
        .create_portal(NewPortal {
            name: None,
            tier: Tier::Professional,
            first_app: private_app("first", "token-new", &["crm.objects.contacts.read"]),
        })
        .await
        .unwrap();
    assert_eq!(portal.name, format!("Portal {}", portal.id));
    assert_eq!(portal.tier, Tier::Professional);
    assert!(!portal.is_default);
    assert_eq!(portal.limits, LimitSettings::default());
    assert_eq!(app.portal, portal.id);
    let listed = store.portals().await.unwrap();
    assert_eq!(
        listed.iter().map(|p| p.id).collect::<Vec<_>>(),
        [default, portal.id]
    );
    assert!(listed[0].is_default);
    // The new portal has HubSpot's standard properties.
    let schema = store.property_schema(portal.id).await.unwrap();
    assert!(schema.get("email").is_some());

    let limits = LimitSettings::requested(LimitsMode::Custom, Some(7), None, Some(2)).unwrap();
    let changed = store.set_limits(portal.id, limits).await.unwrap().unwrap();
    assert_eq!(changed.limits, limits);
    assert_eq!(
        store.portal(portal.id).await.unwrap().unwrap().limits,
        limits
    );
    let found = store
        .credential(digest("token-new"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        found.terms.limits, limits,
        "a credential carries its portal's limits as they are now"
    );
    assert_eq!(found.terms.tier, Tier::Professional);
    assert_eq!(
        store.set_limits(PortalId(999_999), limits).await.unwrap(),
        None
    );
    assert_eq!(store.portal(PortalId(999_999)).await.unwrap(), None);
}

pub async fn a_deleted_portal_leaves_nothing_reachable(store: Arc<dyn Store>) {
    let keep = default_portal(&store).await;
    let kept = store
        .create_contact(keep, write(&[("email", "keep@example.com")]))
        .await
        .unwrap();
    let gone = new_portal(&store, "Gone", "token-gone").await;
    let contact = store
        .create_contact(gone, write(&[("email", "gone@example.com")]))
        .await
        .unwrap();
    store.set_api_key(gone, digest("key-gone")).await.unwrap();
    let app = store.create_app(new_app("client-gone")).await.unwrap();
    assert!(store
        .authorize(code(gone, app.id, "code-gone"))
        .await
        .unwrap());
    let (access, refresh) = grants(gone, app.id, "access-gone", "refresh-gone");
    assert!(store
        .redeem_code(digest("code-gone"), access, refresh)
        .await
        .unwrap());
    // Read everything once, so that caches hold it.
    for token in ["token-gone", "key-gone", "access-gone"] {
        assert_eq!(portal_of(&store, token).await, Some(gone), "{token}");
    }

    assert!(store.delete_portal(gone).await.unwrap());
    assert!(!store.delete_portal(gone).await.unwrap());
    assert_eq!(store.portal(gone).await.unwrap(), None);
    for token in ["token-gone", "key-gone", "access-gone"] {
        assert_eq!(portal_of(&store, token).await, None, "{token}");
    }
    assert_eq!(
        store.refresh_grant(digest("refresh-gone")).await.unwrap(),
        None
    );
    let lookup = spoke_domain::contact::ContactLookup::Id(contact.id);
    assert_eq!(store.find_contact(gone, &lookup, true).await.unwrap(), None);
    // The other portal is untouched; the public app is server-wide and stays.
    let lookup = spoke_domain::contact::ContactLookup::Id(kept.id);
    assert!(store
        .find_contact(keep, &lookup, false)
        .await
        .unwrap()
        .is_some());
    assert!(store.app(app.id).await.unwrap().is_some());
    assert_eq!(portal_of(&store, "suite-default-token").await, Some(keep));
}

pub async fn credentials_carry_their_kind_app_scopes_and_terms(store: Arc<dyn Store>) {
    let portal = new_portal(&store, "P", "token-p").await;
    let first = store.credential(digest("token-p")).await.unwrap().unwrap();
    assert!(matches!(first.credential, Credential::PrivateApp { .. }));
    assert_eq!(first.scopes, Scopes::all());

    let reader = store
        .create_private_app(
            portal,
            private_app("reader", "token-reader", &["crm.objects.contacts.read"]),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(reader.scopes, scopes(&["crm.objects.contacts.read"]));
    let found = store
        .credential(digest("token-reader"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.portal, portal);
    assert_eq!(found.credential, Credential::PrivateApp { app: reader.id });
    assert_eq!(found.scopes, reader.scopes);
    assert_eq!(
        store
            .create_private_app(PortalId(999_999), private_app("x", "token-x", &["oauth"]))
            .await
            .unwrap(),
        None
    );

    // Deleting the app ends its token (the cached copy too).
    assert!(store.delete_private_app(portal, reader.id).await.unwrap());
    assert!(!store.delete_private_app(portal, reader.id).await.unwrap());
    assert_eq!(
        store.credential(digest("token-reader")).await.unwrap(),
        None
    );
    assert!(store.credential(digest("token-p")).await.unwrap().is_some());

    // An API key: set, rotated (the old one ends), deleted.
    assert!(store.set_api_key(portal, digest("key-1")).await.unwrap());
    let key = store.credential(digest("key-1")).await.unwrap().unwrap();
    assert_eq!((key.portal, key.credential), (portal, Credential::ApiKey));
    assert!(store.set_api_key(portal, digest("key-2")).await.unwrap());
    assert_eq!(store.credential(digest("key-1")).await.unwrap(), None);
    assert!(store.credential(digest("key-2")).await.unwrap().is_some());
    assert!(store.delete_api_key(portal).await.unwrap());
    assert!(!store.delete_api_key(portal).await.unwrap());
    assert_eq!(store.credential(digest("key-2")).await.unwrap(), None);
    assert!(!store
        .set_api_key(PortalId(999_999), digest("key-3"))
        .await
        .unwrap());

    // App ids are one number space, rising.
    let public = store.create_app(new_app("client-ids")).await.unwrap();
    let private = store
        .create_private_app(portal, private_app("later", "token-later", &["oauth"]))
        .await
        .unwrap()
        .unwrap();
    assert!(
        reader.id < public.id && public.id < private.id,
        "{reader:?} {public:?} {private:?}"
    );
}

pub async fn oauth_codes_buy_tokens_once(store: Arc<dyn Store>) {
    let portal = new_portal(&store, "P", "token-p").await;
    let app = store.create_app(new_app("client-1")).await.unwrap();
    assert_eq!(store.app(app.id).await.unwrap().as_ref(), Some(&app));
    assert_eq!(
        store.app_by_client_id("client-1").await.unwrap().as_ref(),
        Some(&app)
    );
    assert_eq!(store.app_by_client_id("client-2").await.unwrap(), None);
    assert_eq!(
        store
            .app_by_developer_key(digest("client-1-developer-key"))
            .await
            .unwrap()
            .map(|a| a.id),
        Some(app.id)
    );
    assert_eq!(app.redirect_uris, ["http://localhost:3000/callback"]);

    assert!(!store
        .authorize(code(PortalId(999_999), app.id, "code-x"))
        .await
        .unwrap());
    let issued = code(portal, app.id, "code-1");
    assert!(store.authorize(issued.clone()).await.unwrap());
    assert_eq!(
        store.authorization_code(digest("code-1")).await.unwrap(),
        Some(issued)
    );
    assert_eq!(
        store.authorization_code(digest("code-2")).await.unwrap(),
        None
    );

    let (access, refresh) = grants(portal, app.id, "access-1", "refresh-1");
    assert!(store
        .redeem_code(digest("code-1"), access.clone(), refresh.clone())
        .await
        .unwrap());
    let (again, again_refresh) = grants(portal, app.id, "access-2", "refresh-2");
    assert!(!store
        .redeem_code(digest("code-1"), again, again_refresh)
        .await
        .unwrap());
    assert_eq!(store.credential(digest("access-2")).await.unwrap(), None);
    assert_eq!(
        store.authorization_code(digest("code-1")).await.unwrap(),
        None
    );

    let found = store.credential(digest("access-1")).await.unwrap().unwrap();
    assert_eq!(found.portal, portal);
    assert_eq!(
        found.credential,
        Credential::OAuth {
            app: app.id,
            expires_at: access.expires_at
        }
    );
    assert_eq!(
        store.access_grant(digest("access-1")).await.unwrap(),
        Some(access)
    );
    assert_eq!(
        store.refresh_grant(digest("refresh-1")).await.unwrap(),
        Some(refresh)
    );

    // A refresh buys another access token.
    let (fresh, _) = grants(portal, app.id, "access-3", "unused");
    store.add_access_token(fresh).await.unwrap();
    assert!(store
        .credential(digest("access-3"))
        .await
        .unwrap()
        .is_some());

    // Revocation: the access token ends at once, through the cache too.
    assert!(store.delete_access_token(digest("access-1")).await.unwrap());
    assert!(!store.delete_access_token(digest("access-1")).await.unwrap());
    assert_eq!(store.credential(digest("access-1")).await.unwrap(), None);
    // Only OAuth tokens are deleted that way.
    assert!(!store.delete_access_token(digest("token-p")).await.unwrap());
    assert!(store
        .delete_refresh_token(digest("refresh-1"))
        .await
        .unwrap());
    assert!(!store
        .delete_refresh_token(digest("refresh-1"))
        .await
        .unwrap());
    assert_eq!(
        store.refresh_grant(digest("refresh-1")).await.unwrap(),
        None
    );
}

pub async fn concurrent_redemptions_of_a_code_buy_tokens_once(store: Arc<dyn Store>) {
    let portal = new_portal(&store, "P", "token-p").await;
    let app = store.create_app(new_app("client-race")).await.unwrap();
    assert!(store
        .authorize(code(portal, app.id, "code-race"))
        .await
        .unwrap());
    let mut tasks = Vec::new();
    for i in 0..8 {
        let store = Arc::clone(&store);
        tasks.push(tokio::spawn(async move {
            let (access, refresh) = grants(
                portal,
                app.id,
                &format!("access-{i}"),
                &format!("refresh-{i}"),
            );
            store
                .redeem_code(digest("code-race"), access, refresh)
                .await
                .unwrap()
        }));
    }
    let mut won = 0;
    for task in tasks {
        if task.await.unwrap() {
            won += 1;
        }
    }
    assert_eq!(won, 1);
    let mut live = 0;
    for i in 0..8 {
        if store
            .credential(digest(&format!("access-{i}")))
            .await
            .unwrap()
            .is_some()
        {
            live += 1;
        }
    }
    assert_eq!(live, 1);
}

pub async fn admin_tokens_and_sessions(store: Arc<dyn Store>) {
    assert!(store
        .ensure_admin_token(None, digest("admin-1"))
        .await
        .unwrap());
    // Generated once: a later start does not generate another.
    assert!(!store
        .ensure_admin_token(None, digest("admin-2"))
        .await
        .unwrap());
    assert!(store.is_admin_token(digest("admin-1")).await.unwrap());
    assert!(!store.is_admin_token(digest("admin-2")).await.unwrap());
    // A chosen token is registered beside it.
    assert!(!store
        .ensure_admin_token(Some(digest("chosen")), digest("admin-3"))
        .await
        .unwrap());
    assert!(store.is_admin_token(digest("chosen")).await.unwrap());
    assert!(!store.is_admin_token(digest("admin-3")).await.unwrap());

    let now = Timestamp::now();
    let later = Timestamp::from_stored(now.millis() + 60_000);
    store.add_session(digest("session"), later).await.unwrap();
    assert!(store.session_valid(digest("session"), now).await.unwrap());
    assert!(!store
        .session_valid(
            digest("session"),
            Timestamp::from_stored(later.millis() + 1)
        )
        .await
        .unwrap());
    assert!(!store.session_valid(digest("other"), now).await.unwrap());
}

pub async fn rate_counts_hold_across_takers(store: Arc<dyn Store>) {
    let portal = default_portal(&store).await;
    let counter = store.rate_counter();
    let key = LimitKey {
        portal,
        allowance: Allowance::App(AppId(1)),
    };
    let window = Window::ten_secondly(10);
    let t = |ms: i64| Timestamp::from_stored(1_000_000_000 + ms);
    let taken = counter.take(&key, window, t(0), 4).await.unwrap();
    assert_eq!((taken.granted, taken.used), (4, 4));
    let taken = counter.take(&key, window, t(5_000), 8).await.unwrap();
    assert_eq!((taken.granted, taken.used), (6, 10));
    let taken = counter.take(&key, window, t(9_999), 1).await.unwrap();
    assert_eq!((taken.granted, taken.used), (0, 10));
    // Ten seconds on, the first four have left the window.
    let taken = counter.take(&key, window, t(10_000), 5).await.unwrap();
    assert_eq!((taken.granted, taken.used), (4, 10));
    assert_eq!(counter.used(&key, window, t(10_000)).await.unwrap(), 10);
    assert_eq!(counter.used(&key, window, t(15_000)).await.unwrap(), 4);
    // Another allowance is counted apart.
    let other = LimitKey {
        portal,
        allowance: Allowance::Daily,
    };
    assert_eq!(counter.used(&other, window, t(10_000)).await.unwrap(), 0);
    // Several takers at once never grant more than the limit.
    let window = Window::secondly(25);
    let key = LimitKey {
        portal,
        allowance: Allowance::Search,
    };
    let mut tasks = Vec::new();
    for _ in 0..10 {
        let counter = Arc::clone(&counter);
        tasks.push(tokio::spawn(async move {
            counter
                .take(&key, window, t(50_000), 4)
                .await
                .unwrap()
                .granted
        }));
    }
    let mut granted = 0;
    for task in tasks {
        granted += task.await.unwrap();
    }
    assert_eq!(granted, 25);
}

/// A portal with rows in every kind of table (contacts, history, outbox,
/// unique values, merges, a GDPR block, properties and groups, private
/// apps, an API key, an app install, a code, tokens, rate counts), and a
/// second portal with a contact; returns (the full portal, the other).
/// Backends check that deleting the first leaves none of its rows.
pub async fn a_portal_in_every_table(store: &Arc<dyn Store>) -> (PortalId, PortalId) {
    let other = default_portal(store).await;
    store
        .create_contact(other, write(&[("email", "other@example.com")]))
        .await
        .unwrap();
    let full = new_portal(store, "Full", "token-full").await;
    let a = store
        .create_contact(
            full,
            write(&[("email", "a@example.com"), ("firstname", "A")]),
        )
        .await
        .unwrap();
    let b = store
        .create_contact(full, write(&[("email", "b@example.com")]))
        .await
        .unwrap();
    store
        .merge_contacts(full, a.id, b.id, Timestamp::now())
        .await
        .unwrap();
    let c = store
        .create_contact(full, write(&[("email", "c@example.com")]))
        .await
        .unwrap();
    store
        .gdpr_delete(full, &spoke_domain::contact::ContactLookup::Id(c.id))
        .await
        .unwrap();
    let mut def = spoke_domain::property::PropertyDefinition::new(
        "custom",
        "Custom",
        spoke_domain::property::PropertyType::String,
        spoke_domain::property::FieldType::Text,
    );
    def.has_unique_value = true;
    store.create_property(full, def).await.unwrap();
    store
        .create_contact(full, write(&[("custom", "unique")]))
        .await
        .unwrap();
    store
        .create_group(
            full,
            spoke_domain::property::PropertyGroup {
                name: "mine".into(),
                label: "Mine".into(),
                display_order: 0,
                hubspot_defined: false,
                archived: false,
            },
        )
        .await
        .unwrap();
    store
        .create_private_app(full, private_app("second", "token-full-2", &["oauth"]))
        .await
        .unwrap();
    store.set_api_key(full, digest("key-full")).await.unwrap();
    let app = store.create_app(new_app("client-full")).await.unwrap();
    store
        .authorize(code(full, app.id, "code-full-1"))
        .await
        .unwrap();
    store
        .authorize(code(full, app.id, "code-full-2"))
        .await
        .unwrap();
    let (access, refresh) = grants(full, app.id, "access-full", "refresh-full");
    store
        .redeem_code(digest("code-full-1"), access, refresh)
        .await
        .unwrap();
    store
        .rate_counter()
        .take(
            &LimitKey::daily(full),
            Window::daily(100),
            Timestamp::now(),
            3,
        )
        .await
        .unwrap();
    (full, other)
}
