import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkSettingNames, ConfigError, loadConfig, loadEnvConfig } from '../../../config/index.js';
import { ROOT } from '../../support/fleet.js';

// Configuration fails closed: a misspelt fleetbot setting is an error naming the setting meant, a doubtful name
// with a prefix other programs share is a warning, durations need a unit, and every problem is reported at once —
// while every variable that fleetbot's own files set today keeps working.

function problemsOf(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('environment names', () => {
  it('GIVEN a misspelt fleetbot setting THEN start-up fails naming the setting meant', () => {
    expect(problemsOf(() => loadConfig({ DISCORD_DEFAULT_PERMISION: 'none' }, ROOT))).toEqual([
      'environment DISCORD_DEFAULT_PERMISION: not a fleetbot setting — did you mean DISCORD_DEFAULT_PERMISSION?',
    ]);
    expect(problemsOf(() => loadEnvConfig({ RATE_LIMIT_COMMAND: '5' }))).toEqual(['environment RATE_LIMIT_COMMAND: not a fleetbot setting — did you mean RATE_LIMIT_COMMANDS?']);
    expect(problemsOf(() => loadEnvConfig({ DASHBOARD_TOKENFILE: '/run/secrets/t' }))[0]).toMatch(/did you mean DASHBOARD_TOKEN_FILE\?$/);
    // fleetbot's own words with no setting yet count too.
    expect(problemsOf(() => loadEnvConfig({ HEAL_BUDGET: '3' }))[0]).toMatch(/^environment HEAL_BUDGET: not a fleetbot setting — did you mean /);
  });

  it('GIVEN an unknown name with a prefix other programs share THEN it is a warning naming the nearest setting, and start-up goes on', () => {
    const config = loadEnvConfig({ REDIS_URI: 'redis://127.0.0.1:6379', OPENAI_MODLE: 'gpt-4o' });
    expect(config.warnings).toEqual([
      'environment REDIS_URI: not a fleetbot setting (ignored) — did you mean REDIS_URL?',
      'environment OPENAI_MODLE: not a fleetbot setting (ignored) — did you mean OPENAI_MODEL?',
    ]);
    expect(config.redis.url).toBeUndefined();
  });

  it("GIVEN other programs' variables and the test suite's switches THEN they are none of config's business", () => {
    const config = loadEnvConfig({
      PATH: '/usr/bin', HOME: '/root', NODE_OPTIONS: '--max-old-space-size=512', GF_SECURITY_ADMIN_PASSWORD: 'x', TEST_REDIS_URL: 'redis://127.0.0.1:6379',
      npm_config_cache: '/tmp', CI: 'true', FLEETBOT_REQUIRE_DOCKER: '1', FLEETBOT_IMAGE: 'fleetbot:local', FLEETBOT_MEMBER: 'price-feed', PORT: '7301',
    });
    expect(config.warnings).toEqual([]);
  });

  it('GIVEN every variable set by docker-compose.yml (and its monitoring file), deploy/*.env.example, .ci/run and the test suite THEN none is refused', () => {
    const names = new Set<string>();
    const add = (text: string, pattern: RegExp) => {
      for (const m of text.matchAll(pattern)) names.add(m[1]!);
    };
    const compose = ['docker-compose.yml', 'docker-compose.monitoring.yml'].map((file) => readFileSync(path.join(ROOT, file), 'utf8')).join('\n');
    add(compose, /^\s+([A-Z][A-Z0-9_]+):\s/gm); // environment entries
    add(compose, /\$\{([A-Z][A-Z0-9_]+)/g); // interpolations from the .env file
    for (const file of readdirSync(path.join(ROOT, 'deploy')).filter((f) => f.endsWith('.env.example'))) add(readFileSync(path.join(ROOT, 'deploy', file), 'utf8'), /^#?\s*([A-Z][A-Z0-9_]+)=/gm);
    add(readFileSync(path.join(ROOT, '.ci/run'), 'utf8'), /\b([A-Z][A-Z0-9_]+)=/g);
    const tests = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? tests(path.join(dir, d.name)) : d.name.endsWith('.ts') ? [path.join(dir, d.name)] : []));
    for (const file of tests(path.join(ROOT, 'tests'))) {
      const text = readFileSync(file, 'utf8');
      add(text, /process\.env\.([A-Z][A-Z0-9_]+)/g);
      // Keys of the `env: { … }` objects the tests start fleetbot with.
      for (const block of text.matchAll(/\benv: \{([^}]*)\}/g)) add(block[1]!, /\b([A-Z][A-Z0-9_]{2,})\s*:/g);
    }
    expect(names.size).toBeGreaterThan(60);
    for (const known of ['DISCORD_TOKEN', 'FLEETBOT_MEMBER', 'FLEETBOT_REQUIRE_DOCKER', 'RATE_LIMIT_COMMANDS', 'GF_SECURITY_ADMIN_PASSWORD__FILE', 'REDIS_PASSWORD_FILE']) expect(names).toContain(known);
    // Only the names: their values in these files are placeholders and compose expressions.
    expect(checkSettingNames(Object.fromEntries([...names].map((name) => [name, 'x'])))).toEqual({ errors: [], warnings: [] });
  });
});

describe('durations', () => {
  it('GIVEN a duration without a unit THEN it is refused, asking for one; 0 and durations with units are fine', () => {
    expect(problemsOf(() => loadEnvConfig({ OPS_TIMEOUT: '30' }))).toEqual(['environment OPS_TIMEOUT: 30 what? write a unit, e.g. 30s or 30ms']);
    expect(loadEnvConfig({ OPS_TIMEOUT: '30s' }).opsTimeoutMs).toBe(30_000);
    expect(loadEnvConfig({ OPS_TIMEOUT: '1.5m', NOTIFY_GROUP_WAIT: '0' })).toMatchObject({ opsTimeoutMs: 90_000, notify: { groupWaitMs: 0 } });
  });
});

describe('every problem at once', () => {
  it('GIVEN a misspelt name, a unit-less duration, a bad value and a half-set pair THEN one error lists them all', () => {
    const problems = problemsOf(() =>
      loadEnvConfig({ DISCORD_DEFAULT_PERMISION: 'none', OPS_TIMEOUT: '30', CHAT_MAX_STEPS: 'many', EXECUTOR_KEY: 'ab'.repeat(32), REDIS_URI: 'x' }),
    );
    expect(problems).toEqual([
      'environment DISCORD_DEFAULT_PERMISION: not a fleetbot setting — did you mean DISCORD_DEFAULT_PERMISSION?',
      'environment OPS_TIMEOUT: 30 what? write a unit, e.g. 30s or 30ms',
      expect.stringMatching(/^environment CHAT_MAX_STEPS: /),
      'environment EXECUTOR_KEY and EXECUTOR_CONTRACT: set both to enable execution, or neither',
    ]);
    let message = '';
    try {
      loadEnvConfig({ DISCORD_DEFAULT_PERMISION: 'none', OPS_TIMEOUT: '30' });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toBe(
      '2 configuration problems:\n  environment DISCORD_DEFAULT_PERMISION: not a fleetbot setting — did you mean DISCORD_DEFAULT_PERMISSION?\n  environment OPS_TIMEOUT: 30 what? write a unit, e.g. 30s or 30ms',
    );
  });
});
