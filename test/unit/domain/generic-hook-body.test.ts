// What the generic hook URL reads from a body: only JSON objects are parsed; Azure DevOps
// (Services and Server), EventBridge and Packagist-style shapes; bounds on what is taken; the
// repository URL comparison across https, ssh and scp-like forms.
import t from 'tap';
import { classifyHookBody, MAX_REFS, repositoryKey, sameRepository } from '../../../src/domain/generic-hook-body.js';
import { azureServerPush, azureServicesPush, eventBridgeCodeCommit, packagistBody } from '../../helpers/generic-hook-payloads.js';

const b = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v));
const SHA = 'c'.repeat(40);

t.test('bodies that are not JSON objects are a script ping, never an error', async (t) => {
  for (const body of ['', 'a=b&c=d', '<xml/>', '{"a":', '[1,2]', '"str"', 'null', '\u0000\u00ff binary', '{"repository": "not an object"}']) {
    t.same(classifyHookBody(b(body)), { kind: 'script', refs: [] }, JSON.stringify(body));
  }
  t.same(classifyHookBody(Buffer.from([0xff, 0xfe, 0x7b, 0x00])), { kind: 'script', refs: [] });
});

t.test('Azure DevOps git.push, Services and Server', async (t) => {
  const services = classifyHookBody(b(azureServicesPush([{ name: 'refs/heads/main', newObjectId: SHA }, { name: 'refs/tags/v1.0.0', newObjectId: SHA }])));
  t.same(services, { kind: 'azure-devops', refs: ['refs/heads/main', 'refs/tags/v1.0.0'], event: 'git.push', url: 'https://dev.azure.com/fabrikam-fiber-inc/Fabrikam-Fiber-Git/_git/Fabrikam-Fiber-Git' });
  const server = classifyHookBody(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), b(`\n ${JSON.stringify(azureServerPush([{ name: 'refs/tags/v2', newObjectId: SHA }]))}`)]));
  t.match(server, { kind: 'azure-devops', refs: ['refs/tags/v2'], url: /\/tfs\/DefaultCollection\// }, 'a BOM and whitespace are fine');
  t.same(classifyHookBody(b({ eventType: 'git.pullrequest.created', publisherId: 'tfs', resource: {} })), { kind: 'azure-devops', refs: [], event: 'git.pullrequest.created' });
  const many = classifyHookBody(b({ eventType: 'git.push', publisherId: 'tfs', resource: { refUpdates: Array.from({ length: 500 }, (_, i) => ({ name: `refs/heads/b${i}` })).concat([{ name: 5 } as never]) } }));
  t.equal(many.refs.length, MAX_REFS, 'bounded');
  t.equal(classifyHookBody(b({ eventType: 'git.push', publisherId: 'tfs', resource: { refUpdates: [{ name: 'x'.repeat(10_000) }] } })).refs[0]?.length, 256);
});

t.test('EventBridge and Packagist-style', async (t) => {
  t.same(classifyHookBody(b(eventBridgeCodeCommit({ repositoryName: 'r', referenceType: 'branch', referenceName: 'main', commitId: SHA }))),
    { kind: 'eventbridge', refs: ['refs/heads/main'], event: 'referenceCreated' });
  t.same(classifyHookBody(b(packagistBody('https://git.example/a/b'))), { kind: 'packagist', refs: [], url: 'https://git.example/a/b' });
});

t.test('repository URLs compare by host and path', async (t) => {
  t.equal(repositoryKey('https://user:pw@Git.Example:443/Acme/Lib.git/'), 'git.example/acme/lib');
  t.equal(repositoryKey('git@git.example:acme/lib.git'), 'git.example/acme/lib');
  t.ok(sameRepository('ssh://git@git.example:22/acme/lib', 'https://git.example/acme/lib.git'));
  t.ok(sameRepository('https://git-codecommit.us-east-1.amazonaws.com/v1/repos/lib', 'ssh://APKAEIBAERJR2EXAMPLE@git-codecommit.us-east-1.amazonaws.com/v1/repos/lib'));
  t.notOk(sameRepository('https://git.example/acme/lib', 'https://git.example/acme/other'));
  t.notOk(sameRepository('https://git.example:8443/acme/lib', 'https://git.example/acme/lib'));
});
