// Shapes of Bitbucket Data Center's REST 1.0 answers and webhook payloads, transcribed by hand
// from Atlassian's documentation (the REST reference's component descriptions RestProject,
// RestRepository, RestApplicationUser, RestDetailedUser, RestPermittedUser/Group, RestWebhook and
// the paged envelope; the "Event payload" page for repo:refs_changed, repo:modified and
// diagnostics:ping). Atlassian's swagger file is not vendored: its licence is unclear
// (forges.md §7.3), so the contract test checks the fake against these JSON Schemas instead.
// Objects are closed (additionalProperties: false) so the fake cannot invent attributes.

type Schema = Record<string, unknown>;

const links: Schema = { type: 'object' };
const closed = (required: string[], properties: Record<string, Schema>): Schema => ({ type: 'object', required, properties, additionalProperties: false });

export const RestProject = closed(['key', 'id', 'name', 'public', 'type'], {
  key: { type: 'string', pattern: '^[A-Z~][A-Z0-9_~-]*$' },
  id: { type: 'integer' },
  name: { type: 'string' },
  description: { type: 'string' },
  public: { type: 'boolean' },
  type: { enum: ['NORMAL', 'PERSONAL'] },
  avatarUrl: { type: 'string' },
  links,
});

export const RestRepository = closed(['slug', 'id', 'name', 'scmId', 'state', 'statusMessage', 'forkable', 'project', 'public', 'links'], {
  slug: { type: 'string' },
  id: { type: 'integer' },
  name: { type: 'string' },
  description: { type: 'string' },
  hierarchyId: { type: 'string' },
  scmId: { const: 'git' },
  state: { enum: ['AVAILABLE', 'INITIALISING', 'INITIALISATION_FAILED', 'OFFLINE'] },
  statusMessage: { type: 'string' },
  forkable: { type: 'boolean' },
  origin: { type: 'object' },
  project: RestProject,
  public: { type: 'boolean' },
  archived: { type: 'boolean' },
  defaultBranch: { type: 'string' },
  partition: { type: 'integer' },
  relatedLinks: { type: 'object' },
  links: {
    type: 'object',
    properties: {
      clone: { type: 'array', items: closed(['href', 'name'], { href: { type: 'string', format: 'uri' }, name: { enum: ['http', 'ssh'] } }) },
      self: { type: 'array', items: closed(['href'], { href: { type: 'string', format: 'uri' } }) },
    },
  },
});

const userProps: Record<string, Schema> = {
  name: { type: 'string' },
  emailAddress: { type: 'string' },
  active: { type: 'boolean' },
  displayName: { type: 'string' },
  id: { type: 'integer' },
  slug: { type: 'string' },
  type: { enum: ['NORMAL', 'SERVICE'] },
  avatarUrl: { type: 'string' },
  links,
};
export const RestApplicationUser = closed(['name', 'active', 'displayName', 'id', 'slug', 'type'], userProps);
export const RestDetailedUser = closed(['name', 'active', 'displayName', 'id', 'slug', 'type'], {
  ...userProps,
  directoryName: { type: 'string' },
  deletable: { type: 'boolean' },
  lastAuthenticationTimestamp: { type: 'integer' },
  mutableDetails: { type: 'boolean' },
  mutableGroups: { type: 'boolean' },
});

export const RestPermittedUser = (perms: string[]): Schema => closed(['user', 'permission'], { user: RestApplicationUser, permission: { enum: perms } });
export const RestPermittedGroup = (perms: string[]): Schema =>
  closed(['group', 'permission'], { group: closed(['name'], { name: { type: 'string' } }), permission: { enum: perms } });

export const RestWebhook = closed(['id', 'name', 'events', 'url', 'active'], {
  id: { type: 'integer' },
  name: { type: 'string' },
  createdDate: { type: 'integer' },
  updatedDate: { type: 'integer' },
  events: { type: 'array', items: { type: 'string' } },
  configuration: { type: 'object' },
  url: { type: 'string' },
  active: { type: 'boolean' },
  scopeType: { type: 'string' },
  sslVerificationRequired: { type: 'boolean' },
  statistics: { type: 'object' },
  credentials: { type: 'object' },
});

export const ApplicationProperties = closed(['version', 'buildNumber', 'buildDate', 'displayName'], {
  version: { type: 'string', pattern: '^\\d+\\.\\d+\\.\\d+$' },
  buildNumber: { type: 'string' },
  buildDate: { type: 'string' },
  displayName: { type: 'string' },
});

export const RestErrors = closed(['errors'], {
  errors: { type: 'array', minItems: 1, items: closed(['message'], { context: { type: ['string', 'null'] }, message: { type: 'string' }, exceptionName: { type: ['string', 'null'] } }) },
});

/** The paged envelope around `item`: nextPageStart only when more pages follow. */
export const paged = (item: Schema): Schema => ({
  ...closed(['size', 'limit', 'isLastPage', 'start', 'values'], {
    size: { type: 'integer', minimum: 0 },
    limit: { type: 'integer', minimum: 1 },
    isLastPage: { type: 'boolean' },
    start: { type: 'integer', minimum: 0 },
    nextPageStart: { type: 'integer' },
    values: { type: 'array', items: item },
  }),
  if: { properties: { isLastPage: { const: false } } },
  then: { required: ['nextPageStart'] },
  else: { not: { required: ['nextPageStart'] } },
});

// Webhook payloads ("Event payload" page).
const actor = closed(['name', 'id', 'slug'], { ...userProps });
const payloadRepo = closed(['slug', 'id', 'name', 'scmId', 'state', 'statusMessage', 'forkable', 'project', 'public'], {
  ...(RestRepository['properties'] as Record<string, Schema>),
  project: closed(['key', 'id', 'name', 'public', 'type'], { key: { type: 'string' }, id: { type: 'integer' }, name: { type: 'string' }, public: { type: 'boolean' }, type: { enum: ['NORMAL', 'PERSONAL'] }, owner: { type: 'object' } }),
});
const date = { type: 'string', pattern: '^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d[+-]\\d{4}$' };
const sha = { type: 'string', pattern: '^[0-9a-f]{40}$' };

export const RepoRefsChanged = closed(['eventKey', 'date', 'actor', 'repository', 'changes'], {
  eventKey: { const: 'repo:refs_changed' },
  date,
  actor,
  repository: payloadRepo,
  changes: {
    type: 'array',
    items: closed(['ref', 'refId', 'fromHash', 'toHash', 'type'], {
      ref: closed(['id', 'displayId', 'type'], { id: { type: 'string', pattern: '^refs/' }, displayId: { type: 'string' }, type: { enum: ['BRANCH', 'TAG'] } }),
      refId: { type: 'string' },
      fromHash: sha,
      toHash: sha,
      type: { enum: ['ADD', 'UPDATE', 'DELETE'] },
    }),
  },
  commits: { type: 'array' },
  toCommit: { type: 'object' },
});

export const RepoModified = closed(['eventKey', 'date', 'actor', 'old', 'new'], { eventKey: { const: 'repo:modified' }, date, actor, old: payloadRepo, new: payloadRepo });
export const DiagnosticsPing = closed(['test'], { test: { const: true } });
