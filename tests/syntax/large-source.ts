/**
 * A ~5,000-line TypeScript file for timing: varied real-looking code, each
 * chunk numbered so names repeat the way they do in a big module (locals like
 * `total` and `i` in every function, globals like `console` throughout).
 */
const chunks: ((i: number) => string)[] = [
  i => `
/** Sums the items above a threshold. */
export function compute${i}(items: readonly number[], scale = 2): number {
  let total = 0;
  for (const item of items) {
    if (item > ${i}) total += item * scale;
  }
  return total;
}
`,
  i => `
export class Repository${i}<T extends { id: string }> {
  private readonly items = new Map<string, T>();
  constructor(private readonly name: string, protected limit = ${i}) {}

  add(item: T): this {
    if (this.items.size >= this.limit) throw new Error(\`\${this.name} is full (\${this.limit})\`);
    this.items.set(item.id, item);
    return this;
  }

  find(predicate: (item: T) => boolean): T | undefined {
    for (const [, item] of this.items) if (predicate(item)) return item;
    return undefined;
  }
}
`,
  i => `
interface Options${i} {
  retries?: number;
  timeoutMs: number;
  onError?(error: unknown): void;
}

export async function fetchWithRetry${i}(url: string, { retries = 3, timeoutMs, onError }: Options${i}): Promise<string> {
  let lastError: unknown;
  for (let attempt = 0; attempt <= retries; attempt++) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
      return await response.text();
    } catch (error) {
      lastError = error;
      onError?.(error);
    }
  }
  throw lastError;
}
`,
  i => `
export enum Status${i} { Idle, Running = ${i}, Done }

export function describe${i}(status: Status${i}): string {
  switch (status) {
    case Status${i}.Idle:
      return 'idle';
    case Status${i}.Running: {
      const label = \`running \${status}\`;
      return label;
    }
    default:
      return 'done';
  }
}
`,
  i => `
const handlers${i} = {
  onClick: (event: { x: number; y: number }) => console.log(event.x + event.y),
  onKey(key: string) {
    let i = 0;
    while (i < key.length && key[i] !== ' ') i++;
    return key.slice(0, i);
  },
};

type Handler${i} = keyof typeof handlers${i};
export const names${i}: Handler${i}[] = Object.keys(handlers${i}) as Handler${i}[];
`,
  i => `
export function matrix${i}(rows: number, cols: number): number[][] {
  const result: number[][] = [];
  for (let r = 0; r < rows; r++) {
    const row = new Array<number>(cols);
    for (let c = 0; c < cols; c++) {
      row[c] = r * cols + c + ${i};
    }
    result.push(row);
  }
  // Transpose in place when square.
  if (rows === cols) {
    for (let r = 0; r < rows; r++) for (let c = r + 1; c < cols; c++) [result[r][c], result[c][r]] = [result[c][r], result[r][c]];
  }
  return result;
}
`,
];

export function largeTypeScriptSource(minLines = 5000): string {
  let text = 'import { readFileSync } from "node:fs";\n';
  for (let i = 0; text.split('\n').length < minLines; i++) text += chunks[i % chunks.length](i);
  return text;
}
