//! Integration tests: the real server on port 0 with a temporary database,
//! spoken to over HTTP. One binary, one module per resource or concern.

mod access_admin;
mod access_isolation;
mod access_limits;
mod access_oauth;
mod access_scopes;
mod account;
mod auth;
mod contacts_archive;
mod contacts_batch;
mod contacts_create;
mod contacts_list;
mod contacts_merge;
mod contacts_read;
mod contacts_update;
mod contacts_v1_batch;
mod contacts_v1_cross_api;
mod contacts_v1_listings;
mod contacts_v1_profiles;
mod contacts_v1_secondary_emails;
mod custom_values;
mod errors;
mod health;
mod helpers;
mod lists_v3;
mod properties;
mod properties_batch;
mod properties_v1;
mod property_groups;
mod receiver;
mod routing;
mod search;
mod search_random;
mod storage;
mod webhooks_api;
mod webhooks_delivery;
