//! The moderation queue and the outbox.

use super::{Store, StoreError, decode, keys};
use crate::model::{OutboxMessage, Submission, SubmissionStatus};

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
        let swapped = self.submissions.compare_and_swap(
            after.id.as_bytes(),
            Some(serde_json::to_vec(before)?),
            Some(serde_json::to_vec(after)?),
        )?;
        if swapped.is_ok() {
            self.wrote();
        }
        Ok(swapped.is_ok())
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
    pub fn log_search(&self, entry: &crate::model::SearchLogEntry) -> Result<(), StoreError> {
        let seq = self.db.generate_id()?;
        self.search_log
            .insert(keys::seq_key(seq), serde_json::to_vec(entry)?)?;
        Ok(())
    }

    /// Every search logged, oldest first.
    pub fn search_log(&self) -> Result<Vec<crate::model::SearchLogEntry>, StoreError> {
        self.search_log
            .iter()
            .map(|item| {
                let (k, v) = item?;
                decode(&k, &v)
            })
            .collect()
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
