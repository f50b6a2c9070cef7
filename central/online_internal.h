// What the two halves of OnlineDesk (online.cc, online_reception.cc) share.
// Not part of the central's interface.
//
// Thread-safety: reentrant functions on the Database they are given.
#ifndef HOSO_CENTRAL_ONLINE_INTERNAL_H_
#define HOSO_CENTRAL_ONLINE_INTERNAL_H_

#include <optional>
#include <string>
#include <string_view>

#include "central/attachments.h"
#include "central/central_store.h"
#include "central/refusal.h"
#include "schema/attachment.h"
#include "schema/catalog.h"
#include "schema/events.h"
#include "schema/sqlite.h"

namespace hoso::central::online_internal {

// Stores `bytes` content-addressed with the central's attachments (chunk
// files first, then their rows; a file known already is kept once) and
// returns its hash. REQUIRES: media_type checked by SniffMediaType.
Result<std::string> StoreFileBytes(CentralStore& store, Database& db, std::string_view bytes,
                                   const std::string& media_type, UnixMs now,
                                   AttachmentManifest* manifest_out);

// The next event of the central's chain (central_events), as
// RecordOfficerAction writes it. The caller refolds the dossier.
Result<Event> AppendCentralEvent(Database& db, const std::string& central_id,
                                 const std::string& actor, const std::string& code, EventType type,
                                 json::object payload, UnixMs at,
                                 const std::optional<std::string>& origin_node_id);

// The string at dotted `path` of the fields, spaces normalised; "" when absent.
std::string Str(const json::object& o, std::string_view path);
// The key a filer's filings are listed under: the tax code's digits for an
// organisation, FilerKeyOfId of the identity number for a citizen.
std::string FilerKey(const json::object& fields);
std::string FilerKeyOfId(const std::string& id_digits);

// The columns FileJson reads, in order, from online_files.
extern const char kFileColumns[];
json::object FileJson(const Statement& q);

// The checks of an upload: the document is on the checklist of `p` (when
// given), the size, the name and the type by content. The media type, and
// the cleaned name in *clean_name.
Outcome<std::string> CheckUpload(const Procedure* p, const std::string& document_id,
                                 const std::string& file_name, std::string_view bytes,
                                 int64_t max_bytes, std::string* clean_name);

}  // namespace hoso::central::online_internal

#endif  // HOSO_CENTRAL_ONLINE_INTERNAL_H_
