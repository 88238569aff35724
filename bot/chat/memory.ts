import { mapChatMessagesToStoredMessages, mapStoredMessagesToChatMessages, type BaseMessage } from '@langchain/core/messages';
import type { RedisHub } from '../../redis/hub.js';

/**
 * What a conversation remembers, per channel or thread, in Redis: the last turns (a human message and everything
 * that answered it), bounded in turns and in size, forgotten after a quiet spell.
 * Side effects: Redis lists `<prefix>:chat:<channel>`.
 */

export interface MemoryLimits {
  turns: number;
  /** A rough token budget: about four characters a token. */
  tokens: number;
  ttlMs: number;
}

const tokensOf = (turn: BaseMessage[]) => Math.ceil(JSON.stringify(mapChatMessagesToStoredMessages(turn)).length / 4);

export class ChatMemory {
  constructor(
    private readonly hub: RedisHub,
    private readonly limits: MemoryLimits,
  ) {}

  private key(channel: string) {
    return this.hub.key('chat', channel);
  }

  /** Earlier turns, oldest first, flattened. */
  async load(channel: string): Promise<BaseMessage[]> {
    const raw = await this.hub.client.lrange(this.key(channel), 0, -1);
    return raw.flatMap((turn) => mapStoredMessagesToChatMessages(JSON.parse(turn)));
  }

  /** Adds a turn, then drops the oldest whole turns until both limits hold (a turn is never cut in half). */
  async append(channel: string, turn: BaseMessage[]): Promise<void> {
    const key = this.key(channel);
    await this.hub.client.rpush(key, JSON.stringify(mapChatMessagesToStoredMessages(turn)));
    const turns = (await this.hub.client.lrange(key, 0, -1)).map((t) => mapStoredMessagesToChatMessages(JSON.parse(t)));
    let drop = Math.max(0, turns.length - this.limits.turns);
    let total = turns.slice(drop).reduce((n, t) => n + tokensOf(t), 0);
    while (drop < turns.length - 1 && total > this.limits.tokens) total -= tokensOf(turns[drop++]!);
    await this.hub.client.multi().ltrim(key, drop, -1).pexpire(key, this.limits.ttlMs).exec();
  }

  async forget(channel: string): Promise<void> {
    await this.hub.client.del(this.key(channel));
  }
}
