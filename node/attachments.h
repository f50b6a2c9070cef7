// NodeAttachments: scanned documents (PDF, JPEG, PNG) added to a dossier at
// the desk, stored content-addressed in the node's data directory:
//
//   DIR/attachments/<first 2 hex of the hash>/<hash>   the file, 0600
//
// Adding one checks the content by its first bytes (schema/attachment.h),
// the size cap and that the dossier exists, writes the file atomically and
// durably (temp file, fsync, rename, fsync of the directory) BEFORE the
// transaction, then records the rows of schema/sql/node/003_attachments.sql
// and the attachment_added event in ONE transaction, so a crash leaves at
// worst an unreferenced file (reused by the next add of the same bytes),
// never a row without its file. The same bytes are stored once, whatever
// dossiers they are attached to; attaching them to the same dossier again
// records nothing and answers the existing attachment.
//
// Uploading to the central is node/attachment_upload.h's business; the
// per-chunk state it keeps is read here for display.
//
// Thread-safety: not thread-safe; one NodeAttachments per thread, like Desk.
#ifndef HOSO_NODE_ATTACHMENTS_H_
#define HOSO_NODE_ATTACHMENTS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "node/node_store.h"
#include "schema/attachment.h"
#include "schema/env.h"
#include "schema/json_util.h"
#include "schema/status.h"

namespace hoso::node {

struct AddAttachmentRequest {
  std::string file_name;                   // as given; the directory part is dropped
  std::optional<std::string> document_id;  // a document received with the dossier
  std::optional<std::string> clerk;        // recorded as the event's actor
  // A courier's delivery proof: the dossier is one this node delivers
  // (courier_shipments, node/courier.h), not one received here.
  bool shipment_proof = false;
};

struct AttachmentInfo {
  std::string hash;
  std::string dossier_code;
  std::string file_name;
  std::optional<std::string> document_id;
  std::optional<std::string> clerk;
  std::string media_type;
  int64_t size_bytes = 0;
  int64_t chunk_size = 0;
  int64_t chunk_count = 0;
  int64_t chunks_uploaded = 0;  // confirmed by the central
  UnixMs added_at = 0;
  int64_t event_seq = 0;
  // Add only: the same bytes were already attached to this dossier; nothing
  // new was recorded.
  bool already_attached = false;
};

// DIR/attachments/ab/<hash>.
std::string AttachmentPath(const NodeStore& store, const std::string& hash);

class NodeAttachments {
 public:
  struct Options {
    Clock* clock = SystemClock();
  };
  // REQUIRES: store is open and outlives this object.
  NodeAttachments(NodeStore* store, Options options);

  // Adds `bytes` to dossier `code`. Errors: kNotFound "no dossier CODE";
  // kInvalidArgument with field "file" for content that is not PDF, JPEG or
  // PNG ("unsupported content: ..."), "name" for a bad file name, "doc" for a
  // document id not received with the dossier; kResourceExhausted for a file
  // over kMaxAttachmentBytes; kIoError when the file cannot be written
  // (nothing is recorded then).
  Result<AttachmentInfo> Add(const std::string& code, std::string_view bytes,
                             const AddAttachmentRequest& request);

  // The attachments of dossier `code`, oldest first. kNotFound for an
  // unknown dossier.
  Result<std::vector<AttachmentInfo>> OfDossier(const std::string& code);

  // The stored bytes of an attachment and its media type, verified against
  // the hash: kNotFound when this node has no such attachment, kCorruption
  // when the file on disk no longer hashes to its name.
  struct File {
    std::string media_type;
    std::string bytes;
  };
  Result<File> Read(const std::string& hash);

  // {"hash","dossier_code","file_name","document_id","clerk","media_type",
  //  "size_bytes","chunk_size","chunk_count","chunks_uploaded","uploaded",
  //  "added_at","seq","url"}: docs/API.md. Absent texts are null.
  static json::object ToJson(const AttachmentInfo& a);

 private:
  NodeStore* store_;
  Options options_;
};

}  // namespace hoso::node

#endif  // HOSO_NODE_ATTACHMENTS_H_
