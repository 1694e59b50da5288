//! The lead directory: what intake needs to know across lead streams, derived only from the lead
//! events in the log. It holds which lead each normalised duplicate key belongs to, every rep's
//! open-lead load, and where each assignment rule's rotation stands. It has no durable state of
//! its own: [`LeadDirectory::load`] rebuilds it by reading the log, and
//! [`LeadDirectory::catch_up`] applies what was appended since, so two directories that have read
//! the same log are equal.
//!
//! Memory grows with the number of leads ever captured: one small entry per lead and one per
//! distinct key (three at most per lead, plus what merges adopt), about 200 bytes a lead.

use std::collections::{BTreeMap, HashMap};

use ltc_domain::ids::{LeadId, UserId};
use ltc_domain::lead::assignment::{Candidate, RotationCursor};
use ltc_domain::lead::normalize::{DuplicateKeys, duplicate_keys};
use ltc_domain::lead::{LeadEvent, Status};
use ltc_eventstore::{CodecError, EventStore, HeaderFilter, Position, ReadError, RecordedEvent};

use super::settings::AssignmentSettings;

/// The longest chain of merges followed from a key to its survivor. A longer chain (or a cycle,
/// which only a misused manual merge could make) finds no survivor, so the lead is captured as a
/// new lead rather than attached to the wrong one.
pub const MERGE_CHAIN_MAX: usize = 64;

/// The stream kind whose events the directory reads.
const LEAD_KIND: &str = "lead";

#[derive(Debug, thiserror::Error)]
pub enum DirectoryError {
    /// The log could not be read: retry, or stop intake until the store is healthy.
    #[error(transparent)]
    Read(#[from] ReadError),
    /// A lead event cannot be decoded by this build: a build older than the log.
    #[error(transparent)]
    Codec(#[from] CodecError),
    /// A stored event is of a schema version this build cannot read.
    #[error(transparent)]
    Upcast(#[from] ltc_projections::DecodeError),
}

/// One normalised key a duplicate is matched on.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Email(String),
    Phone(String),
    /// Company domain and normalised company name, together.
    Company(String, String),
}

/// What the directory keeps of one lead.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    status: Status,
    owner: Option<UserId>,
    /// The lead this one duplicates or was merged into: its keys lead there.
    lives_on_in: Option<LeadId>,
    /// The survivor named when the lead was captured, which merges never change.
    captured_as_duplicate_of: Option<LeadId>,
}

impl Entry {
    /// Open and qualified leads are worked: they absorb duplicates and count towards a load.
    fn is_workable(&self) -> bool {
        matches!(self.status, Status::Open | Status::Qualified)
    }

    /// The rep whose load this lead adds to, if any.
    fn load_of(&self) -> Option<UserId> {
        self.owner.filter(|_| self.is_workable())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeadDirectory {
    /// The next position to read.
    next: Position,
    leads: HashMap<LeadId, Entry>,
    /// Each key's first holder that was workable when a later lead brought the key again.
    holders: HashMap<Key, LeadId>,
    open_leads: BTreeMap<UserId, u32>,
    cursor: RotationCursor,
}

impl Default for LeadDirectory {
    fn default() -> Self {
        LeadDirectory::new()
    }
}

impl LeadDirectory {
    /// An empty directory that has read nothing yet; [`LeadDirectory::catch_up`] fills it.
    pub fn new() -> LeadDirectory {
        LeadDirectory {
            next: Position::START,
            leads: HashMap::new(),
            holders: HashMap::new(),
            open_leads: BTreeMap::new(),
            cursor: RotationCursor::default(),
        }
    }

    /// The directory of every lead event in `store` up to its last position now.
    pub fn load(store: &EventStore) -> Result<LeadDirectory, DirectoryError> {
        let mut directory = LeadDirectory::new();
        directory.catch_up(store)?;
        Ok(directory)
    }

    /// Applies the lead events appended since the directory last read, by this process or
    /// another on the same file; returns how many.
    ///
    /// SQLite passes over the other aggregates' events without building them (a filtered
    /// read): between two captures the log grows by every kind of event, and only the leads'
    /// matter here. The last position bounds the read, not this process's head, so leads another
    /// process captured on the same file are found too.
    pub fn catch_up(&mut self, store: &EventStore) -> Result<u64, DirectoryError> {
        let last = store.last_position()?;
        if last < self.next {
            return Ok(0);
        }
        let lead_events = HeaderFilter::KindIn(vec![LEAD_KIND.to_owned()]);
        let mut applied = 0;
        for recorded in store.read_filtered(self.next, last, &lead_events) {
            let recorded = recorded?;
            assert!(recorded.position >= self.next, "a filtered read goes forward");
            self.apply(&recorded)?;
            applied += 1;
            // Past each event as it is applied: after an error, the next catch-up resumes here.
            self.next = recorded.position.next();
        }
        self.next = last.next();
        Ok(applied)
    }

    /// The next position the directory will read: it has applied everything before it.
    pub fn next_position(&self) -> Position {
        self.next
    }

    /// The lead's status as the directory last read it; `None` if it was never captured.
    pub fn status_of(&self, lead: LeadId) -> Option<Status> {
        self.leads.get(&lead).map(|entry| entry.status)
    }

    /// The survivor `lead` was captured as a duplicate of, if it was.
    pub fn captured_as_duplicate_of(&self, lead: LeadId) -> Option<LeadId> {
        self.leads.get(&lead).and_then(|entry| entry.captured_as_duplicate_of)
    }

    /// The open or qualified lead a new lead with these keys duplicates: the same email, else
    /// the same phone, else the same company domain and name. A key whose lead was merged leads
    /// to the survivor. A lead that is converted, disqualified or otherwise closed no longer
    /// absorbs duplicates, so a person who comes back after it is a new lead.
    pub fn survivor_for(&self, keys: &DuplicateKeys) -> Option<LeadId> {
        keys_of(keys).iter().find_map(|key| self.survivor_of_key(key))
    }

    /// Open and qualified leads `rep` owns now.
    pub fn open_leads(&self, rep: UserId) -> u32 {
        self.open_leads.get(&rep).copied().unwrap_or(0)
    }

    /// The available reps of `settings` with their loads, in the settings' order.
    pub fn candidates(&self, settings: &AssignmentSettings) -> Vec<Candidate> {
        settings
            .reps()
            .iter()
            .filter(|rep| rep.available)
            .map(|rep| Candidate {
                rep: rep.rep,
                team: rep.team,
                open_leads: self.open_leads(rep.rep),
                open_leads_max: rep.open_leads_max,
            })
            .collect()
    }

    /// Each rule's last choice: the owner of the last `LeadAssigned` that names the rule.
    pub fn cursor(&self) -> &RotationCursor {
        &self.cursor
    }

    fn survivor_of_key(&self, key: &Key) -> Option<LeadId> {
        let mut lead = *self.holders.get(key)?;
        for _ in 0..MERGE_CHAIN_MAX {
            let entry = self.leads.get(&lead).expect("a key's holder is a captured lead");
            match entry.lives_on_in {
                Some(survivor) => lead = survivor,
                None => return entry.is_workable().then_some(lead),
            }
        }
        None
    }

    fn apply(&mut self, recorded: &RecordedEvent) -> Result<(), DirectoryError> {
        let lead = LeadId(recorded.stream.id);
        let event: LeadEvent = ltc_projections::decode_event(recorded)?;
        if let LeadEvent::Captured { contact, company, ownership, .. } = &event {
            let keys = duplicate_keys(
                contact.email.as_deref(),
                contact.phone.as_deref(),
                company.name.as_deref(),
                company.domain.as_deref(),
            );
            let entry = Entry {
                status: Status::Open,
                owner: ownership.map(|ownership| ownership.owner),
                lives_on_in: None,
                captured_as_duplicate_of: None,
            };
            self.change(lead, entry);
            // A key stays with its holder while that holder (or its survivor) is worked; once
            // the holder is closed, the key passes to the next lead that brings it.
            for key in keys_of(&keys) {
                if self.survivor_of_key(&key).is_none() {
                    self.holders.insert(key, lead);
                }
            }
            return Ok(());
        }
        let mut entry = self.leads.get(&lead).cloned().unwrap_or_else(|| {
            panic!("lead {lead}: a {} before LeadCaptured", recorded.event_type)
        });
        match &event {
            LeadEvent::Captured { .. } => unreachable!("handled above"),
            LeadEvent::CapturedAsDuplicate { survivor } => {
                entry.status = Status::Duplicate;
                entry.lives_on_in = Some(*survivor);
                entry.captured_as_duplicate_of = Some(*survivor);
            }
            LeadEvent::Assigned { ownership, rule, .. } => {
                entry.owner = Some(ownership.owner);
                if let Some(rule) = rule {
                    self.cursor.last_assigned.insert(rule.clone(), ownership.owner);
                }
            }
            LeadEvent::Qualified { .. } => entry.status = Status::Qualified,
            LeadEvent::Disqualified { .. } => entry.status = Status::Disqualified,
            LeadEvent::Converted { .. } => entry.status = Status::Converted,
            LeadEvent::MergedInto { survivor, .. } => {
                entry.status = Status::Merged;
                entry.lives_on_in = Some(*survivor);
            }
            // Fields a survivor adopts come from a duplicate whose keys already lead to it.
            LeadEvent::DuplicateMerged { .. }
            | LeadEvent::Scored { .. }
            | LeadEvent::ActivityLogged { .. } => return Ok(()),
        }
        self.change(lead, entry);
        Ok(())
    }

    /// Replaces the entry of `lead`, moving its contribution to the reps' loads.
    fn change(&mut self, lead: LeadId, entry: Entry) {
        let before = self.leads.get(&lead).and_then(Entry::load_of);
        let after = entry.load_of();
        if let Some(rep) = before {
            let load = self.open_leads.get_mut(&rep).expect("a counted lead's rep has a load");
            *load -= 1;
            if *load == 0 {
                self.open_leads.remove(&rep);
            }
        }
        if let Some(rep) = after {
            *self.open_leads.entry(rep).or_default() += 1;
        }
        self.leads.insert(lead, entry);
    }
}

/// The keys in the order a duplicate is matched: email, phone, company.
fn keys_of(keys: &DuplicateKeys) -> Vec<Key> {
    let email = keys.email.clone().map(Key::Email);
    let phone = keys.phone.clone().map(Key::Phone);
    let company = keys.company.clone().map(|(domain, name)| Key::Company(domain, name));
    [email, phone, company].into_iter().flatten().collect()
}
