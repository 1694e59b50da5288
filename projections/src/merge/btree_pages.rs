//! Appending one SQLite file's b-trees to another file, page by page: as much of SQLite's file
//! format (<https://www.sqlite.org/fileformat2.html>) as that takes.
//!
//! A rebuild's second group writes a file of its own ([`crate::merge`]). Copied into the first
//! file row by row, its ≈ 1 GB at 5M events took ≈ 5 s on one core while the other stood idle.
//! Its pages can go in as they are instead: every page of the part is written at the end of the
//! main file, its number moved up by the main file's page count, and the only bytes that change
//! are the page numbers a page holds (an interior page's children, a cell's first overflow page,
//! an overflow page's next). So each b-tree is walked from its root to find those numbers; the
//! part's pages no copied b-tree reaches (its schema, the b-trees left behind, its free pages)
//! join the main file's free list. The schema rows that name the copied roots are the caller's.
//!
//! SQLite never uses the page holding the byte at 1 GiB (its lock-byte page), so the one part
//! page that would land there goes to the end of the file instead.
//!
//! Nothing here trusts the part: its header must describe a file SQLite wrote, and a page number
//! out of range, a page reached twice, a cell past its page's end or an unknown page type is an
//! [`io::ErrorKind::InvalidData`] error. The main file is then left half written, which is why
//! only a rebuild's unpublished file may be the target.

use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;

/// The header fields read or written here (the database header, the first 100 bytes of page 1).
const PAGE_SIZE: usize = 16;
const RESERVED_BYTES: usize = 20;
const CHANGE_COUNTER: usize = 24;
const PAGE_COUNT: usize = 28;
const FREELIST_TRUNK: usize = 32;
const FREELIST_COUNT: usize = 36;
const SCHEMA_FORMAT: usize = 44;
const TEXT_ENCODING: usize = 56;
const INCREMENTAL_VACUUM: usize = 64;
const LARGEST_ROOT: usize = 52;
const VERSION_VALID_FOR: usize = 92;
const HEADER_LEN: usize = 100;

/// B-tree page types: the first byte of a b-tree page's header.
const INTERIOR_INDEX: u8 = 0x02;
const INTERIOR_TABLE: u8 = 0x05;
const LEAF_INDEX: u8 = 0x0a;
const LEAF_TABLE: u8 = 0x0d;

/// A database file's header, checked to describe the file as it lies on disk.
#[derive(Debug, Clone)]
pub(crate) struct Header {
    bytes: [u8; HEADER_LEN],
}

impl Header {
    /// Reads and checks the header: the page count it states is valid and is the file's length,
    /// and the file has no pointer-map pages (no auto-vacuum), which page numbers would break.
    pub(crate) fn read(file: &File) -> io::Result<Header> {
        let mut bytes = [0u8; HEADER_LEN];
        file.read_exact_at(&mut bytes, 0)?;
        if &bytes[..16] != b"SQLite format 3\0" {
            return Err(invalid("not an SQLite database".into()));
        }
        let header = Header { bytes };
        let size = header.page_size();
        if !size.is_power_of_two() || !(512..=65_536).contains(&size) || header.usable_size() < 480
        {
            return Err(invalid(format!("page size {size} is not one SQLite writes")));
        }
        if header.get4(CHANGE_COUNTER) != header.get4(VERSION_VALID_FOR) {
            return Err(invalid("the header's page count is stale".into()));
        }
        if header.get4(LARGEST_ROOT) != 0 || header.get4(INCREMENTAL_VACUUM) != 0 {
            return Err(invalid("the file uses auto-vacuum".into()));
        }
        let length = file.metadata()?.len();
        if length != u64::from(header.page_count()) * u64::from(header.page_size()) {
            return Err(invalid(format!(
                "the file is {length} bytes, its header says {} pages of {}",
                header.page_count(),
                header.page_size()
            )));
        }
        Ok(header)
    }

    pub(crate) fn page_size(&self) -> u32 {
        match u16::from_be_bytes([self.bytes[PAGE_SIZE], self.bytes[PAGE_SIZE + 1]]) {
            1 => 65_536,
            size => u32::from(size),
        }
    }

    pub(crate) fn page_count(&self) -> u32 {
        self.get4(PAGE_COUNT)
    }

    /// What two files must share for one's pages to be read as the other's.
    fn layout(&self) -> (u32, u8, u32, u32) {
        let (reserved, format) = (self.bytes[RESERVED_BYTES], self.get4(SCHEMA_FORMAT));
        (self.page_size(), reserved, format, self.get4(TEXT_ENCODING))
    }

    fn usable_size(&self) -> usize {
        self.page_size() as usize - usize::from(self.bytes[RESERVED_BYTES])
    }

    fn get4(&self, at: usize) -> u32 {
        get4(&self.bytes, at)
    }

    fn put4(&mut self, at: usize, value: u32) {
        self.bytes[at..at + 4].copy_from_slice(&value.to_be_bytes());
    }
}

/// Where [`append_btrees`] put the part's pages: each moved up by the main file's page count,
/// except the one that would land on SQLite's lock page, which goes to the end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Renumbering {
    page_offset: u32,
    /// The part page that would have landed on the lock page, and where it went instead.
    moved: Option<(u32, u32)>,
}

impl Renumbering {
    /// The number in the main file of the part's page `page`.
    pub(crate) fn main_page(&self, page: u32) -> u32 {
        match self.moved {
            Some((from, to)) if from == page => to,
            _ => page + self.page_offset,
        }
    }
}

/// The page SQLite never uses: the one holding the byte at 1 GiB, where its file locks live
/// (fileformat2, "The Lock-Byte Page"). A database of more pages holds it, never reading or
/// writing it, and `PRAGMA integrity_check` counts it as used. Tests put it elsewhere.
#[derive(Debug, Clone, Copy)]
pub(crate) enum LockPage {
    Sqlites,
    #[cfg(test)]
    At(u32),
}

impl LockPage {
    fn number(self, page_size: u32) -> u32 {
        match self {
            LockPage::Sqlites => 0x4000_0000 / page_size + 1,
            #[cfg(test)]
            LockPage::At(page) => page,
        }
    }
}

/// Appends the b-trees rooted at `roots` in `part` to the end of `main`, whose header it
/// rewrites to count the new pages and to list the part's other pages as free. Neither file
/// may be open in SQLite meanwhile; a connection that has `main` open must have released its
/// lock, and reloads its cache when it next locks the file (the header's change counter moves).
pub(crate) fn append_btrees(
    main: &File,
    part: &File,
    roots: &[u32],
    lock_page: LockPage,
) -> io::Result<Renumbering> {
    let mut main_header = Header::read(main)?;
    let part_header = Header::read(part)?;
    if main_header.layout() != part_header.layout() {
        return Err(invalid(format!(
            "the files differ in page size, reserved bytes, schema format or text encoding: \
             {:?} against {:?}",
            main_header.layout(),
            part_header.layout()
        )));
    }
    let page_offset = main_header.page_count();
    let pages = part_header.page_count();
    let lock_page = lock_page.number(part_header.page_size());
    let appended_end = page_offset
        .checked_add(pages)
        .filter(|total| *total < u32::MAX / 2)
        .ok_or_else(|| invalid("the merged file would have too many pages".into()))?;
    // The part page landing on the lock page is written one past the end instead; the lock
    // page keeps whatever the copy put there, which SQLite never reads.
    let lands_on_lock = page_offset < lock_page && lock_page <= appended_end;
    let moved = lands_on_lock.then(|| (lock_page - page_offset, appended_end + 1));
    let total = appended_end + u32::from(lands_on_lock);
    let renumbering = Renumbering { page_offset, moved };
    // The part's bytes go in whole, in the kernel; then the pages holding page numbers are
    // written again, renumbered (most pages, the leaves, hold none). Page by page, a 1 GB part
    // took 3.9 s.
    copy_whole(part, main, u64::from(page_offset) * u64::from(part_header.page_size()))?;
    let mut copier = Copier {
        main,
        part,
        page_size: part_header.page_size() as usize,
        usable: part_header.usable_size(),
        renumbering,
        pages,
        reached: vec![false; pages as usize + 1],
        buffer: vec![0; part_header.page_size() as usize],
        renumbered: false,
    };
    for root in roots {
        copier.copy_btree(*root)?;
    }
    copier.free_the_rest(&mut main_header)?;
    // A moved page that went onto the free list was never written: the file must still hold it.
    let length = u64::from(total) * u64::from(part_header.page_size());
    if main.metadata()?.len() < length {
        main.set_len(length)?;
    }
    main_header.put4(PAGE_COUNT, total);
    let changed = main_header.get4(CHANGE_COUNTER).wrapping_add(1);
    main_header.put4(CHANGE_COUNTER, changed);
    main_header.put4(VERSION_VALID_FOR, changed);
    main.write_all_at(&main_header.bytes, 0)?;
    Ok(renumbering)
}

struct Copier<'a> {
    main: &'a File,
    part: &'a File,
    page_size: usize,
    usable: usize,
    renumbering: Renumbering,
    pages: u32,
    /// Indexed by the part's page number: whether a copied b-tree reached it.
    reached: Vec<bool>,
    buffer: Vec<u8>,
    /// Whether the page in the buffer holds a page number, which is then moved.
    renumbered: bool,
}

impl Copier<'_> {
    /// Copies every page of the b-tree rooted at `root`, and the overflow pages of its cells.
    fn copy_btree(&mut self, root: u32) -> io::Result<()> {
        let mut to_copy = vec![(root, None)];
        while let Some((page, parent_type)) = to_copy.pop() {
            self.read(page)?;
            let kind = self.buffer[0];
            let leaf = match kind {
                INTERIOR_INDEX | INTERIOR_TABLE => false,
                LEAF_INDEX | LEAF_TABLE => true,
                _ => return Err(invalid(format!("page {page} is not a b-tree page ({kind:#x})"))),
            };
            let in_a_table = kind == INTERIOR_TABLE || kind == LEAF_TABLE;
            if parent_type.is_some_and(|parent| (parent == INTERIOR_TABLE) != in_a_table) {
                return Err(invalid(format!("page {page} is in a b-tree of another kind")));
            }
            let header_len = if leaf { 8 } else { 12 };
            let cells = usize::from(get2(&self.buffer, 3));
            if header_len + 2 * cells > self.usable {
                return Err(invalid(format!("page {page} says it has {cells} cells")));
            }
            let mut overflow_chains = Vec::new();
            for cell in 0..cells {
                let at = usize::from(get2(&self.buffer, header_len + 2 * cell));
                if let Some(child) = self.cell_child(kind, at)? {
                    to_copy.push((child, Some(kind)));
                }
                if let Some(first) = self.cell_overflow(kind, at)? {
                    overflow_chains.push(first);
                }
            }
            if !leaf {
                let right = self.move_page_number(8)?;
                to_copy.push((right, Some(kind)));
            }
            self.write(page)?;
            for first in overflow_chains {
                self.copy_overflow_chain(first)?;
            }
        }
        Ok(())
    }

    /// An interior cell's child (its first four bytes), renumbered in the buffer.
    fn cell_child(&mut self, kind: u8, at: usize) -> io::Result<Option<u32>> {
        match kind {
            INTERIOR_INDEX | INTERIOR_TABLE => self.move_page_number(at).map(Some),
            _ => Ok(None),
        }
    }

    /// The first overflow page of a cell whose payload does not fit its page, renumbered in the
    /// buffer. A table's interior cells carry no payload.
    fn cell_overflow(&mut self, kind: u8, at: usize) -> io::Result<Option<u32>> {
        let mut cursor = at;
        if kind == INTERIOR_TABLE {
            return Ok(None);
        }
        if kind == INTERIOR_INDEX {
            cursor += 4;
        }
        let payload = self.varint(&mut cursor)?;
        if kind == LEAF_TABLE {
            self.varint(&mut cursor)?; // the rowid
        }
        let local = match local_payload(kind, payload, self.usable) {
            None => return Ok(None),
            Some(local) => local,
        };
        self.move_page_number(cursor + local).map(Some)
    }

    fn copy_overflow_chain(&mut self, first: u32) -> io::Result<()> {
        let mut page = first;
        loop {
            self.read(page)?;
            let next = get4(&self.buffer, 0);
            if next != 0 {
                self.move_page_number(0)?;
            }
            self.write(page)?;
            if next == 0 {
                return Ok(());
            }
            page = next;
        }
    }

    /// Every part page no b-tree reached, renumbered, as free pages of the main file: trunk
    /// pages listing the others, chained in front of the main file's own free list.
    fn free_the_rest(&mut self, main_header: &mut Header) -> io::Result<()> {
        let unreached: Vec<u32> =
            (1..=self.pages).filter(|page| !self.reached[*page as usize]).collect();
        // What SQLite itself puts in a trunk page at most (fileformat2: "usable size / 4 - 8").
        let per_trunk = self.usable / 4 - 8;
        let mut next_trunk = main_header.get4(FREELIST_TRUNK);
        // Built from the back, so each trunk knows the one after it.
        let chunks: Vec<&[u32]> = unreached.chunks(per_trunk + 1).collect();
        for chunk in chunks.iter().rev() {
            let (trunk, leaves) = chunk.split_first().expect("chunks are never empty");
            let mut page = vec![0u8; self.page_size];
            page[0..4].copy_from_slice(&next_trunk.to_be_bytes());
            page[4..8].copy_from_slice(&(leaves.len() as u32).to_be_bytes());
            for (slot, leaf) in leaves.iter().enumerate() {
                let at = 8 + 4 * slot;
                page[at..at + 4].copy_from_slice(&self.renumbering.main_page(*leaf).to_be_bytes());
            }
            self.main.write_all_at(&page, self.offset_in_main(*trunk))?;
            next_trunk = self.renumbering.main_page(*trunk);
        }
        let freed = unreached.len() as u32;
        main_header.put4(FREELIST_TRUNK, next_trunk);
        let count = main_header.get4(FREELIST_COUNT).checked_add(freed);
        let count =
            count.ok_or_else(|| invalid("the free list would overflow its count".into()))?;
        main_header.put4(FREELIST_COUNT, count);
        Ok(())
    }

    /// Reads a page of the part into the buffer, the first time it is reached.
    fn read(&mut self, page: u32) -> io::Result<()> {
        if page < 2 || page > self.pages {
            return Err(invalid(format!("page number {page} is out of range")));
        }
        if std::mem::replace(&mut self.reached[page as usize], true) {
            return Err(invalid(format!("page {page} is reached twice")));
        }
        self.renumbered = false;
        self.part.read_exact_at(&mut self.buffer, (u64::from(page) - 1) * self.page_size as u64)
    }

    /// Writes the page in the buffer over its copy if it was renumbered, or where it moved to.
    fn write(&self, page: u32) -> io::Result<()> {
        let moved = self.renumbering.moved.is_some_and(|(from, _)| from == page);
        match self.renumbered || moved {
            true => self.main.write_all_at(&self.buffer, self.offset_in_main(page)),
            false => Ok(()),
        }
    }

    fn offset_in_main(&self, page: u32) -> u64 {
        (u64::from(self.renumbering.main_page(page)) - 1) * self.page_size as u64
    }

    /// The part page number at `at` in the buffer, which is rewritten to its main-file number.
    fn move_page_number(&mut self, at: usize) -> io::Result<u32> {
        if at + 4 > self.usable {
            return Err(invalid(format!("a page number at byte {at} lies past the page's end")));
        }
        let page = get4(&self.buffer, at);
        if page < 2 || page > self.pages {
            return Err(invalid(format!("page number {page} is out of range")));
        }
        self.buffer[at..at + 4].copy_from_slice(&self.renumbering.main_page(page).to_be_bytes());
        self.renumbered = true;
        Ok(page)
    }

    fn varint(&self, cursor: &mut usize) -> io::Result<u64> {
        let mut value = 0u64;
        for n in 0..9 {
            let byte = *self
                .buffer
                .get(*cursor)
                .filter(|_| *cursor < self.usable)
                .ok_or_else(|| invalid("a cell runs past its page's end".into()))?;
            *cursor += 1;
            if n == 8 {
                return Ok((value << 8) | u64::from(byte));
            }
            value = (value << 7) | u64::from(byte & 0x7f);
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        unreachable!("the ninth byte returns")
    }
}

/// The bytes of a payload kept on its b-tree page when the rest goes to overflow pages; `None`
/// when it all fits (fileformat2, "B-tree Pages", the formulas for X, M and K).
fn local_payload(kind: u8, payload: u64, usable: usize) -> Option<usize> {
    let usable = usable as u64;
    let max_local = if kind == LEAF_TABLE { usable - 35 } else { (usable - 12) * 64 / 255 - 23 };
    if payload <= max_local {
        return None;
    }
    let min_local = (usable - 12) * 32 / 255 - 23;
    let k = min_local + (payload - min_local) % (usable - 4);
    Some(if k <= max_local { k } else { min_local } as usize)
}

/// All of `from` into `to` from byte `at` on (`std::io::copy` of a file to a file copies in
/// the kernel, with `copy_file_range` on Linux).
fn copy_whole(from: &File, to: &File, at: u64) -> io::Result<()> {
    use std::io::{Seek, SeekFrom};
    let (mut from, mut to) = (from, to);
    from.seek(SeekFrom::Start(0))?;
    to.seek(SeekFrom::Start(at))?;
    let copied = io::copy(&mut from, &mut to)?;
    match copied == from.metadata()?.len() {
        true => Ok(()),
        false => Err(invalid(format!("copied {copied} bytes of the part, which changed size"))),
    }
}

fn get2(bytes: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([bytes[at], bytes[at + 1]])
}

fn get4(bytes: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}

fn invalid(reason: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, reason)
}
