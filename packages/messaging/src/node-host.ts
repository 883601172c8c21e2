import { z } from 'zod';
import { SERVICES, type ServiceName } from '@saga/contracts';
import {
  hostEnv,
  parseHostEnv,
  runMain,
  startHost,
  type HostConfig,
  type RunningHost,
  type ServiceModule,
  type StartOptions,
} from './service-host.js';

/**
 * The single-process deployment: several services (each still its own package, deployable on its own) in one
 * process and one consumer group. On a small machine this is one fetch, one produce and one commit per round for all
 * of them instead of one each. Its consumer group is not the services' own, so a cluster runs either this or the
 * separate services, never both on the same topics.
 */
export interface NodeConfig extends HostConfig {
  services: ServiceName[];
}

/**
 * No pacing: one consumer carries every hop of the saga here, so its rounds are few and already full (`saga bench`
 * at 100 sagas/s, one node: p50 19 ms unpaced, 29 ms at 2 ms, 37 ms at 5 ms; the CPU saved by pacing was small).
 */
export const NODE_MIN_ROUND_MS = 0;

const NodeEnv = hostEnv(NODE_MIN_ROUND_MS).extend({
  SAGA_SERVICES: z
    .string()
    .default(SERVICES.join(','))
    .transform((s) =>
      s
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.enum(SERVICES)).min(1, 'SAGA_SERVICES names no service')),
  SAGA_GROUP_ID: z.string().min(1).default('saga-node'),
  HTTP_PORT: z.coerce.number().int().min(0).max(65535).default(3000),
});

export function loadNodeConfig(env: NodeJS.ProcessEnv = process.env): NodeConfig {
  const { e, common } = parseHostEnv(NodeEnv, env);
  return {
    name: 'saga-node',
    services: [...new Set(e.SAGA_SERVICES)],
    groupId: e.SAGA_GROUP_ID,
    httpPort: e.HTTP_PORT,
    ...common,
  };
}

/** Starts the configured subset of `modules` (by `config.services`) in one process. */
export function startNode(
  modules: readonly ServiceModule[],
  config: NodeConfig,
  opts: StartOptions = {},
): Promise<RunningHost> {
  const chosen = config.services.map((name) => {
    const m = modules.find((x) => x.name === name);
    if (!m) throw new Error(`no service module named ${name}`);
    return m;
  });
  return startHost(chosen, config, opts);
}

export function runNodeMain(modules: readonly ServiceModule[]): void {
  runMain('saga-node', () => startNode(modules, loadNodeConfig()));
}
