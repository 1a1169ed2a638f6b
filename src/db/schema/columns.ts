// Column helpers shared by the schema's files.
import { integer } from 'drizzle-orm/sqlite-core';

/** Times are integer milliseconds since the epoch (UTC) everywhere. */
export const ms = (name: string) => integer(name, { mode: 'number' });
