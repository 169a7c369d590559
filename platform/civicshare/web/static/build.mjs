// Builds the council websites' assets into static/dist/ (git-ignored): `npm run build`, run by `make assets`.
//   civicshare.scss -> civicshare-<hash>.css   (Sass, GOV.UK Frontend components, compressed)
//   civicshare.mjs  -> civicshare-<hash>.js    (esbuild, ES module, minified)
//   map.mjs + map.css -> map-<hash>.js, map-<hash>.css (Leaflet from npm: the location map)
// Each file also gets a .gz twin, and manifest.json maps the logical names to the hashed ones, so the
// server can send them with a year-long cache lifetime and browsers fetch them once per release.
import { createHash } from 'node:crypto'
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'

import * as esbuild from 'esbuild'
import * as sass from 'sass'

const here = dirname(fileURLToPath(import.meta.url))
const root = join(here, '..', '..', '..', '..')
const source = join(here, 'src')
const output = join(here, 'dist')

const css = sass.compile(join(source, 'civicshare.scss'), {
  loadPaths: [join(root, 'node_modules')],
  style: 'compressed',
  quietDeps: true,
  silenceDeprecations: ['import']
}).css

const js = (
  await esbuild.build({
    entryPoints: [join(source, 'civicshare.mjs')],
    bundle: true,
    minify: true,
    format: 'esm',
    target: ['es2020'],
    write: false,
    legalComments: 'none',
    nodePaths: [join(root, 'node_modules')]
  })
).outputFiles[0].text

// The location map (Leaflet, from npm): its own script and styles, loaded only on pages with a map.
const mapJs = (
  await esbuild.build({
    entryPoints: [join(source, 'map.mjs')],
    bundle: true,
    minify: true,
    format: 'esm',
    target: ['es2020'],
    write: false,
    legalComments: 'none',
    nodePaths: [join(root, 'node_modules')]
  })
).outputFiles[0].text
const mapCss = [
  await readFile(join(root, 'node_modules', 'leaflet', 'dist', 'leaflet.css'), 'utf8'),
  await readFile(join(source, 'map.css'), 'utf8')
].join('\n')

await rm(output, { recursive: true, force: true })
await mkdir(output, { recursive: true })

const manifest = {}
for (const [name, text] of [['civicshare.css', css], ['civicshare.js', js], ['map.css', mapCss], ['map.js', mapJs]]) {
  const body = Buffer.from(text)
  const hash = createHash('sha256').update(body).digest('hex').slice(0, 12)
  const [stem, extension] = name.split('.')
  const hashed = `${stem}-${hash}.${extension}`
  await writeFile(join(output, hashed), body)
  await writeFile(join(output, `${hashed}.gz`), gzipSync(body, { level: 9 }))
  manifest[name] = hashed
}
await writeFile(join(output, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n')

for (const file of (await readdir(output)).sort()) console.log(`built ${join('platform/civicshare/web/static/dist', file)}`)
