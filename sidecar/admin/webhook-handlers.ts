// AdminService methods over the webhooks: CreateWebhook, ListWebhooks,
// DeleteWebhook. Delivery itself is the dispatcher's (webhooks/).

import { create } from "@bufbuild/protobuf";
import {
  CreateWebhookResponseSchema,
  DeleteWebhookResponseSchema,
  ListWebhooksResponseSchema,
} from "../gen/dnc/v1/admin_service_pb.js";
import { InvalidArgumentError } from "../errors.js";
import type { WebhookDispatcher } from "../webhooks/webhook-dispatcher.js";
import type { AdminImpl } from "./admin-impl.js";

export function webhookMethods(webhooks: WebhookDispatcher): Pick<AdminImpl, "createWebhook" | "listWebhooks" | "deleteWebhook"> {
  return {
    createWebhook: async (req, ctx) => create(CreateWebhookResponseSchema, await webhooks.create(req.url, ctx.principal)),
    listWebhooks: () => create(ListWebhooksResponseSchema, { webhooks: webhooks.list() }),
    deleteWebhook: async (req) => {
      if (req.id === "") throw new InvalidArgumentError("id", "required");
      await webhooks.delete(req.id);
      return create(DeleteWebhookResponseSchema, {});
    },
  };
}
