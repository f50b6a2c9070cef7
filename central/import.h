// Importer: store-and-forward at the central (flow 8). Applies files carried
// on a USB stick — batches exactly once (through the Ingestor, file channel)
// and enrolment requests (through NodeAdmin) — and writes each answer next
// to them for the trip back:
//
//   <node_id>-downsync-<acked_seq>-<first 8 hex of the batch's file hash>.hoso
//   <node_id>-enrol_answer-<enrolled_at_ms>.hoso
//
// Attachment chunk files (sync/chunk_file.h) are stored through
// CentralAttachments after every batch, so the events that announce them
// are applied first; they get no answer file (the node learns that the
// central holds them at its next online exchange).
//
// Importing the same file again is harmless: the batch is a duplicate, the
// enrolment is answered again, and the answer file is rewritten under the
// same name. Answer files (down-syncs, enrolment answers) found among the
// inputs are skipped, so `import DIR/*` may be run on a stick that already
// holds answers.
//
// Thread-safety: as NodeAdmin and Ingestor; one Importer may be shared.
#ifndef HOSO_CENTRAL_IMPORT_H_
#define HOSO_CENTRAL_IMPORT_H_

#include <string>
#include <vector>

#include "central/attachments.h"
#include "central/ingest.h"
#include "central/nodes.h"
#include "schema/env.h"

namespace hoso::central {

struct ImportResult {
  std::string path;         // the input file
  // applied | duplicate | poll | enrolled | stored | refused | skipped;
  // a chunk file the central already held is a duplicate.
  std::string outcome;
  std::string node_id;      // "" when unknown
  std::string detail;       // one line for the operator: what happened or why not
  std::string answer_path;  // the answer written; "" when none

  bool refused() const { return outcome == "refused"; }
  // "<path>: <outcome> <detail>[ -> <answer_path>]"
  std::string ToString() const;
};

class Importer {
 public:
  // REQUIRES: every pointer outlives the Importer. Without `attachments`,
  // chunk files are refused.
  Importer(NodeAdmin* admin, Ingestor* ingestor, FileSystem* fs = PosixFileSystem(),
           CentralAttachments* attachments = nullptr);

  // Imports one file; answers go to `out_dir`, or to the file's own
  // directory when out_dir is empty. Failures are reported in the result
  // (outcome "refused"), never thrown.
  ImportResult ImportFile(const std::string& path, const std::string& out_dir);

  // Imports several files in the order that lets every batch apply: enrolment
  // requests first, then each node's batches by first seq, then anything
  // else in the order given (chunk files, answer files, unreadable files). A stick's file
  // names sort "-1001-" before "-501-"; the operator need not care.
  // Results come in the order the files were imported.
  std::vector<ImportResult> ImportFiles(const std::vector<std::string>& paths,
                                        const std::string& out_dir);

 private:
  NodeAdmin* admin_;
  Ingestor* ingestor_;
  FileSystem* fs_;
  CentralAttachments* attachments_;
};

}  // namespace hoso::central

#endif  // HOSO_CENTRAL_IMPORT_H_
