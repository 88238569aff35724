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

  start(name: string): Promise<void> {
    const run = this.run(name);
    return this.exclusive(run, () => this.launch(run));
  }

  stop(name: string): Promise<void> {
    const run = this.run(name);
    return this.exclusive(run, () => this.terminate(run));
  }

  restart(name: string): Promise<void> {
    const run = this.run(name);
    return this.exclusive(run, async () => {
      await this.terminate(run);
      run.restarts++;
      await this.launch(run);
    });
  }

  async startAll(): Promise<void> {
    for (const run of startOrder([...this.runs.values()].map((r) => r.member))) await this.start(run.name);
  }

  events(): AsyncIterable<FleetEvent> {
    const iterator = on(this.emitter, 'event', { close: ['close'] });
    return (async function* () {
      for await (const [event] of iterator) yield event as FleetEvent;
    })();
  }
}
