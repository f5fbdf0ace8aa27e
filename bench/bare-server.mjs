// The yardstick: a bare node:http server answering every request with the same bytes from memory.
// argv: <port> <body file> <content type>
import http from 'node:http';
import { readFileSync } from 'node:fs';

const [port, bodyFile, contentType] = process.argv.slice(2);
const body = readFileSync(bodyFile);
http
  .createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': contentType, 'Content-Length': body.length });
    res.end(body);
  })
  .listen(Number(port), '127.0.0.1', () => process.send?.('ready'));
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(0));
