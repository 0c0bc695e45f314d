// @google/model-viewer for the 3D showroom's on-demand import, through a module of our own:
// importing the package directly names the lazy chunk `..-node_modules-@google-model-viewer-…`,
// which the bundle imports without `./` (a bare specifier the browser cannot resolve; see
// rrweb-record.js). Importing it defines the <model-viewer> element.
export { ModelViewerElement } from '@google/model-viewer'
