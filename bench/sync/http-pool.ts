import net from 'node:net';
import { ResponseReader, type ParsedResponse } from '../orders/http-connection.ts';

/** A response as the bench needs it: status, parsed JSON body, and when it was complete. */
export interface PoolResponse {
  status: number;
  body: unknown;
  /** `performance.now()` when the whole response had been read. */
  at: number;
}

interface Job {
  head: string;
  resolve(response: PoolResponse): void;
  reject(error: Error): void;
}

/**
 * Keep-alive HTTP/1.1 connections written straight on the socket, as `bench/orders/http-connection.ts`
 * (see there why not `fetch`), but each request carries its own headers: orders here come from
 * 10,000 different sessions, so the credential is per request, not per connection. One request in
 * flight per connection; requests beyond the idle connections wait in FIFO order, and a new
 * connection is opened while there are fewer than `connectionsMax`. Only JSON responses with
 * Content-Length are expected (Fastify sends them so); anything else fails the run.
 */
export class HttpPool {
  private readonly idle: PoolConnection[] = [];
  private readonly queue: Job[] = [];
  private opened = 0;
  private readonly hostname: string;
  private readonly port: number;
  private readonly host: string;

  constructor(
    url: string,
    private readonly connectionsMax: number,
  ) {
    const parsed = new URL(url);
    this.hostname = parsed.hostname;
    this.port = Number(parsed.port);
    this.host = parsed.host;
  }

  /** Requests waiting for a connection. */
  get backlog(): number {
    return this.queue.length;
  }

  get connections(): number {
    return this.opened;
  }

  request(
    method: 'POST' | 'DELETE',
    path: string,
    headers: Record<string, string>,
    body?: unknown,
  ): Promise<PoolResponse> {
    const payload = body === undefined ? '' : JSON.stringify(body);
    let head = `${method} ${path} HTTP/1.1\r\nHost: ${this.host}\r\n`;
    for (const name in headers) head += `${name}: ${headers[name]}\r\n`;
    if (body !== undefined) head += 'Content-Type: application/json\r\n';
    head += `Content-Length: ${Buffer.byteLength(payload)}\r\n\r\n${payload}`;
    return new Promise<PoolResponse>((resolve, reject) => {
      this.queue.push({ head, resolve, reject });
      this.pump();
    });
  }

  close(): void {
    for (const connection of this.idle) connection.socket.destroy();
    this.idle.length = 0;
  }

  private pump(): void {
    while (this.queue.length > 0) {
      const connection = this.idle.pop();
      if (connection) {
        connection.send(this.queue.shift()!);
        continue;
      }
      if (this.opened < this.connectionsMax) {
        this.opened += 1;
        const socket = net.connect(this.port, this.hostname);
        socket.setNoDelay(true);
        const refused = (error: Error): void => {
          // A bench that cannot reach its server has nothing to measure: fail every waiting request.
          for (const job of this.queue.splice(0)) job.reject(error);
        };
        socket.once('error', refused);
        socket.once('connect', () => {
          socket.off('error', refused);
          const connection = new PoolConnection(
            socket,
            (released) => {
              this.idle.push(released);
              this.pump();
            },
            (closed) => {
              // Closed by the server (e.g. its keep-alive timeout): forget it, open another if needed.
              const at = this.idle.indexOf(closed);
              if (at >= 0) this.idle.splice(at, 1);
              this.opened -= 1;
              this.pump();
            },
          );
          this.idle.push(connection);
          this.pump();
        });
      }
      return;
    }
  }
}

class PoolConnection {
  private readonly reader = new ResponseReader();
  private job: Job | null = null;

  constructor(
    readonly socket: net.Socket,
    private readonly released: (connection: PoolConnection) => void,
    closed: (connection: PoolConnection) => void,
  ) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    const fail = (error: Error): void => {
      const job = this.job;
      this.job = null;
      job?.reject(error);
    };
    socket.on('error', fail);
    socket.on('close', () => {
      fail(new Error('connection closed'));
      closed(this);
    });
  }

  send(job: Job): void {
    this.job = job;
    this.socket.write(job.head);
  }

  private onData(chunk: Buffer): void {
    let parsed: ParsedResponse | undefined;
    try {
      parsed = this.reader.push(chunk);
    } catch (error) {
      this.job?.reject(error as Error);
      this.job = null;
      return;
    }
    if (!parsed) return;
    const at = performance.now();
    const job = this.job;
    this.job = null;
    this.released(this);
    job?.resolve({ status: parsed.status, body: parsed.body, at });
  }
}
