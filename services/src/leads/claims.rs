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

    /// Claims `keys` for one capture. The caller checked [`Claims::conflict`] under the
    /// intake's lock, which it still holds, so none of them is claimed.
    pub fn claim(&self, keys: &DuplicateKeys) -> Claim {
        let hold: Hold = Arc::new(tokio::sync::Mutex::new(()));
        let guard = hold.clone().try_lock_owned().expect("a new hold is free");
        let keys = key_strings(keys);
        let mut held = self.held.lock().expect("claims lock");
        for key in &keys {
            held.insert(key.clone(), hold.clone());
        }
        Claim { held: self.held.clone(), keys, hold, _guard: guard }
    }
}

impl Drop for Claim {
    fn drop(&mut self) {
        let mut held = self.held.lock().expect("claims lock");
        for key in &self.keys {
            if held.get(key).is_some_and(|hold| Arc::ptr_eq(hold, &self.hold)) {
                held.remove(key);
            }
        }
    }
}

fn key_strings(keys: &DuplicateKeys) -> Vec<String> {
    let email = keys.email.as_ref().map(|email| format!("email:{email}"));
    let phone = keys.phone.as_ref().map(|phone| format!("phone:{phone}"));
    let company = keys.company.as_ref().map(|(domain, name)| format!("company:{domain}:{name}"));
    [email, phone, company].into_iter().flatten().collect()
}
