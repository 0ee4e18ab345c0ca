import { describe, expect, it } from '@jest/globals';
import { goBinaryName, GoModError, mainImportPath, parseGoMod } from '../../src/go/gomod.js';

describe('parseGoMod', () => {
  it.each([
    ['module example.com/a\n\ngo 1.22\n', { module: 'example.com/a', go: '1.22' }],
    ['module "example.com/a" // quoted\ngo 1.22.3\ntoolchain go1.23.4\n', { module: 'example.com/a', go: '1.22.3', toolchain: '1.23.4' }],
    ['// comment\nmodule example.com/a\r\ngo 1.21rc2\r\n', { module: 'example.com/a', go: '1.21rc2' }],
    ['module example.com/a\nrequire (\n\tgolang.org/x/text v0.1.0\n)\n', { module: 'example.com/a' }],
  ])('%j', (content, parsed) => {
    expect(parseGoMod(content)).toEqual(parsed);
  });

  it('reads go.work files, which have no module line', () => {
    expect(parseGoMod('go 1.23\n\nuse ./a\n', 'go.work')).toEqual({ module: '', go: '1.23' });
    expect(parseGoMod('go 1.23\ntoolchain go1.24.1\nuse ./a\n', 'go.work')).toEqual({ module: '', go: '1.23', toolchain: '1.24.1' });
  });

  it('drops a toolchain suffix such as +auto', () => {
    expect(parseGoMod('module a\ngo 1.22\ntoolchain go1.23.4+auto\n')).toEqual({ module: 'a', go: '1.22', toolchain: '1.23.4' });
  });

  it.each(['go 1.22\n', 'module a\ngo one\n', 'module a\ngo 1.22 1.23\n', 'module a\ntoolchain 1.22\n'])('rejects %j', (content) => {
    expect(() => parseGoMod(content)).toThrow(GoModError);
  });
});

describe('the binary name go build gives', () => {
  it.each([
    ['example.com/hello', '.', 'example.com/hello', 'hello'],
    ['example.com/hello', './cmd/api', 'example.com/hello/cmd/api', 'api'],
    ['example.com/hello', './cmd/api/', 'example.com/hello/cmd/api', 'api'],
    ['example.com/hello', '.\\cmd\\api', 'example.com/hello/cmd/api', 'api'],
    // A major-version suffix is skipped, as go build does (golang.org/issue/24667).
    ['github.com/caddyserver/caddy/v2', './cmd/caddy', 'github.com/caddyserver/caddy/v2/cmd/caddy', 'caddy'],
    ['github.com/acme/tool/v2', '.', 'github.com/acme/tool/v2', 'tool'],
    ['github.com/acme/tool/v10', '.', 'github.com/acme/tool/v10', 'tool'],
    // ... but not v0, v1 or a leading zero, and not a module path of one element.
    ['github.com/acme/v1', '.', 'github.com/acme/v1', 'v1'],
    ['github.com/acme/v01', '.', 'github.com/acme/v01', 'v01'],
    ['v2', '.', 'v2', 'v2'],
    ['gopkg.in/yaml.v3', '.', 'gopkg.in/yaml.v3', 'yaml.v3'],
    // Not a folder: an import path as it is.
    ['example.com/hello', 'example.com/other/cmd/x', 'example.com/other/cmd/x', 'x'],
  ])('module %s, main %s: %s -> %s', (module, main, importPath, name) => {
    expect(mainImportPath(module, main)).toBe(importPath);
    expect(goBinaryName(importPath)).toBe(name);
  });
});
