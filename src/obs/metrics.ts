/** Prometheus metrics (prom-client), served on the HTTP port at /metrics. */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The server's metrics in their own registry. */
export class Metrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'ixs_requests_total',
    help: 'Requests handled, by message and outcome',
    labelNames: ['message', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly commits = new Counter({
    name: 'ixs_commits_total',
    help: 'Group commits handed to the store (one per event-loop turn with durable changes)',
    registers: [this.registry],
  });
  readonly batchSize = new Histogram({
    name: 'ixs_commit_batch_requests',
    help: 'Requests per group commit',
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
    registers: [this.registry],
  });
  readonly commitSeconds = new Histogram({
    name: 'ixs_commit_seconds',
    help: 'Time from handing a group commit to the store until it is durable (includes waiting behind earlier ones)',
    buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1],
    registers: [this.registry],
  });
  readonly transactionSeconds = new Histogram({
    name: 'ixs_store_transaction_seconds',
    help: 'Time of one store transaction, including its fsync (group commits queued together share one)',
    buckets: [0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1],
    registers: [this.registry],
  });
  readonly connections = new Gauge({
    name: 'ixs_connections',
    help: 'Open client connections',
    labelNames: ['transport'] as const,
    registers: [this.registry],
  });
  readonly interactions = new Gauge({
    name: 'ixs_interactions',
    help: 'Live interactions',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  private readonly requestCounters = new Map<string, { inc(): void }>();

  /** Counts one request (the labelled child is looked up once per message name and outcome). */
  countRequest(message: string, outcome: 'ok' | 'error'): void {
    const key = `${message}\u0000${outcome}`;
    let c = this.requestCounters.get(key);
    if (!c) {
      c = this.requests.labels(message, outcome);
      this.requestCounters.set(key, c);
    }
    c.inc();
  }
}
