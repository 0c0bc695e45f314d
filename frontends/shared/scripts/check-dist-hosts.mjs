#!/usr/bin/env node
// Fails when a built front end names a third-party host: the shop and the console must work
// offline and behind a firewall, so every file they load comes from Shoplet's own origin.
//
//   node ../shared/scripts/check-dist-hosts.mjs [--allow host]... dist/build/h5 [more dirs...]
//
// It scans every text file (.html .js .mjs .css .json .svg .wxml .wxss .txt) for `http(s)://host`
// and allows only the hosts below, which are names, not downloads, plus the ones given with
// `--allow` (the mini program check allows a documentation link in a uni-app console warning).
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { extname, join, relative } from 'node:path'

/** Hosts that appear in the bundles but are never fetched. */
export const ALLOWED_HOSTS = new Map([
  ['www.w3.org', 'XML/SVG namespace identifiers'],
  ['vuejs.org', 'links in Vue runtime error messages'],
  ['element-plus.org', 'links in Element Plus deprecation warnings'],
  ['127.0.0.1', 'the local API default of a development mini program build'],
  ['localhost', 'local development'],
  ['aomedia.org', 'the ID3 scheme id (https://aomedia.org/emsg/ID3) hls.js matches in emsg boxes'],
  ['schema.org', 'the JSON-LD vocabulary of the product page (an identifier, never fetched)'],
  ['www.apache.org', 'licence notices kept in the bundled 3D viewer (model-viewer, three.js)'],
  ['github.com', 'links in licence and source comments of the bundled 3D viewer'],
  ['101arrowz.github.io', "fflate's licence comment in the bundled 3D viewer"],
  ['jcgt.org', 'a paper cited in a three.js shader comment'],
])

const TEXT = new Set(['.html', '.js', '.mjs', '.cjs', '.css', '.json', '.svg', '.wxml', '.wxss', '.wxs', '.txt', '.map'])
const URL_HOST = /\bhttps?:\/\/([a-z0-9.-]+[a-z0-9])/gi

function* files(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) yield* files(path)
    else if (TEXT.has(extname(name))) yield path
  }
}

/**
 * Every disallowed host in `dirs`, with the files naming it.
 * @param {string[]} dirs
 * @param {Set<string>} [allowed] more hosts to allow
 * @returns {Map<string, Set<string>>}
 */
export function foreignHosts(dirs, allowed = new Set()) {
  const found = new Map()
  for (const dir of dirs) {
    for (const path of files(dir)) {
      for (const match of readFileSync(path, 'utf8').matchAll(URL_HOST)) {
        const host = match[1].toLowerCase()
        if (ALLOWED_HOSTS.has(host) || allowed.has(host)) continue
        if (!found.has(host)) found.set(host, new Set())
        found.get(host).add(relative(process.cwd(), path))
      }
    }
  }
  return found
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2)
  const allowed = new Set()
  const dirs = []
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--allow') allowed.add(String(args[++i]).toLowerCase())
    else dirs.push(args[i])
  }
  if (!dirs.length) {
    console.error('usage: check-dist-hosts.mjs <built dir>...')
    process.exit(2)
  }
  for (const dir of dirs) {
    if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) {
      console.error(`${dir} is not built`)
      process.exit(2)
    }
  }
  const found = foreignHosts(dirs, allowed)
  if (found.size) {
    for (const [host, where] of found) console.error(`third-party host ${host} in ${[...where].join(', ')}`)
    process.exit(1)
  }
  console.log(`no third-party hosts in ${dirs.join(', ')}`)
}
