import {
  notificationCategoryOf,
  type NotificationCreatedEvent,
  type NotificationKind,
  type NotificationView,
} from '@lockstep/protocol';
import type { NotificationRecord } from '@lockstep/store';
import type { Emit } from './account-stream.ts';
import { isoTime } from '../domain/iso-time.ts';

export interface NotificationInput {
  kind: NotificationKind;
  title: string;
  body: string;
  ref: Record<string, string | number>;
}

/**
 * Puts a notification in the account's notification centre (B4), inside the caller's transaction:
 * one `notification.created` event, whose `seq` becomes the notification's id when the transaction
 * numbers its events (`commitWithEvents` writes the centre's row then). Every device receives it;
 * each shows it only if the account's category and that device's switch are on.
 */
export function notify(emit: Emit, accountId: number, input: NotificationInput, at: number): void {
  emit<NotificationCreatedEvent>(accountId, 'notification.created', {
    notification: {
      id: 0,
      kind: input.kind,
      category: notificationCategoryOf[input.kind],
      title: input.title,
      body: input.body,
      ref: input.ref,
      createdAt: isoTime(at),
      readAt: null,
    },
  });
}

export function presentNotification(record: NotificationRecord): NotificationView {
  const kind = record.kind as NotificationKind;
  return {
    id: record.id,
    kind,
    category: notificationCategoryOf[kind],
    title: record.title,
    body: record.body,
    ref: record.ref,
    createdAt: isoTime(record.createdAt),
    readAt: record.readAt === null ? null : isoTime(record.readAt),
  };
}
