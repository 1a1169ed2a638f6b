// What a webhook delivery caused, stored with it (deliveries.targets) so that the activity page
// can tell which organization a delivery concerns and "Replay" can queue the same work again,
// without reading it back from the outcome text.

export interface DeliveryTargets {
  /** Organizations whose sync the delivery queued. */
  syncs?: string[];
  /** Packages whose update the delivery queued, with their organization. */
  updates?: { org: string; packageId: number }[];
  /** Organizations asked to check the event's repository for a composer.json (a push to no package). */
  checks?: string[];
  /** The forge repository (owner/name) the event was about. */
  repo?: string;
}

export type ReplayTarget = { kind: 'update'; packageId: number } | { kind: 'sync' };

/** What replaying a delivery would queue for `org` (null: it queued nothing there). */
export function replayTargetOf(targets: DeliveryTargets, org: string): ReplayTarget | null {
  const update = targets.updates?.find((u) => u.org === org);
  if (update) return { kind: 'update', packageId: update.packageId };
  // A check of one repository is replayed as the sync it stands for (the sync checks it too).
  if (targets.syncs?.includes(org) || targets.checks?.includes(org)) return { kind: 'sync' };
  return null;
}

/**
 * Whether a delivery concerns `org`: it queued that organization's work, or it was about one of
 * its repositories (`isOrgRepo`). A delivery about nothing in particular (a ping, an unused
 * event) concerns every organization syncing from the integration.
 */
export function deliveryConcerns(targets: DeliveryTargets, org: string, isOrgRepo: (fullName: string) => boolean): boolean {
  if (targets.syncs?.includes(org) || targets.checks?.includes(org) || targets.updates?.some((u) => u.org === org)) return true;
  if (targets.repo !== undefined) return isOrgRepo(targets.repo);
  return targets.syncs === undefined && targets.updates === undefined && targets.checks === undefined;
}

/**
 * Whether the repository `fullName` (owner/name, GitLab: group/subgroup/name) lies in an
 * organization's sync `source`: its owner, a group above it, or one of several comma-separated
 * sources (Bitbucket project keys). Forge names are case-insensitive.
 */
export function sourceCovers(source: string, fullName: string): boolean {
  const name = fullName.toLowerCase();
  return source.split(',').map((s) => s.trim().toLowerCase()).some((s) => s !== '' && name.startsWith(`${s}/`));
}
