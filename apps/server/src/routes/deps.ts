import type { ServerConfig } from '../config.ts';
import type { Metrics } from '../metrics.ts';
import type { AuthService } from '../services/auth-service.ts';
import type { Store } from '@lockstep/store';
import type { RealtimeHub } from '../realtime/hub.ts';

/** What route plugins are given. */
export interface RouteDeps {
  auth: AuthService;
  config: ServerConfig;
  metrics: Metrics;
  store: Store;
  hub: RealtimeHub;
}
