import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One comment as the double stores it. */
export interface StoredComment {
  id: number;
  owner: string;
  repo: string;
  issueNumber: number;
  body: string;
  createdAt: string;
  updatedAt: string;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  authorization?: string;
  /** The `body` field of a create or update. */
  body?: string;
  status: number;
}

export interface GitHubApiModes {
  /** Answer writes (POST/PATCH) with 403 "Resource not accessible by integration", as for a fork's token. */
  forbidWrites?: boolean;
  /** Answer the next N requests with 502 Bad Gateway. */
  badGateway?: number;
  /** Answer the next N requests with a rate limit: 429, or 403 secondary limit, with `retry-after`. */
  rateLimit?: { count: number; status: 429 | 403; retryAfterSeconds: number };
  /**
   * Hold the first N comment lists until N have arrived, then answer them all from the same
   * (empty) state: two runs racing, both sure no comment exists yet.
   */
  listBarrier?: number;
}

/**
 * A GitHub REST API double for issue comments on 127.0.0.1 (random port): list with
 * per_page/page and a real `Link` header, create, update, delete; the JSON shapes and error bodies are
 * GitHub's. It records every request and can be seeded with any number of comments.
 */
export class GitHubApiDouble {
  readonly requests: RecordedRequest[] = [];
  readonly comments: StoredComment[] = [];
  modes: GitHubApiModes = {};
  private nextId = 1_000_000;
  /** Lists held by `listBarrier`, answered together. */
  private held: Array<() => void> = [];
  private server?: http.Server;
  url = '';
  /** Seconds since epoch for timestamps; fixed so bodies are deterministic. */
  private clock = Date.parse('2026-01-02T03:04:05Z');

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => this.handle(req, Buffer.concat(chunks).toString('utf8'), res));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }

  /** Adds `count` comments (bodies from `body(i)`) to an issue, oldest first. */
  seed(owner: string, repo: string, issueNumber: number, count: number, body: (i: number) => string = (i) => `comment ${i}`): StoredComment[] {
    return Array.from({ length: count }, (_, i) => this.add(owner, repo, issueNumber, body(i)));
  }

  commentsOn(owner: string, repo: string, issueNumber: number): StoredComment[] {
    return this.comments.filter((c) => c.owner === owner && c.repo === repo && c.issueNumber === issueNumber);
  }

  reset(): void {
    this.requests.length = 0;
    this.comments.length = 0;
    this.modes = {};
    this.held = [];
  }

  private add(owner: string, repo: string, issueNumber: number, body: string): StoredComment {
    const at = new Date((this.clock += 1000)).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const comment = { id: this.nextId++, owner, repo, issueNumber, body, createdAt: at, updatedAt: at };
    this.comments.push(comment);
    return comment;
  }

  private json(comment: StoredComment): Record<string, unknown> {
    const repoUrl = `${this.url}/repos/${comment.owner}/${comment.repo}`;
    return {
      url: `${repoUrl}/issues/comments/${comment.id}`,
      html_url: `https://github.example/${comment.owner}/${comment.repo}/pull/${comment.issueNumber}#issuecomment-${comment.id}`,
      issue_url: `${repoUrl}/issues/${comment.issueNumber}`,
      id: comment.id,
      node_id: `IC_kwDO${comment.id.toString(36)}`,
      user: { login: 'github-actions[bot]', id: 41898282, type: 'Bot', site_admin: false },
      created_at: comment.createdAt,
      updated_at: comment.updatedAt,
      author_association: 'NONE',
      body: comment.body,
      reactions: { url: `${repoUrl}/issues/comments/${comment.id}/reactions`, total_count: 0 },
      performed_via_github_app: null,
    };
  }

  /** `held` is the record of a request the barrier held back: answered now, recorded once. */
  private handle(req: http.IncomingMessage, rawBody: string, res: http.ServerResponse, held?: RecordedRequest): void {
    const url = new URL(req.url ?? '/', this.url);
    const record: RecordedRequest = held ?? {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
      ...(rawBody && (req.method === 'POST' || req.method === 'PATCH') ? { body: (JSON.parse(rawBody) as { body?: string }).body } : {}),
      status: 0,
    };
    if (!held) this.requests.push(record);
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      record.status = status;
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'x-github-api-version-selected': '2022-11-28', 'x-ratelimit-limit': '5000', 'x-ratelimit-remaining': '4999', ...headers });
      res.end(body === undefined ? '' : JSON.stringify(body));
    };
    const docs = 'https://docs.github.com/rest/issues/comments';

    if (this.modes.badGateway && this.modes.badGateway > 0) {
      this.modes.badGateway--;
      record.status = 502;
      res.writeHead(502, { 'content-type': 'text/html' });
      res.end('<html><body><h1>502 Bad Gateway</h1></body></html>');
      return;
    }
    const limit = this.modes.rateLimit;
    if (limit && limit.count > 0) {
      limit.count--;
      const reset = String(Math.floor(Date.now() / 1000) + limit.retryAfterSeconds);
      send(
        limit.status,
        { message: limit.status === 429 ? 'API rate limit exceeded' : 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.', documentation_url: 'https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api', status: String(limit.status) },
        { 'retry-after': String(limit.retryAfterSeconds), 'x-ratelimit-reset': reset },
      );
      return;
    }
    if (!req.headers.authorization) {
      send(401, { message: 'Requires authentication', documentation_url: 'https://docs.github.com/rest', status: '401' });
      return;
    }

    const list = /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/comments$/.exec(url.pathname);
    const one = /^\/repos\/([^/]+)\/([^/]+)\/issues\/comments\/(\d+)$/.exec(url.pathname);
    const isWrite = req.method === 'POST' || req.method === 'PATCH' || req.method === 'DELETE';
    if ((list || one) && isWrite && this.modes.forbidWrites) {
      const operation = { POST: 'create', PATCH: 'update', DELETE: 'delete' }[req.method as 'POST' | 'PATCH' | 'DELETE'];
      send(403, { message: 'Resource not accessible by integration', documentation_url: `${docs}#${operation}-an-issue-comment`, status: '403' });
      return;
    }
    if (list && req.method === 'GET' && this.modes.listBarrier) {
      this.held.push(() => this.handle(req, rawBody, res, record));
      if (this.held.length >= this.modes.listBarrier) {
        this.modes.listBarrier = undefined;
        for (const answer of this.held.splice(0)) answer();
      }
      return;
    }
    if (list && req.method === 'GET') {
      const [, owner, repo, n] = list;
      const perPage = Math.min(100, Math.max(1, Number(url.searchParams.get('per_page') ?? 30)));
      const page = Math.max(1, Number(url.searchParams.get('page') ?? 1));
      const all = this.commentsOn(owner!, repo!, Number(n));
      const last = Math.max(1, Math.ceil(all.length / perPage));
      const links: string[] = [];
      const link = (p: number, rel: string) => {
        const target = new URL(url.pathname, this.url);
        target.searchParams.set('per_page', String(perPage));
        target.searchParams.set('page', String(p));
        links.push(`<${target.toString()}>; rel="${rel}"`);
      };
      if (page > 1) link(page - 1, 'prev');
      if (page < last) link(page + 1, 'next');
      if (page < last) link(last, 'last');
      if (page > 1) link(1, 'first');
      send(200, all.slice((page - 1) * perPage, page * perPage).map((c) => this.json(c)), links.length > 0 ? { link: links.join(', ') } : {});
      return;
    }
    if (list && req.method === 'POST') {
      const [, owner, repo, n] = list;
      const body = (JSON.parse(rawBody || '{}') as { body?: string }).body;
      if (!body) {
        send(422, { message: 'Invalid request.\n\n"body" wasn\'t supplied.', documentation_url: `${docs}#create-an-issue-comment`, status: '422' });
        return;
      }
      send(201, this.json(this.add(owner!, repo!, Number(n), body)));
      return;
    }
    if (one && req.method === 'PATCH') {
      const comment = this.comments.find((c) => c.id === Number(one[3]) && c.owner === one[1] && c.repo === one[2]);
      if (!comment) {
        send(404, { message: 'Not Found', documentation_url: `${docs}#update-an-issue-comment`, status: '404' });
        return;
      }
      comment.body = (JSON.parse(rawBody || '{}') as { body?: string }).body ?? comment.body;
      comment.updatedAt = new Date((this.clock += 1000)).toISOString().replace(/\.\d{3}Z$/, 'Z');
      send(200, this.json(comment));
      return;
    }
    if (one && req.method === 'DELETE') {
      const index = this.comments.findIndex((c) => c.id === Number(one[3]) && c.owner === one[1] && c.repo === one[2]);
      if (index < 0) {
        send(404, { message: 'Not Found', documentation_url: `${docs}#delete-an-issue-comment`, status: '404' });
        return;
      }
      this.comments.splice(index, 1);
      record.status = 204;
      res.writeHead(204, { 'x-github-api-version-selected': '2022-11-28' });
      res.end();
      return;
    }
    send(404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest', status: '404' });
  }
}
