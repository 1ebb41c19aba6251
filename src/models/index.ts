/** The model catalog (models/catalog.json): names, local copies, pulling into the cache. */
export { findCatalogEntry, loadCatalog, type Catalog, type CatalogEntry, type CatalogKind } from './catalog.js';
export { ModelCatalogError } from './errors.js';
export { coralTestDataDirs, modelCacheDir } from './locations.js';
export { downloadUrl, pullCatalogFile, type PullOptions, type PullResult } from './pull.js';
export { localCopy, resolveModel, type ModelLocation, type ResolvedModel } from './resolve.js';
export { sha256Hex, verifyCatalogFile } from './verify.js';
