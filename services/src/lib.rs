//! The shell around ltc's pure core: the data directory, the command line (`ltc`), and later the
//! command path and NATS. Nothing below this crate depends on it.

pub mod cli;
pub mod client_ids;
pub mod command;
pub mod data_dir;
pub mod derived_id;
pub mod engine;
pub mod event_json;
pub mod event_types;
pub mod export;
pub mod generator;
pub mod import;
pub mod leads;
pub mod load;
pub mod nats;
pub mod process;
pub mod queries;
pub mod read_models;
pub mod report;
pub mod users;
