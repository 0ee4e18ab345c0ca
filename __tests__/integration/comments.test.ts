import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { promises as fs } from 'node:fs';
import { commentWarning, upsertComment, type RetryPolicy, type UpsertOptions } from '../../src/github/comments.js';
import { commentDecision, readPullRequestContext } from '../../src/github/event.js';
import { commentMarker } from '../../src/report/comment.js';
import { writePullRequestEvent } from '../fixtures/pull-request-event.js';
import { GitHubApiDouble } from '../helpers/github-api.js';

const api = new GitHubApiDouble();
const waits: number[] = [];
const fastRetry: RetryPolicy = { attempts: 4, baseDelayMs: 5, maxDelayMs: 50, sleep: async (ms) => void waits.push(ms) };
const marker = commentMarker('127.0.0.1:5000/acme/hello');

async function options(body: string, extra: Partial<UpsertOptions> = {}): Promise<UpsertOptions> {
  const { env } = await writePullRequestEvent({ number: 7 });
  const pr = await readPullRequestContext(env);
  const decision = commentDecision('auto', pr);
  if (!decision.post) throw new Error('expected a pull request');
  return { token: 'ghs_test', apiUrl: `${api.url}/`, target: decision.target, marker, body: `${marker}\n${body}`, retry: fastRetry, ...extra };
}

beforeAll(async () => {
  await api.start();
});
afterAll(async () => {
  await api.stop();
});
beforeEach(() => {
  api.reset();
  waits.length = 0;
});

describe('sticky size comment against the GitHub API double', () => {
  it('creates the comment once, then updates the same comment in place', async () => {
    api.seed('acme', 'hello', 7, 3, (i) => `a human comment ${i}`);
    const first = await upsertComment(await options('size: 2.00 MiB'));
    expect(first.outcome).toBe('created');
    const second = await upsertComment(await options('size: 2.10 MiB'));
    expect(second).toMatchObject({ outcome: 'updated', id: (first as { id: number }).id });
    const third = await upsertComment(await options('size: 2.10 MiB'));
    expect(third.outcome).toBe('unchanged');

    const ours = api.commentsOn('acme', 'hello', 7).filter((c) => c.body.includes(marker));
    expect(ours).toHaveLength(1);
    expect(ours[0]!.body).toBe(`${marker}\nsize: 2.10 MiB`);
    expect(api.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /repos/acme/hello/issues/7/comments',
      'POST /repos/acme/hello/issues/7/comments',
      'GET /repos/acme/hello/issues/7/comments', // the look after creating
      'GET /repos/acme/hello/issues/7/comments',
      `PATCH /repos/acme/hello/issues/comments/${ours[0]!.id}`,
      'GET /repos/acme/hello/issues/7/comments',
    ]);
    expect(api.requests.every((r) => r.authorization === 'token ghs_test')).toBe(true);
  });

  it.each([2, 3])('%d runs that list at the same moment leave one comment, with the last content written', async (runs) => {
    api.seed('acme', 'hello', 7, 2, (i) => `a human comment ${i}`);
    api.modes.listBarrier = runs;
    const bodies = Array.from({ length: runs }, (_, i) => `size report of run ${i}`);
    const results = await Promise.all(bodies.map(async (body) => upsertComment(await options(body))));

    expect(api.requests.filter((r) => r.method === 'POST')).toHaveLength(runs); // every run did create one
    const ours = api.commentsOn('acme', 'hello', 7).filter((c) => c.body.includes(marker));
    expect(ours).toHaveLength(1);
    const lastWrite = api.requests.filter((r) => (r.method === 'POST' || r.method === 'PATCH') && r.status < 300).at(-1)!;
    expect(ours[0]!.body).toBe(lastWrite.body);
    expect(results.map((r) => (r as { id: number }).id)).toEqual(Array(runs).fill(ours[0]!.id));
    expect(api.commentsOn('acme', 'hello', 7).filter((c) => c.body.startsWith('a human comment'))).toHaveLength(2);

    // A later run finds the one comment and edits it.
    const later = await upsertComment(await options('size report of a later push'));
    expect(later).toMatchObject({ outcome: 'updated', id: ours[0]!.id });
    expect(api.commentsOn('acme', 'hello', 7).filter((c) => c.body.includes(marker)).map((c) => c.body)).toEqual([`${marker}\nsize report of a later push`]);
  });

  it('folds duplicates an earlier race left into the oldest one', async () => {
    const [oldest] = api.seed('acme', 'hello', 7, 4, (i) => (i === 1 ? 'a human comment' : `${marker}\nreport ${i}`));
    const result = await upsertComment(await options('report now'));
    expect(result).toMatchObject({ outcome: 'updated', id: oldest!.id });
    expect(api.commentsOn('acme', 'hello', 7).map((c) => c.body)).toEqual([`${marker}\nreport now`, 'a human comment']);
    expect(api.requests.filter((r) => r.method === 'DELETE')).toHaveLength(2);
  });

  it('pages through the comments until the marker, found on page 3', async () => {
    api.seed('acme', 'hello', 7, 250, (i) => (i === 230 ? `${marker}\nold report` : `comment ${i}`));
    const result = await upsertComment(await options('new report'));
    expect(result.outcome).toBe('updated');
    expect(api.requests.filter((r) => r.method === 'GET').map((r) => r.query)).toEqual([
      { per_page: '100', page: '1' },
      { per_page: '100', page: '2' },
      { per_page: '100', page: '3' },
    ]);
    expect(api.commentsOn('acme', 'hello', 7)[230]!.body).toBe(`${marker}\nnew report`);
    expect(api.commentsOn('acme', 'hello', 7)).toHaveLength(250);
  });

  it('stops at the last page and creates the comment when no page has the marker', async () => {
    api.seed('acme', 'hello', 7, 45);
    const result = await upsertComment(await options('report', { perPage: 20 }));
    expect(result.outcome).toBe('created');
    const post = api.requests.findIndex((r) => r.method === 'POST');
    expect(api.requests.slice(0, post).filter((r) => r.method === 'GET')).toHaveLength(3);
    expect(api.requests.slice(post + 1).filter((r) => r.method === 'GET')).toHaveLength(3); // the look after creating
  });

  it('retries 502 answers with backoff', async () => {
    api.modes.badGateway = 2;
    const result = await upsertComment(await options('report'));
    expect(result.outcome).toBe('created');
    expect(api.requests.map((r) => r.status)).toEqual([502, 502, 200, 201, 200]);
    expect(waits).toEqual([5, 10]);
  });

  it.each([429, 403] as const)('waits out a %d rate limit for as long as retry-after says', async (status) => {
    api.modes.rateLimit = { count: 1, status, retryAfterSeconds: 0 };
    const result = await upsertComment(await options('report'));
    expect(result.outcome).toBe('created');
    expect(api.requests.map((r) => r.status)).toEqual([status, 200, 201, 200]);
    expect(waits).toEqual([0]);
  });

  it('gives up after the last attempt with an error that names the pull request', async () => {
    api.modes.badGateway = 10;
    await expect(upsertComment(await options('report'))).rejects.toThrow(/acme\/hello#7 .*502/s);
    expect(api.requests).toHaveLength(4);
  });

  it('returns a warning result, not an error, when the token cannot write (fork)', async () => {
    api.modes.forbidWrites = true;
    const result = await upsertComment(await options('report'));
    expect(result).toMatchObject({ outcome: 'forbidden', status: 403 });
    if (result.outcome !== 'forbidden') throw new Error('unreachable');
    expect(result.message).toContain('Resource not accessible by integration');
    expect(commentWarning(result, true)).toMatch(/^The size comment was not posted: pull requests from forks get a read-only token\. The report is in the job summary\./);
    expect(api.comments).toHaveLength(0);
  });

  it('returns not-found for an issue the API does not know', async () => {
    const result = await upsertComment({ ...(await options('report')), target: { owner: 'acme', repo: 'hello', issueNumber: 7 }, apiUrl: `${api.url}/nope` });
    expect(result).toMatchObject({ outcome: 'not-found', status: 404 });
  });

  it("comments on GITHUB_REPOSITORY's pull request when the payload does not name the base repository", async () => {
    const { env, file } = await writePullRequestEvent({ number: 8 });
    const event = JSON.parse(await fs.readFile(file, 'utf8')) as { pull_request: { base: { repo: Record<string, unknown> } }; repository: Record<string, unknown> };
    for (const repo of [event.pull_request.base.repo, event.repository]) for (const field of ['name', 'owner', 'full_name']) Reflect.deleteProperty(repo, field);
    await fs.writeFile(file, JSON.stringify(event));
    const decision = commentDecision('auto', await readPullRequestContext(env));
    if (!decision.post) throw new Error('the pull request was not found');
    expect(decision.target).toMatchObject({ owner: 'acme', repo: 'hello', issueNumber: 8, fork: false });
    const result = await upsertComment({ ...(await options('report')), target: decision.target });
    expect(result.outcome).toBe('created');
    expect(api.commentsOn('acme', 'hello', 8)).toHaveLength(1);
  });
});
