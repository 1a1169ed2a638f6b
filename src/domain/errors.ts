// Application errors with stable codes; one mapping from code to HTTP status, used by the
// HTTP error handler and by the CLI (which prints the message and exits non-zero).

export const ERROR_CODES = {
  CONFIG_INVALID: 500,
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  ORG_NOT_FOUND: 404,
  ORG_EXISTS: 409,
  ORG_NAME_INVALID: 400,
  ORG_SYNCED: 409,
  ORG_SYNC_INVALID: 400,
  ORG_LAST_OWNER: 409,
  ORG_FROM_CONFIG: 409,
  USER_NOT_FOUND: 404,
  USER_EXISTS: 409,
  USER_LAST_ADMIN: 409,
  PACKAGE_NOT_FOUND: 404,
  PACKAGE_EXISTS: 409,
  PACKAGE_NAME_INVALID: 400,
  CREDENTIAL_NOT_FOUND: 404,
  CREDENTIAL_EXISTS: 409,
  CREDENTIAL_INVALID: 400,
  /** A package's URL host is not among its credential's bound hosts: the secret is not sent. */
  CREDENTIAL_HOST_MISMATCH: 409,
  TOKEN_INVALID: 400,
  URL_NOT_ALLOWED: 400,
  VCS_URL_DENIED: 400,
  VCS_ERROR: 502,
  VCS_AUTH_FAILED: 502,
  VCS_NOT_FOUND: 502,
  VCS_TIMEOUT: 504,
  VCS_HOST_KEY: 502,
  VCS_TLS: 502,
  LOCKED: 409,
  FORGE_UNAVAILABLE: 503,
  JOB_FAILED: 500,
  JOB_TIMEOUT: 504,
  INTERNAL: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AppError';
    this.code = code;
    this.details = details;
  }

  get httpStatus(): number {
    return ERROR_CODES[this.code];
  }
}

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}
