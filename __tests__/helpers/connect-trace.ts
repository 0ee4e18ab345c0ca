import { execFileSync } from 'node:child_process';

/**
 * The `connect` calls of a process tree, as `strace -f -e trace=connect` logs them, and the ones
 * that address anything but this machine: the suite must only ever address loopback (127.0.0.0/8,
 * ::1, ::ffff:127.x.x.x) and Unix sockets, not even a UDP "connect" that sends nothing.
 */

/** The strace arguments that log every connect of `command` and its children to `logFile`. */
export function straceConnectArgs(logFile: string): string[] {
  // --seccomp-bpf: only connect stops the tracee, so the traced run is not much slower.
  return ['-f', '--seccomp-bpf', '-qq', '-e', 'signal=none', '-e', 'trace=connect', '-o', logFile];
}

/** Throws with a clear message when strace is not installed (scripts/versions.env APT_PACKAGES lists it). */
export function requireStrace(): string {
  try {
    return execFileSync('sh', ['-c', 'command -v strace'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error('strace is missing: scripts/stack.sh up installs it (APT_PACKAGES in scripts/versions.env)');
  }
}

export interface ConnectCall {
  family: string;
  /** The IP address, or the socket path for AF_UNIX; empty when strace printed none. */
  address: string;
  line: string;
}

/** Every connect with its address family and address (a call strace split shows on its first line). */
export function parseConnects(log: string): ConnectCall[] {
  const calls: ConnectCall[] = [];
  for (const line of log.split('\n')) {
    if (!/\bconnect\(\d+, \{/.test(line)) continue;
    const family = /sa_family=(\w+)/.exec(line)?.[1] ?? 'unknown';
    const address =
      /inet_addr\("([^"]*)"\)/.exec(line)?.[1] ??
      /inet_pton\(AF_INET6?, "([^"]*)"/.exec(line)?.[1] ??
      /sun_path=@?"([^"]*)"/.exec(line)?.[1] ??
      '';
    calls.push({ family, address, line: line.trim() });
  }
  return calls;
}

function isLoopback(call: ConnectCall): boolean {
  if (call.family === 'AF_INET') return /^127\.\d+\.\d+\.\d+$/.test(call.address);
  if (call.family === 'AF_INET6') return call.address === '::1' || /^::ffff:127\.\d+\.\d+\.\d+$/i.test(call.address);
  // A Unix socket; AF_UNSPEC dissolves a datagram socket's association; netlink talks to the kernel.
  return call.family === 'AF_UNIX' || call.family === 'AF_UNSPEC' || call.family === 'AF_NETLINK';
}

/** The connects in a strace log that address something other than loopback or a local socket. */
export function offMachineConnects(log: string): ConnectCall[] {
  return parseConnects(log).filter((call) => !isLoopback(call));
}
