import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { InputError } from '../../src/errors.js';
import { templateValues } from '../../src/git.js';
import { checkTemplate, expandTemplate } from '../../src/templates.js';

const values = templateValues({ revision: 'abcdef0123456789abcdef0123456789abcdef01', epoch: 1767323045, version: '1.2.3' });

describe('ldflags templates', () => {
  it('derives the values from the commit', () => {
    expect(values).toEqual({ Version: '1.2.3', Commit: 'abcdef0123456789abcdef0123456789abcdef01', ShortCommit: 'abcdef0', Date: '2026-01-02T03:04:05Z' });
  });

  it.each([
    ['-X main.version={{.Version}}', '-X main.version=1.2.3'],
    ['-X main.commit={{ .ShortCommit }} -X main.date={{.Date}}', '-X main.commit=abcdef0 -X main.date=2026-01-02T03:04:05Z'],
    ['-X main.full={{.Commit}}', '-X main.full=abcdef0123456789abcdef0123456789abcdef01'],
    ['-X main.plain=1', '-X main.plain=1'],
  ])('expands %s', (template, expanded) => {
    checkTemplate('ldflags', template);
    expect(expandTemplate(template, values)).toBe(expanded);
  });

  it.each(['{{.Branch}}', '-X a={{.Version}', '-X a=}}', '{{Version}}'])('rejects %s naming the input', (template) => {
    expect(() => checkTemplate('ldflags', template)).toThrow(InputError);
    expect(() => checkTemplate('ldflags', template)).toThrow(/Input 'ldflags'.*Version, Commit, ShortCommit, Date/);
  });

  it('never throws anything but an InputError, and expands every accepted template fully', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        try {
          checkTemplate('ldflags', text);
        } catch (error) {
          expect(error).toBeInstanceOf(InputError);
          return;
        }
        expect(expandTemplate(text, values)).not.toMatch(/\{\{\s*\.\w+\s*\}\}/);
      }),
    );
  });
});
