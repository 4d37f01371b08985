// exceljs, loaded only after its stream reader's iteration helper has been
// replaced (exceljs-iterate-stream.ts): the sidecar imports exceljs from here.

import "./exceljs-iterate-stream.js";
import ExcelJS from "exceljs";

export default ExcelJS;
