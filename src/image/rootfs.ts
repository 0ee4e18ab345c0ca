import type { Config, Tristate } from '../config.js';
import { listDependencies, needsCaCertificates, needsZoneinfo } from '../go/deps.js';
import type { GoTool } from '../go/gotool.js';
import { goEnv } from '../platform.js';
import type { Exec } from '../tools.js';
import type { RootfsSpec } from './dockerfile.js';

/** Applies the `auto` rules for CA certificates and zoneinfo from the program's dependencies, and says what it decided. */
export async function decideRootfs(config: Config, go: GoTool, exec: Exec): Promise<{ rootfs: RootfsSpec; note: string }> {
  const decide = (setting: Tristate, auto: () => Promise<boolean>) => (setting === 'auto' ? auto() : Promise.resolve(setting === 'true'));
  const first = config.platforms[0]!;
  let packages: Awaited<ReturnType<typeof listDependencies>> | undefined;
  const deps = async () => (packages ??= await listDependencies(exec, go.go, config.workingDirectory, config.mainPackage, { ...go.env, CGO_ENABLED: '0', ...goEnv(first) }, config.buildTags));
  const caCertificates = await decide(config.caCertificates, async () => needsCaCertificates(await deps()));
  const zoneinfo = await decide(config.timezoneData, async () => needsZoneinfo(await deps()));
  const note =
    `CA certificates: ${caCertificates ? 'included' : 'left out'}${config.caCertificates === 'auto' ? ' (auto: the program ' + (caCertificates ? 'uses' : 'does not use') + ' crypto/x509)' : ''}; ` +
    `zoneinfo: ${zoneinfo ? 'included' : 'left out'}${config.timezoneData === 'auto' ? ' (auto: ' + (zoneinfo ? 'time.LoadLocation is called and time/tzdata is not embedded' : 'no time.LoadLocation outside the standard library, or time/tzdata embedded') + ')' : ''}`;
  return { rootfs: { caCertificates, zoneinfo }, note };
}
