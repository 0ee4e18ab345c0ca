// Turns the benchmark's raw runs into per-cell statistics and the markdown table for the README.
import { CHANGE_TARGET_SECONDS, DEFAULT_CONTENDER, stats } from './lib.mjs';

const SCENARIOS = {
  cold: 'cold',
  nochange: 'no-change rebuild',
  change: 'one-line change, fresh runner',
  multi: '2 platforms, cold',
};

/** One cell per workload × contender × scenario: time stats, pushed bytes, sizes per platform, ratios. */
export function summarize(result) {
  const cells = [];
  const key = (r) => `${r.workload}|${r.contender}|${r.scenario}`;
  const groups = new Map();
  for (const r of result.runs) groups.set(key(r), [...(groups.get(key(r)) ?? []), r]);
  for (const runs of groups.values()) {
    const { workload, contender, scenario } = runs[0];
    const ok = runs.filter((r) => r.seconds !== undefined && !r.error);
    const cell = { workload, contender, scenario, runs: runs.length, ok: ok.length };
    if (runs[0].skipped) cell.skipped = runs[0].skipped;
    const errors = runs.filter((r) => r.error).map((r) => r.error);
    if (errors.length) cell.errors = errors;
    if (ok.length) {
      cell.seconds = stats(ok.map((r) => r.seconds));
      const compress = ok.map((r) => r.compressSeconds).filter((x) => x !== undefined);
      if (compress.length) cell.compressSeconds = stats(compress);
      const engines = [...new Set(ok.map((r) => r.engine).filter(Boolean))];
      if (engines.length) cell.engines = engines;
      if (ok[0].pushed !== undefined) cell.pushedBytes = stats(ok.map((r) => r.pushed));
      cell.sizes = {};
      for (const platform of Object.keys(ok[0].sizes ?? {})) cell.sizes[platform] = stats(ok.map((r) => r.sizes[platform]).filter((x) => x !== undefined)).median;
    }
    cells.push(cell);
  }
  const find = (w, c, s) => cells.find((x) => x.workload === w && x.contender === c && x.scenario === s);
  for (const cell of cells) {
    const floorCell = find(cell.workload, 'floor', cell.scenario);
    if (cell.seconds && floorCell?.seconds) cell.timeRatio = cell.seconds.median / floorCell.seconds.median;
    if (cell.sizes && floorCell?.sizes) {
      cell.sizeRatio = {};
      for (const [p, size] of Object.entries(cell.sizes)) if (floorCell.sizes[p]) cell.sizeRatio[p] = size / floorCell.sizes[p];
    }
  }
  return cells;
}

/**
 * The one-line change held to its target: the default contender's median minus the floor's
 * median `go build` and median compression of the changed layer (measured alone, same run).
 */
export function changeTarget(result, workload) {
  const cell = (contender) => result.summary.find((c) => c.workload === workload && c.contender === contender && c.scenario === 'change');
  const ours = cell(DEFAULT_CONTENDER);
  const floorCell = cell('floor');
  if (!ours?.seconds || !floorCell?.seconds || !floorCell.compressSeconds) return undefined;
  const goBuild = floorCell.seconds.median;
  const compress = floorCell.compressSeconds.median;
  const over = ours.seconds.median - goBuild - compress;
  const level = result.runs.find((r) => r.workload === workload && r.contender === 'floor' && r.compressLevel !== undefined)?.compressLevel;
  return { seconds: ours.seconds.median, goBuild, compress, level, over, met: over <= CHANGE_TARGET_SECONDS };
}

const mib = (bytes) => (bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(2)} MiB` : `${(bytes / 1024).toFixed(1)} KiB`);
const secs = (s) => (s >= 10 ? s.toFixed(1) : s.toFixed(2));

function timeCell(cell) {
  if (!cell) return '–';
  if (cell.skipped) return 'n/a¹';
  if (!cell.seconds) return `failed (${cell.errors?.length ?? 0})`;
  const { median, min, max, n } = cell.seconds;
  const ratio = cell.timeRatio !== undefined && cell.contender !== 'floor' ? ` ×${cell.timeRatio.toFixed(2)}` : '';
  const range = n > 1 ? ` (${secs(min)}–${secs(max)})` : '';
  const failed = cell.errors ? ` ⚠${cell.errors.length} failed` : '';
  return `${secs(median)} s${ratio}${range}${failed}`;
}

function sizeCell(cell, platform) {
  const size = cell?.sizes?.[platform];
  if (size === undefined) return cell?.skipped ? 'n/a¹' : '–';
  const ratio = cell.contender !== 'floor' && cell.sizeRatio?.[platform] ? ` ×${cell.sizeRatio[platform].toFixed(2)}` : '';
  return `${mib(size)}${ratio}`;
}

const minutes = (seconds) => `${Math.round(seconds / 60)} min`;

function runsTaken(result) {
  const stopped = result.complete === false ? ' (stopped early: only the repetitions listed finished)' : '';
  if (!result.pooledFrom) return `the whole run took ${minutes(result.durationSeconds)}${stopped}`;
  const parts = result.pooledFrom.map((p) => `${p.date.slice(0, 16).replace('T', ' ')} UTC, ${Object.entries(p.reps).map(([w, n]) => `${w} ×${n}`).join(' ')}, ${minutes(p.durationSeconds)}`);
  return `pooled from ${result.pooledFrom.length} runs of the same code and tools (${parts.join('; ')})${stopped}`;
}

function reproduce(result) {
  if (!result.pooledFrom) return `\`${result.command}\``;
  return `${result.pooledFrom.map((p) => `\`${p.command}\``).join(', ')}, then \`node scripts/bench/merge.mjs <their JSON files>\``;
}

export function renderMarkdown(result) {
  const { machine: m, versions: v } = result;
  const scenarios = result.options.scenarios;
  const lines = [];
  lines.push(`## How it compares`, '');
  lines.push(
    `Measured ${result.date.slice(0, 10)} on ${m.cores} cores (${m.cpu}), ${m.memoryGiB} GiB memory, ${m.os}; ` +
      `local registry and BuildKit on loopback. go-slim-image ${v.goSlimImage}, ${v.go}, buildx ${v.buildx}, BuildKit ${v.buildkit}, ` +
      `ko ${v.ko.split('\n')[0]}, crane ${v.crane}, docker CLI ${v.docker}, Node ${v.node}. ` +
      `Repetitions per workload: ${Object.entries(result.options.reps).map(([w, n]) => `${w} ${n}`).join(', ')}; ${runsTaken(result)}.`,
    '',
    `Reproduce: ${reproduce(result)}`,
    '',
    'Time: median wall time in seconds, ×ratio to the floor of the same scenario, (min–max) over the repetitions. ' +
      'Size: compressed image (config + layers, what a pull transfers), ×ratio to `gzip -9` of the binary. ' +
      'Pushed: bytes newly stored in the image\'s repository by the build (image and layer cache).',
    '',
  );
  const cols = [];
  for (const s of scenarios) cols.push({ head: SCENARIOS[s], cell: (c) => timeCell(c(s)) });
  cols.push({ head: 'image linux/amd64', cell: (c) => sizeCell(c('cold') ?? c('change'), 'linux/amd64') });
  if (scenarios.includes('multi')) cols.push({ head: 'image linux/arm64', cell: (c) => sizeCell(c('multi'), 'linux/arm64') });
  const pushedScenarios = scenarios.filter((s) => s !== 'nochange');
  cols.push({
    head: `pushed: ${pushedScenarios.map((s) => SCENARIOS[s].split(',')[0]).join(' · ')}`,
    cell: (c, id) => (id === 'floor' ? '–' : pushedScenarios.map((s) => (c(s)?.pushedBytes ? mib(c(s).pushedBytes.median) : c(s)?.skipped ? 'n/a' : '–')).join(' · ')),
  });
  for (const [wid, w] of Object.entries(result.workloads)) {
    lines.push(`### ${w.label}${w.module ? ` (\`${w.module}@${w.version}\`, main \`${w.main}\`)` : ''}: ${w.size}`, '');
    lines.push(`| | ${cols.map((c) => c.head).join(' | ')} |`);
    lines.push(`|---|${cols.map(() => '---').join('|')}|`);
    for (const [cid, label] of Object.entries(result.contenders)) {
      const cellOf = (s) => result.summary.find((x) => x.workload === wid && x.contender === cid && x.scenario === s);
      const engines = [...new Set(scenarios.flatMap((s) => cellOf(s)?.engines ?? []))];
      const name = cid.startsWith('go-slim-image') ? `**${label}**${cid === DEFAULT_CONTENDER && engines.length ? ` (used ${engines.join(', ')})` : ''}` : label;
      lines.push(`| ${name} | ${cols.map((c) => c.cell(cellOf, cid)).join(' | ')} |`);
    }
    const target = changeTarget(result, wid);
    if (target) {
      lines.push(
        '',
        `One-line change against its target (at most ${CHANGE_TARGET_SECONDS} s more than \`go build\` plus the compression of the changed layer, both measured alone in this run): ` +
          `${secs(target.seconds)} s − (go build ${secs(target.goBuild)} s + compression at level ${target.level ?? '?'} ${secs(target.compress)} s) = ` +
          `**${target.over >= 0 ? '' : '−'}${secs(Math.abs(target.over))} s** over, target ${target.met ? 'met' : 'not met'}.`,
      );
    }
    const restored = Object.entries(result.restoredGoCacheBytes).filter(([k]) => k.startsWith(`${wid}/`));
    if (restored.length) lines.push('', `Go caches a runner restores for the one-line change (GOCACHE + GOMODCACHE after the cold build): ${restored.map(([k, b]) => `${k.split('/')[1]} ${mib(b)}`).join(', ')}.`);
    lines.push('');
  }
  lines.push(
    '**Contenders.** *go-slim-image (default engine)*: the bundled action as a user runs it (`node dist/main/index.js` with the runner\'s `INPUT_*` variables, every input at its action.yml default, `engine` unset so `auto` picks (the engine it used is named after the label), except image, working-directory, main, platforms, `go-version` (this machine\'s Go, which every contender uses) and `cache-write: always` (where a layer cache is used, it is exported on every build, as the Dockerfile builds do)), prebuilt mode: compiles on the runner, libdeflate gzip level 10, no layer cache (`cache-backend: auto` leaves it out in prebuilt mode). With the direct engine the action writes the layer tars and config itself and pushes them, no Docker, buildx or BuildKit. *go-slim-image (engine: buildx)*: the same with `engine: buildx` and the stack\'s docker-container builder (created beforehand, so its set-up is not counted): BuildKit assembles the scratch image. ' +
      '*article Dockerfile*: the source article\'s recipe as teams write it (golang builder: `COPY go.mod go.sum`, `go mod download`, `COPY . .`, `CGO_ENABLED=0 GOOS=linux go build -a -installsuffix cgo`; small final stage). ' +
      '*Dockerfile, cross + cache mounts*: the same with `FROM --platform=$BUILDPLATFORM`, `GOOS/GOARCH` from `TARGETOS/TARGETARCH`, cache mounts for the module and build caches, `-trimpath -ldflags="-s -w"`. ' +
      'Both Dockerfile builds use `docker buildx build --push --provenance=false` with the same registry cache options as the action (`mode=max,image-manifest=true,oci-mediatypes=true`). ' +
      `*ko* ${v.ko.split('\n')[0]}: \`ko build --bare\` with its defaults (no \`.ko.yaml\`, so no \`-s -w\`; SBOM on) on a distroless/static-like base. ` +
      '*ko, .ko.yaml -s -w*: the same with a `.ko.yaml` as a team tuning for size writes it (`builds: [{id, main, flags: [-trimpath], ldflags: ["-s -w"]}]`, given through `KO_CONFIG_PATH`). ' +
      '*floor*: `go build` with the action\'s flags alone; its one-line change time and the compression of that binary\'s layer with the action\'s encoder at the default level (timed apart) make the one-line change target.',
    '',
    '**Base images**, made locally (no public registry is reachable here) and pushed to the same registry: the golang builder is scratch + Debian busybox-static + this machine\'s Go; the article\'s alpine stage is replaced by an *alpine-like* base (busybox-static + CA bundle, about 1 MiB; real alpine is about 3.5 MiB, so the Dockerfile sizes are a lower bound) and `apk add ca-certificates` by the CA bundle baked in; ko\'s base holds the CA bundle, tzdata and /etc/passwd like distroless/static.',
    '',
    '**Scenarios.** *cold*: BuildKit pruned (`buildctl prune --all`), empty GOCACHE/GOMODCACHE, a new repository (so no layer cache). ' +
      '*no-change rebuild*: the same build again right after, on the same warm machine. ' +
      '*one-line change, fresh runner*: one line appended to the main package and committed; BuildKit pruned again, so the Dockerfile builds only have the registry cache (their cache mounts are gone, as on a new runner); go-slim-image, ko and the floor get the Go caches the cold build left, as a cache restore step would give them (restore time not counted; sizes above). ' +
      '*2 platforms*: linux/amd64 + linux/arm64, cold.',
    '',
    '**Pushed bytes** are read from the registry\'s storage (`$GSI_STACK_DIR/registry-data`): the sizes of the blobs and manifests newly linked into the repository during the build (image, layer cache and, for ko, its SBOM). A blob the repository already holds is not sent again, so this counts what the registry had to accept; base-image layers count on the first push, as they would when the base comes from another registry.',
    '',
    '¹ The article\'s recipe builds its builder stage on each target platform; for linux/arm64 that needs QEMU emulation and an arm64 golang image, which this machine does not have.',
    '',
  );
  const failures = result.summary.filter((c) => c.errors);
  if (failures.length) {
    lines.push('**Failures**', '');
    for (const c of failures) lines.push(`- ${c.workload} · ${c.contender} · ${c.scenario}: ${c.errors[0].split('\n').slice(0, 3).join(' ').slice(0, 300)}`);
    lines.push('');
  }
  return lines.join('\n');
}
