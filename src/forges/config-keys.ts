// The keys every integration type takes (DESIGN.md §3: id, type, url, api_url, token, oauth,
// webhook_secret, ca_file, api_concurrency): pure TypeBox, spread into each type's own schema in
// src/forges/<type>/config.ts beside the keys only that type has.
import { Type } from 'typebox';

export const Strict = { additionalProperties: false } as const;

/** The common properties of an integration of `type`. */
export function integrationKeys<T extends string>(type: T) {
  return {
    id: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,38}$' }),
    type: Type.Literal(type),
    url: Type.String({ pattern: '^https?://' }),
    api_url: Type.Optional(Type.String({ pattern: '^https?://' })),
    token: Type.Optional(Type.String({ minLength: 1 })),
    oauth: Type.Optional(Type.Object({ client_id: Type.String({ minLength: 1 }), client_secret: Type.String({ minLength: 1 }) }, Strict)),
    webhook_secret: Type.Optional(Type.String({ minLength: 1 })),
    ca_file: Type.Optional(Type.String({ minLength: 1 })),
    api_concurrency: Type.Optional(Type.Integer({ minimum: 1, maximum: 64, description: 'forge API requests in flight at once (default 8)' })),
  };
}
