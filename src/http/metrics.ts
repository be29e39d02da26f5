/**
 * Prometheus metrics written by hand (text exposition format 0.0.4): counters and histograms
 * kept here, gauges read at scrape time from the store and the queue.
 *
 *   latticefit_jobs{status}                          gauge     jobs in each state (store)
 *   latticefit_queue_depth                           gauge     queued jobs
 *   latticefit_workers{state="busy"|"capacity"}      gauge     worker threads (Redis mode: summed over workers)
 *   latticefit_bullmq_jobs{queue,state}              gauge     Redis mode: BullMQ waiting/active/delayed/failed
 *   latticefit_workers_seen                          gauge     Redis mode: worker processes with a live heartbeat
 *   latticefit_worker_jobs{worker,host,state}        gauge     Redis mode: busy and capacity per worker process
 *   latticefit_worker_heartbeat_age_seconds{worker,host}  gauge  Redis mode
 *   latticefit_jobs_submitted_total{kind}            counter
 *   latticefit_jobs_finished_total{kind,status}      counter
 *   latticefit_jobs_requeued_total{reason}           counter
 *   latticefit_job_duration_seconds{kind,status}     histogram run time of finished attempts
 *   latticefit_http_request_duration_seconds{method,route,status}  histogram
 *   nodejs_eventloop_delay_seconds{quantile}         gauge     event-loop delay (p50, p99, max)
 */
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { Counter, Histogram, gauge } from '../prometheus.js';

export { Counter, Histogram };

const LOOP_RESOLUTION_MS = 10;

export class Metrics {
  readonly httpDuration = new Histogram('latticefit_http_request_duration_seconds', 'HTTP request latency by route and status', [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
  ]);
  readonly jobDuration = new Histogram('latticefit_job_duration_seconds', 'run time of finished job attempts (fits and property jobs)', [
    0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600,
  ]);
  readonly submitted = new Counter('latticefit_jobs_submitted_total', 'jobs accepted');
  readonly finished = new Counter('latticefit_jobs_finished_total', 'jobs that reached a final state');
  readonly requeued = new Counter('latticefit_jobs_requeued_total', 'jobs put back to the queue');
  private readonly loopDelay: IntervalHistogram;

  constructor() {
    this.loopDelay = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
    this.loopDelay.enable();
  }

  stop(): void {
    this.loopDelay.disable();
  }

  /** The exposition text, with gauges supplied by the caller. */
  render(gauges: string[]): string {
    const d = this.loopDelay;
    // the histogram records the whole sampling interval: the delay is what exceeds it
    const delay = (ns: number): number => (d.count ? Math.max(0, Math.round(ns / 1e3 - LOOP_RESOLUTION_MS * 1e3) / 1e6) : 0);
    const loop = gauge('nodejs_eventloop_delay_seconds', 'event-loop delay since start (should stay small: tasks run in worker threads)', [
      [{ quantile: '0.5' }, delay(d.percentile(50))],
      [{ quantile: '0.99' }, delay(d.percentile(99))],
      [{ quantile: '1' }, delay(d.max)],
    ]);
    return [...gauges, this.submitted.render(), this.finished.render(), this.requeued.render(), this.jobDuration.render(), this.httpDuration.render(), loop].join('\n\n') + '\n';
  }
}
