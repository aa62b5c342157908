/**
 * The user's data directory for what specedit learns (drafter statistics,
 * the accepted-edit log): the `dataDir` setting, else the platform's place
 * for per-user application data.
 */
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';

export interface DataDirEnvironment {
  platform: NodeJS.Platform;
  env: NodeJS.ProcessEnv;
  home: string;
}

const CURRENT: DataDirEnvironment = { platform: process.platform, env: process.env, home: homedir() };

/** `configured` (relative paths resolve against the working directory) or the platform default. */
export function resolveDataDir(configured: string | null, where: DataDirEnvironment = CURRENT): string {
  if (configured) return resolve(configured);
  if (where.platform === 'win32') return join(where.env.LOCALAPPDATA || join(where.home, 'AppData', 'Local'), 'specedit');
  // XDG Base Directory: a relative XDG_DATA_HOME is invalid and must be ignored.
  const xdg = where.env.XDG_DATA_HOME;
  return join(xdg && isAbsolute(xdg) ? xdg : join(where.home, '.local', 'share'), 'specedit');
}
