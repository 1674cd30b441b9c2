import type { Device } from './device.ts';

/** What happened to one order, as seen by the bench: acknowledgements and arrivals per device. */
class Track {
  /** `performance.now()` of the placement's HTTP response; NaN until it arrived. */
  placedAck = NaN;
  placedSent = NaN;
  placer = -1;
  placedMeasured = false;
  cancelAck = NaN;
  cancelSent = NaN;
  canceller = -1;
  cancelMeasured = false;
  /**
   * Per device slot: when its first `order.updated` for this order arrived (first `devices`
   * entries), then when its first one with status CANCELED arrived (next `devices`). NaN: not yet.
   */
  readonly arrivals: Float64Array;

  constructor(devices: number) {
    this.arrivals = new Float64Array(devices * 2).fill(NaN);
  }
}

export interface LatencySummary {
  samples: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Arrivals read before the acknowledgement (the event is published right after the commit, the HTTP answer a moment later): counted as 0 ms. */
  beforeAck: number;
  /** Other devices that never received the order's event while the run lasted. */
  missing: number;
  /** Per order, the time until the LAST of the other devices had it (the order is "on every device"). */
  allDevicesP50Ms: number;
  allDevicesP99Ms: number;
  /** From the moment the request was written (not its acknowledgement) to the arrival: the whole round. */
  fromSubmitP50Ms: number;
  fromSubmitP99Ms: number;
  /** The acknowledgement itself: request written to response read. */
  ackP50Ms: number;
  ackP99Ms: number;
}

/**
 * Latency from an order's acknowledgement (its HTTP response read by the bench) to its arrival on
 * each of the account's other devices (their first `order.updated` carrying the order id), all
 * on the bench's one `performance.now()` clock. Cancels are tracked the same way, against the
 * first `order.updated` with status CANCELED. Only acknowledgements read while `measuring` is on
 * make samples.
 */
export class LatencyTracker {
  measuring = false;
  private readonly tracks = new Map<number, Track>();

  constructor(private readonly devicesPerAccount: number) {}

  /** The device side: give this to every device as its order-event sink. */
  readonly onOrderEvent = (device: Device, orderId: number, status: string, at: number): void => {
    const track = this.track(orderId);
    const arrivals = track.arrivals;
    if (Number.isNaN(arrivals[device.slot]!)) arrivals[device.slot] = at;
    const cancelled = this.devicesPerAccount + device.slot;
    if (status === 'CANCELED' && Number.isNaN(arrivals[cancelled]!)) arrivals[cancelled] = at;
  };

  placed(orderId: number, slot: number, sentAt: number, at: number): void {
    const track = this.track(orderId);
    track.placedSent = sentAt;
    track.placedAck = at;
    track.placer = slot;
    track.placedMeasured = this.measuring;
  }

  cancelled(orderId: number, slot: number, sentAt: number, at: number): void {
    const track = this.track(orderId);
    track.cancelSent = sentAt;
    track.cancelAck = at;
    track.canceller = slot;
    track.cancelMeasured = this.measuring;
  }

  summary(kind: 'placed' | 'cancelled'): LatencySummary {
    const samples: number[] = [];
    const perOrder: number[] = [];
    const fromSubmit: number[] = [];
    const acks: number[] = [];
    let beforeAck = 0;
    let missing = 0;
    const offset = kind === 'placed' ? 0 : this.devicesPerAccount;
    for (const track of this.tracks.values()) {
      const measured = kind === 'placed' ? track.placedMeasured : track.cancelMeasured;
      if (!measured) continue;
      const ack = kind === 'placed' ? track.placedAck : track.cancelAck;
      const sent = kind === 'placed' ? track.placedSent : track.cancelSent;
      acks.push(ack - sent);
      const from = kind === 'placed' ? track.placer : track.canceller;
      let last = 0;
      let complete = true;
      for (let slot = 0; slot < this.devicesPerAccount; slot += 1) {
        if (slot === from) continue;
        const arrival = track.arrivals[offset + slot]!;
        if (Number.isNaN(arrival)) {
          missing += 1;
          complete = false;
          continue;
        }
        if (arrival < ack) beforeAck += 1;
        const sample = Math.max(0, arrival - ack);
        samples.push(sample);
        fromSubmit.push(arrival - sent);
        if (sample > last) last = sample;
      }
      if (complete) perOrder.push(last);
    }
    const sorted = Float64Array.from(samples).sort();
    const sortedOrders = Float64Array.from(perOrder).sort();
    const sortedFromSubmit = Float64Array.from(fromSubmit).sort();
    const sortedAcks = Float64Array.from(acks).sort();
    return {
      samples: sorted.length,
      p50Ms: percentile(sorted, 0.5),
      p90Ms: percentile(sorted, 0.9),
      p99Ms: percentile(sorted, 0.99),
      maxMs: percentile(sorted, 1),
      beforeAck,
      missing,
      allDevicesP50Ms: percentile(sortedOrders, 0.5),
      allDevicesP99Ms: percentile(sortedOrders, 0.99),
      fromSubmitP50Ms: percentile(sortedFromSubmit, 0.5),
      fromSubmitP99Ms: percentile(sortedFromSubmit, 0.99),
      ackP50Ms: percentile(sortedAcks, 0.5),
      ackP99Ms: percentile(sortedAcks, 0.99),
    };
  }

  private track(orderId: number): Track {
    let track = this.tracks.get(orderId);
    if (!track) {
      track = new Track(this.devicesPerAccount);
      this.tracks.set(orderId, track);
    }
    return track;
  }
}

/** The value at quantile `q` of sorted samples, in ms rounded to 0.01; NaN without samples. */
export function percentile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return NaN;
  const value = sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return Math.round(value * 100) / 100;
}
