// Unpacks a zip archive, as Lambda unpacks a function package, with yauzl: it refuses entries
// whose names point outside the archive (absolute paths, `..`) and checks each entry's size.
import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';

// yauzl ships no types; only its promise API is used.
interface ZipEntry {
  fileName: string;
}
interface ZipFile {
  eachEntry(): AsyncIterable<ZipEntry>;
  openReadStreamPromise(entry: ZipEntry): Promise<Readable>;
  close(): void;
}
const yauzl = require('yauzl') as { openPromise(path: string, options?: { strictFileNames?: boolean }): Promise<ZipFile> };

/** Writes the archive's files under `directory`; returns their paths inside it. */
export async function extractZip(path: string, directory: string): Promise<string[]> {
  const zip = await yauzl.openPromise(path, { strictFileNames: true });
  const files: string[] = [];
  try {
    for await (const entry of zip.eachEntry()) {
      if (entry.fileName.endsWith('/')) continue;
      const target = join(directory, entry.fileName);
      mkdirSync(dirname(target), { recursive: true });
      await pipeline(await zip.openReadStreamPromise(entry), createWriteStream(target));
      files.push(entry.fileName);
    }
  } finally {
    zip.close();
  }
  return files;
}
