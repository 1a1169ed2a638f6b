// The contract every version-control driver (git, hg, svn) implements, plus the
// plain data it exchanges with the composer scanner. Nothing here does I/O.

export const VCS_TYPES = ['git', 'hg', 'svn'] as const;
export type VcsType = (typeof VCS_TYPES)[number];

export const REF_KINDS = ['tag', 'branch'] as const;
export type RefKind = (typeof REF_KINDS)[number];

/**
 * One tag or branch of a remote. `commit` is the driver's identifier of the revision the ref
 * points at, used as composer's source reference: a full commit id for git (tags peeled), a
 * full changeset id for hg, and composer's `/PATH/@REVISION` identifier for svn. Opaque outside
 * the driver. A driver lists refs in the order composer's own driver does: when two tags
 * normalize to one version the first one wins, so the order is part of the contract.
 */
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

/**
 * Secrets a driver may use to reach a remote. Decrypted only in memory, never logged.
 * `http-bearer` is never stored: it is a forge integration's code credential that the server
 * takes only as `Authorization: Bearer` (git over http(s) only; hg and svn refuse it).
 */
export type VcsCredential =
  | { type: 'http-basic'; username: string; password: string }
  | { type: 'token'; token: string; username?: string }
  | { type: 'http-bearer'; token: string }
  | { type: 'ssh-key'; privateKey: string; knownHosts?: string };

export interface FileRequest {
  commit: string;
  path: string;
}

/**
 * A size limit for readFiles: a file larger than `maxBytes` is not read (its size is learnt
 * first: git's object header, `hg files`, `svn ls`); its key maps to null and its size is put in
 * `oversized`.
 */
export interface ReadLimit {
  maxBytes: number;
  oversized: Map<string, number>;
}

export interface DriverOptions {
  /** Repository URL as the admin gave it; never contains credentials. */
  url: string;
  /** Directory of this repository's local mirror (created on first sync). */
  mirrorDir: string;
  credential?: VcsCredential | undefined;
  /** The stored credential's name, for error messages ("credential deploy-key (ssh-key)"). */
  credentialName?: string | undefined;
  /**
   * The hosts the credential is bound to (credential-hosts.ts normal form). The driver refuses
   * (CREDENTIAL_HOST_MISMATCH) a URL whose host is not among them, and git's helper answers only
   * for them after a redirect. Absent: the URL's own host only.
   */
  credentialHosts?: readonly string[] | undefined;
  /** Scratch directory for short-lived files (ssh key material); removed after each command. */
  tmpDir: string;
  /** Per-command timeout in milliseconds. */
  timeoutMs: number;
  /** Time to open a connection (ssh's ConnectTimeout), in milliseconds; default: timeoutMs. */
  connectTimeoutMs?: number | undefined;
  /** Aborting stops the running command (the job that uses this driver is being given up). */
  signal?: AbortSignal | undefined;
  /**
   * known_hosts lines pinned for the repository's ssh host (Packyard's per-host store). Empty or
   * absent: the credential's own pins, if any, else none (ssh then refuses the unknown host).
   */
  knownHosts?: string | undefined;
  /** PEM file of the CA(s) to trust for https (per credential or integration), instead of the system's bundle. */
  caFile?: string | undefined;
  /** Repository layout options (svn only; composer's trunk-path, branches-path, tags-path, package-path). */
  svn?: SvnLayout | undefined;
}

/** composer's SvnDriver options; `false` turns a part off (e.g. no tags directory). */
export interface SvnLayout {
  trunkPath: string | false;
  branchesPath: string | false;
  tagsPath: string | false;
  /** A sub-directory of every ref that holds the package (composer's package-path), '' for the root. */
  packagePath: string;
}

export const DEFAULT_SVN_LAYOUT: SvnLayout = { trunkPath: 'trunk', branchesPath: 'branches', tagsPath: 'tags', packagePath: '' };

export interface Driver {
  readonly type: VcsType;
  /**
   * Lists the remote's default branch, branches and tags as cheaply as the VCS allows: git and svn
   * ask the server without touching the mirror (ls-remote, svn ls); hg has no such command, so it
   * pulls into the mirror (one round trip when nothing changed) and lists there.
   */
  listRemote(): Promise<RemoteState>;
  /** Creates or refreshes the local mirror so that every listed commit is available locally. */
  syncMirror(): Promise<void>;
  /**
   * Reads many files at many commits in one batch from the mirror. The result maps
   * `${commit}:${path}` to the file's bytes, or null when the file does not exist there.
   */
  readFiles(requests: FileRequest[], limit?: ReadLimit): Promise<Map<string, Buffer | null>>;
  /** Commit dates (composer's `time` source: git author date, hg changeset date, svn revision date) in one batch. */
  commitTimes(commits: string[]): Promise<Map<string, Date>>;
  /** Writes a zip of the tree at `commit` to `destFile` (git: export-ignore honoured; svn: package-path only). */
  archive(commit: string, destFile: string): Promise<void>;
}

export function fileKey(commit: string, path: string): string {
  return `${commit}:${path}`;
}
