import { isDuplicateKey, type Database } from '../db/database.js';
import { UsernameTakenError } from '../errors.js';

export interface User {
  id: number;
  username: string;
  passwordHash: string;
}

/** Accounts in MariaDB; user names are stored lower-case and unique. */
export class UsersRepo {
  constructor(readonly db: Database) {}

  async findByUsername(username: string): Promise<User | null> {
    const rows = await this.db.rows<{ id: number | string; username: string; password_hash: string }>(
      'user_by_name',
      'SELECT id, username, password_hash FROM users WHERE username = ?',
      [username.toLowerCase()],
    );
    const r = rows[0];
    return r ? { id: Number(r.id), username: r.username, passwordHash: r.password_hash } : null;
  }

  /** Creates the account; {@link UsernameTakenError} when the name exists. */
  async create(username: string, passwordHash: string): Promise<User> {
    const name = username.toLowerCase();
    try {
      const res = await this.db.execute('user_insert', 'INSERT INTO users (username, password_hash) VALUES (?, ?)', [name, passwordHash]);
      return { id: Number(res.insertId), username: name, passwordHash };
    } catch (err) {
      if (isDuplicateKey(err)) throw new UsernameTakenError();
      throw err;
    }
  }
}
