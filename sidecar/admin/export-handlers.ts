// AdminService.ExportEntries: the entries of a filter or of a list of keys
// as a CSV or XLSX file, streamed (sidecar/export/ owns the file itself).

import type { CountryCode } from "libphonenumber-js";
import type { DncList } from "../engine/dnc-list.js";
import { exportEntries } from "../export/entry-export.js";
import type { AdminImpl } from "./admin-impl.js";

export function exportMethods(list: DncList, defaultCountry: CountryCode | undefined): Pick<AdminImpl, "exportEntries"> {
  return {
    exportEntries: (req, ctx) => exportEntries(list, req, ctx, defaultCountry),
  };
}
