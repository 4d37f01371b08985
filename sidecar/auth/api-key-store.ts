// The API keys: minted here, kept in LMDB as SHA-256 hashes only, and held
// in memory so that authenticating a call never touches the disk. The
// in-memory records are the truth for every call; LMDB follows them.

import { createHash, randomBytes } from "node:crypto";
import type { Database } from "lmdb";
import { AlreadyExistsError, InvalidArgumentError, NotFoundError } from "../errors.js";
import { Role } from "../gen/dnc/v1/api_key_pb.js";
import type { EntryStore } from "../store/entry-store.js";

/** Marks a string as a dnc key, so that it is recognised in logs, configs and secret scanners. */
export const KEY_PREFIX = "dnc_";

/** The principal of the DNC_ADMIN_TOKEN key, which is never stored; no stored key may take its name. */
export const ENV_ADMIN_KEY_NAME = "env-admin-token";

const NAME_PATTERN = /^[A-Za-z0-9._@-]{1,64}$/;

/** Often enough for an audit, rarely enough that a busy key costs no disk write per call. */
const LAST_USED_FLUSH_MS = 5_000;

interface StoredKey {
  name: string;
  role: Role;
  /** Hex SHA-256 of the secret. */
  hash: string;
  /** Milliseconds since the epoch, like the other times. */
  createdAt: number;
  createdBy: string;
  lastUsedAt?: number;
  revokedAt?: number;
}

/** A key as callers see it: everything but the hash. */
export type ApiKeyInfo = Readonly<Omit<StoredKey, "hash">>;

export function hashKey(secret: string): string {
  return createHash("sha256").update(secret).digest("hex");
}

function info({ hash: _hash, ...rest }: StoredKey): ApiKeyInfo {
  return rest;
}

export class ApiKeyStore {
  private readonly byName = new Map<string, StoredKey>();
  private readonly byHash = new Map<string, StoredKey>();
  private readonly unflushed = new Set<string>();
  private flushTimer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  /** By key name: what a revocation ends at once (the streams opened with the key). */
  private readonly revocationListeners = new Map<string, Set<() => void>>();

  private constructor(private readonly db: Database<StoredKey, string>) {
    for (const { value } of db.getRange()) {
      this.byName.set(value.name, value);
      this.byHash.set(value.hash, value);
    }
  }

  static open(store: EntryStore): ApiKeyStore {
    return new ApiKeyStore(store.openDb<StoredKey>("api-keys"));
  }

  /** Keys ever created, revoked ones included. */
  get size(): number {
    return this.byName.size;
  }

  /** Mints a key; resolves once it is durable, with the secret that is never seen again. */
  async create(name: string, role: Role, createdBy: string): Promise<{ key: ApiKeyInfo; secret: string }> {
    if (!NAME_PATTERN.test(name)) throw new InvalidArgumentError("name", "must be 1 to 64 characters from A-Z a-z 0-9 . _ @ -");
    if (name === ENV_ADMIN_KEY_NAME) throw new InvalidArgumentError("name", `'${ENV_ADMIN_KEY_NAME}' is reserved for the DNC_ADMIN_TOKEN key`);
    if (role !== Role.VIEWER && role !== Role.OPERATOR && role !== Role.ADMIN) {
      throw new InvalidArgumentError("role", "must be ROLE_VIEWER, ROLE_OPERATOR or ROLE_ADMIN");
    }
    // Names stay taken after revocation: the name is the actor in the history, and must keep meaning one key.
    if (this.byName.has(name)) throw new AlreadyExistsError(`an API key named '${name}' already exists`);
    const secret = KEY_PREFIX + randomBytes(32).toString("base64url");
    const record: StoredKey = { name, role, hash: hashKey(secret), createdAt: Date.now(), createdBy };
    // Taken before the write, so that a concurrent create of the same name fails instead of overwriting.
    this.byName.set(name, record);
    try {
      await this.db.put(name, record);
      await this.db.flushed;
    } catch (err: unknown) {
      this.byName.delete(name);
      throw err;
    }
    this.byHash.set(record.hash, record);
    return { key: info(record), secret };
  }

  /** The key with this hash, revoked or not; records its use. */
  use(hash: string): ApiKeyInfo | undefined {
    const record = this.byHash.get(hash);
    if (record === undefined || record.revokedAt !== undefined) return record;
    record.lastUsedAt = Date.now();
    this.unflushed.add(record.name);
    this.flushTimer ??= setTimeout(() => {
      this.flushTimer = undefined;
      void this.flush();
    }, LAST_USED_FLUSH_MS).unref();
    return record;
  }

  /** Revokes at once for every later call; resolves once the revocation is durable. Revoking twice keeps the first time. */
  async revoke(name: string): Promise<ApiKeyInfo> {
    const record = this.byName.get(name);
    if (record === undefined) throw new NotFoundError(`no API key named '${name}'`);
    if (record.revokedAt === undefined) {
      record.revokedAt = Date.now();
      for (const fn of [...(this.revocationListeners.get(name) ?? [])]) fn();
      await this.db.put(name, record);
      // lmdb-js resolves a put once committed; the revocation is acknowledged once on disk.
      await this.db.flushed;
    }
    return info(record);
  }

  /** Calls `fn` when the key named `name` is revoked; returns what unsubscribes it. */
  onRevoked(name: string, fn: () => void): () => void {
    let listeners = this.revocationListeners.get(name);
    if (listeners === undefined) this.revocationListeners.set(name, (listeners = new Set()));
    listeners.add(fn);
    return () => {
      listeners.delete(fn);
      if (listeners.size === 0) this.revocationListeners.delete(name);
    };
  }

  /** Every key, oldest first. */
  list(): ApiKeyInfo[] {
    return [...this.byName.values()].sort((a, b) => a.createdAt - b.createdAt || a.name.localeCompare(b.name)).map(info);
  }

  /** Writes the last_used_at times noted since the last flush. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      const names = [...this.unflushed];
      this.unflushed.clear();
      try {
        await Promise.all(names.map((name) => this.db.put(name, this.byName.get(name)!)));
      } catch {
        // A lost last_used_at is only a stale audit time; the next flush tries again.
        for (const name of names) this.unflushed.add(name);
      }
    });
    return this.flushing;
  }

  /** Stops the flush timer and writes what is pending; call before the store closes. */
  async close(): Promise<void> {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    await this.flush();
  }
}
