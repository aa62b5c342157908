/**
 * Every handler runs behind a guard: its parameters are checked against a
 * schema first (server/params.ts), and nothing it throws escapes. A request
 * answers an LSP error (InvalidParams for parameters that do not fit, else
 * RequestFailed with the reason) and is logged with its time; a notification
 * that does not fit is logged and dropped. One bad message never takes the
 * server down.
 */
import { LSPErrorCodes, ResponseError, type CancellationToken } from 'vscode-languageserver/node';
import type { z } from 'zod';
import { describeZodError } from './action-data.js';
import type { Logger } from './logger.js';
import { invalidParams } from './positions.js';

export function guardedRequest<S extends z.ZodType, R>(
  logger: Logger,
  name: string,
  schema: S,
  handler: (params: z.infer<S>, token: CancellationToken) => R | Promise<R>,
): (params: unknown, token: CancellationToken) => Promise<R> {
  return async (params, token) => {
    const started = performance.now();
    try {
      const parsed = schema.safeParse(params);
      if (!parsed.success) throw invalidParams(`specedit: ${name}: invalid parameters: ${describeZodError(parsed.error)}`);
      return await handler(parsed.data, token);
    } catch (error) {
      if (error instanceof ResponseError) throw error;
      logger.error(`${name} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      throw new ResponseError(LSPErrorCodes.RequestFailed, `specedit: ${name} failed: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      logger.info(`${name} ${(performance.now() - started).toFixed(1)} ms`);
    }
  };
}

export function guardedNotification<S extends z.ZodType>(
  logger: Logger,
  name: string,
  schema: S,
  handler: (params: z.infer<S>) => void | Promise<void>,
): (params: unknown) => void {
  const fail = (error: unknown) => logger.error(`${name} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  return (params) => {
    const parsed = schema.safeParse(params);
    if (!parsed.success) {
      logger.warn(`${name} ignored: invalid parameters: ${describeZodError(parsed.error)}`);
      return;
    }
    try {
      const done = handler(parsed.data);
      if (done) done.catch(fail);
    } catch (error) {
      fail(error);
    }
  };
}
