import type { AccountEvent } from '@lockstep/protocol';

/**
 * The frame that carries an account event to a device: `JSON.stringify({type: 'event', epoch,
 * event})`. When the batch's writer already made the event's data text (`trading/view-json.ts`,
 * kept with the event by `commitWithEvents`: the text the store holds), the frame is put together
 * around it instead of serialising the data again; the text equals `JSON.stringify(event.data)`,
 * so the frame is the same either way (`event-frame.test.ts`).
 */
export function eventFrame(epoch: string, event: AccountEvent, dataText: string | undefined): string {
  if (dataText === undefined) return JSON.stringify({ type: 'event', epoch, event });
  return (
    `{"type":"event","epoch":${JSON.stringify(epoch)},"event":{"seq":${event.seq},` +
    `"type":${JSON.stringify(event.type)},"at":${JSON.stringify(event.at)},"data":${dataText}}}`
  );
}
