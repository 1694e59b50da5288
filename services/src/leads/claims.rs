//! The duplicate keys of captures in flight. A capture that needs no assignment (it names its
//! owner, or duplicates a survivor) does not hold the intake's lock while its events are made
//! durable: it claims its keys instead, so captures of other people go through the store's
//! group commit together. A capture that finds one of its keys claimed waits for that capture
//! to end and looks again, by which time the claimed lead is in the log (or failed and is not).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use ltc_domain::lead::normalize::DuplicateKeys;
use tokio::sync::OwnedMutexGuard;

/// One capture's hold on its keys, released when dropped (after its append ended).
type Hold = Arc<tokio::sync::Mutex<()>>;

#[derive(Debug, Default)]
pub(super) struct Claims {
    held: Arc<Mutex<HashMap<String, Hold>>>,
}

/// Keys claimed by one capture until dropped.
#[derive(Debug)]
pub(super) struct Claim {
    held: Arc<Mutex<HashMap<String, Hold>>>,
    keys: Vec<String>,
    hold: Hold,
    // Dropped after the keys are out of the map, so a waiter that wakes finds them free.
    _guard: OwnedMutexGuard<()>,
}

impl Claims {
    /// The hold of a capture in flight that claimed one of `keys`, to wait on.
    pub fn conflict(&self, keys: &DuplicateKeys) -> Option<Hold> {
        let held = self.held.lock().expect("claims lock");
        key_strings(keys).iter().find_map(|key| held.get(key).cloned())
    }

    /// Claims those of `keys` that no capture in flight holds, for one capture, under the
    /// intake's lock. A key another capture holds keeps that hold: a capture that goes ahead
    /// while one of its keys is claimed (it duplicates a survivor, or repeats a lead already
    /// captured) must not hand the key back when it ends, or a later capture would stop waiting
    /// for the one still in flight and find its lead in neither the claims nor the log.
    pub fn claim(&self, keys: &DuplicateKeys) -> Claim {
        let hold: Hold = Arc::new(tokio::sync::Mutex::new(()));
        let guard = hold.clone().try_lock_owned().expect("a new hold is free");
        let mut held = self.held.lock().expect("claims lock");
        let keys: Vec<String> =
            key_strings(keys).into_iter().filter(|key| !held.contains_key(key)).collect();
        for key in &keys {
            held.insert(key.clone(), hold.clone());
        }
        drop(held);
        Claim { held: self.held.clone(), keys, hold, _guard: guard }
    }
}

impl Drop for Claim {
    fn drop(&mut self) {
        let mut held = self.held.lock().expect("claims lock");
        for key in &self.keys {
            let removed = held.remove(key);
            assert!(
                removed.is_some_and(|hold| Arc::ptr_eq(&hold, &self.hold)),
                "a claimed key is held by its claim until the claim ends"
            );
        }
    }
}

fn key_strings(keys: &DuplicateKeys) -> Vec<String> {
    let email = keys.email.as_ref().map(|email| format!("email:{email}"));
    let phone = keys.phone.as_ref().map(|phone| format!("phone:{phone}"));
    let company = keys.company.as_ref().map(|(domain, name)| format!("company:{domain}:{name}"));
    [email, phone, company].into_iter().flatten().collect()
}

#[cfg(test)]
mod tests {
    use ltc_domain::lead::normalize::duplicate_keys;

    use super::*;

    /// A capture that goes ahead while one of its keys is claimed (it duplicates a survivor by
    /// another key) claims only its free keys, so its end does not free the key of the capture
    /// still in flight.
    #[test]
    fn a_capture_that_goes_ahead_of_a_claimed_key_leaves_that_key_with_its_claim() {
        let claims = Claims::default();
        let email = duplicate_keys(Some("ana@example.com"), None, None, None);
        let phone = duplicate_keys(None, Some("+49 30 1234 567"), None, None);
        let both = duplicate_keys(Some("ana@example.com"), Some("+49 30 1234 567"), None, None);

        let in_flight = claims.claim(&email);
        let ahead = claims.claim(&both);
        let holds_phone = claims.conflict(&phone).expect("the free key is claimed");
        assert!(Arc::ptr_eq(&holds_phone, &ahead.hold));
        drop(ahead);

        let holds_email = claims.conflict(&email).expect("the first capture is still in flight");
        assert!(Arc::ptr_eq(&holds_email, &in_flight.hold));
        assert!(claims.conflict(&phone).is_none(), "the capture that ended freed its own key");
        drop(in_flight);
        assert!(claims.conflict(&both).is_none());
    }
}
