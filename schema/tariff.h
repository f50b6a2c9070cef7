// Tariff: the postal fee for returning a result by post (the public postal
// service's "chuyển phát kết quả giải quyết thủ tục hành chính", Decision
// 45/2016/QĐ-TTg), as versioned data loaded from tariff.json.
//
// The fee depends on whether the delivery address is in the same province as
// the desk. Figures are per province contract; a figure not verified against
// the province's published price list says so ("verified": false), and the
// receipt then shows it as provisional.
//
// Thread-safety: immutable after Load; safe to share.
#ifndef HOSO_SCHEMA_TARIFF_H_
#define HOSO_SCHEMA_TARIFF_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "schema/status.h"
#include "schema/time.h"

namespace hoso {

struct PostalFee {
  int64_t amount_vnd = 0;
  bool verified = false;
  std::string zone;  // "same_province" | "other_province"
};

class Tariff {
 public:
  static Result<Tariff> Parse(std::string_view json_text);
  static Result<Tariff> Load(const std::string& path);

  const std::string& version() const { return version_; }
  const Date& effective_from() const { return effective_from_; }
  // The postal return fee from a desk in `site_province` to an address in
  // `delivery_province`. Provinces compare accent- and case-insensitively.
  PostalFee PostalReturnFee(std::string_view site_province,
                            std::string_view delivery_province) const;

 private:
  std::string version_;
  Date effective_from_;
  int64_t same_province_vnd_ = 0;
  int64_t other_province_vnd_ = 0;
  bool verified_ = false;
};

}  // namespace hoso

#endif  // HOSO_SCHEMA_TARIFF_H_
