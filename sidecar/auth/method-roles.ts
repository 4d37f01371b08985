// The least role each AdminService method needs: viewers read, operators
// change the list, admins manage keys and webhooks.

import { AdminService } from "../gen/dnc/v1/admin_service_pb.js";
import { Role } from "../gen/dnc/v1/api_key_pb.js";

type MethodName = keyof typeof AdminService.method;

export const METHOD_ROLES: Record<MethodName, Role> = {
  addEntries: Role.OPERATOR,
  removeEntries: Role.OPERATOR,
  listEntries: Role.VIEWER,
  getContact: Role.VIEWER,
  removeByFilter: Role.OPERATOR,
  listSenders: Role.VIEWER,
  listAccounts: Role.VIEWER,
  listCampaigns: Role.VIEWER,
  getHistory: Role.VIEWER,
  checkAt: Role.VIEWER,
  getStats: Role.VIEWER,
  watchChanges: Role.VIEWER,
  createApiKey: Role.ADMIN,
  listApiKeys: Role.ADMIN,
  revokeApiKey: Role.ADMIN,
  uploadImportFile: Role.OPERATOR,
  analyzeImport: Role.OPERATOR,
  startImport: Role.OPERATOR,
  watchImport: Role.VIEWER,
  cancelImport: Role.OPERATOR,
  getImportReport: Role.VIEWER,
  listImports: Role.VIEWER,
  exportEntries: Role.OPERATOR,
  createWebhook: Role.ADMIN,
  listWebhooks: Role.ADMIN,
  deleteWebhook: Role.ADMIN,
};
