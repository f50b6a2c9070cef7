#include "node/qr.h"

#include <qrencode.h>

#include <cerrno>
#include <memory>
#include <string>

namespace hoso::node {
namespace {

struct QrCodeFree {
  void operator()(QRcode* code) const { QRcode_free(code); }
};
using QrCodePtr = std::unique_ptr<QRcode, QrCodeFree>;

Result<QrCodePtr> Encode(std::string_view text) {
  if (text.empty()) return Status::InvalidArgument("QR text is empty", "text");
  errno = 0;
  // Version 0 lets the library pick the smallest version that fits.
  QrCodePtr code(QRcode_encodeData(static_cast<int>(text.size()),
                                   reinterpret_cast<const unsigned char*>(text.data()), 0,
                                   QR_ECLEVEL_M));
  if (code == nullptr) {
    const int err = errno;
    if (err == ERANGE) {
      return Status::InvalidArgument("QR text too long (" + std::to_string(text.size()) + " bytes)",
                                     "text");
    }
    if (err == EINVAL) return Status::InvalidArgument("QR text rejected by encoder", "text");
    return Status::Internal("QR encoding failed (errno " + std::to_string(err) + ")");
  }
  return code;
}

}  // namespace

std::string ReceiptQrPayload(std::string_view code, std::string_view secret) {
  std::string out = "HOSO:";
  out.append(code);
  out.push_back(':');
  out.append(secret);
  return out;
}

Result<std::vector<std::vector<bool>>> QrMatrix(std::string_view text) {
  HOSO_ASSIGN_OR_RETURN(QrCodePtr code, Encode(text));
  const int width = code->width;
  std::vector<std::vector<bool>> rows(width, std::vector<bool>(width, false));
  for (int y = 0; y < width; ++y) {
    for (int x = 0; x < width; ++x) {
      // Bit 0 of each byte is the module colour; the other bits describe
      // the module's role (finder, timing, data) and are not needed here.
      rows[y][x] = (code->data[y * width + x] & 1) != 0;
    }
  }
  return rows;
}

Result<std::string> QrSvg(std::string_view text, int module_px) {
  if (module_px < 1) {
    return Status::InvalidArgument("module_px must be at least 1", "module_px");
  }
  HOSO_ASSIGN_OR_RETURN(auto rows, QrMatrix(text));
  const int width = static_cast<int>(rows.size());
  const int total = width + 2 * kQrQuietZoneModules;
  const std::string px = std::to_string(total * module_px);
  const std::string n = std::to_string(total);

  // One subpath per horizontal run of dark modules keeps the path short
  // (a receipt QR is about 1 KB) while staying trivially parseable.
  std::string d;
  for (int y = 0; y < width; ++y) {
    int x = 0;
    while (x < width) {
      if (!rows[y][x]) {
        ++x;
        continue;
      }
      int run = 1;
      while (x + run < width && rows[y][x + run]) ++run;
      const std::string r = std::to_string(run);
      d += "M" + std::to_string(x + kQrQuietZoneModules) + " " +
           std::to_string(y + kQrQuietZoneModules) + "h" + r + "v1h-" + r + "z";
      x += run;
    }
  }

  std::string svg;
  svg.reserve(d.size() + 300);
  svg += "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"qr\" width=\"" + px + "\" height=\"" +
         px + "\" viewBox=\"0 0 " + n + " " + n +
         "\" shape-rendering=\"crispEdges\" role=\"img\" aria-label=\"QR\">";
  svg += "<rect width=\"" + n + "\" height=\"" + n + "\" fill=\"#fff\"/>";
  svg += "<path fill=\"#000\" d=\"" + d + "\"/>";
  svg += "</svg>";
  return svg;
}

}  // namespace hoso::node
