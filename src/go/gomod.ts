/** What the action needs from a go.mod: the module path and the Go versions it asks for. */
export interface GoMod {
  module: string;
  /** The `go` line, e.g. `1.22` or `1.22.3`. */
  go?: string;
  /** The `toolchain` line without its `go` prefix, e.g. `1.23.4`. */
  toolchain?: string;
}

export class GoModError extends Error {
  constructor(readonly file: string, reason: string) {
    super(`${file}: ${reason}`);
    this.name = 'GoModError';
  }
}

const GO_VERSION = /^1(?:\.(?:0|[1-9][0-9]*)){1,2}(?:(?:rc|beta)[0-9]+)?$/;

function stripComment(line: string): string {
  const index = line.indexOf('//');
  return (index >= 0 ? line.slice(0, index) : line).trim();
}

function unquote(text: string): string {
  return text.startsWith('"') || text.startsWith('`') ? text.slice(1, -1) : text;
}

/** Parses the directives the action reads from go.mod (or go.work, which has the same `go`/`toolchain` lines). */
export function parseGoMod(content: string, file = 'go.mod'): GoMod {
  let module = '';
  let go: string | undefined;
  let toolchain: string | undefined;
  for (const raw of content.split(/\r?\n/)) {
    const line = stripComment(raw);
    const [verb, ...args] = line.split(/\s+/);
    if (verb === 'module' && args.length > 0) module = unquote(args[0]!);
    if (verb === 'go') {
      if (args.length !== 1 || !GO_VERSION.test(args[0]!)) throw new GoModError(file, `invalid go line "${line}" (expected e.g. "go 1.22" or "go 1.22.3")`);
      go = args[0];
    }
    if (verb === 'toolchain') {
      const name = args[0] ?? '';
      const version = name.replace(/^go/, '').replace(/\+.*$/, '');
      if (args.length !== 1 || !name.startsWith('go') || !GO_VERSION.test(version)) {
        throw new GoModError(file, `invalid toolchain line "${line}" (expected e.g. "toolchain go1.22.3")`);
      }
      toolchain = version;
    }
  }
  if (!module && !file.endsWith('go.work')) throw new GoModError(file, 'no module directive');
  return { module, ...(go ? { go } : {}), ...(toolchain ? { toolchain } : {}) };
}

/** `v2`, `v10`: a major-version suffix of a module path (not `v0`, `v1`, `v01`). */
function isMajorVersionElement(element: string): boolean {
  return /^v[1-9][0-9]*$/.test(element) && element !== 'v1';
}

/**
 * The import path of the main package `go build` is given, as it would see it: `.` and `./cmd/api`
 * are folders of the module at `modulePath`; anything else is an import path already.
 */
export function mainImportPath(modulePath: string, mainPackage: string): string {
  const parts = mainPackage.split(/[\\/]+/);
  if (parts[0] !== '.') return parts.join('/');
  const rest = parts.slice(1).filter((part) => part !== '' && part !== '.');
  return [modulePath, ...rest].join('/');
}

/**
 * The file name `go build` gives the binary of the package at `importPath`: the path's last element,
 * or the one before it when the last is a major-version suffix (`example.com/tool/v2` → `tool`).
 */
export function goBinaryName(importPath: string): string {
  const elements = importPath.split('/').filter(Boolean);
  const last = elements.at(-1) ?? '';
  if (elements.length > 1 && isMajorVersionElement(last)) return elements.at(-2)!;
  return last;
}
