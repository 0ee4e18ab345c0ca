// The contenders, each building one workload into one repository of the local registry, and the
// floor (a plain `go build`, no image). Each build() returns the wall time of the user-facing
// command; sizes and pushed bytes are read from the registry afterwards by bench.mjs.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { actionEncoder, layerTar } from './encoder.mjs';
import { DEFAULT_CONTENDER, repoRoot, run } from './lib.mjs';

const buildFlags = ['-trimpath', '-ldflags=-s -w -buildid=', '-tags', 'netgo,osusergo'];

/** Environment of a runner-side Go build: the scenario's GOCACHE/GOMODCACHE, the stack's tools on PATH. */
function goEnv(ctx) {
  return { ...process.env, PATH: `${ctx.stack.toolsBin}:${process.env.PATH}`, GOCACHE: ctx.caches.gocache, GOMODCACHE: ctx.caches.gomodcache, CGO_ENABLED: '0' };
}

function cacheOptions(repo) {
  return [
    '--cache-from', `type=registry,ref=${repo}:buildcache`,
    '--cache-to', `type=registry,ref=${repo}:buildcache,mode=max,image-manifest=true,oci-mediatypes=true,ignore-error=true`,
  ];
}

/** The article's recipe (seed article §1 and §3.1), with COPY go.sum* so a module without deps builds. */
export function articleDockerfile({ golang, alpine, main }) {
  return `FROM ${golang} AS builder
WORKDIR /app
COPY go.mod go.sum* ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 GOOS=linux go build -a -installsuffix cgo -o main ${main}

FROM ${alpine}
WORKDIR /root/
COPY --from=builder /app/main .
CMD ["./main"]
`;
}

/** The same recipe as a Dockerfile-only expert writes it: native cross-compilation, cache mounts, stripped. */
export function crossDockerfile({ golang, alpine, main }) {
  return `FROM --platform=$BUILDPLATFORM ${golang} AS builder
ARG TARGETOS TARGETARCH
WORKDIR /app
COPY go.mod go.sum* ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \\
    CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build ${buildFlags.slice(0, 1).join(' ')} -ldflags="-s -w" -o /out/main ${main}

FROM ${alpine}
WORKDIR /root/
COPY --from=builder /out/main .
CMD ["./main"]
`;
}

function dockerfileContender(id, label, render, multiPlatform) {
  return {
    id,
    label,
    unsupported: (platforms) =>
      platforms.length > 1 && !multiPlatform
        ? 'the builder stage runs on each target platform, which needs QEMU emulation and an arm64 golang image (neither exists on this machine)'
        : null,
    async build(ctx) {
      const dockerfile = path.join(ctx.scratch, `Dockerfile.${id}`);
      await fs.writeFile(dockerfile, render({ golang: ctx.bases.golang, alpine: ctx.bases.alpine, main: ctx.main }));
      const args = [
        'buildx', 'build', '--builder', ctx.stack.builder, '--platform', ctx.platforms.join(','), '-f', dockerfile,
        '--tag', `${ctx.repo}:latest`, '--push', '--provenance=false', ...cacheOptions(ctx.repo), path.join(ctx.workspace, 'src'),
      ];
      const { seconds } = await run('docker', args, { env: { ...process.env, PATH: `${ctx.stack.toolsBin}:${process.env.PATH}` } });
      return { seconds, ref: `${ctx.repo}:latest` };
    },
  };
}

const actionDefaults = new Map();
/** Every input at its action.yml default, from the action at `root`. */
async function actionInputs(root) {
  if (!actionDefaults.has(root)) actionDefaults.set(root, YAML.parse(await fs.readFile(path.join(root, 'action.yml'), 'utf8')).inputs);
  return Object.fromEntries(Object.entries(actionDefaults.get(root)).map(([name, spec]) => [name, spec.default ?? '']));
}

/** The environment the Actions runner gives a step: inputs as INPUT_*, command files, RUNNER_*. */
async function runnerEnv(ctx, inputs, root = repoRoot) {
  const dir = await fs.mkdtemp(path.join(ctx.scratch, 'runner-'));
  const files = { output: path.join(dir, 'output'), summary: path.join(dir, 'summary'), state: path.join(dir, 'state') };
  for (const f of Object.values(files)) await fs.writeFile(f, '');
  await fs.mkdir(path.join(dir, 'temp'));
  await fs.mkdir(path.join(dir, 'tool-cache'));
  const inherited = Object.fromEntries(Object.entries(goEnv(ctx)).filter(([k]) => !/^(INPUT_|GITHUB_|RUNNER_|STATE_|ACTIONS_)|^NODE_OPTIONS$|^CGO_ENABLED$/.test(k)));
  const all = { ...(await actionInputs(root)), ...inputs };
  return {
    files,
    env: {
      ...inherited,
      CI: 'true',
      GITHUB_ACTIONS: 'true',
      GITHUB_WORKSPACE: ctx.workspace,
      GITHUB_OUTPUT: files.output,
      GITHUB_STEP_SUMMARY: files.summary,
      GITHUB_STATE: files.state,
      GITHUB_REPOSITORY: `bench/${ctx.workload}`,
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_EVENT_NAME: 'push',
      GITHUB_REF: 'refs/heads/main',
      RUNNER_OS: 'Linux',
      RUNNER_ARCH: 'X64',
      RUNNER_TEMP: path.join(dir, 'temp'),
      RUNNER_TOOL_CACHE: path.join(dir, 'tool-cache'),
      ...Object.fromEntries(Object.entries(all).map(([k, v]) => [`INPUT_${k.replace(/ /g, '_').toUpperCase()}`, v])),
    },
  };
}

function parseOutputs(text) {
  const values = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const heredoc = /^([^=<]+)<<(.+)$/.exec(lines[i]);
    if (!heredoc) continue;
    const body = [];
    for (i++; i < lines.length && lines[i] !== heredoc[2]; i++) body.push(lines[i]);
    values[heredoc[1]] = body.join('\n');
  }
  return values;
}

/**
 * The action's step as the runner starts it (`node` on action.yml's main with INPUT_* and the
 * command files), for the action at `root` (this checkout, or an older one unpacked elsewhere).
 * `engine` picks buildx (with the stack's builder) or direct (no Docker); undefined leaves the
 * input at its default (auto), as a user who does not set it does.
 */
export async function actionStep(ctx, engine, root = repoRoot, extra = {}) {
  const { env, files } = await runnerEnv(
    ctx,
    {
      ...(engine ? { engine } : {}),
      image: ctx.repo,
      tags: 'latest',
      'working-directory': 'src',
      main: ctx.main,
      platforms: ctx.platforms.join(','),
      builder: engine === 'buildx' ? ctx.stack.builder : '',
      'dockerfile-mode': 'prebuilt',
      // Every contender compiles with this machine's Go (no go.dev here); the action finds it on PATH.
      'go-version': ctx.goVersion,
      // Where a layer cache is used, export it on every build, as the Dockerfile contenders do (auto
      // skips non-default branches). Prebuilt mode uses none by default (cache-backend: auto).
      'cache-write': 'always',
      ...extra,
    },
    root,
  );
  const main = YAML.parse(await fs.readFile(path.join(root, 'action.yml'), 'utf8')).runs.main;
  return { env, files, entry: path.join(root, main) };
}

/**
 * The action with `engine` (undefined: the input's default) and `extra(ctx)`: inputs of a variant
 * (another Dockerfile mode, no layer cache). The result names the engine the action used, from
 * its "Engine: …" log line.
 */
function goSlimImage(id, label, engine, extra = async () => ({})) {
  return {
    id,
    label,
    unsupported: () => null,
    async build(ctx) {
      const { env, files, entry } = await actionStep(ctx, engine, repoRoot, await extra(ctx));
      const { seconds, stdout } = await run(process.execPath, [entry], { cwd: ctx.workspace, env });
      const outputs = parseOutputs(await fs.readFile(files.output, 'utf8'));
      if (!outputs['image-ref']) throw new Error('go-slim-image set no image-ref output');
      const used = /^Engine: (\w+)/m.exec(stdout)?.[1];
      return { seconds, ref: `${ctx.repo}:latest`, ...(used ? { engine: used } : {}) };
    },
  };
}

/**
 * ko's `builds` entry as a team tuning for size writes it in .ko.yaml: its default `-trimpath`
 * (a `flags` list replaces ko's defaults, so it is repeated) and `-s -w` in ldflags (ko.build/configuration).
 */
export function koSizeConfig(main) {
  return YAML.stringify({ builds: [{ id: 'app', main, flags: ['-trimpath'], ldflags: ['-s -w'] }] });
}

/** `ko build --bare` on the static base; `tuned`: with koSizeConfig through KO_CONFIG_PATH (the module's tree stays untouched). */
function koContender(id, label, tuned) {
  return {
    id,
    label,
    unsupported: () => null,
    async build(ctx) {
      const env = { ...goEnv(ctx), KO_DOCKER_REPO: ctx.repo, KO_DEFAULTBASEIMAGE: ctx.bases.static };
      delete env.CGO_ENABLED; // ko sets CGO_ENABLED=0 itself unless told otherwise
      if (tuned) {
        env.KO_CONFIG_PATH = path.join(ctx.scratch, 'ko-config');
        await fs.mkdir(env.KO_CONFIG_PATH, { recursive: true });
        await fs.writeFile(path.join(env.KO_CONFIG_PATH, '.ko.yaml'), koSizeConfig(ctx.main));
      }
      const { seconds } = await run(
        path.join(ctx.stack.toolsBin, 'ko'),
        ['build', '--bare', '--tags', 'latest', '--platform', ctx.platforms.join(','), ctx.main],
        { cwd: path.join(ctx.workspace, 'src'), env },
      );
      return { seconds, ref: `${ctx.repo}:latest` };
    },
  };
}

const noLayerCache = { 'cache-backend': 'none' };
// Source mode and a user's Dockerfile use the registry layer cache by default (cache-backend: auto).
const sourceMode = (ctx) => ({ 'dockerfile-mode': 'source', 'go-image': ctx.bases.golang });
/** The cross-compiling Dockerfile as a user's own `dockerfile:` (it must live in the module's folder). */
async function userDockerfile(ctx) {
  await fs.writeFile(path.join(ctx.workspace, 'src', 'Dockerfile.user'), crossDockerfile({ golang: ctx.bases.golang, alpine: ctx.bases.alpine, main: ctx.main }));
  return { dockerfile: 'Dockerfile.user' };
}

/**
 * What the registry layer cache costs and saves in each Dockerfile mode: the action with its
 * default cache, and the same with `cache-backend: none`. Run with `--contenders layer-cache`.
 */
export const layerCacheContenders = [
  goSlimImage('gsi-prebuilt-cache', 'prebuilt, layer cache (cache-backend: registry)', 'buildx', async () => ({ 'cache-backend': 'registry' })),
  goSlimImage('gsi-prebuilt-nocache', 'prebuilt, no layer cache', 'buildx', async () => noLayerCache),
  goSlimImage('gsi-source-cache', 'source, layer cache', 'buildx', async (ctx) => sourceMode(ctx)),
  goSlimImage('gsi-source-nocache', 'source, no layer cache', 'buildx', async (ctx) => ({ ...sourceMode(ctx), ...noLayerCache })),
  goSlimImage('gsi-dockerfile-cache', 'own Dockerfile, layer cache', 'buildx', userDockerfile),
  goSlimImage('gsi-dockerfile-nocache', 'own Dockerfile, no layer cache', 'buildx', async (ctx) => ({ ...(await userDockerfile(ctx)), ...noLayerCache })),
];

export const contenders = [
  goSlimImage(DEFAULT_CONTENDER, 'go-slim-image (default engine)', undefined),
  goSlimImage('go-slim-image-buildx', 'go-slim-image (engine: buildx)', 'buildx'),
  dockerfileContender('article', 'article Dockerfile', articleDockerfile, false),
  dockerfileContender('dockerfile-cross', 'Dockerfile, cross + cache mounts', crossDockerfile, true),
  koContender('ko', 'ko (static base)', false),
  koContender('ko-size', 'ko, .ko.yaml -s -w', true),
];

/** Not in the default set (the default engine is direct on Linux without a buildx builder set up on purpose); by id. */
export const extraContenders = [goSlimImage('go-slim-image-direct', 'go-slim-image (engine: direct)', 'direct')];

/**
 * The floor: `go build` of the same binary per platform with the action's flags, nothing else. Its
 * size is `gzip -9 -n` of each binary: what the smallest possible image layer would weigh.
 * `compressSeconds`, timed apart: the binary's one-file layer through the action's encoder at the
 * default level and thread count. On the one-line change, `seconds + compressSeconds` is the
 * work the action cannot skip; report.mjs holds the default contender's time against it.
 */
export const floor = {
  id: 'floor',
  label: 'floor: go build + gzip -9',
  unsupported: () => null,
  async build(ctx) {
    const encoder = await actionEncoder();
    let seconds = 0;
    let compressSeconds = 0;
    const sizes = {};
    for (const platform of ctx.platforms) {
      const [goos, goarch] = platform.split('/');
      const out = path.join(ctx.scratch, 'floor', goos, goarch, 'app');
      const r = await run('go', ['build', ...buildFlags, '-o', out, ctx.main], { cwd: path.join(ctx.workspace, 'src'), env: { ...goEnv(ctx), GOOS: goos, GOARCH: goarch } });
      seconds += r.seconds;
      const tar = await layerTar(out, `${out}.tar`);
      const started = process.hrtime.bigint();
      await encoder.gzip(tar, encoder.defaultLevel);
      compressSeconds += Number(process.hrtime.bigint() - started) / 1e9;
      const { stdout } = await run('bash', ['-c', 'gzip -9 -n -c "$1" | wc -c', 'gzip', out]);
      sizes[platform] = Number(stdout.trim());
    }
    return { seconds, compressSeconds, compressLevel: encoder.defaultLevel, sizes };
  },
};
