import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { execCommand } from '../../src/exec.js';
import { prepareBuilder, removeBuilder } from '../../src/image/builder.js';
import { stack } from '../helpers/stack.js';

describe('prepareBuilder against the local stack', () => {
  const s = stack();
  const log = () => {
    const lines: string[] = [];
    return { lines, info: (m: string) => void lines.push(`info: ${m}`), warning: (m: string) => void lines.push(`warning: ${m}`) };
  };

  it('uses a named remote-driver builder as it is and reads its BuildKit version', async () => {
    const builder = await prepareBuilder({ builder: s.builder, buildkitEndpoint: '' }, execCommand);
    expect(builder).toMatchObject({ name: s.builder, created: false, driver: 'remote' });
    expect(builder.buildkitVersion).toMatch(/^v\d+\.\d+\.\d+/);
  });

  it('creates a remote-driver builder for an endpoint, which removeBuilder takes away again', async () => {
    const builder = await prepareBuilder({ builder: '', buildkitEndpoint: s.buildkitAddr }, execCommand);
    try {
      expect(builder).toMatchObject({ created: true, driver: 'remote' });
      expect(execFileSync('docker', ['buildx', 'ls'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })).toContain(builder.name);
    } finally {
      await removeBuilder(builder.name, execCommand);
    }
    expect(execFileSync('docker', ['buildx', 'ls'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })).not.toContain(builder.name);
  }, 120_000);

  it('names a builder that does not exist', async () => {
    const l = log();
    await expect(prepareBuilder({ builder: 'gsi-no-such-builder', buildkitEndpoint: '' }, execCommand, l)).rejects.toThrow(/Cannot use builder "gsi-no-such-builder": no builder "gsi-no-such-builder" found; check the name/);
  });
});
