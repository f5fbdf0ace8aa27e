import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** How long a refused client may keep sending after its answer, and how much, before its connection goes. */
export interface DrainLimits {
  drainMs: number;
  drainMaxBytes: number;
}

/**
 * One second: a client that is still uploading reads the answer well within it (curl polls for one while it
 * sends), and a client that ignores the answer is cut off soon.
 */
export const CLOSE_DRAIN_MS = 1000;
/** At most this much more is read (and dropped) after the answer. */
export const CLOSE_DRAIN_MAX_BYTES = 1024 * 1024;
const DRAIN_CHECK_MS = 50;

/**
 * Marks `res` as the last answer of its connection (`Connection: close`) and makes the connection close
 * after it with a short, bounded drain instead of at once. Call before ending `res`.
 *
 * Node closes a `Connection: close` answer's socket with `socket.destroySoon()`: FIN, then destroy as soon
 * as the answer is written. When the client is still sending a body, that destroy makes the kernel answer
 * its next segments with RST, and a client busy uploading may see the reset before it reads the answer.
 * Here the socket still sends FIN after the answer, then reads and drops what arrives until the client
 * closes, {@link DrainLimits.drainMs} pass or {@link DrainLimits.drainMaxBytes} arrive, whichever is first.
 */
export function closeAfterAnswer(
  res: ServerResponse,
  limits: DrainLimits = { drainMs: CLOSE_DRAIN_MS, drainMaxBytes: CLOSE_DRAIN_MAX_BYTES },
): void {
  res.setHeader('Connection', 'close');
  const socket = res.socket as (Socket & { destroySoon?: () => void }) | null;
  if (socket === null) return;
  // Node's own hook (`_http_server.js` calls it once a `Connection: close` answer is written).
  socket.destroySoon = () => drainThenDestroy(socket, limits);
}

function drainThenDestroy(socket: Socket, limits: DrainLimits): void {
  if (socket.destroyed) return;
  socket.end();
  if (socket.readableEnded) {
    // The client had already sent all it would: close once the answer is written, as Node would.
    socket.once('finish', () => socket.destroy());
    return;
  }
  const startBytes = socket.bytesRead;
  // Node's HTTP parser reads the socket itself and drops the rest of the refused body; only the count is ours.
  const check = setInterval(() => {
    if (socket.bytesRead - startBytes > limits.drainMaxBytes) socket.destroy();
  }, DRAIN_CHECK_MS);
  const deadline = setTimeout(() => socket.destroy(), limits.drainMs);
  check.unref();
  deadline.unref();
  socket.once('close', () => {
    clearInterval(check);
    clearTimeout(deadline);
  });
  // The client has stopped sending: nothing is left to drain.
  socket.once('end', () => socket.destroy());
}
