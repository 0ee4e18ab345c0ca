import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { RunContext } from '../../src/github/event.js';
import { isValidTag } from '../../src/reference.js';
import { defaultPush, deriveTags, isNewestStable, parseSemVer, sanitizeTag, versionTags } from '../../src/image/tags.js';
import { contexts } from '../fixtures/run-context.js';

describe('deriveTags', () => {
  it.each<[string, () => RunContext, string[], string[]]>([
    ['push to the default branch', contexts.defaultBranch, [], ['main', 'sha-9a8b7c6']],
    ['push to another branch', () => contexts.otherBranch(), [], ['feature-login-form', 'sha-9a8b7c6']],
    ['pull request (head commit, not the merge commit)', contexts.pullRequest, [], ['pr-42', 'sha-0f1e2d3']],
    ['pull request from a fork', contexts.forkPullRequest, [], ['pr-43', 'sha-0f1e2d3']],
    ['v1.2.3 tag, first release', () => contexts.tag('v1.2.3'), [], ['1.2.3', '1.2', '1', 'latest', 'sha-9a8b7c6']],
    ['v1.2.3 tag, older releases published', () => contexts.tag('v1.2.3'), ['1.2.2', 'v1.1.0', '1.2.3-rc.1', 'latest', 'sha-0000000'], ['1.2.3', '1.2', '1', 'latest', 'sha-9a8b7c6']],
    ['v1.2.3 tag, a newer pre-release does not block latest', () => contexts.tag('v1.2.3'), ['2.0.0-beta.1'], ['1.2.3', '1.2', '1', 'latest', 'sha-9a8b7c6']],
    ['v1.2.3 tag re-run (1.2.3 already published)', () => contexts.tag('v1.2.3'), ['1.2.3', '1.2', '1'], ['1.2.3', '1.2', '1', 'latest', 'sha-9a8b7c6']],
    ['backport v1.1.5 after 1.2.0', () => contexts.tag('v1.1.5', null), ['1.2.0'], ['1.1.5', '1.1', '1', 'sha-9a8b7c6']],
    ['v1.3.0 tagged on a release branch', () => contexts.tag('v1.3.0', 'refs/heads/release-1.3'), [], ['1.3.0', '1.3', '1', 'sha-9a8b7c6']],
    ['pre-release tag', () => contexts.tag('v2.0.0-rc.1'), [], ['2.0.0-rc.1', 'sha-9a8b7c6']],
    ['tag with build metadata', () => contexts.tag('1.4.0+linux.7'), [], ['1.4.0_linux.7', '1.4', '1', 'latest', 'sha-9a8b7c6']],
    ['non-version tag', () => contexts.tag('nightly/2026-01-02'), [], ['nightly-2026-01-02', 'sha-9a8b7c6']],
  ])('%s', (_name, context, published, tags) => {
    expect(deriveTags(context(), published).tags).toEqual(tags);
  });

  it('says why latest was left out', () => {
    expect(deriveTags(contexts.tag('v2.0.0-rc.1')).latest).toMatch(/pre-release/);
    expect(deriveTags(contexts.tag('v1.1.5'), ['1.2.0']).latest).toMatch(/newer release/);
    expect(deriveTags(contexts.tag('v1.3.0', 'refs/heads/release-1.3')).latest).toMatch(/not on the default branch main/);
    expect(deriveTags(contexts.defaultBranch()).latest).toBeUndefined();
  });

  it('every derived tag is a valid OCI tag', () => {
    for (const make of [contexts.defaultBranch, contexts.pullRequest, () => contexts.otherBranch('dependabot/go_modules/golang.org/x/net-0.23.0'), () => contexts.tag('v0.1.0')]) {
      for (const tag of deriveTags(make()).tags) expect(isValidTag(tag)).toBe(true);
    }
  });
});

describe('versions', () => {
  it.each([
    ['v1.2.3', ['1.2.3', '1.2', '1']],
    ['0.4.1', ['0.4.1', '0.4', '0']],
    ['v1.2.3-alpha.1', ['1.2.3-alpha.1']],
  ])('%s', (text, tags) => {
    expect(versionTags(parseSemVer(text)!)).toEqual(tags);
  });

  it.each(['1.2', 'v01.2.3', 'release-1', 'v1.2.3.4', ''])('%s is not a version', (text) => {
    expect(parseSemVer(text)).toBeUndefined();
  });

  it.each<[string, string[], boolean]>([
    ['1.2.3', [], true],
    ['1.2.3', ['1.2.4'], false],
    ['1.10.0', ['1.9.9', 'v1.2.0'], true],
    ['2.0.0', ['10.0.0-rc.1', 'main', 'sha-1234567'], true],
    ['1.0.0-rc.1', [], false],
  ])('%s newest among %j: %s', (version, published, newest) => {
    expect(isNewestStable(parseSemVer(version)!, published)).toBe(newest);
  });
});

describe('sanitizeTag', () => {
  it.each([
    ['main', 'main'],
    ['feature/login-form', 'feature-login-form'],
    ['Fix_Bug#12', 'Fix_Bug-12'],
    ['.hidden', 'hidden'],
    ['--x', 'x'],
    ['a//b@@c', 'a-b-c'],
  ])('%s -> %s', (input, tag) => {
    expect(sanitizeTag(input)).toBe(tag);
  });

  it('gives a name with no usable characters a stable hashed tag', () => {
    expect(sanitizeTag('日本')).toMatch(/^ref-[0-9a-f]{8}$/);
    expect(sanitizeTag('日本')).toBe(sanitizeTag('日本'));
  });

  it('keeps two long names that share their first 128 characters apart', () => {
    const long = 'x'.repeat(200);
    expect(sanitizeTag(`${long}-a`)).toHaveLength(128);
    expect(sanitizeTag(`${long}-a`)).not.toBe(sanitizeTag(`${long}-b`));
  });

  it('always gives a valid OCI tag (property)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 300 }), fc.string({ unit: 'grapheme', maxLength: 200 }), fc.string({ unit: fc.constantFrom('.', '-', '/', '_', 'a', 'Z', '9', ' ', '+'), maxLength: 300 })), (text) => {
        expect(isValidTag(sanitizeTag(text))).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('leaves valid tags alone (property)', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/), (tag) => {
        expect(sanitizeTag(tag)).toBe(tag);
      }),
    );
  });
});

describe('defaultPush', () => {
  it.each<[string, boolean, () => RunContext]>([
    ['push to the default branch', true, contexts.defaultBranch],
    ['push to another branch', true, () => contexts.otherBranch()],
    ['pull request from a branch', true, contexts.pullRequest],
    ['pull request from a fork', false, contexts.forkPullRequest],
    ['Dependabot pull request', false, contexts.dependabotPullRequest],
    ['tag', true, () => contexts.tag('v1.2.3')],
  ])('%s: push %s', (_name, push, context) => {
    expect(defaultPush(context()).push).toBe(push);
  });
});
