// Bodies that senders post to a package's generic hook URL, after the documented examples:
// Azure DevOps "Code pushed" (git.push, resourceVersion 1.0) as Azure DevOps Services sends it
// (dev.azure.com / visualstudio.com URLs) and as Azure DevOps Server (on-premises, /tfs/
// collection URLs) sends it; a Packagist-style body; an EventBridge CodeCommit state change.
// The refs and commit ids are the caller's, so an e2e test can name what it really pushed.

const ZERO = '0000000000000000000000000000000000000000';

export interface RefUpdate {
  name: string;
  oldObjectId?: string;
  newObjectId: string;
}

function gitPush(o: { base: string; apiBase: string; remoteUrl: string; refUpdates: readonly RefUpdate[]; server: boolean }) {
  const first = o.refUpdates[0];
  const branch = first?.name.replace(/^refs\/(heads|tags)\//, '') ?? 'main';
  return {
    subscriptionId: '00ca946b-2fe9-4f2a-ae2f-40d5c48001bc',
    notificationId: 1,
    id: '03c164c2-8912-4d5e-8009-3707d5f83734',
    eventType: 'git.push',
    publisherId: 'tfs',
    message: {
      text: `Jamal Hartnett pushed updates to Fabrikam-Fiber-Git:${branch}.`,
      html: `Jamal Hartnett pushed updates to Fabrikam-Fiber-Git:${branch}.`,
      markdown: `Jamal Hartnett pushed updates to \`Fabrikam-Fiber-Git\`:\`${branch}\`.`,
    },
    detailedMessage: {
      text: `Jamal Hartnett pushed a commit to Fabrikam-Fiber-Git:${branch}.\n - Fixed bug in web.config file ${first?.newObjectId.slice(0, 8) ?? ''}`,
      html: `Jamal Hartnett pushed a commit to <a href="${o.base}/_git/Fabrikam-Fiber-Git/">Fabrikam-Fiber-Git</a>:<a href="${o.base}/_git/Fabrikam-Fiber-Git/#version=GB${branch}">${branch}</a>.`,
      markdown: `Jamal Hartnett pushed a commit to [Fabrikam-Fiber-Git](${o.base}/_git/Fabrikam-Fiber-Git/):[${branch}](${o.base}/_git/Fabrikam-Fiber-Git/#version=GB${branch}).`,
    },
    resource: {
      commits: o.refUpdates.filter((u) => u.newObjectId !== ZERO).map((u) => ({
        commitId: u.newObjectId,
        author: { name: 'Jamal Hartnett', email: 'fabrikamfiber4@hotmail.com', date: '2015-02-25T19:01:00Z' },
        committer: { name: 'Jamal Hartnett', email: 'fabrikamfiber4@hotmail.com', date: '2015-02-25T19:01:00Z' },
        comment: 'Fixed bug in web.config file',
        url: `${o.base}/_git/Fabrikam-Fiber-Git/commit/${u.newObjectId}`,
      })),
      refUpdates: o.refUpdates.map((u) => ({ name: u.name, oldObjectId: u.oldObjectId ?? ZERO, newObjectId: u.newObjectId })),
      repository: {
        id: '278d5cd2-584d-4b63-824a-2ba458937249',
        name: 'Fabrikam-Fiber-Git',
        url: `${o.apiBase}/_apis/git/repositories/278d5cd2-584d-4b63-824a-2ba458937249`,
        project: {
          id: '6ce954b1-ce1f-45d1-b94d-e6bf2464ba2c',
          name: 'Fabrikam-Fiber-Git',
          url: `${o.apiBase}/_apis/projects/6ce954b1-ce1f-45d1-b94d-e6bf2464ba2c`,
          state: 'wellFormed',
        },
        defaultBranch: 'refs/heads/main',
        remoteUrl: o.remoteUrl,
      },
      pushedBy: {
        id: '00067FFED5C7AF52@Live.com',
        displayName: 'Jamal Hartnett',
        uniqueName: o.server ? 'FABRIKAM\\jamal' : 'Windows Live ID\\fabrikamfiber4@hotmail.com',
      },
      pushId: 14,
      date: '2014-05-02T19:17:13.3309587Z',
      url: `${o.apiBase}/_apis/git/repositories/278d5cd2-584d-4b63-824a-2ba458937249/pushes/14`,
    },
    resourceVersion: '1.0',
    resourceContainers: {
      collection: { id: 'c12d0eb8-e382-443b-9f9c-c52cba5014c2' },
      ...(o.server ? {} : { account: { id: 'f844ec47-a9db-4511-8281-8b63f4eaf94e' } }),
      project: { id: 'be9b3917-87e6-42a4-a549-2bc06a7a878f' },
    },
    createdDate: '2024-05-02T19:17:13.3309587Z',
  };
}

/** Azure DevOps Services (cloud): dev.azure.com URLs. */
export function azureServicesPush(refUpdates: readonly RefUpdate[], remoteUrl = 'https://dev.azure.com/fabrikam-fiber-inc/Fabrikam-Fiber-Git/_git/Fabrikam-Fiber-Git') {
  return gitPush({ base: 'https://dev.azure.com/fabrikam-fiber-inc/Fabrikam-Fiber-Git', apiBase: 'https://dev.azure.com/fabrikam-fiber-inc', remoteUrl, refUpdates, server: false });
}

/** Azure DevOps Server (on-premises): http://SERVER:8080/tfs/COLLECTION URLs. */
export function azureServerPush(refUpdates: readonly RefUpdate[], remoteUrl = 'http://tfs.fabrikam.local:8080/tfs/DefaultCollection/Fabrikam-Fiber-Git/_git/Fabrikam-Fiber-Git') {
  return gitPush({ base: 'http://tfs.fabrikam.local:8080/tfs/DefaultCollection/Fabrikam-Fiber-Git', apiBase: 'http://tfs.fabrikam.local:8080/tfs/DefaultCollection', remoteUrl, refUpdates, server: true });
}

/** What Packagist's update API takes, and what many scripts send. */
export function packagistBody(url: string) {
  return { repository: { url } };
}

/** An EventBridge "CodeCommit Repository State Change" event sent straight to the URL (API destination). */
export function eventBridgeCodeCommit(o: { repositoryName: string; referenceType: 'branch' | 'tag'; referenceName: string; commitId: string }) {
  return {
    version: '0',
    id: '01234567-0123-0123-0123-012345678901',
    'detail-type': 'CodeCommit Repository State Change',
    source: 'aws.codecommit',
    account: '123456789012',
    time: '2024-05-02T19:17:13Z',
    region: 'us-east-1',
    resources: [`arn:aws:codecommit:us-east-1:123456789012:${o.repositoryName}`],
    detail: {
      callerUserArn: 'arn:aws:iam::123456789012:user/alice',
      commitId: o.commitId,
      event: 'referenceCreated',
      referenceFullName: `refs/${o.referenceType === 'tag' ? 'tags' : 'heads'}/${o.referenceName}`,
      referenceName: o.referenceName,
      referenceType: o.referenceType,
      repositoryId: '12345678-1234-5678-abcd-12345678abcd',
      repositoryName: o.repositoryName,
    },
  };
}
