// PLACEHOLDER (the lead replaces this file): GetStats.
import type { AdminImpl } from "./admin-impl.js";

export function statsMethods(): Pick<AdminImpl, "getStats"> {
  return {
    getStats: () => {
      throw new Error("not implemented");
    },
  };
}
