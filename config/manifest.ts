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
export type RestartPolicy = z.infer<typeof RestartPolicySchema>;
/** A member's restart policy when fleet.yaml says nothing — and the agents', which have no manifest entry. */
export const DEFAULT_RESTART_POLICY: RestartPolicy = RestartPolicySchema.parse({});

/** A member container's limits (docker backend), as compose's `cpus` and `mem_limit`; logs rotate at `log_max_size` × `log_max_files`. */
export const ResourcesSchema = z
  .object({
    cpus: z.number().positive().max(256).default(0.5).describe('CPU limit in cores, e.g. 0.5'),
    memory: z.string().regex(/^\d+[kmg]$/, 'a whole number with k, m or g, e.g. 192m').default('192m').describe('memory limit, e.g. 192m or 1g'),
    log_max_size: z.string().regex(/^\d+[kmg]$/, 'a whole number with k, m or g, e.g. 10m').default('10m').describe('size at which a log file rotates'),
    log_max_files: z.number().int().min(1).max(100).default(3).describe('log files kept'),
  })
  .strict();
export type Resources = z.infer<typeof ResourcesSchema>;

/** `192m` → bytes. */
export function memoryBytes(text: string): number {
  const unit = { k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[text.slice(-1) as 'k' | 'm' | 'g'];
  return Number.parseInt(text, 10) * unit;
}

/** Where a replicated member's tasks may run, as compose's `deploy.placement` writes it (swarm backend). */
export const PlacementSchema = z
  .object({
    constraints: z.array(z.string().min(1)).default([]).describe('e.g. node.role == manager, node.labels.zone == a'),
    preferences: z
      .array(z.object({ spread: z.string().min(1).describe('e.g. node.id, node.labels.zone') }).strict())
      .default([])
      .describe('spread the replicas evenly over the values of a node attribute'),
  })
  .strict();

/**
 * How a restart replaces a replicated member's tasks (compose's `deploy.update_config`). One at a time, and by default
 * the old task stops first: on host networking a replica's port belongs to its slot, so a new task cannot bind it
 * while the old one still runs; the other replicas serve meanwhile.
 */
export const UpdateSchema = z
  .object({
    parallelism: z.number().int().min(1).default(1),
    delay: DurationSchema.default(0).describe('wait between two replaced tasks'),
    order: z.enum(['stop-first', 'start-first']).default('stop-first'),
    monitor: DurationSchema.default(2000).describe('how long a new task must keep running to count as updated'),
  })
  .strict();

const MemberFieldsSchema = z
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
    restart: RestartPolicySchema.default(DEFAULT_RESTART_POLICY),
    depends_on: z.array(MemberNameSchema).default([]),
    tags: z.array(z.string()).default([]),
    resources: ResourcesSchema.default(ResourcesSchema.parse({})).describe('docker and swarm backends: CPU and memory limits (and log rotation) of each container'),
    replicas: z.number().int().min(0).default(1).describe('swarm backend: how many tasks run the member'),
    max_replicas: z.number().int().min(1).max(100).default(10).describe('swarm backend: /scale goes no higher'),
    placement: PlacementSchema.optional(),
    update: UpdateSchema.default(UpdateSchema.parse({})),
    tools: z
      .record(z.string().min(1), PermissionSchema)
      .default({})
      .describe("the permission a call of each tool needs (read, operate, admin); a tool not listed needs operate unless it is one of fleetbot's own servers' read-only tools — a server's word about itself is not trusted"),
  })
  .strict();

const NEEDS_COMMAND = 'a member needs a command (process backend) or an image (docker backend)';

/** One member on its own (a manifest checks the command-or-image rule with the rules between members). */
export const MemberSchema = MemberFieldsSchema.superRefine((member, ctx) => {
  if (!member.command && !member.image) ctx.addIssue({ code: 'custom', path: ['command'], message: NEEDS_COMMAND });
  if (member.replicas > member.max_replicas) ctx.addIssue({ code: 'custom', path: ['replicas'], message: `more than max_replicas (${member.max_replicas})` });
});

type Issue = { path: (string | number)[]; message: string };
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The rules between members — unique names, known dependencies, no cycle — and the command-or-image rule, read
 * from the manifest as written: they are reported next to the members' own field errors, not after those are fixed.
 */
function crossMemberIssues(members: unknown[]): Issue[] {
  const issues: Issue[] = [];
  const nodes = members.map((m) => ({
    name: isRecord(m) && typeof m.name === 'string' ? m.name : undefined,
    depends_on: isRecord(m) && Array.isArray(m.depends_on) ? m.depends_on : [],
  }));
  const names = new Map<string, number>();
  nodes.forEach(({ name }, index) => {
    if (name === undefined) return;
    if (names.has(name)) issues.push({ path: ['members', index, 'name'], message: `duplicate member name "${name}"` });
    else names.set(name, index);
  });
  nodes.forEach(({ depends_on }, index) =>
    depends_on.forEach((dependency, depIndex) => {
      if (typeof dependency === 'string' && !names.has(dependency)) issues.push({ path: ['members', index, 'depends_on', depIndex], message: `unknown member "${dependency}"` });
    }),
  );
  members.forEach((m, index) => {
    if (isRecord(m) && m.command === undefined && m.image === undefined) issues.push({ path: ['members', index, 'command'], message: NEEDS_COMMAND });
  });
  const named = nodes.flatMap((n) => (n.name === undefined ? [] : [{ name: n.name, depends_on: n.depends_on.filter((d): d is string => typeof d === 'string') }]));
  const cycle = findCycle(named);
  if (cycle) issues.push({ path: ['members', names.get(cycle[0]!)!, 'depends_on'], message: `dependency cycle: ${cycle.join(' → ')}` });
  return issues;
}

/** The whole manifest; every problem in it — each member's fields and the rules between members — at once. */
export const ManifestSchema = z
  .object({ members: z.array(z.unknown()).min(1, 'the fleet needs at least one member') })
  .strict()
  .transform((raw, ctx) => {
    let failed = false;
    const members = raw.members.map((m, index) => {
      const result = MemberFieldsSchema.safeParse(m);
      if (result.success) return result.data;
      failed = true;
      for (const issue of result.error.issues) ctx.addIssue({ code: 'custom', path: ['members', index, ...issue.path], message: issue.message });
      return undefined;
    });
    for (const issue of crossMemberIssues(raw.members)) {
      failed = true;
      ctx.addIssue({ code: 'custom', ...issue });
    }
    return failed ? z.NEVER : { members: members as Member[] };
  });

/** The members of a manifest that are valid on their own, by index (undefined where one is not). */
export function membersThatParse(raw: unknown): (Member | undefined)[] {
  const members = isRecord(raw) && Array.isArray(raw.members) ? raw.members : [];
  return members.map((m) => {
    const result = MemberSchema.safeParse(m);
    return result.success ? result.data : undefined;
  });
}

export type Member = z.infer<typeof MemberFieldsSchema>;
export type Manifest = z.infer<typeof ManifestSchema>;

export const FleetBackendSchema = z.enum(['process', 'docker', 'swarm']);
export type FleetBackendKind = z.infer<typeof FleetBackendSchema>;

/** What the chosen backend cannot run, each with the manifest key at fault. */
export function backendIssues(members: readonly (Member | undefined)[], backend: FleetBackendKind): Issue[] {
  if (backend === 'process') {
    const replicated = members.findIndex((m) => m !== undefined && m.replicas > 1);
    return replicated === -1 ? [] : [{ path: ['members', replicated, 'replicas'], message: 'only FLEET_BACKEND=swarm runs more than one replica' }];
  }
  return members.flatMap((member, index) => {
    if (!member) return [];
    const at = (key: string, message: string) => ({ path: ['members', index, key], message });
    const issues = [];
    if (!member.image) issues.push(at('image', `FLEET_BACKEND=${backend} runs every member from an image: set one`));
    if (member.kind === 'mcp' && member.transport === 'stdio') {
      // MCP over stdio needs the process that owns the member's pipes; a container's belong to the engine.
      issues.push(at('transport', `stdio cannot work with FLEET_BACKEND=${backend}: serve Streamable HTTP (transport: http) on a fixed port`));
    } else if (member.kind === 'mcp' && member.port === undefined) {
      issues.push(at('port', `FLEET_BACKEND=${backend} needs a fixed port for an http member (containers share the host network)`));
    }
    if (backend === 'docker' && member.replicas > 1) issues.push(at('replicas', 'only FLEET_BACKEND=swarm runs more than one replica'));
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
