// The one configuration schema (TypeBox): every key of packyard.yaml, its type and default.
// config.example.yaml documents the same keys in the same order; a test keeps them in step.
import { Type, type Static } from 'typebox';
// Each integration type's keys are the forge layer's (a union on `type`); load.ts checks each
// integration against its own type's schema.
import { IntegrationConfig, INTEGRATION_SCHEMAS, INTEGRATION_TYPES, PLANNED_INTEGRATION_TYPES } from '../forges/config.js';

export { IntegrationConfig, INTEGRATION_SCHEMAS, INTEGRATION_TYPES, PLANNED_INTEGRATION_TYPES };

const Strict = { additionalProperties: false } as const;

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export const VCS_PROTOCOLS = ['https', 'http', 'ssh', 'git', 'svn'] as const;
/** Loopback, link-local (cloud metadata at 169.254.169.254 and fd00:ec2::254 included), unspecified. */
export const DEFAULT_DENIED_NETWORKS = ['127.0.0.0/8', '::1/128', '169.254.0.0/16', 'fe80::/10', '0.0.0.0/8', '::/128', 'fd00:ec2::254/128'] as const;

const literalUnion = <T extends readonly string[]>(values: T) => Type.Union(values.map((v) => Type.Literal(v)));

export const ServerConfig = Type.Object(
  {
    listen: Type.String({ minLength: 1, description: 'HOST:PORT to listen on' }),
    public_url: Type.String({ pattern: '^https?://[^/\\s]+(/[^\\s]*)?$', description: 'external base URL' }),
    trust_proxy: Type.Boolean({ description: 'trust X-Forwarded-* headers from a reverse proxy' }),
    // Empty counts as unset, so `${VAR:-}` can leave it out.
    metrics_token: Type.Optional(Type.String({ pattern: '^(|\\S{16,})$', description: 'Bearer token required by /metrics; unset or empty: loopback only' })),
  },
  Strict,
);

export const VcsConfig = Type.Object(
  {
    allow_local_paths: Type.Boolean(),
    allowed_protocols: Type.Array(literalUnion(VCS_PROTOCOLS), { uniqueItems: true }),
    timeout_seconds: Type.Integer({ minimum: 5, maximum: 3600 }),
    connect_timeout_seconds: Type.Integer({ minimum: 1, maximum: 300, description: 'time to open a connection to a VCS server' }),
    denied_networks: Type.Array(Type.String({ minLength: 1, description: 'CIDR, e.g. 10.0.0.0/8 or fd00::/8' }), {
      description: 'addresses package URLs may not reach (checked after DNS, at add and before every fetch)',
    }),
  },
  Strict,
);

export const LimitsConfig = Type.Object(
  {
    composer_json_bytes: Type.Integer({ minimum: 1024, maximum: 16 * 1024 * 1024, description: 'largest composer.json published; a larger one skips its ref' }),
    package_metadata_bytes: Type.Integer({ minimum: 65536, maximum: 1024 * 1024 * 1024, description: "largest sum of one package's published composer.json files" }),
    refs_per_package: Type.Integer({ minimum: 10, maximum: 1000000, description: 'most tags and branches read from one repository' }),
  },
  Strict,
);

export const JobsConfig = Type.Object(
  {
    concurrency: Type.Integer({ minimum: 1, maximum: 16 }),
    build_dists_ahead: Type.Boolean({ description: 'build dists of new versions in the background' }),
  },
  Strict,
);

export const HousekeepingConfig = Type.Object(
  {
    schedule: Type.String({ minLength: 1, description: 'cron expression of the housekeeping job' }),
    job_retention_days: Type.Integer({ minimum: 1, maximum: 3650 }),
    delivery_retention_days: Type.Integer({ minimum: 1, maximum: 3650 }),
    removed_dist_grace_days: Type.Integer({ minimum: 0, maximum: 3650, description: "days a removed package's dists stay downloadable" }),
  },
  Strict,
);

export const HooksConfig = Type.Object(
  {
    sns_host_pattern: Type.String({ minLength: 1, description: 'regular expression the whole host of an SNS SigningCertURL or SubscribeURL must match' }),
  },
  Strict,
);

export const OrganizationConfig = Type.Object(
  {
    name: Type.String({ minLength: 1, description: 'checked by validateOrgName' }),
    sync: Type.Optional(
      Type.Object(
        {
          integration: Type.String({ minLength: 1 }),
          source: Type.String({ minLength: 1 }),
          schedule: Type.String({ minLength: 1 }),
          auto_add_packages: Type.Boolean(),
          install_webhooks: Type.Boolean(),
        },
        Strict,
      ),
    ),
  },
  Strict,
);

export const Config = Type.Object(
  {
    server: ServerConfig,
    data_dir: Type.String({ minLength: 1 }),
    secret_key: Type.Optional(Type.String({ minLength: 16 })),
    log_level: literalUnion(LOG_LEVELS),
    vcs: VcsConfig,
    limits: LimitsConfig,
    jobs: JobsConfig,
    housekeeping: HousekeepingConfig,
    integrations: Type.Array(IntegrationConfig),
    hooks: HooksConfig,
    organizations: Type.Array(OrganizationConfig),
  },
  Strict,
);

export type Config = Static<typeof Config>;
export type OrganizationConfig = Static<typeof OrganizationConfig>;

/** The embedded defaults (DESIGN.md section 3): a config file only overrides what it names. */
export const DEFAULTS = {
  server: { listen: '127.0.0.1:8080', public_url: 'http://127.0.0.1:8080', trust_proxy: false },
  data_dir: './data',
  log_level: 'info',
  vcs: {
    allow_local_paths: false,
    allowed_protocols: [...VCS_PROTOCOLS],
    timeout_seconds: 300,
    connect_timeout_seconds: 10,
    denied_networks: [...DEFAULT_DENIED_NETWORKS],
  },
  limits: { composer_json_bytes: 512 * 1024, package_metadata_bytes: 64 * 1024 * 1024, refs_per_package: 20000 },
  jobs: { concurrency: 2, build_dists_ahead: false },
  housekeeping: { schedule: '17 3 * * *', job_retention_days: 30, delivery_retention_days: 30, removed_dist_grace_days: 30 },
  integrations: [],
  hooks: { sns_host_pattern: '^sns\\.[a-z0-9-]+\\.amazonaws\\.com(\\.cn)?$' },
  organizations: [],
} as const;

// Defined in src/domain/orgs.ts (the domain reads it for a row's nulls; domain imports nothing from config).
export { ORG_SYNC_DEFAULTS } from '../domain/orgs.js';
