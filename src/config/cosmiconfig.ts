// cosmiconfig takes about 4 ms to load, so config.ts imports this module only when a
// configuration file may exist. A static import gives cosmiconfig's named exports under Node,
// tsx and the esbuild bundle alike. In the bundle, a dynamic import of the CommonJS package
// itself gives only `default`.
export {cosmiconfig, defaultLoaders} from 'cosmiconfig'
