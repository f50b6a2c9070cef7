#include "schema/tariff.h"

#include "schema/env.h"
#include "schema/json_util.h"
#include "schema/text.h"

namespace hoso {

namespace {

// "Thành phố Hồ Chí Minh", "TP. Hồ Chí Minh" and "Hồ Chí Minh" are one
// province: drop the administrative prefix after folding.
std::string ProvinceKey(std::string_view name) {
  std::string f = FoldForSearch(name);
  for (const char* prefix : {"thanh pho ", "tp ", "tinh "}) {
    const std::string p = prefix;
    if (f.rfind(p, 0) == 0) {
      f = f.substr(p.size());
      break;
    }
  }
  return f;
}

}  // namespace

Result<Tariff> Tariff::Parse(std::string_view json_text) {
  HOSO_ASSIGN_OR_RETURN(json::object root, ParseJsonObject(json_text));
  HOSO_ASSIGN_OR_RETURN(std::string format, GetString(root, "format"));
  if (format != "hoso.tariff/1") {
    return Status::InvalidArgument("unsupported tariff format '" + format + "'", "format");
  }
  Tariff t;
  HOSO_ASSIGN_OR_RETURN(t.version_, GetString(root, "version"));
  HOSO_ASSIGN_OR_RETURN(std::string from, GetString(root, "effective_from"));
  auto date = ParseDate(from);
  if (!date.ok()) return Status::InvalidArgument(date.status().message(), "effective_from");
  t.effective_from_ = *date;
  HOSO_ASSIGN_OR_RETURN(const json::object* postal, GetObject(root, "postal_return"));
  HOSO_ASSIGN_OR_RETURN(t.same_province_vnd_,
                        GetInt(*postal, "same_province_vnd", "postal_return"));
  HOSO_ASSIGN_OR_RETURN(t.other_province_vnd_,
                        GetInt(*postal, "other_province_vnd", "postal_return"));
  HOSO_ASSIGN_OR_RETURN(t.verified_, GetBool(*postal, "verified", "postal_return"));
  if (t.same_province_vnd_ < 0 || t.other_province_vnd_ < 0) {
    return Status::InvalidArgument("postal fees must not be negative", "postal_return");
  }
  return t;
}

Result<Tariff> Tariff::Load(const std::string& path) {
  HOSO_ASSIGN_OR_RETURN(std::string text, PosixFileSystem()->ReadFile(path));
  auto t = Parse(text);
  if (!t.ok()) return t.status().WithContext(path);
  return t;
}

PostalFee Tariff::PostalReturnFee(std::string_view site_province,
                                  std::string_view delivery_province) const {
  PostalFee fee;
  fee.verified = verified_;
  const bool same = ProvinceKey(site_province) == ProvinceKey(delivery_province);
  fee.zone = same ? "same_province" : "other_province";
  fee.amount_vnd = same ? same_province_vnd_ : other_province_vnd_;
  return fee;
}

}  // namespace hoso
