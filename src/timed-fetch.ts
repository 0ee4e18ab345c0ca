/**
 * fetch with an idle timeout: the request is aborted when nothing moves for `idleMs` — no
 * connection, no answer, no upload chunk taken by the socket, no download chunk arriving. A big
 * blob that keeps flowing is never cut; a peer that stops answering is, whatever the phase.
 */

/** The idle timeout when the environment does not set one: two stalled tries and a backoff stay within a minute. */
export const DEFAULT_IDLE_TIMEOUT_MS = 20_000;
/** Seconds; for tests that need a stall to fail sooner than the default. */
export const IDLE_TIMEOUT_ENV = 'GO_SLIM_IMAGE_NETWORK_IDLE_TIMEOUT';

export function idleTimeoutFromEnv(env: NodeJS.ProcessEnv): number {
  const seconds = Number(env[IDLE_TIMEOUT_ENV]);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : DEFAULT_IDLE_TIMEOUT_MS;
}

export class RequestTimeoutError extends Error {
  constructor(
    readonly request: string,
    readonly idleMs: number,
  ) {
    super(`${request} stalled: nothing sent or received for ${idleMs / 1000} s`);
    this.name = 'RequestTimeoutError';
  }
}

/** Upload bodies go in chunks of this size, so each chunk the socket takes counts as progress. */
const UPLOAD_CHUNK = 256 * 1024;

function chunked(data: Buffer, onChunk: () => void): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        onChunk();
        if (offset >= data.length) return controller.close();
        controller.enqueue(data.subarray(offset, offset + UPLOAD_CHUNK));
        offset += UPLOAD_CHUNK;
      },
    },
    { highWaterMark: 0 },
  );
}

export interface TimedRequest {
  method: string;
  headers: Record<string, string>;
  body?: Buffer | string;
  /** How the request is named in a timeout error (method and path). */
  name: string;
  idleMs: number;
}

export async function timedFetch(url: string | URL, request: TimedRequest): Promise<Response> {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const stop = () => clearTimeout(timer);
  const touch = () => {
    stop();
    timer = setTimeout(() => controller.abort(new RequestTimeoutError(request.name, request.idleMs)), request.idleMs);
    timer.unref?.();
  };
  touch();
  const body = Buffer.isBuffer(request.body) && request.body.length > UPLOAD_CHUNK ? chunked(request.body, touch) : request.body;
  let response: Response;
  try {
    response = await fetch(url, {
      method: request.method,
      headers: request.headers,
      ...(body !== undefined ? { body, duplex: 'half' } : {}),
      redirect: 'follow',
      signal: controller.signal,
    } as RequestInit);
  } catch (error) {
    stop();
    throw controller.signal.reason instanceof RequestTimeoutError ? controller.signal.reason : error;
  }
  if (!response.body || [204, 205, 304].includes(response.status)) {
    stop();
    return response;
  }
  touch();
  const watched = response.body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, out) {
        touch();
        out.enqueue(chunk);
      },
      flush: stop,
    }),
  );
  const timed = new Response(watched, { status: response.status, statusText: response.statusText, headers: response.headers });
  Object.defineProperty(timed, 'url', { value: response.url });
  return timed;
}

/** A fetch for clients that take one (Octokit): each request gets the idle timeout. */
export function idleTimeoutFetch(idleMs: number): (input: string | URL, init?: RequestInit) => Promise<Response> {
  return (input, init = {}) => {
    const method = init.method ?? 'GET';
    const url = new URL(String(input));
    return timedFetch(url, {
      method,
      headers: Object.fromEntries(new Headers(init.headers).entries()),
      ...(typeof init.body === 'string' ? { body: init.body } : {}),
      name: `${method} ${url.pathname} on ${url.host}`,
      idleMs,
    });
  };
}
