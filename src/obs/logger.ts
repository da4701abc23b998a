/** The server's logger: pino, JSON lines on stderr (stdout carries only the ready line). */
import { pino, type Logger } from 'pino';

/** Creates the logger; level from IXS_LOG_LEVEL (default info). */
export function createLogger(): Logger {
  return pino({ level: process.env.IXS_LOG_LEVEL ?? 'info', base: { app: 'ixs' } }, pino.destination(2));
}
export type { Logger };
