// How a system error number reads in a message: its name, where the
// platform has one for it, beside the number.

import { constants } from "node:os";

export function errnoName(errno: number): string {
  const name = Object.entries(constants.errno).find(([, n]) => n === errno)?.[0];
  return name === undefined ? `errno ${errno}` : `${name} (errno ${errno})`;
}
