// Base images, made here because no public registry is reachable, and pushed to the local
// registry once (reused while the registry keeps its data):
//   golang      scratch + Debian's static busybox + CA bundle + this machine's Go at /usr/local/go (linux/amd64),
//               the builder stage of the Dockerfile contenders (as __tests__/helpers/golang-image.ts);
//   alpine-like busybox + CA bundle + /etc/passwd, for linux/amd64 and linux/arm64: the small final
//               stage of the article's recipe (alpine:latest with ca-certificates, ~3.5 MB in reality;
//               this one is smaller, so the Dockerfile contenders' sizes are a lower bound);
//   static      CA bundle, tzdata, /etc/passwd with nonroot (65532): a distroless/static-like base for ko.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { craneArgs, log, rmrf, run } from './lib.mjs';

const BUSYBOX_DEB = {
  amd64: null, // the host's /bin/busybox (Debian busybox-static, installed by scripts/stack.sh)
  arm64: {
    url: 'http://deb.debian.org/debian/pool/main/b/busybox/busybox-static_1.35.0-4+deb12u1+b1_arm64.deb',
    sha256: '732c9135564fc71337e0e05fb4da4d11e6c28c1834bce3e405e575afef2a52f5',
  },
};
const APPLETS = ['sh', 'ash', 'ls', 'cat', 'cp', 'mv', 'rm', 'mkdir', 'env', 'echo', 'grep', 'sed', 'wget', 'ps', 'uname', 'true', 'sleep', 'id'];
// Bumped whenever a recipe below changes, so a stale image in the registry is not reused.
const BASE_VERSION = '2';
const cacheDir = path.join(os.homedir(), '.cache/go-slim-image/bench');

async function exists(stack, ref) {
  const [cmd, args] = craneArgs(stack, 'digest', ref);
  return run(cmd, args).then(() => true, () => false);
}

async function crane(stack, ...args) {
  const [cmd, argv] = craneArgs(stack, ...args);
  return run(cmd, argv);
}

/** A deterministic tar of a folder (root-owned, fixed times, sorted). */
async function tarFolder(dir, file, extra = []) {
  await run('tar', ['--sort=name', '--owner=0', '--group=0', '--numeric-owner', '--mtime=@0', ...extra, '-C', dir, '-cf', file, '.']);
}

async function busybox(arch) {
  if (!BUSYBOX_DEB[arch]) return '/bin/busybox';
  const { url, sha256 } = BUSYBOX_DEB[arch];
  const deb = path.join(cacheDir, path.basename(url));
  await fs.mkdir(cacheDir, { recursive: true });
  const have = await fs.readFile(deb).catch(() => null);
  if (!have || createHash('sha256').update(have).digest('hex') !== sha256) {
    log(`downloading ${url}`);
    await run('curl', ['-fsSL', '-o', deb, url]);
    const got = createHash('sha256').update(await fs.readFile(deb)).digest('hex');
    if (got !== sha256) throw new Error(`${url}: sha256 ${got}, expected ${sha256}`);
  }
  const out = path.join(cacheDir, `busybox-${arch}`);
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'bench-deb-'));
  await run('dpkg-deb', ['-x', deb, tmp]);
  await fs.copyFile(path.join(tmp, 'bin/busybox'), out);
  await fs.rm(tmp, { recursive: true, force: true });
  return out;
}

/** Pushes one single-layer image per platform and an index over them. */
async function pushMultiArch(stack, ref, layers) {
  const refs = [];
  for (const [platform, tar] of Object.entries(layers)) {
    const one = `${ref}-${platform.replace(/\//g, '-')}`;
    await crane(stack, 'append', '--oci-empty-base', '-f', tar, '-t', one);
    await crane(stack, 'mutate', one, '--set-platform', platform, '-t', one);
    refs.push(one);
  }
  await crane(stack, 'index', 'append', ...refs.flatMap((r) => ['-m', r]), '-t', ref);
}

async function golangImage(stack, dir) {
  const goroot = execFileSync('go', ['env', 'GOROOT'], { encoding: 'utf8' }).trim();
  const version = execFileSync('go', ['env', 'GOVERSION'], { encoding: 'utf8' }).trim().replace(/^go/, '');
  const ref = `${stack.registry}/bench-base/golang:${version}-b${BASE_VERSION}`;
  if (await exists(stack, ref)) return ref;
  log(`building ${ref} from ${goroot}`);
  const rootfs = path.join(dir, 'golang-rootfs');
  await fs.mkdir(path.join(rootfs, 'bin'), { recursive: true });
  await fs.mkdir(path.join(rootfs, 'tmp'), { mode: 0o1777 });
  await fs.mkdir(path.join(rootfs, 'root'));
  await fs.copyFile('/bin/busybox', path.join(rootfs, 'bin/busybox'));
  await fs.chmod(path.join(rootfs, 'bin/busybox'), 0o755);
  for (const applet of APPLETS) await fs.symlink('busybox', path.join(rootfs, 'bin', applet));
  await fs.chmod(path.join(rootfs, 'tmp'), 0o1777);
  // Like the official image: a CA bundle (go mod download talks HTTPS to the module proxy).
  await etcFiles(rootfs, [['root', 0, '/root', '/bin/sh'], ['nobody', 65534, '/', '/bin/false']]);
  await tarFolder(rootfs, path.join(dir, 'busybox.tar'));
  await run('tar', [
    '-C', goroot, '--exclude=./test', '--exclude=./api', '--exclude=./misc', '--exclude=./doc',
    '--transform', 's,^\\.,usr/local/go,', '-cf', path.join(dir, 'go.tar'), '.',
  ]);
  await crane(stack, 'append', '--oci-empty-base', '-f', path.join(dir, 'busybox.tar'), '-f', path.join(dir, 'go.tar'), '-t', ref);
  await crane(stack, 'mutate', ref, '--set-platform', 'linux/amd64', '-e', 'PATH=/usr/local/go/bin:/go/bin:/bin', '-e', 'GOPATH=/go', '-e', 'HOME=/root', '-w', '/go', '-t', ref);
  return ref;
}

async function etcFiles(root, users) {
  await fs.mkdir(path.join(root, 'etc/ssl/certs'), { recursive: true });
  await fs.copyFile('/etc/ssl/certs/ca-certificates.crt', path.join(root, 'etc/ssl/certs/ca-certificates.crt'));
  await fs.writeFile(path.join(root, 'etc/passwd'), users.map(([name, id, home, shell]) => `${name}:x:${id}:${id}:${name}:${home}:${shell}\n`).join(''));
  await fs.writeFile(path.join(root, 'etc/group'), users.map(([name, id]) => `${name}:x:${id}:\n`).join(''));
}

async function alpineLike(stack, dir) {
  const ref = `${stack.registry}/bench-base/alpine-like:${BASE_VERSION}`;
  if (await exists(stack, ref)) return ref;
  log(`building ${ref} (busybox-static + CA bundle, linux/amd64 and linux/arm64)`);
  const layers = {};
  for (const arch of ['amd64', 'arm64']) {
    const root = path.join(dir, `alpine-${arch}`);
    await fs.mkdir(path.join(root, 'bin'), { recursive: true });
    await fs.mkdir(path.join(root, 'root'), { recursive: true });
    await fs.mkdir(path.join(root, 'tmp'), { recursive: true });
    await fs.chmod(path.join(root, 'tmp'), 0o1777);
    await fs.copyFile(await busybox(arch), path.join(root, 'bin/busybox'));
    await fs.chmod(path.join(root, 'bin/busybox'), 0o755);
    for (const applet of APPLETS) await fs.symlink('busybox', path.join(root, 'bin', applet));
    await etcFiles(root, [['root', 0, '/root', '/bin/sh'], ['nobody', 65534, '/', '/bin/false']]);
    layers[`linux/${arch}`] = path.join(dir, `alpine-${arch}.tar`);
    await tarFolder(root, layers[`linux/${arch}`]);
  }
  await pushMultiArch(stack, ref, layers);
  return ref;
}

async function staticBase(stack, dir) {
  const ref = `${stack.registry}/bench-base/static:${BASE_VERSION}`;
  if (await exists(stack, ref)) return ref;
  log(`building ${ref} (CA bundle, tzdata, passwd; linux/amd64 and linux/arm64)`);
  const root = path.join(dir, 'static');
  await etcFiles(root, [['root', 0, '/root', '/sbin/nologin'], ['nonroot', 65532, '/home/nonroot', '/sbin/nologin']]);
  await fs.mkdir(path.join(root, 'usr/share'), { recursive: true });
  await fs.mkdir(path.join(root, 'tmp'), { recursive: true });
  await fs.chmod(path.join(root, 'tmp'), 0o1777);
  await run('cp', ['-a', '/usr/share/zoneinfo', path.join(root, 'usr/share/zoneinfo')]);
  await rmrf(path.join(root, 'usr/share/zoneinfo/right'));
  const tar = path.join(dir, 'static.tar');
  await tarFolder(root, tar);
  await pushMultiArch(stack, ref, { 'linux/amd64': tar, 'linux/arm64': tar });
  return ref;
}

export async function baseImages(stack) {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bench-bases-'));
  try {
    return { golang: await golangImage(stack, dir), alpine: await alpineLike(stack, dir), static: await staticBase(stack, dir) };
  } finally {
    await rmrf(dir);
  }
}
