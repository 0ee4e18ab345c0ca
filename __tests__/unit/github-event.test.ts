import { describe, expect, it } from '@jest/globals';
import { retryDelay, hasNextPage, DEFAULT_RETRY } from '../../src/github/comments.js';
import { commentDecision, findPullRequest, pullRequestFromEvent, readRunContext, type RunContext } from '../../src/github/event.js';
import { pullRequestEvent, writePullRequestEvent } from '../fixtures/pull-request-event.js';
import { contexts, PR_HEAD_SHA, PUSH_SHA } from '../fixtures/run-context.js';

describe('pull_request event', () => {
  it('reads the PR of a branch in the same repository', () => {
    expect(pullRequestFromEvent('pull_request', pullRequestEvent({ number: 12 }))).toEqual({
      owner: 'acme',
      repo: 'hello',
      issueNumber: 12,
      fork: false,
      baseRef: 'main',
      headSha: '0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c',
    });
  });

  it('knows a fork, including a deleted one', () => {
    expect(pullRequestFromEvent('pull_request', pullRequestEvent({ fork: true }))?.fork).toBe(true);
    const deleted = pullRequestEvent({ fork: true });
    (deleted.pull_request.head as { repo: unknown }).repo = null;
    expect(pullRequestFromEvent('pull_request', deleted)?.fork).toBe(true);
  });

  it('is not a PR on push', () => {
    expect(pullRequestFromEvent('push', pullRequestEvent())).toBeUndefined();
    expect(pullRequestFromEvent(undefined, {})).toBeUndefined();
  });

  it.each([
    ['auto', true, false, { post: true }],
    ['auto', false, false, { post: false }],
    ['always', false, false, { post: false, warning: expect.stringContaining('not for a pull request') }],
    ['never', true, false, { post: false }],
    ['always', true, true, { post: false }],
  ] as const)('comment: %s (PR %s, matrix leg %s)', (mode, hasPr, leg, decision) => {
    const pr = hasPr ? pullRequestFromEvent('pull_request', pullRequestEvent()) : undefined;
    expect(commentDecision(mode, pr, leg)).toMatchObject(decision);
  });
});

describe('pull_request payloads that lack the base repository', () => {
  /** A real-shaped payload with fields of the base repository removed, as some runners send it. */
  const payload = (strip: (event: ReturnType<typeof pullRequestEvent>) => void) => {
    const event = structuredClone(pullRequestEvent({ number: 9 }));
    strip(event);
    return event;
  };
  const noName = (e: ReturnType<typeof pullRequestEvent>) => {
    for (const repo of [e.pull_request.base.repo, e.repository] as Array<Partial<typeof e.repository>>) {
      delete repo.name;
      delete repo.owner;
    }
  };
  const noRepository = (e: ReturnType<typeof pullRequestEvent>) => {
    noName(e);
    for (const repo of [e.pull_request.base.repo, e.repository] as Array<Partial<typeof e.repository>>) delete repo.full_name;
  };

  it.each<[string, (e: ReturnType<typeof pullRequestEvent>) => void, string | undefined, { owner: string; repo: string } | undefined]>([
    ['no name/owner.login: full_name', noName, undefined, { owner: 'acme', repo: 'hello' }],
    ['no repository at all: GITHUB_REPOSITORY', noRepository, 'acme/hello', { owner: 'acme', repo: 'hello' }],
    ['the payload wins over GITHUB_REPOSITORY', () => undefined, 'someone/else', { owner: 'acme', repo: 'hello' }],
    ['no repository and no GITHUB_REPOSITORY', noRepository, undefined, undefined],
    ['no repository and a malformed GITHUB_REPOSITORY', noRepository, 'acme', undefined],
  ])('%s', (_name, strip, repository, expected) => {
    const found = findPullRequest('pull_request', payload(strip), repository);
    if (expected) {
      expect(found).toEqual({ pullRequest: expect.objectContaining({ ...expected, issueNumber: 9, fork: false }) });
    } else {
      expect(found.pullRequest).toBeUndefined();
      expect(found.problem).toMatch(/^This is a pull_request run, but neither the event payload \(pull_request.base.repo\) nor GITHUB_REPOSITORY \(".*"\) names the repository, so the pull request is unknown: no pr-<N> tag, no size comment/);
    }
  });

  it.each<[string, string, object]>([
    ['no pull_request in the payload', 'pull_request_target', {}],
    ['no number', 'pull_request', payload((e) => {
      delete (e.pull_request as Partial<typeof e.pull_request>).number;
      delete (e as Partial<typeof e>).number;
    })],
  ])('a pull-request run with %s has a problem to warn about', (_name, eventName, event) => {
    const found = findPullRequest(eventName, event, 'acme/hello');
    expect(found.pullRequest).toBeUndefined();
    expect(found.problem).toContain(`This is a ${eventName} run, but the event payload`);
  });

  it('other events have no pull request and nothing to warn about', () => {
    expect(findPullRequest('push', {}, 'acme/hello')).toEqual({});
    expect(findPullRequest(undefined, {}, 'acme/hello')).toEqual({});
  });

  it('readRunContext warns once when a pull-request run cannot find its pull request', async () => {
    const { env } = await writePullRequestEvent({ number: 7 });
    const warnings: string[] = [];
    const lost = await readRunContext({ ...env, GITHUB_EVENT_PATH: '/nonexistent/event.json' }, (m) => warnings.push(m));
    expect(lost.pullRequest).toBeUndefined();
    expect(warnings).toEqual([expect.stringContaining('has no pull_request')]);
    warnings.length = 0;
    expect((await readRunContext(env, (m) => warnings.push(m))).pullRequest?.issueNumber).toBe(7);
    expect(warnings).toEqual([]);
  });
});

describe('retries', () => {
  const error = (status: number, headers: Record<string, string> = {}) => ({ status, message: 'x', response: { headers } });
  it.each([
    ['a 502', error(502), 1, 1000],
    ['a 502, third try', error(502), 3, 4000],
    ['a 429 with retry-after', error(429, { 'retry-after': '7' }), 1, 7000],
    ['a secondary rate limit (403 + retry-after)', error(403, { 'retry-after': '3' }), 1, 3000],
    ['a primary rate limit (403, none remaining)', error(403, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '1010' }), 1, 10_000],
    ['an hour-long rate limit, capped', error(403, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '4600' }), 1, 60_000],
    ['a network error', new Error('ECONNRESET'), 2, 2000],
    ['a plain 403', error(403), 1, undefined],
    ['a 404', error(404), 1, undefined],
    ['a 422', error(422), 1, undefined],
  ])('%s', (_name, err, attempt, delay) => {
    expect(retryDelay(err, attempt, DEFAULT_RETRY, 1_000_000)).toBe(delay);
  });

  it('follows rel="next" in a Link header', () => {
    expect(hasNextPage('<https://api.github.com/repositories/1/issues/7/comments?page=2>; rel="next", <https://api.github.com/repositories/1/issues/7/comments?page=3>; rel="last"')).toBe(true);
    expect(hasNextPage('<https://api.github.com/x?page=1>; rel="prev", <https://api.github.com/x?page=1>; rel="first"')).toBe(false);
    expect(hasNextPage(undefined)).toBe(false);
  });
});

describe('run context', () => {
  it.each<[string, () => RunContext, Partial<RunContext>]>([
    ['branch push', contexts.defaultBranch, { eventName: 'push', ref: 'refs/heads/main', sha: PUSH_SHA, defaultBranch: 'main', runId: '12345678901' }],
    ['pull request: the head commit, not the merge commit', contexts.pullRequest, { ref: 'refs/pull/42/merge', sha: PR_HEAD_SHA, defaultBranch: 'main' }],
    ['tag at the default branch head', () => contexts.tag('v1.0.0'), { tagOnDefaultBranch: true }],
    ['tag at another branch head', () => contexts.tag('v1.0.0', 'refs/heads/release-1.0'), { tagOnDefaultBranch: false }],
  ])('%s', (_name, context, expected) => {
    expect(context()).toMatchObject(expected);
  });

  it('does not know where a tag not at a branch head is', () => {
    expect(contexts.tag('v1.0.0', null).tagOnDefaultBranch).toBeUndefined();
  });

  it('reads GITHUB_EVENT_PATH, and survives a missing payload', async () => {
    const { env } = await writePullRequestEvent({ number: 7, fork: true });
    expect(await readRunContext({ ...env, GITHUB_RUN_ID: '1' })).toMatchObject({ pullRequest: { issueNumber: 7, fork: true }, defaultBranch: 'main', sha: PR_HEAD_SHA });
    expect(await readRunContext({ GITHUB_EVENT_PATH: '/nonexistent/event.json', GITHUB_REF: 'refs/heads/x', GITHUB_SHA: PUSH_SHA })).toMatchObject({ ref: 'refs/heads/x', defaultBranch: '' });
  });
});
