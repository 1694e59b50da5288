//! The read models against generated histories: each model's figures checked against what the log
//! itself says.

mod forecast;
