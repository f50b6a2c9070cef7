// The desk's printed documents, after Circular 01/2018/TT-VPCP:
//
//   Form 01  "Giấy tiếp nhận hồ sơ và hẹn trả kết quả" (receipt and
//            appointment): A5 HTML with a QR code, and plain text for 80 mm
//            thermal printers.
//   Form 02  "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ" (supplement guidance):
//            what an incomplete dossier lacks; nothing is recorded.
//   Form 03  "Phiếu từ chối tiếp nhận giải quyết hồ sơ" (refusal at intake),
//            for dossiers in status 3.
//
// Each HTML print is a complete standalone document: inline CSS, inline SVG,
// no external assets, so it prints from a desk with no link. Every piece of
// data is HTML-escaped. `lang` is "vi" (default; anything but "en") or "en":
// English changes the labels only, the data is printed as recorded.
// National ID numbers are printed masked only (Dossier::id_masked); the
// clear number in an IntakeRequest is never printed.
//
// The functions are pure: output depends only on the arguments (no clock),
// so a reprint is byte-identical.
//
// The shared formatting (HtmlEscape, FormatVnd, date wording) lives in
// node/print_util.h.
//
// Thread-safety: pure functions; safe from any thread.
#ifndef HOSO_NODE_RECEIPT_H_
#define HOSO_NODE_RECEIPT_H_

#include <string>
#include <string_view>
#include <vector>

#include "node/desk.h"
#include "node/dossier.h"
#include "node/node_store.h"
#include "schema/time.h"

namespace hoso::node {

// Width of the 80 mm thermal print, in display columns (code points).
constexpr int kReceiptTextColumns = 32;

// Form 01 as an A5 portrait HTML page with the QR of
// ReceiptQrPayload(d.code, d.lookup_secret).
std::string ReceiptHtml(const Dossier& d, const NodeIdentity& unit, std::string_view lang);

// Form 01 as UTF-8 text for an 80 mm thermal printer: every line at most
// kReceiptTextColumns code points, long values wrapped at spaces, ending in
// a newline. No QR (the A5 print carries it).
std::string ReceiptText80mm(const Dossier& d, const NodeIdentity& unit, std::string_view lang);

// Form 02 for an intake refused as incomplete: the applicant, the procedure
// and each missing document with the count still required. `now` dates the
// slip.
std::string GuidanceSlipHtml(const IntakeRequest& req, const std::string& procedure_name_vi,
                             const std::string& procedure_code,
                             const std::vector<MissingDocument>& missing, const NodeIdentity& unit,
                             UnixMs now, std::string_view lang);

// Form 03 for a dossier refused at intake (status 3), with d.refusal_reason.
std::string RefusalSlipHtml(const Dossier& d, const NodeIdentity& unit, std::string_view lang);

}  // namespace hoso::node

#endif  // HOSO_NODE_RECEIPT_H_
