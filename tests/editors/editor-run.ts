/**
 * What the real-editor tests share: the file they edit, the results they
 * expect, and running an editor headless on a copy of it in a temporary
 * folder (the editor's and the server's files go there too, not to the
 * user's home).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SERVER_ENTRY } from '../../tools/lsp-client.js';

export const SOURCE = `function price(items: { cost: number }[]) {
  let sum = 0;
  for (const item of items) {
    sum += item.cost;
  }
  const report = { sum };
  return report;
}
`;

/** `sum` renamed to `total` at line 2: the shorthand property keeps its key. */
export const RENAMED = SOURCE.replace('let sum', 'let total').replace('sum +=', 'total +=').replace('{ sum }', '{ sum: total }');

/** The loop (lines 3-5) extracted; the function's name is the server's choice, `expectedName` when given. */
export function expectExtracted(out: string, expectedName?: string): void {
  // The type checker prints `{ cost: number; }[]`; while its first program is still being built, the syntax's `{ cost: number }[]`.
  const [, name, itemsType] = out.match(/^function (\w+)\(items: (\{ cost: number;? \}\[\]), sum: number\) \{$/m) ?? [];
  expect(name).toBeDefined();
  if (expectedName !== undefined) expect(name).toBe(expectedName);
  expect(out).toBe(`function price(items: { cost: number }[]) {
  let sum = 0;
  sum = ${name}(items, sum);
  const report = { sum };
  return report;
}

function ${name}(items: ${itemsType}, sum: number) {
  for (const item of items) {
    sum += item.cost;
  }
  return sum;
}
`);
}

/**
 * Runs `command args` with SOURCE in `example.ts` of a fresh folder (env:
 * SPECEDIT_SERVER, SPECEDIT_FILE, SPECEDIT_LOG and `env`); the file's text
 * afterwards. A failure carries the editor's output and its log.
 */
export function runEditor(command: string, args: string[], env: Record<string, string>, timeoutMs: number): string {
  const dir = mkdtempSync(join(tmpdir(), `specedit-${command}-`));
  const file = join(dir, 'example.ts');
  const log = join(dir, 'failures.log');
  writeFileSync(file, SOURCE);
  try {
    execFileSync(command, args, {
      env: { ...process.env, HOME: dir, XDG_DATA_HOME: dir, SPECEDIT_SERVER: SERVER_ENTRY, SPECEDIT_FILE: file, SPECEDIT_LOG: log, ...env },
      timeout: timeoutMs,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return readFileSync(file, 'utf8');
  } catch (error) {
    const e = error as { stderr?: Buffer; stdout?: Buffer; message: string };
    throw new Error(`${command} failed: ${e.message}\n${e.stderr?.toString() ?? ''}${e.stdout?.toString() ?? ''}${existsSync(log) ? readFileSync(log, 'utf8') : ''}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
