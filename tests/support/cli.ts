import { spawn } from 'node:child_process';
import path from 'node:path';
import { ROOT } from './fleet.js';

/** The built `fleetbot` CLI as a user runs it: a child process with `input` on stdin, nothing inherited but `env`. */
export function fleetbot(args: string[], input: string, env: Record<string, string | undefined>, cwd: string) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin/fleetbot.js'), ...args], { cwd, env: { HOME: process.env.HOME, ...env }, stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}
