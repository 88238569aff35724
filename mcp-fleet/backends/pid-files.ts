import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { Logger } from '../../telemetry/logger.js';

/**
 * One file per running member under `<home>/members` (`<member>.<fleetbot pid>.json`): which process it is and which
 * fleetbot started it. A fleetbot that dies without its shutdown (SIGKILL, the OOM killer) leaves them behind; the
 * next one with the same home stops those members — after checking that the pid still runs the same command line,
 * so a recycled pid is never killed — and says so.
 * Side effects: writes and removes files under `<home>/members`; signals the process groups of leftover members.
 */

const PidFileSchema = z.object({ member: z.string(), pid: z.number().int().positive(), argv: z.array(z.string()), owner: z.number().int() });

/** How long a leftover member gets after SIGTERM before SIGKILL. */
const LEFTOVER_STOP_MS = 3000;

export class PidFiles {
  constructor(private readonly dir: string) {}

  private file(member: string, owner = process.pid): string {
    return path.join(this.dir, `${member}.${owner}.json`);
  }

  write(member: string, pid: number, argv: string[]): void {
    mkdirSync(this.dir, { recursive: true });
    writeFileSync(this.file(member), JSON.stringify({ member, pid, argv, owner: process.pid }));
  }

  remove(member: string): void {
    rmSync(this.file(member), { force: true });
  }

  /** Stops every member whose fleetbot is gone; members of a live fleetbot (another run on this home) are left alone. */
  async stopLeftovers(log: Logger): Promise<void> {
    let entries: string[];
    try {
      entries = readdirSync(this.dir).filter((f) => f.endsWith('.json'));
    } catch {
      entries = [];
    }
    const stopped: string[] = [];
    for (const entry of entries) {
      const file = path.join(this.dir, entry);
      let record: z.infer<typeof PidFileSchema>;
      try {
        record = PidFileSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
      } catch {
        rmSync(file, { force: true });
        continue;
      }
      // A live owner (this process included: another fleet it runs) still looks after its members; whatever its
      // command line says — a fleetbot embedded in another program (a test runner) is no less alive.
      if (commandLine(record.owner) !== undefined) continue;
      if (commandLine(record.pid) === record.argv.join('\0')) {
        await stopGroup(record.pid);
        log.warn('stopped a member left behind by an earlier fleetbot', { member: record.member, pid: record.pid, owner: record.owner });
        stopped.push(record.member);
      }
      rmSync(file, { force: true });
    }
    if (!stopped.length) log.info('no members left behind by an earlier fleetbot', { dir: this.dir });
  }
}

/** A process's argv as the kernel has it (NUL-separated), or undefined when it is gone or a zombie. */
function commandLine(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) return undefined;
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0$/, '');
  } catch {
    return undefined;
  }
}

/** SIGTERM to the member's process group (it was started as a group leader), SIGKILL if still there after a while. */
async function stopGroup(pid: number): Promise<void> {
  const signal = (s: NodeJS.Signals) => {
    try {
      process.kill(-pid, s);
    } catch {
      try {
        process.kill(pid, s);
      } catch {
        // gone meanwhile
      }
    }
  };
  signal('SIGTERM');
  const deadline = Date.now() + LEFTOVER_STOP_MS;
  while (commandLine(pid) !== undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  if (commandLine(pid) !== undefined) signal('SIGKILL');
  while (commandLine(pid) !== undefined && Date.now() < deadline + 1000) await new Promise((r) => setTimeout(r, 50));
}
