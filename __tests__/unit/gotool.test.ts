import { describe, expect, it } from '@jest/globals';
import path from 'node:path';
import { mainPackagePaths, mainPackagesHint } from '../../src/go/gotool.js';

describe('main packages go list found', () => {
  it('turns folders into ./relative paths', () => {
    expect(mainPackagePaths('/w/m/cmd/worker\n/w/m\n\n/w/m/cmd/api\n', '/w/m', path.posix)).toEqual(['.', './cmd/api', './cmd/worker']);
    expect(mainPackagePaths('C:\\w\\m\\cmd\\api\r\nC:\\w\\m\r\n', 'C:\\w\\m', path.win32)).toEqual(['.', './cmd/api']);
  });

  it.each([
    [[], 'the module has no main package'],
    [['./cmd/api', './cmd/worker'], 'main packages in the module: ./cmd/api, ./cmd/worker'],
    [Array.from({ length: 12 }, (_, i) => `./cmd/t${i}`), /: \.\/cmd\/t0, .*\.\/cmd\/t9, and 2 more$/],
  ])('%j', (found, hint) => {
    expect(mainPackagesHint(found)).toMatch(hint);
  });
});
