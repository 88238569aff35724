import { describe, expect, it } from 'vitest';
import { loadEnvConfig, servedGuilds } from '../../../config/index.js';

// Issue 12: the guilds fleetbot serves and Discord sign-in are configured explicitly, or the bot does not start.

const G1 = '111111111111111111';
const G2 = '222222222222222222';
const APP = '333333333333333333';

describe('configuration of the trust boundary', () => {
  it('GIVEN a Discord token without a guild THEN an error: fleetbot answers nowhere it is not told to', () => {
    expect(() => loadEnvConfig({ DISCORD_TOKEN: 'x' })).toThrow(/DISCORD_GUILD_ID: set the guild fleetbot serves/);
  });

  it('GIVEN DISCORD_GUILD_ID and DISCORD_GUILD_IDS THEN fleetbot serves those guilds, each once', () => {
    const config = loadEnvConfig({ DISCORD_TOKEN: 'x', DISCORD_GUILD_ID: G1, DISCORD_GUILD_IDS: `${G2}, ${G1}` });
    expect(servedGuilds(config.discord!)).toEqual([G1, G2]);
    expect(() => loadEnvConfig({ DISCORD_TOKEN: 'x', DISCORD_GUILD_IDS: 'general' })).toThrow(/DISCORD_GUILD_IDS/);
  });

  it('GIVEN a client secret THEN Discord sign-in needs the bot, the guild and the application id', () => {
    expect(() => loadEnvConfig({ DISCORD_CLIENT_SECRET: 'secret-secret' })).toThrow(/needs DISCORD_TOKEN/);
    expect(() => loadEnvConfig({ DISCORD_TOKEN: 'x', DISCORD_GUILD_IDS: G2, DISCORD_CLIENT_SECRET: 'secret-secret', DISCORD_APPLICATION_ID: APP })).toThrow(/needs DISCORD_GUILD_ID/);
    expect(() => loadEnvConfig({ DISCORD_TOKEN: 'x', DISCORD_GUILD_ID: G1, DISCORD_CLIENT_SECRET: 'secret-secret' })).toThrow(/needs DISCORD_APPLICATION_ID/);
    const config = loadEnvConfig({ DISCORD_TOKEN: 'x', DISCORD_GUILD_ID: G1, DISCORD_CLIENT_SECRET: 'secret-secret', DISCORD_APPLICATION_ID: APP });
    expect(config.discord!.signIn).toEqual({ clientId: APP, clientSecret: 'secret-secret' });
  });

  it('GIVEN the dashboard settings THEN sessions expire after 8 h unless set, a short secret is refused, the URL loses its trailing slash', () => {
    expect(loadEnvConfig({}).dashboard).toMatchObject({ host: '127.0.0.1', sessionTtlMs: 8 * 3600_000 });
    expect(loadEnvConfig({ DASHBOARD_URL: 'https://ops.example.org/', DASHBOARD_SESSION_TTL: '30 min' }).dashboard).toMatchObject({ url: 'https://ops.example.org', sessionTtlMs: 1_800_000 });
    expect(() => loadEnvConfig({ DASHBOARD_SESSION_SECRET: 'short' })).toThrow(/DASHBOARD_SESSION_SECRET: at least 32 characters/);
  });
});
