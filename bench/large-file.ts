/** A realistic TypeScript file of any length (interfaces, classes, async code, loops), for latency benchmarks. */
function unit(i: number): string {
  return `export interface Order${i}<T> {
  id: string;
  lines: T[];
  total?: number;
}

export class Store${i} {
  private cache = new Map<string, Order${i}<number>>();

  constructor(private readonly name: string) {}

  async load(id: string): Promise<Order${i}<number> | undefined> {
    const hit = this.cache.get(id);
    if (hit) return hit;
    const response = await fetch(\`/api/\${this.name}/\${id}\`);
    const order = (await response.json()) as Order${i}<number>;
    this.cache.set(id, order);
    return order;
  }
}

export function total${i}(order: Order${i}<number>, rate = 0.2): number {
  let sum = 0;
  for (let k = 0; k < order.lines.length; k++) {
    sum += order.lines[k];
  }
  const taxed = sum * (1 + rate);
  while (sum > 1000) {
    sum = sum / 2;
  }
  return Math.round(taxed * 100) / 100;
}

`;
}

/** Valid TypeScript of at least `lines` lines, made of whole units. */
export function makeLargeFile(lines: number): string {
  // Whole units only, so the file stays valid TypeScript (at least `lines` lines).
  let text = '';
  for (let i = 0; text.split('\n').length <= lines; i++) text += unit(i);
  return text;
}

