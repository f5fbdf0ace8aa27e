// Runs `tsc` before `npm start` when dist/ is missing or older than any source file,
// so a fresh clone needs only `npm ci` then `npm start`.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

// A directory's own mtime changes when a file in it is added or deleted, so deletions count too.
function newestMtimeMs(dir) {
  let newest = statSync(dir).mtimeMs;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    const mtimeMs = entry.isDirectory() ? newestMtimeMs(path) : statSync(path).mtimeMs;
    if (mtimeMs > newest) newest = mtimeMs;
  }
  return newest;
}

const entry = 'dist/main.js';
const sources = ['src', 'tsconfig.json', 'tsconfig.build.json'];
const sourceMtimeMs = Math.max(
  ...sources.map((p) => (statSync(p).isDirectory() ? newestMtimeMs(p) : statSync(p).mtimeMs)),
);
if (!existsSync(entry) || statSync(entry).mtimeMs < sourceMtimeMs) {
  const started = Date.now();
  process.stderr.write(
    existsSync(entry)
      ? 'vspc-proxy: sources changed since the last build; compiling src/ to dist/ (a few seconds)...\n'
      : 'vspc-proxy: first start, compiling src/ to dist/ (a few seconds)...\n',
  );
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], {
    stdio: 'inherit',
  });
  process.stderr.write(`vspc-proxy: built in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}
