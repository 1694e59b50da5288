//! Ids derived from another id and a name: what a command's events, and the commands a command
//! causes, are called. Derived, not drawn, so a retried command records the same ids and a seeded
//! history reproduces the same log, hash chain included.
//!
//! A UUIDv5 (SHA-1 of parent and name) is the classic derived id, but it is uniformly random, and
//! the log's unique index on event ids then took one random page per event: the largest share of
//! the pages every commit wrote (BENCHMARKS.md, "Pages per commit"). So a parent that is a
//! UUIDv7 passes its millisecond timestamp on: the derived id is a UUIDv7 with the parent's
//! timestamp and the name-based hash in the 74 bits v7 leaves random. Ids made in the same
//! moment sort together, as the log appends them. A parent of any other version (a seeded
//! generator's v5 ids, an importer's) derives a plain UUIDv5 as before.
//!
//! What stays true either way: the same parent and name give the same id; different names give
//! different ids unless SHA-1's 74 kept bits collide; and no client can aim its ids at another
//! command's without a second preimage of those bits.

use uuid::{Builder, Uuid, Version};

/// The id named `name` under `parent`.
pub fn derived_id(parent: Uuid, name: &[u8]) -> Uuid {
    let hashed = Uuid::new_v5(&parent, name);
    if parent.get_version() != Some(Version::SortRand) {
        return hashed;
    }
    let mut bytes = *hashed.as_bytes();
    // Bytes 0..6 of a UUIDv7 are its unix-millisecond timestamp.
    bytes[..6].copy_from_slice(&parent.as_bytes()[..6]);
    Builder::from_bytes(bytes)
        .with_version(Version::SortRand)
        .with_variant(uuid::Variant::RFC4122)
        .into_uuid()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v7_at(millis: u64, rand: u128) -> Uuid {
        let bits = (u128::from(millis) << 80) | (rand & ((1 << 80) - 1));
        Builder::from_u128(bits).with_version(Version::SortRand).into_uuid()
    }

    #[test]
    fn a_v7_parent_gives_a_v7_id_with_its_timestamp() {
        let parent = v7_at(1_764_000_000_123, 42);
        let id = derived_id(parent, b"event 0");
        assert_eq!(id.get_version(), Some(Version::SortRand));
        assert_eq!(id.get_variant(), uuid::Variant::RFC4122);
        assert_eq!(id.get_timestamp(), parent.get_timestamp());
    }

    #[test]
    fn the_same_parent_and_name_always_give_the_same_id() {
        let parent = v7_at(1_764_000_000_123, 42);
        assert_eq!(derived_id(parent, b"event 0"), derived_id(parent, b"event 0"));
        let v4 = Uuid::from_u128(0x5f1b_7c2e_9d4a_4b3c_8e2f_1a0b_9c8d_7e6f);
        assert_eq!(derived_id(v4, b"event 0"), derived_id(v4, b"event 0"));
    }

    #[test]
    fn names_and_parents_in_the_same_millisecond_give_different_ids() {
        let parents = [v7_at(1_764_000_000_123, 1), v7_at(1_764_000_000_123, 2)];
        let mut ids = std::collections::HashSet::new();
        for parent in parents {
            for index in 0u64..1000 {
                assert!(ids.insert(derived_id(parent, &index.to_le_bytes())));
            }
        }
    }

    #[test]
    fn ids_derived_later_sort_after_ids_derived_earlier() {
        let earlier = derived_id(v7_at(1_764_000_000_123, u128::MAX), b"z");
        let later = derived_id(v7_at(1_764_000_000_124, 0), b"a");
        assert!(earlier < later);
    }

    #[test]
    fn a_parent_of_another_version_derives_the_classic_v5_id() {
        let v5_parent = Uuid::new_v5(&Uuid::NAMESPACE_OID, b"seeded");
        assert_eq!(derived_id(v5_parent, b"event 0"), Uuid::new_v5(&v5_parent, b"event 0"));
    }
}
