import { describe, expect, it } from '@jest/globals';
import { GoModError, parseGoMod } from '../../src/go/gomod.js';

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
