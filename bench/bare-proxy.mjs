// The floor for a miss: a bare node:http pass-through that forwards each request to VSPC on a
// keep-alive socket and answers with VSPC's status, content type and body. No checks, no cache, no logs.
// argv: <port> <upstream port>
import { Buffer } from 'node:buffer';
import http from 'node:http';

const [port, upstreamPort] = process.argv.slice(2).map(Number);
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
http
  .createServer((req, res) => {
    const headers = { accept: req.headers.accept ?? '*/*' };
    if (req.headers.authorization) headers.authorization = req.headers.authorization;
    const upstream = http.request(
      { host: '127.0.0.1', port: upstreamPort, path: req.url, method: req.method, headers, agent },
      (answer) => {
        const chunks = [];
        answer.on('data', (chunk) => chunks.push(chunk));
        answer.on('end', () => {
          const body = Buffer.concat(chunks);
          res.writeHead(answer.statusCode ?? 502, {
            'Content-Type': answer.headers['content-type'] ?? 'application/octet-stream',
            'Content-Length': body.length,
          });
          res.end(body);
        });
      },
    );
    upstream.on('error', () => {
      res.statusCode = 502;
      res.end();
    });
    upstream.end();
  })
  .listen(port, '127.0.0.1', () => process.send?.('ready'));
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(0));
