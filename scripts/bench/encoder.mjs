// The action's layer encoder (src/image/encoder.ts: libdeflate gzip in wasm on worker threads), bundled
// with ncc as the action is, so the benchmark compresses exactly as a build does.
import { execFileSync } from 'node:child_process';
import { promises as fs, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from './lib.mjs';

let loaded;
/** `{ gzip(data, level, threads?), defaultLevel, dispose() }`; bundled once per process. */
export function actionEncoder() {
  loaded ??= (async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'gsi-bench-encoder-'));
    execFileSync(process.execPath, [path.join(repoRoot, 'node_modules/@vercel/ncc/dist/ncc/cli.js'), 'build', 'src/image/encoder.ts', '-o', dir, '--quiet'], { cwd: repoRoot, stdio: 'inherit' });
    const { encodeLayer } = await import(pathToFileURL(path.join(dir, 'index.js')).href);
    const gzip = (data, level, threads) => encodeLayer({ algorithm: 'gzip', level }, data, threads);
    // The default of the compression-level input, from the one place the action keeps it.
    const config = await fs.readFile(path.join(repoRoot, 'src/image/compression.ts'), 'utf8');
    const level = /DEFAULT_COMPRESSION_LEVEL = \{ gzip: (\d+)/.exec(config)?.[1];
    if (!level) throw new Error('src/image/compression.ts: DEFAULT_COMPRESSION_LEVEL.gzip not found');
    return { gzip, defaultLevel: Number(level), dispose: () => fs.rm(dir, { recursive: true, force: true }) };
  })();
  return loaded;
}

/** A one-file layer like the action's: the tar of `binary` alone, with fixed owner and time. */
export async function layerTar(binary, tarFile) {
  execFileSync('tar', ['--sort=name', '--mtime=@0', '--owner=0', '--group=0', '--numeric-owner', '-cf', tarFile, '-C', path.dirname(path.resolve(binary)), path.basename(binary)]);
  return fs.readFile(tarFile);
}
