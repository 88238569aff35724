import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * fleetbot's Prometheus metrics, all declared here. Names follow Prometheus conventions (unit suffixes, `_total`
 * for counters) and every label has a bounded set of values — command and member names from the catalog and the
 * manifest, outcomes from fixed lists — never a user id or free text. Each process counts what happens in it; the
 * fleet-wide gauges (members, queues) are read from Redis at scrape time by the process serving /metrics.
 */

export const registry = new Registry();

let collectingProcessMetrics = false;
/**
 * The process's own figures (CPU, memory, event-loop lag, …), for the process that serves /metrics. Not on import:
 * the event-loop lag monitor wakes its process every 10 ms, and every fleet member and agent process imports this
 * file for its counters — 81 idle members paid several percent of a core for figures nobody read.
 */
export function collectProcessMetrics(): void {
  if (collectingProcessMetrics) return;
  collectingProcessMetrics = true;
  collectDefaultMetrics({ register: registry });
}

const SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export const metrics = {
  commands: new Counter({
    name: 'fleetbot_commands_total',
    help: 'Commands handled, by command, outcome (ok, error, denied) and transport',
    labelNames: ['command', 'outcome', 'via'] as const,
    registers: [registry],
  }),
  commandSeconds: new Histogram({
    name: 'fleetbot_command_duration_seconds',
    help: 'Time from a checked request to its reply, by command',
    labelNames: ['command'] as const,
    buckets: SECONDS,
    registers: [registry],
  }),
  jobSeconds: new Histogram({
    name: 'fleetbot_job_duration_seconds',
    // Not `job`: Prometheus gives every scraped series its own `job` label.
    help: 'Time a worker spent on a job, by queue, job name and outcome (completed, failed)',
    labelNames: ['queue', 'job_name', 'outcome'] as const,
    buckets: SECONDS,
    registers: [registry],
  }),
  jobFailures: new Counter({
    name: 'fleetbot_job_failures_total',
    help: 'Jobs that failed, by queue and job name',
    labelNames: ['queue', 'job_name'] as const,
    registers: [registry],
  }),
  chatTurns: new Counter({
    name: 'fleetbot_chat_turns_total',
    help: 'Chat turns, by how they ended (answered, confirmation, routed, unrouted, step_limit, model_error, unreadable)',
    labelNames: ['outcome'] as const,
    registers: [registry],
  }),
  chatToolCalls: new Counter({
    name: 'fleetbot_chat_tool_calls_total',
    help: 'Tool calls the model asked for, by kind (command, mcp) and outcome (ok, refused, error, confirmation)',
    labelNames: ['kind', 'outcome'] as const,
    registers: [registry],
  }),
  chatModelSeconds: new Histogram({
    name: 'fleetbot_chat_model_call_duration_seconds',
    help: 'Time waiting on the language model, per call',
    buckets: SECONDS,
    registers: [registry],
  }),
  confirmations: new Counter({
    name: 'fleetbot_confirmations_total',
    help: 'Answers to confirmations, by answer (confirmed, cancelled, expired, refused, already_answered)',
    labelNames: ['answer'] as const,
    registers: [registry],
  }),
  notifierMessages: new Counter({
    name: 'fleetbot_notifier_messages_total',
    help: 'Messages the notifier tried to post, by outcome (sent, rejected, held)',
    labelNames: ['outcome'] as const,
    registers: [registry],
  }),
  notifications: new Counter({
    name: 'fleetbot_notifications_total',
    help: 'Notifications taken from the notify queue, by kind (alert, finding, healing, audit)',
    labelNames: ['kind'] as const,
    registers: [registry],
  }),
  discordErrors: new Counter({
    name: 'fleetbot_discord_errors_total',
    help: 'Discord API errors seen by the notifier, by HTTP status class (4xx, 5xx) or network',
    labelNames: ['status'] as const,
    registers: [registry],
  }),
  scannerPairs: new Counter({
    name: 'fleetbot_scanner_pools_read_total',
    help: 'Pool reserves read by the scanner',
    registers: [registry],
  }),
  scanSeconds: new Histogram({
    name: 'fleetbot_scanner_scan_duration_seconds',
    help: 'One scan: read, evaluate, simulate',
    buckets: SECONDS,
    registers: [registry],
  }),
  opportunities: new Counter({
    name: 'fleetbot_scanner_opportunities_total',
    help: 'Simulated opportunities found by the scanner, by whether they were posted (new or grown) or repeats',
    labelNames: ['outcome'] as const,
    registers: [registry],
  }),
  simulatedProfit: new Gauge({
    name: 'fleetbot_scanner_best_simulated_profit',
    help: "Best simulated net profit of the latest scan, in the base token's whole units",
    labelNames: ['token'] as const,
    // Summed over scanners it would mean nothing; the best of them does.
    aggregator: 'max',
    registers: [registry],
  }),
};

/** Fleet-wide gauges, filled from Redis when scraped (see the dashboard's collectors). */
export const fleetGauges = {
  memberUp: new Gauge({ name: 'fleetbot_member_up', help: '1 when the member runs', labelNames: ['member'] as const, registers: [registry] }),
  memberHealthy: new Gauge({ name: 'fleetbot_member_healthy', help: '1 when the member is healthy', labelNames: ['member'] as const, registers: [registry] }),
  memberRestarts: new Gauge({
    name: 'fleetbot_member_restarts',
    help: 'Restarts of the member since the process running the fleet started',
    labelNames: ['member'] as const,
    registers: [registry],
  }),
  memberLastStart: new Gauge({
    name: 'fleetbot_member_last_start_timestamp_seconds',
    help: 'When the member last started (unix seconds)',
    labelNames: ['member'] as const,
    registers: [registry],
  }),
  agentUp: new Gauge({
    name: 'fleetbot_agent_up',
    help: '1 while the agent has a live heartbeat; 0 once it is silent (kept for a day after its last beat)',
    labelNames: ['agent'] as const,
    registers: [registry],
  }),
  agentHeartbeatAge: new Gauge({
    name: 'fleetbot_agent_heartbeat_age_seconds',
    help: "Seconds since the agent's latest heartbeat",
    labelNames: ['agent'] as const,
    registers: [registry],
  }),
  // The scanner's figures carry `agent="scanner"`: a gauge without labels would read 0 where no scanner ever ran,
  // and a rule would take that for a stalled scanner.
  chainHead: new Gauge({ name: 'fleetbot_chain_head_block', help: 'The latest block number the scanner read from the chain', labelNames: ['agent'] as const, registers: [registry] }),
  chainReachable: new Gauge({ name: 'fleetbot_scanner_rpc_up', help: "1 when the scanner's latest chain read succeeded", labelNames: ['agent'] as const, registers: [registry] }),
  scannerLastPoll: new Gauge({
    name: 'fleetbot_scanner_last_poll_timestamp_seconds',
    help: 'When the scanner last asked the chain for a new block, successfully or not (unix seconds)',
    labelNames: ['agent'] as const,
    registers: [registry],
  }),
  scannerLastScan: new Gauge({
    name: 'fleetbot_scanner_last_scan_timestamp_seconds',
    help: 'When the scanner last scanned the pools (one scan per new block; unix seconds)',
    labelNames: ['agent'] as const,
    registers: [registry],
  }),
  queueJobs: new Gauge({
    name: 'fleetbot_queue_jobs',
    help: 'Jobs in each queue by state (waiting, active, delayed, failed, completed kept)',
    labelNames: ['queue', 'state'] as const,
    registers: [registry],
  }),
};
