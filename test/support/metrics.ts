/**
 * Reads a server's Prometheus metrics as a scraper would: `value(name)` is the sample whose series
 * (name and labels, e.g. `lockstep_engine_refusals_total{reason="full"}`) is exactly `name`.
 */
export async function scrapeMetrics(url: string): Promise<{ value: (series: string) => number }> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return {
    value: (series) => {
      const escaped = series.replace(/[{}()[\].*+?^$|\\]/g, '\\$&');
      const line = new RegExp(`^${escaped} (\\S+)$`, 'm').exec(text);
      if (!line) throw new Error(`the server reports no ${series}`);
      return Number(line[1]);
    },
  };
}
