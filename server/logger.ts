/** Levelled logging. The sink is the editor (window/logMessage) in the server and a buffer in tests. */
export type LogLevel = 'error' | 'warn' | 'info' | 'debug';

const ORDER: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };

export type LogSink = (level: LogLevel, message: string) => void;

export class Logger {
  constructor(
    private sink: LogSink,
    public level: LogLevel = levelFromEnv() ?? 'info',
  ) {}

  enabled(level: LogLevel): boolean {
    return ORDER[level] <= ORDER[this.level];
  }

  log(level: LogLevel, message: string): void {
    if (this.enabled(level)) this.sink(level, message);
  }

  error(message: string): void { this.log('error', message); }
  warn(message: string): void { this.log('warn', message); }
  info(message: string): void { this.log('info', message); }
  debug(message: string): void { this.log('debug', message); }
}

/** `SPECEDIT_LOG_LEVEL` overrides the configured default (useful where the editor's settings are awkward to reach). */
export function levelFromEnv(): LogLevel | undefined {
  const v = process.env.SPECEDIT_LOG_LEVEL;
  return v === 'error' || v === 'warn' || v === 'info' || v === 'debug' ? v : undefined;
}
