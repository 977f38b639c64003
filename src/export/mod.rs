//! What Hearth writes out for other systems: FHIR referral resources.
//!
//! This module owns the shape of exported records and nothing else: it takes
//! model values (`crate::model`) and returns documents. Reading the store,
//! checking who may see a referral and serving the result are the web layer's
//! job (`GET /api/v1/referrals/{id}/fhir`).

pub mod fhir;

pub use fhir::referral_bundle;
