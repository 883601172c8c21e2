// Types for the dependency-free generator so TypeScript tests can import it.
export declare const SCHEMA_DIR: string;
export declare const OUTPUT_FILE: string;
export interface RawSchemas {
  common: Record<string, unknown>[];
  events: Record<string, unknown>[];
}
export declare function readSchemas(schemaDir?: string): RawSchemas;
export declare function generateTypes(schemas?: RawSchemas): string;
