//! What Hearth writes out for other systems: FHIR referral resources and the
//! directory as Open Referral HSDS 3.0 (API objects, NDJSON, tabular package).
//!
//! This module owns the shape of exported records and nothing else: it takes
//! model values (`crate::model`) and returns documents or writes files.
//! Reading the store, checking who may see a referral and serving the result
//! are the web layer's and the command line's job (`GET
//! /api/v1/referrals/{id}/fhir`, `/hsds/`, `hearth export`).

pub mod fhir;
pub mod hsds;

pub use fhir::referral_bundle;
