// The Packyard config of a sync from a (fake) Bitbucket Cloud: one `bitbucket-cloud` integration
// `bbc` with `url` = the fake's web URL (bitbucket.org: OAuth and clones) and `api_url` = its API
// 2.0 (api.bitbucket.org/2.0), a credential as HTTP Basic (an Atlassian API token: `username` =
// the account's email; or an app password: `username` = the Bitbucket username), a webhook
// secret, and the organization `acme` synced from one workspace (`acme` by default); the yearly
// schedule keeps cron out of tests (they run the sync themselves).
export function bitbucketCloudSyncYaml(
  bb: { url: string; apiUrl: string },
  o: {
    username: string;
    token: string;
    webhookSecret?: string;
    source?: string;
    org?: string;
    integration?: string;
    autoAddPackages?: boolean;
    installWebhooks?: boolean;
  },
): string {
  const id = o.integration ?? 'bbc';
  return [
    'integrations:',
    `  - id: ${id}`,
    '    type: bitbucket-cloud',
    `    url: "${bb.url}"`,
    `    api_url: "${bb.apiUrl}"`,
    `    username: "${o.username}"`,
    `    token: "${o.token}"`,
    ...(o.webhookSecret !== undefined ? [`    webhook_secret: "${o.webhookSecret}"`] : []),
    'organizations:',
    `  - name: ${o.org ?? 'acme'}`,
    '    sync:',
    `      integration: ${id}`,
    `      source: "${o.source ?? 'acme'}"`,
    '      schedule: "0 0 1 1 *"',
    ...(o.autoAddPackages !== undefined ? [`      auto_add_packages: ${o.autoAddPackages}`] : []),
    ...(o.installWebhooks !== undefined ? [`      install_webhooks: ${o.installWebhooks}`] : []),
  ].join('\n');
}
