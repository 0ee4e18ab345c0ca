import type { Config, Tristate } from '../config.js';
import { needsCaCertificates, needsZoneinfo, type DependencyPackage } from '../go/deps.js';
import type { RootfsSpec } from './dockerfile.js';

/**
 * Applies the `auto` rules for CA certificates and zoneinfo to the program's packages (the run's one
 * `go list -deps` of the main package), and says what it decided.
 */
export async function decideRootfs(config: Config, packages: readonly DependencyPackage[]): Promise<{ rootfs: RootfsSpec; note: string }> {
  const decide = (setting: Tristate, auto: () => Promise<boolean>) => (setting === 'auto' ? auto() : Promise.resolve(setting === 'true'));
  const caCertificates = await decide(config.caCertificates, async () => needsCaCertificates(packages));
  const zoneinfo = await decide(config.timezoneData, () => needsZoneinfo(packages));
  const note =
    `CA certificates: ${caCertificates ? 'included' : 'left out'}${config.caCertificates === 'auto' ? ' (auto: the program ' + (caCertificates ? 'uses' : 'does not use') + ' crypto/x509)' : ''}; ` +
    `zoneinfo: ${zoneinfo ? 'included' : 'left out'}${config.timezoneData === 'auto' ? ' (auto: ' + (zoneinfo ? 'time.LoadLocation is called and time/tzdata is not embedded' : 'no time.LoadLocation outside the standard library, or time/tzdata embedded') + ')' : ''}`;
  return { rootfs: { caCertificates, zoneinfo }, note };
}
