//! Submissions from the public and from organizations: new listings and
//! corrections, waiting for a moderator. Nothing submitted is visible or
//! searchable until a moderator approves it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::Service;

/// What a submission asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubmissionKind {
    /// A new listing.
    New,
    /// Changes to an existing listing (or "this service has closed").
    Correction,
    /// An organization user asks to manage an organization's listings.
    Claim,
}

impl SubmissionKind {
    pub fn code(self) -> &'static str {
        match self {
            SubmissionKind::New => "new",
            SubmissionKind::Correction => "correction",
            SubmissionKind::Claim => "claim",
        }
    }
}

/// Where a submission is in the queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubmissionStatus {
    Pending,
    Approved,
    Rejected,
}

impl SubmissionStatus {
    pub fn code(self) -> &'static str {
        match self {
            SubmissionStatus::Pending => "pending",
            SubmissionStatus::Approved => "approved",
            SubmissionStatus::Rejected => "rejected",
        }
    }
}

/// Who sent it (for questions and for the decision to be sent back).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Submitter {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// The signed-in user, when there was one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
}

/// A submission in the moderation queue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Submission {
    pub id: String,
    pub kind: SubmissionKind,
    pub status: SubmissionStatus,
    pub created_at: DateTime<Utc>,
    pub submitter: Submitter,
    /// The listing as proposed (for a correction: the whole listing with the changes applied).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<Service>,
    /// The listing a correction is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_id: Option<String>,
    /// A correction that says the service has closed.
    #[serde(default)]
    pub closed: bool,
    /// The submitter's note to the moderator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Sent by a user who manages (has claimed) the listing's organization.
    #[serde(default)]
    pub from_claimant: bool,
    /// Listings that look like the same service (same or similar name nearby).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub duplicates: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided_by: Option<String>,
    /// Why it was rejected (sent back to the submitter).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// A message waiting to be sent (recorded in the store; sending is optional).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxMessage {
    pub at: DateTime<Utc>,
    pub to: String,
    pub subject: String,
    pub body: String,
}
