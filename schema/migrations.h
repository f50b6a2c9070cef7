// Schema migrations by PRAGMA user_version, and opening the node and central
// databases at the schema this program was built with.
//
// A database at user_version v has had migration files 0..v-1 applied. Each
// file runs in its own IMMEDIATE transaction together with the user_version
// bump, so a database is always exactly at one version: a failing file leaves
// none of its changes behind. Migration files therefore must not contain
// BEGIN/COMMIT, and cannot change PRAGMA foreign_keys (a no-op inside a
// transaction); a table rebuild uses PRAGMA defer_foreign_keys instead, and a
// file that leaves a foreign key violation fails at its COMMIT.
//
// Thread-safety: the functions are reentrant; a Database is used by one
// thread at a time (see schema/sqlite.h). Several processes may open and
// migrate the same file at once: the version is re-read under the write lock.
#ifndef HOSO_SCHEMA_MIGRATIONS_H_
#define HOSO_SCHEMA_MIGRATIONS_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "schema/sqlite.h"
#include "schema/status.h"

namespace hoso {

// One SQL migration file compiled into the binary (see embed_sql.cmake).
// Files are applied in list order; file i (0-based) moves the database from
// user_version i to i+1.
struct EmbeddedSql {
  const char* name;  // "001_init.sql"
  const char* sql;
};

const std::vector<EmbeddedSql>& NodeMigrationFiles();
const std::vector<EmbeddedSql>& CentralMigrationFiles();

// PRAGMA application_id of each kind of database ("HOSN", "HOSC" in ASCII),
// set by the first migration file, so that a node database is never opened
// as a central one or the other way round.
constexpr int32_t kNodeApplicationId = 0x484F534E;
constexpr int32_t kCentralApplicationId = 0x484F5343;

// Applies files[user_version..] in order. OK and no change when the database
// is current. kConflict when its user_version is newer than files.size() (an
// older program must not write a newer schema), or when it is at version 0
// but already has tables (not a database this program created). A failing
// file's error is returned with the file name as context.
// REQUIRES: no transaction is open on `db`.
Status Migrate(Database& db, const std::vector<EmbeddedSql>& files);

// Database::Open + Migrate with the embedded node / central files, after
// checking that an existing database is of the right kind (kConflict if not).
Result<std::unique_ptr<Database>> OpenNodeDatabase(const std::string& path,
                                                   const DatabaseOptions& options = {});
Result<std::unique_ptr<Database>> OpenCentralDatabase(const std::string& path,
                                                      const DatabaseOptions& options = {});

}  // namespace hoso

#endif  // HOSO_SCHEMA_MIGRATIONS_H_
