// The contract every version-control driver (git now; hg and svn later) implements, plus the
// plain data it exchanges with the composer scanner. Nothing here does I/O.

export const VCS_TYPES = ['git', 'hg', 'svn'] as const;
export type VcsType = (typeof VCS_TYPES)[number];

export const REF_KINDS = ['tag', 'branch'] as const;
export type RefKind = (typeof REF_KINDS)[number];

/** One tag or branch of a remote. `commit` is the commit id the ref points at (tags peeled). */
export interface RemoteRef {
  kind: RefKind;
  name: string;
  commit: string;
}

/** What the remote looks like right now; obtained cheaply (git ls-remote) without fetching. */
export interface RemoteState {
  defaultBranch: string;
  refs: RemoteRef[];
}

/** Secrets a driver may use to reach a remote. Decrypted only in memory, never logged. */
export type VcsCredential =
  | { type: 'http-basic'; username: string; password: string }
  | { type: 'token'; token: string; username?: string }
  | { type: 'ssh-key'; privateKey: string; knownHosts?: string };

export interface FileRequest {
  commit: string;
  path: string;
}

export interface DriverOptions {
  /** Repository URL as the admin gave it; never contains credentials. */
  url: string;
  /** Directory of this repository's local mirror (created on first sync). */
  mirrorDir: string;
  credential?: VcsCredential | undefined;
  /** Scratch directory for short-lived files (ssh key material); removed after each command. */
  tmpDir: string;
  /** Per-command timeout in milliseconds. */
  timeoutMs: number;
  /** Aborting stops the running command (the job that uses this driver is being given up). */
  signal?: AbortSignal | undefined;
}

export interface Driver {
  readonly type: VcsType;
  /** Lists the remote's default branch, branches and tags without touching the mirror. */
  listRemote(): Promise<RemoteState>;
  /** Creates or refreshes the local mirror so that every listed commit is available locally. */
  syncMirror(): Promise<void>;
  /**
   * Reads many files at many commits in one batch from the mirror. The result maps
   * `${commit}:${path}` to the file's bytes, or null when the file does not exist there.
   */
  readFiles(requests: FileRequest[]): Promise<Map<string, Buffer | null>>;
  /** Commit dates (composer uses the author date for git) in one batch. */
  commitTimes(commits: string[]): Promise<Map<string, Date>>;
  /** Writes a zip of the tree at `commit` to `destFile` (export-ignore honoured). */
  archive(commit: string, destFile: string): Promise<void>;
}

export function fileKey(commit: string, path: string): string {
  return `${commit}:${path}`;
}
