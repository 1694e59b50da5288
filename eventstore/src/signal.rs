//! The head signal: the writer publishes each committed head here, and subscriptions wait on it
//! instead of polling the database in a tight loop.

use std::sync::{Condvar, Mutex, PoisonError};
use std::time::Duration;

use crate::envelope::Head;

#[derive(Debug)]
pub(crate) struct HeadSignal {
    state: Mutex<SignalState>,
    advanced: Condvar,
}

#[derive(Debug)]
struct SignalState {
    head: Head,
    writer_stopped: bool,
}

/// Why a wait ended.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Wake {
    /// The head reached the awaited position (or already had).
    Reached,
    /// Nothing arrived in time; the caller looks again (a writer in another process does not
    /// signal this one).
    TimedOut,
    /// This process's writer has stopped; nothing more will be signalled.
    WriterStopped,
}

impl HeadSignal {
    pub(crate) fn new(head: Head) -> HeadSignal {
        HeadSignal {
            state: Mutex::new(SignalState { head, writer_stopped: false }),
            advanced: Condvar::new(),
        }
    }

    pub(crate) fn head(&self) -> Head {
        self.state.lock().unwrap_or_else(PoisonError::into_inner).head
    }

    /// Called by the writer after a commit is durable, never before: a subscriber woken by it
    /// must find the events in the database.
    pub(crate) fn publish(&self, head: Head) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        assert!(head.position >= state.head.position, "the head never moves backwards");
        state.head = head;
        self.advanced.notify_all();
    }

    pub(crate) fn writer_stopped(&self) {
        // Called while the writer may be unwinding from a panic: a poisoned lock still holds
        // a usable state.
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.writer_stopped = true;
        self.advanced.notify_all();
    }

    /// Waits until the head is at or beyond `position`, the writer stops, or `timeout` passes.
    pub(crate) fn wait_for(&self, position: u64, timeout: Duration) -> Wake {
        let state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let (state, _) = self
            .advanced
            .wait_timeout_while(state, timeout, |state| {
                state.head.position < position && !state.writer_stopped
            })
            .unwrap_or_else(PoisonError::into_inner);
        if state.head.position >= position {
            Wake::Reached
        } else if state.writer_stopped {
            Wake::WriterStopped
        } else {
            Wake::TimedOut
        }
    }
}
