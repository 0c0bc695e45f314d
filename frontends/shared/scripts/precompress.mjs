// Writes a Brotli (.br) and a gzip (.gz) sibling next to every compressible file of a build, so
// the server sends compressed bytes without compressing per request (shoplet.frontends.SpaFiles
// picks br, then gzip, by Accept-Encoding). Siblings that would not be smaller are not written.
//   node precompress.mjs DIST_DIR [DIST_DIR...]
import { readdirSync, readFileSync, statSync, writeFileSync, rmSync, existsSync } from 'node:fs'
import { join, extname } from 'node:path'
import { brotliCompressSync, gzipSync, constants } from 'node:zlib'

const COMPRESSIBLE = new Set(['.js', '.mjs', '.css', '.html', '.svg', '.json', '.txt', '.map', '.wasm'])
const MIN_BYTES = 1024

function* files(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) yield* files(path)
    else yield path
  }
}

let written = 0
let raw = 0
let brotli = 0
for (const dist of process.argv.slice(2)) {
  for (const path of files(dist)) {
    if (path.endsWith('.br') || path.endsWith('.gz')) continue
    for (const old of [`${path}.br`, `${path}.gz`]) if (existsSync(old)) rmSync(old)
    if (!COMPRESSIBLE.has(extname(path))) continue
    const data = readFileSync(path)
    if (data.length < MIN_BYTES) continue
    const br = brotliCompressSync(data, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
        [constants.BROTLI_PARAM_SIZE_HINT]: data.length,
      },
    })
    const gz = gzipSync(data, { level: 9 })
    if (br.length < data.length) writeFileSync(`${path}.br`, br)
    if (gz.length < data.length) writeFileSync(`${path}.gz`, gz)
    written += 1
    raw += data.length
    brotli += br.length
  }
}
console.log(`precompressed ${written} files: ${(raw / 1024).toFixed(0)} KB -> ${(brotli / 1024).toFixed(0)} KB brotli`)
