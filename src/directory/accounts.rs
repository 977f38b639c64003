//! Users, sign-in, sessions and API tokens, over the store.
//!
//! Passwords and tokens are checked with `auth`; the store keeps only hashes.
//! Every sign-in, failed sign-in, sign-out and change to a user is audited.

use chrono::{DateTime, Utc};

use super::{Directory, DirectoryError};
use crate::auth::{self, Session};
use crate::model::{Role, User, normalize_email};
use crate::store::{AuditEntry, TokenRecord};

/// Why an account could not be made or changed.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("{0:?} is not an email address; give one like name@clinic.org")]
    BadEmail(String),
    #[error("there is already a user with the email {0}")]
    Taken(String),
    #[error("there is no user with the email {0}; `hearth user list` shows them")]
    NoSuchUser(String),
    #[error(transparent)]
    Password(#[from] auth::PasswordError),
    #[error(transparent)]
    Token(#[from] auth::TokenError),
    #[error(transparent)]
    Directory(#[from] DirectoryError),
}

/// Why a sign-in was refused. The message never says whether the email exists.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    #[error("That email and password do not match an active account.")]
    Refused,
    #[error(transparent)]
    Limited(#[from] auth::Limited),
    #[error(transparent)]
    Token(#[from] auth::TokenError),
    #[error(transparent)]
    Directory(#[from] DirectoryError),
}

/// A signed-in user and their session, as a request sees them.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub user: User,
    pub session: Session,
    /// The storage key of the session (the digest of its cookie).
    pub key: String,
}

/// What looking a session up found.
#[derive(Debug, Clone)]
pub enum SessionLookup {
    Active(Box<SignedIn>),
    /// It existed and has ended (the message says why); it is removed.
    Expired(auth::Expired),
    /// No such session (or its user is gone or disabled).
    Unknown,
}

impl Directory {
    /// Appends to the audit log.
    pub fn audit(
        &self,
        actor: &str,
        action: &str,
        target_kind: &str,
        target_id: &str,
        now: DateTime<Utc>,
    ) -> Result<(), DirectoryError> {
        self.store.audit(&AuditEntry {
            at: now,
            actor: actor.to_owned(),
            action: action.to_owned(),
            target_kind: target_kind.to_owned(),
            target_id: target_id.to_owned(),
        })?;
        Ok(())
    }

    /// The newest audit entries first.
    pub fn audit_log(&self, limit: usize) -> Result<Vec<AuditEntry>, DirectoryError> {
        Ok(self.store.audit_log(limit)?)
    }

    /// Adds a user. Without a password, one is generated and returned (to be
    /// shown once). Durable when it returns.
    pub fn add_user(
        &self,
        email: &str,
        role: Role,
        password: Option<&str>,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<(User, Option<String>), AccountError> {
        let email = normalize_email(email).ok_or_else(|| AccountError::BadEmail(email.into()))?;
        let (password, generated) = match password {
            Some(p) => {
                auth::password::check_policy(p)?;
                (p.to_owned(), None)
            }
            None => {
                let p = auth::password::generate()?;
                (p.clone(), Some(p))
            }
        };
        let user = User {
            id: uuid::Uuid::new_v4().to_string(),
            email: email.clone(),
            role,
            password_hash: auth::password::hash(&password)?,
            disabled: false,
            created_at: now,
        };
        if !self.store.insert_user(&user)? {
            return Err(AccountError::Taken(email));
        }
        self.audit(by, "user.create", "user", &user.id, now)?;
        self.store.durable()?;
        Ok((user, generated))
    }

    /// Every user, by id.
    pub fn users(&self) -> Result<Vec<User>, DirectoryError> {
        Ok(self.store.users()?)
    }

    /// Whether any enabled admin exists.
    pub fn has_admin(&self) -> Result<bool, DirectoryError> {
        Ok(self
            .store
            .users()?
            .iter()
            .any(|u| u.role == Role::Admin && !u.disabled))
    }

    pub fn user(&self, id: &str) -> Result<Option<User>, DirectoryError> {
        Ok(self.store.user(id)?)
    }

    fn user_by_email(&self, email: &str) -> Result<User, AccountError> {
        let normal = normalize_email(email).ok_or_else(|| AccountError::BadEmail(email.into()))?;
        self.store
            .user_by_email(&normal)?
            .ok_or(AccountError::NoSuchUser(normal))
    }

    /// Changes a user's role.
    pub fn set_role(
        &self,
        email: &str,
        role: Role,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<User, AccountError> {
        self.change_user(email, "user.role", by, now, |user| user.role = role)
    }

    /// Disables a user: they can no longer sign in, and their sessions and tokens stop working.
    pub fn disable_user(
        &self,
        email: &str,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<User, AccountError> {
        self.change_user(email, "user.disable", by, now, |user| user.disabled = true)
    }

    /// Changes the user with `email` with `change`, audited as `action` by
    /// `by`; durable when it returns.
    fn change_user(
        &self,
        email: &str,
        action: &str,
        by: &str,
        now: DateTime<Utc>,
        change: impl FnOnce(&mut User),
    ) -> Result<User, AccountError> {
        let mut user = self.user_by_email(email)?;
        change(&mut user);
        self.store.update_user(&user)?;
        self.audit(by, action, "user", &user.id, now)?;
        self.store.durable()?;
        Ok(user)
    }

    /// Sets a user's password (after checking the policy).
    pub fn set_password(
        &self,
        user_id: &str,
        password: &str,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<(), AccountError> {
        auth::password::check_policy(password)?;
        let mut user = self
            .store
            .user(user_id)?
            .ok_or_else(|| AccountError::NoSuchUser(user_id.into()))?;
        user.password_hash = auth::password::hash(password)?;
        self.store.update_user(&user)?;
        self.audit(by, "user.password", "user", &user.id, now)?;
        self.store.durable()?;
        Ok(())
    }

    /// Creates an API token for a user; the token is returned once and only its digest kept.
    pub fn create_token(
        &self,
        email: &str,
        name: &str,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<String, AccountError> {
        let user = self.user_by_email(email)?;
        let token = auth::token::generate(auth::token::API_PREFIX)?;
        let digest = auth::token::digest(&token);
        self.store.insert_token(
            &digest,
            &TokenRecord {
                user_id: user.id.clone(),
                name: name.to_owned(),
                created_at: now,
            },
        )?;
        self.audit(by, "token.create", "user", &user.id, now)?;
        self.store.durable()?;
        Ok(token)
    }

    /// The enabled user an API token belongs to.
    pub fn user_for_token(&self, token: &str) -> Result<Option<User>, DirectoryError> {
        if !auth::token::looks_like(token, auth::token::API_PREFIX) {
            return Ok(None);
        }
        let Some(record) = self.store.token(&auth::token::digest(token))? else {
            return Ok(None);
        };
        Ok(self.store.user(&record.user_id)?.filter(|u| !u.disabled))
    }

    /// Signs in: checks the rate limits, the password (taking as long when the
    /// email is unknown), and starts a session. Returns the cookie value.
    pub fn login(
        &self,
        email: &str,
        password: &str,
        address: &str,
        now: DateTime<Utc>,
    ) -> Result<(String, SignedIn), LoginError> {
        let account = normalize_email(email).unwrap_or_else(|| email.trim().to_lowercase());
        self.limiter.check(&account, address, now)?;
        let user = self.store.user_by_email(&account)?;
        let ok = match &user {
            Some(u) => auth::password::verify(password, &u.password_hash) && !u.disabled,
            None => {
                auth::password::dummy_verify(password);
                false
            }
        };
        let Some(user) = user.filter(|_| ok) else {
            self.limiter.failed(&account, address, now);
            self.audit("anonymous", "login.failed", "session", "-", now)?;
            return Err(LoginError::Refused);
        };
        self.limiter.succeeded(&account, address);
        let (cookie, key, session) = Session::new(user.id.clone(), now)?;
        self.store.put_session(&key, &session)?;
        self.audit(&user.id, "login", "session", &key[..12.min(key.len())], now)?;
        self.store.durable()?;
        Ok((cookie, SignedIn { user, session, key }))
    }

    /// The session a cookie names, checked against the timeouts and touched.
    pub fn session(
        &self,
        cookie: &str,
        now: DateTime<Utc>,
    ) -> Result<SessionLookup, DirectoryError> {
        let key = auth::token::digest(cookie);
        let Some(mut session) = self.store.session::<Session>(&key)? else {
            return Ok(SessionLookup::Unknown);
        };
        if let Err(expired) = session.check(now) {
            self.store.remove_session(&key)?;
            return Ok(SessionLookup::Expired(expired));
        }
        let Some(user) = self.store.user(&session.user_id)?.filter(|u| !u.disabled) else {
            self.store.remove_session(&key)?;
            return Ok(SessionLookup::Unknown);
        };
        // Touch at most once a minute: a page view is not worth a write each time.
        if now - session.last_seen >= chrono::Duration::minutes(1) {
            session.touch(now);
            self.store.put_session(&key, &session)?;
        }
        Ok(SessionLookup::Active(Box::new(SignedIn {
            user,
            session,
            key,
        })))
    }

    /// Ends a session.
    pub fn logout(&self, signed_in: &SignedIn, now: DateTime<Utc>) -> Result<(), DirectoryError> {
        self.store.remove_session(&signed_in.key)?;
        self.audit(
            &signed_in.user.id,
            "logout",
            "session",
            &signed_in.key[..12.min(signed_in.key.len())],
            now,
        )?;
        self.store.durable()?;
        Ok(())
    }

    /// Removes ended sessions; returns how many.
    pub fn sweep_sessions(&self, now: DateTime<Utc>) -> Result<usize, DirectoryError> {
        Ok(self
            .store
            .remove_sessions::<Session>(|s| s.check(now).is_err())?)
    }
}
