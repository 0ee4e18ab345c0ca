import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Go's answer when every file of a package is excluded by build constraints. With CGO_ENABLED=0
 * (how the action builds) a package whose files all `import "C"` ends up so.
 */
const EXCLUDED = /build constraints exclude all Go files in (\S+)/g;

/** A package folder whose Go files all need cgo. */
export interface CgoPackage {
  dir: string;
  /** The files that `import "C"`, by name. */
  cgoFiles: string[];
}

/** The folders a `build constraints exclude all Go files in <dir>` error names (pure). */
export function excludedPackageDirs(text: string): string[] {
  // The folder may end a sentence another message wraps it in (`… in /src/app).`).
  return [...new Set([...text.matchAll(EXCLUDED)].map((match) => match[1]!.replace(/[).,;:]+$/, '')))];
}

/** Whether Go source imports "C", alone (`import "C"`) or in an import block (pure). */
export function importsC(source: string): boolean {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/[^\n]*/g, '');
  return /^\s*import\s+"C"/m.test(code) || /^\s*import\s*\([^)]*^\s*"C"\s*$/m.test(code);
}

/** The files of `dir` that import "C" (tests excluded); empty when there are none or it cannot be read. */
export function cgoFilesIn(dir: string, readDir = (d: string) => readdirSync(d), readFile = (f: string) => readFileSync(f, 'utf8')): string[] {
  try {
    return readDir(dir)
      .filter((name) => name.endsWith('.go') && !name.endsWith('_test.go'))
      .filter((name) => importsC(readFile(path.join(dir, name))))
      .sort();
  } catch {
    return [];
  }
}

/** The message for a program that needs cgo (pure). */
export function cgoMessage(packages: readonly CgoPackage[], detail: string): string {
  const listed = packages.map((p) => `${p.dir} (${p.cgoFiles.join(', ')})`).join('; ');
  return (
    `The program needs cgo: every Go file of ${listed} has import "C", and this action builds static binaries with CGO_ENABLED=0, ` +
    'which leaves such a package with no files.\n' +
    'What to do: use a pure-Go package instead (for example modernc.org/sqlite for github.com/mattn/go-sqlite3), ' +
    'give the package a version without cgo (a file with //go:build !cgo), ' +
    'or build with your own Dockerfile (dockerfile: input) that installs a C toolchain and a libc for each platform.\n' +
    detail
  );
}

/**
 * The cgo explanation of a Go error, or undefined when it is not one: each folder Go says has no
 * buildable files is checked for files that import "C".
 */
export function explainCgoFailure(errorText: string): string | undefined {
  const packages = excludedPackageDirs(errorText)
    .map((dir) => ({ dir, cgoFiles: cgoFilesIn(dir) }))
    .filter((p) => p.cgoFiles.length > 0);
  return packages.length > 0 ? cgoMessage(packages, errorText) : undefined;
}
