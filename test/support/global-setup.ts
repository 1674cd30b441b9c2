/**
 * Tells a plain `npm test` run what it skipped: suites that need PostgreSQL run only when
 * LOCKSTEP_TEST_POSTGRES_URL is set (`.ci/run` sets it and fails when the server is down).
 */
export default function setup(): void {
  if (!process.env.LOCKSTEP_TEST_POSTGRES_URL) {
    process.stdout.write(
      '\n[lockstep] LOCKSTEP_TEST_POSTGRES_URL is not set: the PostgreSQL runs of the repository, device and\n' +
        '[lockstep] brute-force suites are SKIPPED (SQLite runs as usual). Set it, e.g.\n' +
        '[lockstep]   LOCKSTEP_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test npm test\n\n',
    );
  }
}
