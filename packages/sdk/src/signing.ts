/**
 * Binance-style request signing for API keys (A13), with WebCrypto so it runs in browsers and on
 * Node alike. The signature covers the query string (with `timestamp` and `recvWindow`) followed
 * by the body text, and goes last in the query as `signature`.
 */

/** An API key and how to sign with it: the HMAC secret shown once at creation, or the Ed25519 private key. */
export type ApiKeyCredentials =
  | { key: string; secret: string }
  | {
      key: string;
      /** PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`), or a WebCrypto Ed25519 private key. */
      privateKey: string | CryptoKey;
    };

const encoder = new TextEncoder();

function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

function pemBody(pem: string): Uint8Array<ArrayBuffer> {
  const binary = atob(pem.replace(/-----(BEGIN|END) [A-Z ]+-----/g, '').replace(/\s+/g, ''));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/**
 * Signs payloads with one API key; the imported WebCrypto key is kept, so each signature is one
 * WebCrypto call.
 *
 * @example
 * const signer = new RequestSigner({ key, secret });
 * const query = await signer.signQuery('symbol=BTCUSDT', '', Date.now());
 * // → 'symbol=BTCUSDT&timestamp=…&signature=…'
 */
export class RequestSigner {
  private cryptoKey: Promise<CryptoKey> | undefined;

  constructor(
    readonly credentials: ApiKeyCredentials,
    private readonly recvWindowMs?: number,
  ) {}

  /** The API key, for the X-MBX-APIKEY header. */
  get key(): string {
    return this.credentials.key;
  }

  /** The signature of a payload: lower-case hex HMAC-SHA256, or base64 Ed25519. */
  async sign(payload: string): Promise<string> {
    const key = await (this.cryptoKey ??= this.importKey());
    const data = encoder.encode(payload);
    if ('secret' in this.credentials)
      return toHex(new Uint8Array(await crypto.subtle.sign('HMAC', key, data)));
    return toBase64(new Uint8Array(await crypto.subtle.sign({ name: 'Ed25519' }, key, data)));
  }

  /**
   * The query string to send: `query` (already encoded, may be empty) with `timestamp`, `recvWindow`
   * when set, and last the signature of that query followed by `body`.
   */
  async signQuery(query: string, body: string, timestamp: number): Promise<string> {
    const window = this.recvWindowMs === undefined ? '' : `&recvWindow=${this.recvWindowMs}`;
    const signed = `${query ? `${query}&` : ''}timestamp=${timestamp}${window}`;
    return `${signed}&signature=${encodeURIComponent(await this.sign(signed + body))}`;
  }

  private importKey(): Promise<CryptoKey> {
    const credentials = this.credentials;
    if ('secret' in credentials)
      return crypto.subtle.importKey(
        'raw',
        encoder.encode(credentials.secret),
        { name: 'HMAC', hash: 'SHA-256' },
        false,
        ['sign'],
      );
    if (typeof credentials.privateKey !== 'string') return Promise.resolve(credentials.privateKey);
    return crypto.subtle.importKey('pkcs8', pemBody(credentials.privateKey), { name: 'Ed25519' }, false, [
      'sign',
    ]);
  }
}
