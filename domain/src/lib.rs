//! The lead-to-cash rules as pure deciders (`decide`, `evolve`): lead, customer, opportunity,
//! quote, order and payment. Step 2 fills this crate; it does no I/O and reads no clock.
