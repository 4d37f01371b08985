// PLACEHOLDER (helper C replaces this file): CreateWebhook, ListWebhooks, DeleteWebhook.
import type { AdminImpl } from "./admin-impl.js";

export function webhookMethods(): Pick<AdminImpl, "createWebhook" | "listWebhooks" | "deleteWebhook"> {
  return {
    createWebhook: () => {
      throw new Error("not implemented");
    },
    listWebhooks: () => {
      throw new Error("not implemented");
    },
    deleteWebhook: () => {
      throw new Error("not implemented");
    },
  };
}
