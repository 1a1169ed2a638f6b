// Deterministic zips of a directory tree for svn dists (svn has no `archive`; git and hg zip
// themselves), written with yazl (streaming: files are read as they are written, never all held
// in memory): entries in byte order of their paths, directories before their contents, a fixed
// DOS timestamp (1980-01-01 00:00, no extended-time field), unix modes kept (0755, symlinks), and
// deflate for files of 128 bytes or more. Zip64 is used by yazl only when an archive needs it.

import { createWriteStream } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import yazl from 'yazl';

// Local midnight of 1980-01-01: yazl writes the DOS fields from local time, so this is
// 1980-01-01 00:00 in every time zone.
const FIXED_MTIME = new Date(1980, 0, 1, 0, 0, 0);
const COMPRESS_FROM_BYTES = 128;

const byBytes = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

/** Zips the tree under `root` into `file` (the caller renames it into place). */
export async function zipDirectory(root: string, file: string): Promise<void> {
  const zip = new yazl.ZipFile();
  const common = { mtime: FIXED_MTIME, forceDosTimestamp: true };
  async function walk(dir: string, prefix: string): Promise<void> {
    for (const name of (await readdir(dir)).sort(byBytes)) {
      const full = join(dir, name);
      const rel = `${prefix}${name}`;
      const st = await lstat(full);
      if (st.isSymbolicLink()) {
        zip.addBuffer(Buffer.from(await readlink(full), 'utf8'), rel, { ...common, mode: 0o120777, compress: false });
      } else if (st.isDirectory()) {
        zip.addEmptyDirectory(rel, { ...common, mode: 0o040755 });
        await walk(full, `${rel}/`);
      } else if (st.isFile()) {
        zip.addFile(full, rel, { ...common, mode: st.mode & 0o111 ? 0o100755 : 0o100644, compress: st.size >= COMPRESS_FROM_BYTES });
      }
    }
  }
  const written = pipeline(zip.outputStream, createWriteStream(file, { mode: 0o644 }));
  try {
    await walk(root, '');
  } finally {
    zip.end();
  }
  await written;
}
