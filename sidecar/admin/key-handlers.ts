// PLACEHOLDER (helper A replaces this file): CreateApiKey, ListApiKeys, RevokeApiKey.
import type { AdminImpl } from "./admin-impl.js";

export function keyMethods(): Pick<AdminImpl, "createApiKey" | "listApiKeys" | "revokeApiKey"> {
  return {
    createApiKey: () => {
      throw new Error("not implemented");
    },
    listApiKeys: () => {
      throw new Error("not implemented");
    },
    revokeApiKey: () => {
      throw new Error("not implemented");
    },
  };
}
