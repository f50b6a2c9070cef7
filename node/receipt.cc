#include "node/receipt.h"

#include <optional>
#include <string>
#include <vector>

#include "node/print_util.h"
#include "node/qr.h"

namespace hoso::node {
namespace {

// Picks the label for the print's language; data is never translated.
const char* T(bool en, const char* vi, const char* en_text) { return en ? en_text : vi; }

std::string DocumentFormName(const std::string& form, bool en) {
  if (form == "original") return T(en, "Bản chính", "Original");
  if (form == "copy") return T(en, "Bản sao", "Copy");
  if (form == "certified_copy") return T(en, "Bản sao chứng thực", "Certified copy");
  return form;
}

std::string FeeText(const std::optional<int64_t>& fee, bool en) {
  if (!fee) return T(en, "chưa xác minh", "not verified");
  return FormatVnd(*fee);
}

// "Thành phố Hồ Chí Minh, ngày 12 tháng 03 năm 2026".
std::string PlaceAndDate(const NodeIdentity& unit, UnixMs t, bool en) {
  std::string date = FormatDateWords(t, en ? "en" : "vi");
  if (unit.province.empty()) {
    if (!en) date.replace(0, std::string("ngày").size(), "Ngày");
    return date;
  }
  return unit.province + ", " + date;
}

// The person who signs for the applicant: the authorised representative when
// one filed the dossier.
std::string SubmitterName(const Applicant& a, const std::optional<Representative>& rep) {
  if (rep && !rep->full_name.empty()) return rep->full_name;
  return a.full_name;
}

// ---------------------------------------------------------------------------
// HTML building blocks.

// Sized so that a usual receipt (a handful of documents) fits one A5 sheet.
constexpr const char kCss[] =
    "@page{size:A5 portrait;margin:12mm}"
    "*{box-sizing:border-box}"
    "html,body{margin:0;padding:0}"
    "body{font-family:\"Times New Roman\",Times,serif;font-size:10pt;line-height:1.22;"
    "color:#000;background:#fff}"
    ".sheet{width:124mm;margin:0 auto}"
    ".toolbar{text-align:center;padding:3mm}"
    ".toolbar button{font-size:12pt;padding:2mm 8mm;cursor:pointer}"
    ".head{display:grid;grid-template-columns:44% 56%;text-align:center;font-size:8.5pt}"
    ".head .unit-name,.head .nation,.head .slogan{font-weight:bold}"
    ".head .nation{white-space:nowrap}"
    ".head .rule{width:30%;margin:.6mm auto 0;border-top:.25mm solid #000}"
    ".dateline{display:flex;justify-content:space-between;align-items:baseline;margin:1.5mm 0 0}"
    ".form-no{font-size:8pt}.place{font-style:italic}"
    "h1{font-size:11.5pt;text-align:center;margin:1mm 0 1.5mm}"
    ".ids{display:flex;justify-content:space-between;align-items:center;gap:3mm;"
    "margin:0 0 1mm}"
    ".ids .lbl{font-size:8.5pt}"
    ".code,.secret{font-family:\"DejaVu Sans Mono\",\"Liberation Mono\",\"Courier New\","
    "monospace;font-weight:bold}"
    ".code{font-size:13pt}.secret{font-size:11.5pt}"
    ".qrbox svg{width:22mm;height:22mm;display:block}"
    "table.f{width:100%;border-collapse:collapse}"
    "table.f th{text-align:left;font-weight:normal;vertical-align:top;white-space:nowrap;"
    "padding:.2mm 2mm .2mm 0}"
    "table.f td{vertical-align:top;padding:.2mm 0}"
    "table.docs{width:100%;border-collapse:collapse;font-size:9pt;margin:.5mm 0 1mm}"
    "table.docs th,table.docs td{border:.2mm solid #000;padding:.3mm 1mm;vertical-align:top}"
    "table.docs .n{text-align:center;white-space:nowrap}"
    ".en{font-style:italic;font-size:8.5pt}"
    "p{margin:.6mm 0}"
    ".appt{font-weight:bold;font-size:10.5pt}"
    ".reason{white-space:pre-wrap;margin:1mm 0 2mm 4mm}"
    ".sign{display:grid;grid-template-columns:1fr 1fr;text-align:center;margin-top:2mm;"
    "break-inside:avoid}"
    ".sign .role{font-weight:bold}.sign .hint{font-style:italic;font-size:8pt}"
    ".sign .space{height:10mm}"
    ".track{font-size:8.5pt;font-style:italic;margin-top:2mm}"
    ".small{font-size:7pt;color:#333;margin-top:.5mm}"
    "@media screen{body{background:#ddd}.sheet{background:#fff;width:148mm;padding:12mm;"
    "margin:0 auto 6mm;box-shadow:0 0 2mm #888}}"
    "@media print{.toolbar{display:none}}";

void OpenPage(std::string* out, const std::string& title, bool en) {
  *out += "<!DOCTYPE html>\n<html lang=\"";
  *out += en ? "en" : "vi";
  *out +=
      "\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>";
  *out += HtmlEscape(title);
  *out += "</title>\n<style>";
  *out += kCss;
  *out +=
      "</style>\n</head>\n<body>\n"
      "<div class=\"toolbar\"><button type=\"button\" onclick=\"window.print()\">"
      "In / Print</button></div>\n<main class=\"sheet\">\n";
}

void ClosePage(std::string* out) { *out += "</main>\n</body>\n</html>\n"; }

// National motto header beside the unit, then place and date, form number
// and title, as every Circular 01/2018 form opens.
void Letterhead(std::string* out, const NodeIdentity& unit, UnixMs dated, const char* form_no,
                const char* title, bool en) {
  *out += "<header class=\"head\">\n<div class=\"unit\"><div class=\"unit-name\">";
  *out += HtmlEscape(unit.name);
  *out += "</div><div class=\"unit-code\">";
  *out += T(en, "Mã đơn vị: ", "Unit code: ");
  *out += HtmlEscape(unit.unit_code);
  *out += "</div><div class=\"rule\"></div></div>\n<div class=\"motto\"><div class=\"nation\">";
  *out += T(en, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "SOCIALIST REPUBLIC OF VIET NAM");
  *out += "</div><div class=\"slogan\">";
  *out += T(en, "Độc lập - Tự do - Hạnh phúc", "Independence - Freedom - Happiness");
  *out +=
      "</div><div class=\"rule\"></div></div>\n</header>\n<div class=\"dateline\">"
      "<span class=\"form-no\">";
  *out += form_no;
  *out += "</span><span class=\"place\">";
  *out += HtmlEscape(PlaceAndDate(unit, dated, en));
  *out += "</span></div>\n<h1>";
  *out += title;
  *out += "</h1>\n";
}

void Row(std::string* out, const char* label, const std::string& value_html) {
  *out += "<tr><th>";
  *out += label;
  *out += "</th><td>";
  *out += value_html;
  *out += "</td></tr>\n";
}

void RowIfSet(std::string* out, const char* label, const std::string& value) {
  if (!value.empty()) Row(out, label, HtmlEscape(value));
}

// Who filed: never reads an id_number; only the masked forms passed in.
void ApplicantRows(std::string* out, const Applicant& a, const std::string& id_masked,
                   const std::optional<Representative>& rep, const std::string& rep_id_masked,
                   bool en) {
  if (a.kind == "business") {
    Row(out, T(en, "Tổ chức", "Organisation"), "<b>" + HtmlEscape(a.business_name) + "</b>");
    RowIfSet(out, T(en, "Mã số thuế", "Tax code"), a.tax_code);
    RowIfSet(out, T(en, "Người đại diện theo pháp luật", "Legal representative"), a.full_name);
  } else {
    Row(out, T(en, "Ông/Bà", "Applicant"), "<b>" + HtmlEscape(a.full_name) + "</b>");
  }
  RowIfSet(out, T(en, "Số định danh cá nhân", "Personal ID no."), id_masked);
  RowIfSet(out, T(en, "Điện thoại", "Phone"), a.phone);
  RowIfSet(out, "Email", a.email);
  RowIfSet(out, T(en, "Địa chỉ", "Address"), FormatAddress(a.address));
  if (rep && !rep->full_name.empty()) {
    std::string v = HtmlEscape(rep->full_name);
    if (!rep_id_masked.empty()) {
      v += " (" + std::string(T(en, "số định danh ", "ID no. ")) + HtmlEscape(rep_id_masked) + ")";
    }
    Row(out, T(en, "Người được ủy quyền", "Authorised person"), v);
    RowIfSet(out, T(en, "Văn bản ủy quyền", "Authorisation"), rep->authorisation);
  }
}

void ProcedureRows(std::string* out, const std::string& name_vi, const std::string& name_en,
                   const std::string& code, bool en) {
  std::string v = HtmlEscape(name_vi);
  if (en && !name_en.empty()) v += "<br><span class=\"en\">" + HtmlEscape(name_en) + "</span>";
  Row(out, T(en, "Nội dung yêu cầu giải quyết", "Procedure"), v);
  RowIfSet(out, T(en, "Mã thủ tục", "Procedure code"), code);
}

void SignatureBlock(std::string* out, const char* left_role, const std::string& left_name,
                    const char* right_role, const std::string& right_name, bool en) {
  const char* hint = T(en, "(Ký và ghi rõ họ tên)", "(Signature and full name)");
  *out += "<div class=\"sign\">\n";
  for (int i = 0; i < 2; ++i) {
    const char* role = i == 0 ? left_role : right_role;
    *out += "<div>";
    if (role != nullptr) {
      *out += "<div class=\"role\">" + std::string(role) + "</div><div class=\"hint\">" + hint +
              "</div><div class=\"space\"></div><div class=\"name\">" +
              HtmlEscape(i == 0 ? left_name : right_name) + "</div>";
    }
    *out += "</div>\n";
  }
  *out += "</div>\n";
}

}  // namespace

// ---------------------------------------------------------------------------
// Form 01.

std::string ReceiptHtml(const Dossier& d, const NodeIdentity& unit, std::string_view lang) {
  const bool en = lang == "en";
  const char* title =
      T(en, "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", "DOSSIER RECEIPT AND RESULT APPOINTMENT");
  std::string out;
  out.reserve(16 * 1024);
  OpenPage(&out,
           std::string(T(en, "Giấy tiếp nhận hồ sơ và hẹn trả kết quả", "Dossier receipt")) + " " +
               d.code,
           en);
  Letterhead(&out, unit, d.received_at, T(en, "Mẫu số 01", "Form No. 01"), title, en);

  out += "<div class=\"ids\"><div><div class=\"lbl\">";
  out += T(en, "Mã hồ sơ", "Dossier code");
  out += "</div><div class=\"code\">" + HtmlEscape(d.code) + "</div><div class=\"lbl\">";
  out += T(en, "Mã tra cứu", "Lookup code");
  out += "</div><div class=\"secret\">" + HtmlEscape(d.lookup_secret) + "</div></div>";
  Result<std::string> qr = QrSvg(ReceiptQrPayload(d.code, d.lookup_secret), 3);
  // The code and secret are printed in clear above, so a receipt without a
  // QR is still complete; print what failed instead of refusing to print.
  out += "<div class=\"qrbox\">" +
         (qr.ok() ? *qr
                  : "<span class=\"small\">QR: " + HtmlEscape(qr.status().ToString()) + "</span>") +
         "</div></div>\n";

  out += "<table class=\"f\">\n";
  ApplicantRows(&out, d.applicant, d.id_masked, d.representative, d.representative_id_masked, en);
  ProcedureRows(&out, d.procedure_name_vi, d.procedure_name_en, d.procedure_code, en);
  out += "</table>\n<p>";
  out += T(en, "1. Thành phần hồ sơ nộp gồm:", "1. Documents received:");
  out += "</p>\n<table class=\"docs\">\n<tr><th class=\"n\">";
  out += T(en, "STT", "No.");
  out += "</th><th>";
  out += T(en, "Tên giấy tờ", "Document");
  out += "</th><th>";
  out += T(en, "Hình thức", "Form");
  out += "</th><th class=\"n\">";
  out += T(en, "Số lượng", "Qty");
  out += "</th></tr>\n";
  int stt = 0;
  for (const DocumentReceived& doc : d.documents) {
    std::string name = HtmlEscape(doc.name_vi);
    if (en && !doc.name_en.empty()) {
      name += "<br><span class=\"en\">" + HtmlEscape(doc.name_en) + "</span>";
    }
    out += "<tr><td class=\"n\">" + std::to_string(++stt) + "</td><td>" + name + "</td><td>" +
           HtmlEscape(DocumentFormName(doc.form, en)) + "</td><td class=\"n\">" +
           std::to_string(doc.count) + "</td></tr>\n";
  }
  out += "</table>\n<p>";
  out += T(en, "2. Số lượng hồ sơ: 01 bộ", "2. Number of dossier sets: 1");
  out += "</p>\n<p>";
  out += T(en, "3. Thời gian giải quyết hồ sơ theo quy định: ", "3. Processing time: ");
  out += HtmlEscape(FormatProcessingTime(d.processing_kind, d.processing_days, lang));
  out += "</p>\n<p>";
  out += T(en, "4. Thời gian nhận hồ sơ: ", "4. Received: ");
  out += HtmlEscape(FormatDateTimeWords(d.received_at, lang));
  if (d.counted_from != 0 && d.counted_from != d.received_at) {
    // Intake after office hours or on a day off counts from the next
    // working period; say so, or the appointment looks miscalculated.
    out += " <i>(" + std::string(T(en, "thời hạn tính từ ", "counted from ")) +
           HtmlEscape(FormatDateTimeWords(d.counted_from, lang)) + ")</i>";
  }
  out += "</p>\n<p class=\"appt\">";
  out += T(en, "5. Hẹn trả kết quả: ", "5. Result due: ");
  if (d.appointment > 0) {
    out += HtmlEscape(FormatDateTimeWords(d.appointment, lang)) + " (" +
           FormatDateTimeDigits(d.appointment) + ")";
  } else {
    out += T(en, "Không quy định", "Not specified");
  }
  out += "</p>\n<p>";
  out += T(en, "6. Nhận kết quả: ", "6. Result returned: ");
  if (d.return_method.method == "post") {
    out += T(en, "qua dịch vụ bưu chính công ích đến ", "by public postal service to ");
    out += HtmlEscape(JoinNonEmpty({d.return_method.recipient_name, d.return_method.recipient_phone,
                                    FormatAddress(d.return_method.address)},
                                   ", "));
    out += "; ";
    out += T(en, "cước bưu chính: ", "postal fee: ");
    out += HtmlEscape(FeeText(d.postal_fee_vnd, en));
  } else {
    out += T(en, "trực tiếp tại Bộ phận tiếp nhận và trả kết quả", "in person at the desk");
  }
  out += "</p>\n<p>";
  out += T(en, "7. Phí, lệ phí: ", "7. Fees: ");
  out += HtmlEscape(FeeText(d.fee_vnd, en));
  out += "</p>\n";
  if (!d.note.empty()) {
    out += "<p>" + std::string(T(en, "Ghi chú: ", "Note: ")) + HtmlEscape(d.note) + "</p>\n";
  }

  SignatureBlock(&out, T(en, "Người nộp hồ sơ", "Submitted by"),
                 SubmitterName(d.applicant, d.representative),
                 T(en, "Người tiếp nhận hồ sơ", "Received by"), d.clerk, en);
  out += "<p class=\"track\">";
  out += T(en, "Tra cứu tình trạng hồ sơ bằng mã hồ sơ và mã tra cứu (hoặc quét mã QR).",
           "Track the dossier's status with the dossier code and lookup code (or scan the QR "
           "code).");
  out += "</p>\n<p class=\"small\">";
  out += HtmlEscape(JoinNonEmpty(
      {d.catalog_version.empty() ? "" : T(en, "Danh mục TTHC ", "Catalog ") + d.catalog_version,
       d.calendar_version.empty() ? "" : T(en, "Lịch làm việc ", "Calendar ") + d.calendar_version,
       d.tariff_version.empty() ? "" : T(en, "Biểu phí ", "Tariff ") + d.tariff_version,
       unit.node_id.empty() ? "" : T(en, "Máy ", "Node ") + unit.node_id},
      " · "));
  out += "</p>\n";
  ClosePage(&out);
  return out;
}

std::string ReceiptText80mm(const Dossier& d, const NodeIdentity& unit, std::string_view lang) {
  const bool en = lang == "en";
  PlainTextSheet s(kReceiptTextColumns);
  // Break where the form itself breaks, not wherever 32 columns end.
  if (en) {
    s.Centered("SOCIALIST REPUBLIC OF VIET NAM");
  } else {
    s.Centered("CỘNG HÒA XÃ HỘI CHỦ NGHĨA");
    s.Centered("VIỆT NAM");
  }
  if (en) {
    s.Centered("Independence - Freedom -");
    s.Centered("Happiness");
  } else {
    s.Centered("Độc lập - Tự do - Hạnh phúc");
  }
  s.Rule();
  s.Centered(unit.name);
  s.Centered(std::string(T(en, "Mã đơn vị: ", "Unit code: ")) + unit.unit_code);
  s.Rule('=');
  s.Centered(T(en, "GIẤY TIẾP NHẬN HỒ SƠ", "DOSSIER RECEIPT AND"));
  s.Centered(T(en, "VÀ HẸN TRẢ KẾT QUẢ", "RESULT APPOINTMENT"));
  s.Centered(T(en, "(Mẫu số 01)", "(Form No. 01)"));
  s.Rule('=');
  s.Paragraph(std::string(T(en, "Mã hồ sơ:", "Dossier code:")));
  s.Paragraph(d.code, 0);
  s.Field(T(en, "Mã tra cứu", "Lookup code"), d.lookup_secret);
  s.Rule();
  if (d.applicant.kind == "business") {
    s.Field(T(en, "Tổ chức", "Organisation"), d.applicant.business_name);
    s.Field(T(en, "Mã số thuế", "Tax code"), d.applicant.tax_code);
    s.Field(T(en, "Người đại diện", "Legal representative"), d.applicant.full_name);
  } else {
    s.Field(T(en, "Ông/Bà", "Applicant"), d.applicant.full_name);
  }
  s.Field(T(en, "Số định danh", "ID no."), d.id_masked);
  s.Field(T(en, "Điện thoại", "Phone"), d.applicant.phone);
  s.Field(T(en, "Địa chỉ", "Address"), FormatAddress(d.applicant.address));
  if (d.representative && !d.representative->full_name.empty()) {
    s.Field(T(en, "Người được ủy quyền", "Authorised person"),
            JoinNonEmpty({d.representative->full_name, d.representative_id_masked}, ", "));
  }
  s.Field(T(en, "Thủ tục", "Procedure"), d.procedure_name_vi);
  s.Field(T(en, "Mã thủ tục", "Procedure code"), d.procedure_code);
  s.Rule();
  s.Paragraph(T(en, "Giấy tờ đã nộp:", "Documents received:"));
  int stt = 0;
  for (const DocumentReceived& doc : d.documents) {
    s.Paragraph(std::to_string(++stt) + ". " + doc.name_vi, 3);
    s.Paragraph(
        DocumentFormName(doc.form, en) + ", " + T(en, "SL: ", "qty: ") + std::to_string(doc.count),
        3, 3);
  }
  s.Rule();
  s.Field(T(en, "Thời hạn giải quyết", "Processing time"),
          FormatProcessingTime(d.processing_kind, d.processing_days, lang));
  s.Field(T(en, "Nhận hồ sơ", "Received"), FormatDateTimeDigits(d.received_at));
  if (d.counted_from != 0 && d.counted_from != d.received_at) {
    s.Field(T(en, "Thời hạn tính từ", "Counted from"), FormatDateTimeDigits(d.counted_from));
  }
  s.Paragraph(T(en, "HẸN TRẢ KẾT QUẢ:", "RESULT DUE:"));
  if (d.appointment > 0) {
    // Time and date on lines of their own so the date is never split.
    s.Paragraph(FormatTimeWords(d.appointment, lang) + ",", 0);
    s.Paragraph(FormatDateWords(d.appointment, lang), 0);
    s.Paragraph("(" + FormatDateTimeDigits(d.appointment) + ")", 0);
  } else {
    s.Paragraph(T(en, "Không quy định", "Not specified"), 0);
  }
  if (d.return_method.method == "post") {
    s.Field(T(en, "Nhận kết quả qua bưu chính", "Result by post to"),
            JoinNonEmpty({d.return_method.recipient_name, d.return_method.recipient_phone,
                          FormatAddress(d.return_method.address)},
                         ", "));
    s.Field(T(en, "Cước bưu chính", "Postal fee"), FeeText(d.postal_fee_vnd, en));
  } else {
    s.Field(T(en, "Nhận kết quả", "Result returned"), T(en, "tại Bộ phận một cửa", "at the desk"));
  }
  s.Field(T(en, "Phí, lệ phí", "Fees"), FeeText(d.fee_vnd, en));
  s.Field(T(en, "Người tiếp nhận", "Received by"), d.clerk);
  s.Field(T(en, "Ghi chú", "Note"), d.note);
  s.Rule();
  s.Paragraph(T(en, "Mã QR: xem bản A5", "QR code: see the A5 print"));
  s.Paragraph(T(en, "Tra cứu tình trạng hồ sơ bằng mã hồ sơ và mã tra cứu.",
                "Track the dossier with the dossier code and lookup code."));
  s.Paragraph(
      JoinNonEmpty({d.catalog_version.empty() ? "" : T(en, "DM ", "Cat. ") + d.catalog_version,
                    d.calendar_version.empty() ? "" : T(en, "Lịch ", "Cal. ") + d.calendar_version,
                    d.tariff_version.empty() ? "" : T(en, "Phí ", "Tariff ") + d.tariff_version},
                   " / "));
  return s.Text();
}

// ---------------------------------------------------------------------------
// Form 02 and Form 03.

std::string GuidanceSlipHtml(const IntakeRequest& req, const std::string& procedure_name_vi,
                             const std::string& procedure_code,
                             const std::vector<MissingDocument>& missing, const NodeIdentity& unit,
                             UnixMs now, std::string_view lang) {
  const bool en = lang == "en";
  const Applicant& a = req.applicant;
  std::string out;
  out.reserve(12 * 1024);
  OpenPage(&out, T(en, "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ", "Request to complete a dossier"),
           en);
  Letterhead(&out, unit, now, T(en, "Mẫu số 02", "Form No. 02"),
             T(en, "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ",
               "REQUEST TO SUPPLEMENT AND COMPLETE A DOSSIER"),
             en);
  out += "<table class=\"f\">\n";
  // The request holds the clear ID number; Form 02 does not need it.
  ApplicantRows(&out, a, "", req.representative, "", en);
  ProcedureRows(&out, procedure_name_vi, "", procedure_code, en);
  out += "</table>\n<p>";
  const std::string who = a.kind == "business" && !a.business_name.empty()
                              ? a.business_name
                              : T(en, "Ông/Bà ", "Mr/Ms ") + a.full_name;
  out += T(en, "Hồ sơ của ", "The dossier of ");
  out += HtmlEscape(who);
  out += T(en, " còn thiếu các giấy tờ sau:", " lacks the following documents:");
  out += "</p>\n<table class=\"docs\">\n<tr><th class=\"n\">";
  out += T(en, "STT", "No.");
  out += "</th><th>";
  out += T(en, "Tên giấy tờ", "Document");
  out += "</th><th>";
  out += T(en, "Hình thức", "Form");
  out += "</th><th class=\"n\">";
  out += T(en, "Cần nộp", "Required");
  out += "</th><th class=\"n\">";
  out += T(en, "Đã nộp", "Received");
  out += "</th></tr>\n";
  int stt = 0;
  for (const MissingDocument& m : missing) {
    std::string name = HtmlEscape(m.name_vi);
    if (en && !m.name_en.empty()) {
      name += "<br><span class=\"en\">" + HtmlEscape(m.name_en) + "</span>";
    }
    out += "<tr><td class=\"n\">" + std::to_string(++stt) + "</td><td>" + name + "</td><td>" +
           HtmlEscape(DocumentFormName(m.form, en)) + "</td><td class=\"n\">" +
           std::to_string(m.count_required) + "</td><td class=\"n\">" +
           std::to_string(m.count_received) + "</td></tr>\n";
  }
  out += "</table>\n<p>";
  out += T(en,
           "Hồ sơ chưa được tiếp nhận và chưa được cấp mã hồ sơ. Đề nghị Ông/Bà bổ sung, hoàn "
           "thiện hồ sơ theo các nội dung trên và nộp lại tại ",
           "The dossier has not been accepted and has no dossier code. Please complete it as "
           "listed above and file it again at ");
  out += HtmlEscape(unit.name);
  out += ".</p>\n<p>";
  out += T(en,
           "Trong quá trình hoàn thiện hồ sơ, nếu có vướng mắc, Ông/Bà liên hệ với người hướng "
           "dẫn dưới đây để được hướng dẫn.",
           "For any question while completing the dossier, contact the officer below.");
  out += "</p>\n";
  SignatureBlock(&out, nullptr, "", T(en, "Người hướng dẫn", "Guided by"), req.clerk, en);
  ClosePage(&out);
  return out;
}

std::string RefusalSlipHtml(const Dossier& d, const NodeIdentity& unit, std::string_view lang) {
  const bool en = lang == "en";
  std::string out;
  out.reserve(12 * 1024);
  OpenPage(&out,
           std::string(T(en, "Phiếu từ chối tiếp nhận giải quyết hồ sơ", "Refusal to accept")) +
               " " + d.code,
           en);
  Letterhead(
      &out, unit, d.received_at, T(en, "Mẫu số 03", "Form No. 03"),
      T(en, "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ", "NOTICE OF REFUSAL TO ACCEPT A DOSSIER"),
      en);
  out += "<table class=\"f\">\n";
  Row(&out, T(en, "Mã hồ sơ", "Dossier code"),
      "<span class=\"code\">" + HtmlEscape(d.code) + "</span>");
  ApplicantRows(&out, d.applicant, d.id_masked, d.representative, d.representative_id_masked, en);
  ProcedureRows(&out, d.procedure_name_vi, d.procedure_name_en, d.procedure_code, en);
  Row(&out, T(en, "Thời gian nhận hồ sơ", "Received"),
      HtmlEscape(FormatDateTimeWords(d.received_at, lang)));
  out += "</table>\n<p>";
  out += T(en,
           "Sau khi nghiên cứu, đối chiếu với các quy định hiện hành, Bộ phận tiếp nhận và trả "
           "kết quả từ chối tiếp nhận, giải quyết hồ sơ này với lý do cụ thể như sau:",
           "Having examined the dossier against the regulations in force, the desk refuses to "
           "accept it for the following reason:");
  out += "</p>\n<p class=\"reason\">";
  out += d.refusal_reason.empty() ? std::string(60, '.') : HtmlEscape(d.refusal_reason);
  out += "</p>\n<p>";
  out += T(en, "Xin thông báo cho Ông/Bà được biết và thực hiện./.",
           "This is to inform the applicant accordingly.");
  out += "</p>\n";
  SignatureBlock(&out, nullptr, "", T(en, "Người tiếp nhận hồ sơ", "Received by"), d.clerk, en);
  ClosePage(&out);
  return out;
}

}  // namespace hoso::node
