import { SerdeError, SerdeErrorCodes } from './serde-errors.js';

export interface RegistryConfig {
  /** Base URL of a Confluent-compatible API, e.g. http://host:8081/apis/ccompat/v7 for Apicurio. */
  url: string;
  username?: string;
  password?: string;
  /** Per-request timeout; a hung registry must surface as retriable, not hang the consumer. */
  timeoutMs?: number;
}

export type CompatibilityLevel = 'BACKWARD' | 'BACKWARD_TRANSITIVE' | 'FORWARD' | 'FULL' | 'NONE';

export interface CompatibilityResult {
  subject: string;
  /** `new` = subject not registered yet, so anything is accepted. */
  status: 'compatible' | 'incompatible' | 'new';
  messages: string[];
}

const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';

/** Thin client for the few Confluent-compatible endpoints we use, with typed errors instead of HTTP details. */
export class RegistryClient {
  private readonly base: string;
  private readonly headers: Record<string, string>;
  private readonly timeoutMs: number;

  constructor(config: RegistryConfig) {
    this.base = config.url.replace(/\/+$/, '');
    this.timeoutMs = config.timeoutMs ?? 5000;
    this.headers = { 'content-type': CONTENT_TYPE, accept: CONTENT_TYPE };
    if (config.username !== undefined) {
      const token = Buffer.from(`${config.username}:${config.password ?? ''}`).toString('base64');
      this.headers.authorization = `Basic ${token}`;
    }
  }

  /** The writer schema text for a global schema id. 404 means the bytes reference a schema nobody registered. */
  async schemaById(id: number): Promise<string> {
    const res = await this.request('GET', `/schemas/ids/${id}`, undefined, {
      404: SerdeErrorCodes.UNKNOWN_SCHEMA_ID,
    });
    return (res as { schema: string }).schema;
  }

  /** Registers (or finds, if identical content exists) a schema under a subject; returns its global id. */
  async register(subject: string, schema: string): Promise<number> {
    const res = await this.request(
      'POST',
      `/subjects/${encodeURIComponent(subject)}/versions`,
      { schema, schemaType: 'AVRO' },
      { 409: SerdeErrorCodes.SCHEMA_INCOMPATIBLE },
    );
    return (res as { id: number }).id;
  }

  /** The id of this exact schema under the subject, without registering it. */
  async lookup(subject: string, schema: string): Promise<number> {
    const res = await this.request(
      'POST',
      `/subjects/${encodeURIComponent(subject)}`,
      { schema, schemaType: 'AVRO' },
      { 404: SerdeErrorCodes.SCHEMA_NOT_REGISTERED },
    );
    return (res as { id: number }).id;
  }

  async setCompatibility(subject: string, level: CompatibilityLevel): Promise<void> {
    await this.request('PUT', `/config/${encodeURIComponent(subject)}`, { compatibility: level });
  }

  /** Asks whether `schema` could be registered as the next version of `subject` under its compatibility level. */
  async checkCompatibility(subject: string, schema: string): Promise<CompatibilityResult> {
    // Asked explicitly because registries differ: Confluent answers 404 for an unknown subject, Apicurio 200/true.
    if (!(await this.hasSubject(subject))) return { subject, status: 'new', messages: [] };
    try {
      const res = (await this.request(
        'POST',
        `/compatibility/subjects/${encodeURIComponent(subject)}/versions/latest?verbose=true`,
        { schema, schemaType: 'AVRO' },
        { 404: SerdeErrorCodes.SCHEMA_NOT_REGISTERED },
      )) as { is_compatible: boolean; messages?: string[] };
      return {
        subject,
        status: res.is_compatible ? 'compatible' : 'incompatible',
        messages: res.messages ?? [],
      };
    } catch (err) {
      if (err instanceof SerdeError && err.code === SerdeErrorCodes.SCHEMA_NOT_REGISTERED) {
        return { subject, status: 'new', messages: [] };
      }
      throw err;
    }
  }

  async hasSubject(subject: string): Promise<boolean> {
    try {
      await this.request('GET', `/subjects/${encodeURIComponent(subject)}/versions`, undefined, {
        404: SerdeErrorCodes.SCHEMA_NOT_REGISTERED,
      });
      return true;
    } catch (err) {
      if (err instanceof SerdeError && err.code === SerdeErrorCodes.SCHEMA_NOT_REGISTERED) return false;
      throw err;
    }
  }

  async subjects(): Promise<string[]> {
    return (await this.request('GET', '/subjects')) as string[];
  }

  private async request(
    method: string,
    path: string,
    body?: unknown,
    statusCodes: Partial<Record<number, SerdeError['code']>> = {},
  ): Promise<unknown> {
    const where = `${method} ${this.base}${path}`;
    let res: Response;
    try {
      res = await fetch(`${this.base}${path}`, {
        method,
        headers: this.headers,
        body: body === undefined ? null : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      // Connection refused, DNS failure, reset, timeout: the registry may come back, so retriable.
      throw new SerdeError(SerdeErrorCodes.REGISTRY_UNAVAILABLE, `${where}: ${describe(err)}`, {
        cause: err,
      });
    }
    const text = await res.text().catch(() => '');
    if (res.ok) return text === '' ? undefined : (JSON.parse(text) as unknown);
    const mapped = statusCodes[res.status];
    if (mapped) throw new SerdeError(mapped, `${where}: HTTP ${res.status} ${text}`);
    if (res.status >= 500 || res.status === 429) {
      throw new SerdeError(SerdeErrorCodes.REGISTRY_UNAVAILABLE, `${where}: HTTP ${res.status} ${text}`);
    }
    throw new SerdeError(SerdeErrorCodes.REGISTRY_REJECTED, `${where}: HTTP ${res.status} ${text}`);
  }
}

function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = (err as { cause?: unknown }).cause;
  return cause instanceof Error ? `${err.message} (${cause.message})` : err.message;
}
