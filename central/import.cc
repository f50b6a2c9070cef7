#include "central/import.h"

#include <algorithm>
#include <string_view>
#include <tuple>
#include <vector>
#include <utility>

#include "schema/json_util.h"
#include "sync/batch.h"
#include "sync/chunk_file.h"
#include "sync/signed_file.h"

namespace hoso::central {
namespace {

constexpr int kAnswerFileMode = 0644;
constexpr size_t kFileHashPrefixChars = 8;

// Node ids never hold '/' (ValidateId), but a file name is built from the
// unverified header of a refused file too.
std::string SafeFileNamePart(std::string_view s) {
  std::string out;
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    out.push_back(ok ? c : '_');
  }
  if (out.empty() || out[0] == '.') out.insert(out.begin(), '_');
  return out;
}

std::string DirOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

bool HasMagic(std::string_view bytes, sync::FileKind kind) {
  return bytes.size() >= sync::kMagicBytes &&
         bytes.substr(0, sync::kMagicBytes) ==
             std::string_view(sync::MagicOf(kind), sync::kMagicBytes);
}

}  // namespace

std::string ImportResult::ToString() const {
  std::string s = path + ": " + outcome;
  if (!detail.empty()) s += " " + detail;
  if (!answer_path.empty()) s += " -> " + answer_path;
  return s;
}

Importer::Importer(NodeAdmin* admin, Ingestor* ingestor, FileSystem* fs,
                   CentralAttachments* attachments)
    : admin_(admin), ingestor_(ingestor), fs_(fs), attachments_(attachments) {}

ImportResult Importer::ImportFile(const std::string& path, const std::string& out_dir_in) {
  ImportResult r;
  r.path = path;
  r.outcome = "refused";
  auto bytes = fs_->ReadFile(path);
  if (!bytes.ok()) {
    r.detail = bytes.status().ToString();
    return r;
  }
  const std::string out_dir = out_dir_in.empty() ? DirOf(path) : out_dir_in;
  auto write_answer = [&](const std::string& name, const std::string& answer) {
    const std::string answer_path = out_dir + "/" + name;
    Status s = fs_->CreateDirs(out_dir);
    if (s.ok()) s = fs_->WriteFileAtomic(answer_path, answer, kAnswerFileMode);
    if (!s.ok()) {
      // The batch is applied; the answer can be had by importing it again.
      r.outcome = "refused";
      r.detail += "; the answer could not be written: " + s.ToString();
      return;
    }
    r.answer_path = answer_path;
  };

  if (HasMagic(*bytes, sync::FileKind::kBatch)) {
    IngestReport report = ingestor_->ApplyBatch(*bytes, Channel::kFile);
    r.node_id = report.node_id;
    r.outcome = report.result;
    if (report.refusal) {
      r.detail = report.refusal->ToString();
      if (report.refusal->expected_seq) {
        r.detail += " (expected seq " + std::to_string(*report.refusal->expected_seq) + ")";
      }
    } else {
      r.detail = "seq " + std::to_string(report.first_seq) + ".." +
                 std::to_string(report.last_seq) + ", " + std::to_string(report.applied_events) +
                 " new, acked " + std::to_string(report.acked_seq);
    }
    if (!report.downsync.empty()) {
      const std::string hash = sync::FileHash(*bytes).substr(0, kFileHashPrefixChars);
      write_answer(SafeFileNamePart(report.node_id) + "-downsync-" +
                       std::to_string(report.acked_seq) + "-" + hash + ".hoso",
                   report.downsync);
    }
    return r;
  }

  if (HasMagic(*bytes, sync::FileKind::kEnrolRequest)) {
    Outcome<std::string> answer = admin_->Enrol(*bytes);
    if (!answer.ok()) {
      r.detail = answer.refusal().ToString();
      return r;
    }
    // The answer is our own, freshly signed file: its header is trusted.
    auto framed = sync::DecodeSignedFile(*answer);
    if (!framed.ok()) {
      r.detail = framed.status().ToString();
      return r;
    }
    auto node_id = GetString(framed->header, "node_id");
    auto enrolled_at = GetInt(framed->header, "enrolled_at_ms");
    r.node_id = node_id.ok() ? *node_id : "";
    r.outcome = "enrolled";
    r.detail = "node " + r.node_id;
    write_answer(SafeFileNamePart(r.node_id) + "-enrol_answer-" +
                     std::to_string(enrolled_at.ok() ? *enrolled_at : 0) + ".hoso",
                 *answer);
    return r;
  }

  if (HasMagic(*bytes, sync::FileKind::kChunk)) {
    if (attachments_ == nullptr) {
      r.detail = "bad_request: attachment chunk files are not imported here";
      return r;
    }
    Outcome<ChunkReceipt> receipt = attachments_->ImportChunkFile(*bytes);
    if (!receipt.ok()) {
      if (auto h = sync::PeekChunkHeader(*bytes); h.ok()) r.node_id = h->node_id;
      r.detail = receipt.refusal().ToString();
      return r;
    }
    r.node_id = receipt->node_id;
    r.outcome = receipt->stored ? "stored" : "duplicate";
    r.detail = "chunk " + receipt->chunk_hash.substr(0, 16);
    for (const std::string& done : receipt->completed) r.detail += ", completed attachment " + done;
    return r;
  }

  if (HasMagic(*bytes, sync::FileKind::kDownSync) ||
      HasMagic(*bytes, sync::FileKind::kEnrolAnswer)) {
    r.outcome = "skipped";
    r.detail = "an answer for a node, not a file for the central";
    return r;
  }
  r.detail = "bad_request: not a batch or an enrolment request";
  return r;
}

std::vector<ImportResult> Importer::ImportFiles(const std::vector<std::string>& paths,
                                                const std::string& out_dir) {
  // (rank, node id, first seq, position): rank 0 enrolment, 1 batch, 2 other.
  std::vector<std::tuple<int, std::string, int64_t, size_t>> order;
  for (size_t i = 0; i < paths.size(); ++i) {
    int rank = 2;
    std::string node_id;
    int64_t first_seq = 0;
    auto bytes = fs_->ReadFile(paths[i]);
    if (bytes.ok()) {
      if (bytes->rfind(sync::MagicOf(sync::FileKind::kEnrolRequest), 0) == 0) {
        rank = 0;
      } else if (auto h = sync::PeekBatchHeader(*bytes); h.ok()) {
        rank = 1;
        node_id = h->node_id;
        first_seq = h->first_seq;
      }
    }
    order.emplace_back(rank, node_id, first_seq, i);
  }
  std::stable_sort(order.begin(), order.end(), [](const auto& a, const auto& b) {
    if (std::get<0>(a) != std::get<0>(b)) return std::get<0>(a) < std::get<0>(b);
    if (std::get<0>(a) != 1) return std::get<3>(a) < std::get<3>(b);
    return std::tie(std::get<1>(a), std::get<2>(a), std::get<3>(a)) <
           std::tie(std::get<1>(b), std::get<2>(b), std::get<3>(b));
  });
  std::vector<ImportResult> results;
  results.reserve(order.size());
  for (const auto& entry : order) results.push_back(ImportFile(paths[std::get<3>(entry)], out_dir));
  return results;
}

}  // namespace hoso::central
