//! Hearth's integration tests, linked into one test binary.
//!
//! They use the real sled store, the real tantivy index (in temp directories)
//! and committed fixtures: small, real slices of the bundled data
//! (`tests/fixtures/README.md` says where each row came from).

#![allow(clippy::unwrap_used)]

mod backup;
mod check;
mod cli_users;
mod common;
mod freshness;
mod gaps;
mod hostile;
mod hours;
mod hsds_api;
mod hsds_export;
mod hsds_stream;
mod import;
mod lists;
mod moderation;
mod openapi;
mod oracle;
mod process;
mod rebuild;
mod referrals;
mod relevance;
mod report;
mod search;
mod security;
mod sync;
mod validate;
mod web;
