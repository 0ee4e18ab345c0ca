import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseConfig } from '../../src/config.js';
import { realPath, resolveInside } from '../../src/config/paths.js';
import { InputError } from '../../src/errors.js';
import { inputErrorOf } from '../helpers/input-error.js';

/**
 * Real symbolic links in a temporary folder:
 *   <root>/outside/{secret.txt, go.mod, Dockerfile}
 *   <root>/ws/svc/{go.mod, Dockerfile}      the workspace
 *   <root>/ws/out -> ../outside             a link out of the workspace
 *   <root>/ws/abs -> <root>/outside         the same, absolute
 *   <root>/ws/svc-link -> svc               a link that stays inside
 *   <root>/ws/dangling -> <root>/later      a link to a folder that does not exist yet
 *   <root>/ws-link -> ws                    the workspace reached through a link
 */
let root: string;
let ws: string;
let outside: string;

beforeAll(() => {
  root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'gsi-paths-')));
  ws = path.join(root, 'ws');
  outside = path.join(root, 'outside');
  fs.mkdirSync(path.join(ws, 'svc'), { recursive: true });
  fs.mkdirSync(outside);
  for (const dir of [outside, path.join(ws, 'svc')]) {
    fs.writeFileSync(path.join(dir, 'go.mod'), 'module example.com/x\n\ngo 1.26\n');
    fs.writeFileSync(path.join(dir, 'Dockerfile'), 'FROM scratch\n');
  }
  fs.writeFileSync(path.join(outside, 'secret.txt'), 'outside secret');
  fs.symlinkSync('../outside', path.join(ws, 'out'));
  fs.symlinkSync(outside, path.join(ws, 'abs'));
  fs.symlinkSync('svc', path.join(ws, 'svc-link'));
  fs.symlinkSync(path.join(root, 'later'), path.join(ws, 'dangling'));
  fs.symlinkSync('ws', path.join(root, 'ws-link'));
});

afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const configIn = (workspace: string, inputs: Record<string, string>) => parseConfig((name) => ({ image: 'ghcr.io/acme/app', ...inputs })[name] ?? '', workspace);


describe('realPath', () => {
  it('follows links, keeps a missing tail, and follows a dangling link to its target', () => {
    expect(realPath(path.join(ws, 'out', 'go.mod'))).toBe(path.join(outside, 'go.mod'));
    expect(realPath(path.join(ws, 'svc-link', 'not', 'yet'))).toBe(path.join(ws, 'svc', 'not', 'yet'));
    expect(realPath(path.join(ws, 'dangling', 'x'))).toBe(path.join(root, 'later', 'x'));
    expect(realPath(path.join(root, 'ws-link', 'svc'))).toBe(path.join(ws, 'svc'));
  });

  it('gives up on a loop of links', () => {
    fs.symlinkSync('loop-b', path.join(root, 'loop-a'));
    fs.symlinkSync('loop-a', path.join(root, 'loop-b'));
    expect(() => realPath(path.join(root, 'loop-a', 'x'))).toThrow();
  });
});

describe('paths through symbolic links', () => {
  it.each([
    ['working-directory', { 'working-directory': 'out' }],
    ['working-directory', { 'working-directory': 'abs' }],
    ['working-directory', { 'working-directory': 'dangling' }],
    ['dockerfile', { dockerfile: 'out/Dockerfile' }],
    ['dockerfile', { 'working-directory': 'svc', dockerfile: '../out/Dockerfile' }],
    ['secret-files', { 'secret-files': 'key=out/secret.txt' }],
    ['go-version-file', { 'go-version-file': 'abs/go.mod' }],
  ])('refuses %s %j that leads out of the workspace, naming the input and where it leads', (input, inputs) => {
    const error = inputErrorOf(() => configIn(ws, inputs));
    expect(error.input).toBe(input);
    expect(error.message).toContain('a path inside the workspace');
    expect(error.message).toMatch(/through a symbolic link/);
  });

  it('accepts links that stay inside, and returns the real paths', () => {
    const config = configIn(ws, { 'working-directory': 'svc-link', dockerfile: 'Dockerfile', 'secret-files': 'k=go.mod' });
    expect(config.workingDirectory).toBe(path.join(ws, 'svc'));
    expect(config.build).toEqual({ kind: 'dockerfile', path: path.join(ws, 'svc', 'Dockerfile') });
    expect(config.secretFiles).toEqual([{ id: 'k', path: path.join(ws, 'svc', 'go.mod') }]);
  });

  it('accepts a workspace that is itself reached through a link', () => {
    expect(configIn(path.join(root, 'ws-link'), { 'working-directory': 'svc' }).workingDirectory).toBe(path.join(ws, 'svc'));
    expect(() => resolveInside(path.join(root, 'ws-link'), 'working-directory', 'out')).toThrow(InputError);
  });

  it('still refuses text that leaves the workspace, without talking of links', () => {
    const error = inputErrorOf(() => configIn(ws, { 'working-directory': '../outside' }));
    expect(error.message).not.toMatch(/symbolic link/);
  });

  it('takes a folder named like ..x as inside', () => {
    expect(resolveInside(ws, 'working-directory', '..x')).toBe(path.join(ws, '..x'));
  });
});

describe('default binary name', () => {
  it.each([
    // Under act the checkout folder is hostexecutor: the module path names the binary, not the folder.
    ['module github.com/acme/hello\n', '.', 'hello'],
    ['module github.com/acme/tool/v2\r\n\r\ngo 1.26\r\n', '.', 'tool'],
    ['module github.com/acme/hello\n', './cmd/api-server', 'api-server'],
    ['module github.com/acme/Hello_World\n', '.', 'Hello_World'],
  ])('go.mod %j, main %s -> %s', (goMod, main, name) => {
    const checkout = path.join(root, 'hostexecutor');
    fs.rmSync(checkout, { recursive: true, force: true });
    fs.mkdirSync(checkout);
    fs.writeFileSync(path.join(checkout, 'go.mod'), goMod);
    expect(configIn(checkout, { main }).binaryName).toBe(name);
  });

  it('falls back to the folder name without a readable go.mod', () => {
    const checkout = path.join(root, 'no-module', 'svc');
    fs.mkdirSync(checkout, { recursive: true });
    expect(configIn(checkout, {}).binaryName).toBe('svc');
    fs.writeFileSync(path.join(checkout, 'go.mod'), 'go one\n');
    expect(configIn(checkout, {}).binaryName).toBe('svc');
  });

  it('keeps binary-name when given', () => {
    expect(configIn(ws, { 'working-directory': 'svc', 'binary-name': 'server' }).binaryName).toBe('server');
  });
});
