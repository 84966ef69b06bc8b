import { Counter, Gauge, type Registry } from 'prom-client';

/** The request log's own metrics, on the node's registry (served on /metrics). */
export class RequestLogMetrics {
  /** Rows the database accepted. */
  readonly written: Counter;
  /** Rows dropped, oldest first, because the queue was full (database slow or down) or the drain ran out of time. */
  readonly dropped: Counter<'reason'>;
  /** Failed batch writes (each is retried). */
  readonly writeErrors: Counter;
  /** Rows waiting to be written. */
  readonly queued: Gauge;

  constructor(registry: Registry) {
    this.written = new Counter({ name: 'gateway_request_log_rows_written_total', help: 'Request-log rows written to the logs store', registers: [registry] });
    this.dropped = new Counter({
      name: 'gateway_request_log_rows_dropped_total',
      help: 'Request-log rows dropped unwritten (queue_full: database slow or down; shutdown: drain deadline; disabled: store unusable; rejected: the database refused the row)',
      labelNames: ['reason'] as const,
      registers: [registry],
    });
    this.writeErrors = new Counter({
      name: 'gateway_request_log_write_errors_total',
      help: 'Failed request-log batch writes (retried)',
      registers: [registry],
    });
    this.queued = new Gauge({ name: 'gateway_request_log_queue_rows', help: 'Request-log rows waiting to be written', registers: [registry] });
  }
}
