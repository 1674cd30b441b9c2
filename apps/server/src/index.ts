export { startServer, type LockstepServer } from './app.ts';
export { resolveConfig, type ServerConfig, type ServerOptions } from './config.ts';
export { addServeOptions, serve } from './serve.ts';
