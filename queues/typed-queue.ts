import { Job, Queue, QueueEvents, UnrecoverableError, Worker, type JobsOptions } from 'bullmq';
import type { z } from 'zod';
import type { Logger } from '../telemetry/logger.js';
import { metrics } from '../telemetry/metrics.js';
import type { RedisHub } from '../redis/hub.js';

/**
 * A BullMQ queue whose jobs are declared with zod: each job name has a payload schema and a result schema.
 * Producers validate before adding, workers validate what they receive and what they return, and callers that wait
 * for a result get it parsed — Redis is a trust boundary like any other.
 */

export interface JobSpec {
  payload: z.ZodType;
  result: z.ZodType;
  /** Options for one job of this kind, e.g. deduplication by member. */
  options?: (payload: never) => JobsOptions;
}

export interface QueueSpec<J extends Record<string, JobSpec>> {
  name: string;
  jobs: J;
  /** Defaults for every job: attempts, backoff, retention (trimmed by count). */
  defaults: JobsOptions;
}

export type JobName<J> = Extract<keyof J, string>;
export type PayloadOf<J extends Record<string, JobSpec>, K extends keyof J> = z.input<J[K]['payload']>;
export type ResultOf<J extends Record<string, JobSpec>, K extends keyof J> = z.output<J[K]['result']>;
export type Handlers<J extends Record<string, JobSpec>> = {
  [K in JobName<J>]: (payload: z.output<J[K]['payload']>, job: Job, token?: string) => Promise<z.input<J[K]['result']>>;
};

/** Finished jobs kept for `/queues`, the dashboard and the task-queue server: trimmed by count, failed ones longer. */
const KEEP_FINISHED = { removeOnComplete: { count: 1000 }, removeOnFail: { count: 5000 } } as const;

/** A queue's declaration; finished jobs are kept as KEEP_FINISHED says unless its defaults say otherwise. */
export function defineQueue<J extends Record<string, JobSpec>>(spec: QueueSpec<J>): QueueSpec<J> {
  return { ...spec, defaults: { ...KEEP_FINISHED, ...spec.defaults } };
}

/** The caller waited `waitedMs`; the job was either taken off the queue (cancelled) or is still running. */
export class JobTimeoutError extends Error {
  constructor(
    readonly jobId: string,
    readonly state: 'cancelled' | 'running',
    readonly waitedMs: number,
  ) {
    super(`job ${jobId} ${state === 'cancelled' ? 'was not picked up and was cancelled' : 'is still running'} after ${waitedMs} ms`);
  }
}

/** The worker ran the job and it failed; `message` is the worker's reason, written for the user. */
export class JobFailedError extends Error {}

export class QueueClient<J extends Record<string, JobSpec>> {
  readonly queue: Queue;
  private events?: QueueEvents;

  constructor(
    readonly spec: QueueSpec<J>,
    private readonly hub: RedisHub,
  ) {
    this.queue = hub.queue(spec.name, { defaultJobOptions: spec.defaults });
    // Every caller waiting for a result listens for the queue closing; hundreds may wait at once.
    this.queue.setMaxListeners(0);
  }

  /** Adds a job; `extra` options (e.g. a delay) go on top of the job kind's own. */
  async add<K extends JobName<J>>(name: K, payload: PayloadOf<J, K>, extra: JobsOptions = {}): Promise<Job> {
    const job = this.spec.jobs[name]!;
    const data = job.payload.parse(payload);
    return this.queue.add(name, data, { ...job.options?.(data as never), ...extra });
  }

  /** Adds a job and waits for its result; on timeout a job nobody picked up is removed, so it never runs late. */
  async request<K extends JobName<J>>(name: K, payload: PayloadOf<J, K>, timeoutMs: number): Promise<ResultOf<J, K>> {
    const events = await this.queueEvents();
    const job = await this.add(name, payload);
    let value: unknown;
    try {
      value = await job.waitUntilFinished(events, timeoutMs);
    } catch (error) {
      const message = (error as Error).message;
      if (!message.startsWith('Job wait')) throw new JobFailedError(message);
      value = await this.settleAfterTimeout(job, timeoutMs);
    }
    return this.spec.jobs[name]!.result.parse(value) as ResultOf<J, K>;
  }

  private async settleAfterTimeout(job: Job, timeoutMs: number): Promise<unknown> {
    const id = job.id!;
    const state = await this.queue.getJobState(id);
    if (state === 'completed') return (await Job.fromId(this.queue, id))?.returnvalue;
    if (state === 'failed') throw new JobFailedError((await Job.fromId(this.queue, id))?.failedReason ?? 'failed');
    if (state === 'active') throw new JobTimeoutError(id, 'running', timeoutMs);
    try {
      await job.remove();
      throw new JobTimeoutError(id, 'cancelled', timeoutMs);
    } catch (error) {
      if (error instanceof JobTimeoutError) throw error;
      // It became active between the two calls (a locked job cannot be removed).
      throw new JobTimeoutError(id, 'running', timeoutMs);
    }
  }

  private async queueEvents(): Promise<QueueEvents> {
    if (!this.events) {
      this.events = new QueueEvents(this.spec.name, { connection: this.hub.connect(), prefix: this.hub.prefix });
      this.events.on('error', () => {});
    }
    await this.events.waitUntilReady();
    return this.events;
  }

  async close(): Promise<void> {
    await this.events?.close();
    await this.queue.close();
  }
}

export interface WorkerOptions {
  concurrency: number;
  log: Logger;
  /** How long a job stays locked to a worker that stops renewing it (a dead process) before another takes it. */
  lockDurationMs?: number;
}

/** Runs `handlers` for the queue's jobs. A payload that does not match its schema fails at once, without retries. */
export function startWorker<J extends Record<string, JobSpec>>(
  spec: QueueSpec<J>,
  hub: RedisHub,
  handlers: Handlers<J>,
  { concurrency, log, lockDurationMs }: WorkerOptions,
): Worker {
  const worker = new Worker(
    spec.name,
    async (job, token) => {
      const jobSpec = spec.jobs[job.name];
      const handler = (handlers as Record<string, Handlers<J>[JobName<J>]>)[job.name];
      if (!jobSpec || !handler) throw new UnrecoverableError(`unknown job "${job.name}" on queue ${spec.name}`);
      const payload = jobSpec.payload.safeParse(job.data);
      if (!payload.success) throw new UnrecoverableError(`invalid ${job.name} payload: ${payload.error.issues[0]?.message}`);
      return jobSpec.result.parse(await handler(payload.data as never, job, token));
    },
    {
      connection: hub.connect(),
      prefix: hub.prefix,
      concurrency,
      // Per-minute completed and failed counts kept by BullMQ for a day: the dashboard's rates.
      metrics: { maxDataPoints: 24 * 60 },
      ...(lockDurationMs ? { lockDuration: lockDurationMs, stalledInterval: lockDurationMs } : {}),
    },
  );
  const observe = (job: Job | undefined, outcome: 'completed' | 'failed') => {
    if (!job?.processedOn || !job.finishedOn || !(job.name in spec.jobs)) return;
    metrics.jobSeconds.observe({ queue: spec.name, job_name: job.name, outcome }, (job.finishedOn - job.processedOn) / 1000);
  };
  worker.on('completed', (job) => observe(job, 'completed'));
  worker.on('failed', (job, error) => {
    observe(job, 'failed');
    if (job && job.name in spec.jobs) metrics.jobFailures.inc({ queue: spec.name, job_name: job.name });
    log.warn('job failed', { queue: spec.name, job: job?.name, id: job?.id, reason: error.message });
  });
  worker.on('error', (error) => log.error('worker error', { queue: spec.name, error }));
  return worker;
}
