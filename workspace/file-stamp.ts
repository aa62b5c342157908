import { statSync } from 'node:fs';

/** A file's modification time and size, the sign it changed; undefined when it is missing or not a file. */
export function fileStamp(path: string): string | undefined {
  try {
    const stat = statSync(path);
    return stat.isFile() ? `${stat.mtimeMs}:${stat.size}` : undefined;
  } catch {
    return undefined;
  }
}
