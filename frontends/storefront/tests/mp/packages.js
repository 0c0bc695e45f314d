// The mini program's packages as WeChat counts them: the main package (everything outside a
// subpackage root: app files, tab pages, shared components, vendor code, static files) and each
// subpackage of app.json. WeChat refuses to upload a main package or a subpackage over 2 MB, or
// a whole program over 20 MB; bench/frontend.py reports the same figures.
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative, sep } from 'node:path'

export const LIMITS = Object.freeze({ main: 2 * 1024 * 1024, subpackage: 2 * 1024 * 1024, total: 20 * 1024 * 1024 })

function* walk(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) yield* walk(path)
    else yield path
  }
}

/** The subpackages of a build's app.json: [{ root, pages }] (pages relative to the root). */
export function subPackages(dist) {
  const app = JSON.parse(readFileSync(join(dist, 'app.json'), 'utf8'))
  return (app.subPackages || app.subpackages || []).map((/** @type {any} */ s) => ({ root: s.root.replace(/\/$/, ''), pages: s.pages }))
}

/** Bytes per package: { main, subpackages: { root: bytes }, total }. */
export function packageSizes(dist) {
  const roots = subPackages(dist).map((s) => s.root)
  const sizes = { main: 0, subpackages: Object.fromEntries(roots.map((r) => [r, 0])), total: 0 }
  for (const path of walk(dist)) {
    const size = statSync(path).size
    const rel = relative(dist, path).split(sep).join('/')
    const root = roots.find((r) => rel.startsWith(`${r}/`))
    sizes.total += size
    if (root) sizes.subpackages[root] += size
    else sizes.main += size
  }
  return sizes
}

/** Every budget the build breaks, one line each (empty when it fits). */
export function overBudget(sizes, limits = LIMITS) {
  const kb = (n) => `${(n / 1024).toFixed(1)} KB`
  const problems = []
  if (sizes.main > limits.main) problems.push(`main package ${kb(sizes.main)} > ${kb(limits.main)}`)
  for (const [root, size] of Object.entries(sizes.subpackages)) {
    if (size > limits.subpackage) problems.push(`subpackage ${root} ${kb(size)} > ${kb(limits.subpackage)}`)
  }
  if (sizes.total > limits.total) problems.push(`all packages ${kb(sizes.total)} > ${kb(limits.total)}`)
  return problems
}
