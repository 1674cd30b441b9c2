export * from './errors.ts';
export * from './schemas.ts';
export * from './events.ts';
export * from './trading.ts';
export * from './market-data.ts';
export * from './wallet.ts';
export * from './security.ts';
export * from './api-keys.ts';
