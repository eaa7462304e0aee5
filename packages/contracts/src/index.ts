export * from './asset-metadata.ts';
export * from './auth.ts';
export * from './catalog.ts';
export * from './constants.ts';
export * from './errors.ts';
