import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
let configDir: string | undefined;

afterEach(() => {
  if (configDir) rmSync(configDir, { recursive: true, force: true });
});

/** Runs a program to its end and returns its status and output. */
function spawnCli(file: string, args: string[], env: Record<string, string> = {}) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(file, args, { cwd: repoRoot, env: { ...process.env, ...env } }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

describe('the lockstep executable', () => {
  it('runs with node and prints its help', async () => {
    const result = await spawnCli(process.execPath, ['apps/cli/bin/lockstep.js', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: lockstep');
    for (const command of ['serve', 'register', 'login', 'devices', 'logout', 'history', 'whoami']) {
      expect(result.stdout).toContain(command);
    }
  });

  it('is linked into node_modules/.bin and exits 1 with one line when not logged in', async () => {
    configDir = mkdtempSync(join(tmpdir(), 'lockstep-cli-bin-'));
    const bin = join(repoRoot, 'node_modules', '.bin', 'lockstep');
    const version = await spawnCli(bin, ['--version']);
    expect(version).toMatchObject({ code: 0, stdout: '0.1.0\n' });
    const whoami = await spawnCli(bin, ['whoami'], { LOCKSTEP_CONFIG_DIR: configDir });
    expect(whoami).toMatchObject({
      code: 1,
      stdout: '',
      stderr: 'error: not logged in on profile default; run lockstep login\n',
    });
  });
});
