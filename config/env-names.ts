import { closest } from 'fastest-levenshtein';

/**
 * Which names in the environment fleetbot answers for. A misspelt setting must not be ignored in silence
 * (`DISCORD_DEFAULT_PERMISION=none` leaving everyone with `read`), yet the environment also holds every other
 * program's variables. The rule: fleetbot checks only names it could own — those starting with a prefix of its own
 * settings. With a prefix only fleetbot uses (DISCORD_, FLEET_, CHAT_ …) an unknown name is an error; with one other
 * programs share (REDIS_, OPENAI_, DOCKER_ …) it is a warning; any other name is not fleetbot's business.
 */

/**
 * Names fleetbot's own processes meet that are not settings of the bot: what fleetbot sets for its members, what
 * compose reads from the same `.env` file, and the test suite's switches (read by the tests, never by the bot).
 */
export const OTHER_KNOWN_NAMES = [
  // Set by the process backend and compose for each fleet member.
  'FLEETBOT_MEMBER',
  // docker-compose.yml and .ci/run: image names and file locations compose interpolates.
  'FLEETBOT_IMAGE',
  'EXECUTOR_ENV_FILE',
  'REDIS_IMAGE',
  'REDIS_PORT',
  'DOCKER_SOCKET',
  // docker-compose.yml: limits and log rotation of the Redis service and of every service's logs.
  'REDIS_CPUS',
  'REDIS_MEMORY',
  'LOG_MAX_SIZE',
  'LOG_MAX_FILE',
  // The monitoring file: Alertmanager's Discord webhook, a compose secret file.
  'DISCORD_WEBHOOK_URL_FILE',
  // The test suite (tests/support/docker.ts): CI fails instead of skipping when Docker is missing.
  'FLEETBOT_REQUIRE_DOCKER',
  'FLEETBOT_DOCKER_SKIP',
  'FLEETBOT_REQUIRE_MONITORING',
  'FLEETBOT_REQUIRE_SWARM',
  'FLEETBOT_SWARM_DIR',
  'FLEETBOT_SWARM_SKIP',
] as const;

/** Prefixes other programs use as well (redis-cli, OpenAI SDKs, the docker CLI, generic words). */
export const SHARED_PREFIXES = ['REDIS_', 'OPENAI_', 'DOCKER_', 'RPC_', 'LOG_', 'MIN_', 'MAX_', 'TOKEN_', 'AUTO_', 'REPORT_', 'SCAN_'] as const;

/** fleetbot's own words that name no setting yet: a variable starting with one is a mistake all the same. */
export const RESERVED_PREFIXES = ['FLEETBOT_', 'HEAL_', 'DEFI_', 'SCANNER_'] as const;

export interface NameCheck {
  errors: string[];
  warnings: string[];
}

/** A known name's prefix: its first word, or the words all known names starting with that word share (RATE_LIMIT_). */
function prefixesOf(known: readonly string[]): string[] {
  const byFirst = new Map<string, string[][]>();
  for (const name of known) {
    const words = name.split('_');
    if (words.length < 2) continue;
    byFirst.set(words[0]!, [...(byFirst.get(words[0]!) ?? []), words]);
  }
  return [...byFirst.values()].map((names) => {
    if (names.length === 1) return `${names[0]![0]}_`;
    const shared: string[] = [];
    for (let i = 0; names.every((w) => w.length > i + 1 && w[i] === names[0]![i]); i++) shared.push(names[0]![i]!);
    return `${shared.join('_')}_`;
  });
}

/** Builds the check for fleetbot's settings (the keys of its environment schema). */
export function settingNameCheck(settings: readonly string[]): (env: Readonly<Record<string, string | undefined>>) => NameCheck {
  const known = new Set<string>([...settings, ...OTHER_KNOWN_NAMES]);
  const suggestions = [...settings, ...OTHER_KNOWN_NAMES];
  const shared: readonly string[] = SHARED_PREFIXES;
  const own = [...new Set([...prefixesOf(settings).filter((p) => !shared.some((s) => p.startsWith(s))), ...RESERVED_PREFIXES])];
  return (env) => {
    const errors: string[] = [];
    const warnings: string[] = [];
    for (const [name, value] of Object.entries(env)) {
      if (value === undefined || known.has(name)) continue;
      const ownPrefix = own.find((p) => name.startsWith(p));
      const sharedPrefix = shared.find((p) => name.startsWith(p));
      const prefix = ownPrefix ?? sharedPrefix;
      if (prefix === undefined) continue;
      // The nearest among the settings with the same prefix, if there are any: ALERT_REPEAT for ALERT_REPEAT_INTERVAL.
      const family = suggestions.filter((s) => s.startsWith(prefix));
      const nearest = closest(name, family.length > 0 ? family : suggestions);
      if (ownPrefix) errors.push(`environment ${name}: not a fleetbot setting — did you mean ${nearest}?`);
      else warnings.push(`environment ${name}: not a fleetbot setting (ignored) — did you mean ${nearest}?`);
    }
    return { errors, warnings };
  };
}
