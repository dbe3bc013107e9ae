import http from 'node:http';
import https from 'node:https';
import { PoolingHttpAgent, PoolingHttpsAgent, type ConnectionPool } from './connection-pool';
import { createConfiguration, ServerConfiguration, type Configuration, type KubeConfig, type RequestContext } from '@kubernetes/client-node';

/**
 * The same agent with keep-alive, able to open connections ahead, or the agent itself when it
 * is not a plain HTTP(S) agent (proxies).
 */
function keepAliveAgent(agent: http.Agent | https.Agent | undefined): http.Agent | https.Agent | undefined {
  const options = (agent as { options?: https.AgentOptions } | undefined)?.options;
  if (!agent || !options) return agent;
  if (Object.getPrototypeOf(agent) === https.Agent.prototype) return new PoolingHttpsAgent({ ...options, keepAlive: true });
  if (Object.getPrototypeOf(agent) === http.Agent.prototype) return new PoolingHttpAgent({ ...options, keepAlive: true });
  return agent;
}

/**
 * What `makeApiClient` builds, except that connections are reused. client-node creates a new
 * agent for every request, so every call would pay a TCP and a TLS handshake (two more round
 * trips to an EKS endpoint); the first request's agent, with keep-alive, serves them all.
 * Authentication stays client-node's: it still sets the token and TLS options on each request.
 */
function keepAliveConfiguration(config: KubeConfig): { configuration: Configuration; pool: ConnectionPool } {
  const cluster = config.getCurrentCluster();
  if (!cluster) throw new Error('the kubeconfig has no current cluster');
  let agent: http.Agent | https.Agent | undefined;
  const authentication = {
    getName: () => 'kubeconfig-keep-alive',
    async applySecurityAuthentication(context: RequestContext): Promise<void> {
      await config.applySecurityAuthentication(context);
      agent ??= keepAliveAgent(context.getAgent());
      if (agent) context.setAgent(agent);
    },
  };
  return {
    configuration: createConfiguration({ baseServer: new ServerConfiguration(cluster.server, {}), authMethods: { default: authentication } }),
    // Known once the first request has made the agent; before that there is nothing to open ahead.
    pool: { openAhead: (count) => (agent as Partial<ConnectionPool> | undefined)?.openAhead?.(count) },
  };
}

/**
 * The same KubeConfig, except that every API client it makes shares that keep-alive connection
 * pool; and the pool, to open connections ahead of the requests that will need them.
 */
export function withKeepAlive(config: KubeConfig): { config: KubeConfig; pool: ConnectionPool } {
  const { configuration, pool } = keepAliveConfiguration(config);
  const view = Object.create(config) as KubeConfig;
  view.makeApiClient = ((apiClientType: new (configuration: Configuration) => unknown) => new apiClientType(configuration)) as KubeConfig['makeApiClient'];
  return { config: view, pool };
}
