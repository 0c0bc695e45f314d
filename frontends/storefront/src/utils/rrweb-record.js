// @rrweb/record for replay.js's on-demand import, through a module of our own.
//
// uni-app names a lazily loaded chunk after its module's folder relative to src/: importing the
// package directly gave `..-node_modules-@rrweb-record-dist-record.<hash>.js`, and the bundle
// imported that name without `./`, a bare specifier the browser cannot resolve — the recorder
// never started and no visit was recorded. A module under src/ gives `utils-rrweb-record.<hash>.js`.
export { record } from '@rrweb/record'
