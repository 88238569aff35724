import { z } from 'zod';
import { PermissionSchema } from '../security/permissions.js';
import { DurationSchema } from './duration.js';

/**
 * The fleet manifest (`fleet.yaml`): every MCP server and agent fleetbot runs and watches.
 * Keys follow docker-compose where there is an equivalent (`depends_on`, `healthcheck` timings, `restart`).
 */

export const MemberNameSchema = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,39}$/, 'use lower-case letters, digits and dashes (at most 40), starting with a letter');

const HealthSchema = z
  .object({
    interval: DurationSchema.default(5000).describe('time between two checks'),
    timeout: DurationSchema.default(2000).describe('a check slower than this fails'),
    retries: z.number().int().min(1).max(100).default(3).describe('consecutive failures before the member is unhealthy'),
    start_period: DurationSchema.default(10_000).describe('failures during this time after a start do not count'),
    tool: z.string().optional().describe('an MCP tool (no arguments) called after the ping; an error result fails the check — e.g. the RPC behind a server'),
    test: z
      .array(z.string())
      .min(1)
      .refine((test) => ['CMD', 'CMD-SHELL', 'NONE'].includes(test[0]!), 'start with CMD, CMD-SHELL or NONE, as in docker-compose')
      .optional()
      .describe('docker backend: the container health check, as compose writes it; it decides over MCP ping (${VAR} is interpolated)'),
  })
  .strict();

const RestartPolicySchema = z
  .object({
    policy: z.enum(['no', 'on-failure', 'always']).default('on-failure'),
    max_restarts: z.number().int().min(0).default(5).describe('automatic restarts allowed per window'),
    window: DurationSchema.default(120_000),
    backoff_initial: DurationSchema.default(100),
    backoff_max: DurationSchema.default(30_000),
  })
  .strict();

export const MemberSchema = z
  .object({
    name: MemberNameSchema,
    description: z.string().default(''),
    kind: z.enum(['mcp', 'agent']).default('mcp').describe('mcp: an MCP server fleetbot connects to; agent: a worker process'),
    transport: z.enum(['stdio', 'http']).default('stdio').describe('how fleetbot speaks MCP with the member'),
    command: z
      .array(z.string().min(1))
      .min(1)
      .optional()
      .describe('argv for the process backend ("fleetbot" as first word names this program); for the docker backend the container command after the image entrypoint, as in compose; ${VAR} is interpolated'),
    image: z.string().optional().describe('container image for the docker backend'),
    port: z.number().int().min(1).max(65535).optional().describe('http transport: fixed port (required by the docker backend; the process backend picks a free one when unset)'),
    path: z.string().startsWith('/').default('/mcp').describe('http transport: path of the MCP endpoint'),
    env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.string()).default({}),
    health: HealthSchema.default(HealthSchema.parse({})),
    restart: RestartPolicySchema.default(RestartPolicySchema.parse({})),
    depends_on: z.array(MemberNameSchema).default([]),
    tags: z.array(z.string()).default([]),
    tools: z
      .record(z.string().min(1), PermissionSchema)
      .default({})
      .describe("the permission a call of each tool needs (read, operate, admin); a tool not listed needs operate unless it is one of fleetbot's own servers' read-only tools — a server's word about itself is not trusted"),
  })
  .strict()
  .superRefine((member, ctx) => {
    if (!member.command && !member.image) {
      ctx.addIssue({ code: 'custom', path: ['command'], message: 'a member needs a command (process backend) or an image (docker backend)' });
    }
  });

export const ManifestSchema = z
  .object({ members: z.array(MemberSchema).min(1, 'the fleet needs at least one member') })
  .strict()
  .superRefine((manifest, ctx) => {
    const names = new Map<string, number>();
    manifest.members.forEach((member, index) => {
      if (names.has(member.name)) {
        ctx.addIssue({ code: 'custom', path: ['members', index, 'name'], message: `duplicate member name "${member.name}"` });
      }
      names.set(member.name, index);
    });
    manifest.members.forEach((member, index) => {
      member.depends_on.forEach((dependency, depIndex) => {
        if (!names.has(dependency)) {
          ctx.addIssue({ code: 'custom', path: ['members', index, 'depends_on', depIndex], message: `unknown member "${dependency}"` });
        }
      });
    });
    const cycle = findCycle(manifest.members);
    if (cycle) {
      ctx.addIssue({ code: 'custom', path: ['members', names.get(cycle[0]!)!, 'depends_on'], message: `dependency cycle: ${cycle.join(' → ')}` });
    }
  });

export type Member = z.infer<typeof MemberSchema>;
export type Manifest = z.infer<typeof ManifestSchema>;

export const FleetBackendSchema = z.enum(['process', 'docker']);
export type FleetBackendKind = z.infer<typeof FleetBackendSchema>;

/** What the chosen backend cannot run, each with the manifest key at fault. */
export function backendIssues(manifest: Manifest, backend: FleetBackendKind): { path: (string | number)[]; message: string }[] {
  if (backend !== 'docker') return [];
  return manifest.members.flatMap((member, index) => {
    const at = (key: string, message: string) => ({ path: ['members', index, key], message });
    const issues = [];
    if (!member.image) issues.push(at('image', 'FLEET_BACKEND=docker runs every member from an image: set one'));
    if (member.kind === 'mcp' && member.transport === 'stdio') {
      // MCP over stdio needs the process that owns the member's pipes; a container's belong to the engine.
      issues.push(at('transport', 'stdio cannot work with FLEET_BACKEND=docker: serve Streamable HTTP (transport: http) on a fixed port'));
    } else if (member.kind === 'mcp' && member.port === undefined) {
      issues.push(at('port', 'FLEET_BACKEND=docker needs a fixed port for an http member (containers share the host network)'));
    }
    return issues;
  });
}

type Node = Pick<Member, 'name' | 'depends_on'>;

function findCycle(members: Node[]): string[] | undefined {
  const byName = new Map(members.map((m) => [m.name, m]));
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (name: string): string[] | undefined => {
    if (state.get(name) === 'done') return undefined;
    if (state.get(name) === 'visiting') return [...stack.slice(stack.indexOf(name)), name];
    state.set(name, 'visiting');
    stack.push(name);
    for (const dependency of byName.get(name)?.depends_on ?? []) {
      const cycle = visit(dependency);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(name, 'done');
    return undefined;
  };
  for (const member of members) {
    const cycle = visit(member.name);
    if (cycle) return cycle;
  }
  return undefined;
}

/** Members sorted so that each comes after everything it depends on (the manifest has no cycles). */
export function startOrder<T extends Node>(members: T[]): T[] {
  const byName = new Map(members.map((m) => [m.name, m]));
  const ordered: T[] = [];
  const seen = new Set<string>();
  const visit = (member: T) => {
    if (seen.has(member.name)) return;
    seen.add(member.name);
    for (const dependency of member.depends_on) {
      const node = byName.get(dependency);
      if (node) visit(node);
    }
    ordered.push(member);
  };
  members.forEach(visit);
  return ordered;
}

/** Replaces `${VAR}` with its value (unset: empty), as docker compose does. */
export function interpolate(text: string, vars: Readonly<Record<string, string | undefined>>): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => vars[name] ?? '');
}
