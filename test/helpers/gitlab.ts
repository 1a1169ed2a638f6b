// The Packyard config of a sync from a (fake) GitLab: one `gitlab` integration `gl` at the
// instance URL with its relative root (or gitlab.com with `apiUrl` at a fake), a token, a
// webhook secret, and the organization `acme` synced from a group path; the yearly schedule keeps
// cron out of tests (they run the scheduled job themselves).
export function gitlabSyncYaml(
  gl: { url: string },
  o: { token: string; apiUrl?: string; oauth?: boolean; webhookSecret?: string; source?: string; org?: string; integration?: string; autoAddPackages?: boolean; installWebhooks?: boolean },
): string {
  const id = o.integration ?? 'gl';
  return [
    'integrations:',
    `  - id: ${id}`,
    '    type: gitlab',
    `    url: "${gl.url}"`,
    ...(o.apiUrl !== undefined ? [`    api_url: "${o.apiUrl}"`] : []),
    `    token: "${o.token}"`,
    ...(o.webhookSecret !== undefined ? [`    webhook_secret: "${o.webhookSecret}"`] : []),
    ...(o.oauth ? ['    oauth: { client_id: packyard-client, client_secret: packyard-secret }'] : []),
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
