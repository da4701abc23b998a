/** Prometheus metrics (prom-client), served on the HTTP port at /metrics. */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** What the queue and view gauges read at scrape time. */
export interface QueueSource {
  waiting(): Iterable<{ readonly queue: string; readonly media: string; readonly count: number }>;
  views(): Iterable<readonly [view: string, count: number]>;
}

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
  readonly slowConsumers = new Counter({
    name: 'ixs_slow_consumers_total',
    help:
      'Connections whose unsent bytes passed limits.maxOutboundBytes: action catch_up (a reporting engine served from ' +
      'the event log at its own pace) or disconnect (any other client)',
    labelNames: ['action'] as const,
    registers: [this.registry],
  });
  readonly limitRefusals = new Counter({
    name: 'ixs_limit_refusals_total',
    help:
      'What a limit refused or held back: connections (a listener at limits.maxConnections), proxy_clients (error 86), ' +
      'outstanding_requests (a connection no longer read until half its requests are answered)',
    labelNames: ['limit'] as const,
    registers: [this.registry],
  });
  readonly catchingUp = new Gauge({
    name: 'ixs_reporting_catching_up',
    help: 'Reporting engines being served from the event log because they fell behind',
    registers: [this.registry],
  });
  readonly interactions = new Gauge({
    name: 'ixs_interactions',
    help: 'Live interactions',
    registers: [this.registry],
  });

  /** Read at scrape time (see {@link Metrics.observeStore}). */
  private settleLagSource: (() => number) | undefined;
  readonly settleLag = new Gauge({
    name: 'ixs_store_settle_lag_events',
    help: 'Events in the durable log not yet settled (indexed per interaction, their states written to the interaction rows)',
    registers: [this.registry],
    collect: () => {
      if (this.settleLagSource) this.settleLag.set(this.settleLagSource());
    },
  });

  /** Read at scrape time (see {@link Metrics.observeQueues}). */
  private queueSource: QueueSource | undefined;
  readonly queueWaiting: Gauge<'queue' | 'media'> = new Gauge({
    name: 'ixs_queue_waiting',
    help: 'Interactions waiting in each queue, by media (queued, not offered, not in a workbin)',
    labelNames: ['queue', 'media'] as const,
    registers: [this.registry],
    collect: () => {
      this.queueWaiting.reset();
      for (const w of this.queueSource?.waiting() ?? [])
        this.queueWaiting.set({ queue: w.queue, media: w.media }, w.count);
    },
  });
  readonly viewInteractions: Gauge<'view'> = new Gauge({
    name: 'ixs_view_interactions',
    help: 'Waiting interactions in each configured view (those of its queue that match its condition at the scrape)',
    labelNames: ['view'] as const,
    registers: [this.registry],
    collect: () => {
      this.viewInteractions.reset();
      for (const [view, n] of this.queueSource?.views() ?? []) this.viewInteractions.set({ view }, n);
    },
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /** The store's settle lag, read at every scrape. */
  observeStore(settleLag: () => number): void {
    this.settleLagSource = settleLag;
  }

  /** Where the queue and view gauges read their numbers (from the core's indexes: no scan of interactions). */
  observeQueues(source: QueueSource): void {
    this.queueSource = source;
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
