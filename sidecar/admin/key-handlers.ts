// CreateApiKey, ListApiKeys, RevokeApiKey: the key store as AdminService
// methods. The caller's principal becomes created_by.

import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import type { ApiKeyInfo, ApiKeyStore } from "../auth/api-key-store.js";
import { InvalidArgumentError } from "../errors.js";
import { CreateApiKeyResponseSchema, ListApiKeysResponseSchema, RevokeApiKeyResponseSchema } from "../gen/dnc/v1/admin_service_pb.js";
import { ApiKeySchema, type ApiKey } from "../gen/dnc/v1/api_key_pb.js";
import type { AdminImpl } from "./admin-impl.js";

function toApiKey(key: ApiKeyInfo): ApiKey {
  return create(ApiKeySchema, {
    name: key.name,
    role: key.role,
    createdAt: timestampFromMs(key.createdAt),
    lastUsedAt: key.lastUsedAt === undefined ? undefined : timestampFromMs(key.lastUsedAt),
    revokedAt: key.revokedAt === undefined ? undefined : timestampFromMs(key.revokedAt),
    createdBy: key.createdBy,
  });
}

export function keyMethods(keys: ApiKeyStore): Pick<AdminImpl, "createApiKey" | "listApiKeys" | "revokeApiKey"> {
  return {
    createApiKey: async (req, ctx) => {
      const { key, secret } = await keys.create(req.name, req.role, ctx.principal);
      return create(CreateApiKeyResponseSchema, { key: toApiKey(key), secret });
    },
    listApiKeys: () => create(ListApiKeysResponseSchema, { keys: keys.list().map(toApiKey) }),
    revokeApiKey: async (req) => {
      if (req.name === "") throw new InvalidArgumentError("name", "required");
      return create(RevokeApiKeyResponseSchema, { key: toApiKey(await keys.revoke(req.name)) });
    },
  };
}
