import type { HttpConnection } from './http-connection.ts';
import { randomOrderBody } from './order-body.ts';

/** Open orders one client keeps at most; an account holds at most 200 (Binance's limit). */
export const openPerClientMax = 21;

/** What a client's requests came to: orders placed, cancels done, cancels of orders already gone. */
export interface TradeTally {
  orders: number;
  cancels: number;
  refused: number;
}

/**
 * One request of a bench client: it cancels its oldest open order when it holds
 * `openPerClientMax` of them or, with a chance of 0.3, when it holds any; otherwise it places an
 * order (`randomOrderBody`, IOC with a chance of `iocShare`). `open` is the client's open orders,
 * oldest first. Any answer other than 200, or `404 UNKNOWN_ORDER` for a cancel of an order that
 * filled first ("refused"), throws and fails the run.
 */
export async function tradeOnce(
  connection: HttpConnection,
  rand: () => number,
  open: number[],
  iocShare: number,
  tally: TradeTally,
): Promise<void> {
  if (open.length >= openPerClientMax || (open.length > 0 && rand() < 0.3)) {
    const { status, body } = await connection.request('DELETE', `/v1/orders/BTCUSDT/${open.shift()!}`);
    if (status === 200) tally.cancels += 1;
    else if (status === 404 && codeOf(body) === 'UNKNOWN_ORDER') tally.refused += 1;
    else throw new Error(`cancel answered ${status} ${JSON.stringify(body)}`);
  } else {
    const { status, body } = await connection.request(
      'POST',
      '/v1/orders',
      // Drawn only when asked for, so the default run's seeded sequence stays as it was.
      randomOrderBody(rand, iocShare > 0 && rand() < iocShare ? 'IOC' : 'GTC'),
    );
    if (status !== 200) throw new Error(`order answered ${status} ${JSON.stringify(body)}`);
    const { order } = body as { order: { orderId: number; status: string } };
    tally.orders += 1;
    if (order.status === 'NEW' || order.status === 'PARTIALLY_FILLED') open.push(order.orderId);
  }
}

function codeOf(body: unknown): unknown {
  return typeof body === 'object' && body !== null ? (body as { code?: unknown }).code : undefined;
}
