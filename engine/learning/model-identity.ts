import { statSync } from 'node:fs';

/**
 * A cheap identity of a model file: size and modification time. A drafter's
 * statistics belong to the model that earned them; a rebuilt or replaced
 * model starts over. Hashing a GGUF of hundreds of MB at every start would
 * cost more than it is worth; size + mtime changes whenever the file does in
 * practice. undefined when the file cannot be read (then the name alone keys).
 */
export function modelIdentity(path: string): string | undefined {
  try {
    const s = statSync(path);
    return `${s.size}-${Math.round(s.mtimeMs)}`;
  } catch {
    return undefined;
  }
}
