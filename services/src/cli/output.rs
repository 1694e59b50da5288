//! Writing a subcommand's output to stdout, where the reader may stop early.

use std::io::ErrorKind;

use anyhow::Context;

/// The outcome of writing to stdout, with a reader that stopped reading (`ltc events | head`)
/// counted as success: what it read was written whole, and there is nobody left to tell.
pub(super) fn written(result: std::io::Result<()>) -> anyhow::Result<()> {
    match result {
        Err(error) if error.kind() == ErrorKind::BrokenPipe => Ok(()),
        result => result.context("writing to stdout"),
    }
}
