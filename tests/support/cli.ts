import { spawn } from 'node:child_process';
import path from 'node:path';
import { ROOT } from './fleet.js';

/** Runs a command to its end with `input` on stdin, nothing inherited but `env`; what it printed and its exit code. */
export function runToEnd(command: string, args: string[], { input = '', env, cwd }: { input?: string; env: Record<string, string | undefined>; cwd: string }) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(command, args, { cwd, env, stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

/** The built `fleetbot` CLI as a user runs it. */
export function fleetbot(args: string[], input: string, env: Record<string, string | undefined>, cwd: string) {
  return runToEnd(process.execPath, [path.join(ROOT, 'bin/fleetbot.js'), ...args], { input, env: { HOME: process.env.HOME, ...env }, cwd });
}
