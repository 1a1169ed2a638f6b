// The delivery log of packages' generic hook URLs: rows of `deliveries` with integration
// 'generic' and the package they reached (a delivery with an unknown token reaches no package and
// is only counted in /metrics). Each row says where the body came from (`event`: script,
// packagist, azure-devops, eventbridge, sns-codecommit, sns-eventbridge, sns-confirmation, …), the
// refs it named, and its outcome (queued, coalesced into an update already queued, or refused with
// the reason). Bounded per package: the newest KEPT_PER_PACKAGE stay (housekeeping prunes by age too).
import { randomUUID } from 'node:crypto';
import type { Sqlite } from '../db/client.js';
import type { DeliveryTargets } from '../domain/deliveries.js';

export const GENERIC_INTEGRATION = 'generic';
export const KEPT_PER_PACKAGE = 200;

export interface GenericDeliveryInput {
  packageId: number;
  /** Where it came from (the body's kind, or the SNS message's). */
  kind: string;
  /** The provider's event or message type, when it named one. */
  action?: string | null | undefined;
  status: 'accepted' | 'ignored' | 'rejected';
  outcome: string;
  refs: readonly string[];
  targets?: DeliveryTargets | undefined;
}

export interface GenericDeliveryView {
  id: number;
  kind: string;
  action: string | null;
  status: 'accepted' | 'ignored' | 'rejected' | 'failed';
  outcome: string;
  refs: string[];
  receivedAt: number;
}

export interface OrgGenericDeliveryView extends GenericDeliveryView {
  /** null until the package's first import. */
  packageName: string | null;
  packageUrl: string;
}

type Row = Omit<GenericDeliveryView, 'refs'> & { refs: string | null };

function view<T extends Row>(row: T): Omit<T, 'refs'> & { refs: string[] } {
  let refs: string[] = [];
  try {
    const parsed: unknown = row.refs === null ? [] : JSON.parse(row.refs);
    if (Array.isArray(parsed)) refs = parsed.filter((r): r is string => typeof r === 'string');
  } catch {
    refs = [];
  }
  return { ...row, refs };
}

const COLUMNS = `d.id, d.event AS kind, d.action, d.status, d.outcome, d.refs, d.received_at AS receivedAt`;

export class GenericDeliveries {
  private readonly q;
  private readonly insertAndTrim;

  constructor(sqlite: Sqlite, private readonly now: () => number = Date.now) {
    this.q = {
      insert: sqlite.prepare(
        `INSERT INTO deliveries (integration, delivery_id, event, action, received_at, status, outcome, targets, package_id, refs)
         VALUES (@integration, @deliveryId, @event, @action, @at, @status, @outcome, @targets, @packageId, @refs)`,
      ),
      trim: sqlite.prepare(
        `DELETE FROM deliveries WHERE package_id = @packageId AND integration = @integration AND id <=
           (SELECT id FROM deliveries WHERE package_id = @packageId AND integration = @integration ORDER BY id DESC LIMIT 1 OFFSET @kept)`,
      ),
      forPackage: sqlite.prepare(
        `SELECT ${COLUMNS} FROM deliveries d WHERE d.package_id = ? AND d.integration = '${GENERIC_INTEGRATION}' ORDER BY d.id DESC LIMIT ?`,
      ),
      forOrg: sqlite.prepare(
        `SELECT ${COLUMNS}, p.name AS packageName, p.url AS packageUrl FROM deliveries d JOIN packages p ON p.id = d.package_id
         WHERE p.org_id = ? AND d.integration = '${GENERIC_INTEGRATION}' ORDER BY d.received_at DESC, d.id DESC LIMIT ?`,
      ),
    };
    this.insertAndTrim = sqlite.transaction((d: GenericDeliveryInput) => {
      this.q.insert.run({
        integration: GENERIC_INTEGRATION,
        deliveryId: `generic:${randomUUID()}`,
        event: d.kind.slice(0, 64),
        action: d.action?.slice(0, 64) ?? null,
        at: this.now(),
        status: d.status,
        outcome: d.outcome.slice(0, 2000),
        targets: JSON.stringify(d.targets ?? {}),
        packageId: d.packageId,
        refs: JSON.stringify(d.refs.slice(0, 100)),
      });
      this.q.trim.run({ packageId: d.packageId, integration: GENERIC_INTEGRATION, kept: KEPT_PER_PACKAGE });
    });
  }

  record(d: GenericDeliveryInput): void {
    this.insertAndTrim(d);
  }

  /** The package's newest deliveries first. */
  forPackage(packageId: number, limit: number): GenericDeliveryView[] {
    return (this.q.forPackage.all(packageId, limit) as Row[]).map(view);
  }

  /** The newest deliveries on the hook URLs of an organization's packages. */
  forOrg(orgId: number, limit: number): OrgGenericDeliveryView[] {
    return (this.q.forOrg.all(orgId, limit) as (Row & { packageName: string | null; packageUrl: string })[]).map(view);
  }
}
