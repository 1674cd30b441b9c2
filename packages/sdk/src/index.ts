export { LockstepClient, type ClientOptions } from './client.ts';
export {
  AccountConnection,
  type ConnectOptions,
  type WebSocketConstructor,
  type WebSocketLike,
} from './connection.ts';
export { LockstepApiError } from './api-error.ts';
export { RequestSigner, type ApiKeyCredentials } from './signing.ts';
export type * from '@lockstep/protocol';
