import type {
  KyselyPlugin,
  OperationNode,
  PluginTransformQueryArgs,
  PluginTransformResultArgs,
  QueryId,
  QueryResult,
  RootOperationNode,
  UnknownRow,
} from 'kysely';
import pg from 'pg';
import type { Logger } from 'pino';

/**
 * Which tables' changes each channel announces. The same list drives the PostgreSQL triggers (migration
 * 0008 and 0009 `notify_change`, for writes by any process) and the local-writes plugin (for this process's own
 * writes, seen before the notification comes back).
 */
export const CHANNEL_TABLES = {
  /** What `GET /avatars/{id}.glb` reads on a hit: configs, ids, ready entries, and the catalog they resolve. */
  avatar_delivery: ['avatar_configs', 'avatar_delivery_ids', 'avatar_delivery_cache', 'asset_catalog'],
  /** Catalog lists, searches and assets as the catalog service answers them. */
  catalog: ['asset_catalog'],
  /**
   * Who a session token names (`resolveSession`). A role change deletes the user's sessions, so the
   * sessions table alone covers the user columns kept with them.
   */
  sessions: ['sessions'],
} as const;
export type Channel = keyof typeof CHANNEL_TABLES;

/** How long after one of this process's own writes its caches are not trusted (the commit may come later). */
const LOCAL_WRITE_BYPASS_MS = 1_000;
const RECONNECT_MS = [100, 500, 1_000, 2_000, 5_000];

interface ChannelState {
  /** Bumped on every change seen; a value read before a database read tells whether it may be cached. */
  version: number;
  bypassUntil: number;
  listeners: Set<() => void>;
}

/**
 * PostgreSQL LISTEN on one dedicated connection, so that in-memory caches of database reads are dropped
 * when any process changes what they were read from. A cache may serve only while the feed is `live`:
 * notifications missed while disconnected are unknowable, so every channel counts as changed on each
 * (re)connection and caches stay bypassed until then. pg-listen and similar libraries wrap the same
 * `pg.Client` calls; the reconnect-and-reset rule is ours, so it is written here.
 */
export class ChangeFeed {
  private client: pg.Client | null = null;
  private live = false;
  private stopped = false;
  private attempt = 0;
  private readonly channels = new Map<Channel, ChannelState>();

  constructor(
    private readonly url: string,
    private readonly logger: Logger,
  ) {
    for (const channel of Object.keys(CHANNEL_TABLES) as Channel[]) {
      this.channels.set(channel, { version: 0, bypassUntil: 0, listeners: new Set() });
    }
  }

  /** Connects in the background; until it has, `trusted` is false and caches read through. */
  start(): void {
    void this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.setLive(false);
    await this.client?.end().catch(() => {});
    this.client = null;
  }

  /** Listening: caches may be used. */
  get isLive(): boolean {
    return this.live;
  }

  /** The channel's change count: read it before a database read, pass it to `trusted` before caching. */
  version(channel: Channel): number {
    return this.state(channel).version;
  }

  /** True when what was read at `version` may be cached or served from a cache now. */
  trusted(channel: Channel, version = this.version(channel)): boolean {
    const state = this.state(channel);
    return this.live && state.version === version && Date.now() >= state.bypassUntil;
  }

  onChange(channel: Channel, listener: () => void): () => void {
    const { listeners } = this.state(channel);
    listeners.add(listener);
    return () => listeners.delete(listener);
  }

  /** Kysely plugin: this process's writes to a channel's tables count as changes at once. */
  localWrites(): KyselyPlugin {
    const pending = new WeakMap<QueryId, Channel[]>();
    return {
      transformQuery: ({ node, queryId }: PluginTransformQueryArgs): RootOperationNode => {
        const table = writtenTable(node);
        if (table) {
          const hit = (Object.keys(CHANNEL_TABLES) as Channel[]).filter((c) =>
            (CHANNEL_TABLES[c] as readonly string[]).includes(table),
          );
          if (hit.length > 0) {
            // Before the statement runs as well: a read racing it must not be cached either.
            for (const channel of hit) this.changed(channel, true);
            pending.set(queryId, hit);
          }
        }
        return node;
      },
      transformResult: async ({
        result,
        queryId,
      }: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> => {
        for (const channel of pending.get(queryId) ?? []) this.changed(channel, true);
        return result;
      },
    };
  }

  private state(channel: Channel): ChannelState {
    const state = this.channels.get(channel);
    if (!state) throw new Error(`unknown change channel ${channel}`);
    return state;
  }

  private changed(channel: Channel, local: boolean): void {
    const state = this.state(channel);
    state.version++;
    if (local) state.bypassUntil = Date.now() + LOCAL_WRITE_BYPASS_MS;
    for (const listener of state.listeners) listener();
  }

  private setLive(live: boolean): void {
    if (this.live === live) return;
    this.live = live;
    for (const channel of this.channels.keys()) this.changed(channel, false);
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const client = new pg.Client({ connectionString: this.url, connectionTimeoutMillis: 5_000 });
    const lost = (error?: Error) => {
      if (this.client !== client) return;
      this.client = null;
      this.setLive(false);
      if (error && !this.stopped) this.logger.warn({ err: error }, 'change feed lost its connection');
      client.end().catch(() => {});
      this.retry();
    };
    client.on('error', lost);
    client.on('end', () => lost());
    client.on('notification', (message) => {
      if (this.channels.has(message.channel as Channel)) this.changed(message.channel as Channel, false);
    });
    this.client = client;
    try {
      await client.connect();
      for (const channel of this.channels.keys()) await client.query(`LISTEN ${channel}`);
      if (this.client !== client) return;
      this.attempt = 0;
      this.setLive(true);
    } catch (error) {
      lost(error as Error);
    }
  }

  private retry(): void {
    if (this.stopped) return;
    const delay = RECONNECT_MS[Math.min(this.attempt++, RECONNECT_MS.length - 1)]!;
    setTimeout(() => void this.connect(), delay).unref();
  }
}

/** The table an INSERT, UPDATE or DELETE writes, or null for anything else (reads, raw SQL). */
function writtenTable(node: RootOperationNode): string | null {
  switch (node.kind) {
    case 'InsertQueryNode':
      return tableName(node.into);
    case 'UpdateQueryNode':
      return tableName(node.table);
    case 'DeleteQueryNode':
      return tableName(node.from.froms[0]);
    default:
      return null;
  }
}

function tableName(node: OperationNode | undefined): string | null {
  if (!node) return null;
  if (node.kind === 'AliasNode') return tableName((node as unknown as { node: OperationNode }).node);
  if (node.kind === 'TableNode') {
    return (node as unknown as { table: { identifier: { name: string } } }).table.identifier.name;
  }
  return null;
}
