// Tiny loopback HTTP servers for the error paths a real server does not produce on demand
// (timeouts, malformed 2xx bodies, 429 with rate-limit headers, dropped connections).
import http from 'node:http';
import net from 'node:net';

/** An HTTP server answering every request with `handler(req, res)`; resolves with its base URL. */
export async function fakeHttp(handler) {
  const server = http.createServer(handler);
  const sockets = new Set();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** A port on which nothing listens (bound, then released). */
export async function closedPort() {
  const srv = net.createServer();
  await new Promise((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address();
  await new Promise((resolve) => srv.close(resolve));
  return port;
}
