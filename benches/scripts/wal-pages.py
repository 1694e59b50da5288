"""Which b-tree each page in a SQLite WAL belongs to: what the commits since the WAL last started
over wrote, per commit and per event.

usage: python3 benches/scripts/wal-pages.py EVENTS_DB EVENTS_DB_WAL

Copy both files from a running `ltc serve` (a copy taken mid-checkpoint undercounts events:
take it between checkpoints, or from a build whose writer does not checkpoint). Pages are named
with SQLite's dbstat on a copy of the two files; events are counted as the head with the WAL
minus the head without it.
"""
import collections
import os
import shutil
import sqlite3
import struct
import sys
import tempfile

db, wal = sys.argv[1], sys.argv[2]
data = open(wal, 'rb').read()
page_size = struct.unpack('>I', data[8:12])[0]
salt = data[16:24]
frames = []
offset = 32
while offset + 24 + page_size <= len(data):
    page, commit_size = struct.unpack('>II', data[offset:offset + 8])
    if data[offset + 8:offset + 16] != salt:
        break  # frames left from before the WAL started over
    frames.append((page, commit_size))
    offset += 24 + page_size
commits = sum(1 for _, size in frames if size) or 1

work = tempfile.mkdtemp()
with_wal, without_wal = os.path.join(work, 'with.db'), os.path.join(work, 'without.db')
shutil.copy(db, with_wal)
shutil.copy(wal, with_wal + '-wal')
shutil.copy(db, without_wal)
names = dict(sqlite3.connect(with_wal).execute('SELECT pageno, name FROM dbstat'))
head_with = sqlite3.connect(with_wal).execute('SELECT max(position) FROM events').fetchone()[0]
head_without = sqlite3.connect(without_wal).execute('SELECT max(position) FROM events').fetchone()[0]
events = max((head_with or 0) - (head_without or 0), 1)
shutil.rmtree(work)

count = collections.Counter(names.get(page, '?') for page, _ in frames)
print(f'{len(frames)} frames, {commits} commits, {events} events: '
      f'{len(frames) / commits:.1f} frames per commit, {len(frames) / events:.2f} per event, '
      f'{events / commits:.1f} events per commit')
for name, n in count.most_common():
    print(f'  {name:24} {n / commits:6.2f} per commit  {n / events:5.2f} per event')
