import http from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { createHttpServer } from '../../src/http/server.js';
import type { TestProxy } from './proxy.js';
import type { Listening } from './servers.js';

/** Listens with the server `main.ts` builds (timeouts, hooks, write backlog) around a test proxy. */
export async function listenLikeMain(proxy: TestProxy): Promise<Listening> {
  const server = createHttpServer(proxy.app, proxy.deps);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A client connection that writes exactly what it is told and keeps every byte it receives. */
export interface RawClient {
  socket: net.Socket;
  /** Everything received so far (latin1). */
  text(): string;
  /** Bytes this client has handed to its socket. */
  readonly sentBytes: number;
  /** When the server ended or closed the connection (ms since epoch); null while it is open. */
  readonly closedAt: number | null;
  /** Writes `data`; resolves once it is handed to the kernel (false: the connection is gone). */
  write(data: string | Buffer): Promise<boolean>;
  /** Resolves once `condition` holds for what was received; rejects after `timeoutMs`. */
  until(condition: (text: string) => boolean, timeoutMs?: number): Promise<void>;
  /** Resolves once the server has closed the connection; rejects after `timeoutMs`. */
  untilClosed(timeoutMs?: number): Promise<number>;
}

export async function connectRaw(port: number, options: { read?: boolean } = {}): Promise<RawClient> {
  const socket = net.connect(port, '127.0.0.1');
  const chunks: Buffer[] = [];
  let sentBytes = 0;
  let closedAt: number | null = null;
  const waiters = new Set<() => void>();
  const wake = (): void => {
    for (const waiter of waiters) waiter();
  };
  socket.on('error', () => undefined);
  socket.on('data', (chunk: Buffer) => {
    chunks.push(chunk);
    wake();
  });
  const onClosed = (): void => {
    closedAt ??= Date.now();
    wake();
  };
  socket.on('end', onClosed);
  socket.on('close', onClosed);
  await new Promise((resolve) => socket.once('connect', resolve));
  if (options.read === false) socket.pause();
  const text = (): string => Buffer.concat(chunks).toString('latin1');
  const wait = (done: () => boolean, timeoutMs: number, what: string): Promise<void> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        if (!done()) return;
        cleanup();
        resolve();
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(
          new Error(`${what} within ${timeoutMs} ms; received: ${JSON.stringify(text().slice(0, 300))}`),
        );
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });
  return {
    socket,
    text,
    get sentBytes() {
      return sentBytes;
    },
    get closedAt() {
      return closedAt;
    },
    write: (data) =>
      new Promise((resolve) => {
        if (socket.destroyed || !socket.writable) return resolve(false);
        socket.write(data, (error) => {
          if (error === undefined || error === null) sentBytes += Buffer.byteLength(data);
          resolve(error === undefined || error === null);
        });
      }),
    until: (condition, timeoutMs = 2000) =>
      wait(() => condition(text()), timeoutMs, 'expected bytes not received'),
    untilClosed: async (timeoutMs = 2000) => {
      await wait(() => closedAt !== null, timeoutMs, 'connection not closed');
      return closedAt as number;
    },
  };
}

/** One HTTP answer as read off the wire. */
export interface WireAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * The answers in `text`, interim (1xx) ones included, in order; an answer is complete once its
 * `Content-Length` bytes are there (incomplete ones are left out).
 */
export function parseAnswers(text: string): WireAnswer[] {
  const answers: WireAnswer[] = [];
  let rest = text;
  for (;;) {
    const headEnd = rest.indexOf('\r\n\r\n');
    if (headEnd === -1) return answers;
    const [statusLine = '', ...lines] = rest.slice(0, headEnd).split('\r\n');
    const status = Number(statusLine.split(' ')[1]);
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const length = status < 200 ? 0 : Number(headers['content-length'] ?? 0);
    const bodyStart = headEnd + 4;
    if (rest.length < bodyStart + length) return answers;
    answers.push({ status, headers, body: rest.slice(bodyStart, bodyStart + length) });
    rest = rest.slice(bodyStart + length);
  }
}

/** The final (non-1xx) answers in `text`. */
export function finalAnswers(text: string): WireAnswer[] {
  return parseAnswers(text).filter((answer) => answer.status >= 200);
}

/** True once `text` holds a final answer. */
export function hasFinalAnswer(text: string): boolean {
  return finalAnswers(text).length > 0;
}

/** A request head; `headers` are written as given, in order. */
export function head(method: string, path: string, headers: Record<string, string | number>): string {
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}`);
  return [`${method} ${path} HTTP/1.1`, 'Host: 127.0.0.1', ...lines, '', ''].join('\r\n');
}

/** Sends a request with Node's client and reads the answer in full. */
export function fetchAll(
  url: string,
  path: string,
  headers: Record<string, string>,
): Promise<{ status: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${url}${path}`, { headers, agent: false }, (res) => {
      let bytes = 0;
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}
