-- Central database: officers' accounts, their sessions and the audit log
-- (central/users.h, central/auth.h, central/audit.h).

-- People who use the central: admin, supervisor, officer, dispatcher (courier
-- dispatcher). Usernames are ASCII and stored lower-case, so they are unique
-- whatever case they are typed in; display names are free UTF-8
-- ("Nguyễn Văn An"). Every role but admin belongs to a unit (department);
-- an admin belongs to none. Only an Argon2id hash of the password is kept
-- (libsodium crypto_pwhash_str, "$argon2id$v=19$m=...,t=...,p=1$...").
CREATE TABLE users (
  user_id INTEGER PRIMARY KEY,
  username TEXT NOT NULL UNIQUE COLLATE NOCASE
    CHECK (length(username) BETWEEN 1 AND 64 AND username = lower(username)),
  display_name TEXT NOT NULL CHECK (display_name <> ''),
  role TEXT NOT NULL CHECK (role IN ('admin', 'supervisor', 'officer', 'dispatcher')),
  unit_code TEXT CHECK (unit_code IS NULL OR unit_code <> ''),
  password_hash TEXT NOT NULL CHECK (password_hash LIKE '$argon2id$%'),
  disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
  created_at_ms INTEGER NOT NULL,
  updated_at_ms INTEGER NOT NULL CHECK (updated_at_ms >= created_at_ms),
  CHECK ((role = 'admin') = (unit_code IS NULL))
) STRICT;

-- Login sessions. Only the BLAKE2b-256 of the token is kept: the token itself
-- is handed to the user once, at login. A session ends at the first of:
-- last_seen_ms + the idle timeout, expires_at_ms (absolute), revocation
-- (logout, the user disabled, the password changed).
CREATE TABLE sessions (
  session_id INTEGER PRIMARY KEY,
  token_hash BLOB NOT NULL UNIQUE CHECK (length(token_hash) = 32),
  user_id INTEGER NOT NULL REFERENCES users (user_id),
  created_at_ms INTEGER NOT NULL,
  last_seen_ms INTEGER NOT NULL CHECK (last_seen_ms >= created_at_ms),
  expires_at_ms INTEGER NOT NULL CHECK (expires_at_ms > created_at_ms),
  revoked_at_ms INTEGER,
  revoked_reason TEXT,
  remote_address TEXT,
  CHECK ((revoked_at_ms IS NULL) = (revoked_reason IS NULL))
) STRICT;

CREATE INDEX sessions_live_by_user ON sessions (user_id) WHERE revoked_at_ms IS NULL;

-- Who did what, when, from where. actor is the username of a user, or
-- "cli:<os user>" for hoso-central commands, "node:<node id>" for a node, or
-- "anonymous". role and unit_code are the actor's at that moment (NULL when
-- the actor is not a user). detail is a JSON object. Rows are only ever
-- appended.
CREATE TABLE audit_log (
  audit_id INTEGER PRIMARY KEY,
  at_ms INTEGER NOT NULL,
  actor TEXT NOT NULL CHECK (actor <> ''),
  user_id INTEGER REFERENCES users (user_id),
  role TEXT CHECK (role IS NULL OR role IN ('admin', 'supervisor', 'officer', 'dispatcher')),
  unit_code TEXT,
  action TEXT NOT NULL CHECK (action <> ''),
  target TEXT,
  detail TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(detail) AND json_type(detail) = 'object'),
  remote_address TEXT
) STRICT;

CREATE INDEX audit_by_actor ON audit_log (actor, audit_id);
CREATE INDEX audit_by_action_target ON audit_log (action, target, at_ms);
CREATE INDEX audit_by_unit ON audit_log (unit_code, audit_id) WHERE unit_code IS NOT NULL;
CREATE INDEX audit_by_time ON audit_log (at_ms);
-- Failed logins per remote address, for the login rate limit.
CREATE INDEX audit_failed_logins_by_address ON audit_log (remote_address, at_ms)
  WHERE action = 'auth.login_failed';

CREATE TRIGGER audit_log_immutable
BEFORE UPDATE ON audit_log
BEGIN
  SELECT RAISE(ABORT, 'the audit log is append-only');
END;

CREATE TRIGGER audit_log_append_only
BEFORE DELETE ON audit_log
BEGIN
  SELECT RAISE(ABORT, 'the audit log is append-only');
END;
