/**
 * fleetbot's layers, checked by `npm test` (tests/unit/architecture.test.ts) — docs/architecture.md explains them.
 * A file may import from its own floor or any floor below it, never from one above; and no file cycle anywhere.
 * Floors, lowest first (the first matching floor is a file's floor):
 */
const FLOORS = [
  { name: 'ground: the Redis connection', path: '^redis/' },
  { name: 'security, telemetry', path: '^(security|telemetry)/' },
  { name: 'config (env + fleet manifest)', path: '^config/' },
  { name: 'shared state in Redis; the chain and arbitrage engine', path: '^(state|defi)/' },
  { name: 'queues', path: '^queues/' },
  { name: 'fleet: backends, MCP pool, health, servers', path: '^mcp-fleet/' },
  { name: 'agents', path: '^agents/' },
  { name: 'commands', path: '^commands/' },
  { name: 'the roads: dispatcher, notifier', path: '^bot/(dispatch|confirmations|command-line|suggest|reply-text|table|stack|tool-catalog|surface|notifier/|metrics-digest)' },
  { name: 'surfaces: transports, chat, dashboard', path: '^bot/(console|discord|chat|dashboard)/' },
  { name: 'composition roots and entry points', path: '^(bot/(roots|cli|devnet|scan-once|remote|scaffold|backup|audit-export|contract-deploy)\\.ts|bin/|bench/)' },
];

const upward = FLOORS.slice(0, -1).map((floor, i) => ({
  name: `no-upward-from-${i}`,
  comment: `${floor.name} may not import a higher floor`,
  severity: 'error',
  from: { path: floor.path },
  to: { path: FLOORS.slice(i + 1).map((f) => f.path) },
}));

// A file must sit on a floor: a new top-level folder is a decision to write down here and in docs/architecture.md.
const placed = {
  name: 'every-file-on-a-floor',
  comment: 'every source file belongs to a floor listed in .dependency-cruiser.cjs',
  severity: 'error',
  from: { pathNot: [...FLOORS.map((f) => f.path), '^tests/', '^node_modules/', '^dist/'] },
  to: {},
};

module.exports = {
  forbidden: [
    { name: 'no-circular', comment: 'no file cycle', severity: 'error', from: {}, to: { circular: true } },
    // The surfaces render what the roads return; none of them depends on another (a second platform stays a plug-in).
    {
      name: 'surfaces-independent',
      comment: 'a transport, the chat or the dashboard does not import another surface',
      severity: 'error',
      from: { path: '^bot/(console|discord|chat|dashboard)/' },
      to: { path: '^bot/(console|discord|chat|dashboard)/', pathNot: ['^bot/$1/'] },
    },
    placed,
    ...upward,
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|dist|tests)/' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
