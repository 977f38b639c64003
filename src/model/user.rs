//! People who sign in, and what each may do (DESIGN.md "Roles").

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What a user may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Logs referrals, updates their status, sees their own referrals.
    Clinician,
    /// Edits the listings it has claimed (moderated).
    Organization,
    /// Reviews submissions and corrections, verifies listings.
    Moderator,
    /// Runs and exports aggregate gap reports; never sees row-level referrals.
    Advocate,
    /// Manages users and roles, and everything else.
    Admin,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Clinician,
        Role::Organization,
        Role::Moderator,
        Role::Advocate,
        Role::Admin,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Role::Clinician => "clinician",
            Role::Organization => "organization",
            Role::Moderator => "moderator",
            Role::Advocate => "advocate",
            Role::Admin => "admin",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        let code = text.trim().to_ascii_lowercase();
        Role::ALL.into_iter().find(|r| r.code() == code)
    }

    /// Whether this role logs and follows referrals.
    pub fn refers(self) -> bool {
        matches!(self, Role::Clinician | Role::Admin)
    }

    /// Whether this role verifies listings and decides submissions.
    pub fn moderates(self) -> bool {
        matches!(self, Role::Moderator | Role::Admin)
    }

    /// Whether this role may claim and manage an organization's listings.
    pub fn manages_listings(self) -> bool {
        matches!(self, Role::Organization | Role::Admin)
    }

    /// Whether this role reads gap reports.
    pub fn reads_reports(self) -> bool {
        matches!(self, Role::Advocate | Role::Admin)
    }
}

/// A user account. The password is kept only as an argon2id hash (PHC string).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub id: String,
    /// Lower-cased; unique.
    pub email: String,
    pub role: Role,
    pub password_hash: String,
    #[serde(default)]
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
}

/// Normalizes an email address for lookup (trimmed, lower-cased), or `None`
/// when it does not look like one (`name@domain.tld`, no spaces).
pub fn normalize_email(text: &str) -> Option<String> {
    let email = text.trim().to_lowercase();
    let (local, domain) = email.split_once('@')?;
    let ok = !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !email.chars().any(char::is_whitespace)
        && email.matches('@').count() == 1
        && email.len() <= 254;
    ok.then_some(email)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.code()), Some(role));
        }
        assert_eq!(Role::parse(" Admin "), Some(Role::Admin));
        assert_eq!(Role::parse("root"), None);
        assert!(Role::Clinician.refers() && !Role::Advocate.refers());
    }

    #[test]
    fn emails_are_normalized_or_refused() {
        assert_eq!(
            normalize_email(" Ana@Clinic.ORG ").as_deref(),
            Some("ana@clinic.org")
        );
        for bad in [
            "",
            "ana",
            "ana@",
            "@clinic.org",
            "ana@clinic",
            "a b@c.org",
            "a@@c.org",
        ] {
            assert_eq!(normalize_email(bad), None, "{bad}");
        }
    }
}
