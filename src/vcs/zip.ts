// A small deterministic zip writer for svn dists (svn has no `archive`; the image has no `zip`):
// entries sorted by path, a fixed timestamp, deflate via node:zlib, unix modes kept (0755, symlinks).
// No zip64: an archive is refused beyond 4 GiB or 65,535 entries.

import { lstat, readdir, readFile, readlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as zlib from 'node:zlib';

export interface ZipEntry {
  /** Forward-slash path inside the archive; directories end with '/'. */
  name: string;
  data: Buffer;
  /** Unix mode including the file type bits (0o100644, 0o100755, 0o120777, 0o040755). */
  mode: number;
}

// 1980-01-01 00:00:00, the earliest DOS date: the same bytes for the same tree, always.
const DOS_TIME = 0;
const DOS_DATE = (0 << 9) | (1 << 5) | 1;

let crcTable: Uint32Array | undefined;

function crc32(data: Buffer): number {
  const native = (zlib as { crc32?: (d: Buffer) => number }).crc32;
  if (native !== undefined) return native(data) >>> 0;
  if (crcTable === undefined) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (const byte of data) crc = (crcTable[(crc ^ byte) & 0xff] ?? 0) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** Builds the bytes of a zip holding `entries` (sorted here by name, byte order). */
export function buildZip(entries: readonly ZipEntry[]): Buffer {
  const sorted = [...entries].sort((a, b) => Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)));
  if (sorted.length > 0xffff) throw new Error('too many entries for a zip without zip64');
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of sorted) {
    const name = Buffer.from(entry.name, 'utf8');
    const isDir = entry.name.endsWith('/');
    const deflated = isDir ? Buffer.alloc(0) : zlib.deflateRawSync(entry.data, { level: 9 });
    // Store when deflate does not help (small or already compressed files).
    const useDeflate = !isDir && deflated.length < entry.data.length;
    const body = useDeflate ? deflated : isDir ? Buffer.alloc(0) : entry.data;
    const crc = isDir ? 0 : crc32(entry.data);
    const size = isDir ? 0 : entry.data.length;
    if (offset + body.length > 0xfffffff0) throw new Error('archive too large for a zip without zip64');
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(useDeflate ? 8 : 0, 8);
    local.writeUInt16LE(DOS_TIME, 10);
    local.writeUInt16LE(DOS_DATE, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    locals.push(local, name, body);

    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4); // made by: unix, 2.0
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(useDeflate ? 8 : 0, 10);
    central.writeUInt16LE(DOS_TIME, 12);
    central.writeUInt16LE(DOS_DATE, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt16LE(0, 30); // extra
    central.writeUInt16LE(0, 32); // comment
    central.writeUInt16LE(0, 34); // disk
    central.writeUInt16LE(0, 36); // internal attributes
    central.writeUInt32LE(((entry.mode & 0xffff) << 16 | (isDir ? 0x10 : 0)) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    offset += local.length + name.length + body.length;
  }
  const centralSize = centrals.reduce((n, b) => n + b.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(sorted.length, 8);
  end.writeUInt16LE(sorted.length, 10);
  end.writeUInt32LE(centralSize, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, ...centrals, end]);
}

/** Collects a directory tree as zip entries: files (0644 or 0755), symlinks, directories. */
export async function collectTree(root: string): Promise<ZipEntry[]> {
  const entries: ZipEntry[] = [];
  async function walk(dir: string, prefix: string): Promise<void> {
    for (const name of await readdir(dir)) {
      const full = join(dir, name);
      const rel = `${prefix}${name}`;
      const st = await lstat(full);
      if (st.isSymbolicLink()) {
        entries.push({ name: rel, data: Buffer.from(await readlink(full), 'utf8'), mode: 0o120777 });
      } else if (st.isDirectory()) {
        entries.push({ name: `${rel}/`, data: Buffer.alloc(0), mode: 0o040755 });
        await walk(full, `${rel}/`);
      } else if (st.isFile()) {
        entries.push({ name: rel, data: await readFile(full), mode: st.mode & 0o111 ? 0o100755 : 0o100644 });
      }
    }
  }
  await walk(root, '');
  return entries;
}

/** Zips the tree under `root` into `file` (the caller renames it into place). */
export async function zipDirectory(root: string, file: string): Promise<void> {
  await writeFile(file, buildZip(await collectTree(root)), { mode: 0o644 });
}
