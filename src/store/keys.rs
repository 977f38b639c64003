//! Key encoding for every sled tree, in one place. Numbers are big-endian so they sort.

use chrono::{DateTime, Utc};

/// The tree of listings: service id → JSON [`crate::model::Service`].
pub const SERVICES: &str = "services";
/// The tree of organizations: organization id → JSON [`crate::model::Organization`].
pub const ORGANIZATIONS: &str = "organizations";
/// The change log: sequence number (u64, big-endian) → id of the service that changed.
pub const CHANGES: &str = "changes";
/// Users: user id → JSON [`crate::model::User`].
pub const USERS: &str = "users";
/// Lower-cased email → user id (emails are unique).
pub const USERS_BY_EMAIL: &str = "users_by_email";
/// API tokens: SHA-256 digest of the token → JSON token record (the token itself is never kept).
pub const TOKENS: &str = "tokens";
/// Sessions: SHA-256 digest of the session cookie → JSON session.
pub const SESSIONS: &str = "sessions";
/// Referrals: referral id → JSON [`crate::model::Referral`].
pub const REFERRALS: &str = "referrals";
/// `{user id}\0{referral id}` → empty: a clinician's own referrals.
pub const REFERRALS_BY_USER: &str = "referrals_by_user";
/// `{created_at, ms}{referral id}` → empty: referrals in the order they were
/// made, so a period's are one range (see [`referral_time_key`]).
pub const REFERRALS_BY_TIME: &str = "referrals_by_time";
/// `{user id}\0{request id}` → referral id: a retried create returns the same referral.
pub const REFERRAL_REQUESTS: &str = "referral_requests";
/// Saved lists: list id → JSON [`crate::model::SavedList`].
pub const LISTS: &str = "lists";
/// `{user id}\0{list id}` → empty: the lists a user owns or is a member of.
pub const LISTS_BY_USER: &str = "lists_by_user";
/// Submissions (new listings and corrections): id → JSON [`crate::model::Submission`].
pub const SUBMISSIONS: &str = "submissions";
/// `{organization id}\0{user id}` → empty: who manages an organization's listings.
pub const CLAIMS: &str = "claims";
/// The search log: `{hour, s}{sequence number}` → JSON
/// [`crate::model::SearchLogEntry`] (no text, no user), so a period's searches
/// are one range (see [`search_log_key`]).
pub const SEARCH_LOG: &str = "search_log_by_hour";
/// The search log as stores before `search_log_by_hour` kept it: sequence
/// number → JSON entry. Moved into [`SEARCH_LOG`] when such a store is opened.
pub const SEARCH_LOG_BY_SEQ: &str = "search_log";
/// Messages to send (decisions to submitters): sequence number → JSON.
pub const OUTBOX: &str = "outbox";
/// The audit log: sequence number (u64, big-endian) → JSON audit entry.
pub const AUDIT: &str = "audit";
/// Store-wide values (format version).
pub const META: &str = "meta";

/// `meta` key holding the store's format version.
pub const META_FORMAT: &[u8] = b"format";
/// `meta` key holding the store's identity, made when it is created. The index
/// records it, so an index built from another store is never taken for this one's.
pub const META_STORE_ID: &[u8] = b"store_id";
/// `meta` key recording how far importing the bundled data got: `started` or `done`.
pub const META_SEED: &[u8] = b"seed";
/// `meta` key present once [`REFERRALS_BY_TIME`] holds every referral (stores
/// made before it existed are filled in when opened).
pub const META_REFERRALS_BY_TIME: &[u8] = b"referrals_by_time";
/// `meta` key holding how many listings [`SERVICES`] holds (u64, big-endian),
/// written in the same transaction as the listings, so opening a store need not
/// count them (a full read of every listing). Stores made before it are counted
/// once, when opened.
pub const META_LISTINGS: &[u8] = b"listings";

/// `meta` key holding the audit log's head: the sequence number of its newest
/// entry (u64, big-endian) then the SHA-256 of that entry (see
/// `Store::audit`), written in the same transaction as the entry, so cutting
/// entries off the end of the log shows as well as changing one.
pub const META_AUDIT_HEAD: &[u8] = b"audit_head";

/// Encodes a sequence number as a sortable key.
pub fn seq_key(seq: u64) -> [u8; 8] {
    seq.to_be_bytes()
}

/// Decodes a sequence-number key; `None` when it is not 8 bytes.
pub fn seq_from_key(key: &[u8]) -> Option<u64> {
    let bytes: [u8; 8] = key.try_into().ok()?;
    Some(u64::from_be_bytes(bytes))
}

/// Encodes a signed number so that its bytes sort as the numbers do (big-endian,
/// sign bit flipped, so instants before 1970 still sort first).
fn sortable_i64(n: i64) -> [u8; 8] {
    ((n as u64) ^ (1 << 63)).to_be_bytes()
}

/// Encodes an instant as whole seconds (rounded down), sortable: the prefix of
/// every [`search_log_key`] of that second.
pub fn search_log_second(at: DateTime<Utc>) -> [u8; 8] {
    sortable_i64(at.timestamp())
}

/// The search-log key of the `seq`th entry, made in `hour`: time first, so a
/// period is a key range; the sequence number keeps entries of an hour apart
/// and in the order they were logged.
pub fn search_log_key(hour: DateTime<Utc>, seq: u64) -> [u8; 16] {
    let mut key = [0; 16];
    key[..8].copy_from_slice(&search_log_second(hour));
    key[8..].copy_from_slice(&seq_key(seq));
    key
}

/// Encodes an instant as whole milliseconds (rounded down), sortable: the
/// prefix of every [`referral_time_key`] of that millisecond.
pub fn referral_millisecond(at: DateTime<Utc>) -> [u8; 8] {
    sortable_i64(at.timestamp_millis())
}

/// The `referrals_by_time` key of a referral made at `created_at`.
pub fn referral_time_key(created_at: DateTime<Utc>, id: &str) -> Vec<u8> {
    let mut key = Vec::with_capacity(8 + id.len());
    key.extend_from_slice(&referral_millisecond(created_at));
    key.extend_from_slice(id.as_bytes());
    key
}

/// The keys of a time-keyed tree for instants in `[from, to)`, given how an
/// instant's prefix is encoded at its resolution (`unit`): from the prefix of
/// `from`'s unit to just past `to`'s (empty when `to` is not after `from`). The
/// range may hold entries of `from`'s and `to`'s own unit that fall outside the
/// period; callers check the instant.
pub fn time_range(
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    unit: chrono::TimeDelta,
    prefix: fn(DateTime<Utc>) -> [u8; 8],
) -> std::ops::Range<[u8; 8]> {
    let start = prefix(from);
    let end = to.checked_add_signed(unit).map_or([0xff; 8], prefix);
    start..end.max(start)
}

/// Encodes a service id as a key.
pub fn service_key(id: &str) -> &[u8] {
    id.as_bytes()
}

/// The `meta` key of a named job's saved state (`job/sync/hsds-example-org`).
pub fn job_key(name: &str) -> Vec<u8> {
    format!("job/{name}").into_bytes()
}

/// A change-log entry: the changed listing's key, a unit separator, and the
/// time of the change in milliseconds since 1970 (8 bytes, big-endian).
/// Entries written before times were recorded are the key alone.
pub fn change_entry(service_key: &[u8], at_millis: i64) -> Vec<u8> {
    let mut entry = Vec::with_capacity(service_key.len() + 9);
    entry.extend_from_slice(service_key);
    entry.push(CHANGE_TIME_MARK);
    entry.extend_from_slice(&at_millis.to_be_bytes());
    entry
}

/// Splits a [`change_entry`] into the listing's key and the time, when it has one.
pub fn split_change_entry(entry: &[u8]) -> (&[u8], Option<i64>) {
    if let Some(split) = entry.len().checked_sub(9)
        && entry[split] == CHANGE_TIME_MARK
        && let Ok(bytes) = <[u8; 8]>::try_from(&entry[split + 1..])
    {
        return (&entry[..split], Some(i64::from_be_bytes(bytes)));
    }
    (entry, None)
}

/// Separates a change-log entry's key from its time; listing ids (UUIDs) never hold it.
const CHANGE_TIME_MARK: u8 = 0x1f;

/// Encodes an organization id as a key.
pub fn organization_key(id: &str) -> &[u8] {
    id.as_bytes()
}

/// Encodes a saved list's id as a key.
pub fn list_key(id: &str) -> &[u8] {
    id.as_bytes()
}

/// A key under a user: `{user id}\0{rest}` (ids never hold a NUL).
pub fn user_scoped(user_id: &str, rest: &str) -> Vec<u8> {
    let mut key = Vec::with_capacity(user_id.len() + 1 + rest.len());
    key.extend_from_slice(user_id.as_bytes());
    key.push(0);
    key.extend_from_slice(rest.as_bytes());
    key
}

/// The prefix of every key under a user.
pub fn user_prefix(user_id: &str) -> Vec<u8> {
    user_scoped(user_id, "")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequence_keys_sort_numerically() {
        let mut keys = [seq_key(256), seq_key(1), seq_key(65_536)];
        keys.sort();
        let decoded: Vec<u64> = keys.iter().filter_map(|k| seq_from_key(k)).collect();
        assert_eq!(decoded, vec![1, 256, 65_536]);
        assert_eq!(seq_from_key(b"short"), None);
    }

    #[test]
    fn change_entries_keep_the_key_and_time_and_read_old_entries() {
        let id = "0b4f1c9e-2d7a-5c3e-9f1a-1234567890ab";
        let entry = change_entry(id.as_bytes(), 1_764_000_000_123);
        assert_eq!(
            split_change_entry(&entry),
            (id.as_bytes(), Some(1_764_000_000_123))
        );
        assert_eq!(split_change_entry(id.as_bytes()), (id.as_bytes(), None));
        assert_eq!(split_change_entry(b"short"), (&b"short"[..], None));
    }

    #[test]
    fn time_keys_sort_by_instant_before_and_after_1970() {
        let at = |secs| DateTime::from_timestamp(secs, 0).unwrap_or_default();
        let mut keys = [
            search_log_key(at(3_600), 1),
            search_log_key(at(-3_600), 9),
            search_log_key(at(0), 2),
            search_log_key(at(3_600), 0),
        ];
        keys.sort();
        assert_eq!(
            keys,
            [
                search_log_key(at(-3_600), 9),
                search_log_key(at(0), 2),
                search_log_key(at(3_600), 0),
                search_log_key(at(3_600), 1),
            ]
        );
        assert!(referral_time_key(at(-1), "z") < referral_time_key(at(0), "a"));
    }
}
