//! Hearth: a community resource and referral directory in one binary.
//!
//! Clinicians search housing, food, legal and health services near a client;
//! the listings come from open data (HSDS packages and national lists) kept in
//! a sled store, and are found through a tantivy index with geographic cells.
//! See `docs` in the README for the module map; dependencies point one way:
//! `model` ← `store`, `index`, `geo` ← `import` ← `web`, `cli`.

pub mod auth;
pub mod cli;
pub mod config;
pub mod directory;
pub mod export;
pub mod geo;
pub mod hours;
pub mod import;
pub mod index;
pub mod model;
pub mod referral;
pub mod report;
pub mod search;
pub mod store;
pub mod web;
