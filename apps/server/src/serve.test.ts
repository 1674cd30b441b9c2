import { describe, expect, it } from 'vitest';
import { resolveConfig } from './config.ts';
import { serveOptionsFrom } from './serve.ts';
import { defaultServeFlags } from '../../../test/support/wait.ts';

describe('serve options', () => {
  it('bounds the engine queue at 50,000 commands by default, or at --engine-queue-max', () => {
    const flags = defaultServeFlags;
    expect(resolveConfig().engineQueueMax).toBe(50_000);
    expect(serveOptionsFrom(flags).engineQueueMax).toBe(50_000);
    expect(serveOptionsFrom({ ...flags, engineQueueMax: '2000' }).engineQueueMax).toBe(2_000);
    for (const bad of ['0', '-5', '1.5', 'lots', '', '1e3', '99999999999999999999']) {
      expect(() => serveOptionsFrom({ ...flags, engineQueueMax: bad })).toThrow(/--engine-queue-max/);
    }
  });
});
