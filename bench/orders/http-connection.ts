import net from 'node:net';

/** A response as the bench needs it: status and parsed JSON body. */
export interface BenchResponse {
  status: number;
  body: unknown;
}

/**
 * One keep-alive HTTP/1.1 connection with one request in flight at a time, written straight on
 * the socket. The load generator shares the machine's two cores with the server, and Node's
 * `fetch` tops out near 1,500 requests/s of client CPU on this VM (`http.request` near 6,600/s),
 * so with either the bench would measure its own client. A plain socket reaches about 17,000/s
 * against a hello-world server here, which leaves the server as the thing measured. Every request
 * is still a complete, real HTTP request through the server's full stack; only JSON responses
 * with Content-Length are expected (Fastify sends them so), anything else fails the run.
 */
export class HttpConnection {
  private readonly reader = new ResponseReader();
  private pending: { resolve(r: BenchResponse): void; reject(e: Error): void } | null = null;

  private constructor(
    private readonly socket: net.Socket,
    private readonly host: string,
    private readonly token: string,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    const fail = (error: Error): void => {
      const p = this.pending;
      this.pending = null;
      p?.reject(error);
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('connection closed')));
  }

  static open(url: string, token: string): Promise<HttpConnection> {
    const { hostname, port, host } = new URL(url);
    return new Promise((resolve, reject) => {
      const socket = net.connect(Number(port), hostname);
      socket.once('connect', () => resolve(new HttpConnection(socket, host, token)));
      socket.once('error', reject);
    });
  }

  request(method: 'POST' | 'DELETE', path: string, body?: unknown): Promise<BenchResponse> {
    if (this.pending) return Promise.reject(new Error('one request at a time per connection'));
    const payload = body === undefined ? '' : JSON.stringify(body);
    const head =
      `${method} ${path} HTTP/1.1\r\nHost: ${this.host}\r\nAuthorization: Bearer ${this.token}\r\n` +
      (body === undefined ? '' : 'Content-Type: application/json\r\n') +
      `Content-Length: ${Buffer.byteLength(payload)}\r\n\r\n`;
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.socket.write(head + payload);
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    let parsed: ParsedResponse | undefined;
    try {
      parsed = this.reader.push(chunk);
    } catch (error) {
      this.pending?.reject(error as Error);
      this.pending = null;
      return;
    }
    if (!parsed) return;
    const p = this.pending;
    this.pending = null;
    p?.resolve({ status: parsed.status, body: parsed.body });
  }
}

export interface ParsedResponse {
  status: number;
  body: unknown;
  /** What follows the response in the buffer. */
  rest: Buffer;
}

/** The bytes a keep-alive connection has read, turned into its responses one at a time. */
export class ResponseReader {
  private buffer: Buffer = Buffer.alloc(0);

  /** Adds bytes read; returns the response they complete, if any (throws on a malformed one). */
  push(chunk: Buffer): ParsedResponse | undefined {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const parsed = takeJsonResponse(this.buffer);
    if (parsed) this.buffer = parsed.rest;
    return parsed;
  }
}

/**
 * The first complete HTTP response in `buffer`, parsed as JSON, or undefined while it is still
 * arriving. Only responses with Content-Length are expected (Fastify sends them so); one without
 * throws, failing the run.
 */
function takeJsonResponse(buffer: Buffer): ParsedResponse | undefined {
  const headEnd = buffer.indexOf('\r\n\r\n');
  if (headEnd < 0) return undefined;
  const head = buffer.toString('latin1', 0, headEnd);
  const length = /\r\ncontent-length: *(\d+)/i.exec(head);
  if (!length) throw new Error(`response without Content-Length: ${head.split('\r\n')[0]}`);
  const end = headEnd + 4 + Number(length[1]);
  if (buffer.length < end) return undefined;
  return {
    status: Number(head.slice(9, 12)),
    body: JSON.parse(buffer.toString('utf8', headEnd + 4, end)) as unknown,
    rest: buffer.subarray(end),
  };
}
