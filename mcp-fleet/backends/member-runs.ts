import { EventEmitter, on } from 'node:events';
import { startOrder, type Member } from '../../config/manifest.js';
import type { FleetEvent } from './index.js';

/** One member as a backend keeps it: its manifest entry, how often fleetbot restarted it, its queue of actions. */
export interface MemberRun {
  member: Member;
  /** Restarts since fleetbot started watching (manual and automatic). */
  restarts: number;
  /** Serialises start/stop/restart of one member. */
  busy: Promise<unknown>;
}

/**
 * What every backend does alike: one run per member; start, stop and restart serialised per member, a restart
 * counted; startAll in dependency order; events fanned out to each events() stream until close. A backend says how a
 * member is launched and terminated.
 */
export abstract class MemberRuns<R extends MemberRun> {
  protected readonly runs = new Map<string, R>();
  private readonly emitter = new EventEmitter();
  /** Set once fleetbot begins to stop: nothing is started or restarted any more, and an exit is expected. */
  protected quiescing = false;

  constructor(members: Member[], makeRun: (member: Member) => Omit<R, 'member' | 'restarts' | 'busy'>) {
    for (const member of members) this.runs.set(member.name, { member, restarts: 0, busy: Promise.resolve(), ...makeRun(member) } as R);
    this.emitter.setMaxListeners(0);
  }

  /** Starts the member unless it runs; resolves once it was started (or could not be). */
  protected abstract launch(run: R): Promise<void>;
  /** Stops the member if it runs; resolves once it has stopped. */
  protected abstract terminate(run: R): Promise<void>;

  protected run(name: string): R {
    const run = this.runs.get(name);
    if (!run) throw new Error(`unknown member "${name}"`);
    return run;
  }

  protected exclusive<T>(run: R, action: () => Promise<T>): Promise<T> {
    const next = run.busy.then(action, action);
    run.busy = next.catch(() => {});
    return next;
  }

  protected emit(event: FleetEvent): void {
    this.emitter.emit('event', event);
  }

  /** Ends every events() stream. */
  protected endEvents(): void {
    this.emitter.emit('close');
  }

  /** Fleetbot is stopping: refuse to start or restart members from now on (the healer may still be asking). */
  quiesce(): void {
    this.quiescing = true;
  }

  private refuseWhileStopping(): void {
    if (this.quiescing) throw new Error('fleetbot is stopping: members are not started or restarted any more');
  }

  start(name: string): Promise<void> {
    const run = this.run(name);
    return this.exclusive(run, async () => {
      this.refuseWhileStopping();
      await this.launch(run);
    });
  }

  stop(name: string): Promise<void> {
    const run = this.run(name);
    return this.exclusive(run, () => this.terminate(run));
  }

  restart(name: string): Promise<void> {
    const run = this.run(name);
    return this.exclusive(run, async () => {
      this.refuseWhileStopping();
      await this.terminate(run);
      this.refuseWhileStopping();
      run.restarts++;
      await this.launch(run);
    });
  }

  /** Stops every member, dependents before what they depend on; members of one level together. */
  protected async terminateAll(): Promise<void> {
    this.quiesce();
    const members = [...this.runs.values()].map((r) => r.member);
    for (const level of stopLevels(members)) await Promise.all(level.map((m) => this.stop(m.name)));
  }

  /** Starts every member concurrently, each once the members it depends on have started (a fleet of 81 in the time of its longest chain). */
  async startAll(): Promise<void> {
    const started = new Map<string, Promise<void>>();
    for (const member of startOrder([...this.runs.values()].map((r) => r.member))) {
      // startOrder puts dependencies first, so theirs are already in the map.
      const after = member.depends_on.map((name) => started.get(name)).filter((p) => p !== undefined);
      started.set(member.name, Promise.all(after).then(() => this.start(member.name)));
    }
    await Promise.all(started.values());
  }

  events(): AsyncIterable<FleetEvent> {
    const iterator = on(this.emitter, 'event', { close: ['close'] });
    return (async function* () {
      for await (const [event] of iterator) yield event as FleetEvent;
    })();
  }
}

/**
 * Reverse dependency order in levels: first the members nothing depends on, last those everything depends on. A
 * member's level is how far it is from the bottom (1 + the highest level of what it depends on).
 */
export function stopLevels(members: Member[]): Member[][] {
  const byName = new Map(members.map((m) => [m.name, m]));
  const depth = new Map<string, number>();
  const depthOf = (m: Member, seen: Set<string>): number => {
    const known = depth.get(m.name);
    if (known !== undefined) return known;
    if (seen.has(m.name)) return 0;
    seen.add(m.name);
    const d = Math.max(-1, ...m.depends_on.map((n) => byName.get(n)).filter((d): d is Member => !!d).map((d) => depthOf(d, seen))) + 1;
    depth.set(m.name, d);
    return d;
  };
  for (const m of members) depthOf(m, new Set());
  const levels: Member[][] = [];
  for (const m of members) (levels[depth.get(m.name)!] ??= []).push(m);
  return levels.filter(Boolean).reverse();
}
