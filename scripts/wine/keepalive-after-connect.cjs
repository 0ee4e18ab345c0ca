// Test harness only (node --require): wine 8 rejects TCP_KEEPALIVE on a socket that is not yet
// connected, which breaks undici's fetch in the Windows build of Node. Keep-alive is set once the
// socket has connected instead.
const net = require('node:net');
const setKeepAlive = net.Socket.prototype.setKeepAlive;
net.Socket.prototype.setKeepAlive = function (enable, delay) {
  if (this.connecting) {
    this.once('connect', () => setKeepAlive.call(this, enable, delay));
    return this;
  }
  return setKeepAlive.call(this, enable, delay);
};
