//! The `spoke` binary's library: command line, configuration and startup.
//! Integration tests build an [`startup::Application`] exactly as `main`
//! does, on port 0 with a temporary data directory.

pub mod admin_client;
pub mod backups;
pub mod cli;
pub mod config;
pub mod startup;
pub mod telemetry;
pub mod tls;
pub mod transfer_client;
pub mod workers;
