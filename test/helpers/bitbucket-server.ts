// The Packyard config of a sync from a (fake) Bitbucket Data Center: one `bitbucket-server`
// integration `bbs` at the server's URL with its context path (/bitbucket), a token (an HTTP
// access token sent as Bearer, or with `username` the password of HTTP Basic), a webhook secret,
// and the organization `acme` synced from project keys (`PAY,WEB` by default); the yearly
// schedule keeps cron out of tests (they run the scheduled job themselves).
export function bitbucketServerSyncYaml(
  bb: { url: string },
  o: {
    token: string;
    username?: string;
    webhookSecret?: string;
    source?: string;
    org?: string;
    integration?: string;
    autoAddPackages?: boolean;
    installWebhooks?: boolean;
  },
): string {
  const id = o.integration ?? 'bbs';
  return [
    'integrations:',
    `  - id: ${id}`,
    '    type: bitbucket-server',
    `    url: "${bb.url}"`,
    `    token: "${o.token}"`,
    ...(o.username !== undefined ? [`    username: "${o.username}"`] : []),
    ...(o.webhookSecret !== undefined ? [`    webhook_secret: "${o.webhookSecret}"`] : []),
    'organizations:',
    `  - name: ${o.org ?? 'acme'}`,
    '    sync:',
    `      integration: ${id}`,
    `      source: "${o.source ?? 'PAY,WEB'}"`,
    '      schedule: "0 0 1 1 *"',
    ...(o.autoAddPackages !== undefined ? [`      auto_add_packages: ${o.autoAddPackages}`] : []),
    ...(o.installWebhooks !== undefined ? [`      install_webhooks: ${o.installWebhooks}`] : []),
  ].join('\n');
}
