import type { EventType } from './generated/events.js';
import { subjectOf, topicOf } from './names.js';
import type { CompatibilityLevel, CompatibilityResult, RegistryClient } from './registry-client.js';
import type { EventSchema } from './schemas.js';

/** Subject for an event type; `prefix` isolates tests (and tenants) sharing one registry. */
export function subjectFor(type: EventType, prefix = ''): string {
  return `${prefix}${subjectOf(topicOf(type), type)}`;
}

// FULL = BACKWARD (new readers read old events) + FORWARD (old readers read new events). Events outlive their
// producers' deploys and old consumers read new events, so both directions are enforced at registration.
export const DEFAULT_COMPATIBILITY: CompatibilityLevel = 'FULL';

/**
 * Registers every event schema (idempotent: identical content returns the existing id) and pins the subject's
 * compatibility. Config is set after the first registration because a registry may not accept config for a
 * subject that does not exist yet; re-running fixes it if a previous run died in between.
 */
export async function registerAll(
  client: RegistryClient,
  schemas: ReadonlyMap<EventType, EventSchema>,
  prefix = '',
): Promise<Map<EventType, number>> {
  const ids = new Map<EventType, number>();
  for (const s of schemas.values()) {
    const subject = subjectFor(s.type, prefix);
    ids.set(s.type, await client.register(subject, s.text));
    await client.setCompatibility(subject, DEFAULT_COMPATIBILITY);
  }
  return ids;
}

/** One result per subject: can the working-tree schema be registered as the next version? */
export async function checkAll(
  client: RegistryClient,
  schemas: ReadonlyMap<EventType, EventSchema>,
  prefix = '',
): Promise<CompatibilityResult[]> {
  const results: CompatibilityResult[] = [];
  for (const s of schemas.values()) {
    results.push(await client.checkCompatibility(subjectFor(s.type, prefix), s.text));
  }
  return results;
}
