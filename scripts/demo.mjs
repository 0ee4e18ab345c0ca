// Builds examples/hello into the local registry with the CLI (dist/cli/index.js), as a developer
// runs it: the log and the size report through the CLI's terminal reporter on stderr, then the
// image reference, digest and size from its --json outputs.
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const image = process.env.GSI_DEMO_IMAGE || `${process.env.GSI_REGISTRY}/demo/hello`;
// A developer's shell, not a runner's: no variables a workflow step would have.
const runnerOwned = /^(INPUT_|GITHUB_|RUNNER_|STATE_|ACTIONS_)|^(NODE_OPTIONS|CI)$/;
const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !runnerOwned.test(key)));

const result = spawnSync(
  process.execPath,
  [path.join(root, 'dist/cli/index.js'), '--image', image, '--builder', process.env.GSI_BUILDER, '--expose', '8080', '--json'],
  { cwd: path.join(root, 'examples/hello'), stdio: ['ignore', 'pipe', 'inherit'], env, encoding: 'utf8' },
);
if (result.status !== 0) process.exit(result.status ?? 1);

const outputs = JSON.parse(result.stdout);
const mib = (bytes) => `${(Number(bytes) / 1024 / 1024).toFixed(2)} MiB`;
console.log('\n== go-slim-image demo');
console.log(`image:       ${outputs['image-ref']}`);
console.log(`tags:        ${outputs.tags.split('\n').join(', ')}`);
console.log(`digest:      ${outputs.digest}`);
console.log(`size:        ${outputs.size} bytes (${mib(outputs.size)} compressed)`);
console.log(`binary size: ${outputs['binary-size']} bytes (${mib(outputs['binary-size'])})`);
console.log(`go version:  ${outputs['go-version']}`);
