import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The key file in the data folder that seals secrets the server must read back (TOTP seeds). */
export const secretKeyFileName = 'secret-key';

/**
 * Seals and opens short secrets with AES-256-GCM, so a copy of the database alone does not give
 * away anyone's second factor. The key comes from `LOCKSTEP_SECRET_KEY` (base64url, 32 bytes;
 * every process of a cluster needs the same one) or else from `dataDir/secret-key`, created
 * (mode 0600) on first start.
 */
export class SecretBox {
  private constructor(private readonly key: Buffer) {}

  static fromKey(key: Buffer): SecretBox {
    if (key.length !== 32) throw new Error('the secret key must be 32 bytes');
    return new SecretBox(key);
  }

  static open(dataDir: string, configuredKey?: string): SecretBox {
    if (configuredKey) return SecretBox.fromKey(Buffer.from(configuredKey, 'base64url'));
    mkdirSync(dataDir, { recursive: true });
    const file = join(dataDir, secretKeyFileName);
    if (!existsSync(file)) {
      writeFileSync(file, `${randomBytes(32).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
    }
    chmodSync(file, 0o600);
    return SecretBox.fromKey(Buffer.from(readFileSync(file, 'utf8').trim(), 'base64url'));
  }

  /** A key for another purpose, derived from this one (HMAC), so one secret serves them all. */
  derive(purpose: string): string {
    return createHmac('sha256', this.key).update(`lockstep:${purpose}`).digest('base64url');
  }

  seal(plaintext: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return ['v1', iv, cipher.getAuthTag(), body]
      .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
      .join('.');
  }

  /** The plaintext, or an error when the value was not sealed with this key or was altered. */
  unseal(sealed: string): string {
    const [version, iv, tag, body] = sealed.split('.');
    if (version !== 'v1' || iv === undefined || tag === undefined || body === undefined)
      throw new Error('not a sealed value');
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString(
      'utf8',
    );
  }
}
