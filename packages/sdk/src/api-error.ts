import type { ErrorBody } from '@lockstep/protocol';

/** A refusal from the server, with its stable code and the field it names. */
export class LockstepApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly field: string | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(status: number, body: Partial<ErrorBody>) {
    super(body.message ?? `request failed with status ${status}`);
    this.name = 'LockstepApiError';
    this.status = status;
    this.code = body.code ?? 'UNKNOWN';
    this.field = body.field;
    this.details = body.details;
  }
}
