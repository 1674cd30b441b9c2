#!/usr/bin/env node
// The command line runs from its TypeScript source, like the server; tsx compiles modules as they load.
import { register } from 'tsx/esm/api';

register();
// A dynamic import, so the loader above is in place before the first TypeScript module is read.
await import('../src/main.ts');
