import type { Selectable } from 'kysely';
import { BulkInsert, type Dialect, type Executor } from './kysely-executor.ts';
import type { EngineJournalTable } from './schema.ts';
import type { JournalEntry } from './records.ts';
import type { JournalRepository, SnapshotRepository } from './repositories.ts';

function toEntry(row: Selectable<EngineJournalTable>): JournalEntry {
  return {
    seq: Number(row.seq),
    batch: Number(row.batch),
    command: JSON.parse(row.command) as unknown,
    createdAt: Number(row.created_at),
  };
}

const journalInsert = new BulkInsert(
  'engine_journal',
  ['seq', 'batch', 'command', 'created_at'],
  (e: JournalEntry) => [e.seq, e.batch, JSON.stringify(e.command), e.createdAt],
);

/** The engine's command journal over one executor. */
export function kyselyJournal(db: Executor, dialect: Dialect): JournalRepository {
  return {
    async append(entries) {
      await journalInsert.run(db, dialect, entries);
    },
    async after(afterSeq, limit) {
      const rows = await db
        .selectFrom('engine_journal')
        .selectAll()
        .where('seq', '>', afterSeq)
        .orderBy('seq', 'asc')
        .limit(limit)
        .execute();
      return rows.map(toEntry);
    },
    async head() {
      const row = await db
        .selectFrom('engine_journal')
        .select((eb) => eb.fn.max('seq').as('head'))
        .executeTakeFirst();
      return row?.head == null ? 0 : Number(row.head);
    },
  };
}

/** Engine snapshots over one executor. */
export function kyselySnapshots(db: Executor): SnapshotRepository {
  return {
    async put(s) {
      const values = { journal_seq: s.journalSeq, state: JSON.stringify(s.state), created_at: s.createdAt };
      await db
        .insertInto('engine_snapshots')
        .values(values)
        .onConflict((oc) =>
          oc.column('journal_seq').doUpdateSet({ state: values.state, created_at: values.created_at }),
        )
        .execute();
    },
    async latest() {
      const row = await db
        .selectFrom('engine_snapshots')
        .selectAll()
        .orderBy('journal_seq', 'desc')
        .limit(1)
        .executeTakeFirst();
      if (!row) return undefined;
      return {
        journalSeq: Number(row.journal_seq),
        state: JSON.parse(row.state) as unknown,
        createdAt: Number(row.created_at),
      };
    },
  };
}
