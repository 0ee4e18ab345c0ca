import { describe, expect, it } from '@jest/globals';
import { cgoFilesIn, cgoMessage, excludedPackageDirs, explainCgoFailure, importsC } from '../../src/go/cgo.js';

describe('cgo detection', () => {
  it.each<[string, string, boolean]>([
    ['import "C" after a preamble', 'package main\n\n/*\n#include <stdio.h>\n*/\nimport "C"\n\nfunc main() {}\n', true],
    ['"C" in an import block', 'package x\n\nimport (\n\t"fmt"\n\t"C"\n)\n', true],
    ['no cgo', 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("C") }\n', false],
    ['"C" only in a comment', 'package main\n\n// import "C" is what we avoid\nimport "os"\n', false],
    ['"C" only in a block comment', 'package main\n\n/*\nimport "C"\n*/\nimport "os"\n', false],
    ['a package named C', 'package main\n\nimport "example.com/C"\n', false],
  ])('%s', (_name, source, expected) => {
    expect(importsC(source)).toBe(expected);
  });

  it('reads the folders Go names, once each', () => {
    const text =
      'package example.com/app/cmd/app\n\timports example.com/app/dep: build constraints exclude all Go files in /src/app/dep\n' +
      'package example.com/app: build constraints exclude all Go files in /src/app\n(build constraints exclude all Go files in /src/app).';
    expect(excludedPackageDirs(text)).toEqual(['/src/app/dep', '/src/app']);
    expect(excludedPackageDirs('undefined: foo')).toEqual([]);
  });

  it('lists the cgo files of a folder, not its tests or other files', () => {
    const files: Record<string, string> = {
      'sqlite.go': 'package s\n// #include <sqlite3.h>\nimport "C"\n',
      'sqlite_test.go': 'package s\nimport "C"\n',
      'doc.go': 'package s\n',
      'README.md': 'import "C"',
    };
    expect(cgoFilesIn('/pkg', () => Object.keys(files), (file) => files[file.replace('/pkg/', '')]!)).toEqual(['sqlite.go']);
    expect(cgoFilesIn('/nonexistent/folder')).toEqual([]);
  });

  it('says what needs cgo and what to do, with Go own words after', () => {
    const message = cgoMessage([{ dir: '/src/app/dep', cgoFiles: ['a.go', 'b.go'] }], 'go list failed: build constraints exclude all Go files in /src/app/dep');
    expect(message).toMatch(/^The program needs cgo: every Go file of \/src\/app\/dep \(a\.go, b\.go\) has import "C", and this action builds static binaries with CGO_ENABLED=0/);
    expect(message).toContain('pure-Go package instead');
    expect(message).toContain('//go:build !cgo');
    expect(message).toContain('dockerfile: input');
    expect(message.endsWith('go list failed: build constraints exclude all Go files in /src/app/dep')).toBe(true);
  });

  it('leaves other constraint failures alone (a folder without cgo files)', () => {
    expect(explainCgoFailure('build constraints exclude all Go files in /nonexistent/folder')).toBeUndefined();
    expect(explainCgoFailure('some other error')).toBeUndefined();
  });
});
