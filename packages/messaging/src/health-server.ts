import Fastify, { type FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';

export interface HealthChecks {
  /** Named readiness checks; ready only when every one answers true. */
  [name: string]: () => boolean | Promise<boolean>;
}

/**
 * The HTTP face every service has: liveness, readiness (connected to Kafka, the registry and Redis, and assigned its
 * partitions) and room for more routes (the order service adds its API).
 */
export function createHttpServer(
  service: string,
  checks: HealthChecks,
  opts: { metrics?: Registry } = {},
): FastifyInstance {
  const app = Fastify({ logger: false });
  const registry = opts.metrics;
  if (registry) {
    // Prometheus text exposition of this service's own registry (never the global one: tests share a process).
    app.get('/metrics', async (_req, reply) =>
      reply.header('content-type', registry.contentType).send(await registry.metrics()),
    );
  }
  app.get('/health/live', () => ({ status: 'ok', service }));
  app.get('/health/ready', async (_req, reply) => {
    const results: Record<string, boolean> = {};
    for (const [name, check] of Object.entries(checks)) {
      try {
        results[name] = await check();
      } catch {
        results[name] = false;
      }
    }
    const ready = Object.values(results).every(Boolean);
    return reply
      .code(ready ? 200 : 503)
      .send({ status: ready ? 'ready' : 'not-ready', service, checks: results });
  });
  return app;
}
