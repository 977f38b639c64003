//! Key encoding for every sled tree, in one place. Numbers are big-endian so they sort.

/// The tree of listings: service id → JSON [`crate::model::Service`].
pub const SERVICES: &str = "services";
/// The tree of organizations: organization id → JSON [`crate::model::Organization`].
pub const ORGANIZATIONS: &str = "organizations";
/// The change log: sequence number (u64, big-endian) → id of the service that changed.
pub const CHANGES: &str = "changes";
/// Store-wide values (format version).
pub const META: &str = "meta";

/// `meta` key holding the store's format version.
pub const META_FORMAT: &[u8] = b"format";
/// `meta` key holding the store's identity, made when it is created. The index
/// records it, so an index built from another store is never taken for this one's.
pub const META_STORE_ID: &[u8] = b"store_id";
/// `meta` key recording how far importing the bundled data got: `started` or `done`.
pub const META_SEED: &[u8] = b"seed";

/// Encodes a sequence number as a sortable key.
pub fn seq_key(seq: u64) -> [u8; 8] {
    seq.to_be_bytes()
}

/// Decodes a sequence-number key; `None` when it is not 8 bytes.
pub fn seq_from_key(key: &[u8]) -> Option<u64> {
    let bytes: [u8; 8] = key.try_into().ok()?;
    Some(u64::from_be_bytes(bytes))
}

/// Encodes a service id as a key.
pub fn service_key(id: &str) -> &[u8] {
    id.as_bytes()
}

/// Encodes an organization id as a key.
pub fn organization_key(id: &str) -> &[u8] {
    id.as_bytes()
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
}
