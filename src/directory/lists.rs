//! Saved lists over the store: who may see and change which list, what each
//! saved listing looks like now against when it was saved, with every change
//! audited (ids only, never notes) and durable before it is acknowledged.
//!
//! Lists are a clinician tool: clinicians and admins have them, other roles
//! are refused. Every clinician has a personal list ("My list", also reachable
//! as `mine`), stored the first time something is saved to it. Team lists are
//! shared with named colleagues, who see them and add and remove items; only
//! the owner renames a team list, names its members or deletes it. A list
//! someone neither owns nor is a member of does not exist for them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Directory, DirectoryError};
use crate::model::{
    ItemState, MAX_NOTE_CHARS, PERSONAL_LIST_NAME, SavedItem, SavedList, User, fingerprint,
    item_state, normalize_email, record_id,
};
use crate::referral::FieldError;

/// The id that names the caller's own personal list in routes.
pub const MY_LIST: &str = "mine";
/// The most services one list holds.
pub const MAX_LIST_ITEMS: usize = 200;
/// The most colleagues a team list is shared with.
pub const MAX_LIST_MEMBERS: usize = 50;
/// The most characters a list's name may have.
pub const MAX_LIST_NAME_CHARS: usize = 80;

/// How many times a change is retried on a list that someone else changed meanwhile.
const RETRIES: usize = 5;

/// Why a list request was refused.
#[derive(Debug, thiserror::Error)]
pub enum ListError {
    /// No such list, or not one this user owns or is a member of (the two are not told apart).
    #[error("there is no list with id {0}")]
    NotFound(String),
    /// This role has no lists, or only the owner may do this.
    #[error("{0}")]
    Forbidden(String),
    /// Fields that cannot be used, each with what to fix.
    #[error("the list change has {} problem(s)", .0.len())]
    Invalid(Vec<FieldError>),
    /// Not possible on this list (a personal list is never shared), or it kept changing.
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Directory(#[from] DirectoryError),
}

/// How the asking user stands to a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ListAccess {
    /// Made it: may also rename it, name its members and delete it.
    Owner,
    /// Named on it: sees it, adds and removes items.
    Member,
}

/// A user on a list, as its owner and members see them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ListPerson {
    pub id: String,
    /// Empty when the account is gone.
    pub email: String,
}

/// A saved item with how its listing stands now.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ListItemView {
    #[serde(flatten)]
    pub item: SavedItem,
    pub state: ItemState,
    /// What the list says about it ("closed", "changed since you saved it"), if anything.
    pub flag: Option<&'static str>,
    /// The listing's name now, or as saved when it is gone.
    pub name: String,
    /// Who runs it (when it is still listed).
    pub organization: Option<String>,
    /// The saved location's address on one line (when it has one).
    pub address: Option<String>,
}

/// A list as one of its people sees it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ListView {
    pub id: String,
    pub name: String,
    pub team: bool,
    pub owner: ListPerson,
    pub members: Vec<ListPerson>,
    /// How the asking user stands to it.
    pub access: ListAccess,
    pub items: Vec<ListItemView>,
    /// How many items are flagged closed or changed.
    pub flagged: usize,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A service to save to a list (a form or a JSON body).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct NewListItem {
    pub service_id: Option<String>,
    pub location_id: Option<String>,
    /// A short private note, at most [`MAX_NOTE_CHARS`] characters.
    pub note: Option<String>,
}

fn given(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}

fn field(field: &'static str, message: impl Into<String>) -> FieldError {
    FieldError {
        field,
        message: message.into(),
    }
}

/// Lists are for clinicians (and admins).
fn check_role(user: &User) -> Result<(), ListError> {
    if user.role.refers() {
        Ok(())
    } else {
        Err(ListError::Forbidden(
            "lists are a clinician tool; only clinicians (and admins) keep them".into(),
        ))
    }
}

/// The id of a user's personal list (the same every time, so it is made once).
fn personal_id(user_id: &str) -> String {
    record_id("list", "personal", user_id)
}

fn access(list: &SavedList, user: &User) -> Option<ListAccess> {
    if list.owner == user.id {
        Some(ListAccess::Owner)
    } else if list.members.contains(&user.id) {
        Some(ListAccess::Member)
    } else {
        None
    }
}

/// A list's name: given, and not too long.
fn check_name(name: Option<&str>) -> Result<String, FieldError> {
    let name = given(name).ok_or_else(|| field("name", "give the list a name"))?;
    let chars = name.chars().count();
    if chars > MAX_LIST_NAME_CHARS {
        return Err(field(
            "name",
            format!(
                "a list's name can be at most {MAX_LIST_NAME_CHARS} characters (it has {chars})"
            ),
        ));
    }
    Ok(name.to_owned())
}

/// A note: blank is none; at most [`MAX_NOTE_CHARS`] characters.
fn check_note(note: Option<&str>) -> Result<Option<String>, FieldError> {
    let Some(note) = given(note) else {
        return Ok(None);
    };
    let chars = note.chars().count();
    if chars > MAX_NOTE_CHARS {
        return Err(field(
            "note",
            format!(
                "the note can be at most {MAX_NOTE_CHARS} characters (it has {chars}); keep it to what you need to remember"
            ),
        ));
    }
    Ok(Some(note.to_owned()))
}

/// Splits a list of emails typed into a box: commas, semicolons, spaces or lines.
fn email_list(text: &str) -> Vec<&str> {
    text.split(|c: char| c == ',' || c == ';' || c.is_whitespace())
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .collect()
}

impl Directory {
    /// The lists `user` owns or is on: their personal list first (empty until
    /// something is saved to it), then team lists by name.
    pub fn lists_for(&self, user: &User) -> Result<Vec<ListView>, ListError> {
        check_role(user)?;
        let personal = personal_id(&user.id);
        // The personal list is among the user's own, once it has been written.
        let (mine, mut lists): (Vec<SavedList>, Vec<SavedList>) = self
            .store
            .lists_of(&user.id)?
            .into_iter()
            .partition(|l| l.id == personal);
        lists.sort_by(|a, b| {
            a.name
                .to_lowercase()
                .cmp(&b.name.to_lowercase())
                .then(a.created_at.cmp(&b.created_at))
        });
        let mine = mine
            .into_iter()
            .next()
            .unwrap_or_else(|| blank_personal(user, Utc::now()));
        let mut out = vec![self.view(&mine, ListAccess::Owner)?];
        for list in &lists {
            if let Some(how) = access(list, user) {
                out.push(self.view(list, how)?);
            }
        }
        Ok(out)
    }

    /// One list, if `user` owns it or is on it (`mine` is their personal list).
    pub fn list_for(&self, user: &User, id: &str) -> Result<ListView, ListError> {
        check_role(user)?;
        let (list, how, _) = self.load_list(user, id)?;
        self.view(&list, how)
    }

    /// Makes a team list owned by `user` and shared with the colleagues whose
    /// emails `members` names. Durable when it returns.
    pub fn create_list(
        &self,
        user: &User,
        name: Option<&str>,
        members: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<ListView, ListError> {
        check_role(user)?;
        let mut errors = Vec::new();
        let name = check_name(name).map_err(|e| errors.push(e)).ok();
        let members = self
            .resolve_members(user, members.unwrap_or(""))?
            .map_err(|e| errors.push(e))
            .ok();
        let (Some(name), Some(members), true) = (name, members, errors.is_empty()) else {
            return Err(ListError::Invalid(errors));
        };
        let list = SavedList {
            id: uuid::Uuid::new_v4().to_string(),
            owner: user.id.clone(),
            name,
            team: true,
            members,
            items: Vec::new(),
            created_at: now,
            updated_at: now,
        };
        if !self.store.insert_list(&list)? {
            return Err(ListError::Conflict(
                "that list could not be made just now; try again".into(),
            ));
        }
        self.audit(&user.id, "list.create", "list", &list.id, now)?;
        self.store.durable()?;
        self.view(&list, ListAccess::Owner)
    }

    /// Saves a service (at a location, with a note) to a list `user` owns or
    /// is on; saving one that is already there replaces its note and location
    /// and takes the listing as it is now (which clears its flag). Returns the
    /// list and whether the service is new to it. Durable when it returns.
    pub fn add_list_item(
        &self,
        user: &User,
        list_id: &str,
        input: &NewListItem,
        now: DateTime<Utc>,
    ) -> Result<(ListView, bool), ListError> {
        check_role(user)?;
        // Whether the list exists for this user comes before anything about the
        // body, so a stranger's list id learns nothing from the answer.
        self.load_list(user, list_id)?;
        let mut errors = Vec::new();
        let note = check_note(input.note.as_deref())
            .map_err(|e| errors.push(e))
            .ok()
            .flatten();
        let service = match given(input.service_id.as_deref()) {
            None => {
                errors.push(field(
                    "service_id",
                    "give the id of the listing to save (save from a search result or a listing page)",
                ));
                None
            }
            Some(id) => {
                let found = self.store.service(id)?;
                if found.is_none() {
                    errors.push(field(
                        "service_id",
                        format!("there is no listing with id {id}; save from a search result"),
                    ));
                }
                found
            }
        };
        let location_id = given(input.location_id.as_deref()).map(str::to_owned);
        let location = match (&service, &location_id) {
            (Some(s), Some(l)) => {
                let found = s.location(l);
                if found.is_none() {
                    errors.push(field(
                        "location_id",
                        format!("that listing has no location with id {l}"),
                    ));
                }
                found
            }
            _ => None,
        };
        let Some(service) = service.as_ref().filter(|_| errors.is_empty()) else {
            return Err(ListError::Invalid(errors));
        };
        let item = SavedItem {
            service_id: service.id.clone(),
            location_id,
            note,
            saved_at: now,
            saved_by: user.id.clone(),
            snapshot: fingerprint(service, location),
            name_when_saved: service.name.clone(),
        };
        let mut added = false;
        let (list, how) = self.change_list(user, list_id, now, |before, _| {
            let mut after = before.clone();
            match after
                .items
                .iter()
                .position(|i| i.service_id == item.service_id)
            {
                Some(at) => {
                    after.items[at] = item.clone();
                    added = false;
                }
                None if after.items.len() >= MAX_LIST_ITEMS => {
                    return Err(ListError::Invalid(vec![field(
                        "service_id",
                        format!(
                            "a list holds at most {MAX_LIST_ITEMS} services; remove some first"
                        ),
                    )]));
                }
                None => {
                    after.items.push(item.clone());
                    added = true;
                }
            }
            after.updated_at = now;
            Ok(Change::Write(after))
        })?;
        self.audit(
            &user.id,
            "list.item.add",
            "list",
            &format!("{}/{}", list.id, item.service_id),
            now,
        )?;
        self.store.durable()?;
        Ok((self.view(&list, how)?, added))
    }

    /// Takes a service off a list `user` owns or is on. Taking off one that is
    /// not there changes nothing (a form sent twice is not an error).
    /// Durable when it returns.
    pub fn remove_list_item(
        &self,
        user: &User,
        list_id: &str,
        service_id: &str,
        now: DateTime<Utc>,
    ) -> Result<ListView, ListError> {
        check_role(user)?;
        let mut removed = false;
        let (list, how) = self.change_list(user, list_id, now, |before, _| {
            if before.item(service_id).is_none() {
                removed = false;
                return Ok(Change::Keep);
            }
            let mut after = before.clone();
            after.items.retain(|i| i.service_id != service_id);
            after.updated_at = now;
            removed = true;
            Ok(Change::Write(after))
        })?;
        if removed {
            self.audit(
                &user.id,
                "list.item.remove",
                "list",
                &format!("{}/{service_id}", list.id),
                now,
            )?;
            self.store.durable()?;
        }
        self.view(&list, how)
    }

    /// Shares a team list with exactly the colleagues whose emails `members`
    /// names (an empty box shares it with nobody). Only its owner may; a
    /// personal list is never shared. Durable when it returns.
    pub fn set_list_members(
        &self,
        user: &User,
        list_id: &str,
        members: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<ListView, ListError> {
        self.edit_team_list(
            user,
            list_id,
            now,
            ("name its members", "list.members"),
            || {
                self.resolve_members(user, members.unwrap_or(""))?
                    .map_err(|e| ListError::Invalid(vec![e]))
            },
            |list, members| list.members = members.clone(),
        )
    }

    /// Renames a team list. Only its owner may. Durable when it returns.
    pub fn rename_list(
        &self,
        user: &User,
        list_id: &str,
        name: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<ListView, ListError> {
        self.edit_team_list(
            user,
            list_id,
            now,
            ("rename it", "list.rename"),
            || check_name(name).map_err(|e| ListError::Invalid(vec![e])),
            |list, name| list.name = name.clone(),
        )
    }

    /// Sets something on a team list its owner names (`what` they are doing,
    /// and the audit `action`): the owner is checked first, then the new value
    /// read with `read` and set with `set`. Durable when it returns.
    fn edit_team_list<T>(
        &self,
        user: &User,
        list_id: &str,
        now: DateTime<Utc>,
        (what, action): (&str, &str),
        read: impl FnOnce() -> Result<T, ListError>,
        set: impl Fn(&mut SavedList, &T),
    ) -> Result<ListView, ListError> {
        check_role(user)?;
        let (list, how, _) = self.load_list(user, list_id)?;
        owner_of_team(&list, how, what)?;
        let value = read()?;
        let (list, how) = self.change_list(user, list_id, now, |before, how| {
            owner_of_team(before, how, what)?;
            let mut after = before.clone();
            set(&mut after, &value);
            after.updated_at = now;
            Ok(Change::Write(after))
        })?;
        self.audit(&user.id, action, "list", &list.id, now)?;
        self.store.durable()?;
        self.view(&list, how)
    }

    /// Deletes a team list, for its owner and every member. Only its owner
    /// may; a personal list is kept (empty it instead). Durable when it returns.
    pub fn delete_list(
        &self,
        user: &User,
        list_id: &str,
        now: DateTime<Utc>,
    ) -> Result<(), ListError> {
        check_role(user)?;
        let (list, _) = self.change_list(user, list_id, now, |before, how| {
            owner_of_team(before, how, "delete it")?;
            Ok(Change::Remove)
        })?;
        self.audit(&user.id, "list.delete", "list", &list.id, now)?;
        self.store.durable()?;
        Ok(())
    }

    /// A list by id (`mine`: the user's personal list, blank until first
    /// saved), with how `user` stands to it and whether it is stored yet.
    fn load_list(&self, user: &User, id: &str) -> Result<(SavedList, ListAccess, bool), ListError> {
        let personal = personal_id(&user.id);
        let id = if id == MY_LIST { personal.as_str() } else { id };
        let stored = self.store.list(id)?;
        if id == personal {
            return Ok(match stored {
                Some(list) => (list, ListAccess::Owner, true),
                None => (blank_personal(user, Utc::now()), ListAccess::Owner, false),
            });
        }
        let list = stored.ok_or_else(|| ListError::NotFound(id.to_owned()))?;
        let how = access(&list, user).ok_or_else(|| ListError::NotFound(id.to_owned()))?;
        Ok((list, how, true))
    }

    /// Applies `change` to the list as stored, again on the newer list if
    /// someone changed it meanwhile, so no one's change is lost. Stores a
    /// personal list the first time it is written. Returns the list as it is
    /// now (as it was, when removed) and how `user` stands to it.
    fn change_list(
        &self,
        user: &User,
        id: &str,
        now: DateTime<Utc>,
        mut change: impl FnMut(&SavedList, ListAccess) -> Result<Change, ListError>,
    ) -> Result<(SavedList, ListAccess), ListError> {
        for _ in 0..RETRIES {
            let (before, how, stored) = self.load_list(user, id)?;
            let done = match change(&before, how)? {
                Change::Keep => return Ok((before, how)),
                Change::Write(after) if stored => {
                    self.store.update_list(&before, &after)?.then_some(after)
                }
                Change::Write(after) => {
                    let made = self.store.insert_list(&after)?;
                    if made {
                        self.audit(&user.id, "list.create", "list", &after.id, now)?;
                    }
                    made.then_some(after)
                }
                Change::Remove => self.store.remove_list(&before)?.then_some(before),
            };
            if let Some(list) = done {
                return Ok((list, how));
            }
        }
        Err(ListError::Conflict(
            "the list is being changed by someone else right now; reload it and try again".into(),
        ))
    }

    /// The user ids of the colleagues `text` names by email: each must be an
    /// active clinician's or admin's account. The owner's own email is left
    /// out. `Ok(Err(…))` says which emails could not be used.
    fn resolve_members(
        &self,
        owner: &User,
        text: &str,
    ) -> Result<Result<Vec<String>, FieldError>, ListError> {
        let mut ids: Vec<String> = Vec::new();
        let mut unknown: Vec<String> = Vec::new();
        for raw in email_list(text) {
            let found = match normalize_email(raw) {
                Some(email) => self
                    .store
                    .user_by_email(&email)?
                    .filter(|u| !u.disabled && u.role.refers()),
                None => None,
            };
            match found {
                Some(u) if u.id == owner.id => {}
                Some(u) => {
                    if !ids.contains(&u.id) {
                        ids.push(u.id);
                    }
                }
                None => unknown.push(raw.to_owned()),
            }
        }
        if !unknown.is_empty() {
            // The same words for an unknown email and another role's account, so
            // the box cannot be used to find out who has an account.
            return Ok(Err(field(
                "members",
                format!(
                    "there is no clinician with the email {}; check the spelling (only clinicians and admins can share a list)",
                    unknown.join(", ")
                ),
            )));
        }
        if ids.len() > MAX_LIST_MEMBERS {
            return Ok(Err(field(
                "members",
                format!("a list can be shared with at most {MAX_LIST_MEMBERS} colleagues"),
            )));
        }
        Ok(Ok(ids))
    }

    /// A list with how each item's listing stands now, and who is on it.
    fn view(&self, list: &SavedList, how: ListAccess) -> Result<ListView, ListError> {
        let person = |id: &str| -> Result<ListPerson, ListError> {
            Ok(ListPerson {
                id: id.to_owned(),
                email: self.store.user(id)?.map(|u| u.email).unwrap_or_default(),
            })
        };
        let mut items = Vec::with_capacity(list.items.len());
        for item in &list.items {
            let service = self.store.service(&item.service_id)?;
            let state = item_state(item, service.as_ref());
            let location = service.as_ref().and_then(|s| match &item.location_id {
                Some(l) => s.location(l),
                None => s.locations.first(),
            });
            items.push(ListItemView {
                item: item.clone(),
                state,
                flag: state.flag(),
                name: service
                    .as_ref()
                    .map_or_else(|| item.name_when_saved.clone(), |s| s.name.clone()),
                organization: service.as_ref().map(|s| s.organization.name.clone()),
                address: location
                    .and_then(|l| l.address.as_ref())
                    .map(|a| a.one_line()),
            });
        }
        Ok(ListView {
            id: list.id.clone(),
            name: list.name.clone(),
            team: list.team,
            owner: person(&list.owner)?,
            members: list
                .members
                .iter()
                .map(|m| person(m))
                .collect::<Result<_, _>>()?,
            access: how,
            flagged: items
                .iter()
                .filter(|i| i.state != ItemState::Current)
                .count(),
            items,
            created_at: list.created_at,
            updated_at: list.updated_at,
        })
    }
}

/// What a change does to a list.
enum Change {
    /// Nothing to write.
    Keep,
    Write(SavedList),
    Remove,
}

/// Only a team list's owner may rename it, name its members or delete it.
fn owner_of_team(list: &SavedList, how: ListAccess, what: &str) -> Result<(), ListError> {
    if !list.team {
        return Err(ListError::Conflict(format!(
            "your personal list is yours alone, so you cannot {what}; make a team list to share services"
        )));
    }
    if how != ListAccess::Owner {
        return Err(ListError::Forbidden(format!(
            "only the list's owner can {what}"
        )));
    }
    Ok(())
}

/// A user's personal list before anything is saved to it.
fn blank_personal(user: &User, now: DateTime<Utc>) -> SavedList {
    SavedList {
        id: personal_id(&user.id),
        owner: user.id.clone(),
        name: PERSONAL_LIST_NAME.to_owned(),
        team: false,
        members: Vec::new(),
        items: Vec::new(),
        created_at: now,
        updated_at: now,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_names_and_email_boxes_are_read_as_people_type_them() {
        assert_eq!(check_note(Some("  ")), Ok(None));
        assert_eq!(
            check_note(Some(" call Ana first ")),
            Ok(Some("call Ana first".into()))
        );
        let long = "é".repeat(MAX_NOTE_CHARS);
        assert_eq!(
            check_note(Some(&long)),
            Ok(Some(long.clone())),
            "characters, not bytes"
        );
        let over = check_note(Some(&format!("{long}x")));
        assert_eq!(over.map_err(|e| e.field), Err("note"));
        assert_eq!(check_name(None).map_err(|e| e.field), Err("name"));
        assert_eq!(check_name(Some(" Intake team ")), Ok("Intake team".into()));
        assert_eq!(
            email_list("a@x.org, b@x.org;c@x.org\nd@x.org  e@x.org"),
            ["a@x.org", "b@x.org", "c@x.org", "d@x.org", "e@x.org"]
        );
    }

    #[test]
    fn personal_list_ids_are_stable_per_user() {
        assert_eq!(personal_id("u1"), personal_id("u1"));
        assert_ne!(personal_id("u1"), personal_id("u2"));
        assert_ne!(personal_id("u1"), MY_LIST);
    }
}
