// The floor of a Node.js UDP server: answers every datagram with itself (QR set), no DNS work at all.
// bench/dns/run.ts measures it next to the rotator to show how much of the per-query cost is Node's
// dgram path (one recvmsg, one JS callback and one sendmsg per datagram) rather than the rotator.
// Usage: node bench/dns/echo-floor.ts PORT   (with --import tsx)
import dgram from 'node:dgram';

const port = Number(process.argv[2]);
const socket = dgram.createSocket({
  type: 'udp4',
  recvBufferSize: 1 << 20,
  sendBufferSize: 1 << 20,
  lookup: (address, _opts, callback) => callback(null, address, 4),
});
socket.on('message', (msg, rinfo) => {
  msg[2]! |= 0x80;
  socket.send(msg, rinfo.port, rinfo.address);
});
socket.bind(port, '127.0.0.1');
for (const sig of ['SIGTERM', 'SIGINT'] as const) process.on(sig, () => socket.close(() => process.exit(0)));
