/**
 * Redis pub/sub between the processes of the Redis mode:
 *
 * - `events`: job events (`JobEvent`: progress, status, requeued) published by whoever changes a
 *   job — workers as they run jobs, an API process when it cancels one — and heard by every API
 *   process, which re-emits them on its local `JobEventBus` for SSE streams, synchronous requests
 *   and metrics. Progress is published as it comes (the worker thread already sends at most one
 *   report per 50 ms); the store keeps the throttled copy that GET reads.
 * - `control`: requests to workers — cancel a job (and its starts), and "this start is done"
 *   notices for the worker gathering a multi-start fit.
 *
 * Pub/sub is fire-and-forget: a process that is disconnected at that moment misses the message.
 * Nothing depends on it alone — an event stream starts from the stored job, workers re-check the
 * stored status of their jobs at every heartbeat (a missed cancel stops the job a heartbeat
 * later), and the gathering worker also polls for start outcomes.
 */
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { JobEventBus, type JobEvent } from './events.js';
import { connectRedis, RedisKeys, type RedisSettings } from './redis-keys.js';

export type ControlMessage =
  /** Stop job `id` wherever it runs, with the starts of its multi-start fit. */
  | { type: 'cancel'; id: string }
  /** Stop the starts of job `id` only (the job itself has already stopped). */
  | { type: 'cancel-starts'; id: string }
  /** A start of job `parentId` has its outcome stored. */
  | { type: 'start-done'; parentId: string; childId: string };

export type ControlListener = (m: ControlMessage) => void;

export class RedisChannels {
  readonly events: JobEventBus;
  readonly keys: RedisKeys;
  private readonly pub: Redis;
  private sub: Redis | undefined;
  private readonly control = new Set<ControlListener>();
  private readonly log: Logger;

  constructor(
    private readonly settings: RedisSettings,
    logger: Logger,
    private readonly listen: { events: boolean; control: boolean },
  ) {
    this.keys = new RedisKeys(settings.prefix);
    this.log = logger.child({ component: 'channels' });
    this.events = new JobEventBus((err) => this.log.error({ err }, 'job event listener failed'));
    this.pub = connectRedis(settings, { name: 'publisher', logger: this.log });
  }

  /** Subscribe to the channels chosen at construction (resubscribed by ioredis after a reconnect). */
  async start(): Promise<void> {
    const channels = [...(this.listen.events ? [this.keys.events] : []), ...(this.listen.control ? [this.keys.control] : [])];
    if (!channels.length) return;
    const sub = (this.sub = connectRedis(this.settings, { name: 'subscriber', logger: this.log, blocking: true }));
    sub.on('message', (channel: string, text: string) => {
      let m: unknown;
      try {
        m = JSON.parse(text);
      } catch {
        this.log.warn({ channel }, 'ignoring a message that is not JSON');
        return;
      }
      if (channel === this.keys.events) this.events.emit(m as JobEvent);
      else if (channel === this.keys.control) for (const l of this.control) l(m as ControlMessage);
    });
    await sub.subscribe(...channels);
  }

  /** Connected and subscribed. */
  get ready(): boolean {
    return this.pub.status === 'ready' && (this.sub === undefined || this.sub.status === 'ready');
  }

  async publishEvent(e: JobEvent): Promise<void> {
    await this.pub.publish(this.keys.events, JSON.stringify(e));
  }

  /** Publish, logging instead of throwing (progress must not fail a job). */
  emit = (e: JobEvent): void => {
    this.publishEvent(e).catch((err: unknown) => this.log.warn({ err, jobId: e.id, type: e.type }, 'job event not published'));
  };

  async publishControl(m: ControlMessage): Promise<void> {
    await this.pub.publish(this.keys.control, JSON.stringify(m));
  }

  onControl(listener: ControlListener): () => void {
    this.control.add(listener);
    return () => this.control.delete(listener);
  }

  async close(): Promise<void> {
    await Promise.all([this.pub, ...(this.sub ? [this.sub] : [])].map((r) => r.quit().catch(() => r.disconnect())));
  }
}
