//! Read models (360° customer view, funnel, forecasts, collections) built from event envelopes,
//! each with its checkpoint stored in the same transaction as its updates. Step 3 fills this crate.
