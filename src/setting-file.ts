// Reading a file a setting names (a certificate, a key, an allow-list, ./.env): a regular file of at most
// MAX_SETTING_FILE_BYTES, or a problem that says so. A device (/dev/zero, /dev/urandom), a FIFO or a
// directory is refused before anything is read — /dev/zero would otherwise be read until memory ran out.
// The checks are made on the opened file (no window between checking a path and reading it), opened
// without blocking (a FIFO would block the open until someone wrote to it).
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from "node:fs";

/** Certificates, keys and lists are a few KiB; a .pfx chain some more. */
export const MAX_SETTING_FILE_BYTES = 1024 * 1024;

export type SettingFile = { ok: true; data: Buffer; stats: Stats } | { ok: false; message: string };

export function readSettingFile(path: string, maxBytes = MAX_SETTING_FILE_BYTES): SettingFile {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return { ok: false, message: `file not found: ${path}` };
    if (code === "EACCES")
      return { ok: false, message: `permission denied reading ${path}; make it readable by the user running pixout` };
    if (code === "EISDIR") return { ok: false, message: `is a directory, not a file: ${path}` };
    return { ok: false, message: `cannot read ${path} (${code ?? "error"})` };
  }
  try {
    const stats = fstatSync(fd);
    if (stats.isDirectory()) return { ok: false, message: `is a directory, not a file: ${path}` };
    if (!stats.isFile()) return { ok: false, message: `is not a regular file (a device, a pipe or a socket): ${path}` };
    if (stats.size > maxBytes)
      return {
        ok: false,
        message: `${path} is larger than ${String(maxBytes / 1024)} KiB: not the file this setting takes`,
      };
    // Read at most one byte more than allowed: a file that grew since fstat is caught too.
    const buffer = Buffer.alloc(Math.min(stats.size, maxBytes) + 1);
    let length = 0;
    for (let n = 1; n > 0 && length < buffer.length; length += n)
      n = readSync(fd, buffer, length, buffer.length - length, null);
    if (length > maxBytes)
      return {
        ok: false,
        message: `${path} is larger than ${String(maxBytes / 1024)} KiB: not the file this setting takes`,
      };
    return { ok: true, data: buffer.subarray(0, length), stats };
  } catch (err) {
    return { ok: false, message: `cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? "error"})` };
  } finally {
    closeSync(fd);
  }
}
