export { createDb, type Db, type Tx } from './db.client';
export { migrate, migrationsDir } from './migrate';
export { SecretBox, sha256 } from './secret-box';
