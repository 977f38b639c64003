//! The moderation queue and the outbox.

use chrono::{DateTime, TimeDelta, Utc};

use super::{Store, StoreError, decode, keys};
use crate::model::{OutboxMessage, SearchLogEntry, Submission, SubmissionStatus};

impl Store {
    /// Adds or replaces a submission.
    pub fn put_submission(&self, submission: &Submission) -> Result<(), StoreError> {
        self.submissions
            .insert(submission.id.as_bytes(), serde_json::to_vec(submission)?)?;
        self.wrote();
        Ok(())
    }

    /// Replaces `before` with `after` only if it is still `before`; `false` when it changed.
    pub fn update_submission(
        &self,
        before: &Submission,
        after: &Submission,
    ) -> Result<bool, StoreError> {
        self.compare_and_swap(&self.submissions, after.id.as_bytes(), before, after)
    }

    pub fn submission(&self, id: &str) -> Result<Option<Submission>, StoreError> {
        self.submissions
            .get(id.as_bytes())?
            .map(|v| decode(id.as_bytes(), &v))
            .transpose()
    }

    /// Submissions with the given status, oldest first.
    pub fn submissions(&self, status: SubmissionStatus) -> Result<Vec<Submission>, StoreError> {
        let mut found = Vec::new();
        for item in self.submissions.iter() {
            let (k, v) = item?;
            let s: Submission = decode(&k, &v)?;
            if s.status == status {
                found.push(s);
            }
        }
        found.sort_by(|a, b| a.created_at.cmp(&b.created_at).then(a.id.cmp(&b.id)));
        Ok(found)
    }

    /// Records that `user_id` manages `organization_id`'s listings.
    pub fn grant_claim(&self, organization_id: &str, user_id: &str) -> Result<(), StoreError> {
        self.claims
            .insert(keys::user_scoped(organization_id, user_id), &[] as &[u8])?;
        self.wrote();
        Ok(())
    }

    /// Whether `user_id` manages `organization_id`'s listings.
    pub fn has_claim(&self, organization_id: &str, user_id: &str) -> Result<bool, StoreError> {
        Ok(self
            .claims
            .contains_key(keys::user_scoped(organization_id, user_id))?)
    }

    /// Appends a search to the search log (not flushed: a lost entry costs one count).
    pub fn log_search(&self, entry: &SearchLogEntry) -> Result<(), StoreError> {
        let seq = self.db.generate_id()?;
        self.search_log.insert(
            keys::search_log_key(entry.hour, seq),
            serde_json::to_vec(entry)?,
        )?;
        Ok(())
    }

    /// Every search logged, oldest first.
    pub fn search_log(&self) -> Result<Vec<SearchLogEntry>, StoreError> {
        self.search_log
            .iter()
            .map(|item| {
                let (k, v) = item?;
                decode(&k, &v)
            })
            .collect()
    }

    /// The searches logged for an hour in `[from, to)`, oldest first, read as
    /// one key range.
    pub fn search_log_between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<SearchLogEntry>, StoreError> {
        let range = keys::time_range(from, to, TimeDelta::seconds(1), keys::search_log_second);
        let mut found = Vec::new();
        for item in self.search_log.range(range) {
            let (k, v) = item?;
            let entry: SearchLogEntry = decode(&k, &v)?;
            if entry.hour >= from && entry.hour < to {
                found.push(entry);
            }
        }
        Ok(found)
    }

    /// Records a message to send.
    pub fn queue_message(&self, message: &OutboxMessage) -> Result<(), StoreError> {
        let seq = self.db.generate_id()?;
        self.outbox
            .insert(keys::seq_key(seq), serde_json::to_vec(message)?)?;
        self.wrote();
        Ok(())
    }

    /// Every message recorded, oldest first.
    pub fn outbox(&self) -> Result<Vec<OutboxMessage>, StoreError> {
        self.outbox
            .iter()
            .map(|item| {
                let (k, v) = item?;
                decode(&k, &v)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    type Result<T = ()> = std::result::Result<T, Box<dyn std::error::Error>>;

    fn at(day: u32, hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, day, hour, 0, 0)
            .single()
            .unwrap_or_default()
    }

    fn entry(hour: DateTime<Utc>, zip: &str) -> SearchLogEntry {
        SearchLogEntry {
            hour,
            needs: vec!["food-insecurity".into()],
            categories: Vec::new(),
            zip: Some(zip.into()),
            county: None,
            radius_miles: Some(5.0),
            results_in_radius: 3,
            nearest_miles: Some(1.2),
        }
    }

    fn zips(entries: &[SearchLogEntry]) -> Vec<&str> {
        entries.iter().filter_map(|e| e.zip.as_deref()).collect()
    }

    #[test]
    fn a_period_read_of_the_search_log_holds_exactly_the_period() -> Result {
        let dir = tempfile::tempdir()?;
        let store = Store::open(dir.path())?;
        // Logged out of order: the log reads back by hour, then as logged.
        for (hour, zip) in [
            (at(2, 9), "b"),
            (at(1, 23), "a"),
            (at(3, 0), "d"),
            (at(2, 9), "c"),
            (at(3, 1), "e"),
        ] {
            store.log_search(&entry(hour, zip))?;
        }
        assert_eq!(zips(&store.search_log()?), ["a", "b", "c", "d", "e"]);
        // From inclusive, to exclusive.
        let period = store.search_log_between(at(2, 0), at(3, 0))?;
        assert_eq!(zips(&period), ["b", "c"]);
        assert_eq!(
            zips(&store.search_log_between(at(1, 23), at(3, 1))?),
            ["a", "b", "c", "d"]
        );
        let inside = at(2, 9) + TimeDelta::milliseconds(1);
        assert!(store.search_log_between(inside, at(3, 0))?.is_empty());
        assert!(store.search_log_between(at(3, 0), at(2, 0))?.is_empty());
        Ok(())
    }

    #[test]
    fn a_search_log_kept_by_sequence_is_moved_to_hour_keys_once() -> Result {
        let dir = tempfile::tempdir()?;
        {
            let store = Store::open(dir.path())?;
            // Written the old way: sequence number → entry.
            let old = store.db.open_tree(keys::SEARCH_LOG_BY_SEQ)?;
            for (seq, hour, zip) in [(7, at(2, 9), "b"), (9, at(1, 23), "a"), (12, at(3, 0), "c")] {
                old.insert(keys::seq_key(seq), serde_json::to_vec(&entry(hour, zip))?)?;
            }
            store.flush()?;
        }
        let store = Store::open(dir.path())?;
        assert!(store.db.open_tree(keys::SEARCH_LOG_BY_SEQ)?.is_empty());
        assert_eq!(zips(&store.search_log()?), ["a", "b", "c"]);
        assert_eq!(zips(&store.search_log_between(at(2, 0), at(3, 0))?), ["b"]);
        store.log_search(&entry(at(2, 10), "new"))?;
        // A move interrupted before the old tree was cleared is run again.
        store
            .db
            .open_tree(keys::SEARCH_LOG_BY_SEQ)?
            .insert(keys::seq_key(7), serde_json::to_vec(&entry(at(2, 9), "b"))?)?;
        drop(store);
        let again = Store::open(dir.path())?;
        assert_eq!(
            zips(&again.search_log()?),
            ["a", "b", "new", "c"],
            "a second open moves nothing twice"
        );
        Ok(())
    }
}
