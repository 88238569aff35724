import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * A lock between test files (vitest runs them in parallel processes): a directory made with mkdir, which only one
 * process can make, holding the holder's pid; taken over when that process is gone. Returns the release.
 */
export async function holdLock(lock: string, what: string, timeoutMs = 600_000): Promise<() => Promise<void>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await mkdir(lock);
      await writeFile(path.join(lock, 'pid'), String(process.pid));
      return () => rm(lock, { recursive: true, force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number(await readFile(path.join(lock, 'pid'), 'utf8').catch(() => '0'));
      const alive = holder > 0 && (() => { try { process.kill(holder, 0); return true; } catch { return false; } })();
      if (holder > 0 && !alive) await rm(lock, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`${what} stayed busy for ${timeoutMs / 1000} s (lock ${lock})`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

/**
 * The fleet of deploy/config/fleet.yaml listens on fixed ports (7301–7309): the compose deploy and the stack deploy
 * take turns with them.
 */
export const holdDeployPorts = (timeoutMs?: number) => holdLock(path.join(tmpdir(), 'fleetbot-deploy-ports-lock'), 'the deploy fleet\'s ports', timeoutMs);
