import http from 'node:http';
import https from 'node:https';
import { once } from 'node:events';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';

/**
 * The most connections a pool opens ahead to one origin, whatever it is asked for: about what one
 * incident uses at once (a workload's pods and nodes). A deployment that allows far more calls in
 * flight (MAX_CONCURRENT_CALLS) must not keep that many idle connections open on the API server
 * from every execution environment; beyond this, connections open when requests need them.
 */
export const MOST_OPENED_AHEAD = 16;

/** What a pool of kept-alive connections to an API can do ahead of the requests that need them. */
export interface ConnectionPool {
  /**
   * Opens connections until every origin the pool has already reached has `count` (in use, idle
   * or opened ahead; at most MOST_OPENED_AHEAD and the agent's per-origin limit), once the
   * connections requests are waiting for are open. Never fails: a connection that cannot open is
   * dropped, and the request that would have taken it opens its own.
   */
  openAhead(count: number): void;
}

type ConnectionOptions = http.ClientRequestArgs & tls.ConnectionOptions & { _agentKey?: string };
type Callback = (error: Error | null, socket: Duplex) => void;
type CreateConnection = (this: http.Agent, options: ConnectionOptions, callback?: Callback) => Duplex | null | undefined;
// A mixin's base constructor must take any arguments.
type AgentClass = new (...args: any[]) => http.Agent;

/**
 * Request-scoped options the agent passes along with the connection's own; a connection opened
 * ahead must not carry them (an abort signal of an earlier request would close it).
 */
const REQUEST_ONLY = ['signal', 'timeout', 'headers', 'path', 'method', 'agent'] as const;

/** Resolves when the socket can carry a request (connected, and for TLS the handshake done), or is gone. */
function ready(socket: Duplex): Promise<unknown> {
  const event = socket instanceof tls.TLSSocket ? 'secureConnect' : 'connect';
  return Promise.race([once(socket, event), once(socket, 'close')]).catch(() => undefined);
}

/**
 * A keep-alive agent that can open connections before they are asked for. A request that finds
 * no idle connection would otherwise open one, paying TCP and TLS handshakes (two round trips to
 * an AWS endpoint) on the incident's critical path; opened ahead, while earlier requests travel,
 * those handshakes cost nothing. Connections opened ahead are handed out through
 * `createConnection`, the agent's documented extension point, so the agent's own bookkeeping
 * (limits, keep-alive, reuse) is untouched.
 */
function withConnectionsAhead<Base extends AgentClass>(base: Base) {
  const baseCreateConnection = base.prototype.createConnection as CreateConnection;
  return class extends base implements ConnectionPool {
    /** The options of each origin's last connection: how to open another one like it. */
    private readonly origins = new Map<string, ConnectionOptions>();
    private readonly ahead = new Map<string, Set<Duplex>>();
    /** Connections requests are waiting for, until they can carry them. */
    private readonly opening = new Set<Promise<unknown>>();
    /**
     * One TLS context per origin (its options are part of the origin's name): Node's agent
     * builds one per connection, parsing the CA bundle and keys each time.
     */
    private readonly contexts = new Map<string, tls.SecureContext>();

    override createConnection(options: ConnectionOptions, callback?: Callback): Duplex | null | undefined {
      const origin = options._agentKey ?? this.getName(options);
      if (this instanceof https.Agent && !options.secureContext) options.secureContext = this.contextFor(origin, options);
      const connection: ConnectionOptions = { ...options };
      for (const key of REQUEST_ONLY) delete connection[key];
      this.origins.set(origin, connection);
      const opened = this.takeOpened(origin);
      if (opened) return opened;
      const socket = baseCreateConnection.call(this, options, callback);
      if (socket) {
        const waiting = ready(socket);
        this.opening.add(waiting);
        void waiting.then(() => this.opening.delete(waiting));
      }
      return socket;
    }

    openAhead(count: number): void {
      // Handshakes compete for the process: those of connections requests wait for go first.
      void Promise.all(this.opening).then(() => {
        for (const [origin, options] of this.origins) {
          const opened = this.openedFor(origin);
          const open = (this.sockets[origin]?.length ?? 0) + (this.freeSockets[origin]?.length ?? 0) + opened.size;
          for (let index = open; index < Math.min(count, this.maxSockets, MOST_OPENED_AHEAD); index += 1) this.openOne(origin, options, opened);
        }
      });
    }

    private contextFor(origin: string, options: ConnectionOptions): tls.SecureContext {
      let context = this.contexts.get(origin);
      if (!context) {
        context = tls.createSecureContext(options);
        this.contexts.set(origin, context);
      }
      return context;
    }

    private openedFor(origin: string): Set<Duplex> {
      let opened = this.ahead.get(origin);
      if (!opened) {
        opened = new Set();
        this.ahead.set(origin, opened);
      }
      return opened;
    }

    private openOne(origin: string, options: ConnectionOptions, opened: Set<Duplex>): void {
      let socket: Duplex | null | undefined;
      try {
        socket = baseCreateConnection.call(this, { ...options, _agentKey: origin });
      } catch {
        return;
      }
      if (!socket) return;
      const idle = socket;
      // Idle until a request takes it: it must not keep a process (the CLI) running.
      (idle as Partial<{ unref(): void }>).unref?.();
      const drop = () => {
        opened.delete(idle);
        idle.destroy();
      };
      idle.once('close', drop);
      idle.on('error', drop);
      opened.add(idle);
      detachers.set(idle, () => {
        idle.off('close', drop);
        idle.off('error', drop);
      });
    }

    private takeOpened(origin: string): Duplex | undefined {
      const opened = this.ahead.get(origin);
      for (const socket of opened ?? []) {
        opened?.delete(socket);
        if (socket.destroyed) continue;
        detachers.get(socket)?.();
        detachers.delete(socket);
        (socket as Partial<{ ref(): void }>).ref?.();
        return socket;
      }
      return undefined;
    }
  };
}

/** Detaches a connection opened ahead from its idle handlers when a request takes it. */
const detachers = new WeakMap<Duplex, () => void>();

export const PoolingHttpAgent = withConnectionsAhead(http.Agent);
export const PoolingHttpsAgent = withConnectionsAhead(https.Agent);

/** The SDK's own defaults for its agents (keep-alive, 50 connections per origin). */
const SDK_AGENT_OPTIONS = { keepAlive: true, maxSockets: 50 };

/** The pools of the SDK service modules loaded so far, by service (the prefix of its IAM actions). */
const sdkPools = new Map<string, ConnectionPool>();

/**
 * Agents for an SDK client's `requestHandler`, one pair per service module, shared by that
 * service's clients in every region (an agent keeps connections per origin); the pool they make
 * up is registered for openSdkConnectionsAhead.
 */
export function sdkConnectionPool(service: string): { httpAgent: http.Agent; httpsAgent: https.Agent } {
  const httpAgent = new PoolingHttpAgent(SDK_AGENT_OPTIONS);
  const httpsAgent = new PoolingHttpsAgent(SDK_AGENT_OPTIONS);
  sdkPools.set(service, {
    openAhead(count) {
      httpAgent.openAhead(count);
      httpsAgent.openAhead(count);
    },
  });
  return { httpAgent, httpsAgent };
}

/**
 * Opens connections ahead (ConnectionPool.openAhead) for these services' clients, those whose
 * module has loaded; the others have reached no endpoint yet, and this never loads them.
 */
export function openSdkConnectionsAhead(services: Iterable<string>, count: number): void {
  for (const service of new Set(services)) sdkPools.get(service)?.openAhead(count);
}
