//! How the commands open an existing data directory's event store: as it is, or for reading it
//! from end to end.

use anyhow::Context;
use ltc_eventstore::{EventStore, StoreOptions};

use crate::data_dir::DataDir;

/// The reader's page cache for a scan: room for the table's interior pages, which every page
/// read walks through; leaf pages are read once.
const SCAN_CACHE_KIB: u32 = 1024;

/// Opens the store only if it exists: reading a directory that holds none is a mistake to
/// report, not an empty log to create.
pub(super) fn open_existing(data: &DataDir) -> anyhow::Result<EventStore> {
    open_existing_with(data, StoreOptions::default())
}

/// Opens the store (which must exist) to read it from end to end, as an export, a verify, an
/// audit or a rebuild does: without memory-mapped reads and with a small page cache, whose
/// touched pages would otherwise stay resident, up to the default cache's 16 MiB and the map's
/// 1 GiB, and grow with the log. A rebuild then stays inside its memory budget as `ltc`'s resident memory shows
/// it, not only as the benchmark (which opens the store the same way) measures it.
pub(super) fn open_for_one_scan(data: &DataDir) -> anyhow::Result<EventStore> {
    let options = StoreOptions {
        read_mmap_bytes: 0,
        read_cache_kib: SCAN_CACHE_KIB,
        ..StoreOptions::default()
    };
    open_existing_with(data, options)
}

fn open_existing_with(data: &DataDir, options: StoreOptions) -> anyhow::Result<EventStore> {
    let path = data.event_store();
    anyhow::ensure!(path.exists(), "no event store at {} (is --data right?)", path.display());
    EventStore::open(&path, options).with_context(|| format!("opening {}", path.display()))
}
