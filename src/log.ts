// pino options: JSON logs with static messages and data in fields; secrets redacted by path.
import pino, { type Logger, type LoggerOptions } from 'pino';

export type { Logger };

/** Field names that may carry secrets anywhere in a log object (redacted at any depth we log). */
const SECRET_KEYS = [
  'password', 'token', 'secret', 'secret_key', 'client_secret', 'webhook_secret', 'privateKey', 'private_key',
  'authorization', 'cookie', 'credential', 'plaintext',
];

export function redactPaths(): string[] {
  const paths: string[] = ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]'];
  for (const k of SECRET_KEYS) paths.push(k, `*.${k}`, `*.*.${k}`);
  return paths;
}

export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    base: { app: 'packyard' },
    redact: { paths: redactPaths(), censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
}

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return destination ? pino(loggerOptions(level), destination) : pino(loggerOptions(level));
}
