/** One entry of a layer's tar stream (regular files carry their size; folders and links 0). */
export interface LayerEntry {
  /** Path inside the image, without a leading `/` or `./`. */
  name: string;
  size: number;
  type: 'file' | 'dir' | 'symlink' | 'hardlink' | 'other';
  /** Permission bits (e.g. 0o755). */
  mode: number;
}

const BLOCK = 512;

export class TarError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TarError';
  }
}

function readString(block: Buffer, offset: number, length: number): string {
  const end = block.indexOf(0, offset);
  return block.toString('utf8', offset, end < 0 || end > offset + length ? offset + length : end);
}

/** A numeric header field: octal text, or GNU base-256 when the high bit of the first byte is set. */
function readNumber(block: Buffer, offset: number, length: number): number {
  if ((block[offset]! & 0x80) !== 0) {
    let value = block[offset]! & 0x7f;
    for (let i = 1; i < length; i++) value = value * 256 + block[offset + i]!;
    return value;
  }
  const text = readString(block, offset, length).trim();
  return text ? parseInt(text, 8) : 0;
}

/** `path`, `linkpath` and `size` records of a PAX extended header. */
export function parsePax(data: Buffer): Record<string, string> {
  const records: Record<string, string> = {};
  let offset = 0;
  while (offset < data.length) {
    const space = data.indexOf(0x20, offset);
    if (space < 0) break;
    const length = parseInt(data.toString('utf8', offset, space), 10);
    if (!Number.isFinite(length) || length <= 0) break;
    const record = data.toString('utf8', space + 1, offset + length - 1);
    const equals = record.indexOf('=');
    if (equals > 0) records[record.slice(0, equals)] = record.slice(equals + 1);
    offset += length;
  }
  return records;
}

const TYPES: Record<string, LayerEntry['type']> = { '0': 'file', '\0': 'file', '7': 'file', '1': 'hardlink', '2': 'symlink', '5': 'dir' };

/**
 * A streaming tar reader that keeps only the headers: feed it chunks of any size with `write`,
 * and it lists the entries (ustar, PAX `x`/`g` and GNU `L` long names, base-256 sizes) while
 * skipping file contents, so a layer of any size needs only one 512-byte block of memory.
 */
export class TarLister {
  readonly entries: LayerEntry[] = [];
  /** Bytes seen, i.e. the uncompressed size of the stream. */
  bytes = 0;
  private header = Buffer.alloc(BLOCK);
  private headerFill = 0;
  /** Bytes of content (plus padding) still to skip. */
  private skip = 0;
  /** Contents of the regular files `keep` picked, by entry name. */
  readonly files = new Map<string, Buffer>();
  /** Content of a PAX or GNU long-name record, or of a kept file, being collected, and what it is for. */
  private collect?: { kind: 'pax' | 'longname' | 'file'; name?: string; data: Buffer; fill: number; padding: number };
  private pending: { path?: string; size?: number } = {};

  /** `keep`: which regular files to keep the contents of (by entry name, without a leading `./` or `/`). */
  constructor(private readonly keep?: (name: string) => boolean) {}

  write(chunk: Buffer): void {
    this.bytes += chunk.length;
    let offset = 0;
    while (offset < chunk.length) {
      if (this.collect) {
        const c = this.collect;
        const take = Math.min(c.data.length - c.fill, chunk.length - offset);
        chunk.copy(c.data, c.fill, offset, offset + take);
        c.fill += take;
        offset += take;
        if (c.fill === c.data.length) {
          if (c.kind === 'file') this.files.set(c.name!, c.data);
          else this.finishRecord(c.kind, c.data);
          this.skip = c.padding;
          this.collect = undefined;
        }
        continue;
      }
      if (this.skip > 0) {
        const take = Math.min(this.skip, chunk.length - offset);
        this.skip -= take;
        offset += take;
        continue;
      }
      const take = Math.min(BLOCK - this.headerFill, chunk.length - offset);
      chunk.copy(this.header, this.headerFill, offset, offset + take);
      this.headerFill += take;
      offset += take;
      if (this.headerFill === BLOCK) {
        this.headerFill = 0;
        this.readHeader(this.header);
      }
    }
  }

  /** Throws when the stream stopped inside a header or a file. */
  end(): void {
    if (this.headerFill !== 0 || this.skip !== 0 || this.collect) throw new TarError(`the tar stream is truncated after ${this.bytes} bytes`);
  }

  private readHeader(block: Buffer): void {
    if (block.every((byte) => byte === 0)) return; // end-of-archive blocks
    const magic = block.toString('latin1', 257, 262);
    if (magic !== 'ustar' && block.toString('latin1', 257, 263) !== 'ustar ') {
      // Old v7 tar has no magic; check the header checksum instead of trusting garbage.
      if (!this.checksumOk(block)) throw new TarError(`not a tar stream (bad header at byte ${this.bytes})`);
    }
    const size = readNumber(block, 124, 12);
    const typeflag = String.fromCharCode(block[156]!);
    const padded = Math.ceil(size / BLOCK) * BLOCK;
    if (typeflag === 'x' || typeflag === 'L') {
      const kind = typeflag === 'x' ? 'pax' : 'longname';
      this.collect = { kind, data: Buffer.alloc(size), fill: 0, padding: padded - size };
      if (size === 0) {
        this.finishRecord(kind, this.collect.data);
        this.collect = undefined;
      }
      return;
    }
    if (typeflag === 'g' || typeflag === 'K') {
      this.skip = padded; // global PAX defaults and GNU long link names do not change our listing
      return;
    }
    const prefix = magic === 'ustar' ? readString(block, 345, 155) : '';
    const short = readString(block, 0, 100);
    const name = this.pending.path ?? (prefix ? `${prefix}/${short}` : short);
    const type = TYPES[typeflag] ?? 'other';
    const entrySize = this.pending.size ?? size;
    const entryName = name.replace(/^(\.\/|\/)+/, '');
    this.entries.push({ name: entryName, size: type === 'file' ? entrySize : 0, type, mode: readNumber(block, 100, 8) & 0o7777 });
    this.pending = {};
    if (type === 'file' && this.keep?.(entryName)) {
      this.collect = { kind: 'file', name: entryName, data: Buffer.alloc(entrySize), fill: 0, padding: Math.ceil(entrySize / BLOCK) * BLOCK - entrySize };
      if (entrySize === 0) {
        this.files.set(entryName, this.collect.data);
        this.collect = undefined;
      }
      return;
    }
    // Hard links, symlinks and folders carry no content even when the size field is set.
    this.skip = type === 'file' || type === 'other' ? Math.ceil(entrySize / BLOCK) * BLOCK : 0;
  }

  private finishRecord(kind: 'pax' | 'longname', data: Buffer): void {
    if (kind === 'longname') {
      this.pending.path = readString(data, 0, data.length);
      return;
    }
    const records = parsePax(data);
    if (records.path !== undefined) this.pending.path = records.path;
    if (records.size !== undefined) this.pending.size = Number(records.size);
  }

  private checksumOk(block: Buffer): boolean {
    const stored = readNumber(block, 148, 8);
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : block[i]!;
    return sum === stored;
  }
}

/** One entry of a tar written by {@link writeTar}: a folder (no data) or a regular file. */
export interface TarWriteEntry {
  /** Slash-separated and relative; folders end with `/`. */
  name: string;
  type: 'file' | 'dir';
  mode: number;
  uid: number;
  gid: number;
  /** Seconds since the Unix epoch. */
  mtime: number;
  data?: Uint8Array;
}

const NAME_SIZE = 100;
const isAscii = (text: string) => [...text].every((c) => c.charCodeAt(0) < 0x80);
const PREFIX_SIZE = 155;

/** Go's archive/tar splitUSTARPath: a long ASCII name split at a slash into prefix and name. */
function splitUstarPath(name: string): { prefix: string; name: string } | undefined {
  if (name.length <= NAME_SIZE || !isAscii(name)) return undefined;
  let length = name.length;
  if (length > PREFIX_SIZE + 1) length = PREFIX_SIZE + 1;
  else if (name[length - 1] === '/') length--;
  const slash = name.lastIndexOf('/', length - 1);
  const suffixLength = name.length - slash - 1;
  if (slash <= 0 || suffixLength > NAME_SIZE || suffixLength === 0 || slash > PREFIX_SIZE) return undefined;
  return { prefix: name.slice(0, slash), name: name.slice(slash + 1) };
}

function writeField(block: Buffer, offset: number, length: number, text: string): void {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length > length) throw new TarError(`"${text}" does not fit a ${length}-byte tar header field`);
  bytes.copy(block, offset);
}

/** Go's formatOctal: zero-padded octal followed by NUL, filling the field. */
function writeOctal(block: Buffer, offset: number, length: number, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0 || value >= 8 ** (length - 1)) throw new TarError(`${value} does not fit a ${length}-byte octal tar header field`);
  writeField(block, offset, length, value.toString(8).padStart(length - 1, '0'));
  block[offset + length - 1] = 0;
}

/**
 * The 512-byte USTAR header Go's archive/tar writes for this entry when the format is left to it
 * (containerd's diff writer asks for PAX, which Go downgrades to USTAR when nothing needs PAX):
 * octal fields zero-padded with a trailing NUL, empty user and group names, magic `ustar\0` `00`,
 * and the checksum as six digits, NUL, space.
 */
export function ustarHeader(entry: TarWriteEntry): Buffer {
  const block = Buffer.alloc(BLOCK);
  const split = splitUstarPath(entry.name);
  if (!split && Buffer.byteLength(entry.name) > NAME_SIZE) throw new TarError(`the tar entry name ${entry.name} needs PAX, which this writer does not write`);
  if (!isAscii(entry.name)) throw new TarError(`the tar entry name ${entry.name} is not ASCII, which needs PAX`);
  writeField(block, 0, NAME_SIZE, split ? split.name : entry.name);
  writeOctal(block, 100, 8, entry.mode);
  writeOctal(block, 108, 8, entry.uid);
  writeOctal(block, 116, 8, entry.gid);
  writeOctal(block, 124, 12, entry.type === 'file' ? (entry.data?.length ?? 0) : 0);
  writeOctal(block, 136, 12, entry.mtime);
  block[156] = entry.type === 'file' ? 0x30 : 0x35;
  block.write('ustar\u000000', 257, 'latin1');
  writeOctal(block, 329, 8, 0);
  writeOctal(block, 337, 8, 0);
  if (split) writeField(block, 345, PREFIX_SIZE, split.prefix);
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of block) sum += byte;
  writeOctal(block, 148, 7, sum);
  block[155] = 0x20;
  return block;
}

/** A whole tar as Go's archive/tar writes it: headers, data padded to 512 bytes, two zero blocks. */
export function writeTar(entries: readonly TarWriteEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    parts.push(ustarHeader(entry));
    const data = entry.type === 'file' ? entry.data : undefined;
    if (data && data.length > 0) {
      parts.push(Buffer.from(data.buffer, data.byteOffset, data.length));
      const padding = (BLOCK - (data.length % BLOCK)) % BLOCK;
      if (padding > 0) parts.push(Buffer.alloc(padding));
    }
  }
  parts.push(Buffer.alloc(2 * BLOCK));
  return Buffer.concat(parts);
}
