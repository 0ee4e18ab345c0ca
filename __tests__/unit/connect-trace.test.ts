import { describe, expect, it } from '@jest/globals';
import { offMachineConnects, parseConnects } from '../helpers/connect-trace.js';

// Lines as strace 6.1 writes them with -f -e trace=connect.
const LOG = [
  '12047 connect(5, {sa_family=AF_INET, sin_port=htons(80), sin_addr=inet_addr("8.8.8.8")}, 16) = 0',
  '12050 connect(7, {sa_family=AF_INET, sin_port=htons(5000), sin_addr=inet_addr("127.0.0.1")}, 16) = -1 EINPROGRESS (Operation now in progress)',
  '12051 connect(8, {sa_family=AF_INET6, sin6_port=htons(5000), sin6_flowinfo=htonl(0), inet_pton(AF_INET6, "::1", &sin6_addr), sin6_scope_id=0}, 28 <unfinished ...>',
  '12051 <... connect resumed>) = 0',
  '12052 connect(9, {sa_family=AF_INET6, sin6_port=htons(443), sin6_flowinfo=htonl(0), inet_pton(AF_INET6, "2606:4700::6810:84e5", &sin6_addr), sin6_scope_id=0}, 28) = -1 ENETUNREACH (Network is unreachable)',
  '12053 connect(3, {sa_family=AF_UNIX, sun_path="/tmp/go-slim-image-stack/buildkitd.sock"}, 42) = 0',
  '12054 connect(4, {sa_family=AF_INET6, sin6_port=htons(8080), sin6_flowinfo=htonl(0), inet_pton(AF_INET6, "::ffff:127.0.0.1", &sin6_addr), sin6_scope_id=0}, 28) = 0',
  '12055 connect(4, {sa_family=AF_UNSPEC, sa_data="\\0\\0\\0\\0"}, 16) = 0',
  '12056 connect(6, {sa_family=AF_INET, sin_port=htons(53), sin_addr=inet_addr("10.0.0.2")}, 16) = 0',
].join('\n');

describe('connect trace', () => {
  it('reads the family and address of every connect, once per call', () => {
    expect(parseConnects(LOG).map((c) => `${c.family} ${c.address}`)).toEqual([
      'AF_INET 8.8.8.8',
      'AF_INET 127.0.0.1',
      'AF_INET6 ::1',
      'AF_INET6 2606:4700::6810:84e5',
      'AF_UNIX /tmp/go-slim-image-stack/buildkitd.sock',
      'AF_INET6 ::ffff:127.0.0.1',
      'AF_UNSPEC ',
      'AF_INET 10.0.0.2',
    ]);
  });

  it('flags every address off this machine, even a connect that failed or sent nothing', () => {
    expect(offMachineConnects(LOG).map((c) => c.address)).toEqual(['8.8.8.8', '2606:4700::6810:84e5', '10.0.0.2']);
  });
});
