#include "schema/migrations.h"

#include <string>

namespace hoso {

namespace {

std::string NameOf(const Database& db) {
  return db.path().empty() ? std::string("temporary database") : db.path();
}

Status NewerThanProgram(const Database& db, int version, int latest) {
  return Status::Conflict(NameOf(db) + ": database schema version " + std::to_string(version) +
                          " is newer than this program (" + std::to_string(latest) +
                          "); upgrade the program");
}

// Checks the version read from the file against what this program knows.
Status CheckVersion(const Database& db, int version, int latest) {
  if (version < 0) {
    return Status::Corruption(NameOf(db) + ": negative schema version " + std::to_string(version));
  }
  if (version > latest) return NewerThanProgram(db, version, latest);
  return Status::OK();
}

// Applies the file that moves the database from `version` to `version + 1`.
// REQUIRES: inside a write transaction that read `version`.
Status ApplyOne(Database& db, const EmbeddedSql& file, int version) {
  const std::string context = NameOf(db) + ": migration " + file.name;
  HOSO_RETURN_IF_ERROR(db.Exec(file.sql).WithContext(context));
  if (!db.InTransaction()) {
    return Status::Internal(context +
                            " ended the transaction; migration files must not contain "
                            "BEGIN, COMMIT or ROLLBACK");
  }
  return db.SetUserVersion(version + 1).WithContext(context);
}

Result<std::unique_ptr<Database>> OpenAndMigrate(const std::string& path,
                                                 const DatabaseOptions& options,
                                                 const std::vector<EmbeddedSql>& files,
                                                 int32_t application_id, const char* kind) {
  HOSO_ASSIGN_OR_RETURN(std::unique_ptr<Database> db, Database::Open(path, options));
  HOSO_ASSIGN_OR_RETURN(int version, db->UserVersion());
  HOSO_ASSIGN_OR_RETURN(std::optional<int64_t> app_id, db->QueryInt("PRAGMA application_id"));
  const int64_t found = app_id.value_or(0);
  // A fresh file has neither; anything else must be ours and of this kind.
  if ((version != 0 || found != 0) && found != application_id) {
    const char* what = found == kNodeApplicationId      ? "a Hoso node database"
                       : found == kCentralApplicationId ? "a Hoso central database"
                                                        : "not a Hoso database";
    return Status::Conflict(NameOf(*db) + " is " + what + ", expected a Hoso " + kind +
                            " database");
  }
  HOSO_RETURN_IF_ERROR(Migrate(*db, files));
  return db;
}

}  // namespace

Status Migrate(Database& db, const std::vector<EmbeddedSql>& files) {
  if (db.InTransaction()) {
    return Status::Internal(NameOf(db) + ": Migrate needs a database with no open transaction");
  }
  const int latest = static_cast<int>(files.size());
  // Fast path without the write lock, so that opening a current database
  // (possibly read-only) does not write.
  HOSO_ASSIGN_OR_RETURN(int version, db.UserVersion());
  HOSO_RETURN_IF_ERROR(CheckVersion(db, version, latest));
  while (version < latest) {
    HOSO_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db, Transaction::Mode::kImmediate));
    // Another process may have migrated between the read above and the lock.
    HOSO_ASSIGN_OR_RETURN(version, db.UserVersion());
    HOSO_RETURN_IF_ERROR(CheckVersion(db, version, latest));
    if (version == latest) break;
    if (version == 0) {
      HOSO_ASSIGN_OR_RETURN(std::optional<int64_t> tables,
                            db.QueryInt("SELECT COUNT(*) FROM sqlite_schema"));
      if (tables.value_or(0) > 0) {
        return Status::Conflict(NameOf(db) +
                                " has tables but no schema version; it was not created by Hoso");
      }
    }
    HOSO_RETURN_IF_ERROR(ApplyOne(db, files[version], version));
    HOSO_RETURN_IF_ERROR(
        txn.Commit().WithContext(NameOf(db) + ": migration " + files[version].name));
    ++version;
  }
  return Status::OK();
}

Result<std::unique_ptr<Database>> OpenNodeDatabase(const std::string& path,
                                                   const DatabaseOptions& options) {
  return OpenAndMigrate(path, options, NodeMigrationFiles(), kNodeApplicationId, "node");
}

Result<std::unique_ptr<Database>> OpenCentralDatabase(const std::string& path,
                                                      const DatabaseOptions& options) {
  return OpenAndMigrate(path, options, CentralMigrationFiles(), kCentralApplicationId, "central");
}

}  // namespace hoso
