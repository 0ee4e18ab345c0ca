/**
 * The build information every Go binary since 1.18 carries in its `.go.buildinfo` section, `-s -w`
 * or not: the Go version and the module list that `go version -m` prints (debug/buildinfo's format).
 */

export interface BuildInfo {
  goVersion: string;
  /** Import path of the main package (`path` line). */
  path: string;
  mainModule: string;
  /** The main module's version (`(devel)` unless built from a module version) and go.sum hash, when recorded. */
  mainVersion?: string;
  mainSum?: string;
  /** `sum` is the go.sum hash (`h1:…`) of the module as used (the replacement's, when replaced). */
  deps: { path: string; version: string; sum?: string; replacedBy?: string; replacementSum?: string }[];
  settings: Record<string, string>;
}

export class BuildInfoError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BuildInfoError';
  }
}

/** The output of `go version -m <binary>`, or the module text stored in a binary (lines without the tab). */
export function parseBuildInfo(text: string): BuildInfo {
  const info: BuildInfo = { goVersion: '', path: '', mainModule: '', deps: [], settings: {} };
  for (const line of text.split('\n')) {
    const header = /^\S.*:\s+(go\S+)$/.exec(line);
    if (header) {
      info.goVersion = header[1]!;
      continue;
    }
    const fields = line.replace(/^\t/, '').split('\t');
    const [key, a, b, c] = fields;
    if (key === 'path' && a) info.path = a;
    else if (key === 'mod' && a) {
      info.mainModule = a;
      if (b) info.mainVersion = b;
      if (c) info.mainSum = c;
    } else if (key === 'dep' && a) info.deps.push({ path: a, version: b ?? '', ...(c ? { sum: c } : {}) });
    else if (key === '=>' && a && info.deps.length > 0) {
      const dep = info.deps[info.deps.length - 1]!;
      dep.replacedBy = b ? `${a} ${b}` : a;
      if (c) dep.replacementSum = c;
    }
    else if (key === 'build' && a) {
      const equals = a.indexOf('=');
      if (equals > 0) info.settings[a.slice(0, equals)] = a.slice(equals + 1);
    }
  }
  return info;
}

const MAGIC = Buffer.from('\xff Go buildinf:', 'latin1');
const HEADER_SIZE = 32;
const FLAG_INLINE_STRINGS = 0x2;
/** runtime/debug wraps the module text in 16 sentinel bytes on each side. */
const SENTINEL_SIZE = 16;

/**
 * Reads the build information blob: the 14-byte magic, the pointer size, a flags byte, padding to
 * 32 bytes, then (Go 1.18+, flag bit 1) two varint-length-prefixed strings, the Go version and the
 * module text. `blob` is the `.go.buildinfo` section or any bytes starting at the magic.
 */
export function readBuildInfo(blob: Buffer): BuildInfo {
  if (blob.length < HEADER_SIZE || !blob.subarray(0, MAGIC.length).equals(MAGIC)) throw new BuildInfoError('no Go build information (the binary was not built by Go, or it was rewritten)');
  const flags = blob[MAGIC.length + 1]!;
  if ((flags & FLAG_INLINE_STRINGS) === 0) throw new BuildInfoError('the build information predates Go 1.18 (it holds pointers, not strings); module attribution reads Go 1.18 and later');
  let at = HEADER_SIZE;
  const field = (): Buffer => {
    let length = 0;
    for (let shift = 0; ; shift += 7) {
      const byte = blob[at++];
      if (byte === undefined || shift > 28) throw new BuildInfoError('truncated build information');
      length += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) break;
    }
    if (at + length > blob.length) throw new BuildInfoError('truncated build information');
    const bytes = blob.subarray(at, at + length);
    at += length;
    return bytes;
  };
  const goVersion = field().toString('utf8');
  const modules = field();
  const wrapped = modules.length >= 2 * SENTINEL_SIZE + 1 && modules[modules.length - SENTINEL_SIZE - 1] === 0x0a;
  const text = (wrapped ? modules.subarray(SENTINEL_SIZE, modules.length - SENTINEL_SIZE) : modules).toString('utf8');
  return { ...parseBuildInfo(text), goVersion };
}
