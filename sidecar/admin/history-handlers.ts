// PLACEHOLDER (helper C replaces this file): GetHistory, CheckAt, WatchChanges.
import type { AdminImpl } from "./admin-impl.js";

export function historyMethods(): Pick<AdminImpl, "getHistory" | "checkAt" | "watchChanges"> {
  return {
    getHistory: () => {
      throw new Error("not implemented");
    },
    checkAt: () => {
      throw new Error("not implemented");
    },
    watchChanges: () => {
      throw new Error("not implemented");
    },
  };
}
