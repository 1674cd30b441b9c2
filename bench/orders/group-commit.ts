import { scrapeMetrics } from '../../test/support/metrics.ts';

/**
 * The server's group-commit totals so far, from its Prometheus metrics: batches, the commands
 * they held, and the engine's and the store's seconds over them.
 */
export async function groupCommitTotals(
  url: string,
): Promise<{ count: number; commands: number; runSeconds: number; storeSeconds: number }> {
  const { value } = await scrapeMetrics(url);
  return {
    count: value('lockstep_engine_batch_commands_count'),
    commands: value('lockstep_engine_batch_commands_sum'),
    runSeconds: value('lockstep_engine_batch_run_seconds_sum'),
    storeSeconds: value('lockstep_engine_batch_store_seconds_sum'),
  };
}
