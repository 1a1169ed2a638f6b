// Forge API reads checked against a TypeBox schema, the same for every forge that uses them
// (GitLab, Bitbucket Data Center, Bitbucket Cloud): one object (null for a 404 when asked), or
// every page of a listing; a wrong shape is ForgeError 'invalid' naming the field and the URL.
import type { TSchema } from 'typebox';
import { firstProblem } from './forge-deps.js';
import type { ForgeHttpClient, RequestOptions } from './http.js';

/** One object checked against `schema`; null for a 404 when `nullOn404`. */
export async function getOne<T>(client: ForgeHttpClient, path: string, schema: TSchema, opts: RequestOptions = {}): Promise<T | null> {
  const body = await client.json<unknown>(path, opts);
  if (body === null && opts.nullOn404) return null;
  const problem = firstProblem(schema, body);
  if (problem) throw client.error('invalid', `unexpected response shape at ${problem}`, client.url(path, opts.query));
  return body as T;
}

/** Every page of a listing, each item checked against `schema`. */
export async function listAll<T>(client: ForgeHttpClient, path: string, schema: TSchema, opts: Omit<RequestOptions, 'method' | 'body' | 'nullOn404'> = {}): Promise<T[]> {
  const items = await client.paginate<unknown>(path, opts);
  items.forEach((item, i) => {
    const problem = firstProblem(schema, item);
    if (problem) throw client.error('invalid', `unexpected item ${i}: ${problem}`, client.url(path, opts.query));
  });
  return items as T[];
}
