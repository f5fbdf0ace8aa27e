import { spawn, type ChildProcess } from 'node:child_process';

const START_TIMEOUT_MS = 15_000;

export interface ProxyProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the port from the "listening" log line. */
  listening: Promise<number>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Runs `src/main.ts` as a real process with only `env` (plus PATH) in its environment. */
export function spawnProxy(env: Record<string, string>): ProxyProcess {
  // One process (tsx as a loader, not as a wrapper that relays signals to a child of its own).
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const listening = new Promise<number>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no listening line within ${START_TIMEOUT_MS} ms:\n${stdout}${stderr}`)),
      START_TIMEOUT_MS,
    );
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      const match = /"port":(\d+)[^\n]*"msg":"vspc-proxy listening"/.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`exited before listening:\n${stdout}${stderr}`));
    });
  });
  listening.catch(() => undefined);
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  return { child, stdout: () => stdout, stderr: () => stderr, listening, exited };
}
