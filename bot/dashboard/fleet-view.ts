import { Queue } from 'bullmq';
import { describeOpportunity } from '../../defi/describe.js';
import type { QueueView, Snapshot } from '../../commands/index.js';
import { QUEUE_NAMES } from '../../queues/all.js';
import type { RedisHub } from '../../redis/hub.js';
import { AuditLog } from '../../security/audit.js';
import { lastScan, rpcState } from '../../state/defi-scan.js';
import { readFleetStatus } from '../../state/fleet-status.js';
import { HealState, type Pause } from '../../state/heal-state.js';
import { agentPresence, listAgents, type AgentPresence } from '../../state/heartbeats.js';
import { SilenceStore, type Silence } from '../../state/silences.js';
import { fleetGauges } from '../../telemetry/metrics.js';

/**
 * The fleet as a bot-side process sees it through Redis, whichever processes run the agents: member status (as the
 * health agent last wrote it) with its silence and healer pause, queue depths and per-minute rates, the latest
 * findings, healing and the audit trail.
 * The dashboard, /metrics, the chart history and /metrics in chat all read it from here.
 * Side effects: reads Redis.
 */

/** What the bot's /metrics needs beyond the commands' snapshot. */
export interface FleetSnapshot extends Snapshot {
  /** Each agent by name, stopped ones included, for fleetbot_agent_up. */
  presence: AgentPresence[];
  /** The scanner's latest chain read. */
  chain: { ok: boolean; block?: number; at: number } | null;
  /** Members whose alerts are muted now, soonest to end first (read from their owner, state/silences.ts). */
  silences: Silence[];
  /** Members the healer leaves alone, and why, by member (read from their owner, state/heal-state.ts). */
  healPaused: Record<string, Pause>;
}

export class FleetView {
  private readonly queues: Map<string, Queue>;
  private readonly audit: AuditLog;
  private readonly silences: SilenceStore;
  private readonly heal: HealState;

  constructor(private readonly hub: RedisHub) {
    this.queues = new Map(QUEUE_NAMES.map((name) => [name, hub.queue(name)]));
    this.audit = new AuditLog(hub, async () => {});
    this.silences = new SilenceStore(hub);
    this.heal = new HealState(hub);
  }

  async snapshot(): Promise<FleetSnapshot> {
    const [status, queues, scan, recent, agents, presence, poll, silences, healPaused] = await Promise.all([
      readFleetStatus(this.hub),
      Promise.all([...this.queues.values()].map((q) => this.queue(q))),
      lastScan(this.hub),
      this.audit.recent(100),
      listAgents(this.hub),
      agentPresence(this.hub),
      rpcState(this.hub),
      this.silences.list(),
      this.heal.paused(),
    ]);
    return {
      at: Date.now(),
      members: status?.members ?? [],
      statusAt: status?.at,
      queues,
      findings: scan && {
        block: scan.block,
        at: scan.at,
        scanMs: scan.totalMs,
        lines: scan.opportunities.map((o) => ({ id: o.id, text: describeOpportunity(o) })),
      },
      healing: recent.filter((e) => e.via === 'healer').slice(0, 20),
      audit: recent.filter((e) => e.via !== 'healer').slice(0, 20),
      agents,
      presence,
      chain: poll ? { ok: poll.ok, block: poll.block, at: poll.at } : null,
      silences,
      healPaused,
    };
  }

  private async queue(queue: Queue): Promise<QueueView> {
    const [counts, completed, failed] = await Promise.all([
      queue.getJobCounts('waiting', 'active', 'delayed', 'failed'),
      queue.getMetrics('completed', 0, 1),
      queue.getMetrics('failed', 0, 1),
    ]);
    // BullMQ's data points are per minute, newest first; the first is the minute still running.
    const lastMinute = (m: { data: number[] }) => m.data[1] ?? m.data[0] ?? 0;
    return {
      name: queue.name,
      waiting: counts.waiting ?? 0,
      active: counts.active ?? 0,
      delayed: counts.delayed ?? 0,
      failed: counts.failed ?? 0,
      completedPerMinute: lastMinute(completed),
      failedPerMinute: lastMinute(failed),
    };
  }

  /** Sets the fleet-wide Prometheus gauges from a snapshot (called before each scrape). */
  static setGauges(snapshot: FleetSnapshot): void {
    for (const gauge of Object.values(fleetGauges)) gauge.reset();
    for (const m of snapshot.members) {
      fleetGauges.memberUp.set({ member: m.name }, m.state === 'running' ? 1 : 0);
      fleetGauges.memberHealthy.set({ member: m.name }, m.health === 'healthy' ? 1 : 0);
      fleetGauges.memberRestarts.set({ member: m.name }, m.restarts);
      // Uptime is as of when the health agent wrote it.
      if (m.uptimeMs !== undefined) fleetGauges.memberLastStart.set({ member: m.name }, Math.floor(((snapshot.statusAt ?? snapshot.at) - m.uptimeMs) / 1000));
    }
    for (const a of snapshot.presence) {
      fleetGauges.agentUp.set({ agent: a.name }, a.up ? 1 : 0);
      fleetGauges.agentHeartbeatAge.set({ agent: a.name }, Math.max(0, (snapshot.at - a.lastBeatAt) / 1000));
    }
    const scanner = { agent: 'scanner' };
    if (snapshot.chain) {
      fleetGauges.scannerLastPoll.set(scanner, snapshot.chain.at / 1000);
      fleetGauges.chainReachable.set(scanner, snapshot.chain.ok ? 1 : 0);
      if (snapshot.chain.block !== undefined) fleetGauges.chainHead.set(scanner, snapshot.chain.block);
    }
    if (snapshot.findings) fleetGauges.scannerLastScan.set(scanner, snapshot.findings.at / 1000);
    for (const q of snapshot.queues) {
      for (const state of ['waiting', 'active', 'delayed', 'failed'] as const) fleetGauges.queueJobs.set({ queue: q.name, state }, q[state]);
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
  }
}
