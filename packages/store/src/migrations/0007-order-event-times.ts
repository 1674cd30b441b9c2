import { sql, type Kysely } from 'kysely';
import type { MigrationContext } from './index.ts';

/**
 * Gives every stored `order.updated` event the order's placement time (`OrderView.time`), which
 * order views carry since this release. Devices replay stored events when they resume, and the
 * protocol says every order view has `time`; without this, one that was offline across the upgrade
 * would hold orders without it. The time is the order row's `created_at` (the time of its first
 * batch, which live events carry too), written as `Date.toISOString()` writes it; integer
 * arithmetic keeps the milliseconds exact. An event whose order row is missing takes its own
 * `updateTime`. Events that already have a time are left as they are.
 */
export async function up(db: Kysely<unknown>, ctx: MigrationContext): Promise<void> {
  if (ctx.dialect === 'sqlite') {
    await sql`
      update account_events
      set data = json_set(data, '$.order.time', coalesce(
        (select strftime('%Y-%m-%dT%H:%M:%S', o.created_at / 1000, 'unixepoch')
            || '.' || printf('%03d', o.created_at % 1000) || 'Z'
         from orders o where o.id = json_extract(account_events.data, '$.order.orderId')),
        json_extract(data, '$.order.updateTime')))
      where type = 'order.updated' and json_type(data, '$.order.time') is null`.execute(db);
    return;
  }
  await sql`
    update account_events e
    set data = jsonb_set(e.data::jsonb, '{order,time}', to_jsonb(coalesce(
      (select to_char(to_timestamp(o.created_at / 1000) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS')
          || '.' || lpad((o.created_at % 1000)::text, 3, '0') || 'Z'
       from orders o where o.id = (e.data::jsonb -> 'order' ->> 'orderId')::bigint),
      e.data::jsonb -> 'order' ->> 'updateTime')))::text
    where e.type = 'order.updated' and e.data::jsonb -> 'order' -> 'time' is null`.execute(db);
}
