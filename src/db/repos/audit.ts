// Audit log writes: one row per change that affects who can do what.
import type { Tx } from '../client.js';
import { auditLog } from '../schema.js';

export interface AuditEntry {
  orgId: number | null;
  actor: string;
  action: string;
  target: string;
  details?: Record<string, unknown>;
}

export function writeAudit(db: Tx, e: AuditEntry, now = Date.now()): void {
  db.insert(auditLog).values({ at: now, orgId: e.orgId, actor: e.actor, action: e.action, target: e.target, details: e.details ?? null }).run();
}
