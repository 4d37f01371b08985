// AdminAuth by API key: `authorization: Bearer <key>` names a stored key (or
// the DNC_ADMIN_TOKEN key), and the key's role must reach the method's least
// role. Messages name keys and roles, never a secret.

import { PermissionDeniedError, UnauthenticatedError } from "../errors.js";
import { AdminService } from "../gen/dnc/v1/admin_service_pb.js";
import { Role, RoleSchema } from "../gen/dnc/v1/api_key_pb.js";
import type { AdminAuth, Principal } from "./admin-auth.js";
import { ENV_ADMIN_KEY_NAME, hashKey, type ApiKeyStore } from "./api-key-store.js";
import { METHOD_ROLES } from "./method-roles.js";

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

const roleName = (role: Role): string => RoleSchema.value[role]?.name ?? String(role);

export class ApiKeyAuth implements AdminAuth {
  private readonly envTokenHash: string | undefined;

  /** `envToken` (DNC_ADMIN_TOKEN, its length checked by the CLI) is accepted as an admin key named `env-admin-token`. */
  constructor(
    private readonly keys: ApiKeyStore,
    envToken?: string,
  ) {
    this.envTokenHash = envToken === undefined ? undefined : hashKey(envToken);
  }

  authenticate(authorization: string | undefined): Principal {
    if (authorization === undefined || authorization === "") {
      throw new UnauthenticatedError("no API key: send the header `authorization: Bearer <key>`");
    }
    const token = BEARER.exec(authorization)?.[1];
    if (token === undefined) throw new UnauthenticatedError("the authorization header must be `Bearer <key>`");
    // Comparing digests rather than secrets: an early mismatch reveals nothing about the token.
    const hash = hashKey(token);
    if (hash === this.envTokenHash) return { name: ENV_ADMIN_KEY_NAME, role: Role.ADMIN };
    const key = this.keys.use(hash);
    if (key === undefined) throw new UnauthenticatedError("unknown API key");
    if (key.revokedAt !== undefined) throw new UnauthenticatedError(`API key '${key.name}' is revoked`);
    return { name: key.name, role: key.role };
  }

  onRevoked(name: string, fn: () => void): () => void {
    return this.keys.onRevoked(name, fn);
  }

  authorize(principal: Principal, method: string): void {
    const least = (METHOD_ROLES as Record<string, Role | undefined>)[method];
    const rpc = (AdminService.method as Record<string, { name: string } | undefined>)[method]?.name ?? method;
    // A method without a role entry is nobody's: deny rather than guess.
    if (least === undefined) throw new PermissionDeniedError(`${rpc} is not open to any role`);
    if (principal.role < least) {
      throw new PermissionDeniedError(`${rpc} needs ${roleName(least)}; API key '${principal.name}' has ${roleName(principal.role)}`);
    }
  }
}
