export { run, buildProgram } from './run.ts';
export { processIo, type CliIo, type InputStream, type OutputStream } from './io.ts';
export { configDir, loadProfile, type Profile } from './profiles.ts';
