//! Referrals over the store: who may make, see and change which, with every
//! change audited and every write durable before it is acknowledged.

use chrono::{DateTime, NaiveDate, Utc};

use super::{Directory, DirectoryError};
use crate::model::{Referral, Role, User};
use crate::referral::{self, ChangeError, FieldError, NewReferral, StatusUpdate};
use crate::store::ReferralFilter;

/// Why a referral request was refused.
#[derive(Debug, thiserror::Error)]
pub enum ReferralError {
    /// No such referral, or not this user's (the two are not told apart).
    #[error("there is no referral with id {0}")]
    NotFound(String),
    /// This role does not work with row-level referrals.
    #[error("{0}")]
    Forbidden(String),
    /// The listing referred to does not exist (or is no longer listed).
    #[error("there is no listing with id {0}; refer from a search result")]
    NoSuchService(String),
    /// Fields that cannot be used, each with what to fix.
    #[error("the referral has {} problem(s)", .0.len())]
    Invalid(Vec<FieldError>),
    /// A status change not allowed from the current status.
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Directory(#[from] DirectoryError),
}

/// Who is asking, for referral rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Viewer {
    /// Sees and changes their own referrals.
    Own,
    /// Sees and changes every referral.
    All,
}

fn viewer(user: &User) -> Result<Viewer, ReferralError> {
    match user.role {
        Role::Clinician => Ok(Viewer::Own),
        Role::Admin => Ok(Viewer::All),
        Role::Advocate => Err(ReferralError::Forbidden(
            "advocates see referrals only as counts in gap reports, never one by one".into(),
        )),
        Role::Organization | Role::Moderator => Err(ReferralError::Forbidden(
            "only clinicians (and admins) log and follow referrals".into(),
        )),
    }
}

impl Directory {
    /// Records a new referral from `user` for a listing. Durable when it returns.
    /// A retry with the same `request_id` returns the first referral (`false`).
    pub fn create_referral(
        &self,
        user: &User,
        input: &NewReferral,
        now: DateTime<Utc>,
    ) -> Result<(Referral, bool), ReferralError> {
        viewer(user)?;
        let service_id = input
            .service_id
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| {
                ReferralError::Invalid(vec![FieldError {
                    field: "service_id",
                    message: "give the id of the listing you are referring to".into(),
                }])
            })?;
        let service = self
            .store
            .service(service_id)?
            .ok_or_else(|| ReferralError::NoSuchService(service_id.to_owned()))?;
        let id = uuid::Uuid::new_v4().to_string();
        let referral = referral::check_new(input, &service, id, &user.id, now)
            .map_err(ReferralError::Invalid)?;
        let (stored, created) = self.store.insert_referral(&referral)?;
        if created {
            self.audit(&user.id, "referral.create", "referral", &stored.id, now)?;
        }
        self.store.durable()?;
        Ok((stored, created))
    }

    /// One referral, if `user` may see it.
    pub fn referral_for(
        &self,
        user: &User,
        id: &str,
        now: DateTime<Utc>,
    ) -> Result<Referral, ReferralError> {
        let who = viewer(user)?;
        let referral = self
            .store
            .referral(id)?
            .filter(|r| who == Viewer::All || r.created_by == user.id)
            .ok_or_else(|| ReferralError::NotFound(id.to_owned()))?;
        self.audit(&user.id, "referral.view", "referral", id, now)?;
        Ok(referral)
    }

    /// The referrals `user` may see, overdue follow-ups first, then by
    /// follow-up date, then newest first.
    pub fn referrals_for(
        &self,
        user: &User,
        filter: &ReferralFilter,
        today: NaiveDate,
    ) -> Result<Vec<Referral>, ReferralError> {
        let mut list = match viewer(user)? {
            Viewer::Own => self.store.referrals_of(&user.id, filter)?,
            Viewer::All => self.store.all_referrals(filter)?,
        };
        list.sort_by(|a, b| {
            b.follow_up_due(today)
                .cmp(&a.follow_up_due(today))
                .then(a.status.is_closed().cmp(&b.status.is_closed()))
                .then(a.follow_up.cmp(&b.follow_up))
                .then(b.created_at.cmp(&a.created_at))
        });
        Ok(list)
    }

    /// Every referral made in `[from, to)`, for counting in aggregate reports
    /// (gap reports); nothing shows these one by one.
    pub fn referrals_made(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<Referral>, DirectoryError> {
        let mut made = self.store.referrals_between(from, to)?;
        // In id order, as a scan of every referral gave them.
        made.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(made)
    }

    /// How many of `user`'s own open referrals have a follow-up due by `today`.
    pub fn follow_ups_due(&self, user: &User, today: NaiveDate) -> Result<usize, DirectoryError> {
        if !user.role.refers() {
            return Ok(0);
        }
        Ok(self
            .store
            .referrals_of(&user.id, &ReferralFilter::default())?
            .iter()
            .filter(|r| r.follow_up_due(today))
            .count())
    }

    /// Changes a referral's status (with its reason), if `user` may.
    pub fn change_referral_status(
        &self,
        user: &User,
        id: &str,
        update: &StatusUpdate,
        now: DateTime<Utc>,
    ) -> Result<Referral, ReferralError> {
        let who = viewer(user)?;
        // Two changes at once: retry on the newer record, so neither is lost
        // and the rules are checked against what is really stored.
        for _ in 0..5 {
            let before = self
                .store
                .referral(id)?
                .filter(|r| who == Viewer::All || r.created_by == user.id)
                .ok_or_else(|| ReferralError::NotFound(id.to_owned()))?;
            let after =
                referral::change_status(&before, update, &user.id, now).map_err(|e| match e {
                    ChangeError::Invalid(errors) => ReferralError::Invalid(errors),
                    ChangeError::Conflict(message) => ReferralError::Conflict(message),
                })?;
            if self.store.update_referral(&before, &after)? {
                self.audit(&user.id, "referral.status", "referral", id, now)?;
                self.store.durable()?;
                return Ok(after);
            }
        }
        Err(ReferralError::Conflict(
            "the referral is being changed by someone else right now; reload it and try again"
                .into(),
        ))
    }
}
