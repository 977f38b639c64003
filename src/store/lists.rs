//! Saved lists: each list as one JSON record, and an index of the lists each
//! user owns or is a member of.
//!
//! Every change replaces a whole list only if the stored one is still the one
//! the change was made from (so two colleagues adding to a team list at once
//! never lose an item), and moves the list's index entries in the same
//! transaction. Writes count toward [`Store::durable`], which callers run
//! before acknowledging.

use std::collections::BTreeSet;

use sled::Transactional;

use super::{Store, StoreError, decode, decode_in, keys, transaction_error};
use crate::model::SavedList;

/// Everyone a list is indexed under: its owner and its members.
pub(super) fn people(list: Option<&SavedList>) -> BTreeSet<&str> {
    list.map(|l| {
        std::iter::once(l.owner.as_str())
            .chain(l.members.iter().map(String::as_str))
            .collect()
    })
    .unwrap_or_default()
}

impl Store {
    /// One saved list by id.
    pub fn list(&self, id: &str) -> Result<Option<SavedList>, StoreError> {
        self.lists
            .get(keys::list_key(id))?
            .map(|v| decode(id.as_bytes(), &v))
            .transpose()
    }

    /// The lists a user owns or is a member of, in list-id order.
    pub fn lists_of(&self, user_id: &str) -> Result<Vec<SavedList>, StoreError> {
        self.user_index(&self.lists_by_user, user_id, |id| self.list(id))
    }

    /// Adds a list; `false` (and nothing written) when one with its id exists.
    pub fn insert_list(&self, list: &SavedList) -> Result<bool, StoreError> {
        self.swap_list(&list.id, None, Some(list))
    }

    /// Replaces `before` with `after` only if the stored list is still
    /// `before`; `false` (and nothing written) when it changed meanwhile.
    pub fn update_list(&self, before: &SavedList, after: &SavedList) -> Result<bool, StoreError> {
        self.swap_list(&before.id, Some(before), Some(after))
    }

    /// Removes a list only if it is still `before`; `false` when it changed or is gone.
    pub fn remove_list(&self, before: &SavedList) -> Result<bool, StoreError> {
        self.swap_list(&before.id, Some(before), None)
    }

    fn swap_list(
        &self,
        id: &str,
        before: Option<&SavedList>,
        after: Option<&SavedList>,
    ) -> Result<bool, StoreError> {
        let encoded = after.map(serde_json::to_vec).transpose()?;
        let was = people(before);
        let will = people(after);
        let key = keys::list_key(id);
        let result = (&self.lists, &self.lists_by_user).transaction(|(lists, index)| {
            let current: Option<SavedList> = match lists.get(key)? {
                Some(v) => Some(decode_in(key, &v)?),
                None => None,
            };
            if current.as_ref() != before {
                return Ok(false);
            }
            match &encoded {
                Some(value) => lists.insert(key, value.as_slice())?,
                None => lists.remove(key)?,
            };
            for user in was.difference(&will) {
                index.remove(keys::user_scoped(user, id))?;
            }
            for user in will.difference(&was) {
                index.insert(keys::user_scoped(user, id), &[] as &[u8])?;
            }
            Ok(true)
        });
        let swapped = result.map_err(transaction_error)?;
        if swapped {
            self.wrote();
        }
        Ok(swapped)
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::*;

    type Result<T = ()> = std::result::Result<T, Box<dyn std::error::Error>>;

    use crate::store::test_store as store;

    fn list(id: &str, owner: &str, members: &[&str]) -> SavedList {
        let now = Utc::now();
        SavedList {
            id: id.into(),
            owner: owner.into(),
            name: "Team".into(),
            team: !members.is_empty(),
            members: members.iter().map(|m| (*m).to_owned()).collect(),
            items: Vec::new(),
            created_at: now,
            updated_at: now,
        }
    }

    fn ids(lists: &[SavedList]) -> Vec<&str> {
        lists.iter().map(|l| l.id.as_str()).collect()
    }

    #[test]
    fn lists_are_indexed_under_owner_and_members_as_they_change() -> Result {
        let (_dir, store) = store();
        let first = list("l1", "u1", &["u2"]);
        assert!(store.insert_list(&first)?);
        assert!(!store.insert_list(&first)?, "the id is taken");
        assert_eq!(ids(&store.lists_of("u1")?), ["l1"]);
        assert_eq!(ids(&store.lists_of("u2")?), ["l1"]);
        assert!(store.lists_of("u3")?.is_empty());

        let moved = list("l1", "u1", &["u3"]);
        assert!(store.update_list(&first, &moved)?);
        assert!(store.lists_of("u2")?.is_empty(), "u2 was taken off");
        assert_eq!(ids(&store.lists_of("u3")?), ["l1"]);
        assert!(
            !store.update_list(&first, &list("l1", "u1", &["u4"]))?,
            "an update from a stale list is refused"
        );
        assert!(!store.remove_list(&first)?, "so is a removal");
        assert!(store.remove_list(&moved)?);
        assert!(store.list("l1")?.is_none());
        assert!(store.lists_of("u1")?.is_empty() && store.lists_of("u3")?.is_empty());
        store.durable()?;
        Ok(())
    }
}
