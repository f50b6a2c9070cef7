#include "tools/bench_sync_data.h"

#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "node/desk.h"
#include "schema/catalog.h"
#include "schema/env.h"
#include "schema/time.h"

namespace hoso::bench {
namespace {

// Frequent Vietnamese family names, roughly in order of frequency.
constexpr const char* kFamily[] = {"Nguyễn", "Trần", "Lê",   "Phạm", "Hoàng", "Huỳnh",
                                   "Phan",   "Vũ",   "Võ",   "Đặng", "Bùi",   "Đỗ",
                                   "Hồ",     "Ngô",  "Dương", "Lý",  "Trương", "Đinh"};
constexpr const char* kMiddle[] = {"Văn",  "Thị",   "Hữu",  "Đức",  "Minh", "Ngọc", "Thanh",
                                   "Quốc", "Thu",   "Kim",  "Gia",  "Bảo",  "Xuân", "Hoài",
                                   "Mỹ",   "Thành", "Phương", "Trọng"};
constexpr const char* kGiven[] = {
    "An",   "Anh",   "Bảo",  "Bình",  "Châu", "Cường", "Dũng",  "Dương", "Giang", "Hà",
    "Hải",  "Hạnh",  "Hiếu", "Hoa",   "Hùng", "Hương", "Huy",   "Khánh", "Khoa",  "Lan",
    "Linh", "Long",  "Mai",  "Nam",   "Ngân", "Nhung", "Phúc",  "Phương", "Quân", "Quyên",
    "Sơn",  "Tâm",   "Thảo", "Thắng", "Trang", "Trí",  "Tuấn",  "Uyên",  "Việt",  "Xuân",
    "Yến",  "Đạt",   "Ánh",  "Ngọc",  "Thủy", "Tùng",  "Vy",    "Hằng"};
constexpr const char* kBusinessKind[] = {"Công ty TNHH", "Công ty Cổ phần",
                                         "Công ty TNHH Một thành viên", "Hộ kinh doanh",
                                         "Doanh nghiệp tư nhân"};
constexpr const char* kTrade[] = {"Thương mại", "Thương mại Dịch vụ", "Xăng dầu",
                                  "Đồ uống",    "Thực phẩm",          "Sản xuất và Thương mại",
                                  "Xuất nhập khẩu", "Phân phối",      "Bán lẻ"};
constexpr const char* kBrand[] = {"Hưng Thịnh", "Phát Đạt",  "Minh Long",  "An Khang",
                                  "Thành Công", "Đại Việt",  "Sài Gòn Xanh", "Phú Quý",
                                  "Tân Phước",  "Bình Minh", "Hòa Bình",   "Nam Việt",
                                  "Kim Ngân",   "Trường Sơn", "Đông Á",    "Hoàng Gia"};
constexpr const char* kStreet[] = {
    "Lê Lợi",        "Nguyễn Huệ",     "Hai Bà Trưng",  "Điện Biên Phủ", "Cách Mạng Tháng Tám",
    "Võ Văn Tần",    "Pasteur",        "Nam Kỳ Khởi Nghĩa", "Trần Hưng Đạo", "Lý Thường Kiệt",
    "Nguyễn Trãi",   "Phạm Ngũ Lão",   "Lê Văn Sỹ",     "Hoàng Văn Thụ", "Nguyễn Thị Minh Khai",
    "Xô Viết Nghệ Tĩnh", "Phan Đăng Lưu", "Quang Trung", "Âu Cơ",        "Tô Hiến Thành"};
constexpr const char* kWard[] = {"Phường Sài Gòn",   "Phường Bến Thành", "Phường Tân Định",
                                 "Phường Xuân Hòa",  "Phường Chợ Quán",  "Phường An Đông",
                                 "Phường Bàn Cờ",    "Phường Gia Định",  "Phường Bình Thạnh",
                                 "Phường Phú Nhuận", "Phường Tân Sơn Nhất", "Phường Gò Vấp",
                                 "Xã Bình Chánh",    "Xã Củ Chi",        "Xã Cần Giờ"};
constexpr const char* kProvince[] = {"Thành phố Hồ Chí Minh", "Thành phố Hồ Chí Minh",
                                     "Thành phố Hồ Chí Minh", "Thành phố Hồ Chí Minh",
                                     "Tỉnh Đồng Nai",         "Tỉnh Tây Ninh",
                                     "Thành phố Cần Thơ",     "Tỉnh Lâm Đồng"};
constexpr const char* kPhonePrefix[] = {"090", "091", "093", "097", "098", "070",
                                        "077", "035", "038", "086", "088", "083"};
constexpr const char* kClerks[] = {"Nguyễn Thị Thu Hà", "Trần Minh Khoa", "Lê Ngọc Ánh",
                                   "Phạm Quốc Việt"};
constexpr const char* kRefusals[] = {
    "Giấy tờ không hợp lệ: bản sao không được chứng thực",
    "Hồ sơ không thuộc thẩm quyền giải quyết của Sở Công Thương",
    "Người nộp không xuất trình được giấy ủy quyền hợp lệ",
    "Đơn đề nghị không đúng mẫu quy định"};

constexpr int kOpenMinute = 7 * 60 + 30;    // 07:30 local
constexpr int kCloseMinute = 17 * 60;       // 17:00 local
constexpr Date kFirstDay{2026, 3, 2};       // a Monday

class Gen {
 public:
  explicit Gen(uint64_t seed) : rng_(seed) {}

  template <size_t N>
  const char* Pick(const char* const (&list)[N]) {
    return list[Uniform(N)];
  }
  size_t Uniform(size_t n) { return static_cast<size_t>(rng_() % n); }
  bool Chance(int percent) { return Uniform(100) < static_cast<size_t>(percent); }
  std::string Digits(int n) {
    std::string s;
    for (int i = 0; i < n; ++i) s.push_back(static_cast<char>('0' + Uniform(10)));
    return s;
  }

  std::string PersonName() {
    return std::string(Pick(kFamily)) + " " + Pick(kMiddle) + " " + Pick(kGiven);
  }
  std::string IdNumber() {
    // Province of registration 001..096, then century/sex digit and year.
    char head[4];
    std::snprintf(head, sizeof head, "%03zu", 1 + Uniform(96));
    return head + Digits(9);
  }
  std::string Phone() { return Pick(kPhonePrefix) + Digits(7); }
  node::Address Address() {
    node::Address a;
    a.province = Pick(kProvince);
    a.ward = Pick(kWard);
    a.street = std::to_string(1 + Uniform(480)) + (Chance(20) ? "/" + std::to_string(1 + Uniform(40)) : "") +
               " " + Pick(kStreet);
    return a;
  }

 private:
  std::mt19937_64 rng_;
};

node::IntakeRequest MakeRequest(Gen& g, const Procedure& p) {
  node::IntakeRequest r;
  r.procedure_id = p.id;
  node::Applicant& a = r.applicant;
  a.full_name = g.PersonName();
  a.phone = g.Phone();
  a.address = g.Address();
  if (g.Chance(35)) {
    a.kind = "business";
    a.business_name =
        std::string(g.Pick(kBusinessKind)) + " " + g.Pick(kTrade) + " " + g.Pick(kBrand);
    a.tax_code = "03" + g.Digits(8) + (g.Chance(10) ? "-00" + std::to_string(1 + g.Uniform(9)) : "");
    r.applicant_type = "organisation";
    if (g.Chance(40)) a.email = "lienhe" + g.Digits(3) + "@congty" + g.Digits(4) + ".vn";
  } else {
    a.kind = "person";
    a.id_number = g.IdNumber();
    r.applicant_type = "household";
    if (g.Chance(25)) a.email = "khachhang" + g.Digits(5) + "@gmail.com";
  }
  if (g.Chance(15)) {
    node::Representative rep;
    rep.full_name = g.PersonName();
    rep.id_number = g.IdNumber();
    rep.authorisation = "Giấy ủy quyền số " + std::to_string(1 + g.Uniform(300)) + "/2026/GUQ";
    r.representative = rep;
  }
  r.area = g.Chance(80) ? "urban" : "other";
  for (const RequiredDocument& d : p.required_documents) {
    if (!d.optional || g.Chance(50)) r.documents.emplace_back(d.id, d.count);
  }
  r.channel = g.Chance(90) ? "desk" : "post";
  if (p.postal_return && g.Chance(30)) {
    r.return_method.method = "post";
    r.return_method.recipient_name = a.full_name;
    r.return_method.recipient_phone = a.phone;
    r.return_method.address = a.address;
  }
  r.clerk = g.Pick(kClerks);
  if (g.Chance(5)) r.note = "Khách hẹn bổ sung bản gốc khi nhận kết quả";
  return r;
}

}  // namespace

Status GenerateDeskTraffic(node::NodeStore* store, const DeskTrafficOptions& options) {
  if (options.per_day < 1 || options.per_day > 9999) {
    return Status::InvalidArgument("per_day must be 1..9999", "per_day");
  }
  Database& db = store->db();
  HOSO_RETURN_IF_ERROR(db.Exec("PRAGMA synchronous = OFF"));
  FakeClock clock(LocalToUnixMs(kFirstDay, kOpenMinute));
  node::Desk desk(store, node::Desk::Options{&clock});
  Gen g(options.seed);
  const int64_t step_ms =
      int64_t{60'000} * (kCloseMinute - kOpenMinute) / options.per_day;
  Date day = kFirstDay;
  int today = 0;
  std::vector<const Procedure*> procs = store->catalog().InForce(day);
  for (int64_t i = 0; i < options.dossiers; ++i) {
    for (int skipped = 0; today == options.per_day || procs.empty(); ++skipped) {
      if (skipped > 3660) return Status::NotFound("no procedure is in force for ten years");
      do {
        day = AddDays(day, 1);
      } while (Weekday(day) == 0 || Weekday(day) == 6);
      today = 0;
      procs = store->catalog().InForce(day);
    }
    const UnixMs at = LocalToUnixMs(day, kOpenMinute) + today * step_ms +
                      static_cast<int64_t>(g.Uniform(static_cast<size_t>(step_ms)));
    clock.Set(at);
    ++today;
    node::IntakeRequest req = MakeRequest(g, *procs[g.Uniform(procs.size())]);
    req.received_at = at;
    Result<node::Dossier> d = g.Chance(5) ? desk.RefuseAtIntake(req, g.Pick(kRefusals))
                                          : desk.Intake(req, nullptr);
    if (!d.ok()) return d.status().WithContext("dossier " + std::to_string(i + 1));
  }
  return db.Exec("PRAGMA synchronous = FULL");
}

}  // namespace hoso::bench
